/* model_marian.c — loads a Hugging Face Marian folder (see marian.h).
 *
 * Tensor names (MarianMTModel), nn.Linear weights stored (out, in):
 *   model.shared.weight                              (vocab, d_model)
 *   model.encoder.layers.{i}.self_attn.{q,k,v,out}_proj.{weight,bias}
 *   model.encoder.layers.{i}.self_attn_layer_norm.{weight,bias}
 *   model.encoder.layers.{i}.fc1.{weight,bias}       (ffn, d_model)
 *   model.encoder.layers.{i}.fc2.{weight,bias}       (d_model, ffn)
 *   model.encoder.layers.{i}.final_layer_norm.{weight,bias}
 *   model.decoder.layers.{i}.: the same, plus encoder_attn.{q,k,v,out}_proj.*
 *                              and encoder_attn_layer_norm.*
 *   final_logits_bias                                (1, vocab)
 * lm_head.weight and model.{encoder,decoder}.embed_tokens.weight are tied to
 * model.shared.weight; embed_positions are not read: the sinusoids are made
 * here, as MarianSinusoidalPositionalEmbedding does (float64, then f32):
 *   pos[p][i]         = sin(p / 10000^(2i/d))   i < ceil(d/2)
 *   pos[p][ceil(d/2)+i] = cos(p / 10000^(2i/d))
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "marian.h"
#include "model_internal.h"

static const char MARIAN_HINT[] = "config.json must come from a MarianMTModel checkpoint (transformers' "
                                  "MarianConfig)";

/* A required integer field >= lo. */
static int marian__int(const cJSON *cfg, const char *path, const char *field, int lo, int *out, EngineError *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, field);
    if (!v) return engine_fail(err, "%s: field %s is missing; HINT: %s", path, field, MARIAN_HINT);
    if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > 1e8 || v->valuedouble != floor(v->valuedouble))
        return engine_fail(err, "%s: field %s must be an integer >= %d; HINT: fix config.json", path, field, lo);
    *out = (int)v->valuedouble;
    return 0;
}

