/* test_app_font.c — font fallback and the bounded text cache, headless
 * (SDL dummy video driver, a software renderer over a surface).
 *
 * CJK and emoji must come out as glyphs, not the .notdef box DejaVu draws
 * for what it lacks: each string is drawn alone, its pixels read back and
 * compared with the drawing of U+E000 (a private-use codepoint no installed
 * font has, so it is .notdef). Emoji must be in colour and stay in colour
 * under any tint. The cache must stay under FONT_CACHE_MAX_BYTES however
 * many big strings are drawn. */
#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/font.h"
#include "check.h"

#define W 1600
#define H 200

static SDL_Surface *surf;
static SDL_Renderer *ren;
static uint32_t px[W * H];

/* Clears, draws s at (10, 10) in color c, reads the pixels back into px.
 * Returns the width font_draw reported. */
static int render(FontCache *fc, FontSize size, const char *s, SDL_Color c) {
    SDL_SetRenderDrawColor(ren, 0, 0, 0, 255);
    SDL_RenderClear(ren);
    int w = font_draw(fc, size, 10, 10, c, s);
    SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, W * 4);
    return w;
}

/* Pixels brighter than a faint edge, and the colourful ones among them. */
static int lit(int *colored) {
    int n = 0, col = 0;
    for (int i = 0; i < W * H; i++) {
        int r = (px[i] >> 16) & 255, g = (px[i] >> 8) & 255, b = px[i] & 255;
        int mx = r > g ? (r > b ? r : b) : (g > b ? g : b);
        int mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
        if (mx > 60) n++;
        if (mx > 60 && mx - mn > 40) col++;
    }
    if (colored) *colored = col;
    return n;
}

