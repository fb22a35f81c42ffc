/* forward.h — the real forward pass, the knobs that change its attention
 * math live (RunOptions), and everything it records (Trace).
 *
 * Usage:
 *     RunOptions ro = run_options_default();         // the model as trained
 *     run_options_parse_mask(&ro, "window:4", &err);
 *     Trace *tr = trace_create(model, n_tokens);      // one allocation
 *     forward_run(model, ids, n_tokens, &ro, tr, &err);
 *     float w = trace_att(tr, layer, head)[q * tr->n_tokens + k];
 *     trace_free(tr);
 *
 * RunOptions apply inside the forward pass: every later layer, the
 * predictions and the loss reflect them. To rerun after an edit or an
 * option change, a ForwardSession (session.h) recomputes only what changed.
 */
#ifndef ENGINE_FORWARD_H
#define ENGINE_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"

#define RUN_MAX_KEYS 4096

/* The temperatures temp:T accepts. Beyond them the scaled scores overflow
 * float (T = 1e-38 made every probability NaN); 0.01..100 already spans
 * "one-hot" to "uniform" for any trained model. */
#define RUN_TEMP_MIN 0.01
#define RUN_TEMP_MAX 100.0

typedef enum {
    SCALE_SQRT, /* scores = q.k / sqrt(d_head)          (as trained) */
    SCALE_NONE, /* scores = q.k */
    SCALE_TEMP  /* scores = q.k / (sqrt(d_head) * T)    (T = 1: as trained) */
} ScaleMode;

typedef enum {
    MASK_CAUSAL, /* query i sees keys j <= i             (as trained) */
    MASK_NONE,   /* every query sees every key */
    MASK_WINDOW  /* query i sees keys j with i - W < j <= i */
} MaskMode;

/* A plain value: copy it freely (the app hands copies to its worker). */
typedef struct {
    ScaleMode scale;
    float temperature;   /* SCALE_TEMP only; RUN_TEMP_MIN..RUN_TEMP_MAX */
    MaskMode mask;
    int window;          /* MASK_WINDOW only; >= 1 */
    /* Key positions hidden from every query, on top of the mask mode. */
    uint8_t masked_keys[RUN_MAX_KEYS / 8];          /* bitset over positions */
    /* Heads whose output is zeroed before the output projection. */
    uint64_t ablated[MODEL_MAX_LAYERS];             /* bit h of [layer] */
    int top_k;           /* predictions kept per position; 1..TRACE_MAX_TOP_K */
} RunOptions;

/* The model as trained: sqrt scaling, causal mask, nothing masked or
 * ablated, top_k 5. */
RunOptions run_options_default(void);

/* run_options_default for model m: an encoder (BERT) gets mask none. */
RunOptions run_options_for_model(const Model *m);

/* "sqrt" | "none" | "temp:T" (RUN_TEMP_MIN <= T <= RUN_TEMP_MAX). */
int run_options_parse_scale(RunOptions *ro, const char *spec, EngineError *err);
/* "causal" | "none" | "window:W" (W >= 1) | "keys:a,b,..." (causal + keys). */
int run_options_parse_mask(RunOptions *ro, const char *spec, EngineError *err);
/* run_options_parse_mask for model m: on an encoder, "keys:a,b" hides keys
 * on top of its default mask, none (a decoder's is causal). */
int run_options_parse_mask_model(RunOptions *ro, const Model *m, const char *spec, EngineError *err);
/* "L.H,L.H,..." zero-based layer and head. */
int run_options_parse_ablate(RunOptions *ro, const char *spec, EngineError *err);

bool run_options_key_masked(const RunOptions *ro, int pos);
void run_options_set_key_masked(RunOptions *ro, int pos, bool masked);
bool run_options_head_ablated(const RunOptions *ro, int layer, int head);
void run_options_set_head_ablated(RunOptions *ro, int layer, int head, bool on);

/* Keys [*lo, *hi) that query q may see under the mask mode, before masked
 * keys are taken out (T = number of tokens). */
void run_options_visible_range(const RunOptions *ro, int q, int T, int *lo, int *hi);

/* Whether query q may see key k under ro (mask mode and masked keys). */
bool run_options_visible(const RunOptions *ro, int q, int k);

/* Writes a short human-readable summary, e.g. "scale=sqrt mask=window:4
 * masked=2 ablated=1". */
void run_options_describe(const RunOptions *ro, char *buf, size_t cap);

#define TRACE_MAX_TOP_K 16

/* Everything a visualizer needs from one forward pass. All arrays belong to
 * one allocation, row-major, shapes as commented. T = n_tokens.
 * Masked scores are -INFINITY; a query with no visible key has an all-zero
 * probability row and a zero head output. */
