/* font.c — SDL2_ttf faces and the string texture cache; see font.h. */
#include "app/font.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#define FONT_CACHE_CAP 4096 /* open addressing; cleared when 3/4 full */

static const float font_points[FONT_COUNT] = {11.0f, 13.0f, 15.0f};

typedef struct {
    uint64_t hash;   /* 0 = empty slot */
    int size;
    char *s;
    SDL_Texture *tex;
    SDL_Texture *tex_up; /* the same turned 90 degrees (h x w), made on first
                            use: software renderers rotate slowly per copy */
    int w, h;
} FontEntry;

/* Measured widths, apart from the textures: layout measures many strings it
 * never draws (elision candidates, wrapped-line prefixes). */
typedef struct {
    uint64_t hash;   /* 0 = empty slot */
    int size;
    char *s;
    int w;
} FontWidth;

struct FontCache {
    SDL_Renderer *r;
    char path[1024];
    float scale;                  /* pixels per point */
    TTF_Font *face[FONT_COUNT];   /* opened at round(points * scale) px */
    FontEntry *entries;           /* (FONT_CACHE_CAP) */
    int n_entries;
    FontWidth *widths;            /* (FONT_CACHE_CAP) */
    int n_widths;
};

const char *font_resolve_path(EngineError *err) {
    static const char *candidates[] = {
        "assets/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    };
    struct stat st;
    const char *env = getenv("ATTNSCOPE_FONT");
    if (env && *env) {
        if (stat(env, &st) == 0) return env;
        engine_fail(err, "ATTNSCOPE_FONT=%s: no such file; HINT: point it at "
                    "a .ttf file or unset it", env);
        return NULL;
    }
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
        if (stat(candidates[i], &st) == 0) return candidates[i];
    engine_fail(err, "DejaVuSans.ttf: font not found; HINT: apt-get install "
                "fonts-dejavu-core, or set ATTNSCOPE_FONT to a .ttf file");
    return NULL;
}

static void font__clear(FontCache *fc) {
    for (int i = 0; i < FONT_CACHE_CAP; i++) {
        FontEntry *e = &fc->entries[i];
        if (!e->hash) continue;
        if (e->tex) SDL_DestroyTexture(e->tex);
        if (e->tex_up) SDL_DestroyTexture(e->tex_up);
        free(e->s);
        memset(e, 0, sizeof *e);
    }
    fc->n_entries = 0;
    for (int i = 0; fc->widths && i < FONT_CACHE_CAP; i++) {
        free(fc->widths[i].s);
        memset(&fc->widths[i], 0, sizeof fc->widths[i]);
    }
    fc->n_widths = 0;
}

static int font__open_faces(FontCache *fc, EngineError *err) {
    for (int i = 0; i < FONT_COUNT; i++) {
        if (fc->face[i]) TTF_CloseFont(fc->face[i]);
        int px = (int)lroundf(font_points[i] * fc->scale);
        fc->face[i] = TTF_OpenFont(fc->path, px < 4 ? 4 : px);
        if (!fc->face[i])
            return engine_fail(err, "%s: cannot open font: %s; HINT: "
                               "reinstall fonts-dejavu-core", fc->path,
                               TTF_GetError());
        TTF_SetFontHinting(fc->face[i], TTF_HINTING_LIGHT);
    }
    return 0;
}

FontCache *font_create(SDL_Renderer *r, EngineError *err) {
    const char *path = font_resolve_path(err);
    if (!path) return NULL;
    if (TTF_Init() != 0) {
        engine_fail(err, "SDL2_ttf: %s; HINT: apt-get install libsdl2-ttf-2.0-0",
                    TTF_GetError());
        return NULL;
    }
    FontCache *fc = calloc(1, sizeof *fc);
    if (fc) fc->entries = calloc(FONT_CACHE_CAP, sizeof *fc->entries);
    if (fc) fc->widths = calloc(FONT_CACHE_CAP, sizeof *fc->widths);
    if (!fc || !fc->entries || !fc->widths) {
        if (fc) free(fc->entries);
        free(fc);
        TTF_Quit();
        engine_fail(err, "font cache: out of memory; HINT: close other programs");
        return NULL;
    }
    fc->r = r;
    fc->scale = 1.0f;
    snprintf(fc->path, sizeof fc->path, "%s", path);
    if (font__open_faces(fc, err)) {
        font_free(fc);
        return NULL;
    }
    return fc;
}

void font_free(FontCache *fc) {
    if (!fc) return;
    font__clear(fc);
    free(fc->entries);
    free(fc->widths);
    for (int i = 0; i < FONT_COUNT; i++)
        if (fc->face[i]) TTF_CloseFont(fc->face[i]);
    free(fc);
    TTF_Quit();
}

void font_set_scale(FontCache *fc, float px_per_pt) {
    if (px_per_pt <= 0.0f || fabsf(px_per_pt - fc->scale) < 1e-3f) return;
    fc->scale = px_per_pt;
    font__clear(fc);
    EngineError err;
    font__open_faces(fc, &err); /* the same file opened before: cannot fail
                                   short of running out of memory */
}

float font_scale(const FontCache *fc) { return fc->scale; }

int font_height(FontCache *fc, FontSize size) {
    return fc->face[size] ? TTF_FontHeight(fc->face[size]) : 0;
}

static uint64_t font__hash(FontSize size, const char *s) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)size;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

