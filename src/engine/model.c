/* model.c — format dispatch, shared loader helpers, model_free. */
#include "model.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mapguard.h"
#include "model_internal.h"

ModelLoadOptions model_load_options_default(void) {
    ModelLoadOptions o = {.tokenizer_path = NULL};
    return o;
}

const char *model_arch_name(ModelArch arch) {
    return arch == ARCH_LLAMA ? "llama" : arch == ARCH_BERT ? "bert" : "gpt2";
}

int model_read_text_file(const char *path, char **out, size_t *out_len, EngineError *err) {
    return fileio_read_all(path, FILEIO_LIMIT_CONFIG, "restore config.json from the original checkpoint",
                           out, out_len, err);
}

int model_config_int(const cJSON *config, const char *path, const char *field, int *out,
                     EngineError *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(config, field);
    if (!v)
        return engine_fail(err, "%s: field %s is missing; HINT: config.json must come from the same checkpoint as the weights", path, field);
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 1e8 ||
        v->valuedouble != floor(v->valuedouble))
        return engine_fail(err, "%s: field %s must be a positive integer; HINT: fix config.json", path, field);
    *out = (int)v->valuedouble;
    return 0;
}

static bool model__exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

int model_load_hf_tokenizer(Model *m, const char *dir, EngineError *err) {
    char vocab[1100], merges[1100], tj[1100];
    snprintf(vocab, sizeof vocab, "%s/vocab.json", dir);
    snprintf(merges, sizeof merges, "%s/merges.txt", dir);
    snprintf(tj, sizeof tj, "%s/tokenizer.json", dir);
    if (model__exists(vocab) || model__exists(merges)) {
        if (tokenizer_load_gpt2(&m->tokenizer, vocab, merges, err)) return -1;
    } else if (model__exists(tj)) {
        if (tokenizer_load_hf_json(&m->tokenizer, tj, err)) return -1;
    } else {
        return engine_fail(err, "%s: no tokenizer (vocab.json + merges.txt, or tokenizer.json); HINT: copy the tokenizer files from the same checkpoint into the folder", dir);
    }
    if (tokenizer_vocab_size(m->tokenizer) > m->config.vocab_size)
        return engine_fail(err, "%s: the tokenizer has %d tokens but config.json vocab_size is %d; HINT: the tokenizer belongs to another model", dir, tokenizer_vocab_size(m->tokenizer), m->config.vocab_size);
    return 0;
}

long model_first_nonfinite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return (long)i;
    return -1;
}

void model_need(TensorNeed *needs, int *count, const char *name, int64_t d0, int64_t d1,
                const float **dst) {
    TensorNeed *x = &needs[(*count)++];
    snprintf(x->name, sizeof x->name, "%s", name);
    x->n_dims = d1 ? 2 : 1;
    x->shape[0] = d0;
    x->shape[1] = d1;
    x->dst = dst;
}

int model_bind_safetensors(Model *m, SafeTensors *st, const TensorNeed *needs, int n,
                           const char *alt_prefix, const char *missing_hint,
                           EngineError *err) {
    const StTensor **found = calloc((size_t)(n ? n : 1), sizeof *found);
    if (!found) return engine_fail(err, "%s: out of memory", st->path);
    int rc = -1;
    size_t owned_floats = 0;
    ModelConfig *c = &m->config;
    snprintf(c->dtype, sizeof c->dtype, "F32");
    for (int i = 0; i < n; i++) {
        const StTensor *t = st_find(st, needs[i].name);
        if (!t && alt_prefix) {
            char prefixed[160];
            snprintf(prefixed, sizeof prefixed, "%s%s", alt_prefix, needs[i].name);
            t = st_find(st, prefixed);
        }
        if (!t) {
            engine_fail(err, "%s: tensor %s is missing; HINT: %s", st->path, needs[i].name, missing_hint);
            goto done;
        }
        if (st_check_shape(st, t, needs[i].n_dims, needs[i].shape, err)) goto done;
        found[i] = t;
        if (!st_f32_in_place(st, t)) owned_floats += t->n_elems;
        if (t->dtype != ST_F32) snprintf(c->dtype, sizeof c->dtype, "%.7s", t->dtype_name);
    }
    if (owned_floats) {
        m->owned = malloc(owned_floats * sizeof(float));
        if (!m->owned) {
            engine_fail(err, "%s: out of memory converting %zu weights to f32", st->path, owned_floats);
            goto done;
        }
    }
    size_t cursor = 0;
    m->n_params = 0;
    for (int i = 0; i < n; i++) {
        const StTensor *t = found[i];
        const float *p = st_f32_in_place(st, t);
        if (!p) {
            float *dst = m->owned + cursor;
            if (st_read_f32(st, t, dst, err)) goto done;
            cursor += t->n_elems;
            p = dst;
        }
        long bad = model_first_nonfinite(p, t->n_elems);
        if (bad >= 0) {
            engine_fail(err, "%s: tensor %s holds %s at element %ld; HINT: the checkpoint is damaged, re-export it", st->path, t->name, isnan(p[bad]) ? "NaN" : "Inf", bad);
            goto done;
        }
        *needs[i].dst = p;
        m->n_params += t->n_elems;
    }
    /* In-place tensors point into the mapping: it now lives as long as m. */
    m->map = (void *)st->map;
    m->map_size = st->map_size;
    m->map_stamp = st->stamp;
    st->map = NULL;
    rc = 0;
done:
    free(found);
    return rc;
}

