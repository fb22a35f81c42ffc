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
 */
#include "forward.h"
#include "mapguard.h"
#include "forward_internal.h"

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
    size_t floats = 2 * s.q + 2 * s.kv + 3 * s.att + s.qpre + s.kpre + s.logits +
                    s.top + s.tok;
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
    tr->raw = f;          f += s.att;
    tr->scores = f;       f += s.att;
    tr->att = f;          f += s.att;
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

static size_t trace__mat(const Trace *tr, int layer, int head) {
    ENGINE_ASSERT(layer >= 0 && layer < tr->n_layer && head >= 0 && head < tr->n_head);
    return ((size_t)layer * (size_t)tr->n_head + (size_t)head) * (size_t)tr->n_tokens *
           (size_t)trace_n_keys(tr);
}

int trace_kv_head(const Trace *tr, int head) { return head / (tr->n_head / tr->n_kv_head); }

float *trace_att(const Trace *tr, int layer, int head) { return tr->att + trace__mat(tr, layer, head); }
float *trace_raw(const Trace *tr, int layer, int head) { return tr->raw + trace__mat(tr, layer, head); }
float *trace_scores(const Trace *tr, int layer, int head) { return tr->scores + trace__mat(tr, layer, head); }

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
}

/* ------------------------------------------------------------------------ */
/* Layers. Each takes row-major activations of T tokens. */

/* y (T, n_out) (+)= x (T, n_in) @ W + b.   PyTorch: y = F.linear(x, W, b) */
void linear_forward(float *y, const float *x, int T, const Linear *lin, bool accumulate) {
    const int n_in = lin->n_in, n_out = lin->n_out;
    if (lin->out_major)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, n_out, n_in, 1.0f, x, n_in,
                    lin->w, n_in, accumulate ? 1.0f : 0.0f, y, n_out);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, n_out, n_in, 1.0f, x, n_in,
                    lin->w, n_out, accumulate ? 1.0f : 0.0f, y, n_out);
    if (lin->b)
        for (int t = 0; t < T; t++)
            for (int o = 0; o < n_out; o++) y[(size_t)t * n_out + o] += lin->b[o];
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

/* One head: q (Tq, dh), k (Tk, dh), v (Tk, dh) already in the trace
 * (Tq == Tk for self-attention; cross-attention has Tq targets, Tk sources).
 * raw = q k^T; scores = raw * scale where visible else -inf;
 * att = softmax(scores) per row (all-zero if nothing visible);
 * head_out = att v. PyTorch: F.scaled_dot_product_attention with a mask. */
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

void attention_head(const float *q, const float *k, const float *v, float *raw, float *scores,
                    float *att, float *out, int Tq, int T, int dh, const RunOptions *ro) {
    const bool small = (size_t)Tq * (size_t)T * (size_t)dh <= ATTN_LOOP_MAX_MACS;
    if (small) {
        for (int i = 0; i < Tq; i++)
            for (int j = 0; j < T; j++)
                raw[(size_t)i * T + j] = dot(q + (size_t)i * dh, k + (size_t)j * dh, dh);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Tq, T, dh, 1.0f, q, dh, k, dh,
                    0.0f, raw, T);
    }
    const float scale = attn_scale(ro, dh);
    bool any_masked_key = false;
    for (int j = 0; j < T && !any_masked_key; j++) any_masked_key = run_options_key_masked(ro, j);
    for (int i = 0; i < Tq; i++) {
        float *s = scores + (size_t)i * T, *a = att + (size_t)i * T;
        const float *r = raw + (size_t)i * T;
        int lo, hi;
        run_options_visible_range(ro, i, T, &lo, &hi);
        float mx = -INFINITY;
        for (int j = 0; j < T; j++) {
            bool visible = j >= lo && j < hi && (!any_masked_key || !run_options_key_masked(ro, j));
            s[j] = visible ? r[j] * scale : -INFINITY;
            if (s[j] > mx) mx = s[j];
        }
        if (mx == -INFINITY) { /* no visible key: zero row, zero output */
            memset(a, 0, (size_t)T * sizeof *a);
            continue;
        }
        double sum = 0;
        for (int j = 0; j < T; j++) {
            a[j] = s[j] == -INFINITY ? 0.0f : expf(s[j] - mx);
            sum += a[j];
        }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < T; j++) a[j] *= inv;
    }
    if (small) { /* out (T, dh) = att (T, T) v (T, dh), skipping zero weights */
        memset(out, 0, (size_t)Tq * dh * sizeof *out);
        for (int i = 0; i < Tq; i++) {
            float *o = out + (size_t)i * dh;
            const float *a = att + (size_t)i * T;
            for (int j = 0; j < T; j++) {
                if (a[j] == 0.0f) continue;
                const float *vj = v + (size_t)j * dh;
                for (int d = 0; d < dh; d++) o[d] += a[j] * vj[d];
            }
        }
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Tq, dh, T, 1.0f, att, T, v, dh,
                    0.0f, out, dh);
    }
}

