/* forward.c — the forward pass of GPT-2 and Llama, recording the attention
 * trace. f32 throughout; projections, attention products and the MLP go
 * through cblas_sgemm.
 *
 * One transformer block, in PyTorch terms, composed from the same
 * attention_block / mlp_block / norm_forward:
 *   GPT-2:  x = x + c_proj(attn(ln_1(x)));  x = x + mlp(ln_2(x))
 *   Llama:  x = x + o_proj(attn(rope(rmsnorm(x))));  x = x + down(silu(gate(h)) * up(h))
 *   BERT:   x = LN(x + out(attn(x)));  x = LN(x + mlp(x))         (post-LN)
 * where attn applies RunOptions: scale, mask, masked keys, ablated heads.
 *
 * The pass (forward__pass) can recompute a subset: rows (token positions)
 * from r in each layer, into arrays laid out for a capacity (token stride
 * S); session.c drives it incrementally. Non-BLAS loops (softmax rows,
 * GELU, bias, log-sum-exp, top-k, the heads of short texts) run on pool.c.
 */
#include "forward.h"
#include "mapguard.h"
#include "forward_internal.h"
#include "pool.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Trace allocation */

typedef struct {
    size_t q, kv, att, qpre, kpre, logits, top, tok;
} TraceSizes;

/* Element counts of each traced array for capacity tokens. */
static TraceSizes trace__sizes(const ModelConfig *c, int cap) {
    TraceSizes s;
    size_t T = (size_t)cap, L = (size_t)c->n_layer, dh = (size_t)c->d_head;
    s.q = L * (size_t)c->n_head * T * dh;
    s.kv = L * (size_t)c->n_kv_head * T * dh;
    s.att = L * (size_t)c->n_head * T * T;
    s.qpre = c->arch == ARCH_LLAMA ? s.q : 0;
    s.kpre = c->arch == ARCH_LLAMA ? s.kv : 0;
    s.logits = T * (size_t)c->vocab_size;
    s.top = T * TRACE_MAX_TOP_K;
    s.tok = T;
    return s;
}

size_t trace_bytes(const Model *m, int capacity) {
    TraceSizes s = trace__sizes(&m->config, capacity);
    /* att for every head; raw and scores for one head at a time (on demand) */
    size_t floats = 2 * s.q + 2 * s.kv + s.att + 2 * (size_t)capacity * capacity + s.qpre + s.kpre +
                    s.logits + s.top + s.tok;
    return sizeof(Trace) + floats * sizeof(float) + (s.top + 2 * s.tok) * sizeof(int) + 64;
}

Trace *trace_create(const Model *m, int capacity) {
    const ModelConfig *c = &m->config;
    ENGINE_ASSERT(capacity >= 1 && capacity <= c->n_ctx);
    TraceSizes s = trace__sizes(c, capacity);
    char *block = calloc(1, trace_bytes(m, capacity));
    if (!block) return NULL;
    Trace *tr = (Trace *)block;
    float *f = (float *)(block + ((sizeof(Trace) + 63) & ~(size_t)63));
    tr->n_layer = c->n_layer;
    tr->n_head = c->n_head;
    tr->n_kv_head = c->n_kv_head;
    tr->d_head = c->d_head;
    tr->vocab_size = c->vocab_size;
    tr->capacity = capacity;
    tr->q = f;            f += s.q;
    tr->head_out = f;     f += s.q;
    tr->k = f;            f += s.kv;
    tr->v = f;            f += s.kv;
    tr->att = f;          f += s.att;
    tr->raw_buf = f;      f += (size_t)capacity * capacity;
    tr->scores_buf = f;   f += (size_t)capacity * capacity;
    tr->raw_head = tr->scores_head = -1;
    tr->q_pre_rope = s.qpre ? f : NULL; f += s.qpre;
    tr->k_pre_rope = s.kpre ? f : NULL; f += s.kpre;
    tr->logits = f;       f += s.logits;
    tr->top_p = f;        f += s.top;
    tr->token_loss = f;   f += s.tok;
    tr->top_ids = (int *)f;
    tr->ids = tr->top_ids + s.top;
    tr->types = tr->ids + s.tok;
    return tr;
}

void trace_free(Trace *tr) { free(tr); }

void trace_copy(Trace *dst, const Trace *src) {
    const int T = src->n_tokens, V = src->vocab_size;
    ENGINE_ASSERT(T >= 1 && T <= dst->capacity && trace_n_keys(src) == T && !src->raw && !src->scores);
    ENGINE_ASSERT(dst->n_layer == src->n_layer && dst->n_head == src->n_head &&
                  dst->n_kv_head == src->n_kv_head && dst->d_head == src->d_head && dst->vocab_size == V &&
                  !dst->q_pre_rope == !src->q_pre_rope);
    /* stride T on both sides: each array's used part is one prefix */
    const size_t q = (size_t)src->n_layer * src->n_head * T * src->d_head;
    const size_t kv = (size_t)src->n_layer * src->n_kv_head * T * src->d_head;
    memcpy(dst->q, src->q, q * sizeof(float));
    memcpy(dst->head_out, src->head_out, q * sizeof(float));
    memcpy(dst->k, src->k, kv * sizeof(float));
    memcpy(dst->v, src->v, kv * sizeof(float));
    if (src->q_pre_rope) memcpy(dst->q_pre_rope, src->q_pre_rope, q * sizeof(float));
    if (src->k_pre_rope) memcpy(dst->k_pre_rope, src->k_pre_rope, kv * sizeof(float));
    memcpy(dst->att, src->att, (size_t)src->n_layer * src->n_head * T * T * sizeof(float));
    memcpy(dst->logits, src->logits, (size_t)T * V * sizeof(float));
    memcpy(dst->top_ids, src->top_ids, (size_t)T * src->top_k * sizeof(int));
    memcpy(dst->top_p, src->top_p, (size_t)T * src->top_k * sizeof(float));
    memcpy(dst->token_loss, src->token_loss, (size_t)T * sizeof(float));
    memcpy(dst->ids, src->ids, (size_t)T * sizeof(int));
    memcpy(dst->types, src->types, (size_t)T * sizeof(int));
    dst->n_tokens = T;
    dst->n_keys = T;
    dst->top_k = src->top_k;
    dst->loss = src->loss;
    dst->forward_ms = src->forward_ms;
    dst->ro = src->ro;
    dst->partial = src->partial;
    dst->focus = src->focus;
    dst->raw_head = dst->scores_head = -1;
    dst->session_stamp = 0;
}

