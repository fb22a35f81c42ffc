/* view_grid.h — the overview grid: one thumbnail per (layer, head) plus each
 * layer's mean, brackets over grouped-query heads, a badge on each head with
 * a clear role (atlas.h) and the legend under the grid. With a role chosen
 * (ViewData.role) each cell is that role's score instead: its colour on the
 * heatmap scale and the number. Click selects a head, right-click ablates
 * it. Also drawn by PNG export. Thumbnails are max-pooled to their pixels
 * (lod.h) once per trace. */
#ifndef APP_VIEW_GRID_H
#define APP_VIEW_GRID_H

#include "app/view.h"

typedef struct {
    SDL_Rect area;
    int x0, y0;       /* top-left of thumbnail (0, 0) */
    int cell, gap;    /* thumbnail size and spacing, pixels */
    int avg_gap;      /* extra space before the average column */
    int L, H;
    int KV;           /* KV heads; < H: grouped-query, brackets drawn */
    int kv_y;         /* top of the KV bracket row (under the head labels) */
    int legend_y;     /* top of the legend under the cells */
    int legend_w;     /* its width (the area's; see view_grid_narrow_legend) */
    int legend_h;     /* its height (room for either legend) */
} GridLayout;

/* The grid's state in the window, owned by the App. */
typedef struct {
    SDL_Rect panel;           /* its panel */
    GridLayout layout;        /* the last frame's, for hit tests */
    int hover_layer, hover_head; /* thumbnail under the mouse; -1 = none */
    SDL_Rect role_button;     /* "by role" in the title row */
} GridView;

/* KV: the model's KV heads (n_kv_head); when 0 < KV < H a row of brackets
 * under the head labels shows which query heads share each KV head. */
void view_grid_layout(Draw *d, SDL_Rect r, int L, int H, int KV, GridLayout *gl);
/* Exports: the legend only as wide as the cells (a colour bar stands right
 * of them), taller when it wraps: the caller has measured the room for it
 * (view_grid_legend_h of that width). */
void view_grid_narrow_legend(Draw *d, GridLayout *gl);
/* Height of the legend under the cells in width w, for export sizing. */
int view_grid_legend_h(Draw *d, int w);
/* Height of the labels above the thumbnails, for export sizing. */
int view_grid_label_h(Draw *d, int H, int KV);
/* true when (x, y) is on a thumbnail; *head == H means the average column. */
bool view_grid_hit(const GridLayout *gl, int x, int y, int *layer, int *head);
SDL_Rect view_grid_cell(const GridLayout *gl, int layer, int head);
void view_grid_draw(Draw *d, const GridLayout *gl, const ViewData *v,
                    int hover_layer, int hover_head);

/* Window: lays the grid out in panel r. Returns the height it needs (the
 * rest can go to the panel below). */
int view_grid_place(ViewCtx *cx, SDL_Rect r, GridView *gv);
/* Window: hit test; emits ACT_HOVER_HEAD, ACT_SELECT (click), ACT_ABLATE
 * (right-click), ACT_ROLE_TOGGLE (the "by role" button). */
void view_grid_input(ViewCtx *cx, GridView *gv, ViewOut *out);
/* Window: draws the panel, the "by role" button and the hover tooltip. */
void view_grid_frame(ViewCtx *cx, GridView *gv);

#endif
