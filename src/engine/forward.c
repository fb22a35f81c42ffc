/* forward.c — the forward pass of GPT-2 and Llama, recording the attention
 * trace. f32 throughout; projections, attention products and the MLP go
 * through cblas_sgemm.
 *
 * One transformer block, in PyTorch terms:
 *   GPT-2:  x = x + c_proj(attn(ln_1(x)));  x = x + mlp(ln_2(x))
 *   Llama:  x = x + o_proj(attn(rope(rmsnorm(x))));  x = x + down(silu(gate(h)) * up(h))
 * where attn applies RunOptions: scale, mask, masked keys, ablated heads.
 */
#include "forward.h"
#include "mapguard.h"

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
    return sizeof(Trace) + floats * sizeof(float) + (s.top + s.tok) * sizeof(int) + 64;
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
    return tr;
}

void trace_free(Trace *tr) { free(tr); }

static size_t trace__mat(const Trace *tr, int layer, int head) {
    ENGINE_ASSERT(layer >= 0 && layer < tr->n_layer && head >= 0 && head < tr->n_head);
    return ((size_t)layer * (size_t)tr->n_head + (size_t)head) * (size_t)tr->n_tokens *
           (size_t)tr->n_tokens;
}

int trace_kv_head(const Trace *tr, int head) { return head / (tr->n_head / tr->n_kv_head); }

float *trace_att(const Trace *tr, int layer, int head) { return tr->att + trace__mat(tr, layer, head); }
float *trace_raw(const Trace *tr, int layer, int head) { return tr->raw + trace__mat(tr, layer, head); }
float *trace_scores(const Trace *tr, int layer, int head) { return tr->scores + trace__mat(tr, layer, head); }

static size_t trace__vec(const Trace *tr, int layer, int head, int n_heads) {
    return ((size_t)layer * (size_t)n_heads + (size_t)head) * (size_t)tr->n_tokens *
           (size_t)tr->d_head;
}

float *trace_q(const Trace *tr, int layer, int head) {
    return tr->q + trace__vec(tr, layer, head, tr->n_head);
}
float *trace_head_out(const Trace *tr, int layer, int head) {
    return tr->head_out + trace__vec(tr, layer, head, tr->n_head);
}
float *trace_k(const Trace *tr, int layer, int head) {
    return tr->k + trace__vec(tr, layer, trace_kv_head(tr, head), tr->n_kv_head);
}
float *trace_v(const Trace *tr, int layer, int head) {
    return tr->v + trace__vec(tr, layer, trace_kv_head(tr, head), tr->n_kv_head);
}

float *trace_q_pre_rope(const Trace *tr, int layer, int head) {
    if (!tr->q_pre_rope) return NULL;
    return tr->q_pre_rope + trace__vec(tr, layer, head, tr->n_head);
}
float *trace_k_pre_rope(const Trace *tr, int layer, int head) {
    if (!tr->k_pre_rope) return NULL;
    return tr->k_pre_rope + trace__vec(tr, layer, trace_kv_head(tr, head), tr->n_kv_head);
}

void forward_set_threads(int n) {
    if (n > 0) openblas_set_num_threads(n);
}

/* ------------------------------------------------------------------------ */
/* Layers. Each takes row-major activations of T tokens. */

