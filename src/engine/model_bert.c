/* model_bert.c — a Hugging Face BERT folder: config.json (model_type "bert"),
 * model.safetensors of a BertModel or BertForMaskedLM, and vocab.txt (with
 * tokenizer_config.json) or a WordPiece tokenizer.json.
 *
 * Tensor names are those of transformers' modeling_bert, with or without the
 * "bert." prefix (BertForMaskedLM adds it), LayerNorm parameters named
 * weight/bias or gamma/beta (original TF-converted checkpoints):
 *   embeddings.{word,position,token_type}_embeddings.weight, embeddings.LayerNorm
 *   encoder.layer.{i}.attention.self.{query,key,value}.{weight,bias}
 *   encoder.layer.{i}.attention.output.dense, .attention.output.LayerNorm
 *   encoder.layer.{i}.intermediate.dense, .output.dense, .output.LayerNorm
 *   cls.predictions.transform.dense, .transform.LayerNorm, cls.predictions.bias
 * The MLM decoder is tied to the word embeddings (a stored
 * cls.predictions.decoder.weight is not read). Without cls.predictions.* the
 * folder is a BertModel: the forward pass runs, predictions are empty.
 * Linear weights are torch.nn.Linear's (out, in).
 */
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "model_internal.h"

static int bert__config(Model *m, const char *cfg_path, const cJSON *config, EngineError *err) {
    ModelConfig *c = &m->config;
    c->arch = ARCH_BERT;
    if (model_config_int(config, cfg_path, "num_hidden_layers", &c->n_layer, err) ||
        model_config_int(config, cfg_path, "num_attention_heads", &c->n_head, err) ||
        model_config_int(config, cfg_path, "hidden_size", &c->d_model, err) ||
        model_config_int(config, cfg_path, "intermediate_size", &c->d_ff, err) ||
        model_config_int(config, cfg_path, "max_position_embeddings", &c->n_ctx, err) ||
        model_config_int(config, cfg_path, "vocab_size", &c->vocab_size, err))
        return -1;
    c->n_types = 2;
    if (cJSON_GetObjectItemCaseSensitive(config, "type_vocab_size") &&
        model_config_int(config, cfg_path, "type_vocab_size", &c->n_types, err))
        return -1;
    if (c->n_layer > MODEL_MAX_LAYERS)
        return engine_fail(err, "%s: num_hidden_layers %d is over attnscope's limit of %d; HINT: use a smaller model", cfg_path, c->n_layer, MODEL_MAX_LAYERS);
    if (c->n_head > MODEL_MAX_HEADS)
        return engine_fail(err, "%s: num_attention_heads %d is over attnscope's limit of %d; HINT: use a smaller model", cfg_path, c->n_head, MODEL_MAX_HEADS);
    if (c->d_model % c->n_head)
        return engine_fail(err, "%s: hidden_size %d is not divisible by num_attention_heads %d; HINT: fix config.json", cfg_path, c->d_model, c->n_head);
    if (c->n_ctx > 4096)
        return engine_fail(err, "%s: max_position_embeddings %d is over attnscope's limit of 4096; HINT: use a smaller model", cfg_path, c->n_ctx);
    if (c->n_types > 1024)
        return engine_fail(err, "%s: type_vocab_size %d is over attnscope's limit of 1024; HINT: fix config.json", cfg_path, c->n_types);
    c->norm_eps = 1e-12f;
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(config, "layer_norm_eps");
    if (eps) {
        if (!cJSON_IsNumber(eps) || !(eps->valuedouble > 0) || eps->valuedouble > 1)
            return engine_fail(err, "%s: field layer_norm_eps must be a small positive number; HINT: BERT uses 1e-12", cfg_path);
        c->norm_eps = (float)eps->valuedouble;
    }
    c->gelu_erf = true;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(config, "hidden_act");
    if (act) {
        if (cJSON_IsString(act) && !strcmp(act->valuestring, "gelu"))
            c->gelu_erf = true;
        else if (cJSON_IsString(act) && (!strcmp(act->valuestring, "gelu_new") ||
                                         !strcmp(act->valuestring, "gelu_pytorch_tanh")))
            c->gelu_erf = false;
        else
            return engine_fail(err, "%s: hidden_act must be \"gelu\" (or \"gelu_new\"); HINT: attnscope implements BERT's erf GELU and the tanh approximation only", cfg_path);
    }
    const cJSON *pe = cJSON_GetObjectItemCaseSensitive(config, "position_embedding_type");
    if (pe && !(cJSON_IsString(pe) && !strcmp(pe->valuestring, "absolute")))
        return engine_fail(err, "%s: position_embedding_type must be \"absolute\"; HINT: relative position BERT variants are not supported", cfg_path);
    c->n_kv_head = c->n_head;
    c->d_head = c->d_model / c->n_head;
    c->encoder = true;
    c->post_norm = true;
    c->tied_classifier = true;
    return 0;
}

