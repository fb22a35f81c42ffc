/* test_llama_oracle.c — Llama loaders + forward pass against the numpy oracle.
 *
 * tests/oracle/llama_oracle.py writes $BUILD/oracle/llama/manifest.json:
 * random GQA/MQA checkpoints, each in llama2.c (.bin + tokenizer.bin) and
 * Hugging Face (config.json + safetensors + tokenizer.json) format holding
 * the same model, plus stories260K when ../shared is present. For every
 * model, format and case this loads with model_load, runs forward_run with
 * the case's run options, and compares q, k, q_pre_rope, k_pre_rope (in the
 * format's own basis: HF's rotate_half layout permutes each head), v, raw,
 * scores, att, head_out, logits and loss with |got - want| <= 1e-4 *
 * (1 + |want|). Attention and logits are the same expected arrays for both
 * formats. It also checks the loaded config, the parameter count, the
 * tokenizers against the reference encoder, and, for stories260K, a greedy
 * decode from BOS against numpy's. A missing manifest is a failure: run_all.sh
 * makes it before the C tests run.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

#define TOL 1e-4

static char root[1024];

static int json_int(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valueint : -1;
}

static const char *json_str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* root-relative unless absolute */
static void resolve(char *out, size_t cap, const char *rel) {
    if (rel[0] == '/')
        snprintf(out, cap, "%s", rel);
    else
        snprintf(out, cap, "%s/%s", root, rel);
}

/* The expected float32 array named key in a case's "arrays"; *n elements. */
static float *expected(const cJSON *c, const char *key, size_t *n) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "arrays"), key);
    const char *file = json_str(a, "file");
    *n = 0;
    if (!file) return NULL;
    char path[1200];
    resolve(path, sizeof path, file);
    size_t len;
    float *data = (float *)check_read_file(path, &len);
    if (data) *n = len / sizeof(float);
    return data;
}

/* Compares a (layer, head, token/query, x) expected array against the trace,
 * reading head h of layer l through get(). Returns the max abs difference. */
typedef const float *(*HeadGetter)(const Trace *tr, int layer, int head);

static const float *get_q(const Trace *tr, int l, int h) { return trace_q(tr, l, h); }
static const float *get_raw(const Trace *tr, int l, int h) { return trace_raw(tr, l, h); }
static const float *get_scores(const Trace *tr, int l, int h) { return trace_scores(tr, l, h); }
static const float *get_att(const Trace *tr, int l, int h) { return trace_att(tr, l, h); }
static const float *get_out(const Trace *tr, int l, int h) { return trace_head_out(tr, l, h); }
static const float *get_q_pre(const Trace *tr, int l, int h) {
    return tr->q_pre_rope + (trace_q(tr, l, h) - tr->q);
}
/* KV arrays are indexed by KV head g: read through its first query head. */
static const float *get_k(const Trace *tr, int l, int g) {
    return trace_k(tr, l, g * (tr->n_head / tr->n_kv_head));
}
static const float *get_v(const Trace *tr, int l, int g) {
    return trace_v(tr, l, g * (tr->n_head / tr->n_kv_head));
}
static const float *get_k_pre(const Trace *tr, int l, int g) {
    return tr->k_pre_rope + (get_k(tr, l, g) - tr->k);
}

static void compare_heads(const cJSON *c, const char *key, const Trace *tr, int n_heads,
                          int row, HeadGetter get, const char *tag) {
    size_t n;
    float *want = expected(c, key, &n);
    int T = tr->n_tokens;
    size_t per_head = (size_t)T * (size_t)row;
    CHECK(want && n == (size_t)tr->n_layer * n_heads * per_head, "%s %s: expected array missing or %zu values", tag, key, n);
    if (!want || n != (size_t)tr->n_layer * n_heads * per_head) {
        free(want);
        return;
    }
    double max_diff = 0;
    int bad = 0;
    for (int l = 0; l < tr->n_layer; l++)
        for (int h = 0; h < n_heads; h++) {
            const float *got = get(tr, l, h);
            const float *w = want + ((size_t)l * n_heads + h) * per_head;
            for (size_t i = 0; i < per_head; i++) {
                if (!check_close(got[i], w[i], TOL)) {
                    if (bad++ < 3)
                        printf("  %s %s layer %d head %d [%zu]: got %g want %g\n", tag, key, l, h, i, got[i], w[i]);
                } else if (isfinite(w[i]) && fabs(got[i] - w[i]) > max_diff) {
                    max_diff = fabs(got[i] - w[i]);
                }
            }
        }
    CHECK(bad == 0, "%s %s: %d values differ", tag, key, bad);
    printf("  %-40s %-8s max |diff| %.2e\n", tag, key, max_diff);
    free(want);
}

