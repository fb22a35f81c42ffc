/* draw.c — themes, primitives and heatmap textures; see draw.h. */
#include "app/draw.h"

#include <math.h>
#include <string.h>

Theme theme_dark(void) {
    Theme t = {
        .bg = {22, 24, 29, 255},
        .panel = {31, 34, 41, 255},
        .control = {45, 49, 58, 255},
        .control_hi = {60, 66, 78, 255},
        .border = {58, 63, 74, 255},
        .text = {228, 231, 236, 255},
        .text_dim = {150, 157, 170, 255},
        .accent = {96, 165, 250, 255},
        .on_accent = {12, 18, 28, 255},
        .error = {248, 113, 113, 255},
        .warn = {251, 191, 36, 255},
        .neutral = {40, 43, 51},
    };
    return t;
}

Theme theme_light(void) {
    Theme t = {
        .bg = {255, 255, 255, 255},
        .panel = {255, 255, 255, 255},
        .control = {236, 239, 244, 255},
        .control_hi = {220, 226, 235, 255},
        .border = {200, 205, 214, 255},
        .text = {20, 24, 31, 255},
        .text_dim = {90, 98, 112, 255},
        .accent = {37, 99, 235, 255},
        .on_accent = {255, 255, 255, 255},
        .error = {200, 30, 30, 255},
        .warn = {180, 110, 0, 255},
        .neutral = {245, 245, 245},
    };
    return t;
}

int draw_init(Draw *d, SDL_Renderer *r, EngineError *err) {
    memset(d, 0, sizeof *d);
    d->r = r;
    d->s = 1.0f;
    d->th = theme_dark();
    d->font = font_create(r, err);
    if (!d->font) return -1;
    draw_set_colormap(d, CMAP_VIRIDIS);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    return 0;
}

static void draw__heat_free(HeatTex *h) {
    if (h->tex) SDL_DestroyTexture(h->tex);
    memset(h, 0, sizeof *h);
}

void draw_free(Draw *d) {
    draw__heat_free(&d->head);
    draw__heat_free(&d->head_lod);
    draw__heat_free(&d->grid);
    draw__heat_free(&d->vec);
    draw__heat_free(&d->strips);
    font_free(d->font);
    d->font = NULL;
}

void draw_set_scale(Draw *d, float px_per_pt) {
    d->s = px_per_pt;
    font_set_scale(d->font, px_per_pt);
}

void draw_set_colormap(Draw *d, int cmap) {
    d->cmap = cmap;
    colormap_lut(cmap, d->lut);
    /* masked cells: the grey farthest from every colour of the map, so "not
       allowed to look" never reads as a weight (0 included) */
    int best = 128, best_d = -1;
    for (int g = 96; g <= 160; g += 8) { /* mid greys: quiet on both themes */
        int dmin = 1 << 30;
        for (int i = 0; i < 256; i++) {
            int r = (int)(d->lut[i] >> 16 & 255) - g, gg = (int)(d->lut[i] >> 8 & 255) - g,
                b = (int)(d->lut[i] & 255) - g;
            int dd = r * r + gg * gg + b * b;
            if (dd < dmin) dmin = dd;
        }
        if (dmin > best_d) {
            best_d = dmin;
            best = g;
        }
    }
    d->masked = 0xFF000000u | (uint32_t)best << 16 | (uint32_t)best << 8 | (uint32_t)best;
}

void draw_heat_invalidate(Draw *d) {
    memset(d->head.key, 0, sizeof d->head.key);
    memset(d->head_lod.key, 0, sizeof d->head_lod.key);
    memset(d->grid.key, 0, sizeof d->grid.key);
    memset(d->vec.key, 0, sizeof d->vec.key);
    memset(d->strips.key, 0, sizeof d->strips.key);
}

int draw_px(const Draw *d, float pt) {
    int v = (int)lroundf(pt * d->s);
    return (pt > 0 && v < 1) ? 1 : v;
}

SDL_Color draw_color(Rgb c) {
    SDL_Color o = {c.r, c.g, c.b, 255};
    return o;
}

SDL_Color draw_alpha(SDL_Color c, uint8_t a) {
    c.a = a;
    return c;
}

