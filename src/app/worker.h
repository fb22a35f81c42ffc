/* worker.h — runs the engine off the UI thread; the latest request wins.
 *
 * The UI posts (text, RunOptions, WordMask); the worker encodes the text
 * (wordmask_encode: BOS first for Llama models as llama2.c does, [CLS] A
 * [SEP] (B [SEP]) for encoders), cuts it to max_tokens, runs it through its
 * ForwardSession (only what changed since its previous run is recomputed,
 * in the worker's own trace), copies that into a spare Trace, scores every head's roles on it (roles_compute_model),
 * publishes the result and pushes an SDL user event so a sleeping UI wakes
 * up. With a session the first result carries the attention, the roles and
 * the predictions of the row on view (worker_set_focus; else the last
 * token) and the last token (tr->partial); a second result of the same
 * generation follows with every row's predictions, unless a newer request
 * is already waiting (worker_wait waits for that). Requests that arrive
 * while a run is in progress replace each other: only the newest one runs
 * next. The UI never blocks on the model.
 *
 * Usage:
 *     Worker *w = worker_create(model, 512, SDL_RegisterEvents(1), &err);
 *     worker_post(w, text, &ro);
 *     ... on the user event:
 *     WorkResult *r = worker_take(w, current);   // current is recycled
 *     if (r) current = r;
 *     worker_destroy(w);
 */
#ifndef APP_WORKER_H
#define APP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "app/mtrun.h"
#include "engine/error.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/roles.h"
#include "engine/tokenizer.h"
#include "app/wordmask.h"

#define WORKER_LABEL_CAP 64 /* bytes per token label, NUL included */

/* The label the app shows for token id (cap bytes, NUL included): the
 * tokenizer's printable label, with a token of only spaces as U+2423 and a
 * newline as U+21B5 (a return arrow) rather than "\n". */
void worker_token_label(const Tokenizer *tok, int id, char *lab, size_t cap);

typedef struct {
    uint64_t gen;          /* the request this answers (1, 2, ...) */
    char *text;            /* the text as posted (owned) */
    TokenList tokens;      /* tokens run: for Llama models BOS (start == end
                              == 0) then the text's tokens; at most
                              max_tokens, the oldest text tokens cut first
                              (BOS is kept); offsets index text */
    size_t n_dropped;      /* text tokens cut (0 = not truncated) */
    char *labels;          /* (n_tokens, WORKER_LABEL_CAP) printable labels */
    Trace *tr;             /* NULL when there are no tokens or the run failed */
    Roles *roles;          /* every head's role scores on tr (engine/roles.h),
                              computed here on the worker; read them only
                              when tr is set (else a buffer kept for reuse);
                              NULL when out of memory for them */
    RunOptions ro;         /* options the trace was computed with */
    WordMask wm;           /* spans of text run as [MASK] (tr->ids has the
                              mask id there, tokens the typed ids) */
    int status;            /* 0 = ok, -1 = failed (see err) */
    char err[ENGINE_ERROR_SIZE];
    double run_ms;         /* encode + forward wall time */
    MtResult *mt;          /* an encoder-decoder's run (translation, trace of
                              every kind); tr, tokens, labels are then empty */
} WorkResult;

typedef struct Worker Worker;

/* Starts the worker thread over model m (not owned; must outlive it).
 * event_type: SDL user event pushed when a result is ready (0 = none). */
Worker *worker_create(const Model *m, int max_tokens, uint32_t event_type,
                      EngineError *err);
/* A worker over a Marian model (not owned): each request translates its
 * text greedily (up to max_new tokens) and traces that translation
 * (WorkResult.mt); post with worker_post_marian. */
Worker *worker_create_marian(const MarianModel *mm, int max_new, uint32_t event_type,
                             EngineError *err);
/* Queues a translation under ro (every kind's options); latest wins. */
uint64_t worker_post_marian(Worker *w, const char *text, const MarianRunOptions *ro);
/* Stops the thread (after the current run) and frees everything not taken. */
void worker_destroy(Worker *w);

/* Queues a run, replacing any queued one; wm (NULL = none): the text's
 * spans to run as [MASK]. Returns its generation number. */
uint64_t worker_post(Worker *w, const char *text, const RunOptions *ro, const WordMask *wm);
/* The newest finished result, or NULL when none is new. When a result is
 * returned, `old` (may be NULL) is given to the worker for reuse; when NULL
 * is returned the caller keeps `old`. */
WorkResult *worker_take(Worker *w, WorkResult *old);
/* Blocks until the result of generation gen (or newer) is published or
 * timeout_ms passes. Returns true when it is. For tests and benchmarks. */
bool worker_wait(Worker *w, uint64_t gen, int timeout_ms);

/* Blocks until a result of generation gen (or newer) is handed out, the
 * first (attention and the rows on view) or the final one, or timeout_ms
 * passes. Returns true when it is. For benchmarks: what the UI can draw. */
bool worker_wait_shown(Worker *w, uint64_t gen, int timeout_ms);

/* The token row the user looks at (hovered or pinned query; -1 none): the
 * next runs compute its predictions with the attention, before the other
 * rows' (else the last row's). Cheap; call it before worker_post. */
void worker_set_focus(Worker *w, int row);

/* Runs one request synchronously into r (reusing its buffers). Returns
 * r->status. */
int worker_run(const Model *m, int max_tokens, const char *text,
               const RunOptions *ro, const WordMask *wm, WorkResult *r);
void work_result_free(WorkResult *r);
/* The label of token i of r. */
static inline const char *work_result_label(const WorkResult *r, int i) {
    return r->labels + (size_t)i * WORKER_LABEL_CAP;
}

#endif