static int marian__config(MarianConfig *c, const char *path, const cJSON *cfg, EngineError *err) {
    if (marian__int(cfg, path, "d_model", 1, &c->d_model, err) ||
        marian__int(cfg, path, "encoder_layers", 1, &c->n_enc_layer, err) ||
        marian__int(cfg, path, "decoder_layers", 1, &c->n_dec_layer, err) ||
        marian__int(cfg, path, "encoder_attention_heads", 1, &c->n_enc_head, err) ||
        marian__int(cfg, path, "decoder_attention_heads", 1, &c->n_dec_head, err) ||
        marian__int(cfg, path, "encoder_ffn_dim", 1, &c->d_ff_enc, err) ||
        marian__int(cfg, path, "decoder_ffn_dim", 1, &c->d_ff_dec, err) ||
        marian__int(cfg, path, "max_position_embeddings", 1, &c->n_ctx, err) ||
        marian__int(cfg, path, "vocab_size", 1, &c->vocab_size, err) ||
        marian__int(cfg, path, "pad_token_id", 0, &c->pad_id, err) ||
        marian__int(cfg, path, "eos_token_id", 0, &c->eos_id, err))
        return -1;
    c->decoder_start_id = c->pad_id;
    if (cJSON_GetObjectItemCaseSensitive(cfg, "decoder_start_token_id") &&
        marian__int(cfg, path, "decoder_start_token_id", 0, &c->decoder_start_id, err))
        return -1;
    if (c->pad_id >= c->vocab_size || c->eos_id >= c->vocab_size || c->decoder_start_id >= c->vocab_size)
        return engine_fail(err, "%s: pad/eos/decoder_start_token_id must be below vocab_size %d; HINT: fix "
                           "config.json", path, c->vocab_size);
    int layers = c->n_enc_layer > c->n_dec_layer ? c->n_enc_layer : c->n_dec_layer;
    int heads = c->n_enc_head > c->n_dec_head ? c->n_enc_head : c->n_dec_head;
    if (layers > MODEL_MAX_LAYERS || heads > MODEL_MAX_HEADS)
        return engine_fail(err, "%s: %d layers / %d heads is over attnscope's limit of %d / %d; HINT: use a "
                           "smaller model", path, layers, heads, MODEL_MAX_LAYERS, MODEL_MAX_HEADS);
    if (c->d_model % c->n_enc_head || c->d_model % c->n_dec_head)
        return engine_fail(err, "%s: d_model %d is not divisible by the attention heads (%d, %d); HINT: fix "
                           "config.json", path, c->d_model, c->n_enc_head, c->n_dec_head);
    if (c->n_ctx > RUN_MAX_KEYS)
        return engine_fail(err, "%s: max_position_embeddings %d is over attnscope's limit of %d; HINT: use a "
                           "smaller model", path, c->n_ctx, RUN_MAX_KEYS);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(cfg, "activation_function");
    const char *a = cJSON_IsString(act) ? act->valuestring : act ? "(not a string)" : "swish";
    if (!strcmp(a, "swish") || !strcmp(a, "silu")) c->act = MARIAN_ACT_SWISH;
    else if (!strcmp(a, "gelu")) c->act = MARIAN_ACT_GELU;
    else if (!strcmp(a, "relu")) c->act = MARIAN_ACT_RELU;
    else
        return engine_fail(err, "%s: activation_function \"%.40s\" is not supported; HINT: attnscope runs "
                           "Marian models with \"swish\", \"gelu\" or \"relu\"", path, a);
    const cJSON *se = cJSON_GetObjectItemCaseSensitive(cfg, "scale_embedding");
    c->scale_embedding = se ? cJSON_IsTrue(se) : false;
    const cJSON *nb = cJSON_GetObjectItemCaseSensitive(cfg, "normalize_before");
    if (cJSON_IsTrue(nb))
        return engine_fail(err, "%s: normalize_before is true (pre-LN); HINT: Marian blocks are post-LN, "
                           "normalize_before must be false", path);
    const cJSON *dv = cJSON_GetObjectItemCaseSensitive(cfg, "decoder_vocab_size");
    if (cJSON_IsNumber(dv) && (int)dv->valuedouble != c->vocab_size)
        return engine_fail(err, "%s: decoder_vocab_size %d differs from vocab_size %d; HINT: attnscope "
                           "reads Marian models with one shared vocabulary", path, (int)dv->valuedouble,
                           c->vocab_size);
    c->norm_eps = 1e-5f;
    return 0;
}

/* Adds the tensors of one attention block under prefix (".self_attn"). */
static void marian__need_attn(TensorNeed *need, int *n, const char *layer, const char *proj, const char *norm,
                              MarianAttn *a, int64_t D) {
    static const char *const names[4] = {"q_proj", "k_proj", "v_proj", "out_proj"};
    Linear *lin[4] = {&a->q, &a->k, &a->v, &a->o};
    char name[96];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "%s.%s.%s.weight", layer, proj, names[i]);
        model_need(need, n, name, D, D, &lin[i]->w);
        snprintf(name, sizeof name, "%s.%s.%s.bias", layer, proj, names[i]);
        model_need(need, n, name, D, 0, &lin[i]->b);
        *lin[i] = (Linear){.w = NULL, .b = NULL, .n_in = (int)D, .n_out = (int)D, .out_major = true};
    }
    snprintf(name, sizeof name, "%s.%s.weight", layer, norm);
    model_need(need, n, name, D, 0, &a->norm_w);
    snprintf(name, sizeof name, "%s.%s.bias", layer, norm);
    model_need(need, n, name, D, 0, &a->norm_b);
}