/* ------------------------------------------------------------------------ */
/* The whole pass. */

typedef struct {
    float *x;     /* (T, D) residual stream */
    float *xn;    /* (T, D) normalised */
    float *qkv;   /* (T, H*dh + 2*KV*dh) projections */
    float *heads; /* (T, H*dh) concatenated head outputs */
    float *ff;    /* (T, max(d_ff, H*dh)) MLP hidden */
    float *ff2;   /* (T, d_ff) Llama up projection */
} Workspace;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Top-k, per-token loss and mean loss from the logits. A decoder's loss at t
 * is -log p(ids[t+1]) (the last token has none); an encoder's (masked LM) is
 * -log p(ids[t]), how well position t's prediction restores its own input
 * token, averaged over all T. */
static void predictions(Trace *tr, const int *ids, int T, int V, int top_k, bool encoder) {
    double total = 0;
    for (int t = 0; t < T; t++) {
        const float *lg = tr->logits + (size_t)t * V;
        float mx = -INFINITY;
        for (int i = 0; i < V; i++) mx = lg[i] > mx ? lg[i] : mx;
        double sum = 0;
        for (int i = 0; i < V; i++) sum += expf(lg[i] - mx); /* float exp, double sum */
        double lse = mx + log(sum);
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
        for (int j = 0; j < top_k; j++) tp[j] = (float)exp(lg[top[j]] - lse);
        int target = encoder ? t : t + 1;
        if (target < T) {
            tr->token_loss[t] = (float)(lse - lg[ids[target]]);
            total += lse - lg[ids[target]];
        } else {
            tr->token_loss[t] = 0.0f;
        }
    }
    if (encoder) tr->loss = (float)(total / T);
    else tr->loss = T >= 2 ? (float)(total / (T - 1)) : NAN;
}

/* x (T, D) = wte[ids] (+ wpe[pos]) (+ type_emb[types]); BERT then LayerNorms. */
static void embed(const Model *m, const int *ids, const int *types, int T, float *x) {
    const ModelConfig *c = &m->config;
    const ModelWeights *w = &m->weights;
    const int D = c->d_model;
    for (int t = 0; t < T; t++) {
        const float *e = w->tok_emb + (size_t)ids[t] * D;
        const float *p = w->pos_emb ? w->pos_emb + (size_t)t * D : NULL;
        const float *ty = w->type_emb ? w->type_emb + (size_t)(types ? types[t] : 0) * D : NULL;
        float *xt = x + (size_t)t * D;
        for (int i = 0; i < D; i++) xt[i] = e[i] + (p ? p[i] : 0.0f) + (ty ? ty[i] : 0.0f);
    }
    if (w->emb_norm_w) norm_forward(x, x, T, D, w->emb_norm_w, w->emb_norm_b, c->norm_eps);
}

/* The attention sublayer of layer l: q, k, v from in (T, D), every head under
 * ro into the trace, then x (T, D) += wo(concatenated head outputs). in may
 * be x itself (post-LN): it is fully read before x is written.
 * PyTorch: x = x + o_proj(sdpa(q_proj(in), k_proj(in), v_proj(in), mask)) */