static size_t trace__mat(const Trace *tr, int layer, int head) {
    ENGINE_ASSERT(layer >= 0 && layer < tr->n_layer && head >= 0 && head < tr->n_head);
    return ((size_t)layer * (size_t)tr->n_head + (size_t)head) * (size_t)tr->n_tokens *
           (size_t)trace_n_keys(tr);
}

int trace_kv_head(const Trace *tr, int head) { return head / (tr->n_head / tr->n_kv_head); }

float *trace_att(const Trace *tr, int layer, int head) { return tr->att + trace__mat(tr, layer, head); }
static void attention_scores(const float *q, const float *k, float *raw, float *scores, int r,
                             int Tq, int Tk, int dh, const RunOptions *ro);

/* raw or scores of one head: the stored matrix when the trace has one (a
 * marian_trace_kind view), else computed from the trace's q and k under the
 * options it was run with and kept until another head is asked for. The
 * buffers are scratch of a trace read by one thread: writing them through
 * the const pointer is the accessor's business (the trace is heap memory). */
static float *trace__scores(const Trace *ctr, int layer, int head, bool scaled) {
    Trace *tr = (Trace *)ctr;
    ENGINE_ASSERT(layer >= 0 && layer < tr->n_layer && head >= 0 && head < tr->n_head);
    float *stored = scaled ? tr->scores : tr->raw;
    if (stored) return stored + trace__mat(tr, layer, head);
    int key = layer * tr->n_head + head, Tq = tr->n_tokens, Tk = trace_n_keys(tr);
    ENGINE_ASSERT(Tq <= tr->capacity && Tk <= tr->capacity);
    int *have = scaled ? &tr->scores_head : &tr->raw_head;
    float *buf = scaled ? tr->scores_buf : tr->raw_buf;
    if (*have != key) {
        float *raw = scaled ? tr->scores_buf : tr->raw_buf; /* scores are made in place */
        attention_scores(trace_q(tr, layer, head), trace_k(tr, layer, head), raw, NULL, 0, Tq, Tk,
                         tr->d_head, &tr->ro);
        if (scaled) attention_scores(NULL, NULL, raw, buf, 0, Tq, Tk, tr->d_head, &tr->ro);
        *have = key;
    }
    return buf;
}

float *trace_raw(const Trace *tr, int layer, int head) { return trace__scores(tr, layer, head, false); }
float *trace_scores(const Trace *tr, int layer, int head) { return trace__scores(tr, layer, head, true); }

bool trace_visible(const Trace *tr, int layer, int head, int q, int k) {
    ENGINE_ASSERT(q >= 0 && q < tr->n_tokens && k >= 0 && k < trace_n_keys(tr));
    if (tr->scores) return trace_scores(tr, layer, head)[(size_t)q * trace_n_keys(tr) + k] != -INFINITY;
    return run_options_visible(&tr->ro, q, k);
}

/* rows: n_tokens for q and head outputs, trace_n_keys for k and v */
static size_t trace__vec(const Trace *tr, int layer, int head, int n_heads, int rows) {
    return ((size_t)layer * (size_t)n_heads + (size_t)head) * (size_t)rows *
           (size_t)tr->d_head;
}

float *trace_q(const Trace *tr, int layer, int head) {
    return tr->q + trace__vec(tr, layer, head, tr->n_head, tr->n_tokens);
}
float *trace_head_out(const Trace *tr, int layer, int head) {
    return tr->head_out + trace__vec(tr, layer, head, tr->n_head, tr->n_tokens);
}
float *trace_k(const Trace *tr, int layer, int head) {
    return tr->k + trace__vec(tr, layer, trace_kv_head(tr, head), tr->n_kv_head, trace_n_keys(tr));
}
float *trace_v(const Trace *tr, int layer, int head) {
    return tr->v + trace__vec(tr, layer, trace_kv_head(tr, head), tr->n_kv_head, trace_n_keys(tr));
}

float *trace_q_pre_rope(const Trace *tr, int layer, int head) {
    if (!tr->q_pre_rope) return NULL;
    return tr->q_pre_rope + trace__vec(tr, layer, head, tr->n_head, tr->n_tokens);
}
float *trace_k_pre_rope(const Trace *tr, int layer, int head) {
    if (!tr->k_pre_rope) return NULL;
    return tr->k_pre_rope + trace__vec(tr, layer, trace_kv_head(tr, head), tr->n_kv_head, trace_n_keys(tr));
}

void forward_set_threads(int n) {
    if (n > 0) openblas_set_num_threads(n);
    pool_set_threads(n);
}

const char *forward_blas_kernel(void) { return openblas_get_corename(); }

/* ------------------------------------------------------------------------ */
/* Layers. Each takes row-major activations of T tokens. */

