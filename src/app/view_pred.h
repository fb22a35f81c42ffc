/* view_pred.h — the model's top next-token predictions at one position, with
 * the token that actually follows and its loss; for an encoder, the MLM
 * head's fill-ins at a position (a word run as [MASK] first), with the
 * probability of the word typed there. */
#ifndef APP_VIEW_PRED_H
#define APP_VIEW_PRED_H

#include "app/view.h"

/* Draws the predictions after token pos into r (nothing when pos is out of
 * range); as many rows of the trace's top_k as fit. */
void view_predictions_draw(Draw *d, SDL_Rect r, const ViewData *v, int pos);

/* The position the panel shows: the focused query; else, for an encoder,
 * the first word run as [MASK] (else the first token after [CLS]); else
 * the last token. -1 without a trace. */
int view_pred_position(const ViewData *v);

/* Window: the panel in r, at view_pred_position. */
void view_pred_frame(ViewCtx *cx, SDL_Rect r);

#endif
