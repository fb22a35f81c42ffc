/* test_app_lod.c — long maps drawn by level of detail, read back from the
 * pixels (software renderer, no window, no model: a hand-built trace).
 *
 * 1. Head view, 1024 tokens, a previous-token head (weight 1 at (i, i-1)) in
 *    a ~600-pixel map: every pixel row of the map shows the diagonal at full
 *    weight (the colormap's top colour) and nothing else lights up.
 * 2. The texture is a cache: the weights changed in place without a new
 *    generation leave the next frame's pixels alone (nothing re-pooled); a
 *    new generation shows the change.
 * 3. Grid thumbnails of the same trace: every pixel row of a thumbnail shows
 *    the diagonal, in the head's cell and the layer mean's.
 * 4. Cross-attention shape, 37 targets x 1024 sources, a sharp alignment:
 *    each target's row lights exactly one pixel, at its source's place.
 */
#include <SDL.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/draw.h"
#include "app/lod.h"
#include "app/view_grid.h"
#include "app/view_head.h"
#include "check.h"

enum { LABEL_CAP = 16 };

/* A one-layer, one-head trace of T queries x S keys with stored scores
 * (causal when square), weights from `peak`: 1 at (q, peak(q)). */
typedef struct {
    Trace tr;
    float *att, *scores;
    char *labels;
    RunOptions ro;
} Fake;

static void fake_init(Fake *f, int T, int S, int (*peak)(int q, int T, int S)) {
    memset(f, 0, sizeof *f);
    f->att = calloc((size_t)T * S, sizeof *f->att);
    f->scores = malloc((size_t)T * S * sizeof *f->scores);
    f->labels = calloc((size_t)(T > S ? T : S), LABEL_CAP);
    for (int q = 0; q < T; q++) {
        for (int k = 0; k < S; k++)
            f->scores[(size_t)q * S + k] = (T == S && k > q) ? -INFINITY : 0.0f;
        f->att[(size_t)q * S + peak(q, T, S)] = 1.0f;
    }
    for (int i = 0; i < (T > S ? T : S); i++) snprintf(f->labels + (size_t)i * LABEL_CAP, LABEL_CAP, "t%d", i % 100000);
    f->tr = (Trace){.n_layer = 1, .n_head = 1, .n_kv_head = 1, .d_head = 4, .n_tokens = T,
                    .n_keys = T == S ? 0 : S, .capacity = T > S ? T : S, .att = f->att,
                    .scores = f->scores, .raw = f->scores, .raw_head = -1, .scores_head = -1};
    f->tr.ro = f->ro;
}

static void fake_free(Fake *f) {
    free(f->att);
    free(f->scores);
    free(f->labels);
}

static ViewData fake_view(const Fake *f, uint64_t gen) {
    return (ViewData){.tr = &f->tr, .labels = f->labels, .label_cap = LABEL_CAP, .ro = &f->ro,
                      .model_name = "fake", .gen = gen, .q = -1, .k = -1, .role = -1,
                      .n_layer = 1, .n_head = 1, .n_kv_head = 1, .mask_id = -1};
}

static int prev_token(int q, int T, int S) { (void)T; (void)S; return q > 0 ? q - 1 : 0; }
static int align(int q, int T, int S) { return q * S / T; }

static uint32_t px_at(SDL_Surface *s, int x, int y) {
    return ((const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * s->pitch))[x] & 0xFFFFFF;
}

/* Pixel rows of rect r without a `top` pixel, and `top` pixels further than
 * `band` from where the row's diagonal should be (x_of(row)). */
static void scan(SDL_Surface *s, SDL_Rect r, uint32_t top, int band, int (*x_of)(int y, SDL_Rect r),
                 int *rows_without, int *stray) {
    *rows_without = *stray = 0;
    for (int y = 0; y < r.h; y++) {
        int n = 0;
        for (int x = 0; x < r.w; x++)
            if (px_at(s, r.x + x, r.y + y) == top) {
                n++;
                if (abs(x - x_of(y, r)) > band) (*stray)++;
            }
        if (n == 0) (*rows_without)++;
    }
}

static int diag_x(int y, SDL_Rect r) { return y * r.w / r.h; }

