/* test_bert_oracle.c — the BERT forward pass against the numpy oracle.
 *
 * tests/oracle/bert_oracle.py writes $BUILD/oracle/bert_*: random BertForMaskedLM
 * checkpoints ("bert."-prefixed F32 with the decoder copy, pooler and I64
 * position_ids; gamma/beta F16) and a BertModel, and one JSON file per case
 * with the expected trace under a run option. For every case this loads the
 * model, builds options from run_options_for_model + the CLI spellings, runs
 * forward_run_typed with the case's token types and compares q, k, v, raw,
 * scores, att, head_out and the MLM logits with |got - want| <= 1e-4 (1 +
 * |want|), the loss and the top-5 ids, and checks for NaN. Prints the worst
 * relative difference.
 */
#include <cjson/cJSON.h>

#include "check.h"
#include "engine/forward.h"
#include "engine/model.h"

#define TOL 1e-4

static double worst;

static cJSON *load_json(const char *path) {
    size_t n;
    char *text = check_read_file(path, &n);
    cJSON *j = text ? cJSON_ParseWithLength(text, n) : NULL;
    free(text);
    return j;
}

static int *int_array(const cJSON *a, int *n) {
    *n = cJSON_GetArraySize(a);
    int *v = malloc(sizeof(int) * (size_t)(*n ? *n : 1)), i = 0;
    for (const cJSON *x = a ? a->child : NULL; x; x = x->next) v[i++] = x->valueint;
    return v;
}

/* Compares got (as the trace lays it out, per (layer, head) block) with the
 * oracle's tensor. get(tr, l, h) gives a block of rows x cols. */
static void compare(const char *name, const cJSON *c, const Trace *tr, float *(*get)(const Trace *, int, int),
                    int cols, const char *where) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, name);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(t, "data");
    int T = tr->n_tokens, n = cJSON_GetArraySize(data);
    CHECK(n == tr->n_layer * tr->n_head * T * cols, "%s %s: %d values, want %d", where, name, n,
          tr->n_layer * tr->n_head * T * cols);
    if (n != tr->n_layer * tr->n_head * T * cols) return;
    int bad = 0, i = 0;
    const cJSON *x = data->child;
    for (int l = 0; l < tr->n_layer; l++)
        for (int h = 0; h < tr->n_head; h++) {
            const float *g = get(tr, l, h);
            for (int j = 0; j < T * cols; j++, i++, x = x->next) {
                double want = cJSON_IsNull(x) ? -INFINITY : x->valuedouble;
                if (isnan(g[j]) || !check_close(g[j], want, TOL)) {
                    if (!bad) printf("  %s %s[%d]: got %g want %g\n", where, name, i, g[j], want);
                    bad++;
                } else if (isfinite(want)) {
                    double r = fabs(g[j] - want) / (1 + fabs(want));
                    if (r > worst) worst = r;
                }
            }
        }
    CHECK(bad == 0, "%s %s: %d of %d values off", where, name, bad, n);
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char path[512];
    snprintf(path, sizeof path, "%s/oracle/bert_cases.json", build);
    cJSON *index = load_json(path);
    CHECK(index != NULL, "%s exists (run tests/oracle/bert_oracle.py %s/oracle)", path, build);
    if (!index) return check_summary();
    int n_cases = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(index, "cases")) {
        snprintf(path, sizeof path, "%s/oracle/%s", build, it->valuestring);
        cJSON *c = load_json(path);
        CHECK(c != NULL, "%s parses", path);
        if (!c) continue;
        const char *mname = cJSON_GetObjectItem(c, "model")->valuestring;
        char mpath[600];
        snprintf(mpath, sizeof mpath, "%s/oracle/%s", build, mname);
        Model *m = NULL;
        EngineError err;
        int rc = model_load(&m, mpath, NULL, &err);
        CHECK(rc == 0, "%s loads: %s", mname, rc ? err.msg : "");
        if (rc) {
            cJSON_Delete(c);
            continue;
        }
        CHECK(m->config.arch == ARCH_BERT && m->config.encoder && m->config.post_norm, "%s is a BERT encoder", mname);
        RunOptions ro = run_options_for_model(m);
        CHECK(ro.mask == MASK_NONE, "encoder default mask is none");
        const char *scale = cJSON_GetObjectItem(c, "scale")->valuestring;
        const char *mask = cJSON_GetObjectItem(c, "mask")->valuestring;
        const char *ablate = cJSON_GetObjectItem(c, "ablate")->valuestring;
        CHECK(run_options_parse_scale(&ro, scale, &err) == 0 && run_options_parse_mask_model(&ro, m, mask, &err) == 0 &&
                  (!*ablate || run_options_parse_ablate(&ro, ablate, &err) == 0),
              "%s: options parse", path);
        int T, nt;
        int *ids = int_array(cJSON_GetObjectItem(c, "ids"), &T);
        int *types = int_array(cJSON_GetObjectItem(c, "types"), &nt);
        Trace *tr = trace_create(m, T);
        rc = forward_run_typed(m, ids, types, T, &ro, tr, &err);
        CHECK(rc == 0, "%s: forward runs: %s", path, rc ? err.msg : "");
        if (!rc) {
            const char *where = it->valuestring;
            compare("q", c, tr, trace_q, tr->d_head, where);
            compare("k", c, tr, trace_k, tr->d_head, where);
            compare("v", c, tr, trace_v, tr->d_head, where);
            compare("head_out", c, tr, trace_head_out, tr->d_head, where);
            compare("raw", c, tr, trace_raw, T, where);
            compare("scores", c, tr, trace_scores, T, where);
            compare("att", c, tr, trace_att, T, where);
            for (int t = 0; t < T; t++) CHECK(tr->types[t] == types[t], "%s: trace keeps token type %d", where, t);
            const cJSON *lg = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "logits"), "data");
            if (m->config.has_mlm_head) {
                int V = tr->vocab_size, bad = 0, i = 0;
                CHECK(cJSON_GetArraySize(lg) == T * V, "%s: logits size", where);
                for (const cJSON *x = lg ? lg->child : NULL; x && i < T * V; x = x->next, i++)
                    if (isnan(tr->logits[i]) || !check_close(tr->logits[i], x->valuedouble, TOL)) bad++;
                CHECK(bad == 0 && i == T * V, "%s: MLM logits, %d off", where, bad);
                CHECK_CLOSE(tr->loss, cJSON_GetObjectItem(c, "loss")->valuedouble, TOL, "%s: loss %g", where, tr->loss);
                int t = 0;
                const cJSON *row;
                cJSON_ArrayForEach(row, cJSON_GetObjectItem(c, "top_ids")) {
                    CHECK(tr->top_ids[(size_t)t * tr->top_k] == row->child->valueint, "%s: top-1 at %d", where, t);
                    t++;
                }
            } else {
                CHECK(lg == NULL && isnan(tr->loss), "%s: a BertModel has no predictions", where);
            }
            n_cases++;
        }
        free(ids);
        free(types);
        trace_free(tr);
        model_free(m);
        cJSON_Delete(c);
    }
    cJSON_Delete(index);
    CHECK(n_cases >= 30, "%d cases compared", n_cases);
    printf("%d BERT cases; worst |got-want|/(1+|want|) = %.3g (tolerance %g)\n", n_cases, worst, TOL);
    return check_summary();
}
