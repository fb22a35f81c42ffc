/* session.c — incremental forward passes over a cached trace; see session.h. */
#include "session.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "forward_internal.h"
#include "mapguard.h"
#include "pool.h"

struct ForwardSession {
    const Model *m;
    int max_tokens;       /* hard limit, <= n_ctx */
    int cap;              /* rows of xs and ws; 0 = not allocated */
    float *xs;            /* (n_layer + 1, cap, D) residual stream: layer l's
                             input, and the final output */
    float *ws_block;      /* workspace for cap rows, carved into ws */
    ForwardWorkspace ws;  /* ws.lse (cap): the cached rows' log-sum-exp */
    Trace *tr;            /* the caller's trace the cached run wrote (q, k, v,
                             attention, head outputs, logits, ids, types,
                             top_k): not owned, continued in place */
    uint64_t stamp;       /* tr->session_stamp of that run */
    int T;                /* tokens in the cache; 0 = nothing cached */
    RunOptions ro;        /* options of the cached run */
    int stale_from;       /* predictions of rows [stale_from, T) are stale but */
    int done[2];          /* these two (a run_view's focus and last row) */
    ForwardSessionStats stats;
};

/* Stamps unique over the process, so that a trace freed and created again
 * at the same address is never taken for a session's last one. */
static _Atomic uint64_t session__stamps;

static double session__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void session__release(ForwardSession *s) {
    free(s->xs);
    free(s->ws_block);
    s->xs = s->ws_block = NULL;
    s->cap = 0;
    s->T = 0;
    s->tr = NULL;
}

/* (Re)allocates the residual stream and workspace for cap tokens; forgets
 * the cached run. */
static int session__alloc(ForwardSession *s, int cap, EngineError *err) {
    const ModelConfig *c = &s->m->config;
    session__release(s);
    s->xs = malloc((size_t)(c->n_layer + 1) * cap * c->d_model * sizeof(float));
    const int slots = pool_threads();
    size_t ws_floats = forward__workspace_floats(c, cap, slots);
    s->ws_block = malloc(ws_floats * sizeof(float));
    if (!s->xs || !s->ws_block) {
        session__release(s);
        return engine_fail(err, "out of memory for a %d-token session (%.0f MiB); HINT: shorten the text", cap,
                           ((size_t)(c->n_layer + 1) * cap * c->d_model + ws_floats) * 4 / 1048576.0);
    }
    forward__workspace_carve(&s->ws, c, cap, slots, s->ws_block);
    s->cap = cap;
    return 0;
}

ForwardSession *forward_session_create(const Model *m, int max_tokens, EngineError *err) {
    if (max_tokens < 1 || max_tokens > m->config.n_ctx) {
        engine_fail(err, "session for %d tokens, but the context is %d; HINT: use 1..%d", max_tokens,
                    m->config.n_ctx, m->config.n_ctx);
        return NULL;
    }
    ForwardSession *s = calloc(1, sizeof *s);
    if (!s) {
        engine_fail(err, "out of memory for a session; HINT: close other programs");
        return NULL;
    }
    s->m = m;
    s->max_tokens = max_tokens;
    s->stats.first_layer = m->config.n_layer;
    return s;
}

void forward_session_free(ForwardSession *s) {
    if (!s) return;
    session__release(s);
    free(s);
}

void forward_session_forget(ForwardSession *s) {
    s->T = 0;
    s->tr = NULL;
}

ForwardSessionStats forward_session_stats(const ForwardSession *s) { return s->stats; }

static bool session__same_scaling(const RunOptions *a, const RunOptions *b) {
    return a->scale == b->scale && (a->scale != SCALE_TEMP || a->temperature == b->temperature) &&
           a->mask == b->mask && (a->mask != MASK_WINDOW || a->window == b->window);
}

