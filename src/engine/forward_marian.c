/* forward_marian.c — the Marian encoder–decoder forward pass (marian.h),
 * built from forward.c's linear_forward, norm_forward and attention_head.
 *
 * In PyTorch terms (transformers' MarianEncoderLayer / MarianDecoderLayer,
 * post-LN, dropout off):
 *   encoder:  x = shared[src] * s + pos[0..S)          s = sqrt(d) or 1
 *             per layer: x = LN(x + o(attn(x, x)))      self_attn_layer_norm
 *                        x = LN(x + fc2(act(fc1(x))))   final_layer_norm
 *   decoder:  y = shared[tgt] * s + pos[0..T)
 *             per layer: y = LN(y + o(attn(y, y)))      causal by default
 *                        y = LN(y + o(attn(y, x_enc)))  encoder_attn_layer_norm
 *                        y = LN(y + fc2(act(fc1(y))))
 *   logits = y @ shared^T + final_logits_bias
 * HF scales q before q.k; we keep q unscaled in the trace (raw = q.k) and
 * scale the scores, which is the same softmax input.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "forward_internal.h"
#include "mapguard.h"
#include "marian.h"

MarianRunOptions marian_run_options_default(void) {
    MarianRunOptions ro;
    ro.enc = ro.dec = ro.cross = run_options_default();
    ro.enc.mask = MASK_NONE;
    ro.cross.mask = MASK_NONE;
    return ro;
}

void marian_run_options_mask_source(MarianRunOptions *ro, int pos, bool masked) {
    run_options_set_key_masked(&ro->enc, pos, masked);
    run_options_set_key_masked(&ro->cross, pos, masked);
}

/* ------------------------------------------------------------------ trace */

static size_t attn__floats(int L, int H, int dh, int cq, int ck) {
    size_t per = (size_t)H * ((size_t)cq * dh * 2 + (size_t)ck * dh * 2 + (size_t)cq * ck * 3);
    return (size_t)L * per;
}

static float *attn__carve(AttnTrace *a, float *f, int L, int H, int dh, int cq, int ck) {
    size_t qv = (size_t)L * H * cq * dh, kv = (size_t)L * H * ck * dh, m = (size_t)L * H * cq * ck;
    *a = (AttnTrace){.n_layer = L, .n_head = H, .d_head = dh};
    a->q = f;        f += qv;
    a->head_out = f; f += qv;
    a->k = f;        f += kv;
    a->v = f;        f += kv;
    a->raw = f;      f += m;
    a->scores = f;   f += m;
    a->att = f;      f += m;
    return f;
}

MarianTrace *marian_trace_create(const MarianModel *mm, int cap_s, int cap_t) {
    const MarianConfig *c = &mm->config;
    ENGINE_ASSERT(cap_s >= 1 && cap_t >= 1 && cap_s <= c->n_ctx && cap_t <= c->n_ctx);
    int dhe = c->d_model / c->n_enc_head, dhd = c->d_model / c->n_dec_head;
    size_t floats = attn__floats(c->n_enc_layer, c->n_enc_head, dhe, cap_s, cap_s) +
                    attn__floats(c->n_dec_layer, c->n_dec_head, dhd, cap_t, cap_t) +
                    attn__floats(c->n_dec_layer, c->n_dec_head, dhd, cap_t, cap_s) +
                    (size_t)cap_s * c->d_model + (size_t)cap_t * c->vocab_size;
    size_t ints = (size_t)cap_s + cap_t;
    size_t head = (sizeof(MarianTrace) + 63) & ~(size_t)63;
    char *block = calloc(1, head + floats * sizeof(float) + ints * sizeof(int));
    if (!block) return NULL;
    MarianTrace *tr = (MarianTrace *)block;
    float *f = (float *)(block + head);
    f = attn__carve(&tr->enc, f, c->n_enc_layer, c->n_enc_head, dhe, cap_s, cap_s);
    f = attn__carve(&tr->dec, f, c->n_dec_layer, c->n_dec_head, dhd, cap_t, cap_t);
    f = attn__carve(&tr->cross, f, c->n_dec_layer, c->n_dec_head, dhd, cap_t, cap_s);
    tr->enc_out = f;  f += (size_t)cap_s * c->d_model;
    tr->logits = f;   f += (size_t)cap_t * c->vocab_size;
    tr->src_ids = (int *)f;
    tr->tgt_ids = tr->src_ids + cap_s;
    tr->cap_s = cap_s;
    tr->cap_t = cap_t;
    tr->vocab_size = c->vocab_size;
    return tr;
}