int main(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        CHECK(0, "SDL_Init: %s", SDL_GetError());
        return check_summary();
    }
    enum { W = 900, HH = 800 };
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, W, HH, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    Draw d;
    EngineError err = {{0}};
    if (!ren || draw_init(&d, ren, &err) != 0) {
        CHECK(0, "renderer or font: %s %s", SDL_GetError(), err.msg);
        return check_summary();
    }
    uint32_t top = d.lut[255] & 0xFFFFFF;

    /* 1. head view, 1024 tokens */
    Fake f;
    fake_init(&f, 1024, 1024, prev_token);
    ViewData v = fake_view(&f, 1);
    HeadLayout hl;
    view_head_layout(&d, (SDL_Rect){0, 0, W, HH}, 1024, 1024, true, 0, &hl);
    draw_fill(&d, (SDL_Rect){0, 0, W, HH}, d.th.bg);
    view_head_draw(&d, &hl, &v);
    SDL_RenderPresent(ren);
    int rows_without, stray;
    scan(surf, hl.map, top, 2, diag_x, &rows_without, &stray);
    CHECK(hl.map.w < 1024 && hl.map.w > 300, "1024 cells in a %d-pixel map (pooled)", hl.map.w);
    CHECK(rows_without == 0, "head view: %d of %d pixel rows lost the previous-token diagonal",
          rows_without, hl.map.h);
    CHECK(stray == 0, "head view: %d full-weight pixels off the diagonal", stray);

    /* 2. a cache: same generation, same pixels even though att changed */
    uint32_t before = px_at(surf, hl.map.x + hl.map.w / 2 - 1, hl.map.y + hl.map.h / 2);
    for (int q = 0; q < 1024; q++) f.att[(size_t)q * 1024 + prev_token(q, 0, 0)] = 0.0f;
    draw_fill(&d, (SDL_Rect){0, 0, W, HH}, d.th.bg);
    view_head_draw(&d, &hl, &v);
    scan(surf, hl.map, top, 2, diag_x, &rows_without, &stray);
    CHECK(rows_without == 0, "same generation: the pooled texture is reused (%d rows changed)",
          rows_without);
    v.gen = 2;
    draw_fill(&d, (SDL_Rect){0, 0, W, HH}, d.th.bg);
    view_head_draw(&d, &hl, &v);
    scan(surf, hl.map, top, 2, diag_x, &rows_without, &stray);
    CHECK(rows_without == hl.map.h, "a new generation re-pools: %d rows still lit",
          hl.map.h - rows_without);
    (void)before;
    for (int q = 0; q < 1024; q++) f.att[(size_t)q * 1024 + prev_token(q, 0, 0)] = 1.0f;
    v.gen = 3;

    /* 3. grid thumbnails: the head and the layer mean (the same map) */
    GridLayout gl;
    view_grid_layout(&d, (SDL_Rect){0, 0, W, HH}, 1, 1, 1, &gl);
    draw_fill(&d, (SDL_Rect){0, 0, W, HH}, d.th.bg);
    view_grid_draw(&d, &gl, &v, -1, -1);
    for (int h = 0; h <= 1; h++) {
        SDL_Rect c = view_grid_cell(&gl, 0, h);
        scan(surf, c, top, 1, diag_x, &rows_without, &stray);
        CHECK(c.w < 1024 && rows_without == 0 && stray == 0, "grid cell %d (%d px): %d rows "
              "without the diagonal, %d stray", h, c.w, rows_without, stray);
    }
    fake_free(&f);

    /* 4. cross-attention: 37 targets x 1024 sources */
    fake_init(&f, 37, 1024, align);
    v = fake_view(&f, 4);
    view_head_layout(&d, (SDL_Rect){0, 0, W, HH}, 37, 1024, true, 0, &hl);
    draw_fill(&d, (SDL_Rect){0, 0, W, HH}, d.th.bg);
    view_head_draw(&d, &hl, &v);
    /* square cells: 1024 columns in ~700 pixels make the 37 rows ~25 pixels
       tall, so both axes pool; pixel (x, y) is block (x, y) */
    int ow = hl.map.w, oh = hl.map.h, bad = 0, lit = 0, want_lit = 0;
    uint8_t *want = calloc((size_t)ow * oh, 1);
    for (int t = 0; t < 37; t++) {
        int by = 0, bx = 0;
        while (lod_block_start(37, oh, by + 1) <= t) by++;
        while (lod_block_start(1024, ow, bx + 1) <= align(t, 37, 1024)) bx++;
        want[(size_t)by * ow + bx] = 1;
    }
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            bool on = px_at(surf, hl.map.x + x, hl.map.y + y) == top;
            lit += on;
            want_lit += want[(size_t)y * ow + x];
            if (on != want[(size_t)y * ow + x]) bad++;
        }
    free(want);
    CHECK(ow < 1024 && oh < 37, "37 x 1024 cells in %d x %d pixels (pooled)", oh, ow);
    CHECK(bad == 0, "cross-attention: %d pixels wrong (%d lit, %d wanted: one per target's "
          "source block)", bad, lit, want_lit);
    fake_free(&f);

    draw_free(&d);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    SDL_Quit();
    return check_summary();
}
