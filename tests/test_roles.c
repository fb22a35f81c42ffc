/* test_roles.c — head-role scores (engine/roles.c).
 *
 * 1. Hand-made attention patterns in a hand-built trace: a pure
 *    previous-token head scores 1, a uniform head scores exactly the uniform
 *    baseline (computed here in closed form), a pure sink head, an induction
 *    head on a repeated sequence, a masked-out query, roles_dominant and
 *    roles_best.
 * 2. The numpy oracle (tests/oracle/roles_oracle.py writes
 *    $BUILD/oracle/roles/manifest.json): for each case, load the random
 *    checkpoint, run the forward pass with the case's options, compute the
 *    roles with the case's delimiter flags and compare every score,
 *    baseline and query count (abs + rel 1e-4).
 * 3. The delimiter rule against the oracle's list, on every token of
 *    models/pd-gpt2's vocabulary and of stories260K's tok512.bin.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/roles.h"
#include "engine/tokenizer.h"

#define TOL 1e-4

/* A trace with only what roles_compute reads: sizes, ids, scores (for the
 * mask) and attention. One layer. */
typedef struct {
    Trace tr;
    int ids[16];
} FakeTrace;

static void fake_init(FakeTrace *f, int T, int H, const int *ids) {
    memset(f, 0, sizeof *f);
    f->tr.n_layer = 1;
    f->tr.n_head = H;
    f->tr.n_kv_head = H;
    f->tr.n_tokens = f->tr.capacity = T;
    f->tr.scores = calloc((size_t)H * T * T, sizeof(float));
    f->tr.att = calloc((size_t)H * T * T, sizeof(float));
    memcpy(f->ids, ids, (size_t)T * sizeof(int));
    f->tr.ids = f->ids;
    for (int h = 0; h < H; h++)
        for (int q = 0; q < T; q++)
            for (int k = q + 1; k < T; k++) f->tr.scores[((size_t)h * T + q) * T + k] = -INFINITY;
}

static void fake_free(FakeTrace *f) {
    free(f->tr.scores);
    free(f->tr.att);
}