void marian_trace_free(MarianTrace *tr) { free(tr); }

static size_t attn__mat(const AttnTrace *a, int l, int h) {
    ENGINE_ASSERT(l >= 0 && l < a->n_layer && h >= 0 && h < a->n_head);
    return ((size_t)l * a->n_head + h) * (size_t)a->nq * a->nk;
}
static size_t attn__qvec(const AttnTrace *a, int l, int h) {
    ENGINE_ASSERT(l >= 0 && l < a->n_layer && h >= 0 && h < a->n_head);
    return ((size_t)l * a->n_head + h) * (size_t)a->nq * a->d_head;
}
static size_t attn__kvec(const AttnTrace *a, int l, int h) {
    ENGINE_ASSERT(l >= 0 && l < a->n_layer && h >= 0 && h < a->n_head);
    return ((size_t)l * a->n_head + h) * (size_t)a->nk * a->d_head;
}

float *attn_trace_att(const AttnTrace *a, int l, int h) { return a->att + attn__mat(a, l, h); }
float *attn_trace_raw(const AttnTrace *a, int l, int h) { return a->raw + attn__mat(a, l, h); }
float *attn_trace_scores(const AttnTrace *a, int l, int h) { return a->scores + attn__mat(a, l, h); }
float *attn_trace_q(const AttnTrace *a, int l, int h) { return a->q + attn__qvec(a, l, h); }
float *attn_trace_head_out(const AttnTrace *a, int l, int h) { return a->head_out + attn__qvec(a, l, h); }
float *attn_trace_k(const AttnTrace *a, int l, int h) { return a->k + attn__kvec(a, l, h); }
float *attn_trace_v(const AttnTrace *a, int l, int h) { return a->v + attn__kvec(a, l, h); }

const char *marian_kind_name(MarianKind kind) {
    static const char *names[MARIAN_KIND_COUNT] = {"cross", "encoder", "decoder"};
    ENGINE_ASSERT(kind >= 0 && kind < MARIAN_KIND_COUNT);
    return names[kind];
}

int marian_kind_parse(const char *s) {
    for (int k = 0; s && k < MARIAN_KIND_COUNT; k++)
        if (!strcmp(s, marian_kind_name((MarianKind)k))) return k;
    return -1;
}

RunOptions *marian_run_options_kind(MarianRunOptions *ro, MarianKind kind) {
    return kind == MARIAN_KIND_ENC ? &ro->enc : kind == MARIAN_KIND_DEC ? &ro->dec : &ro->cross;
}

void marian_trace_kind(const MarianTrace *tr, MarianKind kind, Trace *view) {
    const AttnTrace *a = kind == MARIAN_KIND_ENC ? &tr->enc : kind == MARIAN_KIND_DEC ? &tr->dec : &tr->cross;
    memset(view, 0, sizeof *view);
    view->n_layer = a->n_layer;
    view->n_head = view->n_kv_head = a->n_head;
    view->d_head = a->d_head;
    view->vocab_size = tr->vocab_size;
    view->n_tokens = a->nq;
    view->n_keys = a->nk;
    view->capacity = a->nq;
    view->q = a->q;
    view->k = a->k;
    view->v = a->v;
    view->raw = a->raw;
    view->scores = a->scores;
    view->att = a->att;
    view->head_out = a->head_out;
    view->ids = kind == MARIAN_KIND_ENC ? tr->src_ids : tr->tgt_ids;
    view->loss = NAN;
    view->forward_ms = tr->forward_ms;
}