/* The LayerNorm parameter names this checkpoint uses under base (with or
 * without "bert."): "weight"/"bias", else "gamma"/"beta". */
static void bert__ln(const SafeTensors *st, const char *base, char *w, char *b, size_t cap) {
    char probe[160];
    snprintf(probe, sizeof probe, "%s.gamma", base);
    bool gamma = st_find(st, probe) != NULL;
    snprintf(probe, sizeof probe, "bert.%s.gamma", base);
    gamma = gamma || st_find(st, probe) != NULL;
    snprintf(w, cap, "%s.%s", base, gamma ? "gamma" : "weight");
    snprintf(b, cap, "%s.%s", base, gamma ? "beta" : "bias");
}

/* A BERT folder's tokenizer: tokenizer.json (it spells out the normalizer),
 * else vocab.txt (+ casing from tokenizer_config.json). */
static int bert__tokenizer(Model *m, const char *dir, EngineError *err) {
    char vocab[1100], tj[1100], cfg[1100];
    struct stat sb;
    snprintf(vocab, sizeof vocab, "%s/vocab.txt", dir);
    snprintf(tj, sizeof tj, "%s/tokenizer.json", dir);
    snprintf(cfg, sizeof cfg, "%s/tokenizer_config.json", dir);
    int rc;
    if (stat(tj, &sb) == 0)
        rc = tokenizer_load_hf_json(&m->tokenizer, tj, err);
    else
        rc = tokenizer_load_wordpiece(&m->tokenizer, vocab, stat(cfg, &sb) == 0 ? cfg : NULL, err);
    if (rc) return -1;
    if (tokenizer_kind(m->tokenizer) != TOKENIZER_WORDPIECE)
        return engine_fail(err, "%s: the tokenizer is not WordPiece; HINT: a BERT folder needs BERT's vocab.txt or tokenizer.json", tj);
    if (tokenizer_vocab_size(m->tokenizer) > m->config.vocab_size)
        return engine_fail(err, "%s: the tokenizer has %d tokens but config.json vocab_size is %d; HINT: the vocabulary belongs to another model", dir, tokenizer_vocab_size(m->tokenizer), m->config.vocab_size);
    return 0;
}