static void test_hand_made(void) {
    /* BOS a b c d e a b c d e: the second copy can be predicted by induction. */
    enum { T = 11, H = 4 };
    const int ids[T] = {99, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5};
    FakeTrace f;
    fake_init(&f, T, H, ids);
    CHECK(trace_att(&f.tr, 0, 2) == f.tr.att + 2 * T * T, "fake trace layout matches trace_att");
    for (int q = 0; q < T; q++) {
        float *a0 = trace_att(&f.tr, 0, 0) + q * T, *a1 = trace_att(&f.tr, 0, 1) + q * T;
        float *a2 = trace_att(&f.tr, 0, 2) + q * T, *a3 = trace_att(&f.tr, 0, 3) + q * T;
        a0[q ? q - 1 : 0] = 1;                                  /* previous token */
        for (int k = 0; k <= q; k++) a1[k] = 1.0f / (q + 1);   /* uniform */
        a2[0] = 1;                                              /* sink */
        a3[q >= 6 ? q - 4 : q] = 1;                             /* induction: q-5 is the earlier copy, +1 */
    }
    uint8_t delim[T] = {0};
    delim[5] = delim[10] = 1;
    Roles *r = roles_create(1, H);
    EngineError err;
    CHECK(roles_compute(&f.tr, delim, r, &err) == 0, "roles_compute");

    double b_prev = 0, b_first = 0, b_delim = 0, b_ent = 0, b_dist = 0;
    for (int q = 2; q < T; q++) b_prev += 1.0 / (q + 1);
    for (int q = 1; q < T; q++) {
        b_first += 1.0 / (q + 1);
        b_ent += log(q + 1.0);
        b_dist += q / 2.0;
    }
    int n_delim_q = 0;
    for (int q = 5; q < T; q++, n_delim_q++) b_delim += (q >= 10 ? 2.0 : 1.0) / (q + 1);
    CHECK(r->n_queries[ROLE_PREVIOUS] == T - 2 && r->n_queries[ROLE_FIRST] == T - 1, "query counts");
    CHECK(r->n_queries[ROLE_DELIMITER] == n_delim_q, "delimiter queries: those that see a delimiter");
    CHECK(r->n_queries[ROLE_INDUCTION] == 5 && r->n_queries[ROLE_DUPLICATE] == 5, "repeat queries: the second copy");
    CHECK_CLOSE(r->baseline[ROLE_PREVIOUS], b_prev / (T - 2), 1e-6, "previous baseline");
    CHECK_CLOSE(r->baseline[ROLE_FIRST], b_first / (T - 1), 1e-6, "first baseline");
    CHECK_CLOSE(r->baseline[ROLE_CURRENT], b_first / (T - 1), 1e-6, "current baseline");
    CHECK_CLOSE(r->baseline[ROLE_DELIMITER], b_delim / n_delim_q, 1e-6, "delimiter baseline");
    CHECK_CLOSE(r->baseline[ROLE_ENTROPY], b_ent / (T - 1), 1e-6, "entropy baseline");
    CHECK_CLOSE(r->baseline[ROLE_DISTANCE], b_dist / (T - 1), 1e-6, "distance baseline");

    CHECK_CLOSE(roles_score(r, ROLE_PREVIOUS, 0, 0), 1, 1e-6, "pure previous-token head scores 1");
    CHECK_CLOSE(roles_score(r, ROLE_DISTANCE, 0, 0), 1, 1e-6, "its mean distance is 1");
    CHECK_CLOSE(roles_score(r, ROLE_ENTROPY, 0, 0), 0, 1e-6, "one-hot rows have entropy 0");
    for (int k = 0; k < ROLE_N_METRICS; k++)
        CHECK_CLOSE(roles_score(r, (RoleKind)k, 0, 1), r->baseline[k], 1e-5,
                    "uniform head scores the uniform baseline on %s", roles_name((RoleKind)k));
    CHECK_CLOSE(roles_score(r, ROLE_FIRST, 0, 2), 1, 1e-6, "pure sink head scores 1");
    CHECK_CLOSE(roles_score(r, ROLE_INDUCTION, 0, 3), 1, 1e-6, "induction head scores 1");
    CHECK_CLOSE(roles_score(r, ROLE_DUPLICATE, 0, 3), 0, 1e-6, "induction is not duplicate-token");
    CHECK(roles_dominant(r, 0, 0) == ROLE_PREVIOUS && roles_dominant(r, 0, 2) == ROLE_FIRST &&
              roles_dominant(r, 0, 3) == ROLE_INDUCTION && roles_dominant(r, 0, 1) == -1,
          "dominant roles: prev, sink, induction; uniform has none");
    int bl = -1, bh = -1;
    CHECK(roles_best(r, ROLE_PREVIOUS, &bl, &bh) == 0 && bl == 0 && bh == 0, "best previous-token head");
    CHECK(roles_best(r, ROLE_INDUCTION, &bl, &bh) == 0 && bh == 3, "best induction head");
    CHECK(roles_best(r, ROLE_ENTROPY, &bl, &bh) == 0 && bh == 0, "sharpest head: the first one-hot one");
    CHECK(!strcmp(roles_name(ROLE_INDUCTION), "induction") && !strcmp(roles_short(ROLE_FIRST), "sink"), "names");
    roles_free(r);
    fake_free(&f);

    /* No repeated token: induction and duplicate are unmeasured (NAN), not 0.
     * Query 2 sees no key (all -inf, zero row, as forward_run leaves it): skipped. */
    const int ids2[4] = {7, 8, 9, 10};
    fake_init(&f, 4, 1, ids2);
    for (int q = 0; q < 4; q++) f.tr.att[q * 4 + q] = q == 2 ? 0.0f : 1.0f;
    for (int k = 0; k < 4; k++) f.tr.scores[2 * 4 + k] = -INFINITY;
    r = roles_create(1, 1);
    CHECK(roles_compute(&f.tr, delim, r, &err) == 0, "roles_compute");
    int l, h;
    CHECK(r->n_queries[ROLE_INDUCTION] == 0 && isnan(roles_score(r, ROLE_INDUCTION, 0, 0)) &&
              roles_best(r, ROLE_INDUCTION, &l, &h) == -1, "no repeats: induction unmeasured");
    CHECK(r->n_queries[ROLE_CURRENT] == 2 && r->n_queries[ROLE_ENTROPY] == 2, "a query that sees nothing is skipped");
    CHECK_CLOSE(roles_score(r, ROLE_CURRENT, 0, 0), 1, 1e-6, "diagonal head: current-token 1");
    roles_free(r);
    fake_free(&f);
}

static const char *jstr(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *v) { return cJSON_IsNumber(v) ? v->valuedouble : NAN; }