/* y (T, n_out) (+)= x (T, n_in) @ W + b.   PyTorch: y = F.linear(x, W, b) */
static void linear_forward(float *y, const float *x, int T, const Linear *lin, bool accumulate) {
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
static void norm_forward(float *out, const float *x, int T, int D, const float *w,
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

/* One head: q (T, dh), k (T, dh), v (T, dh) already in the trace.
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

static void attention_head(const float *q, const float *k, const float *v, float *raw,
                           float *scores, float *att, float *out, int T, int dh,
                           const RunOptions *ro) {
    const bool small = (size_t)T * (size_t)T * (size_t)dh <= ATTN_LOOP_MAX_MACS;
    if (small) {
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++)
                raw[(size_t)i * T + j] = dot(q + (size_t)i * dh, k + (size_t)j * dh, dh);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, dh, 1.0f, q, dh, k, dh,
                    0.0f, raw, T);
    }
    const float scale = attn_scale(ro, dh);
    bool any_masked_key = false;
    for (int j = 0; j < T && !any_masked_key; j++) any_masked_key = run_options_key_masked(ro, j);
    for (int i = 0; i < T; i++) {
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
        memset(out, 0, (size_t)T * dh * sizeof *out);
        for (int i = 0; i < T; i++) {
            float *o = out + (size_t)i * dh;
            const float *a = att + (size_t)i * T;
            for (int j = 0; j < T; j++) {
                if (a[j] == 0.0f) continue;
                const float *vj = v + (size_t)j * dh;
                for (int d = 0; d < dh; d++) o[d] += a[j] * vj[d];
            }
        }
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, T, 1.0f, att, T, v, dh,
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

/* Top-k, per-token loss and mean loss from the logits. */
static void predictions(Trace *tr, const int *ids, int T, int V, int top_k) {
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
        if (t + 1 < T) {
            tr->token_loss[t] = (float)(lse - lg[ids[t + 1]]);
            total += lse - lg[ids[t + 1]];
        } else {
            tr->token_loss[t] = 0.0f;
        }
    }
    tr->loss = T >= 2 ? (float)(total / (T - 1)) : NAN;
}

static int forward__run(const Model *m, const int *ids, int T, const RunOptions *ro, Trace *tr,
                        EngineError *err) {
    const ModelConfig *c = &m->config;
    const ModelWeights *w = &m->weights;
    if (T < 1) return engine_fail(err, "text is empty; HINT: type some text to analyse");
    if (T > tr->capacity || T > c->n_ctx)
        return engine_fail(err, "%d tokens exceed the context of %d; HINT: shorten the text", T, tr->capacity);
    for (int t = 0; t < T; t++)
        if (ids[t] < 0 || ids[t] >= c->vocab_size)
            return engine_fail(err, "token id %d at position %d is outside the vocabulary (%d); HINT: the tokenizer does not match the model", ids[t], t, c->vocab_size);
    if (ro->scale == SCALE_TEMP && !(ro->temperature >= (float)RUN_TEMP_MIN && ro->temperature <= (float)RUN_TEMP_MAX))
        return engine_fail(err, "temperature %g is outside %g to %g; HINT: e.g. temp:0.5", ro->temperature, RUN_TEMP_MIN, RUN_TEMP_MAX);
    if (ro->mask == MASK_WINDOW && ro->window < 1)
        return engine_fail(err, "window %d must be >= 1; HINT: e.g. window:4", ro->window);
    double t0 = now_ms();
    const int D = c->d_model, H = c->n_head, KV = c->n_kv_head, dh = c->d_head, V = c->vocab_size;
    const int qdim = H * dh, kvdim = KV * dh, qkv_w = qdim + 2 * kvdim;
    const bool llama = c->arch == ARCH_LLAMA;
    const size_t ff_w = (size_t)(c->d_ff > qdim ? c->d_ff : qdim); /* Llama reuses ff for q */
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
    tr->top_k = ro->top_k < 1 ? 1 : ro->top_k > TRACE_MAX_TOP_K ? TRACE_MAX_TOP_K : ro->top_k;
    if (tr->top_k > V) tr->top_k = V;
    memcpy(tr->ids, ids, (size_t)T * sizeof *ids);

    /* x = wte[ids] (+ wpe[pos]) */
    for (int t = 0; t < T; t++) {
        const float *e = w->tok_emb + (size_t)ids[t] * D;
        float *xt = ws.x + (size_t)t * D;
        for (int i = 0; i < D; i++) xt[i] = e[i] + (w->pos_emb ? w->pos_emb[(size_t)t * D + i] : 0.0f);
    }

    for (int l = 0; l < c->n_layer; l++) {
        const LayerWeights *L = &w->layers[l];
        norm_forward(ws.xn, ws.x, T, D, L->norm1_w, L->norm1_b, c->norm_eps);
        /* qkv (T, q | k | v): GPT-2 fused c_attn, Llama separate projections */
        if (llama) {
            float *tmp = ws.ff; /* (T, qdim) then (T, kvdim) x2, reusing MLP space */
            linear_forward(tmp, ws.xn, T, &L->wq, false);
            for (int t = 0; t < T; t++) memcpy(ws.qkv + (size_t)t * qkv_w, tmp + (size_t)t * qdim, (size_t)qdim * sizeof(float));
            linear_forward(tmp, ws.xn, T, &L->wk, false);
            for (int t = 0; t < T; t++) memcpy(ws.qkv + (size_t)t * qkv_w + qdim, tmp + (size_t)t * kvdim, (size_t)kvdim * sizeof(float));
            linear_forward(tmp, ws.xn, T, &L->wv, false);
            for (int t = 0; t < T; t++) memcpy(ws.qkv + (size_t)t * qkv_w + qdim + kvdim, tmp + (size_t)t * kvdim, (size_t)kvdim * sizeof(float));
        } else {
            linear_forward(ws.qkv, ws.xn, T, &L->qkv, false);
        }
        /* Scatter into the trace: q (layer, head, token, dh), k, v (layer, kv_head, token, dh) */
        for (int t = 0; t < T; t++) {
            const float *row = ws.qkv + (size_t)t * qkv_w;
            for (int h = 0; h < H; h++) {
                float *dst = trace_q(tr, l, h) + (size_t)t * dh;
                memcpy(dst, row + (size_t)h * dh, (size_t)dh * sizeof(float));
                if (llama) {
                    memcpy(tr->q_pre_rope + (dst - tr->q), dst, (size_t)dh * sizeof(float));
                    rope_apply(dst, dh, t, c->rope_theta, c->rope_interleaved);
                }
            }
            for (int g = 0; g < KV; g++) {
                size_t off = ((size_t)l * KV + g) * (size_t)T * dh + (size_t)t * dh;
                memcpy(tr->k + off, row + qdim + (size_t)g * dh, (size_t)dh * sizeof(float));
                memcpy(tr->v + off, row + qdim + kvdim + (size_t)g * dh, (size_t)dh * sizeof(float));
                if (llama) {
                    memcpy(tr->k_pre_rope + off, tr->k + off, (size_t)dh * sizeof(float));
                    rope_apply(tr->k + off, dh, t, c->rope_theta, c->rope_interleaved);
                }
            }
        }
        for (int h = 0; h < H; h++) {
            float *out = trace_head_out(tr, l, h);
            attention_head(trace_q(tr, l, h), trace_k(tr, l, h), trace_v(tr, l, h),
                           trace_raw(tr, l, h), trace_scores(tr, l, h), trace_att(tr, l, h),
                           out, T, dh, ro);
            bool ablated = run_options_head_ablated(ro, l, h);
            if (ablated) memset(out, 0, (size_t)T * dh * sizeof(float));
            for (int t = 0; t < T; t++) {
                float *dst = ws.heads + (size_t)t * qdim + (size_t)h * dh;
                if (ablated)
                    memset(dst, 0, (size_t)dh * sizeof(float));
                else
                    memcpy(dst, out + (size_t)t * dh, (size_t)dh * sizeof(float));
            }
        }
        linear_forward(ws.x, ws.heads, T, &L->wo, true); /* x += attn */
        norm_forward(ws.xn, ws.x, T, D, L->norm2_w, L->norm2_b, c->norm_eps);
        if (llama) { /* x += w2(silu(w1 x) * w3 x) */
            linear_forward(ws.ff, ws.xn, T, &L->w1, false);
            linear_forward(ws.ff2, ws.xn, T, &L->w3, false);
            size_t n = (size_t)T * c->d_ff;
            for (size_t i = 0; i < n; i++) {
                float g = ws.ff[i];
                ws.ff[i] = g / (1.0f + expf(-g)) * ws.ff2[i];
            }
            linear_forward(ws.x, ws.ff, T, &L->w2, true);
        } else { /* x += c_proj(gelu_new(c_fc x)) */
            linear_forward(ws.ff, ws.xn, T, &L->fc, false);
            gelu_new_inplace(ws.ff, (size_t)T * c->d_ff);
            linear_forward(ws.x, ws.ff, T, &L->proj, true);
        }
    }
    norm_forward(ws.xn, ws.x, T, D, w->norm_f_w, w->norm_f_b, c->norm_eps);
    /* logits (T, V) = xn @ classifier^T */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, V, D, 1.0f, ws.xn, D, w->classifier,
                D, 0.0f, tr->logits, V);
    predictions(tr, ids, T, V, tr->top_k);
    free(block);
    tr->forward_ms = now_ms() - t0;
    return 0;
}

/* The files behind the mapped weights are checked first (size, mtime), and a
 * truncation racing the run ends in an error naming the file instead of a
 * silent SIGBUS (mapguard.h). */
int forward_run(const Model *m, const int *ids, int T, const RunOptions *ro, Trace *tr,
                EngineError *err) {
    if (model_check_files(m, err)) return -1;
    int rc;
    MAPGUARD_RUN(rc, err, forward__run(m, ids, T, ro, tr, err));
    return rc;
}
