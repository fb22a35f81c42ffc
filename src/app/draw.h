/* draw.h — the drawing context shared by the window and PNG export: theme
 * colors, pixel scale, primitives, and heatmap textures.
 *
 * Heatmaps are streaming ARGB8888 textures with nearest sampling (crisp
 * cells). Each HeatTex remembers what it holds (a key); callers re-upload
 * only when the key changes, i.e. when the trace, head or colormap changed.
 *
 * A Draw in "dry" mode measures and hit-tests but draws nothing: the app runs
 * its immediate-mode UI dry on mouse clicks so no click is lost between
 * frames.
 */
#ifndef APP_DRAW_H
#define APP_DRAW_H

#include <SDL.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/colormap.h"
#include "app/font.h"
#include "engine/error.h"

typedef struct {
    SDL_Color bg;        /* window background */
    SDL_Color panel;     /* panel fill */
    SDL_Color control;   /* button fill */
    SDL_Color control_hi;/* hovered button */
    SDL_Color border;    /* panel and cell borders */
    SDL_Color text;      /* main text */
    SDL_Color text_dim;  /* secondary text, axis labels */
    SDL_Color accent;    /* selection, active buttons, crosshair */
    SDL_Color on_accent; /* text on accent */
    SDL_Color error;     /* error messages, ablation marks */
    SDL_Color warn;      /* masked keys */
    Rgb neutral;         /* zero of the diverging vector map */
} Theme;

Theme theme_dark(void);
Theme theme_light(void);

typedef struct {
    SDL_Texture *tex;
    int w, h;            /* cells in use, from the top-left */
    int tex_w, tex_h;    /* allocated texture size (>= w, h) */
    uint64_t key[4];     /* what it holds; all zero = nothing */
} HeatTex;

typedef struct {
    SDL_Renderer *r;
    FontCache *font;
    float s;             /* pixels per point */
    Theme th;
    int cmap;            /* CmapId */
    uint32_t lut[256];   /* cmap as ARGB8888 */
    uint32_t masked;     /* ARGB8888 of masked cells: a grey far from lut */
    bool dry;            /* measure and hit-test only */
    HeatTex head;        /* selected head, (query, key) */
    HeatTex head_lod;    /* its visible window max-pooled to the map's
                            pixels when the cells are smaller (lod.h) */
    HeatTex grid;        /* atlas of thumbnails, (layer, head+avg) tiles */
    HeatTex vec;         /* vector view: v of every key, (key, d_head) */
    HeatTex strips;      /* vector view rows: q, k, q*k, output (d_head
                            cells) and the softmax row (T cells) */
} Draw;

/* Sets up d for renderer r: opens the font. Returns -1 with err on failure. */
int draw_init(Draw *d, SDL_Renderer *r, EngineError *err);
void draw_free(Draw *d);
void draw_set_scale(Draw *d, float px_per_pt);
/* Switches colormap (and the masked grey); heatmaps re-upload on next use. */
void draw_set_colormap(Draw *d, int cmap);
/* Forgets what every heatmap holds (after the trace generations restart). */
void draw_heat_invalidate(Draw *d);

/* Points to pixels, rounded, at least 1 for positive pt. */
int draw_px(const Draw *d, float pt);
SDL_Color draw_color(Rgb c);
SDL_Color draw_alpha(SDL_Color c, uint8_t a);

void draw_fill(Draw *d, SDL_Rect r, SDL_Color c);
void draw_outline(Draw *d, SDL_Rect r, SDL_Color c, int thick);
void draw_line(Draw *d, int x0, int y0, int x1, int y1, SDL_Color c);
/* Text with its top-left at (x, y); returns its width (also when dry). */
int draw_text(Draw *d, FontSize size, int x, int y, SDL_Color c, const char *s);
/* Text elided with "..." to max_w pixels; returns the width drawn. */
int draw_text_fit(Draw *d, FontSize size, int x, int y, int max_w,
                  SDL_Color c, const char *s);
/* Text centered in r (elided to fit). */
void draw_text_center(Draw *d, FontSize size, SDL_Rect r, SDL_Color c,
                      const char *s);
/* Rotated label, reading upward, first character at bottom_y. */
void draw_text_up(Draw *d, FontSize size, int x, int bottom_y, int max_len,
                  SDL_Color c, const char *s);

/* Makes h a streaming texture of w x hgt cells. If key differs from what h
 * holds, locks it and returns its pixels (ARGB8888, *pitch in pixels) for the
 * caller to fill, then the caller must call draw_heat_unlock. Returns NULL
 * when h already holds key (nothing to do) or on failure (h->tex NULL). */
uint32_t *draw_heat_begin(Draw *d, HeatTex *h, int w, int hgt,
                          const uint64_t key[4], int *pitch);
void draw_heat_unlock(HeatTex *h);
/* Copies the cells src of h, scaled, to dst. */
void draw_heat_blit(Draw *d, HeatTex *h, SDL_Rect src, SDL_FRect dst);

/* The colour of a cell: masked (a -inf score) or weight t. */
static inline uint32_t draw_cell(const Draw *d, float score, float t);
/* The colormap color for weight t as ARGB8888. */
static inline uint32_t draw_lut(const Draw *d, float t) {
    if (!(t > 0.0f)) return d->lut[0];
    if (t >= 1.0f) return d->lut[255];
    return d->lut[(int)(t * 255.0f + 0.5f)];
}

static inline uint32_t draw_cell(const Draw *d, float score, float t) {
    return (score == -INFINITY) ? d->masked : draw_lut(d, t);
}

#endif