/* ---------------------------------------------------------------- blocks */

typedef struct {
    float *q, *k, *v; /* (max(S,T), D) projections */
    float *heads;     /* (max(S,T), D) concatenated head outputs */
    float *ff;        /* (max(S,T), max F) MLP hidden */
} MarianWs;

/* x (Tq, D) = LN(x + o(attn(q(x), k(kv), v(kv)))), recorded in layer l of
 * a. kv (Tk, D) is x itself for self-attention. */
static void marian__attn_block(const MarianConfig *c, const MarianAttn *A, float *x, int Tq, const float *kv,
                               int Tk, AttnTrace *a, int l, const RunOptions *ro, MarianWs *ws) {
    const int D = c->d_model, H = a->n_head, dh = a->d_head;
    linear_forward(ws->q, x, Tq, &A->q, false);
    linear_forward(ws->k, kv, Tk, &A->k, false);
    linear_forward(ws->v, kv, Tk, &A->v, false);
    for (int h = 0; h < H; h++) {
        float *q = attn_trace_q(a, l, h), *k = attn_trace_k(a, l, h), *v = attn_trace_v(a, l, h);
        for (int t = 0; t < Tq; t++) memcpy(q + (size_t)t * dh, ws->q + (size_t)t * D + h * dh, dh * sizeof *q);
        for (int t = 0; t < Tk; t++) {
            memcpy(k + (size_t)t * dh, ws->k + (size_t)t * D + h * dh, dh * sizeof *k);
            memcpy(v + (size_t)t * dh, ws->v + (size_t)t * D + h * dh, dh * sizeof *v);
        }
        float *out = attn_trace_head_out(a, l, h);
        attention_head(q, k, v, attn_trace_raw(a, l, h), attn_trace_scores(a, l, h), attn_trace_att(a, l, h), out,
                       Tq, Tk, dh, ro);
        bool ablated = run_options_head_ablated(ro, l, h);
        if (ablated) memset(out, 0, (size_t)Tq * dh * sizeof *out);
        for (int t = 0; t < Tq; t++) memcpy(ws->heads + (size_t)t * D + h * dh, out + (size_t)t * dh, dh * sizeof *out);
    }
    linear_forward(x, ws->heads, Tq, &A->o, true); /* x += out_proj(heads) */
    norm_forward(x, x, Tq, D, A->norm_w, A->norm_b, c->norm_eps);
}

/* x (T, D) = LN(x + fc2(act(fc1(x)))). */
static void marian__ffn_block(const MarianConfig *c, const MarianLayer *L, float *x, int T, MarianWs *ws) {
    const int F = L->fc1.n_out;
    linear_forward(ws->ff, x, T, &L->fc1, false);
    size_t n = (size_t)T * F;
    if (c->act == MARIAN_ACT_GELU) {
        gelu_erf_inplace(ws->ff, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            float u = ws->ff[i];
            ws->ff[i] = c->act == MARIAN_ACT_SWISH ? u / (1.0f + expf(-u)) : u > 0 ? u : 0;
        }
    }
    linear_forward(x, ws->ff, T, &L->fc2, true);
    norm_forward(x, x, T, c->d_model, L->final_w, L->final_b, c->norm_eps);
}

/* x (T, D) = shared[ids] * scale + pos[0..T). */
static void marian__embed(const MarianModel *mm, const int *ids, int T, float *x) {
    const int D = mm->config.d_model;
    const float s = mm->config.scale_embedding ? sqrtf((float)D) : 1.0f;
    for (int t = 0; t < T; t++) {
        const float *e = mm->weights.shared + (size_t)ids[t] * D, *p = mm->weights.pos + (size_t)t * D;
        for (int i = 0; i < D; i++) x[(size_t)t * D + i] = e[i] * s + p[i];
    }
}

