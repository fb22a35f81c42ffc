/* view_vector.h — the vector ("neuron") view: how the focused (query, key)
 * weight of the selected head is computed, q, k, q*k, score, softmax, the v
 * of every key and their weighted sum. */
#ifndef APP_VIEW_VECTOR_H
#define APP_VIEW_VECTOR_H

#include "app/view.h"

typedef struct {
    SDL_Rect q, k, prod;  /* the q, k and q*k strips (w = 0: not drawn) */
    bool pre_rope;        /* they show q, k before RoPE */
} VecLayout;

/* The vector view's state in the window, owned by the App. */
typedef struct {
    VecLayout layout;         /* where the strips went last frame */
    SDL_Rect rope_button;     /* the "before RoPE" choice; w = 0 when hidden */
    SDL_Rect rope_after;      /* the "after RoPE" choice beside it */
} VecView;

/* The q and k (d_head) the vector view shows for v's focus: the trace's
 * post-RoPE q/k, or q_pre_rope/k_pre_rope when v->pre_rope and the trace has
 * them. Returns true for pre-RoPE; *q, *k NULL without a focus. */
bool view_vectors_qk(const ViewData *v, const float **q, const float **k);
/* The line under the weighted sum of v's: the head output at v->q, or for
 * an ablated head that the model uses 0 instead. vmax: the strips' scale. */
void view_vectors_output_note(const ViewData *v, float vmax, char *buf, size_t cap);
/* Draws the view for v's focus into r; vl (may be NULL) gets where the
 * strips went. */
void view_vectors_draw(Draw *d, SDL_Rect r, const ViewData *v, VecLayout *vl);

/* Window: the panel in r with the before-RoPE toggle (models with RoPE;
 * emits ACT_ROPE) above the view. */
void view_vector_frame(ViewCtx *cx, SDL_Rect r, VecView *vv, ViewOut *out);

/* Window, narrow: the folded vector view, a vertical tab in r; a click
 * emits ACT_VEC_TAB. */
void view_vector_tab(ViewCtx *cx, SDL_Rect tab, bool open, ViewOut *out);

#endif
