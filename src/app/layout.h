/* layout.h — where each view goes in the window: the button bar and the
 * text on top, then three columns (grid over predictions, or over the role
 * list while the grid is coloured by a role; head view; vector view) and the
 * status line. Measures the views through their modules; owns
 * no state. */
#ifndef APP_LAYOUT_H
#define APP_LAYOUT_H

#include "app/view.h"
#include "app/view_controls.h"
#include "app/view_grid.h"
#include "app/view_head.h"

typedef struct {
    SDL_Rect bar, text, chips, grid, pred, head, vec, status;
    SDL_Rect seg;             /* encoders' pair-filter row over the head view
                                 (h = 0 unless the text is a pair) */
    bool vec_tab;             /* narrow window: the vector view is a tab */
    SDL_Rect tab;             /* that tab (w = 0 in wide windows) */
} PanelLayout;

/* Lays out a W x H output for cx->v: places the controls (cv) and the grid
 * (gv) in their panels; hv->label_px sizes the head view's axis margins.
 * Below 1180 points wide the head view keeps its room and the vector view
 * becomes a tab (lo->tab); vec_open: the tab is open, lo->vec then lies over
 * the head view's right part (w = 0 when closed). */
void layout_panels(ViewCtx *cx, int W, int H, ControlsView *cv, GridView *gv,
                   const HeadView *hv, bool vec_open, PanelLayout *lo);

#endif
