/* model_gpt2.c — a Hugging Face GPT-2 folder: config.json, model.safetensors
 * (names as in openai-community/gpt2, optionally "transformer."-prefixed;
 * Conv1D weights stored (in, out)), and its tokenizer.
 *
 * F32 tensors aligned in the file are used straight from the mapping; others
 * (F16, BF16, unaligned F32) are converted into one owned allocation. */
#include <math.h>
#include <string.h>

#include "model_internal.h"

static int gpt2__config(Model *m, const char *cfg_path, const cJSON *config, EngineError *err) {
    ModelConfig *c = &m->config;
    c->arch = ARCH_GPT2;
    if (model_config_int(config, cfg_path, "n_layer", &c->n_layer, err) ||
        model_config_int(config, cfg_path, "n_head", &c->n_head, err) ||
        model_config_int(config, cfg_path, "n_embd", &c->d_model, err) ||
        model_config_int(config, cfg_path, "vocab_size", &c->vocab_size, err))
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(config, "n_positions")) {
        if (model_config_int(config, cfg_path, "n_positions", &c->n_ctx, err)) return -1;
    } else if (model_config_int(config, cfg_path, "n_ctx", &c->n_ctx, err)) {
        return -1;
    }
    if (c->n_layer > MODEL_MAX_LAYERS)
        return engine_fail(err, "%s: n_layer %d is over attnscope's limit of %d; HINT: use a smaller model", cfg_path, c->n_layer, MODEL_MAX_LAYERS);
    if (c->n_head > MODEL_MAX_HEADS)
        return engine_fail(err, "%s: n_head %d is over attnscope's limit of %d; HINT: use a smaller model", cfg_path, c->n_head, MODEL_MAX_HEADS);
    if (c->d_model % c->n_head)
        return engine_fail(err, "%s: n_embd %d is not divisible by n_head %d; HINT: fix config.json", cfg_path, c->d_model, c->n_head);
    if (c->n_ctx > 4096)
        return engine_fail(err, "%s: n_positions %d is over attnscope's limit of 4096; HINT: use a smaller model", cfg_path, c->n_ctx);
    c->n_kv_head = c->n_head;
    c->d_head = c->d_model / c->n_head;
    c->d_ff = 4 * c->d_model;
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(config, "n_inner");
    if (inner && !cJSON_IsNull(inner) &&
        model_config_int(config, cfg_path, "n_inner", &c->d_ff, err))
        return -1;
    c->norm_eps = 1e-5f;
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(config, "layer_norm_epsilon");
    if (eps) {
        if (!cJSON_IsNumber(eps) || !(eps->valuedouble > 0) || eps->valuedouble > 1)
            return engine_fail(err, "%s: field layer_norm_epsilon must be a small positive number; HINT: GPT-2 uses 1e-5", cfg_path);
        c->norm_eps = (float)eps->valuedouble;
    }
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(config, "activation_function");
    if (act && (!cJSON_IsString(act) || (strcmp(act->valuestring, "gelu_new") &&
                                         strcmp(act->valuestring, "gelu_pytorch_tanh"))))
        return engine_fail(err, "%s: activation_function must be \"gelu_new\"; HINT: attnscope implements GPT-2's tanh-approximated GELU only", cfg_path);
    c->tied_classifier = true;
    return 0;
}

int model_gpt2_load_hf(Model *m, const char *dir, const cJSON *config, EngineError *err) {
    char cfg_path[1100], st_path[1100];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", dir);
    if (gpt2__config(m, cfg_path, config, err)) return -1;
    ModelConfig *c = &m->config;
    const int64_t D = c->d_model, F = c->d_ff;

    m->weights.layers = calloc((size_t)c->n_layer, sizeof(LayerWeights));
    if (!m->weights.layers) return engine_fail(err, "%s: out of memory", dir);

    /* Everything the forward pass reads, with the shape config.json implies. */
    int max_needs = 4 + 12 * c->n_layer, n_need = 0;
    TensorNeed *need = calloc((size_t)max_needs, sizeof *need);
    if (!need) return engine_fail(err, "%s: out of memory", dir);
    ModelWeights *w = &m->weights;
    model_need(need, &n_need, "wte.weight", c->vocab_size, D, &w->tok_emb);
    model_need(need, &n_need, "wpe.weight", c->n_ctx, D, &w->pos_emb);
    for (int l = 0; l < c->n_layer; l++) {
        LayerWeights *L = &w->layers[l];
        char n[96];
#define NEED(suffix, d0, d1, dst)                                              \
    snprintf(n, sizeof n, "h.%d.%s", l, suffix);                               \
    model_need(need, &n_need, n, d0, d1, dst)
        NEED("ln_1.weight", D, 0, &L->norm1_w);
        NEED("ln_1.bias", D, 0, &L->norm1_b);
        NEED("attn.c_attn.weight", D, 3 * D, &L->qkv.w);
        NEED("attn.c_attn.bias", 3 * D, 0, &L->qkv.b);
        NEED("attn.c_proj.weight", D, D, &L->wo.w);
        NEED("attn.c_proj.bias", D, 0, &L->wo.b);
        NEED("ln_2.weight", D, 0, &L->norm2_w);
        NEED("ln_2.bias", D, 0, &L->norm2_b);
        NEED("mlp.c_fc.weight", D, F, &L->fc.w);
        NEED("mlp.c_fc.bias", F, 0, &L->fc.b);
        NEED("mlp.c_proj.weight", F, D, &L->proj.w);
        NEED("mlp.c_proj.bias", D, 0, &L->proj.b);
#undef NEED
        L->qkv.n_in = (int)D; L->qkv.n_out = (int)(3 * D);
        L->wo.n_in = (int)D; L->wo.n_out = (int)D;
        L->fc.n_in = (int)D; L->fc.n_out = (int)F;
        L->proj.n_in = (int)F; L->proj.n_out = (int)D;
    }
    model_need(need, &n_need, "ln_f.weight", D, 0, &w->norm_f_w);
    model_need(need, &n_need, "ln_f.bias", D, 0, &w->norm_f_b);
    ENGINE_ASSERT(n_need <= max_needs);

    SafeTensors st;
    if (st_open(&st, st_path, err)) {
        free(need);
        return -1;
    }
    int rc = -1;
    if (model_bind_safetensors(m, &st, need, n_need, "transformer.",
                               "is this a GPT-2 checkpoint (GPT2LMHeadModel)?", err))
        goto done;
    w->classifier = w->tok_emb;
    if (model_load_hf_tokenizer(m, dir, err)) goto done;
    rc = 0;
done:
    free(need);
    st_close(&st);
    return rc;
}