/* y (T, n_out) (+)= x (T, n_in) @ W, W stored (n_out, n_in) when out_major,
 * else (n_in, n_out). One row (an appended token) goes through sgemv: sgemm
 * would pack the whole weight matrix into panels for a single row, and a
 * one-row pass is bound by streaming the weights once. */
static void matmul_wt(float *y, const float *x, int T, const float *w, int n_in, int n_out,
                      bool out_major, bool accumulate) {
    const float beta = accumulate ? 1.0f : 0.0f;
    if (T == 1)
        cblas_sgemv(CblasRowMajor, out_major ? CblasNoTrans : CblasTrans, out_major ? n_out : n_in,
                    out_major ? n_in : n_out, 1.0f, w, out_major ? n_in : n_out, x, 1, beta, y, 1);
    else if (out_major)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n_out, n_in, 1.0f, x, n_in, w, n_in,
                    beta, y, n_out);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, n_out, n_in, 1.0f, x, n_in, w, n_out,
                    beta, y, n_out);
}

/* Pool jobs split work this small or larger: below it a thread's wake-up
 * costs more than the work. */
#define POOL_GRAIN_FLOATS 16384

typedef struct {
    float *y;
    const float *b;
    int n_out;
} BiasJob;

static void bias__part(void *ctx, int lo, int hi, int part) {
    const BiasJob *j = ctx;
    for (int t = lo; t < hi; t++)
        for (int o = 0; o < j->n_out; o++) j->y[(size_t)t * j->n_out + o] += j->b[o];
}

/* y (T, n_out) (+)= x (T, n_in) @ W + b.   PyTorch: y = F.linear(x, W, b) */
void linear_forward(float *y, const float *x, int T, const Linear *lin, bool accumulate) {
    const int n_in = lin->n_in, n_out = lin->n_out;
    matmul_wt(y, x, T, lin->w, n_in, n_out, lin->out_major, accumulate);
    if (lin->b) {
        BiasJob j = {y, lin->b, n_out};
        pool_for(T, POOL_GRAIN_FLOATS / n_out + 1, 0, bias__part, &j);
    }
}

/* out (T, D) = LayerNorm(x) * w + b, or RMSNorm(x) * w when b is NULL. */
void norm_forward(float *out, const float *x, int T, int D, const float *w,
                         const float *b, float eps) {
    for (int t = 0; t < T; t++) {
        const float *xt = x + (size_t)t * D;
        float *ot = out + (size_t)t * D;
        double mean = 0, var = 0;
        if (b) {
            for (int i = 0; i < D; i++) mean += xt[i];
            mean /= D;
        }
        for (int i = 0; i < D; i++) {
            double d = xt[i] - mean;
            var += d * d;
        }
        var /= D;
        float inv = (float)(1.0 / sqrt(var + eps));
        for (int i = 0; i < D; i++)
            ot[i] = (float)(xt[i] - mean) * inv * w[i] + (b ? b[i] : 0.0f);
    }
}

/* GPT-2's gelu_new: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).
 * Since 0.5 (1 + tanh(u)) = sigmoid(2u), this is x / (1 + exp(-2u)): one expf
 * instead of tanhf's expm1f + division (the MLP's main non-BLAS cost). For
 * u << 0, expf overflows to inf and the result is the correct limit, 0. */
static void gelu_new_inplace(float *x, size_t n) {
    const float k2 = 2.0f * 0.7978845608028654f;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = v / (1.0f + expf(-k2 * (v + 0.044715f * v * v * v)));
    }
}

/* BERT's GELU, exact: 0.5 x (1 + erf(x / sqrt(2))).  PyTorch: F.gelu(x) */
void gelu_erf_inplace(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

typedef struct {
    float *x;
    size_t n;
    bool erf;
} GeluJob;

static void gelu__part(void *ctx, int lo, int hi, int part) {
    const GeluJob *j = ctx;
    size_t a = (size_t)lo * POOL_GRAIN_FLOATS, b = (size_t)hi * POOL_GRAIN_FLOATS;
    if (b > j->n) b = j->n;
    if (j->erf) gelu_erf_inplace(j->x + a, b - a);
    else gelu_new_inplace(j->x + a, b - a);
}

/* x (n) = GELU(x), the erf form or gelu_new, in blocks across the pool. */
static void gelu_inplace(float *x, size_t n, bool erf) {
    GeluJob j = {x, n, erf};
    pool_for((int)((n + POOL_GRAIN_FLOATS - 1) / POOL_GRAIN_FLOATS), 1, 0, gelu__part, &j);
}

/* Rotary embedding of one head vector v (d_head) at position pos.
 * interleaved (llama2.c): pairs (2i, 2i+1); else HF rotate_half: (i, i+d/2).
 * Pair i turns by pos * theta^(-2i/d). */
static void rope_apply(float *v, int d_head, int pos, float theta, bool interleaved) {
    int half = d_head / 2;
    for (int i = 0; i < half; i++) {
        double freq = pow((double)theta, -2.0 * i / d_head);
        double ang = pos * freq;
        float c = (float)cos(ang), s = (float)sin(ang);
        int a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + half;
        float x0 = v[a], x1 = v[b];
        v[a] = x0 * c - x1 * s;
        v[b] = x0 * s + x1 * c;
    }
}

/* ------------------------------------------------------------------------ */
/* Attention with the run options, recording into the trace. */

static float attn_scale(const RunOptions *ro, int d_head) {
    switch (ro->scale) {
    case SCALE_NONE: return 1.0f;
    case SCALE_TEMP: return 1.0f / (sqrtf((float)d_head) * ro->temperature);
    case SCALE_SQRT:
    default: return 1.0f / sqrtf((float)d_head);
    }
}

/* Below this many multiply-adds per product, a plain loop beats sgemm: the
 * BLAS threads' start and sync cost more than the arithmetic (measured with
 * `attnscope bench` at T = 16 and 64: 144 heads x 2 tiny products per pass). */
#define ATTN_LOOP_MAX_MACS (1 << 19)

static float dot(const float *a, const float *b, int n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}; /* 8 lanes: vectorisable, no reassociation */
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += a[i + l] * b[i + l];
    float s = 0;
    for (; i < n; i++) s += a[i] * b[i];
    for (int l = 0; l < 8; l++) s += acc[l];
    return s;
}