/* How many pixels differ between two drawings. */
static int diff(const uint32_t *a, const uint32_t *b) {
    int n = 0;
    for (int i = 0; i < W * H; i++) n += (a[i] & 0xFFFFFF) != (b[i] & 0xFFFFFF);
    return n;
}

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        CHECK(0, "SDL_Init: %s", SDL_GetError());
        return check_summary();
    }
    surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    EngineError err = {{0}};
    FontCache *fc = ren ? font_create(ren, &err) : NULL;
    CHECK(fc != NULL, "font_create: %s", err.msg);
    if (!fc) return check_summary();
    SDL_Color white = {255, 255, 255, 255}, black = {0, 0, 0, 255};
    static uint32_t notdef[W * H], a[W * H];

    /* --- which fonts draw what --- */
    const char *cjk = font_face_path(fc, 0x4E2D); /* 中 */
    const char *emo = font_face_path(fc, 0x1F980); /* crab: not in DejaVu */
    CHECK(font_face_path(fc, 'a') && strstr(font_face_path(fc, 'a'), "DejaVu"),
          "ASCII from DejaVu: %s", font_face_path(fc, 'a') ? font_face_path(fc, 'a') : "(none)");
    CHECK(cjk && !strstr(cjk, "DejaVu"), "a CJK fallback font (make deps installs "
          "fonts-wqy-microhei): %s", cjk ? cjk : "(none)");
    CHECK(emo != NULL, "an emoji font (make deps installs fonts-noto-color-emoji): %s",
          emo ? emo : "(none)");
    CHECK(font_face_path(fc, 0xE000) == NULL, "no font has U+E000 (the .notdef reference)");

    /* --- CJK: glyphs, not boxes --- */
    render(fc, FONT_NORMAL, "\xEE\x80\x80", white); /* U+E000: .notdef */
    memcpy(notdef, px, sizeof px);
    int n_notdef = lit(NULL);
    CHECK(n_notdef > 0, ".notdef draws a box (%d px)", n_notdef);
    const char *cjk_chars[] = {"\xE4\xB8\xAD", "\xE6\x96\x87", "\xE3\x81\x82", "\xED\x95\x9C"}; /* 中 文 あ 한 */
    for (int i = 0; i < 4; i++) {
        render(fc, FONT_NORMAL, cjk_chars[i], white);
        int n = lit(NULL), d = diff(px, notdef);
        CHECK(n > 10 && d > n / 3, "%s draws a glyph (%d px lit, %d differ from .notdef)",
              cjk_chars[i], n, d);
        if (i == 0) memcpy(a, px, sizeof px);
        else CHECK(diff(px, a) > 10, "%s and %s differ (boxes would not)", cjk_chars[i], cjk_chars[0]);
    }

    /* --- emoji: in colour, untinted --- */
    int col = 0, n = 0;
    render(fc, FONT_NORMAL, "\xF0\x9F\xA6\x80", white); /* U+1F980 */
    n = lit(&col);
    CHECK(n > 20 && diff(px, notdef) > n / 3, "the crab emoji draws (%d px)", n);
    CHECK(col > 20, "the crab is in colour (%d colourful px): SDL_ttf 2.20 draws Noto "
          "Color Emoji's bitmaps", col);
    render(fc, FONT_NORMAL, "\xF0\x9F\xA6\x80", black);
    int col_black = 0;
    lit(&col_black);
    CHECK(col_black > 20, "a black tint leaves the emoji's colours (%d px)", col_black);
    CHECK(font_height(fc, FONT_NORMAL) > 0 &&
          font_width(fc, FONT_NORMAL, "\xF0\x9F\xA6\x80") <= 2 * font_height(fc, FONT_NORMAL),
          "the emoji is scaled to the line (%d px wide, line %d)",
          font_width(fc, FONT_NORMAL, "\xF0\x9F\xA6\x80"), font_height(fc, FONT_NORMAL));

    /* --- mixed runs: every part drawn, widths add up --- */
    const char *mixed = "ab \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\xA6\x80 e\xCC\x81!";
    int wm = render(fc, FONT_NORMAL, mixed, white);
    n = lit(&col);
    int parts = font_width(fc, FONT_NORMAL, "ab ") + font_width(fc, FONT_NORMAL, "\xE4\xB8\xAD\xE6\x96\x87") +
                font_width(fc, FONT_NORMAL, " ") + font_width(fc, FONT_NORMAL, "\xF0\x9F\xA6\x80") +
                font_width(fc, FONT_NORMAL, " e\xCC\x81!");
    CHECK(wm == font_width(fc, FONT_NORMAL, mixed), "drawn width %d = measured %d", wm,
          font_width(fc, FONT_NORMAL, mixed));
    CHECK(abs(wm - parts) <= 6, "mixed width %d ~ sum of its runs %d", wm, parts);
    CHECK(col > 20 && n > col + 40, "mixed text has colour emoji (%d) and white glyphs (%d)", col, n);
    /* the CJK part of the mixed string is where the CJK glyphs are: its
       columns are lit */
    int x0 = 10 + font_width(fc, FONT_NORMAL, "ab "), x1 = x0 + font_width(fc, FONT_NORMAL, "\xE4\xB8\xAD");
    int in = 0;
    for (int y = 0; y < H; y++)
        for (int x = x0; x < x1; x++) in += (px[y * W + x] & 0xFF) > 60;
    CHECK(in > 10, "the CJK run is drawn in its place (%d px)", in);

    /* --- the cache is bounded by bytes --- */
    font_set_scale(fc, 3.0f);
    size_t peak = 0;
    bool within = true;
    char s[512];
    for (int i = 0; i < 1500; i++) {
        int len = snprintf(s, sizeof s, "%05d ", i);
        for (; len < 200; len++) s[len] = (char)('a' + (i + len) % 26);
        s[len] = '\0';
        font_draw(fc, FONT_TITLE, 0, 0, white, s);
        size_t b = font_cache_bytes(fc);
        if (b > peak) peak = b;
        if (b > FONT_CACHE_MAX_BYTES) within = false;
    }
    CHECK(within, "cached text stays <= %u bytes (peak %zu)", FONT_CACHE_MAX_BYTES, peak);
    CHECK(peak > FONT_CACHE_MAX_BYTES / 2, "the storm filled the cache (peak %zu): the bound was "
          "exercised", peak);
    /* one string larger than the budget allows is drawn, not kept */
    static char big[20001];
    for (int i = 0; i < 20000; i++) big[i] = (char)('A' + i % 26);
    size_t before = font_cache_bytes(fc);
    font_draw(fc, FONT_SMALL, 0, 0, white, big);
    CHECK(font_cache_bytes(fc) <= before, "a huge string is not cached (%zu -> %zu bytes)", before,
          font_cache_bytes(fc));
    font_set_scale(fc, 1.0f);
    CHECK(font_cache_bytes(fc) == 0, "a new scale empties the cache");
    int w2 = render(fc, FONT_NORMAL, mixed, white);
    CHECK(w2 == wm, "after a rescale the mixed string draws again (%d px)", w2);

    font_free(fc);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    SDL_Quit();
    return check_summary();
}