static void test_oracle_case(const cJSON *c) {
    const char *path = jstr(c, "model");
    Model *m = NULL;
    ModelLoadOptions lo = model_load_options_default();
    EngineError err = {{0}};
    if (model_load(&m, path, &lo, &err)) {
        CHECK(0, "load %s: %s", path, err.msg);
        return;
    }
    const cJSON *jids = cJSON_GetObjectItemCaseSensitive(c, "ids");
    const cJSON *jdel = cJSON_GetObjectItemCaseSensitive(c, "is_delim");
    int T = cJSON_GetArraySize(jids);
    int *ids = malloc((size_t)T * sizeof(int));
    uint8_t *delim = malloc((size_t)T);
    for (int i = 0; i < T; i++) {
        ids[i] = cJSON_GetArrayItem(jids, i)->valueint;
        delim[i] = (uint8_t)cJSON_GetArrayItem(jdel, i)->valueint;
    }
    RunOptions ro = run_options_default();
    const char *ablate = jstr(c, "ablate");
    int rc = run_options_parse_scale(&ro, jstr(c, "scale"), &err) || run_options_parse_mask(&ro, jstr(c, "mask"), &err) ||
             (ablate && *ablate && run_options_parse_ablate(&ro, ablate, &err));
    Trace *tr = trace_create(m, T);
    Roles *r = roles_create(m->config.n_layer, m->config.n_head);
    rc = rc || forward_run(m, ids, T, &ro, tr, &err) || roles_compute(tr, delim, r, &err);
    CHECK(rc == 0, "%s (%d tokens, mask %s): %s", path, T, jstr(c, "mask"), err.msg);
    if (rc == 0) {
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "expected");
        for (int k = 0; k < ROLE_N_METRICS; k++) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(exp, roles_name((RoleKind)k));
            CHECK(e != NULL, "expected %s", roles_name((RoleKind)k));
            if (!e) continue;
            CHECK(r->n_queries[k] == cJSON_GetObjectItemCaseSensitive(e, "n_queries")->valueint,
                  "%s %s mask %s: n_queries %d", path, roles_name((RoleKind)k), jstr(c, "mask"), r->n_queries[k]);
            CHECK_CLOSE(r->baseline[k], jnum(cJSON_GetObjectItemCaseSensitive(e, "baseline")), TOL,
                        "%s %s baseline", path, roles_name((RoleKind)k));
            double worst = 0;
            int bad = 0;
            const cJSON *rows = cJSON_GetObjectItemCaseSensitive(e, "scores");
            for (int l = 0; l < r->n_layer; l++)
                for (int h = 0; h < r->n_head; h++) {
                    double want = jnum(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, l), h));
                    double got = roles_score(r, (RoleKind)k, l, h);
                    if (!check_close(got, want, TOL)) bad++;
                    if (!isnan(want)) worst = fmax(worst, fabs(got - want));
                }
            CHECK(bad == 0, "%s %s mask %s ablate %s: %d heads differ, max |diff| %.3g", path,
                  roles_name((RoleKind)k), jstr(c, "mask"), ablate, bad, worst);
        }
    }
    roles_free(r);
    trace_free(tr);
    free(ids);
    free(delim);
    model_free(m);
}

static void test_delimiters(const cJSON *d) {
    Tokenizer *tok = NULL;
    EngineError err = {{0}};
    int rc;
    if (jstr(d, "vocab"))
        rc = tokenizer_load_gpt2(&tok, jstr(d, "vocab"), jstr(d, "merges"), &err);
    else
        rc = tokenizer_load_llama2c(&tok, jstr(d, "llama2c"), 0, &err);
    CHECK(rc == 0, "tokenizer: %s", err.msg);
    if (rc) return;
    int n = cJSON_GetObjectItemCaseSensitive(d, "n_vocab")->valueint;
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(d, "first_id");
    uint8_t *want = calloc((size_t)n, 1);
    const cJSON *id;
    cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(d, "delimiter_ids")) want[id->valueint] = 1;
    int bad = 0, n_delim = 0;
    for (int i = first ? first->valueint : 0; i < n; i++) {
        bool got = roles_token_is_delimiter(tok, i);
        n_delim += got;
        if (got != want[i]) {
            char label[64];
            tokenizer_token_label(tok, i, label, sizeof label);
            if (bad++ < 5) printf("delimiter mismatch: id %d '%s' C says %d\n", i, label, got);
        }
    }
    CHECK(bad == 0 && n_delim > 0, "delimiter rule on %d tokens: %d mismatches", n, bad);
    free(want);
    tokenizer_free(tok);
}

int main(void) {
    test_hand_made();
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char path[1100];
    snprintf(path, sizeof path, "%s/oracle/roles/manifest.json", build);
    size_t len;
    char *text = check_read_file(path, &len);
    CHECK(text != NULL, "%s missing: run /usr/bin/python3 tests/oracle/roles_oracle.py %s/oracle", path, build);
    if (!text) return check_summary();
    cJSON *man = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(man, "cases")) {
        test_oracle_case(c);
        n++;
    }
    CHECK(n >= 40, "oracle cases: %d", n);
    int nd = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(man, "delimiters")) {
        test_delimiters(c);
        nd++;
    }
    if (nd < 2) SKIP("stories260K delimiter reference absent (../shared)");
    cJSON_Delete(man);
    return check_summary();
}