/* Whether a head's products of Tq queries and Tk keys take the plain loop
 * (below ATTN_LOOP_MAX_MACS) or sgemm: one choice per head and text, so
 * every caller (a full pass, a partial one, trace_raw) takes the same path. */
static bool attn_small(int Tq, int Tk, int dh) {
    return (size_t)Tq * (size_t)Tk * (size_t)dh <= ATTN_LOOP_MAX_MACS;
}

/* out rows [r, Tq) (n, dh) = att (n, Tk) v (Tk, dh), att rows of stride S; a
 * plain loop skipping zero weights when attn_small, as q.k. */
static void attention_values(const float *att, const float *v, float *out, int r, int Tq, int Tk,
                             int S, int dh) {
    const int n = Tq - r;
    if (attn_small(Tq, Tk, dh)) {
        memset(out + (size_t)r * dh, 0, (size_t)n * dh * sizeof *out);
        for (int i = r; i < Tq; i++) {
            float *o = out + (size_t)i * dh;
            const float *a = att + (size_t)i * S;
            for (int j = 0; j < Tk; j++) {
                if (a[j] == 0.0f) continue;
                const float *vj = v + (size_t)j * dh;
                for (int d = 0; d < dh; d++) o[d] += a[j] * vj[d];
            }
        }
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, dh, Tk, 1.0f,
                    att + (size_t)r * S, S, v, dh, 0.0f, out + (size_t)r * dh, dh);
    }
}

/* Query rows [r, Tq) of one head's scores over Tk keys: raw (n, Tk) =
 * q[r..] k^T and scores (n, Tk) = raw scaled, -inf where ro hides the key
 * (NULL: raw only; q NULL: raw is given, scores only); both row stride Tk. */
static void attention_scores(const float *q, const float *k, float *raw, float *scores, int r,
                             int Tq, int Tk, int dh, const RunOptions *ro) {
    const int n = Tq - r;
    if (!q) {
        /* raw given (may be scores itself: each value is read before it is written) */
    } else if (attn_small(Tq, Tk, dh)) {
        for (int i = r; i < Tq; i++)
            for (int j = 0; j < Tk; j++)
                raw[(size_t)(i - r) * Tk + j] = dot(q + (size_t)i * dh, k + (size_t)j * dh, dh);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, Tk, dh, 1.0f, q + (size_t)r * dh,
                    dh, k, dh, 0.0f, raw, Tk);
    }
    if (!scores) return;
    const float scale = attn_scale(ro, dh);
    bool any_masked_key = false;
    for (int j = 0; j < Tk && !any_masked_key; j++) any_masked_key = run_options_key_masked(ro, j);
    for (int i = r; i < Tq; i++) {
        float *sc = scores + (size_t)(i - r) * Tk;
        const float *rw = raw + (size_t)(i - r) * Tk;
        int lo, hi;
        run_options_visible_range(ro, i, Tk, &lo, &hi);
        for (int j = 0; j < Tk; j++) {
            bool visible = j >= lo && j < hi && (!any_masked_key || !run_options_key_masked(ro, j));
            sc[j] = visible ? rw[j] * scale : -INFINITY;
        }
    }
}

typedef struct {
    const float *scores; /* (n, Tk) */
    float *att;          /* (Tq, S) */
    int r, Tk, S;
} SoftmaxJob;

/* att rows r+lo .. r+hi = softmax of the scores rows lo .. hi. */
static void softmax__part(void *ctx, int lo, int hi, int part) {
    const SoftmaxJob *jb = ctx;
    const int Tk = jb->Tk;
    for (int i = jb->r + lo; i < jb->r + hi; i++) {
        const float *sc = jb->scores + (size_t)(i - jb->r) * Tk;
        float *a = jb->att + (size_t)i * jb->S;
        float mx = -INFINITY;
        for (int j = 0; j < Tk; j++) mx = sc[j] > mx ? sc[j] : mx;
        if (mx == -INFINITY) { /* no visible key: zero row, zero output */
            memset(a, 0, (size_t)Tk * sizeof *a);
            continue;
        }
        double sum = 0;
        for (int j = 0; j < Tk; j++) {
            a[j] = sc[j] == -INFINITY ? 0.0f : expf(sc[j] - mx);
            sum += a[j];
        }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < Tk; j++) a[j] *= inv;
    }
}

/* One head, queries [r, Tq) of Tq over Tk keys (r = 0: all; Tq == Tk for
 * self-attention, Tq targets x Tk sources for cross-attention): att (Tq, S)
 * softmax of the scaled, masked q.k (raw and scores (n, Tk) row stride Tk),
 * out (Tq, dh) = att v. Rows below r are kept (an incremental run, square
 * only) but for their columns [r, Tk), zeroed: with a mask whose query i
 * sees no key j > i (causal, window) nothing else of theirs changes.
 * PyTorch: F.scaled_dot_product_attention with a mask, for queries r.. */