void draw_fill(Draw *d, SDL_Rect r, SDL_Color c) {
    if (d->dry || r.w <= 0 || r.h <= 0) return;
    /* opaque fills skip blending: much faster in the software renderer */
    SDL_SetRenderDrawBlendMode(d->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(d->r, c.r, c.g, c.b, c.a);
    SDL_RenderFillRect(d->r, &r);
}

void draw_outline(Draw *d, SDL_Rect r, SDL_Color c, int thick) {
    if (d->dry) return;
    SDL_SetRenderDrawBlendMode(d->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(d->r, c.r, c.g, c.b, c.a);
    for (int i = 0; i < thick; i++) {
        SDL_Rect o = {r.x - i, r.y - i, r.w + 2 * i, r.h + 2 * i};
        SDL_RenderDrawRect(d->r, &o);
    }
}

void draw_line(Draw *d, int x0, int y0, int x1, int y1, SDL_Color c) {
    if (d->dry) return;
    SDL_SetRenderDrawBlendMode(d->r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(d->r, c.r, c.g, c.b, c.a);
    SDL_RenderDrawLine(d->r, x0, y0, x1, y1);
}

int draw_text(Draw *d, FontSize size, int x, int y, SDL_Color c, const char *s) {
    if (d->dry) return font_width(d->font, size, s);
    return font_draw(d->font, size, x, y, c, s);
}

int draw_text_fit(Draw *d, FontSize size, int x, int y, int max_w,
                  SDL_Color c, const char *s) {
    char buf[512];
    font_elide(d->font, size, s, max_w, buf, sizeof buf);
    return draw_text(d, size, x, y, c, buf);
}

void draw_text_center(Draw *d, FontSize size, SDL_Rect r, SDL_Color c,
                      const char *s) {
    char buf[512];
    font_elide(d->font, size, s, r.w, buf, sizeof buf);
    int w = font_width(d->font, size, buf), h = font_height(d->font, size);
    draw_text(d, size, r.x + (r.w - w) / 2, r.y + (r.h - h) / 2, c, buf);
}

void draw_text_up(Draw *d, FontSize size, int x, int bottom_y, int max_len,
                  SDL_Color c, const char *s) {
    if (d->dry) return;
    char buf[512];
    font_elide(d->font, size, s, max_len, buf, sizeof buf);
    font_draw_up(d->font, size, x, bottom_y, c, buf);
}

uint32_t *draw_heat_begin(Draw *d, HeatTex *h, int w, int hgt,
                          const uint64_t key[4], int *pitch) {
    if (w <= 0 || hgt <= 0) return NULL;
    if (h->tex && h->w == w && h->h == hgt &&
        memcmp(h->key, key, sizeof h->key) == 0)
        return NULL;
    if (!h->tex || h->tex_w < w || h->tex_h < hgt) {
        /* grow in steps so typing does not recreate the texture each time */
        int tw = w, th = hgt;
        if (h->tex) {
            tw = w > h->tex_w ? w + w / 4 : h->tex_w;
            th = hgt > h->tex_h ? hgt + hgt / 4 : h->tex_h;
            SDL_DestroyTexture(h->tex);
        }
        h->tex = SDL_CreateTexture(d->r, SDL_PIXELFORMAT_ARGB8888,
                                   SDL_TEXTUREACCESS_STREAMING, tw, th);
        memset(h->key, 0, sizeof h->key);
        if (!h->tex) return NULL;
        h->tex_w = tw;
        h->tex_h = th;
        SDL_SetTextureScaleMode(h->tex, SDL_ScaleModeNearest);
    }
    h->w = w;
    h->h = hgt;
    SDL_Rect rect = {0, 0, w, hgt};
    void *pixels;
    int pitch_bytes;
    if (SDL_LockTexture(h->tex, &rect, &pixels, &pitch_bytes) != 0) return NULL;
    memcpy(h->key, key, sizeof h->key);
    *pitch = pitch_bytes / 4;
    return pixels;
}

void draw_heat_unlock(HeatTex *h) {
    SDL_UnlockTexture(h->tex);
}

void draw_heat_blit(Draw *d, HeatTex *h, SDL_Rect src, SDL_FRect dst) {
    if (d->dry || !h->tex) return;
    SDL_RenderCopyF(d->r, h->tex, &src, &dst);
}