typedef struct {
    int n_layer, n_head, n_kv_head, d_head, vocab_size, top_k;
    int n_tokens;         /* T: queries (rows) */
    int n_keys;           /* keys (columns): T for a forward_run trace; a
                             view of cross-attention (marian_trace_kind) has
                             n_tokens targets x n_keys sources; 0 = T */
    int capacity;         /* max T this trace was created for */
    float *q;             /* (layer, head, token, d_head) after RoPE if any */
    float *k;             /* (layer, kv_head, token, d_head) after RoPE */
    float *v;             /* (layer, kv_head, token, d_head) */
    float *q_pre_rope;    /* (layer, head, token, d_head); NULL for GPT-2 */
    float *k_pre_rope;    /* (layer, kv_head, token, d_head); NULL for GPT-2 */
    float *raw, *scores;  /* (layer, head, query, key) q.k and the scaled,
                             masked scores when stored (a marian_trace_kind
                             view); NULL after forward_run: trace_raw /
                             trace_scores recompute them */
    float *att;           /* (layer, head, query, key) softmax probabilities */
    float *head_out;      /* (layer, head, token, d_head) sum_k att * v;
                             zero for an ablated head */
    float *logits;        /* (token, vocab); an encoder's come from its MLM
                             head (all zero for a BertModel without one) */
    int *top_ids;         /* (token, top_k) most likely next tokens; for an
                             encoder, the fill-ins at that position */
    float *top_p;         /* (token, top_k) their probabilities */
    float *token_loss;    /* (token) -log p(next token); last one is 0.
                             Encoder: -log p(the input token at t) */
    float loss;           /* mean over the T-1 predicted tokens, nats; NAN if T < 2.
                             Encoder: mean over T; NAN without an MLM head */
    int *ids;             /* (token) the input ids */
    int *types;           /* (token) the token types (segments); 0 if none given */
    double forward_ms;    /* wall time of the forward + trace */
    RunOptions ro;        /* the options it was run with */
    /* trace_raw / trace_scores: one head's (query, key) matrix at a time,
       recomputed from q and k when another head is asked for (a lean trace:
       the T x T score arrays of every head were most of its memory) */
    float *raw_buf, *scores_buf;      /* (capacity, capacity) scratch */
    int raw_head, scores_head;        /* layer * n_head + head held, -1 none */
    bool partial;         /* predictions (logits, top-k, token_loss) are only
                             current at `focus` and the last token (other
                             rows: a previous run's), loss is
                             NAN: forward_session_run_view published the
                             attention first; forward_session_complete fills
                             the rest (session.h) */
    int focus;            /* the row on view when partial */
    uint64_t session_stamp; /* set by the ForwardSession whose last run this
                             trace holds (0: none, e.g. after forward_run or
                             trace_copy): a session continues in place only
                             from its own last trace (session.h) */
} Trace;

/* Allocates a trace for up to capacity tokens of model m (capacity <= n_ctx).
 * Returns NULL when out of memory. */
Trace *trace_create(const Model *m, int capacity);
void trace_free(Trace *tr);

/* Copies src's whole trace (a forward_run or session trace: n_keys ==
 * n_tokens, no stored raw/scores) into dst (capacity >= src->n_tokens, same
 * model shape). dst's on-demand score buffers start empty. */
void trace_copy(Trace *dst, const Trace *src);

/* Bytes a trace for capacity tokens would take. */
size_t trace_bytes(const Model *m, int capacity);

/* The key count of tr: n_keys, or n_tokens when 0 (square). */
static inline int trace_n_keys(const Trace *tr) { return tr->n_keys > 0 ? tr->n_keys : tr->n_tokens; }

/* Row-major (query, key) matrices of n_tokens x trace_n_keys for one head
 * (T x T after forward_run): the softmax probabilities (stored), q.k and the
 * scaled + masked scores (stored when tr->raw / tr->scores are set, as in a
 * marian_trace_kind view; otherwise recomputed on demand from q and k: valid
 * until trace_raw / trace_scores is asked for another head of the same
 * trace; the trace is read by one thread). */
float *trace_att(const Trace *tr, int layer, int head);
float *trace_raw(const Trace *tr, int layer, int head);
float *trace_scores(const Trace *tr, int layer, int head);
/* Whether query q sees key k in head (layer, head) of tr, i.e. whether
 * trace_scores(tr, layer, head)[q * trace_n_keys(tr) + k] is finite, without
 * recomputing any scores: read from the stored scores when tr has them,
 * else from the options it was run with (the same for every head). */
bool trace_visible(const Trace *tr, int layer, int head, int q, int k);
/* (token, d_head) vectors; k and v follow the head's shared KV head and
 * have trace_n_keys rows. */
float *trace_q(const Trace *tr, int layer, int head);
float *trace_k(const Trace *tr, int layer, int head);
float *trace_v(const Trace *tr, int layer, int head);
float *trace_head_out(const Trace *tr, int layer, int head);
/* The same vectors before rotary embedding (Llama); NULL for GPT-2. */
float *trace_q_pre_rope(const Trace *tr, int layer, int head);
float *trace_k_pre_rope(const Trace *tr, int layer, int head);
/* The KV head that query head `head` reads (head / (n_head / n_kv_head)). */
int trace_kv_head(const Trace *tr, int head);

/* Sets how many threads the BLAS library may use for every later forward
 * pass (process-wide). n <= 0 leaves its default (all cores). An interactive
 * app may want 1, so BLAS helper threads do not spin on the UI's core. */
void forward_set_threads(int n);

/* The OpenBLAS kernel in use (openblas_get_corename()), for benchmarks. */
const char *forward_blas_kernel(void);

/* Runs the forward pass over ids[0..n) (1 <= n <= tr->capacity) under ro,
 * filling tr. Thread-safe for distinct traces over one model. */
int forward_run(const Model *m, const int *ids, int n, const RunOptions *ro,
                Trace *tr, EngineError *err);

/* forward_run with token types (BERT segments, types[t] < type_vocab_size;
 * NULL = all 0). A type the model does not have is an error naming it. */
int forward_run_typed(const Model *m, const int *ids, const int *types, int n,
                      const RunOptions *ro, Trace *tr, EngineError *err);

#endif