static int marian__check(const MarianModel *mm, const int *ids, int n, int cap, const char *what,
                         const RunOptions *ro, EngineError *err) {
    const MarianConfig *c = &mm->config;
    if (n < 1) return engine_fail(err, "%s is empty; HINT: give a sentence to translate", what);
    if (n > cap || n > c->n_ctx)
        return engine_fail(err, "%d %s tokens exceed the room of %d; HINT: shorten the text", n, what,
                           cap < c->n_ctx ? cap : c->n_ctx);
    for (int t = 0; t < n; t++)
        if (ids[t] < 0 || ids[t] >= c->vocab_size)
            return engine_fail(err, "%s token id %d at position %d is outside the vocabulary (%d); HINT: the "
                               "tokenizer does not match the model", what, ids[t], t, c->vocab_size);
    if (ro->scale == SCALE_TEMP && !(ro->temperature > 0))
        return engine_fail(err, "temperature %g must be > 0; HINT: e.g. temp:0.5", ro->temperature);
    if (ro->mask == MASK_WINDOW && ro->window < 1)
        return engine_fail(err, "window %d must be >= 1; HINT: e.g. window:4", ro->window);
    return 0;
}

static MarianWs marian__ws_alloc(const MarianConfig *c, int S, int T, float **block) {
    /* n rows serve both sides: the encoder (S) and the decoder (T, and S for
       cross-attention's k and v). */
    size_t n = (size_t)(S > T ? S : T), F = (size_t)(c->d_ff_enc > c->d_ff_dec ? c->d_ff_enc : c->d_ff_dec);
    size_t D = (size_t)c->d_model;
    MarianWs ws = {0};
    *block = malloc((n * D * 4 + n * F) * sizeof(float));
    if (!*block) return ws;
    ws.q = *block;
    ws.k = ws.q + n * D;
    ws.v = ws.k + n * D;
    ws.heads = ws.v + n * D;
    ws.ff = ws.heads + n * D;
    return ws;
}

/* Encoder over src[0..S): fills tr->enc and tr->enc_out. */
static int marian__encoder(const MarianModel *mm, const int *src, int S, const RunOptions *ro, MarianTrace *tr,
                           EngineError *err) {
    const MarianConfig *c = &mm->config;
    if (marian__check(mm, src, S, tr->cap_s, "source", ro, err)) return -1;
    float *block;
    MarianWs ws = marian__ws_alloc(c, S, 1, &block);
    if (!block) return engine_fail(err, "out of memory for %d source tokens; HINT: shorten the text", S);
    tr->S = S;
    tr->enc.nq = tr->enc.nk = S;
    memcpy(tr->src_ids, src, (size_t)S * sizeof *src);
    float *x = tr->enc_out;
    marian__embed(mm, src, S, x);
    for (int l = 0; l < c->n_enc_layer; l++) {
        const MarianLayer *L = &mm->weights.enc[l];
        marian__attn_block(c, &L->self, x, S, x, S, &tr->enc, l, ro, &ws);
        marian__ffn_block(c, L, x, S, &ws);
    }
    free(block);
    return 0;
}

/* Decoder over tgt[0..T) against tr->enc_out: fills dec, cross, and the
 * logits rows from logits_from on (decoding needs only the last). */