static void marian__need_layer(TensorNeed *need, int *n, const char *side, int l, MarianLayer *L, int64_t D,
                               int64_t F, bool decoder) {
    char layer[64], name[96];
    snprintf(layer, sizeof layer, "model.%s.layers.%d", side, l);
    marian__need_attn(need, n, layer, "self_attn", "self_attn_layer_norm", &L->self, D);
    if (decoder) marian__need_attn(need, n, layer, "encoder_attn", "encoder_attn_layer_norm", &L->cross, D);
    L->fc1 = (Linear){.n_in = (int)D, .n_out = (int)F, .out_major = true};
    L->fc2 = (Linear){.n_in = (int)F, .n_out = (int)D, .out_major = true};
    snprintf(name, sizeof name, "%s.fc1.weight", layer);
    model_need(need, n, name, F, D, &L->fc1.w);
    snprintf(name, sizeof name, "%s.fc1.bias", layer);
    model_need(need, n, name, F, 0, &L->fc1.b);
    snprintf(name, sizeof name, "%s.fc2.weight", layer);
    model_need(need, n, name, D, F, &L->fc2.w);
    snprintf(name, sizeof name, "%s.fc2.bias", layer);
    model_need(need, n, name, D, 0, &L->fc2.b);
    snprintf(name, sizeof name, "%s.final_layer_norm.weight", layer);
    model_need(need, n, name, D, 0, &L->final_w);
    snprintf(name, sizeof name, "%s.final_layer_norm.bias", layer);
    model_need(need, n, name, D, 0, &L->final_b);
}

static void marian__sinusoids(float *pos, int n_pos, int d) {
    int half = d % 2 == 0 ? d / 2 : d / 2 + 1;
    for (int p = 0; p < n_pos; p++) {
        float *row = pos + (size_t)p * d;
        for (int j = 0; j < d; j++) {
            int i = j < half ? j : j - half; /* sin takes even j' = 2i, cos odd j' = 2i + 1 */
            double ang = p / pow(10000.0, 2.0 * i / d);
            row[j] = (float)(j < half ? sin(ang) : cos(ang));
        }
    }
}

bool marian_is_marian_folder(const char *dir) {
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *text = NULL;
    EngineError err;
    if (model_read_text_file(path, &text, NULL, &err)) return false;
    cJSON *cfg = cJSON_Parse(text);
    free(text);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(cfg, "model_type");
    bool yes = cJSON_IsString(t) && !strcmp(t->valuestring, "marian");
    cJSON_Delete(cfg);
    return yes;
}

static int marian__weights(MarianModel *mm, const char *dir, EngineError *err) {
    MarianConfig *c = &mm->config;
    MarianWeights *w = &mm->weights;
    const int64_t D = c->d_model;
    w->enc = calloc((size_t)c->n_enc_layer, sizeof *w->enc);
    w->dec = calloc((size_t)c->n_dec_layer, sizeof *w->dec);
    w->pos = malloc((size_t)c->n_ctx * (size_t)D * sizeof *w->pos);
    int max_need = 2 + 16 * c->n_enc_layer + 26 * c->n_dec_layer, n = 0;
    TensorNeed *need = calloc((size_t)max_need, sizeof *need);
    if (!w->enc || !w->dec || !w->pos || !need) {
        free(need);
        return engine_fail(err, "%s: out of memory", dir);
    }
    marian__sinusoids(w->pos, c->n_ctx, c->d_model);
    model_need(need, &n, "model.shared.weight", c->vocab_size, D, &w->shared);
    model_need(need, &n, "final_logits_bias", 1, c->vocab_size, &w->logits_bias);
    for (int l = 0; l < c->n_enc_layer; l++) marian__need_layer(need, &n, "encoder", l, &w->enc[l], D, c->d_ff_enc, false);
    for (int l = 0; l < c->n_dec_layer; l++) marian__need_layer(need, &n, "decoder", l, &w->dec[l], D, c->d_ff_dec, true);
    ENGINE_ASSERT(n <= max_need);
    char st_path[1100];
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", dir);
    SafeTensors st;
    if (st_open(&st, st_path, err)) {
        free(need);
        return -1;
    }
    int rc = model_bind_safetensors(mm->base, &st, need, n, NULL,
                                    "is this a MarianMTModel checkpoint saved with save_pretrained?", err);
    st_close(&st);
    free(need);
    return rc;
}