static void attention_rows(const float *q, const float *k, const float *v, float *raw, float *scores,
                           float *att, float *out, int r, int Tq, int Tk, int S, int dh,
                           const RunOptions *ro) {
    ENGINE_ASSERT(r == 0 || (ro->mask != MASK_NONE && Tq == Tk));
    ENGINE_ASSERT(S >= Tk);
    attention_scores(q, k, raw, scores, r, Tq, Tk, dh, ro);
    for (int i = 0; i < r; i++) memset(att + (size_t)i * S + r, 0, (size_t)(Tk - r) * sizeof *att);
    SoftmaxJob j = {scores, att, r, Tk, S};
    pool_for(Tq - r, POOL_GRAIN_FLOATS / Tk + 1, 0, softmax__part, &j);
    attention_values(att, v, out, r, Tq, Tk, S, dh);
}

void attention_head(const float *q, const float *k, const float *v, float *raw, float *scores,
                    float *att, float *out, int Tq, int Tk, int dh, const RunOptions *ro) {
    attention_rows(q, k, v, raw, scores, att, out, 0, Tq, Tk, Tk, dh, ro);
}

/* ------------------------------------------------------------------------ */
/* The whole pass. */

size_t forward__workspace_floats(const ModelConfig *c, int T, int slots) {
    const int qdim = c->n_head * c->d_head, qkv_w = qdim + 2 * c->n_kv_head * c->d_head;
    const size_t ff_w = (size_t)(c->d_ff > qdim ? c->d_ff : qdim); /* separate q, k, v reuse ff */
    return (size_t)T * ((size_t)c->d_model + qkv_w + qdim + 2 * ff_w + 2 /* lse */ + 2 * (size_t)T * slots) + 2;
}

void forward__workspace_carve(ForwardWorkspace *ws, const ModelConfig *c, int T, int slots, float *block) {
    const int qdim = c->n_head * c->d_head, qkv_w = qdim + 2 * c->n_kv_head * c->d_head;
    const size_t ff_w = (size_t)(c->d_ff > qdim ? c->d_ff : qdim);
    ws->xn = block;
    ws->qkv = ws->xn + (size_t)T * c->d_model;
    ws->heads = ws->qkv + (size_t)T * qkv_w;
    ws->ff = ws->heads + (size_t)T * qdim;
    ws->ff2 = ws->ff + (size_t)T * ff_w;
    ws->raw = ws->ff2 + (size_t)T * ff_w;
    ws->scores = ws->raw + (size_t)T * T * slots;
    ws->n_scratch = slots;
    float *end = ws->scores + (size_t)T * T * slots;
    end += ((uintptr_t)end / sizeof(float)) & 1; /* 8-byte aligned: 2 floats per token + 2 */
    ws->lse = (double *)end;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
    Trace *tr;
    double *lse;
    int r0, V, top_k;
} PredictionJob;

static void predictions__part(void *ctx, int lo, int hi, int part) {
    const PredictionJob *jb = ctx;
    Trace *tr = jb->tr;
    double *lse = jb->lse;
    const int V = jb->V, top_k = jb->top_k;
    for (int t = jb->r0 + lo; t < jb->r0 + hi; t++) {
        const float *lg = tr->logits + (size_t)t * V;
        float mx = -INFINITY;
        for (int i = 0; i < V; i++) mx = lg[i] > mx ? lg[i] : mx;
        double sum = 0;
        for (int i = 0; i < V; i++) sum += expf(lg[i] - mx); /* float exp, double sum */
        lse[t] = mx + log(sum);
        int *top = tr->top_ids + (size_t)t * top_k;
        float *tp = tr->top_p + (size_t)t * top_k;
        int n = 0;
        for (int i = 0; i < V; i++) { /* insertion into a sorted top-k */
            if (n == top_k && lg[i] <= lg[top[n - 1]]) continue;
            int j = n < top_k ? n++ : top_k - 1;
            while (j > 0 && lg[top[j - 1]] < lg[i]) {
                top[j] = top[j - 1];
                j--;
            }
            top[j] = i;
        }
        for (int j = 0; j < top_k; j++) tp[j] = (float)exp(lg[top[j]] - lse[t]);
    }
}

/* Top-k and log-sum-exp (into lse) of rows [r0, r1) of the logits, rows
 * across the pool. */
static void predictions_rows(Trace *tr, double *lse, int r0, int r1, int V, int top_k) {
    PredictionJob j = {tr, lse, r0, V, top_k};
    pool_for(r1 - r0, 1, 0, predictions__part, &j);
}

/* Row t's loss from lse[t]: a decoder's is -log p(ids[t+1]) (the last token
 * has none: 0); an encoder's (masked LM) -log p(ids[t]), how well position
 * t's prediction restores its own input token. Returns it in double. */
static double predictions_loss_row(const ModelConfig *c, Trace *tr, const double *lse, const int *ids, int T,
                                   int t) {
    const float *lg = tr->logits + (size_t)t * c->vocab_size;
    int target = c->encoder ? t : t + 1;
    if (target >= T) {
        tr->token_loss[t] = 0.0f;
        return 0.0;
    }
    tr->token_loss[t] = (float)(lse[t] - lg[ids[target]]);
    return lse[t] - lg[ids[target]];
}

/* Every row's loss (predictions_loss_row) and their mean: over the T - 1
 * predicted tokens for a decoder, over all T for an encoder; NAN for an
 * encoder without an MLM head. */
static void predictions_loss(const ModelConfig *c, Trace *tr, const double *lse, const int *ids, int T) {
    double total = 0;
    for (int t = 0; t < T; t++) total += predictions_loss_row(c, tr, lse, ids, T, t);
    if (c->encoder) tr->loss = (float)(total / T);
    else tr->loss = T >= 2 ? (float)(total / (T - 1)) : NAN;
    if (c->encoder && !c->has_mlm_head) tr->loss = NAN;
}

