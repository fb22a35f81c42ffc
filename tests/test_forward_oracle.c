/* test_forward_oracle.c — the GPT-2 forward pass against the numpy oracle.
 *
 * tests/oracle/gpt2_oracle.py writes $BUILD/oracle/: random checkpoints in
 * Hugging Face layout (F32; F16; BF16; "transformer."-prefixed with misaligned F32
 * data) and one JSON file per case with the expected trace for a run option
 * (scale, mask, ablate spec strings, the same ones the CLI takes). For every
 * case this loads the model with model_load, runs forward_run with options
 * built by run_options_parse_*, and compares q, k, v, raw, scores, att,
 * head_out, logits, token_loss, loss and the top-k predictions with
 * |got - want| <= 1e-4 * (1 + |want|). It prints the max abs difference per
 * tensor per case. A missing oracle folder is a failure: run_all.sh makes it
 * before the C tests run.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

#define TOL 1e-4
#define MAX_MODELS 8

/* The worst |got - want| / (1 + |want|) over every finite value compared:
 * the margin left under TOL. */
static double worst_rel;
static char worst_where[200];

typedef struct {
    char name[64];
    Model *model;
    Trace *trace; /* capacity n_ctx, reused by every case of this model */
} LoadedModel;

static cJSON *read_json(const char *path) {
    size_t n;
    char *text = check_read_file(path, &n);
    if (!text) return NULL;
    cJSON *j = cJSON_ParseWithLength(text, n);
    free(text);
    return j;
}

static const char *json_str(const cJSON *obj, const char *key) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : "";
}

/* The expected tensor {"shape": [...], "data": [...]} as a flat double array
 * (null -> -INFINITY, the engine's masked score). Returns the element count,
 * or 0 when key is absent or malformed; *shape gets up to 4 dims. */
static size_t expected_tensor(const cJSON *c, const char *key, double **out,
                              int *shape, int *n_dims) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, key);
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(t, "data");
    *out = NULL;
    if (!cJSON_IsArray(sh) || !cJSON_IsArray(data)) return 0;
    size_t want = 1;
    *n_dims = 0;
    for (const cJSON *d = sh->child; d; d = d->next) {
        if (*n_dims < 4) shape[(*n_dims)++] = d->valueint;
        want *= (size_t)d->valueint;
    }
    size_t n = (size_t)cJSON_GetArraySize(data);
    if (n != want || n == 0) return 0;
    double *v = malloc(n * sizeof *v);
    if (!v) return 0;
    size_t i = 0;
    for (const cJSON *d = data->child; d; d = d->next)
        v[i++] = cJSON_IsNull(d) ? -INFINITY : d->valuedouble;
    *out = v;
    return n;
}

/* Compares n values got[] with want[]; one CHECK for the whole tensor (its
 * first mismatch is named). Returns the max abs difference over finite
 * pairs, or INFINITY when a masked/unmasked pattern differs. */
static double compare(const char *cs, const char *tname, const float *got,
                      const double *want, size_t n) {
    double max_diff = 0;
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        double diff = isinf(w) || isinf(g) ? (g == w ? 0 : INFINITY) : fabs(g - w);
        if (isnan(g)) diff = INFINITY;
        if (diff > max_diff) max_diff = diff;
        if (isfinite(diff) && diff / (1.0 + fabs(w)) > worst_rel) {
            worst_rel = diff / (1.0 + fabs(w));
            snprintf(worst_where, sizeof worst_where, "%s %s[%zu]", cs, tname, i);
        }
        if (!check_close(g, w, TOL) && bad++ == 0) first = i;
    }
    CHECK(bad == 0, "%s: %s: %zu of %zu values differ; first at flat index %zu: got %.7g want %.7g (max abs diff %.3g)",
          cs, tname, bad, n, first, bad ? got[first] : 0.0, bad ? want[first] : 0.0, max_diff);
    return max_diff;
}

/* Copies a per-head trace tensor into (layer, head, rows, cols) order using
 * the public accessors, so the test also exercises them. */
static void gather(const Trace *tr, float *(*acc)(const Trace *, int, int),
                   size_t per_head, float *dst) {
    for (int l = 0; l < tr->n_layer; l++)
        for (int h = 0; h < tr->n_head; h++)
            memcpy(dst + ((size_t)l * (size_t)tr->n_head + (size_t)h) * per_head,
                   acc(tr, l, h), per_head * sizeof(float));
}