int marian_load(MarianModel **out, const char *dir, EngineError *err) {
    ENGINE_ASSERT(out && dir);
    *out = NULL;
    MarianModel *mm = calloc(1, sizeof *mm);
    Model *base = calloc(1, sizeof *base);
    if (!mm || !base) {
        free(mm);
        free(base);
        return engine_fail(err, "%s: out of memory", dir);
    }
    mm->base = base;
    snprintf(base->path, sizeof base->path, "%s", dir);
    const char *slash = strrchr(dir, '/');
    snprintf(base->name, sizeof base->name, "%.127s", slash && slash[1] ? slash + 1 : dir);
    char cfg_path[1100], src_spm[1100], tgt_spm[1100], vocab[1100];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
    snprintf(src_spm, sizeof src_spm, "%s/source.spm", dir);
    snprintf(tgt_spm, sizeof tgt_spm, "%s/target.spm", dir);
    snprintf(vocab, sizeof vocab, "%s/vocab.json", dir);
    char *text = NULL;
    cJSON *cfg = NULL;
    if (model_read_text_file(cfg_path, &text, NULL, err)) goto fail;
    cfg = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(cfg)) {
        engine_fail(err, "%s: not valid JSON; HINT: restore config.json from the original checkpoint", cfg_path);
        goto fail;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(cfg, "model_type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "marian")) {
        engine_fail(err, "%s: model_type is not \"marian\"; HINT: translate needs a MarianMTModel folder", cfg_path);
        goto fail;
    }
    if (marian__config(&mm->config, cfg_path, cfg, err) || marian__weights(mm, dir, err)) goto fail;
    if (tokenizer_load_marian(&base->tokenizer, src_spm, vocab, err) ||
        tokenizer_load_marian(&mm->target, tgt_spm, vocab, err))
        goto fail;
    if (tokenizer_vocab_size(base->tokenizer) != mm->config.vocab_size) {
        engine_fail(err, "%s: vocab.json has %d entries but config.json vocab_size is %d; HINT: vocab.json "
                    "belongs to another model", vocab, tokenizer_vocab_size(base->tokenizer), mm->config.vocab_size);
        goto fail;
    }
    if (tokenizer_eos_id(base->tokenizer) != mm->config.eos_id) {
        engine_fail(err, "%s: </s> is id %d but config.json eos_token_id is %d; HINT: vocab.json belongs to "
                    "another model", vocab, tokenizer_eos_id(base->tokenizer), mm->config.eos_id);
        goto fail;
    }
    base->config.vocab_size = mm->config.vocab_size;
    base->config.d_model = mm->config.d_model;
    cJSON_Delete(cfg);
    *out = mm;
    return 0;
fail:
    cJSON_Delete(cfg);
    marian_free(mm);
    return -1;
}

void marian_free(MarianModel *mm) {
    if (!mm) return;
    free(mm->weights.enc);
    free(mm->weights.dec);
    free(mm->weights.pos);
    tokenizer_free(mm->target);
    model_free(mm->base);
    free(mm);
}

int marian_encode_source(const MarianModel *mm, const char *text, size_t len, int **ids, int *n,
                         EngineError *err) {
    *ids = NULL;
    *n = 0;
    TokenList tl;
    if (tokenizer_encode(mm->base->tokenizer, text, len, false, &tl, err)) return -1;
    if (tl.n == 0) {
        token_list_free(&tl);
        return engine_fail(err, "text: the source text is empty; HINT: give a sentence to translate, e.g. "
                           "--text \"En el principio\"");
    }
    if (tl.n + 1 > (size_t)mm->config.n_ctx) {
        size_t have = tl.n;
        token_list_free(&tl);
        return engine_fail(err, "text: %zu source tokens exceed max_position_embeddings %d; HINT: shorten the "
                           "text", have, mm->config.n_ctx);
    }
    *ids = malloc((tl.n + 1) * sizeof **ids);
    if (!*ids) {
        token_list_free(&tl);
        return engine_fail(err, "text: out of memory");
    }
    for (size_t i = 0; i < tl.n; i++) (*ids)[i] = tl.tokens[i].id;
    (*ids)[tl.n] = mm->config.eos_id;
    *n = (int)tl.n + 1;
    token_list_free(&tl);
    return 0;
}
