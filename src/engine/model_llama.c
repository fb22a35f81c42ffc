/* model_llama.c — Llama-family checkpoints (RMSNorm, RoPE, SwiGLU,
 * grouped-query attention), in two formats:
 *
 *   - llama2.c legacy .bin (export.py --version 0): 7 int32 header
 *       (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
 *       a negative vocab_size means a separate classifier), then float32
 *       tensors in llama2.c's order, all projections (out, in):
 *         token_embedding (vocab, dim)   rms_att (layer, dim)
 *         wq (layer, dim, dim)            wk, wv (layer, kv_dim, dim)
 *         wo (layer, dim, dim)            rms_ffn (layer, dim)
 *         w1 (layer, hidden, dim)         w2 (layer, dim, hidden)
 *         w3 (layer, hidden, dim)         rms_final (dim)
 *         freq_cis_real, freq_cis_imag (seq_len, head_size / 2)  [unused]
 *         wcls (vocab, dim)               only when vocab_size < 0
 *     The header is validated and the file size compared with the exact size
 *     it implies before the mapping is touched. RoPE pairs are interleaved
 *     (2i, 2i+1), theta 10000, RMSNorm eps 1e-5, as llama2.c's run.c.
 *     The tokenizer is --tokenizer, else tokenizer.bin beside the .bin, else
 *     the first tok*.bin there (alphabetically).
 *
 *   - Hugging Face folder, config.json model_type "llama", one
 *     model.safetensors (F32/F16/BF16) with model.embed_tokens.weight,
 *     model.layers.{i}.{input_layernorm, self_attn.{q,k,v,o}_proj,
 *     post_attention_layernorm, mlp.{gate,up,down}_proj}.weight,
 *     model.norm.weight and lm_head.weight (absent when tied). HF stores q/k
 *     permuted for rotate_half RoPE, so rope_interleaved is false and q/k in
 *     the trace live in that permuted basis; attention is the same.
 *
 * Both keep the weights in the read-only mapping where they are aligned f32
 * and convert the rest into one owned allocation. n_ctx is capped at
 * RUN_MAX_KEYS: RoPE has no position table, so a longer trained context
 * only limits how much text one trace can hold.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forward.h"
#include "mapguard.h"
#include "model_internal.h"

#define LLAMA2C_HEADER_BYTES 28
#define LLAMA2C_MAGIC_AK42 0x616b3432u /* "ak42": llama2.c export version >= 1 */

static void llama__linear(Linear *lin, const float *w, int n_in, int n_out) {
    lin->w = w;
    lin->b = NULL;
    lin->n_in = n_in;
    lin->n_out = n_out;
    lin->out_major = true;
}

/* Fills the shape-dependent config fields shared by both formats. */
static void llama__config(ModelConfig *c, int n_layer, int n_head, int n_kv_head,
                          int d_model, int d_head, int d_ff, int n_ctx, int vocab) {
    c->arch = ARCH_LLAMA;
    c->n_layer = n_layer;
    c->n_head = n_head;
    c->n_kv_head = n_kv_head;
    c->d_model = d_model;
    c->d_head = d_head;
    c->d_ff = d_ff;
    c->n_ctx = n_ctx < RUN_MAX_KEYS ? n_ctx : RUN_MAX_KEYS;
    c->vocab_size = vocab;
}

/* ------------------------------------------------------------------------- */
/* llama2.c legacy .bin                                                       */

typedef struct {
    const char *name;  /* llama2.c's name, for messages */
    size_t per_layer;  /* floats per layer, or the whole tensor when layers == 0 */
    int layers;        /* 0: not stacked per layer */
    const float *data; /* set while walking the mapping */
} L2cTensor;