static int marian__decoder(const MarianModel *mm, const int *tgt, int T, int logits_from, const MarianRunOptions *ro,
                           MarianTrace *tr, EngineError *err) {
    const MarianConfig *c = &mm->config;
    const int D = c->d_model, V = c->vocab_size, S = tr->S;
    if (marian__check(mm, tgt, T, tr->cap_t, "target", &ro->dec, err) ||
        marian__check(mm, tr->src_ids, S, tr->cap_s, "source", &ro->cross, err))
        return -1;
    float *block;
    MarianWs ws = marian__ws_alloc(c, S, T, &block);
    float *y = malloc((size_t)T * D * sizeof *y);
    if (!block || !y) {
        free(block);
        free(y);
        return engine_fail(err, "out of memory for %d target tokens; HINT: ask for fewer tokens", T);
    }
    tr->T = T;
    tr->dec.nq = tr->dec.nk = T;
    tr->cross.nq = T;
    tr->cross.nk = S;
    memcpy(tr->tgt_ids, tgt, (size_t)T * sizeof *tgt);
    marian__embed(mm, tgt, T, y);
    for (int l = 0; l < c->n_dec_layer; l++) {
        const MarianLayer *L = &mm->weights.dec[l];
        marian__attn_block(c, &L->self, y, T, y, T, &tr->dec, l, &ro->dec, &ws);
        marian__attn_block(c, &L->cross, y, T, tr->enc_out, S, &tr->cross, l, &ro->cross, &ws);
        marian__ffn_block(c, L, y, T, &ws);
    }
    /* logits (T, V) = y @ shared^T + final_logits_bias.  PyTorch: lm_head(y) + bias */
    Linear head = {.w = mm->weights.shared, .b = mm->weights.logits_bias, .n_in = D, .n_out = V, .out_major = true};
    ENGINE_ASSERT(logits_from >= 0 && logits_from < T);
    linear_forward(tr->logits + (size_t)logits_from * V, y + (size_t)logits_from * D, T - logits_from, &head, false);
    free(y);
    free(block);
    return 0;
}

static double marian__now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int marian__forward(const MarianModel *mm, const int *src, int S, const int *tgt, int T, const MarianRunOptions *ro,
                   MarianTrace *tr, EngineError *err) {
    double t0 = marian__now_ms();
    if (marian__encoder(mm, src, S, &ro->enc, tr, err) || marian__decoder(mm, tgt, T, 0, ro, tr, err)) return -1;
    tr->forward_ms = marian__now_ms() - t0;
    return 0;
}

/* The most likely next token after row t, never <pad> (Marian's
 * bad_words_ids); the first of equal logits wins. */
static int marian__argmax(const MarianModel *mm, const float *row) {
    int best = -1;
    for (int i = 0; i < mm->config.vocab_size; i++)
        if (i != mm->config.pad_id && (best < 0 || row[i] > row[best])) best = i;
    return best;
}

static int marian__greedy(const MarianModel *mm, const int *src, int S, int max_new, const MarianRunOptions *ro, int **out,
                  int *n_out, EngineError *err) {
    *out = NULL;
    *n_out = 0;
    if (max_new < 1) return engine_fail(err, "-n %d: ask for at least one token; HINT: e.g. -n 64", max_new);
    int cap_t = max_new + 1 < mm->config.n_ctx ? max_new + 1 : mm->config.n_ctx;
    if (S > mm->config.n_ctx)
        return engine_fail(err, "%d source tokens exceed max_position_embeddings %d; HINT: shorten the text", S,
                           mm->config.n_ctx);
    MarianTrace *tr = marian_trace_create(mm, S > 0 ? S : 1, cap_t);
    int *dec = malloc((size_t)(cap_t + 1) * sizeof *dec);
    if (!tr || !dec) {
        marian_trace_free(tr);
        free(dec);
        return engine_fail(err, "out of memory decoding; HINT: ask for fewer tokens");
    }
    int rc = marian__encoder(mm, src, S, &ro->enc, tr, err);
    int T = 1;
    dec[0] = mm->config.decoder_start_id;
    while (!rc) {
        rc = marian__decoder(mm, dec, T, T - 1, ro, tr, err);
        if (rc) break;
        int next = marian__argmax(mm, tr->logits + (size_t)(T - 1) * mm->config.vocab_size);
        dec[T++] = next;
        if (next == mm->config.eos_id || T - 1 >= max_new || T > cap_t) break; /* dec holds cap_t + 1 */
    }
    marian_trace_free(tr);
    if (rc) {
        free(dec);
        return -1;
    }
    memmove(dec, dec + 1, (size_t)(T - 1) * sizeof *dec);
    *out = dec;
    *n_out = T - 1;
    return 0;
}