static LoadedModel *get_model(LoadedModel *models, int *n_models, const char *dir,
                              const char *name) {
    for (int i = 0; i < *n_models; i++)
        if (!strcmp(models[i].name, name)) return models[i].model ? &models[i] : NULL;
    if (*n_models == MAX_MODELS) return NULL;
    LoadedModel *lm = &models[(*n_models)++];
    snprintf(lm->name, sizeof lm->name, "%s", name);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ModelLoadOptions lo = model_load_options_default();
    EngineError err = {{0}};
    int rc = model_load(&lm->model, path, &lo, &err);
    CHECK(rc == 0 && lm->model, "model_load %s: %s", path, err.msg);
    if (rc != 0 || !lm->model) return NULL;
    lm->trace = trace_create(lm->model, lm->model->config.n_ctx);
    CHECK(lm->trace != NULL, "trace_create %s", path);
    if (!lm->trace) return NULL;
    const ModelConfig *c = &lm->model->config;
    printf("loaded %s: arch %s, %d layers, %d heads of %d, d_model %d, d_ff %d, vocab %d, n_ctx %d, dtype %s, %zu params\n",
           name, model_arch_name(c->arch), c->n_layer, c->n_head, c->d_head, c->d_model,
           c->d_ff, c->vocab_size, c->n_ctx, c->dtype, lm->model->n_params);
    CHECK(c->arch == ARCH_GPT2 && c->tied_classifier, "%s: a tied GPT-2", name);
    CHECK(c->d_ff == 4 * c->d_model, "%s: d_ff %d is 4 * n_embd", name, c->d_ff);
    CHECK(fabsf(c->norm_eps - 1e-5f) < 1e-9f, "%s: layer_norm_epsilon %g", name, c->norm_eps);
    const char *want_dtype = strstr(name, "bf16") ? "BF16" : strstr(name, "f16") ? "F16" : "F32";
    CHECK(!strcmp(c->dtype, want_dtype), "%s: dtype %s, want %s", name, c->dtype, want_dtype);
    size_t want_params = (size_t)c->vocab_size * c->d_model + (size_t)c->n_ctx * c->d_model +
                         2 * (size_t)c->d_model +
                         (size_t)c->n_layer * (4 * (size_t)c->d_model +
                                               (size_t)c->d_model * 3 * c->d_model + 3 * (size_t)c->d_model +
                                               (size_t)c->d_model * c->d_model + c->d_model +
                                               2 * (size_t)c->d_model * c->d_ff + c->d_ff + c->d_model);
    CHECK(lm->model->n_params == want_params, "%s: n_params %zu, want %zu (tied head counted once, buffers not at all)",
          name, lm->model->n_params, want_params);
    return lm;
}