static int llama__check_header(const char *path, const int32_t h[7], EngineError *err) {
    static const char *names[7] = {"dim", "hidden_dim", "n_layers", "n_heads",
                                   "n_kv_heads", "vocab_size", "seq_len"};
    if ((uint32_t)h[0] == LLAMA2C_MAGIC_AK42)
        return engine_fail(err, "%s: this is a llama2.c version %d export (magic \"ak42\"), not the legacy format; HINT: re-export it with `python export.py --version 0`", path, h[1]);
    static const int64_t max[7] = {65536, 1 << 20, MODEL_MAX_LAYERS, MODEL_MAX_HEADS,
                                   MODEL_MAX_HEADS, 1 << 22, 1 << 24};
    for (int i = 0; i < 7; i++) {
        int64_t v = h[i];
        if (i == 5 && v < 0) v = -v;
        if (v < 1 || v > max[i])
            return engine_fail(err, "%s: header field %s = %d is out of range (1..%lld); HINT: this is not a llama2.c legacy checkpoint, or it is damaged", path, names[i], h[i], (long long)max[i]);
    }
    if (h[0] % h[3])
        return engine_fail(err, "%s: header field n_heads = %d does not divide dim = %d; HINT: this is not a llama2.c legacy checkpoint, or it is damaged", path, h[3], h[0]);
    if ((h[0] / h[3]) % 2)
        return engine_fail(err, "%s: head size dim / n_heads = %d is odd, RoPE needs it even; HINT: this is not a llama2.c legacy checkpoint, or it is damaged", path, h[0] / h[3]);
    if (h[4] > h[3] || h[3] % h[4])
        return engine_fail(err, "%s: header field n_kv_heads = %d does not divide n_heads = %d; HINT: this is not a llama2.c legacy checkpoint, or it is damaged", path, h[4], h[3]);
    return 0;
}

/* The tokenizer for bin_path: tokenizer.bin beside it, else the first
 * tok*.bin there (never the model file itself). */
static int llama__find_tokenizer(const char *bin_path, char *out, size_t cap, EngineError *err) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", bin_path);
    char *slash = strrchr(dir, '/');
    const char *base_slash = strrchr(bin_path, '/');
    const char *base = base_slash ? base_slash + 1 : bin_path;
    if (slash) {
        slash[slash == dir ? 1 : 0] = 0;
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    struct stat sb;
    snprintf(out, cap, "%s/tokenizer.bin", dir);
    if (stat(out, &sb) == 0 && S_ISREG(sb.st_mode)) return 0;
    DIR *d = opendir(dir);
    if (!d)
        return engine_fail(err, "%s: cannot list the folder to find tokenizer.bin: %s; HINT: pass --tokenizer FILE", dir, strerror(errno));
    char best[256] = "";
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strncmp(e->d_name, "tok", 3) || strcmp(e->d_name + n - 4, ".bin") ||
            !strcmp(e->d_name, base) || n >= sizeof best)
            continue;
        if (!best[0] || strcmp(e->d_name, best) < 0) snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (!best[0])
        return engine_fail(err, "%s: no tokenizer.bin or tok*.bin beside the model; HINT: pass --tokenizer FILE (llama2.c's tokenizer.bin for this model)", bin_path);
    snprintf(out, cap, "%s/%s", dir, best);
    return 0;
}

