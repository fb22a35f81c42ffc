/* forward_internal.h — the building blocks of forward.c that every
 * architecture composes (GPT-2, Llama and BERT in forward.c, Marian in
 * forward_marian.c), and the row-range forward core shared by forward.c (one
 * full pass) and session.c (incremental passes over a cached trace): one
 * forward core, no copies. Not for the app. */
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

/* Scratch activations for the rows a pass recomputes (n <= T rows). */
typedef struct {
    float *xn;    /* (n, D) normalised */
    float *qkv;   /* (n, H*dh + 2*KV*dh) projections */
    float *heads; /* (n, H*dh) concatenated head outputs */
    float *ff;    /* (n, max(d_ff, H*dh)) MLP hidden */
    float *ff2;   /* (n, d_ff) Llama up projection */
    float *raw;   /* (slots, n, T) one head's q.k per pool thread */
    float *scores;/* (slots, n, T) one head's scaled, masked q.k */
    int n_scratch;/* slots */
    double *lse;  /* (T) log-sum-exp of each row's logits; rows below
                     ForwardRows.top_k must hold the previous run's */
} ForwardWorkspace;

/* Which rows (token positions) a pass recomputes; rows below are kept from
 * the previous pass over the same buffers. All 0: a full pass. */
typedef struct {
    int layer[MODEL_MAX_LAYERS]; /* first row of layer l's attention + MLP */
    bool reuse_attention[MODEL_MAX_LAYERS]; /* layer l's input is unchanged, only
                                   its ablated heads differ: q, k, v and att
                                   in the trace are kept, head outputs redone */
    int head;                    /* first row of the LM head (logits) */
    int top_k;                   /* first row of top-k and log-sum-exp */
    int lm_only;                 /* >= 0: the LM head at this row and the last
                                    one only (the rows on view), loss NAN; the
                                    caller completes the rest (forward__lm_head) */
} ForwardRows;

/* Floats of a workspace for T tokens and `slots` pool threads (carve it with
 * forward__workspace_carve from one block of that many floats). */
size_t forward__workspace_floats(const ModelConfig *c, int T, int slots);
void forward__workspace_carve(ForwardWorkspace *ws, const ModelConfig *c, int T, int slots, float *block);

/* The argument checks of forward_run_typed (ids, types, ro, T <= capacity). */
int forward__check(const Model *m, const int *ids, const int *types, int T, int capacity,
                   const RunOptions *ro, EngineError *err);

/* The pass: rows as given, into the trace arrays of tr laid out with token
 * stride S (matrices (layer, head, S, S), vectors (layer, head, S, d_head);
 * S = T for a published trace). xs holds the residual stream: slab l (at
 * xs + l * xs_step, (S, D)) is layer l's input and slab n_layer the output;
 * xs_step = 0 runs everything in place in one slab (a full pass only).
 * The caller has checked the arguments (forward__check). */
void forward__pass(const Model *m, const ForwardRows *rows, const int *ids, const int *types,
                   int T, const RunOptions *ro, Trace *tr, int S, float *xs, size_t xs_step,
                   ForwardWorkspace *ws);

/* The LM head (final norm or MLM head, logits, top-k, log-sum-exp) at rows
 * [r0, r1), from the final residual stream xf (S, D). */
void forward__lm_head(const Model *m, Trace *tr, ForwardWorkspace *ws, const float *xf, int r0, int r1);
/* Every row's loss and the mean loss from the logits and ws->lse. */
void forward__loss(const Model *m, Trace *tr, const ForwardWorkspace *ws, const int *ids, int T);

#endif