/* x (n, D) = wte[ids[r..]] (+ wpe[r..]) (+ type_emb[types[r..]]), rows r..T-1
 * of the text; BERT then LayerNorms. */
static void embed(const Model *m, const int *ids, const int *types, int r, int T, float *x) {
    const ModelConfig *c = &m->config;
    const ModelWeights *w = &m->weights;
    const int D = c->d_model;
    for (int t = r; t < T; t++) {
        const float *e = w->tok_emb + (size_t)ids[t] * D;
        const float *p = w->pos_emb ? w->pos_emb + (size_t)t * D : NULL;
        const float *ty = w->type_emb ? w->type_emb + (size_t)(types ? types[t] : 0) * D : NULL;
        float *xt = x + (size_t)(t - r) * D;
        for (int i = 0; i < D; i++) xt[i] = e[i] + (p ? p[i] : 0.0f) + (ty ? ty[i] : 0.0f);
    }
    if (w->emb_norm_w) norm_forward(x, x, T - r, D, w->emb_norm_w, w->emb_norm_b, c->norm_eps);
}

typedef struct {
    Trace *tr;
    ForwardWorkspace *ws;
    const RunOptions *ro;
    int l, r, T, S, dh, H, KV;
    bool reuse;
} HeadJob;

/* Heads [lo, hi) of layer l: attention (or, reusing it, head outputs) into
 * the trace, and their columns of ws->heads; scratch slot `part`. */
static void heads__part(void *ctx, int lo, int hi, int part) {
    const HeadJob *j = ctx;
    Trace *tr = j->tr;
    const int T = j->T, r = j->r, n = T - r, dh = j->dh, H = j->H, KV = j->KV, l = j->l;
    const size_t vec = (size_t)j->S * dh, mat = (size_t)j->S * j->S;
    float *raw = j->ws->raw + (size_t)part * T * T, *scores = j->ws->scores + (size_t)part * T * T;
    for (int h = lo; h < hi; h++) {
        const size_t qo = ((size_t)l * H + h) * vec, mo = ((size_t)l * H + h) * mat;
        const size_t ko = ((size_t)l * KV + h / (H / KV)) * vec;
        float *out = tr->head_out + qo;
        bool ablated = run_options_head_ablated(j->ro, l, h);
        if (!j->reuse)
            attention_rows(tr->q + qo, tr->k + ko, tr->v + ko, raw, scores, tr->att + mo, out, r,
                           T, T, j->S, dh, j->ro);
        else if (!ablated) /* it may have been ablated (zero) before */
            attention_values(tr->att + mo, tr->v + ko, out, r, T, T, j->S, dh);
        if (ablated) memset(out + (size_t)r * dh, 0, (size_t)n * dh * sizeof(float));
        for (int t = 0; t < n; t++) {
            float *dst = j->ws->heads + (size_t)t * H * dh + (size_t)h * dh;
            memcpy(dst, out + (size_t)(t + r) * dh, (size_t)dh * sizeof(float));
        }
    }
}

/* The attention sublayer of layer l for rows [r, T) (n = T - r): q, k, v
 * from in (n, D), every head under ro into the trace arrays of token stride
 * S, then x (n, D) += wo(concatenated head outputs). Keys/values of rows
 * below r are read from the trace. in may be x itself (post-LN): it is fully
 * read before x is written.
 * PyTorch: x = x + o_proj(sdpa(q_proj(in), k_proj(in), v_proj(in), mask)) */
static void attention_block(const Model *m, int l, const float *in, float *x, ForwardWorkspace *ws,
                            Trace *tr, int S, int r, int T, const RunOptions *ro, bool reuse) {
    const ModelConfig *c = &m->config;
    const LayerWeights *L = &m->weights.layers[l];
    const int n = T - r, H = c->n_head, KV = c->n_kv_head, dh = c->d_head;
    const int qdim = H * dh, kvdim = KV * dh, qkv_w = qdim + 2 * kvdim;
    const bool rope = c->arch == ARCH_LLAMA;
    const size_t vec = (size_t)S * dh;
    /* qkv (n, q | k | v): GPT-2 fused c_attn, others separate projections */
    if (reuse) {
        /* only the ablated heads changed: q, k, v and att in the trace stand */
    } else if (L->qkv.w) {
        linear_forward(ws->qkv, in, n, &L->qkv, false);
    } else {
        const Linear *part[3] = {&L->wq, &L->wk, &L->wv};
        const int off[3] = {0, qdim, qdim + kvdim}, width[3] = {qdim, kvdim, kvdim};
        float *tmp = ws->ff; /* (n, width), reusing MLP space */
        for (int p = 0; p < 3; p++) {
            linear_forward(tmp, in, n, part[p], false);
            for (int t = 0; t < n; t++)
                memcpy(ws->qkv + (size_t)t * qkv_w + off[p], tmp + (size_t)t * width[p], (size_t)width[p] * sizeof(float));
        }
    }
    /* Scatter into the trace: q (layer, head, token, dh), k, v (layer, kv_head, token, dh) */
    for (int t = reuse ? T : r; t < T; t++) {
        const float *row = ws->qkv + (size_t)(t - r) * qkv_w;
        for (int h = 0; h < H; h++) {
            size_t o = ((size_t)l * H + h) * vec + (size_t)t * dh;
            memcpy(tr->q + o, row + (size_t)h * dh, (size_t)dh * sizeof(float));
            if (rope) {
                memcpy(tr->q_pre_rope + o, tr->q + o, (size_t)dh * sizeof(float));
                rope_apply(tr->q + o, dh, t, c->rope_theta, c->rope_interleaved);
            }
        }
        for (int g = 0; g < KV; g++) {
            size_t o = ((size_t)l * KV + g) * vec + (size_t)t * dh;
            memcpy(tr->k + o, row + qdim + (size_t)g * dh, (size_t)dh * sizeof(float));
            memcpy(tr->v + o, row + qdim + kvdim + (size_t)g * dh, (size_t)dh * sizeof(float));
            if (rope) {
                memcpy(tr->k_pre_rope + o, tr->k + o, (size_t)dh * sizeof(float));
                rope_apply(tr->k + o, dh, t, c->rope_theta, c->rope_interleaved);
            }
        }
    }
    HeadJob j = {tr, ws, ro, l, r, T, S, dh, H, KV, reuse};
    /* short texts: whole heads across the pool (plain loops inside); long
       ones: one head at a time, sgemm and the pool's softmax rows inside */
    bool small = attn_small(T, T, dh);
    pool_for(H, 1, small ? ws->n_scratch : 1, heads__part, &j);
    linear_forward(x, ws->heads, n, &L->wo, true); /* x += attn */
}

