/* view_pred.h — the model's top next-token predictions at one position, with
 * the token that actually follows and its loss. */
#ifndef APP_VIEW_PRED_H
#define APP_VIEW_PRED_H

#include "app/view.h"

/* Draws the predictions after token pos into r (nothing when pos is out of
 * range); as many rows of the trace's top_k as fit. */
void view_predictions_draw(Draw *d, SDL_Rect r, const ViewData *v, int pos);

/* Window: the panel in r, at the focused query (or the last token). */
void view_pred_frame(ViewCtx *cx, SDL_Rect r);

#endif
