/* test_marian_oracle.c — the Marian forward pass against the numpy oracle.
 *
 * tests/oracle/marian_oracle.py writes random MarianMTModel checkpoints (F32
 * and F16) in the Hugging Face layout and, for run options per attention
 * kind, the expected q, k, v, raw and scaled scores, softmax and head
 * outputs of encoder self-attention, decoder self-attention and
 * cross-attention, the logits and the greedy output. Every tensor must match
 * at |got - want| <= 1e-4 (1 + |want|) with no NaN; greedy ids exactly.
 * Then bad folders: a missing encoder_attn tensor, a wrong shape, an
 * unknown activation, a pre-LN config, an eos mismatch, a missing .spm, a
 * .spm that is not a ModelProto, a vocab.json disagreeing with the .spm, an
 * empty source.
 */
#include <cjson/cJSON.h>

#include "check.h"
#include "engine/marian.h"

#define TOL 1e-4

static const char *oracle_dir(void) {
    const char *b = getenv("BUILD");
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/oracle", b ? b : "build");
    return dir;
}

static double worst;
static int n_beam_cases;
static char worst_where[160];

/* Compares n floats of got with the case's tensor key (null = -inf). */
static void compare(const char *cs, const cJSON *c, const char *key, const float *got, size_t n) {
    const cJSON *t = cJSON_GetObjectItem(c, key);
    const cJSON *data = cJSON_GetObjectItem(t, "data");
    CHECK(cJSON_GetArraySize(data) == (int)n, "%s %s: %d expected values, %zu computed", cs, key,
          cJSON_GetArraySize(data), n);
    if (cJSON_GetArraySize(data) != (int)n) return;
    size_t bad = 0, i = 0, first = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, data) {
        double want = cJSON_IsNull(e) ? -INFINITY : e->valuedouble;
        double g = got[i];
        bool ok = !isnan(g) && (isinf(want) ? g == want : fabs(g - want) <= TOL * (1 + fabs(want)));
        if (!isinf(want) && !isnan(g)) {
            double rel = fabs(g - want) / (1 + fabs(want));
            if (rel > worst) {
                worst = rel;
                snprintf(worst_where, sizeof worst_where, "%s %s[%zu]", cs, key, i);
            }
        }
        if (!ok && bad++ == 0) first = i;
        i++;
    }
    CHECK(bad == 0, "%s %s: %zu of %zu values differ (first [%zu]: got %g)", cs, key, bad, n, first, got[first]);
}

static void compare_kind(const char *cs, const cJSON *c, const char *kind, const AttnTrace *a) {
    size_t LH = (size_t)a->n_layer * a->n_head, dh = (size_t)a->d_head;
    struct {
        const char *name;
        const float *p;
        size_t n;
    } items[] = {{"q", a->q, LH * a->nq * dh},          {"k", a->k, LH * a->nk * dh},
                 {"v", a->v, LH * a->nk * dh},          {"raw", a->raw, LH * a->nq * a->nk},
                 {"scores", a->scores, LH * a->nq * a->nk}, {"att", a->att, LH * a->nq * a->nk},
                 {"head_out", a->head_out, LH * a->nq * dh}};
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s_%s", kind, items[i].name);
        compare(cs, c, key, items[i].p, items[i].n);
    }
}

static int *int_array(const cJSON *arr, int *n) {
    *n = cJSON_GetArraySize(arr);
    int *a = malloc(((size_t)*n + 1) * sizeof *a);
    for (int i = 0; i < *n; i++) a[i] = cJSON_GetArrayItem(arr, i)->valueint;
    return a;
}

static int set_kind(RunOptions *ro, const cJSON *o, EngineError *err) {
    const char *ablate = cJSON_GetObjectItem(o, "ablate")->valuestring;
    return run_options_parse_scale(ro, cJSON_GetObjectItem(o, "scale")->valuestring, err) ||
           run_options_parse_mask(ro, cJSON_GetObjectItem(o, "mask")->valuestring, err) ||
           (*ablate && run_options_parse_ablate(ro, ablate, err));
}

static MarianModel *models[8];
static char model_names[8][64];
static int n_models;

static MarianModel *get_model(const char *name) {
    for (int i = 0; i < n_models; i++)
        if (!strcmp(model_names[i], name)) return models[i];
    char dir[600];
    snprintf(dir, sizeof dir, "%s/%s", oracle_dir(), name);
    EngineError err;
    MarianModel *mm = NULL;
    CHECK(marian_load(&mm, dir, &err) == 0, "load %s: %s", dir, err.msg);
    if (!mm) return NULL;
    snprintf(model_names[n_models], sizeof model_names[0], "%s", name);
    models[n_models++] = mm;
    return mm;
}