static void compare_logits(const cJSON *c, const Trace *tr, const char *tag) {
    size_t n;
    float *want = expected(c, "logits", &n);
    size_t count = (size_t)tr->n_tokens * tr->vocab_size;
    CHECK(want && n == count, "%s logits: expected array missing or wrong size", tag);
    if (want && n == count) {
        double max_diff = 0;
        int bad = 0;
        for (size_t i = 0; i < count; i++) {
            if (!check_close(tr->logits[i], want[i], TOL)) bad++;
            if (fabs(tr->logits[i] - want[i]) > max_diff) max_diff = fabs(tr->logits[i] - want[i]);
        }
        CHECK(bad == 0, "%s logits: %d values differ (max |diff| %g)", tag, bad, max_diff);
        printf("  %-40s %-8s max |diff| %.2e\n", tag, "logits", max_diff);
    }
    free(want);
    double loss = cJSON_GetObjectItemCaseSensitive(c, "loss")->valuedouble;
    CHECK_CLOSE(tr->loss, loss, TOL, "%s loss: got %g want %g", tag, tr->loss, loss);
}

static void run_case(const Model *m, Trace *tr, const cJSON *c, const char *fmt, const char *model_name) {
    char tag[160];
    snprintf(tag, sizeof tag, "%s/%s/%s", model_name, fmt, json_str(c, "name"));
    const cJSON *jids = cJSON_GetObjectItemCaseSensitive(c, "ids");
    int T = cJSON_GetArraySize(jids);
    int *ids = malloc((size_t)T * sizeof *ids);
    for (int i = 0; i < T; i++) ids[i] = cJSON_GetArrayItem(jids, i)->valueint;
    RunOptions ro = run_options_default();
    EngineError err = {0};
    int rc = run_options_parse_scale(&ro, json_str(c, "scale"), &err) ||
             run_options_parse_mask(&ro, json_str(c, "mask"), &err) ||
             (json_str(c, "ablate")[0] && run_options_parse_ablate(&ro, json_str(c, "ablate"), &err));
    CHECK(rc == 0, "%s: run options: %s", tag, err.msg);
    rc = rc ? -1 : forward_run(m, ids, T, &ro, tr, &err);
    CHECK(rc == 0, "%s: forward_run: %s", tag, err.msg);
    free(ids);
    if (rc) return;
    const int H = tr->n_head, KV = tr->n_kv_head, dh = tr->d_head;
    char key[32];
    snprintf(key, sizeof key, "q@%s", fmt);
    compare_heads(c, key, tr, H, dh, get_q, tag);
    snprintf(key, sizeof key, "q_pre@%s", fmt);
    compare_heads(c, key, tr, H, dh, get_q_pre, tag);
    snprintf(key, sizeof key, "k@%s", fmt);
    compare_heads(c, key, tr, KV, dh, get_k, tag);
    snprintf(key, sizeof key, "k_pre@%s", fmt);
    compare_heads(c, key, tr, KV, dh, get_k_pre, tag);
    compare_heads(c, "v", tr, KV, dh, get_v, tag);
    compare_heads(c, "raw", tr, H, T, get_raw, tag);
    compare_heads(c, "scores", tr, H, T, get_scores, tag);
    compare_heads(c, "att", tr, H, T, get_att, tag);
    compare_heads(c, "head_out", tr, H, dh, get_out, tag);
    compare_logits(c, tr, tag);
}

static void check_config(const Model *m, const cJSON *jm, const char *fmt) {
    const ModelConfig *c = &m->config;
    const char *name = json_str(jm, "name");
    CHECK(c->arch == ARCH_LLAMA, "%s/%s: arch", name, fmt);
    CHECK(c->n_layer == json_int(jm, "n_layer") && c->n_head == json_int(jm, "n_head") &&
              c->n_kv_head == json_int(jm, "n_kv_head") && c->d_model == json_int(jm, "d_model") &&
              c->d_ff == json_int(jm, "d_ff") && c->vocab_size == json_int(jm, "vocab_size") &&
              c->n_ctx == json_int(jm, "n_ctx"),
          "%s/%s: config %d layers %d/%d heads d %d ff %d vocab %d ctx %d", name, fmt, c->n_layer,
          c->n_head, c->n_kv_head, c->d_model, c->d_ff, c->vocab_size, c->n_ctx);
    CHECK(c->d_head * c->n_head == c->d_model, "%s/%s: d_head %d", name, fmt, c->d_head);
    bool tied = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jm, "tied"));
    CHECK(c->tied_classifier == tied && (m->weights.classifier == m->weights.tok_emb) == tied,
          "%s/%s: tied classifier %d", name, fmt, c->tied_classifier);
    CHECK(c->rope_interleaved == !strcmp(fmt, "l2c"), "%s/%s: rope convention", name, fmt);
    CHECK(m->weights.pos_emb == NULL && m->weights.layers[0].norm1_b == NULL, "%s/%s: no wpe, no norm bias", name, fmt);
    CHECK(m->n_params == (size_t)json_int(jm, "n_params"), "%s/%s: n_params %zu want %d", name, fmt, m->n_params, json_int(jm, "n_params"));
    CHECK(tokenizer_kind(m->tokenizer) == TOKENIZER_SENTENCEPIECE && tokenizer_bos_id(m->tokenizer) == 1 &&
              tokenizer_eos_id(m->tokenizer) == 2,
          "%s/%s: tokenizer kind/bos/eos", name, fmt);
}

