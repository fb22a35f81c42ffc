/* view.h — the attention views, drawn from a finished trace: head view,
 * overview grid, vector ("neuron") view, predictions, token chips, text box.
 * Shared by the window and PNG export. Each view has a layout step (rects,
 * used for hit tests) and a draw step, or hit-tests itself immediate-mode.
 */
#ifndef APP_VIEW_H
#define APP_VIEW_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/draw.h"
#include "app/textedit.h"
#include "app/ui.h"
#include "engine/forward.h"
#include "engine/tokenizer.h"

typedef struct {
    const Trace *tr;          /* NULL: nothing computed yet */
    const char *labels;       /* (T, label_cap) printable token labels */
    size_t label_cap;
    const Token *tokens;      /* (T) ids and byte offsets into text */
    const char *text;         /* the text the offsets index */
    const RunOptions *ro;     /* options tr was computed with */
    const Tokenizer *tok;     /* for prediction labels */
    const char *model_name;
    bool pre_rope;            /* vector view: q, k before RoPE (needs
                                 tr->q_pre_rope) */
    uint64_t gen;             /* changes whenever tr's contents change */
    int layer, head;          /* selected head */
    int q, k;                 /* focused cell; -1 = none */
} ViewData;

static inline const char *view_label(const ViewData *v, int i) {
    return v->labels + (size_t)i * v->label_cap;
}

/* ---- head view: (query, key) matrix with axes and color bar ---- */
typedef struct {
    SDL_Rect title;   /* title line (h = 0 without title) */
    SDL_Rect map;     /* the T x T cells */
    float cell;       /* pixels per cell */
    SDL_Rect rows;    /* query labels, left of the map */
    SDL_Rect cols;    /* key labels, above the map (rotated) */
    SDL_Rect bar;     /* color bar */
    int step;         /* a label every step tokens */
    int T;
    /* view transform (zoom and pan; identity after view_head_layout) */
    float zoom;       /* cells are zoom times their fitted size; >= 1 */
    int off_q, off_k; /* first visible query row / key column */
    int n_q, n_k;     /* rows / columns visible (the last may be partial) */
} HeadLayout;

/* label_px: the widest token label in pixels (sizes the axis margins;
 * 0 = the maximum margin). */
void view_head_layout(Draw *d, SDL_Rect r, int T, bool title, int label_px,
                      HeadLayout *hl);
/* Applies a view transform to a laid-out head view: cells zoom times larger
 * (clamped to [1, T / 4] or at least 1), showing from row *off_q and column
 * *off_k (clamped so the map stays full; written back). */
void view_head_zoom(Draw *d, HeadLayout *hl, float zoom, int *off_q, int *off_k);
/* The widest label of v in FONT_SMALL pixels. */
int view_max_label_px(Draw *d, const ViewData *v);
/* What is at pixel (x, y): 1 = cell (*q, *k), 2 = key label (*k),
 * 3 = query label (*q), 0 = nothing. */
int view_head_hit(const HeadLayout *hl, int x, int y, int *q, int *k);
void view_head_draw(Draw *d, const HeadLayout *hl, const ViewData *v);
/* A vertical color bar for weights 0 (bottom) to 1 (top) with ticks. */
void view_colorbar(Draw *d, SDL_Rect bar);
/* The title: model, layer, head and settings. */
void view_head_title(const ViewData *v, char *buf, size_t cap);

/* ---- overview grid: layers x (heads + average) thumbnails ---- */
typedef struct {
    SDL_Rect area;
    int x0, y0;       /* top-left of thumbnail (0, 0) */
    int cell, gap;    /* thumbnail size and spacing, pixels */
    int avg_gap;      /* extra space before the average column */
    int L, H;
    int KV;           /* KV heads; < H: grouped-query, brackets drawn */
    int kv_y;         /* top of the KV bracket row (under the head labels) */
} GridLayout;

/* KV: the model's KV heads (n_kv_head); when 0 < KV < H a row of brackets
 * under the head labels shows which query heads share each KV head. */
void view_grid_layout(Draw *d, SDL_Rect r, int L, int H, int KV, GridLayout *gl);
/* Height of the labels above the thumbnails, for export sizing. */
int view_grid_label_h(Draw *d, int H, int KV);
/* true when (x, y) is on a thumbnail; *head == H means the average column. */
bool view_grid_hit(const GridLayout *gl, int x, int y, int *layer, int *head);
SDL_Rect view_grid_cell(const GridLayout *gl, int layer, int head);
void view_grid_draw(Draw *d, const GridLayout *gl, const ViewData *v,
                    int hover_layer, int hover_head);

/* ---- vector view for the focused (q, k) of the selected head ---- */
typedef struct {
    SDL_Rect q, k, prod;  /* the q, k and q*k strips (w = 0: not drawn) */
    bool pre_rope;        /* they show q, k before RoPE */
} VecLayout;

/* The q and k (d_head) the vector view shows for v's focus: the trace's
 * post-RoPE q/k, or q_pre_rope/k_pre_rope when v->pre_rope and the trace has
 * them. Returns true for pre-RoPE; *q, *k NULL without a focus. */
bool view_vectors_qk(const ViewData *v, const float **q, const float **k);
/* "H2, H3": the query heads sharing KV head kv of tr, into buf. */
void view_kv_group(const Trace *tr, int kv, char *buf, size_t cap);
/* vl (may be NULL) gets where the strips went. */
void view_vectors_draw(Draw *d, SDL_Rect r, const ViewData *v, VecLayout *vl);

/* ---- top next-token predictions at position pos ---- */
void view_predictions_draw(Draw *d, SDL_Rect r, const ViewData *v, int pos);

/* ---- token chips under the text; hover shows id and bytes ----
 * Returns the height used. *hover gets the chip under the mouse (-1 none),
 * *clicked the chip clicked (-1 none). */
int view_chips(Draw *d, Ui *ui, SDL_Rect r, const ViewData *v, int *hover,
               int *clicked);

/* ---- text box, wrapped onto lines at word boundaries ----
 * Draws te with caret and selection when focused, as many lines as fit in r;
 * *first (the byte offset where the first shown line starts) scrolls to keep
 * the caret's line visible. A click inside places the caret (shift extends).
 * Returns true when the box was clicked. */
#define VIEW_TEXT_MAX_LINES 256 /* lines past this one are not wrapped */
bool view_textbox(Draw *d, Ui *ui, SDL_Rect r, TextEdit *te, bool focused,
                  size_t *first);
/* Height of a text box w pixels wide showing te's lines, at most max_lines. */
int view_textbox_height(Draw *d, const TextEdit *te, int w, int max_lines);
/* The caret position one line up (dir -1) or down (+1) in a box w wide,
 * keeping its x; 0 / te->len past the first / last line. */
size_t view_textbox_vertical(Draw *d, const TextEdit *te, int w, int dir);
/* Start offsets of te's wrapped lines at w pixels into starts (cap >= 1);
 * returns how many. */
int view_text_wrap(Draw *d, const TextEdit *te, int w, size_t *starts, int cap);

#endif