int model_llama_load_llama2c(Model *m, const char *bin_path, const char *tokenizer_path,
                             EngineError *err) {
    FileStamp stamp;
    int fd = fileio_open_regular(bin_path, "pass --model with a llama2.c .bin or a Hugging Face folder", &stamp, err);
    if (fd < 0) return -1;
    size_t file_size = (size_t)stamp.size;
    int32_t h[7];
    if (file_size < LLAMA2C_HEADER_BYTES ||
        pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) {
        close(fd);
        return engine_fail(err, "%s: %zu bytes, shorter than the 28-byte llama2.c header; HINT: the file is truncated or not a llama2.c checkpoint", bin_path, file_size);
    }
    if (llama__check_header(bin_path, h, err)) {
        close(fd);
        return -1;
    }
    const int dim = h[0], hidden = h[1], n_layers = h[2], n_heads = h[3], n_kv = h[4];
    const bool shared = h[5] > 0;
    const int vocab = shared ? h[5] : -h[5], seq_len = h[6];
    const int head_size = dim / n_heads, kv_dim = n_kv * head_size;
    const size_t D = (size_t)dim, F = (size_t)hidden, V = (size_t)vocab, KVD = (size_t)kv_dim;

    /* llama2.c's order; sizes in 64-bit arithmetic from validated fields. */
    enum { T_EMB, T_RMS_ATT, T_WQ, T_WK, T_WV, T_WO, T_RMS_FFN, T_W1, T_W2, T_W3,
           T_RMS_FINAL, T_FREQ_RE, T_FREQ_IM, T_WCLS, T_COUNT };
    L2cTensor t[T_COUNT] = {
        [T_EMB] = {"token_embedding", V * D, 0, NULL},
        [T_RMS_ATT] = {"rms_att_weight", D, n_layers, NULL},
        [T_WQ] = {"wq", D * D, n_layers, NULL},
        [T_WK] = {"wk", KVD * D, n_layers, NULL},
        [T_WV] = {"wv", KVD * D, n_layers, NULL},
        [T_WO] = {"wo", D * D, n_layers, NULL},
        [T_RMS_FFN] = {"rms_ffn_weight", D, n_layers, NULL},
        [T_W1] = {"w1", F * D, n_layers, NULL},
        [T_W2] = {"w2", D * F, n_layers, NULL},
        [T_W3] = {"w3", F * D, n_layers, NULL},
        [T_RMS_FINAL] = {"rms_final_weight", D, 0, NULL},
        [T_FREQ_RE] = {"freq_cis_real", (size_t)seq_len * (size_t)(head_size / 2), 0, NULL},
        [T_FREQ_IM] = {"freq_cis_imag", (size_t)seq_len * (size_t)(head_size / 2), 0, NULL},
        [T_WCLS] = {"wcls", shared ? 0 : V * D, 0, NULL},
    };
    size_t n_floats = 0;
    for (int i = 0; i < T_COUNT; i++)
        n_floats += t[i].per_layer * (size_t)(t[i].layers ? t[i].layers : 1);
    size_t expect = LLAMA2C_HEADER_BYTES + n_floats * sizeof(float);
    if (file_size < expect) {
        close(fd);
        return engine_fail(err, "%s: truncated: the header (dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d) implies %zu bytes but the file has %zu; HINT: the download was cut short, fetch the file again", bin_path, h[0], h[1], h[2], h[3], h[4], h[5], h[6], expect, file_size);
    }
    if (file_size > expect) {
        close(fd);
        return engine_fail(err, "%s: %zu bytes but the header (dim %d, hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d) implies exactly %zu; HINT: not a llama2.c legacy (version 0) checkpoint; re-export with `python export.py --version 0`", bin_path, file_size, h[0], h[1], h[2], h[3], h[4], h[5], h[6], expect);
    }
    void *map = mmap(NULL, file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return engine_fail(err, "%s: cannot map %zu bytes: %s; HINT: free some memory", bin_path, file_size, strerror(errno));
    m->map = map;
    m->map_size = file_size;
    m->map_stamp = stamp;
    mapguard_register(map, file_size, bin_path);

    const float *cursor = (const float *)((const char *)map + LLAMA2C_HEADER_BYTES);
    m->n_params = 0;
    for (int i = 0; i < T_COUNT; i++) {
        size_t n = t[i].per_layer * (size_t)(t[i].layers ? t[i].layers : 1);
        t[i].data = cursor;
        cursor += n;
        if (i == T_FREQ_RE || i == T_FREQ_IM) continue;
        long bad = model_first_nonfinite(t[i].data, n);
        if (bad >= 0) {
            if (t[i].layers)
                return engine_fail(err, "%s: tensor %s (layer %zu) holds %s; HINT: the checkpoint is damaged, re-export it", bin_path, t[i].name, (size_t)bad / t[i].per_layer, isnan(t[i].data[bad]) ? "NaN" : "Inf");
            return engine_fail(err, "%s: tensor %s holds %s at element %ld; HINT: the checkpoint is damaged, re-export it", bin_path, t[i].name, isnan(t[i].data[bad]) ? "NaN" : "Inf", bad);
        }
        m->n_params += n;
    }
    ENGINE_ASSERT((const char *)cursor == (const char *)map + file_size);

    ModelConfig *c = &m->config;
    llama__config(c, n_layers, n_heads, n_kv, dim, head_size, hidden, seq_len, vocab);
    c->norm_eps = 1e-5f;
    c->rope_theta = 10000.0f;
    c->rope_interleaved = true;
    c->tied_classifier = shared;
    snprintf(c->dtype, sizeof c->dtype, "F32");

    ModelWeights *w = &m->weights;
    w->layers = calloc((size_t)n_layers, sizeof *w->layers);
    if (!w->layers) return engine_fail(err, "%s: out of memory", bin_path);
    w->tok_emb = t[T_EMB].data;
    w->pos_emb = NULL;
    for (int l = 0; l < n_layers; l++) {
        LayerWeights *L = &w->layers[l];
        size_t li = (size_t)l;
        L->norm1_w = t[T_RMS_ATT].data + li * t[T_RMS_ATT].per_layer;
        llama__linear(&L->wq, t[T_WQ].data + li * t[T_WQ].per_layer, dim, dim);
        llama__linear(&L->wk, t[T_WK].data + li * t[T_WK].per_layer, dim, kv_dim);
        llama__linear(&L->wv, t[T_WV].data + li * t[T_WV].per_layer, dim, kv_dim);
        llama__linear(&L->wo, t[T_WO].data + li * t[T_WO].per_layer, dim, dim);
        L->norm2_w = t[T_RMS_FFN].data + li * t[T_RMS_FFN].per_layer;
        llama__linear(&L->w1, t[T_W1].data + li * t[T_W1].per_layer, dim, hidden);
        llama__linear(&L->w2, t[T_W2].data + li * t[T_W2].per_layer, hidden, dim);
        llama__linear(&L->w3, t[T_W3].data + li * t[T_W3].per_layer, dim, hidden);
    }
    w->norm_f_w = t[T_RMS_FINAL].data;
    w->norm_f_b = NULL;
    w->classifier = shared ? w->tok_emb : t[T_WCLS].data;

    char tok_found[1100];
    if (!tokenizer_path) {
        if (llama__find_tokenizer(bin_path, tok_found, sizeof tok_found, err)) return -1;
        tokenizer_path = tok_found;
    }
    return tokenizer_load_llama2c(&m->tokenizer, tokenizer_path, vocab, err);
}

/* ------------------------------------------------------------------------- */
/* Hugging Face folder                                                        */

/* An optional positive number field; *out keeps its default when absent. */
static int llama__config_float(const cJSON *config, const char *path, const char *field,
                               float *out, EngineError *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(config, field);
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !isfinite(v->valuedouble))
        return engine_fail(err, "%s: field %s must be a positive number; HINT: fix config.json", path, field);
    *out = (float)v->valuedouble;
    return 0;
}