static void attention_block(const Model *m, int l, const float *in, float *x, Workspace *ws,
                            Trace *tr, const RunOptions *ro) {
    const ModelConfig *c = &m->config;
    const LayerWeights *L = &m->weights.layers[l];
    const int T = tr->n_tokens, H = c->n_head, KV = c->n_kv_head, dh = c->d_head;
    const int qdim = H * dh, kvdim = KV * dh, qkv_w = qdim + 2 * kvdim;
    const bool rope = c->arch == ARCH_LLAMA;
    /* qkv (T, q | k | v): GPT-2 fused c_attn, others separate projections */
    if (L->qkv.w) {
        linear_forward(ws->qkv, in, T, &L->qkv, false);
    } else {
        const Linear *part[3] = {&L->wq, &L->wk, &L->wv};
        const int off[3] = {0, qdim, qdim + kvdim}, width[3] = {qdim, kvdim, kvdim};
        float *tmp = ws->ff; /* (T, width), reusing MLP space */
        for (int p = 0; p < 3; p++) {
            linear_forward(tmp, in, T, part[p], false);
            for (int t = 0; t < T; t++)
                memcpy(ws->qkv + (size_t)t * qkv_w + off[p], tmp + (size_t)t * width[p], (size_t)width[p] * sizeof(float));
        }
    }
    /* Scatter into the trace: q (layer, head, token, dh), k, v (layer, kv_head, token, dh) */
    for (int t = 0; t < T; t++) {
        const float *row = ws->qkv + (size_t)t * qkv_w;
        for (int h = 0; h < H; h++) {
            float *dst = trace_q(tr, l, h) + (size_t)t * dh;
            memcpy(dst, row + (size_t)h * dh, (size_t)dh * sizeof(float));
            if (rope) {
                memcpy(tr->q_pre_rope + (dst - tr->q), dst, (size_t)dh * sizeof(float));
                rope_apply(dst, dh, t, c->rope_theta, c->rope_interleaved);
            }
        }
        for (int g = 0; g < KV; g++) {
            size_t o = ((size_t)l * KV + g) * (size_t)T * dh + (size_t)t * dh;
            memcpy(tr->k + o, row + qdim + (size_t)g * dh, (size_t)dh * sizeof(float));
            memcpy(tr->v + o, row + qdim + kvdim + (size_t)g * dh, (size_t)dh * sizeof(float));
            if (rope) {
                memcpy(tr->k_pre_rope + o, tr->k + o, (size_t)dh * sizeof(float));
                rope_apply(tr->k + o, dh, t, c->rope_theta, c->rope_interleaved);
            }
        }
    }
    for (int h = 0; h < H; h++) {
        float *out = trace_head_out(tr, l, h);
        attention_head(trace_q(tr, l, h), trace_k(tr, l, h), trace_v(tr, l, h), trace_raw(tr, l, h),
                       trace_scores(tr, l, h), trace_att(tr, l, h), out, T, T, dh, ro);
        bool ablated = run_options_head_ablated(ro, l, h);
        if (ablated) memset(out, 0, (size_t)T * dh * sizeof(float));
        for (int t = 0; t < T; t++) {
            float *dst = ws->heads + (size_t)t * qdim + (size_t)h * dh;
            if (ablated)
                memset(dst, 0, (size_t)dh * sizeof(float));
            else
                memcpy(dst, out + (size_t)t * dh, (size_t)dh * sizeof(float));
        }
    }
    linear_forward(x, ws->heads, T, &L->wo, true); /* x += attn */
}

/* The MLP sublayer: x (T, D) += MLP(in (T, D)); in may be x itself.
 *   Llama:  down(silu(gate(in)) * up(in))
 *   GPT-2 / BERT:  proj(gelu(fc(in))), gelu_new or the exact erf GELU */
static void mlp_block(const ModelConfig *c, const LayerWeights *L, const float *in, float *x, int T,
                      Workspace *ws) {
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
        if (c->gelu_erf) gelu_erf_inplace(ws->ff, n);
        else gelu_new_inplace(ws->ff, n);
        linear_forward(x, ws->ff, T, &L->proj, true);
    }
}