/* Runs and checks one case file. */
static void run_case(const char *dir, const char *file, LoadedModel *models, int *n_models) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    cJSON *c = read_json(path);
    CHECK(c != NULL, "%s: cannot read or parse", path);
    if (!c) return;
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    char cs[160];
    snprintf(cs, sizeof cs, "%.*s", (int)(strlen(base) > 5 ? strlen(base) - 5 : strlen(base)), base);

    LoadedModel *lm = get_model(models, n_models, dir, json_str(c, "model"));
    if (!lm) {
        cJSON_Delete(c);
        return;
    }
    const Model *m = lm->model;
    Trace *tr = lm->trace;

    const cJSON *jids = cJSON_GetObjectItemCaseSensitive(c, "ids");
    int T = cJSON_GetArraySize(jids);
    int ids[RUN_MAX_KEYS];
    int i = 0;
    for (const cJSON *d = jids ? jids->child : NULL; d && i < RUN_MAX_KEYS; d = d->next) ids[i++] = d->valueint;
    CHECK(T >= 1 && T <= tr->capacity, "%s: %d ids for capacity %d", cs, T, tr->capacity);
    if (T < 1 || T > tr->capacity) {
        cJSON_Delete(c);
        return;
    }

    RunOptions ro = run_options_default();
    EngineError err = {{0}};
    const char *scale = json_str(c, "scale"), *mask = json_str(c, "mask"), *ablate = json_str(c, "ablate");
    int rc = run_options_parse_scale(&ro, scale, &err);
    if (rc == 0) rc = run_options_parse_mask(&ro, mask, &err);
    if (rc == 0 && *ablate) rc = run_options_parse_ablate(&ro, ablate, &err);
    CHECK(rc == 0, "%s: run options %s / %s / %s: %s", cs, scale, mask, ablate, err.msg);

    /* The text must tokenize to the oracle's text_ids by the engine's
     * tokenizer (the forward pass itself is fed ids, independent of it). */
    const char *text = json_str(c, "text");
    const cJSON *jtids = cJSON_GetObjectItemCaseSensitive(c, "text_ids");
    if (*text && !strcmp(scale, "sqrt") && !strcmp(mask, "causal") && !*ablate) {
        TokenList list = {0};
        rc = tokenizer_encode(m->tokenizer, text, strlen(text), false, &list, &err);
        size_t n_want = (size_t)cJSON_GetArraySize(jtids);
        int same = rc == 0 && list.n == n_want;
        const cJSON *d = jtids ? jtids->child : NULL;
        for (size_t t = 0; same && t < list.n; t++, d = d->next) same = list.tokens[t].id == d->valueint;
        CHECK(same, "%s: tokenizer_encode gives %zu ids (first %d), oracle %zu: %s",
              cs, list.n, list.n ? list.tokens[0].id : -1, n_want, rc ? err.msg : "");
        token_list_free(&list);
    }

    rc = forward_run(m, ids, T, &ro, tr, &err);
    CHECK(rc == 0, "%s: forward_run: %s", cs, err.msg);
    if (rc != 0) {
        cJSON_Delete(c);
        return;
    }
    CHECK(tr->n_tokens == T, "%s: trace n_tokens %d, want %d", cs, tr->n_tokens, T);

    const int L = tr->n_layer, H = tr->n_head, D = tr->d_head, V = tr->vocab_size;
    const size_t vec = (size_t)T * D, mat = (size_t)T * T;
    float *buf = malloc((size_t)L * H * (mat > vec ? mat : vec) * sizeof(float) + 1);
    if (!buf) {
        cJSON_Delete(c);
        return;
    }
    struct {
        const char *key;
        float *(*acc)(const Trace *, int, int);
        size_t per_head;
    } per_head[] = {
        {"q", trace_q, vec},         {"k", trace_k, vec},           {"v", trace_v, vec},
        {"raw", trace_raw, mat},     {"scores", trace_scores, mat}, {"att", trace_att, mat},
        {"head_out", trace_head_out, vec},
    };
    char report[1024];
    int off = snprintf(report, sizeof report, "%-40s max|diff|", cs);
    for (size_t t = 0; t < sizeof per_head / sizeof per_head[0]; t++) {
        double *want;
        int shape[4], nd;
        size_t n = expected_tensor(c, per_head[t].key, &want, shape, &nd);
        CHECK(n == (size_t)L * H * per_head[t].per_head && nd == 4 && shape[0] == L && shape[1] == H,
              "%s: expected %s has %zu values, trace %d x %d x %zu", cs, per_head[t].key, n, L, H, per_head[t].per_head);
        if (n == (size_t)L * H * per_head[t].per_head) {
            gather(tr, per_head[t].acc, per_head[t].per_head, buf);
            double md = compare(cs, per_head[t].key, buf, want, n);
            off += snprintf(report + off, sizeof report - (size_t)off, " %s %.1e", per_head[t].key, md);
        }
        free(want);
    }

    /* Probabilities: finite, in [0, 1], rows summing to 1 or (no visible key) 0. */
    size_t bad_p = 0;
    for (int l = 0; l < L; l++)
        for (int h = 0; h < H; h++) {
            const float *a = trace_att(tr, l, h);
            CHECK(a == tr->att + ((size_t)l * H + h) * mat, "%s: att of %d.%d is not at its (layer, head) slot", cs, l, h);
            for (int q = 0; q < T; q++) {
                double sum = 0;
                int any_visible = 0;
                for (int k = 0; k < T; k++) {
                    float p = a[(size_t)q * T + k];
                    if (!isfinite(p) || p < 0 || p > 1) bad_p++;
                    sum += p;
                    any_visible |= run_options_visible(&ro, q, k);
                }
                if (fabs(sum - (any_visible ? 1.0 : 0.0)) > 1e-5) bad_p++;
            }
        }
    CHECK(bad_p == 0, "%s: %zu attention values or rows are NaN/Inf, outside [0,1], or do not sum to 1 (0 when fully masked)", cs, bad_p);

    double *want;
    int shape[4], nd;
    size_t n = expected_tensor(c, "logits", &want, shape, &nd);
    CHECK(n == (size_t)T * V, "%s: expected logits %zu values, trace %d x %d", cs, n, T, V);
    if (n == (size_t)T * V) {
        size_t nonfinite = 0;
        for (size_t j = 0; j < n; j++) nonfinite += !isfinite(tr->logits[j]);
        CHECK(nonfinite == 0, "%s: %zu logits are NaN/Inf", cs, nonfinite);
        off += snprintf(report + off, sizeof report - (size_t)off, " logits %.1e",
                        compare(cs, "logits", tr->logits, want, n));
    }
    free(want);
    n = expected_tensor(c, "token_loss", &want, shape, &nd);
    CHECK(n == (size_t)T, "%s: expected token_loss has %zu values", cs, n);
    if (n == (size_t)T)
        off += snprintf(report + off, sizeof report - (size_t)off, " token_loss %.1e",
                        compare(cs, "token_loss", tr->token_loss, want, n));
    free(want);
    const cJSON *jl = cJSON_GetObjectItemCaseSensitive(c, "loss");
    if (cJSON_IsNull(jl)) {
        CHECK(isnan(tr->loss), "%s: loss %g, want NaN for one token", cs, tr->loss);
    } else {
        CHECK_CLOSE(tr->loss, jl->valuedouble, TOL, "%s: loss %.7g, want %.7g", cs, tr->loss, jl->valuedouble);
        off += snprintf(report + off, sizeof report - (size_t)off, " loss %.1e", fabs(tr->loss - jl->valuedouble));
    }

    /* Top-k: same ids in the same order, except where the oracle's own
     * probabilities tie within the tolerance. */
    n = expected_tensor(c, "top_p", &want, shape, &nd);
    const cJSON *jtop = cJSON_GetObjectItemCaseSensitive(c, "top_ids");
    int K = nd == 2 ? shape[1] : 0;
    CHECK(n == (size_t)T * K && K <= tr->top_k && cJSON_GetArraySize(jtop) == T,
          "%s: expected top-%d for %d positions, trace top_k %d", cs, K, T, tr->top_k);
    if (n == (size_t)T * K && K <= tr->top_k) {
        size_t bad_ids = 0, bad_pk = 0;
        int t = 0;
        for (const cJSON *row = jtop->child; row && t < T; row = row->next, t++) {
            int r = 0;
            for (const cJSON *id = row->child; id && r < K; id = id->next, r++) {
                double wp = want[(size_t)t * K + r];
                int got_id = tr->top_ids[(size_t)t * tr->top_k + r];
                double gp = tr->top_p[(size_t)t * tr->top_k + r];
                int tie = (r > 0 && fabs(want[(size_t)t * K + r - 1] - wp) < 1e-5) ||
                          (r + 1 < K && fabs(want[(size_t)t * K + r + 1] - wp) < 1e-5);
                if (got_id != id->valueint && !tie) bad_ids++;
                if (!check_close(gp, wp, TOL)) bad_pk++;
            }
        }
        CHECK(bad_ids == 0 && bad_pk == 0, "%s: top-%d: %zu ids and %zu probabilities differ", cs, K, bad_ids, bad_pk);
    }
    free(want);
    printf("%s\n", report);
    free(buf);
    cJSON_Delete(c);
}