/* ------------------------------------------------------------ beam search */

typedef struct {
    int *tok;      /* (max_new + 1) produced ids */
    int n;
    double sum;    /* sum of log-probabilities */
} MarianHyp;

typedef struct {
    double score;
    int beam, id;
} MarianCand;

static bool marian__cand_better(const MarianCand *x, const MarianCand *y) {
    return x->score > y->score || (x->score == y->score && (x->beam < y->beam || (x->beam == y->beam && x->id < y->id)));
}

/* cands[0..*n) kept sorted best first (higher score, then lower beam, then
 * lower id), at most cap of them. */
static void marian__cand_push(MarianCand *cands, int *n, int cap, MarianCand c) {
    bool full = *n == cap;
    if (full && !marian__cand_better(&c, &cands[cap - 1])) return;
    int i = full ? cap - 1 : (*n)++;
    while (i > 0 && marian__cand_better(&c, &cands[i - 1])) {
        cands[i] = cands[i - 1];
        i--;
    }
    cands[i] = c;
}

static int marian__beam(const MarianModel *mm, const int *src, int S, int max_new, int width, const MarianRunOptions *ro,
                int **out, int *n_out, EngineError *err) {
    *out = NULL;
    *n_out = 0;
    if (width < 1 || width > 16) return engine_fail(err, "--beam %d: the width must be 1..16; HINT: e.g. --beam 4", width);
    if (max_new < 1) return engine_fail(err, "-n %d: ask for at least one token; HINT: e.g. -n 64", max_new);
    const MarianConfig *c = &mm->config;
    if (max_new > c->n_ctx - 1) max_new = c->n_ctx - 1;
    if (S < 1 || S > c->n_ctx)
        return engine_fail(err, "%d source tokens do not fit max_position_embeddings %d; HINT: shorten the text", S, c->n_ctx);
    const int V = c->vocab_size, cap = 2 * width, T_cap = max_new + 1;
    MarianTrace *tr = marian_trace_create(mm, S, T_cap);
    MarianHyp *live = calloc((size_t)width, sizeof *live), *next = calloc((size_t)width, sizeof *next);
    MarianHyp *fin = calloc((size_t)(cap * max_new + width), sizeof *fin);
    double *fin_score = calloc((size_t)(cap * max_new + width), sizeof *fin_score);
    MarianCand *cands = malloc((size_t)cap * sizeof *cands);
    int *in = malloc((size_t)(T_cap + 1) * sizeof *in);
    int *pool = malloc((size_t)(2 * width + cap * max_new + width) * (size_t)(T_cap + 1) * sizeof *pool);
    int rc = 0, n_live = 1, n_fin = 0, used = 0;
    if (!tr || !live || !next || !fin || !fin_score || !cands || !in || !pool) {
        rc = engine_fail(err, "out of memory for beam search; HINT: ask for fewer tokens or a narrower beam");
        goto done;
    }
#define MARIAN_NEW_TOKS() (pool + (size_t)(used++) * (size_t)(T_cap + 1))
    live[0] = (MarianHyp){.tok = MARIAN_NEW_TOKS(), .n = 0, .sum = 0};
    if ((rc = marian__encoder(mm, src, S, &ro->enc, tr, err))) goto done;
    for (int step = 0; step < max_new && n_live > 0; step++) {
        int nc = 0;
        for (int b = 0; b < n_live; b++) {
            in[0] = c->decoder_start_id;
            memcpy(in + 1, live[b].tok, (size_t)live[b].n * sizeof *in);
            if ((rc = marian__decoder(mm, in, live[b].n + 1, live[b].n, ro, tr, err))) goto done;
            const float *row = tr->logits + (size_t)live[b].n * V;
            double mx = -INFINITY, sum = 0;
            for (int v = 0; v < V; v++)
                if (v != c->pad_id && row[v] > mx) mx = row[v];
            for (int v = 0; v < V; v++)
                if (v != c->pad_id) sum += exp((double)row[v] - mx);
            double lse = mx + log(sum);
            for (int v = 0; v < V; v++)
                if (v != c->pad_id)
                    marian__cand_push(cands, &nc, cap, (MarianCand){.score = live[b].sum + row[v] - lse, .beam = b, .id = v});
        }
        int n_next = 0;
        for (int i = 0; i < nc; i++) {
            const MarianHyp *h = &live[cands[i].beam];
            if (cands[i].id != c->eos_id && n_next == width) continue;
            MarianHyp nh = {.tok = MARIAN_NEW_TOKS(), .n = h->n + 1, .sum = cands[i].score};
            memcpy(nh.tok, h->tok, (size_t)h->n * sizeof *nh.tok);
            nh.tok[h->n] = cands[i].id;
            if (cands[i].id == c->eos_id) {
                fin_score[n_fin] = nh.sum / nh.n;
                fin[n_fin++] = nh;
            } else {
                next[n_next++] = nh;
            }
        }
        MarianHyp *t = live;
        live = next;
        next = t;
        n_live = n_next;
        if (n_fin >= width) break;
    }
    if (n_fin < width)
        for (int b = 0; b < n_live; b++) {
            fin_score[n_fin] = live[b].sum / live[b].n;
            fin[n_fin++] = live[b];
        }
    int best = 0;
    for (int i = 1; i < n_fin; i++)
        if (fin_score[i] > fin_score[best]) best = i;
    ENGINE_ASSERT(n_fin > 0);
    *out = malloc((size_t)fin[best].n * sizeof **out + sizeof **out);
    if (!*out) {
        rc = engine_fail(err, "out of memory for beam search; HINT: ask for fewer tokens");
        goto done;
    }
    memcpy(*out, fin[best].tok, (size_t)fin[best].n * sizeof **out);
    *n_out = fin[best].n;
#undef MARIAN_NEW_TOKS
done:
    marian_trace_free(tr);
    free(live);
    free(next);
    free(fin);
    free(fin_score);
    free(cands);
    free(in);
    free(pool);
    return rc;
}