int model_bert_load_hf(Model *m, const char *dir, const cJSON *config, EngineError *err) {
    char cfg_path[1100], st_path[1100];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
    snprintf(st_path, sizeof st_path, "%s/model.safetensors", dir);
    if (bert__config(m, cfg_path, config, err)) return -1;
    ModelConfig *c = &m->config;
    const int64_t D = c->d_model, F = c->d_ff;
    m->weights.layers = calloc((size_t)c->n_layer, sizeof(LayerWeights));
    if (!m->weights.layers) return engine_fail(err, "%s: out of memory", dir);
    SafeTensors st;
    if (st_open(&st, st_path, err)) return -1;
    int max_needs = 12 + 16 * c->n_layer, n_need = 0, rc = -1;
    TensorNeed *need = calloc((size_t)max_needs, sizeof *need);
    if (!need) {
        st_close(&st);
        return engine_fail(err, "%s: out of memory", dir);
    }
    ModelWeights *w = &m->weights;
    char n[160], nb[160];
    model_need(need, &n_need, "embeddings.word_embeddings.weight", c->vocab_size, D, &w->tok_emb);
    model_need(need, &n_need, "embeddings.position_embeddings.weight", c->n_ctx, D, &w->pos_emb);
    model_need(need, &n_need, "embeddings.token_type_embeddings.weight", c->n_types, D, &w->type_emb);
    bert__ln(&st, "embeddings.LayerNorm", n, nb, sizeof n);
    model_need(need, &n_need, n, D, 0, &w->emb_norm_w);
    model_need(need, &n_need, nb, D, 0, &w->emb_norm_b);
    for (int l = 0; l < c->n_layer; l++) {
        LayerWeights *L = &w->layers[l];
        char base[96];
        struct {
            const char *name;
            Linear *lin;
            int64_t n_out, n_in;
        } lins[] = {
            {"attention.self.query", &L->wq, D, D},     {"attention.self.key", &L->wk, D, D},
            {"attention.self.value", &L->wv, D, D},     {"attention.output.dense", &L->wo, D, D},
            {"intermediate.dense", &L->fc, F, D},       {"output.dense", &L->proj, D, F},
        };
        for (size_t i = 0; i < sizeof lins / sizeof lins[0]; i++) {
            snprintf(n, sizeof n, "encoder.layer.%d.%s.weight", l, lins[i].name);
            model_need(need, &n_need, n, lins[i].n_out, lins[i].n_in, &lins[i].lin->w);
            snprintf(n, sizeof n, "encoder.layer.%d.%s.bias", l, lins[i].name);
            model_need(need, &n_need, n, lins[i].n_out, 0, &lins[i].lin->b);
            lins[i].lin->n_in = (int)lins[i].n_in;
            lins[i].lin->n_out = (int)lins[i].n_out;
            lins[i].lin->out_major = true;
        }
        /* post-LN: norm1 closes the attention sublayer, norm2 the MLP */
        snprintf(base, sizeof base, "encoder.layer.%d.attention.output.LayerNorm", l);
        bert__ln(&st, base, n, nb, sizeof n);
        model_need(need, &n_need, n, D, 0, &L->norm1_w);
        model_need(need, &n_need, nb, D, 0, &L->norm1_b);
        snprintf(base, sizeof base, "encoder.layer.%d.output.LayerNorm", l);
        bert__ln(&st, base, n, nb, sizeof n);
        model_need(need, &n_need, n, D, 0, &L->norm2_w);
        model_need(need, &n_need, nb, D, 0, &L->norm2_b);
    }
    c->has_mlm_head = st_find(&st, "cls.predictions.bias") || st_find(&st, "cls.predictions.transform.dense.weight");
    if (c->has_mlm_head) {
        model_need(need, &n_need, "cls.predictions.transform.dense.weight", D, D, &w->mlm_dense.w);
        model_need(need, &n_need, "cls.predictions.transform.dense.bias", D, 0, &w->mlm_dense.b);
        w->mlm_dense.n_in = w->mlm_dense.n_out = (int)D;
        w->mlm_dense.out_major = true;
        bert__ln(&st, "cls.predictions.transform.LayerNorm", n, nb, sizeof n);
        model_need(need, &n_need, n, D, 0, &w->mlm_norm_w);
        model_need(need, &n_need, nb, D, 0, &w->mlm_norm_b);
        model_need(need, &n_need, "cls.predictions.bias", c->vocab_size, 0, &w->mlm_bias);
    }
    ENGINE_ASSERT(n_need <= max_needs);
    if (model_bind_safetensors(m, &st, need, n_need, "bert.",
                               "is this a BERT checkpoint (BertModel or BertForMaskedLM)?", err))
        goto done;
    w->classifier = w->tok_emb;
    if (bert__tokenizer(m, dir, err)) goto done;
    rc = 0;
done:
    free(need);
    st_close(&st);
    return rc;
}