static void check_tokenizer(const Model *m, const cJSON *jm, const char *fmt) {
    char key[16];
    snprintf(key, sizeof key, "ids_%s", fmt);
    const cJSON *tc;
    cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(jm, "tokenizer_cases")) {
        const char *text = json_str(tc, "text");
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(tc, key);
        const cJSON *offs = cJSON_GetObjectItemCaseSensitive(tc, "offsets");
        TokenList list;
        EngineError err = {0};
        int rc = tokenizer_encode(m->tokenizer, text, strlen(text), true, &list, &err);
        CHECK(rc == 0, "%s: encode %s: %s", fmt, text, err.msg);
        if (rc) continue;
        bool same = list.n == (size_t)cJSON_GetArraySize(ids);
        for (size_t i = 0; same && i < list.n; i++) {
            const cJSON *o = cJSON_GetArrayItem(offs, (int)i);
            same = list.tokens[i].id == cJSON_GetArrayItem(ids, (int)i)->valueint &&
                   list.tokens[i].start == (size_t)cJSON_GetArrayItem(o, 0)->valueint &&
                   list.tokens[i].end == (size_t)cJSON_GetArrayItem(o, 1)->valueint;
        }
        CHECK(same, "%s/%s: tokens of \"%s\" differ from the reference", json_str(jm, "name"), fmt, text);
        token_list_free(&list);
    }
}

/* stories260K: greedy from BOS must give numpy's ids. */
static void check_greedy(const Model *m, Trace *tr, const cJSON *jm) {
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(jm, "greedy_ids");
    if (!want) return;
    int n = cJSON_GetArraySize(want);
    int ids[128] = {1};
    RunOptions ro = run_options_default();
    EngineError err = {0};
    int T = 1;
    for (; T < n && T < 128; T++) {
        if (forward_run(m, ids, T, &ro, tr, &err)) break;
        const float *lg = tr->logits + (size_t)(T - 1) * tr->vocab_size;
        int best = 0;
        for (int i = 1; i < tr->vocab_size; i++)
            if (lg[i] > lg[best]) best = i;
        ids[T] = best;
    }
    bool same = T == n;
    for (int i = 0; same && i < n; i++) same = ids[i] == cJSON_GetArrayItem(want, i)->valueint;
    CHECK(same, "stories260K: greedy decode from BOS differs from numpy's (%s)", err.msg);
    char text[1024] = "";
    size_t o = 0;
    for (int i = 1; i < T && o < sizeof text - 64; i++) {
        char piece[64];
        int len = tokenizer_decode_token(m->tokenizer, ids[i], piece, sizeof piece);
        const char *p = piece;
        if (ids[i - 1] == 1 && piece[0] == ' ') p++, len--; /* llama2.c's rule after BOS */
        if (len > 0 && len < 64) {
            memcpy(text + o, p, (size_t)len);
            o += (size_t)len;
        }
    }
    text[o] = 0;
    printf("  stories260K greedy: %s\n", text);
    CHECK(!strncmp(text, "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.", 88),
          "stories260K: greedy text");
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(root, sizeof root, "%s/oracle/llama", build);
    char manifest_path[1100];
    snprintf(manifest_path, sizeof manifest_path, "%s/manifest.json", root);
    size_t len;
    char *text = check_read_file(manifest_path, &len);
    CHECK(text != NULL, "%s missing: run /usr/bin/python3 tests/oracle/llama_oracle.py %s/oracle", manifest_path, build);
    if (!text) return check_summary();
    cJSON *manifest = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *jm;
    cJSON_ArrayForEach(jm, cJSON_GetObjectItemCaseSensitive(manifest, "models")) {
        const char *formats[2] = {"l2c", "hf"};
        for (int f = 0; f < 2; f++) {
            const char *rel = json_str(jm, formats[f]);
            if (!rel) continue;
            char path[1200], tok_path[1200];
            resolve(path, sizeof path, rel);
            ModelLoadOptions opts = model_load_options_default();
            const char *tok_rel = f == 0 ? json_str(jm, "l2c_tokenizer") : NULL;
            if (tok_rel) {
                resolve(tok_path, sizeof tok_path, tok_rel);
                opts.tokenizer_path = tok_path;
            }
            Model *m = NULL;
            EngineError err = {0};
            int rc = model_load(&m, path, &opts, &err);
            CHECK(rc == 0, "load %s: %s", path, err.msg);
            if (rc) continue;
            printf("%s (%s): %s\n", json_str(jm, "name"), formats[f], path);
            check_config(m, jm, formats[f]);
            check_tokenizer(m, jm, formats[f]);
            Trace *tr = trace_create(m, m->config.n_ctx);
            CHECK(tr != NULL, "trace_create");
            if (tr) {
                const cJSON *c;
                cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(jm, "cases"))
                    run_case(m, tr, c, formats[f], json_str(jm, "name"));
                check_greedy(m, tr, jm);
            }
            trace_free(tr);
            model_free(m);
        }
    }
    cJSON_Delete(manifest);
    return check_summary();
}