static void model__set_name(Model *m, const char *path) {
    snprintf(m->path, sizeof m->path, "%s", path);
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    size_t l = strlen(tmp);
    while (l > 1 && tmp[l - 1] == '/') tmp[--l] = 0;
    const char *base = strrchr(tmp, '/');
    base = base ? base + 1 : tmp;
    snprintf(m->name, sizeof m->name, "%.127s", base);
    char *dot = strrchr(m->name, '.');
    if (dot && !strcmp(dot, ".bin")) *dot = 0;
}

/* Reads the format path is in. Runs under a mapguard: validation scans the
 * mapped weights. */
static int model__load_any(Model *m, const char *path, bool is_dir, const ModelLoadOptions *opts,
                           EngineError *err) {
    int rc;
    if (is_dir) {
        char cfg_path[1100];
        snprintf(cfg_path, sizeof cfg_path, "%s/config.json", path);
        char *text = NULL;
        if (model_read_text_file(cfg_path, &text, NULL, err)) return -1;
        cJSON *config = cJSON_Parse(text);
        free(text);
        if (!config || !cJSON_IsObject(config)) {
            cJSON_Delete(config);
            return engine_fail(err, "%s: not valid JSON; HINT: restore config.json from the original checkpoint", cfg_path);
        }
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(config, "model_type");
        if (!cJSON_IsString(type)) {
            rc = engine_fail(err, "%s: field model_type is missing; HINT: attnscope reads model_type \"gpt2\", \"llama\" and \"bert\"", cfg_path);
        } else if (!strcmp(type->valuestring, "gpt2")) {
            rc = model_gpt2_load_hf(m, path, config, err);
        } else if (!strcmp(type->valuestring, "llama")) {
            rc = model_llama_load_hf(m, path, config, err);
        } else if (!strcmp(type->valuestring, "bert")) {
            rc = model_bert_load_hf(m, path, config, err);
        } else if (!strcmp(type->valuestring, "marian")) {
            rc = engine_fail(err, "%s: model_type \"marian\" is an encoder-decoder (translation) model; HINT: "
                             "use attnscope translate, dump, info or tokenize on it; generate, bench, export and "
                             "the window show decoder-only models", cfg_path);
        } else {
            rc = engine_fail(err, "%s: model_type \"%.40s\" is not supported; HINT: attnscope reads model_type \"gpt2\", \"llama\" and \"bert\"", cfg_path, type->valuestring);
        }
        cJSON_Delete(config);
    } else {
        rc = model_llama_load_llama2c(m, path, opts->tokenizer_path, err);
    }
    return rc;
}

/* model__load_any with a SIGBUS in the mapping turned into an error. Its own
 * frame, so nothing changes between sigsetjmp and the call. */
static int model__load_guarded(Model *m, const char *path, bool is_dir, const ModelLoadOptions *opts,
                               EngineError *err) {
    int rc;
    MAPGUARD_RUN(rc, err, model__load_any(m, path, is_dir, opts, err));
    return rc;
}

int model_load(Model **out, const char *path, const ModelLoadOptions *opts, EngineError *err) {
    *out = NULL;
    ModelLoadOptions defaults = model_load_options_default();
    if (!opts) opts = &defaults;
    struct stat sb;
    if (!path || !*path)
        return engine_fail(err, "model path is empty; HINT: pass --model DIR");
    if (stat(path, &sb) != 0)
        return engine_fail(err, "%s: no such file or folder; HINT: pass --model with a Hugging Face model folder or a llama2.c .bin", path);
    Model *m = calloc(1, sizeof *m);
    if (!m) return engine_fail(err, "%s: out of memory", path);
    model__set_name(m, path);
    if (model__load_guarded(m, path, S_ISDIR(sb.st_mode), opts, err)) {
        model_free(m);
        return -1;
    }
    ModelConfig *c = &m->config;
    ENGINE_ASSERT(c->n_layer >= 1 && c->n_layer <= MODEL_MAX_LAYERS);
    ENGINE_ASSERT(c->n_head >= 1 && c->n_head <= MODEL_MAX_HEADS);
    ENGINE_ASSERT(c->n_kv_head >= 1 && c->n_head % c->n_kv_head == 0);
    ENGINE_ASSERT(c->d_head * c->n_head == c->d_model || c->arch == ARCH_LLAMA);
    ENGINE_ASSERT(m->tokenizer != NULL);
    *out = m;
    return 0;
}

void model_free(Model *m) {
    if (!m) return;
    if (m->map) {
        mapguard_unregister(m->map);
        munmap(m->map, m->map_size);
    }
    free(m->owned);
    free(m->weights.layers);
    free(m->extra);
    tokenizer_free(m->tokenizer);
    free(m);
}

const char *model_default_path(char *buf, size_t cap) {
    const char *env = getenv("ATTNSCOPE_MODEL");
    if (env && *env) {
        snprintf(buf, cap, "%s", env);
        return buf;
    }
    if (model__exists(MODEL_DEFAULT_PATH "/config.json")) {
        snprintf(buf, cap, "%s", MODEL_DEFAULT_PATH);
        return buf;
    }
    /* Next to the executable: <repo>/build/attnscope -> <repo>/models/... */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        for (int up = 0; up < 2; up++) {
            char *slash = strrchr(exe, '/');
            if (!slash) break;
            *slash = 0;
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof cand, "%s/%s/config.json", exe, MODEL_DEFAULT_PATH);
            if (model__exists(cand)) {
                snprintf(buf, cap, "%s/%s", exe, MODEL_DEFAULT_PATH);
                return buf;
            }
        }
    }
    snprintf(buf, cap, "%s", MODEL_DEFAULT_PATH);
    return buf;
}

int model_check_files(const Model *m, EngineError *err) {
    return fileio_stamp_check(&m->map_stamp, err);
}