static int forward__run(const Model *m, const int *ids, const int *types, int T,
                        const RunOptions *ro, Trace *tr, EngineError *err) {
    const ModelConfig *c = &m->config;
    const ModelWeights *w = &m->weights;
    if (T < 1) return engine_fail(err, "text is empty; HINT: type some text to analyse");
    if (T > tr->capacity || T > c->n_ctx)
        return engine_fail(err, "%d tokens exceed the context of %d; HINT: shorten the text", T, tr->capacity);
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
    double t0 = now_ms();
    const int D = c->d_model, H = c->n_head, KV = c->n_kv_head, dh = c->d_head, V = c->vocab_size;
    const int qdim = H * dh, kvdim = KV * dh, qkv_w = qdim + 2 * kvdim;
    const size_t ff_w = (size_t)(c->d_ff > qdim ? c->d_ff : qdim); /* separate q, k, v reuse ff */
    size_t floats = (size_t)T * ((size_t)2 * D + qkv_w + qdim + 2 * ff_w);
    float *block = malloc(floats * sizeof(float));
    if (!block) return engine_fail(err, "out of memory for %d tokens; HINT: shorten the text", T);
    Workspace ws;
    ws.x = block;
    ws.xn = ws.x + (size_t)T * D;
    ws.qkv = ws.xn + (size_t)T * D;
    ws.heads = ws.qkv + (size_t)T * qkv_w;
    ws.ff = ws.heads + (size_t)T * qdim;
    ws.ff2 = ws.ff + (size_t)T * ff_w;

    tr->n_tokens = T;
    tr->n_keys = T;
    tr->top_k = ro->top_k < 1 ? 1 : ro->top_k > TRACE_MAX_TOP_K ? TRACE_MAX_TOP_K : ro->top_k;
    if (tr->top_k > V) tr->top_k = V;
    memcpy(tr->ids, ids, (size_t)T * sizeof *ids);
    for (int t = 0; t < T; t++) tr->types[t] = types ? types[t] : 0;

    embed(m, ids, types, T, ws.x);
    for (int l = 0; l < c->n_layer; l++) {
        const LayerWeights *L = &w->layers[l];
        if (c->post_norm) { /* BERT: x = LN(x + attn(x)); x = LN(x + mlp(x)) */
            attention_block(m, l, ws.x, ws.x, &ws, tr, ro);
            norm_forward(ws.x, ws.x, T, D, L->norm1_w, L->norm1_b, c->norm_eps);
            mlp_block(c, L, ws.x, ws.x, T, &ws);
            norm_forward(ws.x, ws.x, T, D, L->norm2_w, L->norm2_b, c->norm_eps);
        } else { /* GPT-2, Llama: x = x + attn(norm(x)); x = x + mlp(norm(x)) */
            norm_forward(ws.xn, ws.x, T, D, L->norm1_w, L->norm1_b, c->norm_eps);
            attention_block(m, l, ws.xn, ws.x, &ws, tr, ro);
            norm_forward(ws.xn, ws.x, T, D, L->norm2_w, L->norm2_b, c->norm_eps);
            mlp_block(c, L, ws.xn, ws.x, T, &ws);
        }
    }
    if (c->encoder) {
        if (c->has_mlm_head) { /* MLM head: LN(gelu(dense(x))), tied decoder + bias */
            linear_forward(ws.xn, ws.x, T, &w->mlm_dense, false);
            if (c->gelu_erf) gelu_erf_inplace(ws.xn, (size_t)T * D);
            else gelu_new_inplace(ws.xn, (size_t)T * D);
            norm_forward(ws.xn, ws.xn, T, D, w->mlm_norm_w, w->mlm_norm_b, c->norm_eps);
        }
    } else {
        norm_forward(ws.xn, ws.x, T, D, w->norm_f_w, w->norm_f_b, c->norm_eps);
    }
    if (c->encoder && !c->has_mlm_head) { /* BertModel: no predictions */
        memset(tr->logits, 0, (size_t)T * V * sizeof(float));
    } else { /* logits (T, V) = xn @ classifier^T (+ bias) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, D, 1.0f, ws.xn, D, w->classifier,
                    D, 0.0f, tr->logits, V);
        if (w->mlm_bias)
            for (int t = 0; t < T; t++)
                for (int i = 0; i < V; i++) tr->logits[(size_t)t * V + i] += w->mlm_bias[i];
    }
    predictions(tr, ids, T, V, tr->top_k, c->encoder);
    if (c->encoder && !c->has_mlm_head) tr->loss = NAN;
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