/* --- concurrency: forward_run is thread-safe for distinct traces ---------- */

typedef struct {
    const Model *m;
    const int *ids;
    int n;
    RunOptions ro;
    const Trace *ref;   /* single-threaded result for the same input */
    int rounds;
    size_t mismatches;
    int failed_runs;
} ThreadJob;

static size_t trace_diff(const Trace *a, const Trace *b) {
    size_t n_att = (size_t)a->n_layer * a->n_head * a->n_tokens * a->n_tokens;
    size_t n_logits = (size_t)a->n_tokens * a->vocab_size, bad = 0;
    for (size_t i = 0; i < n_att; i++) bad += !check_close(a->att[i], b->att[i], 1e-6);
    for (size_t i = 0; i < n_logits; i++) bad += !check_close(a->logits[i], b->logits[i], 1e-6);
    return bad;
}

static void *thread_main(void *arg) {
    ThreadJob *job = arg;
    Trace *tr = trace_create(job->m, job->n);
    if (!tr) {
        job->failed_runs = job->rounds;
        return NULL;
    }
    for (int r = 0; r < job->rounds; r++) {
        EngineError err;
        if (forward_run(job->m, job->ids, job->n, &job->ro, tr, &err)) job->failed_runs++;
        else job->mismatches += trace_diff(tr, job->ref);
    }
    trace_free(tr);
    return NULL;
}