int font_width(FontCache *fc, FontSize size, const char *s) {
    int w = 0, h = 0;
    if (!s || !*s || !fc->face[size]) return 0;
    uint64_t hs = font__hash(size, s);
    unsigned i = (unsigned)(hs % FONT_CACHE_CAP);
    for (;;) {
        FontWidth *e = &fc->widths[i];
        if (!e->hash) break;
        if (e->hash == hs && e->size == (int)size && strcmp(e->s, s) == 0) return e->w;
        i = (i + 1) % FONT_CACHE_CAP;
    }
    if (TTF_SizeUTF8(fc->face[size], s, &w, &h) != 0) return 0;
    if (fc->n_widths >= FONT_CACHE_CAP * 3 / 4) { /* start over: cheap to refill */
        for (int j = 0; j < FONT_CACHE_CAP; j++) {
            free(fc->widths[j].s);
            memset(&fc->widths[j], 0, sizeof fc->widths[j]);
        }
        fc->n_widths = 0;
        i = (unsigned)(hs % FONT_CACHE_CAP);
    }
    FontWidth *e = &fc->widths[i];
    e->s = strdup(s);
    if (!e->s) return w;
    e->hash = hs;
    e->size = size;
    e->w = w;
    fc->n_widths++;
    return w;
}

/* The cached white texture for s, rendering it on a miss. NULL for "". */
static FontEntry *font__get(FontCache *fc, FontSize size, const char *s) {
    if (!s || !*s || !fc->face[size]) return NULL;
    uint64_t h = font__hash(size, s);
    unsigned i = (unsigned)(h % FONT_CACHE_CAP);
    for (;;) {
        FontEntry *e = &fc->entries[i];
        if (!e->hash) break;
        if (e->hash == h && e->size == (int)size && strcmp(e->s, s) == 0)
            return e->tex ? e : NULL;
        i = (i + 1) % FONT_CACHE_CAP;
    }
    if (fc->n_entries >= FONT_CACHE_CAP * 3 / 4) {
        font__clear(fc);
        return font__get(fc, size, s);
    }
    FontEntry *e = &fc->entries[i];
    e->s = strdup(s);
    if (!e->s) return NULL;
    e->hash = h;
    e->size = size;
    fc->n_entries++;
    SDL_Color white = {255, 255, 255, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(fc->face[size], s, white);
    if (!surf) return NULL; /* remembered as unrenderable */
    e->tex = SDL_CreateTextureFromSurface(fc->r, surf);
    e->w = surf->w;
    e->h = surf->h;
    SDL_FreeSurface(surf);
    if (!e->tex) return NULL;
    SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
    return e;
}

int font_draw(FontCache *fc, FontSize size, int x, int y, SDL_Color c,
              const char *s) {
    FontEntry *e = font__get(fc, size, s);
    if (!e) return 0;
    SDL_SetTextureColorMod(e->tex, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(e->tex, c.a);
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(fc->r, e->tex, NULL, &dst);
    return e->w;
}

void font_draw_up(FontCache *fc, FontSize size, int x, int bottom_y,
                  SDL_Color c, const char *s) {
    FontEntry *e = font__get(fc, size, s);
    if (!e) return;
    if (!e->tex_up) {
        /* turn the white text a quarter counter-clockwise, once: pixel (i, j)
           of the w x h text goes to (j, w - 1 - i) of the h x w one */
        SDL_Color white = {255, 255, 255, 255};
        SDL_Surface *src = TTF_RenderUTF8_Blended(fc->face[size], s, white);
        SDL_Surface *src32 = src ? SDL_ConvertSurfaceFormat(src, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
        SDL_Surface *up = src32 ? SDL_CreateRGBSurfaceWithFormat(0, src32->h, src32->w, 32,
                                                                 SDL_PIXELFORMAT_ARGB8888) : NULL;
        if (up) {
            for (int j = 0; j < src32->h; j++) {
                const uint32_t *row = (const uint32_t *)((const uint8_t *)src32->pixels + (size_t)j * src32->pitch);
                for (int i = 0; i < src32->w; i++)
                    ((uint32_t *)((uint8_t *)up->pixels + (size_t)(src32->w - 1 - i) * up->pitch))[j] = row[i];
            }
            e->tex_up = SDL_CreateTextureFromSurface(fc->r, up);
            if (e->tex_up) SDL_SetTextureBlendMode(e->tex_up, SDL_BLENDMODE_BLEND);
        }
        SDL_FreeSurface(up);
        SDL_FreeSurface(src32);
        SDL_FreeSurface(src);
        if (!e->tex_up) return;
    }
    SDL_SetTextureColorMod(e->tex_up, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(e->tex_up, c.a);
    SDL_Rect dst = {x - e->h / 2, bottom_y - e->w, e->h, e->w};
    SDL_RenderCopy(fc->r, e->tex_up, NULL, &dst);
}

char *font_elide(FontCache *fc, FontSize size, const char *s, int max_w,
                 char *out, size_t cap) {
    if (cap == 0) return out;
    snprintf(out, cap, "%s", s ? s : "");
    if (font_width(fc, size, out) <= max_w) return out;
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 */
    size_t n = strlen(out);
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80) n--;
        if (n + sizeof ell > cap) continue;
        memcpy(out + n, ell, sizeof ell);
        if (font_width(fc, size, out) <= max_w) return out;
    }
    snprintf(out, cap, "%s", font_width(fc, size, ell) <= max_w ? ell : "");
    return out;
}
