/* view_head.h — the head view: the selected head's (query, key) weights with
 * axis labels, color bar, a camera (zoom around the cursor, right-drag pan)
 * and the focused cell. Also drawn by PNG export (layout + draw only).
 * More cells than pixels (1024 tokens zoomed out) are drawn max-pooled
 * (lod.h) from a cached texture; axis labels are drawn only where they fit. */
#ifndef APP_VIEW_HEAD_H
#define APP_VIEW_HEAD_H

#include "app/view.h"

typedef struct {
    SDL_Rect title;   /* title line (h = 0 without title) */
    SDL_Rect map;     /* the rows x cols cells */
    float cell;       /* pixels per cell */
    SDL_Rect rows_r;  /* query labels, left of the map */
    SDL_Rect cols_r;  /* key labels, above the map (rotated) */
    SDL_Rect bar;     /* color bar */
    int step;         /* a label every step tokens */
    int rows, cols;   /* queries and keys: T x T, or target x source for
                         cross-attention */
    /* view transform (zoom and pan; identity after view_head_layout) */
    float zoom;       /* cells are zoom times their fitted size; >= 1 */
    int off_q, off_k; /* first visible query row / key column */
    int n_q, n_k;     /* rows / columns visible (the last may be partial) */
} HeadLayout;

/* The camera: raylib-style view transform kept between frames. */
typedef struct {
    float zoom;               /* >= 1; 1 = the whole matrix */
    int off_q, off_k;         /* first visible row / column when zoomed */
    bool pan_active;          /* a right-drag pan is in progress */
    int pan_mx, pan_my, pan_q0, pan_k0; /* where the drag started */
} HeadCam;

/* The head view's state in the window, owned by the App. */
typedef struct {
    SDL_Rect panel;           /* its panel, from the layout */
    HeadLayout layout;        /* the last frame's, for hit tests */
    HeadCam cam;
    int label_px;             /* widest token label, pixels (axis margins) */
    int hit, hit_q, hit_k;    /* view_head_hit of this frame */
} HeadView;

/* rows x cols square cells (queries x keys). label_px: the widest token
 * label in pixels (sizes the axis margins; 0 = the maximum margin). */
void view_head_layout(Draw *d, SDL_Rect r, int rows, int cols, bool title, int label_px,
                      HeadLayout *hl);
/* Applies a view transform to a laid-out head view: cells zoom times larger
 * (clamped to [1, max(rows, cols) / 4] or at least 1), showing from row *off_q and column
 * *off_k (clamped so the map stays full; written back). */
void view_head_zoom(Draw *d, HeadLayout *hl, float zoom, int *off_q, int *off_k);
/* What is at pixel (x, y): 1 = cell (*q, *k), 2 = key label (*k),
 * 3 = query label (*q), 0 = nothing. */
int view_head_hit(const HeadLayout *hl, int x, int y, int *q, int *k);
void view_head_draw(Draw *d, const HeadLayout *hl, const ViewData *v);
/* The title: model, layer, head and settings. */
void view_head_title(const ViewData *v, char *buf, size_t cap);

/* Window: lays out hv in r (hv->label_px set by the caller), moves the
 * camera with the wheel and right-drag, and hit-tests: emits ACT_HOVER,
 * ACT_PIN (click a cell) and ACT_MASK_KEY (click a key label). Runs before
 * any view draws, so all of them see this frame's focus. */
void view_head_input(ViewCtx *cx, SDL_Rect r, HeadView *hv, ViewOut *out);
/* Window: draws the panel, the empty states and the tooltips. */
void view_head_frame(ViewCtx *cx, HeadView *hv);

#endif