/* The MLP sublayer: x (T, D) += MLP(in (T, D)); in may be x itself.
 *   Llama:  down(silu(gate(in)) * up(in))
 *   GPT-2 / BERT:  proj(gelu(fc(in))), gelu_new or the exact erf GELU */
static void mlp_block(const ModelConfig *c, const LayerWeights *L, const float *in, float *x, int T,
                      ForwardWorkspace *ws) {
    size_t n = (size_t)T * c->d_ff;
    if (L->w1.w) {
        linear_forward(ws->ff, in, T, &L->w1, false);
        linear_forward(ws->ff2, in, T, &L->w3, false);
        for (size_t i = 0; i < n; i++) {
            float g = ws->ff[i];
            ws->ff[i] = g / (1.0f + expf(-g)) * ws->ff2[i];
        }
        linear_forward(x, ws->ff, T, &L->w2, true);
    } else {
        linear_forward(ws->ff, in, T, &L->fc, false);
        gelu_inplace(ws->ff, n, c->gelu_erf);
        linear_forward(x, ws->ff, T, &L->proj, true);
    }
}

int forward__check(const Model *m, const int *ids, const int *types, int T, int capacity,
                   const RunOptions *ro, EngineError *err) {
    const ModelConfig *c = &m->config;
    if (T < 1) return engine_fail(err, "text is empty; HINT: type some text to analyse");
    if (T > capacity || T > c->n_ctx)
        return engine_fail(err, "%d tokens exceed the context of %d; HINT: shorten the text", T, capacity);
    for (int t = 0; t < T; t++)
        if (ids[t] < 0 || ids[t] >= c->vocab_size)
            return engine_fail(err, "token id %d at position %d is outside the vocabulary (%d); HINT: the tokenizer does not match the model", ids[t], t, c->vocab_size);
    for (int t = 0; types && t < T; t++)
        if (types[t] < 0 || types[t] >= (c->n_types > 0 ? c->n_types : 1))
            return engine_fail(err, "token type %d at position %d, but the model has %d token type%s (type_vocab_size); HINT: %s", types[t], t, c->n_types > 0 ? c->n_types : 1, c->n_types == 1 ? "" : "s", c->n_types <= 1 ? "this model takes single texts: remove the ' ||| ' sentence-pair separator" : "the tokenizer does not match the model");
    if (ro->scale == SCALE_TEMP && !(ro->temperature >= (float)RUN_TEMP_MIN && ro->temperature <= (float)RUN_TEMP_MAX))
        return engine_fail(err, "temperature %g is outside %g to %g; HINT: e.g. temp:0.5", ro->temperature, RUN_TEMP_MIN, RUN_TEMP_MAX);
    if (ro->mask == MASK_WINDOW && ro->window < 1)
        return engine_fail(err, "window %d must be >= 1; HINT: e.g. window:4", ro->window);
    return 0;
}