/* Three threads, each with its own trace and run options, over one model; every
 * result must equal the single-threaded one. */
static void check_threads(const Model *m) {
    enum { N_THREADS = 3, ROUNDS = 20 };
    int n = m->config.n_ctx, ids[RUN_MAX_KEYS];
    unsigned seed = 12345;
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        ids[i] = (int)((seed >> 8) % (unsigned)m->config.vocab_size);
    }
    const char *masks[N_THREADS] = {"causal", "window:3", "keys:1,4"};
    const char *ablates[N_THREADS] = {"", "0.1", "1.0,1.3"};
    ThreadJob jobs[N_THREADS];
    Trace *refs[N_THREADS] = {0};
    pthread_t th[N_THREADS];
    int ok = 1;
    for (int t = 0; t < N_THREADS; t++) {
        EngineError err;
        jobs[t] = (ThreadJob){.m = m, .ids = ids, .n = n, .ro = run_options_default(), .rounds = ROUNDS};
        run_options_parse_mask(&jobs[t].ro, masks[t], &err);
        if (*ablates[t]) run_options_parse_ablate(&jobs[t].ro, ablates[t], &err);
        refs[t] = trace_create(m, n);
        ok = ok && refs[t] && forward_run(m, ids, n, &jobs[t].ro, refs[t], &err) == 0;
        jobs[t].ref = refs[t];
    }
    CHECK(ok, "threads: single-threaded reference runs");
    if (ok) {
        int started = 0;
        for (int t = 0; t < N_THREADS; t++) started += pthread_create(&th[t], NULL, thread_main, &jobs[t]) == 0;
        CHECK(started == N_THREADS, "threads: started %d of %d", started, N_THREADS);
        for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
        for (int t = 0; t < started; t++)
            CHECK(jobs[t].failed_runs == 0 && jobs[t].mismatches == 0,
                  "threads: job %d (mask %s, ablate '%s'): %d failed runs, %zu values differ from the single-threaded run",
                  t, masks[t], ablates[t], jobs[t].failed_runs, jobs[t].mismatches);
        printf("threads: %d threads x %d forward passes of %d tokens agree with the single-threaded runs\n",
               started, ROUNDS, n);
    }
    for (int t = 0; t < N_THREADS; t++) trace_free(refs[t]);
}

int main(void) {
    const char *build = getenv("BUILD");
    char dir[512], index[600];
    snprintf(dir, sizeof dir, "%s/oracle", build && *build ? build : "build");
    snprintf(index, sizeof index, "%s/gpt2_cases.json", dir);
    cJSON *idx = read_json(index);
    CHECK(idx != NULL, "%s is missing or does not parse; HINT: run /usr/bin/python3 tests/oracle/gpt2_oracle.py %s (make test does)", index, dir);
    if (!idx) return check_summary();
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(idx, "cases");
    int n_cases = cJSON_GetArraySize(cases);
    CHECK(n_cases >= 40, "%s lists %d cases", index, n_cases);

    LoadedModel models[MAX_MODELS];
    memset(models, 0, sizeof models);
    int n_models = 0;
    for (const cJSON *it = cases ? cases->child : NULL; it; it = it->next)
        if (cJSON_IsString(it)) run_case(dir, it->valuestring, models, &n_models);
    CHECK(n_models == 4, "cases used %d checkpoints, want 4 (f32, f16, bf16, prefixed)", n_models);

    for (int i = 0; i < n_models; i++)
        if (!strcmp(models[i].name, "gpt2_f32") && models[i].model) check_threads(models[i].model);
    printf("worst |got-want|/(1+|want|) = %.2g at %s (tolerance %g)\n", worst_rel, worst_where, TOL);
    for (int i = 0; i < n_models; i++) {
        trace_free(models[i].trace);
        model_free(models[i].model);
    }
    cJSON_Delete(idx);
    return check_summary();
}
