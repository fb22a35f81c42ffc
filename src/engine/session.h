/* session.h — incremental forward passes: keep the last run, recompute only
 * what an edit or a run-option change affects.
 *
 * A ForwardSession continues from the trace its last run wrote, in place:
 * that trace (the caller's) holds q, k, v per layer, attention, head outputs
 * and logits; the session itself keeps only the residual stream at every
 * layer's input (laid out for its capacity, so a longer text never moves
 * it), each row's log-sum-exp and a workspace, not a second trace. A run
 * then recomputes:
 *   - after an edit, only the rows (token positions) from the first changed
 *     token, in every layer (a typed character at the end: the last token);
 *   - after ablating/restoring a head in layer l, layers l.. only;
 *   - after masking/unmasking key j, only the queries from j;
 *   - after a scale or mask-mode change, everything;
 *   - after a top-k change, only the top-k lists.
 * The rows it keeps move within the trace when the token count changes (the
 * trace is laid out for its token count).
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
 * A session is used by one thread at a time. Between runs the caller keeps
 * the trace unchanged (reading it is fine): a run into another trace, or
 * into one rewritten meanwhile (forward_run, trace_copy), is a full pass.
 * To hand results to another thread while the session runs on, copy them
 * out (forward_session_publish).
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
    double publish_ms;    /* moving the kept rows to the new token count */
} ForwardSessionStats;

/* A session for texts of up to max_tokens tokens (<= the model's n_ctx) of
 * model m (not owned; must outlive the session). Its cache grows with the
 * text (doubling; a growth reruns the text in full). NULL + err on failure. */
ForwardSession *forward_session_create(const Model *m, int max_tokens, EngineError *err);
void forward_session_free(ForwardSession *s);

/* forward_run_typed(m, ids, types, n, ro, tr), continuing from the previous
 * run of this session when tr is the trace it wrote (else a full pass): tr
 * (capacity >= n) receives the whole trace. On failure the cache is
 * forgotten (the next run is a full one). */
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
 * into the trace that run wrote; tr is that trace or NULL. Nothing to do
 * when none are pending. */
void forward_session_complete(ForwardSession *s, Trace *tr);
/* Copies the last run's whole trace into tr (another trace, capacity >= its
 * tokens; the last run's trace must still be alive and unchanged). */
void forward_session_publish(const ForwardSession *s, Trace *tr);

/* Drops the cache: the next run is a full pass. */
void forward_session_forget(ForwardSession *s);

ForwardSessionStats forward_session_stats(const ForwardSession *s);

#endif