void forward__pass(const Model *m, const ForwardRows *rows, const int *ids, const int *types,
                   int T, const RunOptions *ro, Trace *tr, int S, float *xs, size_t xs_step,
                   ForwardWorkspace *ws) {
    const ModelConfig *c = &m->config;
    const ModelWeights *w = &m->weights;
    const int D = c->d_model, V = c->vocab_size, NL = c->n_layer;
    ENGINE_ASSERT(T >= 1 && T <= S);
    tr->n_tokens = T;
    tr->ro = *ro;
    tr->raw_head = tr->scores_head = -1;
    tr->n_keys = T;
    tr->top_k = ro->top_k < 1 ? 1 : ro->top_k > TRACE_MAX_TOP_K ? TRACE_MAX_TOP_K : ro->top_k;
    if (tr->top_k > V) tr->top_k = V;
    memcpy(tr->ids, ids, (size_t)T * sizeof *ids);
    for (int t = 0; t < T; t++) tr->types[t] = types ? types[t] : 0;

    if (rows->layer[0] < T) embed(m, ids, types, rows->layer[0], T, xs + (size_t)rows->layer[0] * D);
    for (int l = 0; l < NL; l++) {
        const LayerWeights *L = &w->layers[l];
        const int r = rows->layer[l], n = T - r;
        if (n <= 0) continue;
        const float *in = xs + (size_t)l * xs_step + (size_t)r * D;
        float *x = xs + (size_t)(l + 1) * xs_step + (size_t)r * D; /* this layer's output rows */
        if (x != in) memcpy(x, in, (size_t)n * D * sizeof *x);
        if (c->post_norm) { /* BERT: x = LN(x + attn(x)); x = LN(x + mlp(x)) */
            attention_block(m, l, x, x, ws, tr, S, r, T, ro, rows->reuse_attention[l]);
            norm_forward(x, x, n, D, L->norm1_w, L->norm1_b, c->norm_eps);
            mlp_block(c, L, x, x, n, ws);
            norm_forward(x, x, n, D, L->norm2_w, L->norm2_b, c->norm_eps);
        } else { /* GPT-2, Llama: x = x + attn(norm(x)); x = x + mlp(norm(x)) */
            norm_forward(ws->xn, x, n, D, L->norm1_w, L->norm1_b, c->norm_eps);
            attention_block(m, l, ws->xn, x, ws, tr, S, r, T, ro, rows->reuse_attention[l]);
            norm_forward(ws->xn, x, n, D, L->norm2_w, L->norm2_b, c->norm_eps);
            mlp_block(c, L, ws->xn, x, n, ws);
        }
    }
    if (rows->lm_only >= 0) { /* the rows on view now (with their loss), the rest later */
        forward__lm_head(m, tr, ws, xs + (size_t)NL * xs_step, rows->lm_only, rows->lm_only + 1);
        if (rows->lm_only != T - 1) forward__lm_head(m, tr, ws, xs + (size_t)NL * xs_step, T - 1, T);
        predictions_loss_row(c, tr, ws->lse, ids, T, rows->lm_only);
        predictions_loss_row(c, tr, ws->lse, ids, T, T - 1);
        tr->loss = NAN;
        return;
    }
    forward__lm_head(m, tr, ws, xs + (size_t)NL * xs_step, rows->head, T);
    if (rows->top_k < rows->head) predictions_rows(tr, ws->lse, rows->top_k, rows->head, V, tr->top_k);
    predictions_loss(c, tr, ws->lse, ids, T);
}

void forward__lm_head(const Model *m, Trace *tr, ForwardWorkspace *ws, const float *xf, int r0, int r1) {
    const ModelConfig *c = &m->config;
    const ModelWeights *w = &m->weights;
    const int D = c->d_model, V = c->vocab_size, n = r1 - r0;
    if (n <= 0) return;
    const float *xo = xf + (size_t)r0 * D; /* (n, D) final residual rows */
    if (c->encoder) {
        if (c->has_mlm_head) { /* MLM head: LN(gelu(dense(x))), tied decoder + bias */
            linear_forward(ws->xn, xo, n, &w->mlm_dense, false);
            gelu_inplace(ws->xn, (size_t)n * D, c->gelu_erf);
            norm_forward(ws->xn, ws->xn, n, D, w->mlm_norm_w, w->mlm_norm_b, c->norm_eps);
        }
    } else {
        norm_forward(ws->xn, xo, n, D, w->norm_f_w, w->norm_f_b, c->norm_eps);
    }
    float *lg = tr->logits + (size_t)r0 * V;
    if (c->encoder && !c->has_mlm_head) { /* BertModel: no predictions */
        memset(lg, 0, (size_t)n * V * sizeof(float));
    } else { /* logits (n, V) = xn @ classifier^T (+ bias) */
        matmul_wt(lg, ws->xn, n, w->classifier, D, V, true, false);
        if (w->mlm_bias)
            for (int t = 0; t < n; t++)
                for (int i = 0; i < V; i++) lg[(size_t)t * V + i] += w->mlm_bias[i];
    }
    predictions_rows(tr, ws->lse, r0, r1, V, tr->top_k);
}

void forward__loss(const Model *m, Trace *tr, const ForwardWorkspace *ws, const int *ids, int T) {
    predictions_loss(&m->config, tr, ws->lse, ids, T);
}

/* The whole pass, in place: one residual buffer for all layers. */
static int forward__run(const Model *m, const int *ids, const int *types, int T,
                        const RunOptions *ro, Trace *tr, EngineError *err) {
    const ModelConfig *c = &m->config;
    if (forward__check(m, ids, types, T, tr->capacity, ro, err)) return -1;
    double t0 = now_ms();
    const int slots = pool_threads();
    size_t floats = (size_t)T * c->d_model + forward__workspace_floats(c, T, slots);
    float *block = malloc(floats * sizeof(float));
    if (!block) return engine_fail(err, "out of memory for %d tokens; HINT: shorten the text", T);
    ForwardWorkspace ws;
    forward__workspace_carve(&ws, c, T, slots, block + (size_t)T * c->d_model);
    ForwardRows rows; /* everything, in place: one residual buffer for all layers */
    memset(&rows, 0, sizeof rows);
    rows.lm_only = -1;
    tr->partial = false;
    tr->session_stamp = 0; /* no session's run any more */
    forward__pass(m, &rows, ids, types, T, ro, tr, T, block, 0, &ws);
    free(block);
    tr->forward_ms = now_ms() - t0;
    return 0;
}

/* The files behind the mapped weights are checked first (size, mtime), and a
 * truncation racing the run ends in an error naming the file instead of a
 * silent SIGBUS (mapguard.h). */
int forward_run_typed(const Model *m, const int *ids, const int *types, int T, const RunOptions *ro,
                      Trace *tr, EngineError *err) {
    if (model_check_files(m, err)) return -1;
    int rc;
    MAPGUARD_RUN(rc, err, forward__run(m, ids, types, T, ro, tr, err));
    return rc;
}

int forward_run(const Model *m, const int *ids, int T, const RunOptions *ro, Trace *tr,
                EngineError *err) {
    return forward_run_typed(m, ids, NULL, T, ro, tr, err);
}
