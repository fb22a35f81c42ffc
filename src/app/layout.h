/* layout.h — where each view goes in the window: the button bar and the
 * text on top, then three columns (grid over predictions, head view, vector
 * view) and the status line. Measures the views through their modules; owns
 * no state. */
#ifndef APP_LAYOUT_H
#define APP_LAYOUT_H

#include "app/view.h"
#include "app/view_controls.h"
#include "app/view_grid.h"
#include "app/view_head.h"

typedef struct {
    SDL_Rect bar, text, chips, grid, pred, head, vec, status;
} PanelLayout;

/* Lays out a W x H output for cx->v: places the controls (cv) and the grid
 * (gv) in their panels; hv->label_px sizes the head view's axis margins. */
void layout_panels(ViewCtx *cx, int W, int H, ControlsView *cv, GridView *gv,
                   const HeadView *hv, PanelLayout *lo);

#endif