/* The rows to recompute for (ids, types, n, ro) against the cached run. */
static void session__rows(const ForwardSession *s, const int *ids, const int *types, int n,
                          const RunOptions *ro, ForwardRows *rows) {
    const int NL = s->m->config.n_layer, T0 = s->T;
    const Trace *c = s->tr; /* the cached run's ids, types, top_k (T0 > 0) */
    int first = 0; /* first row with a different token (or type) */
    if (T0 > 0 && session__same_scaling(ro, &s->ro)) {
        int lim = n < T0 ? n : T0;
        while (first < lim && ids[first] == c->ids[first] &&
               (types ? types[first] : 0) == c->types[first])
            first++;
        for (int j = 0; j < n && j < first; j++) /* a masked key hides it from queries j.. */
            if (run_options_key_masked(ro, j) != run_options_key_masked(&s->ro, j)) first = j;
    }
    int ablated_from = NL; /* first layer whose ablated heads differ */
    for (int l = 0; l < NL && ablated_from == NL; l++)
        if (ro->ablated[l] != s->ro.ablated[l]) ablated_from = l;
    for (int l = 0; l < NL; l++) rows->layer[l] = l >= ablated_from ? 0 : first;
    /* only heads toggled: the first such layer's input, hence its attention, stands */
    if (ablated_from < NL && first >= n && n == T0) rows->reuse_attention[ablated_from] = true;
    if (ro->mask == MASK_NONE) {
        /* every query sees every key: from the first layer whose keys or
           queries change (a shorter text changes them all), whole layers */
        bool changed = first < n || n != T0;
        for (int l = 0; l < NL; l++) {
            if (changed || rows->layer[l] < n) changed = true;
            rows->layer[l] = changed ? 0 : n;
        }
    }
    int head = T0 > 0 && s->stale_from < n ? s->stale_from : n; /* a run_view left these */
    for (int l = 0; l < NL; l++) head = rows->layer[l] < head ? rows->layer[l] : head;
    rows->head = head;
    int top_k = ro->top_k < 1 ? 1 : ro->top_k > TRACE_MAX_TOP_K ? TRACE_MAX_TOP_K : ro->top_k;
    if (top_k > s->m->config.vocab_size) top_k = s->m->config.vocab_size;
    rows->top_k = T0 > 0 && top_k == c->top_k ? head : 0;
    rows->lm_only = -1;
}

/* Moves the rows of tr that a pass over T tokens keeps from token stride T0
 * to stride T, in place: q, k, v, head outputs (layer, head, token, d_head)
 * and attention (layer, head, query, key). Layer l keeps its rows below
 * rows->layer[l]. Of a kept attention row only the keys ro (the options its
 * values were computed with) lets it see can be non-zero: those move, the
 * rest of the row is zeroed, so a causal row i reads i + 1 floats, not T0
 * (columns from rows->layer[l] on the pass zeroes itself). The LM head's
 * rows (stride vocab, top_k) do not move. Growing moves the last block
 * first, shrinking the first: no block is overwritten before it has moved,
 * and a row's new place overlaps only rows already moved. */
static void session__restride(Trace *tr, int T0, int T, const ForwardRows *rows, const RunOptions *ro) {
    if (T0 == T) return;
    const int NL = tr->n_layer, H = tr->n_head, KV = tr->n_kv_head, dh = tr->d_head;
    const int cols = T0 < T ? T0 : T;
    const bool grow = T > T0;
    float *vq[3] = {tr->q, tr->head_out, tr->q_pre_rope}, *vk[3] = {tr->k, tr->v, tr->k_pre_rope};
    for (int a = 0; a < 6; a++) {
        float *base = a < 3 ? vq[a] : vk[a - 3];
        const int nb = NL * (a < 3 ? H : KV), per = a < 3 ? H : KV;
        if (!base) continue;
        for (int i = 0; i < nb; i++) {
            int b = grow ? nb - 1 - i : i, keep = rows->layer[b / per] < cols ? rows->layer[b / per] : cols;
            memmove(base + (size_t)b * T * dh, base + (size_t)b * T0 * dh, (size_t)keep * dh * sizeof(float));
        }
    }
    const int nb = NL * H;
    for (int i = 0; i < nb; i++) {
        const int b = grow ? nb - 1 - i : i, r = rows->layer[b / H], keep = r < cols ? r : cols;
        for (int j = 0; j < keep; j++) {
            const int q = grow ? keep - 1 - j : j;
            int lo, hi;
            run_options_visible_range(ro, q, T0, &lo, &hi);
            if (hi > cols) hi = cols;
            if (lo > hi) lo = hi;
            float *to = tr->att + ((size_t)b * T + q) * T;
            memmove(to + lo, tr->att + ((size_t)b * T0 + q) * T0 + lo, (size_t)(hi - lo) * sizeof(float));
            memset(to, 0, (size_t)lo * sizeof(float));
            int end = r < cols ? r : cols; /* [r, T) is the pass's */
            if (end > hi) memset(to + hi, 0, (size_t)(end - hi) * sizeof(float));
        }
    }
}

