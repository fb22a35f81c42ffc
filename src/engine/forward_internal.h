/* forward_internal.h — the building blocks of forward.c that every
 * architecture composes (GPT-2, Llama and BERT in forward.c, Marian in
 * forward_marian.c): one forward core, no copies. Not for the app. */
#ifndef ENGINE_FORWARD_INTERNAL_H
#define ENGINE_FORWARD_INTERNAL_H

#include "forward.h"

/* y (T, n_out) (+)= x (T, n_in) @ W + b.   PyTorch: y = F.linear(x, W, b) */
void linear_forward(float *y, const float *x, int T, const Linear *lin, bool accumulate);

/* out (T, D) = LayerNorm(x) * w + b, or RMSNorm(x) * w when b is NULL. */
void norm_forward(float *out, const float *x, int T, int D, const float *w, const float *b, float eps);

/* x = 0.5 x (1 + erf(x / sqrt(2))) elementwise (BERT's and Marian's "gelu").
 * PyTorch: F.gelu(x) */
void gelu_erf_inplace(float *x, size_t n);

/* One attention head under ro: q (Tq, dh), k and v (Tk, dh) -> raw, scores,
 * att (Tq, Tk) and out (Tq, dh). Query i sees the keys that
 * run_options_visible_range(ro, i, Tk) allows, minus masked keys. */
void attention_head(const float *q, const float *k, const float *v, float *raw, float *scores,
                    float *att, float *out, int Tq, int Tk, int dh, const RunOptions *ro);

#endif