static void run_case(const char *file) {
    char path[700];
    snprintf(path, sizeof path, "%s/%s", oracle_dir(), file);
    char *text = check_read_file(path, NULL);
    cJSON *c = text ? cJSON_Parse(text) : NULL;
    free(text);
    CHECK(c != NULL, "read %s", path);
    if (!c) return;
    const char *cs = strrchr(file, '/') + 1;
    MarianModel *mm = get_model(cJSON_GetObjectItem(c, "model")->valuestring);
    if (!mm) goto done;
    int S, T, nm, ng;
    int *src = int_array(cJSON_GetObjectItem(c, "src"), &S), *tgt = int_array(cJSON_GetObjectItem(c, "tgt"), &T);
    int *masked = int_array(cJSON_GetObjectItem(c, "masked_src"), &nm);
    int *want_greedy = int_array(cJSON_GetObjectItem(c, "greedy"), &ng);
    MarianRunOptions ro = marian_run_options_default();
    const cJSON *opts = cJSON_GetObjectItem(c, "options");
    EngineError err;
    CHECK(!set_kind(&ro.enc, cJSON_GetObjectItem(opts, "enc"), &err) &&
              !set_kind(&ro.dec, cJSON_GetObjectItem(opts, "dec"), &err) &&
              !set_kind(&ro.cross, cJSON_GetObjectItem(opts, "cross"), &err), "%s: options: %s", cs, err.msg);
    for (int i = 0; i < nm; i++) marian_run_options_mask_source(&ro, masked[i], true);
    MarianTrace *tr = marian_trace_create(mm, S + 3, T + 2); /* spare room: indexing uses S, T */
    int rc = marian_forward(mm, src, S, tgt, T, &ro, tr, &err);
    CHECK(rc == 0, "%s: forward: %s", cs, err.msg);
    if (rc == 0) {
        compare_kind(cs, c, "enc", &tr->enc);
        compare_kind(cs, c, "dec", &tr->dec);
        compare_kind(cs, c, "cross", &tr->cross);
        compare(cs, c, "logits", tr->logits, (size_t)T * tr->vocab_size);
    }
    marian_trace_free(tr);
    int *got = NULL, n_got = 0;
    rc = marian_greedy(mm, src, S, cJSON_GetObjectItem(c, "max_new")->valueint, &ro, &got, &n_got, &err);
    bool same = rc == 0 && n_got == ng;
    for (int i = 0; same && i < ng; i++) same = got[i] == want_greedy[i];
    CHECK(same, "%s: greedy output differs (%d tokens, want %d) %s", cs, n_got, ng, rc ? err.msg : "");
    free(got);
    const cJSON *beam = cJSON_GetObjectItem(c, "beam");
    if (beam) {
        int nb;
        int *want_beam = int_array(beam, &nb);
        got = NULL;
        rc = marian_beam(mm, src, S, cJSON_GetObjectItem(c, "beam_max_new")->valueint,
                         cJSON_GetObjectItem(c, "beam_width")->valueint, &ro, &got, &n_got, &err);
        same = rc == 0 && n_got == nb;
        for (int i = 0; same && i < nb; i++) same = got[i] == want_beam[i];
        CHECK(same, "%s: beam output differs (%d tokens, want %d) %s", cs, n_got, nb, rc ? err.msg : "");
        n_beam_cases++;
        free(got);
        free(want_beam);
    }
    free(src);
    free(tgt);
    free(masked);
    free(want_greedy);
done:
    cJSON_Delete(c);
}

static void expect_bad(const char *name, const char *needle) {
    char dir[600];
    snprintf(dir, sizeof dir, "%s/marian_bad/%s", oracle_dir(), name);
    MarianModel *mm = NULL;
    EngineError err = {{0}};
    int rc = marian_load(&mm, dir, &err);
    CHECK(rc != 0 && !mm && strstr(err.msg, needle) && strstr(err.msg, "HINT:") && !strchr(err.msg, '\n'),
          "%s: want one line with '%s' and a HINT, got '%s'", name, needle, err.msg);
}

int main(void) {
    char index[600];
    snprintf(index, sizeof index, "%s/marian_cases.json", oracle_dir());
    char *text = check_read_file(index, NULL);
    if (!text) {
        SKIP("%s missing: run /usr/bin/python3 tests/oracle/marian_oracle.py %s first", index, oracle_dir());
        return check_summary();
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "cases")) run_case(e->valuestring);
    cJSON_Delete(root);
    printf("worst |got-want|/(1+|want|) = %.2g at %s (tolerance %g)\n", worst, worst_where, TOL);
    CHECK(n_beam_cases == 4, "beam search compared in 4 cases (%d)", n_beam_cases);

    expect_bad("missing_encoder_attn", "model.decoder.layers.1.encoder_attn.k_proj.weight");
    expect_bad("wrong_shape", "model.encoder.layers.0.fc1.weight");
    expect_bad("unknown_activation", "activation_function \"mish\"");
    expect_bad("pre_ln", "normalize_before");
    expect_bad("eos_mismatch", "eos_token_id");
    expect_bad("no_such_model", "config.json");
    expect_bad("missing_spm", "source.spm");
    expect_bad("spm_not_modelproto", "target.spm: not a SentencePiece model");
    expect_bad("vocab_disagrees", "piece \"\xE2\x96\x81" "de\"");

    MarianModel *mm = n_models ? models[0] : NULL;
    if (mm) {
        int *ids = NULL, n = 0;
        EngineError err;
        CHECK(marian_encode_source(mm, "", 0, &ids, &n, &err) != 0 && strstr(err.msg, "empty") &&
                  strstr(err.msg, "HINT:"), "empty source: %s", err.msg);
        CHECK(marian_encode_source(mm, "   \t ", 5, &ids, &n, &err) != 0 && strstr(err.msg, "empty"),
              "all-space source: %s", err.msg);
        CHECK(marian_encode_source(mm, "Y fué así", strlen("Y fué así"), &ids, &n, &err) == 0 && n >= 3 &&
                  ids[n - 1] == mm->config.eos_id, "a sentence encodes, with </s> last: %s", err.msg);
        free(ids);
        int bad_src[2] = {mm->config.vocab_size, 0};
        int *out = NULL, n_out = 0;
        MarianRunOptions ro = marian_run_options_default();
        CHECK(marian_greedy(mm, bad_src, 2, 4, &ro, &out, &n_out, &err) != 0 && strstr(err.msg, "outside"),
              "an id outside the vocabulary: %s", err.msg);
    }
    for (int i = 0; i < n_models; i++) marian_free(models[i]);
    return check_summary();
}