static bool llama__config_true(const cJSON *config, const char *field) {
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(config, field));
}

static int llama__hf_config(Model *m, const char *cfg_path, const cJSON *config,
                            EngineError *err) {
    int n_layer, n_head, n_kv, d_model, d_ff, n_ctx, vocab, d_head;
    if (model_config_int(config, cfg_path, "hidden_size", &d_model, err) ||
        model_config_int(config, cfg_path, "intermediate_size", &d_ff, err) ||
        model_config_int(config, cfg_path, "num_hidden_layers", &n_layer, err) ||
        model_config_int(config, cfg_path, "num_attention_heads", &n_head, err) ||
        model_config_int(config, cfg_path, "max_position_embeddings", &n_ctx, err) ||
        model_config_int(config, cfg_path, "vocab_size", &vocab, err))
        return -1;
    n_kv = n_head;
    if (cJSON_GetObjectItemCaseSensitive(config, "num_key_value_heads") &&
        model_config_int(config, cfg_path, "num_key_value_heads", &n_kv, err))
        return -1;
    if (n_layer > MODEL_MAX_LAYERS)
        return engine_fail(err, "%s: num_hidden_layers %d is over attnscope's limit of %d; HINT: use a smaller model", cfg_path, n_layer, MODEL_MAX_LAYERS);
    if (n_head > MODEL_MAX_HEADS)
        return engine_fail(err, "%s: num_attention_heads %d is over attnscope's limit of %d; HINT: use a smaller model", cfg_path, n_head, MODEL_MAX_HEADS);
    if (n_kv > n_head || n_head % n_kv)
        return engine_fail(err, "%s: num_key_value_heads %d does not divide num_attention_heads %d; HINT: fix config.json", cfg_path, n_kv, n_head);
    const cJSON *hd = cJSON_GetObjectItemCaseSensitive(config, "head_dim");
    if (hd && !cJSON_IsNull(hd)) {
        if (model_config_int(config, cfg_path, "head_dim", &d_head, err)) return -1;
    } else {
        if (d_model % n_head)
            return engine_fail(err, "%s: hidden_size %d is not divisible by num_attention_heads %d; HINT: fix config.json or give head_dim", cfg_path, d_model, n_head);
        d_head = d_model / n_head;
    }
    if (d_head % 2)
        return engine_fail(err, "%s: head size %d is odd, RoPE needs it even; HINT: fix config.json", cfg_path, d_head);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(config, "hidden_act");
    if (act && (!cJSON_IsString(act) || strcmp(act->valuestring, "silu")))
        return engine_fail(err, "%s: hidden_act must be \"silu\"; HINT: attnscope implements Llama's SwiGLU MLP only", cfg_path);
    const cJSON *scaling = cJSON_GetObjectItemCaseSensitive(config, "rope_scaling");
    if (scaling && !cJSON_IsNull(scaling))
        return engine_fail(err, "%s: rope_scaling is set; HINT: attnscope implements plain RoPE only, set \"rope_scaling\": null only if the model was trained without it", cfg_path);
    if (llama__config_true(config, "attention_bias") || llama__config_true(config, "mlp_bias"))
        return engine_fail(err, "%s: attention_bias/mlp_bias is true; HINT: attnscope reads bias-free Llama projections only", cfg_path);

    ModelConfig *c = &m->config;
    llama__config(c, n_layer, n_head, n_kv, d_model, d_head, d_ff, n_ctx, vocab);
    c->norm_eps = 1e-6f; /* LlamaConfig's default */
    c->rope_theta = 10000.0f;
    if (llama__config_float(config, cfg_path, "rms_norm_eps", &c->norm_eps, err) ||
        llama__config_float(config, cfg_path, "rope_theta", &c->rope_theta, err))
        return -1;
    c->rope_interleaved = false;
    c->tied_classifier = llama__config_true(config, "tie_word_embeddings");
    return 0;
}

