/* session.c — incremental forward passes over a cached trace; see session.h. */
#include "session.h"

#include <string.h>
#include <time.h>

#include "forward_internal.h"
#include "mapguard.h"
#include "pool.h"

struct ForwardSession {
    const Model *m;
    int max_tokens;       /* hard limit, <= n_ctx */
    int cap;              /* S: token stride of the cache; 0 = not allocated */
    Trace *cache;         /* trace_create(m, cap), arrays used with stride cap;
                             its ids/types/top_k are those of the cached run */
    float *xs;            /* (n_layer + 1, cap, D) residual stream: layer l's
                             input, and the final output */
    float *ws_block;      /* workspace for cap rows, carved into ws */
    ForwardWorkspace ws;  /* ws.lse (cap): the cached rows' log-sum-exp */
    int T;                /* tokens in the cache; 0 = nothing cached */
    RunOptions ro;        /* options of the cached run */
    int stale_from;       /* predictions of rows [stale_from, T) are stale but */
    int done[2];          /* these two (a run_view's focus and last row) */
    ForwardSessionStats stats;
};

static double session__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void session__release(ForwardSession *s) {
    trace_free(s->cache);
    free(s->xs);
    free(s->ws_block);
    s->cache = NULL;
    s->xs = s->ws_block = NULL;
    s->cap = 0;
    s->T = 0;
}

/* (Re)allocates the cache for cap tokens; forgets the cached run. */
static int session__alloc(ForwardSession *s, int cap, EngineError *err) {
    const ModelConfig *c = &s->m->config;
    session__release(s);
    s->cache = trace_create(s->m, cap);
    s->xs = malloc((size_t)(c->n_layer + 1) * cap * c->d_model * sizeof(float));
    const int slots = pool_threads();
    s->ws_block = malloc(forward__workspace_floats(c, cap, slots) * sizeof(float));
    if (!s->cache || !s->xs || !s->ws_block) {
        session__release(s);
        return engine_fail(err, "out of memory for a %d-token session (%.0f MiB); HINT: shorten the text", cap,
                           trace_bytes(s->m, cap) / 1048576.0);
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

void forward_session_forget(ForwardSession *s) { s->T = 0; }

ForwardSessionStats forward_session_stats(const ForwardSession *s) { return s->stats; }

static bool session__same_scaling(const RunOptions *a, const RunOptions *b) {
    return a->scale == b->scale && (a->scale != SCALE_TEMP || a->temperature == b->temperature) &&
           a->mask == b->mask && (a->mask != MASK_WINDOW || a->window == b->window);
}

/* The rows to recompute for (ids, types, n, ro) against the cached run. */
static void session__rows(const ForwardSession *s, const int *ids, const int *types, int n,
                          const RunOptions *ro, ForwardRows *rows) {
    const int NL = s->m->config.n_layer, T0 = s->T;
    const Trace *c = s->cache;
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

/* Copies the cache (token stride cap) into tr (token stride T). */
static void session__publish(const ForwardSession *s, Trace *tr) {
    const Trace *c = s->cache;
    const int T = c->n_tokens, S = s->cap, dh = c->d_head, V = c->vocab_size;
    const size_t nq = (size_t)c->n_layer * c->n_head, nkv = (size_t)c->n_layer * c->n_kv_head;
    const size_t vrow = (size_t)T * dh * sizeof(float);
    for (size_t b = 0; b < nq; b++) {
        size_t from = b * S * dh, to = b * T * dh;
        memcpy(tr->q + to, c->q + from, vrow);
        memcpy(tr->head_out + to, c->head_out + from, vrow);
        if (c->q_pre_rope) memcpy(tr->q_pre_rope + to, c->q_pre_rope + from, vrow);
        for (int i = 0; i < T; i++) {
            size_t mf = (b * S + i) * S, mt = (b * T + i) * T;
            memcpy(tr->att + mt, c->att + mf, (size_t)T * sizeof(float));
        }
    }
    for (size_t b = 0; b < nkv; b++) {
        size_t from = b * S * dh, to = b * T * dh;
        memcpy(tr->k + to, c->k + from, vrow);
        memcpy(tr->v + to, c->v + from, vrow);
        if (c->k_pre_rope) memcpy(tr->k_pre_rope + to, c->k_pre_rope + from, vrow);
    }
    memcpy(tr->logits, c->logits, (size_t)T * V * sizeof(float));
    memcpy(tr->top_ids, c->top_ids, (size_t)T * c->top_k * sizeof(int));
    memcpy(tr->top_p, c->top_p, (size_t)T * c->top_k * sizeof(float));
    memcpy(tr->token_loss, c->token_loss, (size_t)T * sizeof(float));
    memcpy(tr->ids, c->ids, (size_t)T * sizeof(int));
    memcpy(tr->types, c->types, (size_t)T * sizeof(int));
    tr->n_tokens = T;
    tr->n_keys = T;
    tr->top_k = c->top_k;
    tr->loss = c->loss;
    tr->partial = c->partial;
    tr->ro = c->ro;
    tr->raw_head = tr->scores_head = -1;
    tr->focus = c->focus;
}

static int session__run(ForwardSession *s, const int *ids, const int *types, int n,
                        const RunOptions *ro, int focus, Trace *tr, EngineError *err) {
    const ModelConfig *c = &s->m->config;
    const int limit = tr->capacity < s->max_tokens ? tr->capacity : s->max_tokens;
    if (forward__check(s->m, ids, types, n, limit, ro, err)) return -1;
    double t0 = session__now_ms();
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
    s->T = 0; /* the cache is inconsistent until the pass ends */
    forward__pass(s->m, &rows, ids, types, n, ro, s->cache, s->cap, s->xs,
                  (size_t)s->cap * c->d_model, &s->ws);
    s->T = n;
    s->ro = *ro;
    s->stale_from = rows.lm_only >= 0 ? rows.top_k : n;
    s->done[0] = rows.lm_only;
    s->done[1] = n - 1;
    s->cache->partial = rows.lm_only >= 0;
    s->cache->focus = rows.lm_only;
    double t1 = session__now_ms();
    session__publish(s, tr);
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
    st->pass_ms = t1 - t0;
    st->publish_ms = session__now_ms() - t1;
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
    ENGINE_ASSERT(s->T > 0 && tr->capacity >= s->T);
    session__publish(s, tr);
    tr->forward_ms = s->stats.pass_ms;
}

void forward_session_complete(ForwardSession *s, Trace *tr) {
    Trace *c = s->cache;
    const int T = s->T, V = c->vocab_size, from = s->stale_from;
    ENGINE_ASSERT(!tr || tr->capacity >= T);
    if (T == 0 || from >= T) return;
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
    if (!tr) return;
    /* into tr: the prediction rows that changed, every loss */
    memcpy(tr->logits + (size_t)from * V, c->logits + (size_t)from * V, (size_t)(T - from) * V * sizeof(float));
    memcpy(tr->top_ids + (size_t)from * c->top_k, c->top_ids + (size_t)from * c->top_k,
           (size_t)(T - from) * c->top_k * sizeof(int));
    memcpy(tr->top_p + (size_t)from * c->top_k, c->top_p + (size_t)from * c->top_k,
           (size_t)(T - from) * c->top_k * sizeof(float));
    memcpy(tr->token_loss, c->token_loss, (size_t)T * sizeof(float));
    tr->loss = c->loss;
    tr->partial = false;
    tr->forward_ms += session__now_ms() - t0;
}