static int session__run(ForwardSession *s, const int *ids, const int *types, int n,
                        const RunOptions *ro, int focus, Trace *tr, EngineError *err) {
    const ModelConfig *c = &s->m->config;
    const int limit = tr->capacity < s->max_tokens ? tr->capacity : s->max_tokens;
    if (forward__check(s->m, ids, types, n, limit, ro, err)) return -1;
    double t0 = session__now_ms();
    /* another trace than the last run's (or one rewritten since): nothing
       to continue from */
    if (s->T > 0 && !(tr == s->tr && tr->session_stamp == s->stamp && tr->n_tokens == s->T))
        forward_session_forget(s);
    if (n > s->cap) { /* grow by doubling, in steps of 32 tokens */
        int cap = s->cap * 2 > n ? s->cap * 2 : n;
        cap = (cap + 31) / 32 * 32;
        if (cap > s->max_tokens) cap = s->max_tokens;
        if (session__alloc(s, cap, err)) return -1;
    }
    ForwardRows rows;
    memset(&rows, 0, sizeof rows);
    session__rows(s, ids, types, n, ro, &rows);
    /* view first: the LM head at the focus and the last row only, when more
       rows than those would need it */
    if (focus >= 0 && rows.top_k < n - 1) rows.lm_only = focus < n ? focus : n - 1;
    if (s->T > 0) session__restride(tr, s->T, n, &rows, &s->ro);
    double t1 = session__now_ms();
    s->T = 0; /* the cache is inconsistent until the pass ends */
    tr->session_stamp = 0;
    forward__pass(s->m, &rows, ids, types, n, ro, tr, n, s->xs, (size_t)s->cap * c->d_model, &s->ws);
    s->T = n;
    s->tr = tr;
    s->stamp = tr->session_stamp = ++session__stamps;
    s->ro = *ro;
    s->stale_from = rows.lm_only >= 0 ? rows.top_k : n;
    s->done[0] = rows.lm_only;
    s->done[1] = n - 1;
    tr->partial = rows.lm_only >= 0;
    tr->focus = rows.lm_only;
    ForwardSessionStats *st = &s->stats;
    st->first_layer = c->n_layer;
    st->first_row = n;
    st->rows = 0;
    for (int l = c->n_layer - 1; l >= 0; l--) {
        if (rows.layer[l] < n) {
            st->first_layer = l;
            st->first_row = rows.layer[l];
        }
        st->rows += n - rows.layer[l] > 0 ? n - rows.layer[l] : 0;
    }
    st->rows_full = (long)c->n_layer * n;
    st->pass_ms = session__now_ms() - t1;
    st->publish_ms = t1 - t0;
    tr->forward_ms = session__now_ms() - t0;
    return 0;
}

/* As forward_run: the files behind the mapped weights are checked first, and
 * a truncation racing the pass ends in an error naming the file (mapguard.h);
 * the cache is then empty (s->T = 0), so the next run is a full pass. */
static int session__run_guarded(ForwardSession *s, const int *ids, const int *types, int n,
                                const RunOptions *ro, int focus, Trace *tr, EngineError *err) {
    if (model_check_files(s->m, err)) return -1;
    int rc;
    MAPGUARD_RUN(rc, err, session__run(s, ids, types, n, ro, focus, tr, err));
    return rc;
}

int forward_session_run(ForwardSession *s, const int *ids, const int *types, int n,
                        const RunOptions *ro, Trace *tr, EngineError *err) {
    return session__run_guarded(s, ids, types, n, ro, -1, tr, err);
}

int forward_session_run_view(ForwardSession *s, const int *ids, const int *types, int n,
                             const RunOptions *ro, int focus, Trace *tr, EngineError *err) {
    return session__run_guarded(s, ids, types, n, ro, focus < 0 ? n - 1 : focus, tr, err);
}

bool forward_session_pending(const ForwardSession *s) { return s->T > 0 && s->stale_from < s->T; }

void forward_session_publish(const ForwardSession *s, Trace *tr) {
    ENGINE_ASSERT(s->T > 0 && s->tr && tr != s->tr && tr->capacity >= s->T);
    trace_copy(tr, s->tr);
    tr->forward_ms = s->stats.pass_ms;
}

void forward_session_complete(ForwardSession *s, Trace *tr) {
    ENGINE_ASSERT(!tr || s->T == 0 || tr == s->tr);
    const int T = s->T, from = s->stale_from;
    if (T == 0 || from >= T) return;
    Trace *c = s->tr;
    double t0 = session__now_ms();
    const float *xf = s->xs + (size_t)s->m->config.n_layer * s->cap * s->m->config.d_model;
    int lo = s->done[0] < s->done[1] ? s->done[0] : s->done[1];
    int hi = s->done[0] < s->done[1] ? s->done[1] : s->done[0];
    /* [from, T) but the rows done: [from, lo) (lo, hi) (hi, T) */
    forward__lm_head(s->m, c, &s->ws, xf, from, lo > from ? lo : from);
    forward__lm_head(s->m, c, &s->ws, xf, lo + 1 > from ? lo + 1 : from, hi);
    forward__lm_head(s->m, c, &s->ws, xf, hi + 1 > from ? hi + 1 : from, T);
    forward__loss(s->m, c, &s->ws, c->ids, T);
    s->stale_from = T;
    c->partial = false;
    c->forward_ms += session__now_ms() - t0;
}