int model_llama_load_hf(Model *m, const char *dir, const cJSON *config, EngineError *err) {
    char cfg_path[1100], st_path[1100];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", dir);
    if (llama__hf_config(m, cfg_path, config, err)) return -1;
    ModelConfig *c = &m->config;
    const int64_t D = c->d_model, F = c->d_ff, QD = (int64_t)c->n_head * c->d_head,
                  KVD = (int64_t)c->n_kv_head * c->d_head;

    struct stat sb;
    if (stat(st_path, &sb) != 0) {
        char idx[1200];
        snprintf(idx, sizeof idx, "%s.index.json", st_path);
        if (stat(idx, &sb) == 0)
            return engine_fail(err, "%s: sharded checkpoints are not supported; HINT: merge the shards into one model.safetensors", idx);
        return engine_fail(err, "%s: missing; HINT: attnscope reads weights from model.safetensors (save with safe_serialization=True)", st_path);
    }

    ModelWeights *w = &m->weights;
    w->layers = calloc((size_t)c->n_layer, sizeof *w->layers);
    if (!w->layers) return engine_fail(err, "%s: out of memory", dir);
    int max_needs = 4 + 9 * c->n_layer, n_need = 0;
    TensorNeed *need = calloc((size_t)max_needs, sizeof *need);
    if (!need) return engine_fail(err, "%s: out of memory", dir);
    model_need(need, &n_need, "model.embed_tokens.weight", c->vocab_size, D, &w->tok_emb);
    for (int l = 0; l < c->n_layer; l++) {
        LayerWeights *L = &w->layers[l];
        char n[96];
#define NEED(suffix, d0, d1, dst)                                              \
    snprintf(n, sizeof n, "model.layers.%d.%s", l, suffix);                    \
    model_need(need, &n_need, n, d0, d1, dst)
        NEED("input_layernorm.weight", D, 0, &L->norm1_w);
        NEED("self_attn.q_proj.weight", QD, D, &L->wq.w);
        NEED("self_attn.k_proj.weight", KVD, D, &L->wk.w);
        NEED("self_attn.v_proj.weight", KVD, D, &L->wv.w);
        NEED("self_attn.o_proj.weight", D, QD, &L->wo.w);
        NEED("post_attention_layernorm.weight", D, 0, &L->norm2_w);
        NEED("mlp.gate_proj.weight", F, D, &L->w1.w);
        NEED("mlp.up_proj.weight", F, D, &L->w3.w);
        NEED("mlp.down_proj.weight", D, F, &L->w2.w);
#undef NEED
    }
    model_need(need, &n_need, "model.norm.weight", D, 0, &w->norm_f_w);
    if (!c->tied_classifier)
        model_need(need, &n_need, "lm_head.weight", c->vocab_size, D, &w->classifier);
    ENGINE_ASSERT(n_need <= max_needs);

    SafeTensors st;
    if (st_open(&st, st_path, err)) {
        free(need);
        return -1;
    }
    int rc = -1;
    if (!c->tied_classifier && !st_find(&st, "lm_head.weight")) {
        engine_fail(err, "%s: tensor lm_head.weight is missing and config.json has tie_word_embeddings false; HINT: set \"tie_word_embeddings\": true if the classifier is the embedding", st_path);
        goto done;
    }
    if (model_bind_safetensors(m, &st, need, n_need, NULL,
                               "is this a Llama checkpoint (LlamaForCausalLM) saved whole?", err))
        goto done;
    if (c->tied_classifier) w->classifier = w->tok_emb;
    w->pos_emb = NULL;
    w->norm_f_b = NULL;
    for (int l = 0; l < c->n_layer; l++) {
        LayerWeights *L = &w->layers[l];
        llama__linear(&L->wq, L->wq.w, (int)D, (int)QD);
        llama__linear(&L->wk, L->wk.w, (int)D, (int)KVD);
        llama__linear(&L->wv, L->wv.w, (int)D, (int)KVD);
        llama__linear(&L->wo, L->wo.w, (int)QD, (int)D);
        llama__linear(&L->w1, L->w1.w, (int)D, (int)F);
        llama__linear(&L->w3, L->w3.w, (int)D, (int)F);
        llama__linear(&L->w2, L->w2.w, (int)F, (int)D);
    }
    if (model_load_hf_tokenizer(m, dir, err)) goto done;
    rc = 0;
done:
    free(need);
    st_close(&st);
    return rc;
}
