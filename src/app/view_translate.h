/* view_translate.h — the translation mode's strip under the source text
 * box (encoder-decoder models): the attention-kind switch, the source
 * chips and the translation's target chips. Hovering a target chip tints
 * the source chips by the cross-attention that target token paid them
 * (the selected head when cross-attention is shown, else the selected
 * layer's mean over heads). Reads ViewData.mt; emits ACT_MT_KIND (click a
 * kind) and ACT_MT_HOVER (target chip under the mouse, -1 = none). */
#ifndef APP_VIEW_TRANSLATE_H
#define APP_VIEW_TRANSLATE_H

#include "app/view.h"

typedef struct {
    SDL_Rect panel;           /* the strip */
    SDL_Rect kind_btn[3];     /* MarianKind order: cross, encoder, decoder */
    SDL_Rect src_chip[64];    /* the last frame's chips (w = 0 past the end) */
    SDL_Rect tgt_chip[64];
    int n_src, n_tgt;         /* chips laid out */
    int hover_t;              /* target chip under the mouse this frame; -1 */
} TranslateView;

/* Height of the strip: three rows of chips. */
int view_translate_height(Draw *d);

/* The source weights (S floats into w) that target token t pays under the
 * view's head: the selected head when v->kind is "cross", else the mean over
 * the heads of the selected layer (clamped to the decoder). what gets
 * "cross L1 H0" or "cross L1 mean". false when there is no such row. */
bool view_translate_weights(const ViewData *v, int t, float *w, char *what, size_t cap);

/* Window: lays out, hit-tests, draws (nothing when d->dry) and reports. */
void view_translate_frame(ViewCtx *cx, SDL_Rect r, TranslateView *tv, ViewOut *out);

#endif