/* The public runs check the files behind the mapped weights first (size,
 * mtime), and a truncation racing the run ends in an error naming the file
 * instead of a silent SIGBUS (mapguard.h), as forward_run does. */
int marian_forward(const MarianModel *mm, const int *src, int S, const int *tgt, int T, const MarianRunOptions *ro,
                   MarianTrace *tr, EngineError *err) {
    if (model_check_files(mm->base, err)) return -1;
    int rc;
    MAPGUARD_RUN(rc, err, marian__forward(mm, src, S, tgt, T, ro, tr, err));
    return rc;
}

int marian_greedy(const MarianModel *mm, const int *src, int S, int max_new, const MarianRunOptions *ro, int **out,
                  int *n_out, EngineError *err) {
    if (model_check_files(mm->base, err)) return -1;
    int rc;
    MAPGUARD_RUN(rc, err, marian__greedy(mm, src, S, max_new, ro, out, n_out, err));
    return rc;
}

int marian_beam(const MarianModel *mm, const int *src, int S, int max_new, int width, const MarianRunOptions *ro,
                int **out, int *n_out, EngineError *err) {
    if (model_check_files(mm->base, err)) return -1;
    int rc;
    MAPGUARD_RUN(rc, err, marian__beam(mm, src, S, max_new, width, ro, out, n_out, err));
    return rc;
}
