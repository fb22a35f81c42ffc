/* session.h — incremental forward passes: keep the last run, recompute only
 * what an edit or a run-option change affects.
 *
 * A ForwardSession caches the previous run's whole trace (q, k, v per layer,
 * attention, head outputs, logits) and the residual stream at every layer's
 * input, laid out for its capacity (token stride = capacity), so a longer
 * text never moves what is cached. A run then recomputes:
 *   - after an edit, only the rows (token positions) from the first changed
 *     token, in every layer (a typed character at the end: the last token);
 *   - after ablating/restoring a head in layer l, layers l.. only;
 *   - after masking/unmasking key j, only the queries from j;
 *   - after a scale or mask-mode change, everything;
 *   - after a top-k change, only the top-k lists.
 * Under a mask where every query sees every key (none; BERT), a change in
 * layer l's rows changes every query from layer l on: those layers rerun in
 * full, the layers before stay cached.
 * The result equals forward_run_typed's: bit for bit where the same BLAS
 * calls run on the same rows, else within float rounding of the matrix
 * products (tests/test_forward_session.c compares after random edit sequences).
 *
 * Usage:
 *     ForwardSession *s = forward_session_create(m, m->config.n_ctx, &err);
 *     Trace *tr = trace_create(m, n_max);
 *     forward_session_run(s, ids, NULL, n, &ro, tr, &err);   // full
 *     ids[n++] = next;
 *     forward_session_run(s, ids, NULL, n, &ro, tr, &err);   // one row
 *     forward_session_free(s);
 *
 * A session is used by one thread at a time; the trace it writes is the
 * caller's (a plain copy of the cache: the caller may read or keep it while
 * the session runs again into another trace).
 */
#ifndef ENGINE_SESSION_H
#define ENGINE_SESSION_H

#include "error.h"
#include "forward.h"
#include "model.h"

typedef struct ForwardSession ForwardSession;

/* What the last forward_session_run recomputed. */
typedef struct {
    int first_layer;      /* first layer with recomputed rows (n_layer: none) */
    int first_row;        /* first recomputed row in that layer */
    long rows;            /* layer rows recomputed, summed over layers */
    long rows_full;       /* what a full pass computes: n_layer * T */
    double pass_ms;       /* the recompute */
    double publish_ms;    /* copying the cache into the caller's trace */
} ForwardSessionStats;

/* A session for texts of up to max_tokens tokens (<= the model's n_ctx) of
 * model m (not owned; must outlive the session). Its cache grows with the
 * text (doubling; a growth reruns the text in full). NULL + err on failure. */
ForwardSession *forward_session_create(const Model *m, int max_tokens, EngineError *err);
void forward_session_free(ForwardSession *s);

/* forward_run_typed(m, ids, types, n, ro, tr), reusing the previous run of
 * this session: tr (capacity >= n) receives the whole trace. On failure the
 * cache is forgotten (the next run is a full one). */
int forward_session_run(ForwardSession *s, const int *ids, const int *types, int n,
                        const RunOptions *ro, Trace *tr, EngineError *err);

/* forward_session_run, but the view first: the LM head (logits, top-k) runs
 * only at row `focus` (< 0: the last) and the last row, and tr comes back
 * with tr->partial set and loss NAN, the attention and every layer final.
 * forward_session_complete then fills the other rows' predictions, or the
 * next run does (the stale rows are remembered). */
int forward_session_run_view(ForwardSession *s, const int *ids, const int *types, int n,
                             const RunOptions *ro, int focus, Trace *tr, EngineError *err);
/* Whether the last run left predictions to fill. */
bool forward_session_pending(const ForwardSession *s);
/* Fills the predictions a run_view left (logits, top-k, token_loss, loss)
 * into the cache and into tr, the trace that run wrote (NULL: the cache
 * only). Nothing to do when none are pending. */
void forward_session_complete(ForwardSession *s, Trace *tr);
/* Copies the last run's whole trace into tr (capacity >= its tokens). */
void forward_session_publish(const ForwardSession *s, Trace *tr);

/* Drops the cache: the next run is a full pass. */
void forward_session_forget(ForwardSession *s);

ForwardSessionStats forward_session_stats(const ForwardSession *s);

#endif
