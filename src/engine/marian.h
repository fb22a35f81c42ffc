/* marian.h — encoder–decoder translation models in the Hugging Face Marian
 * layout (MarianMTModel): the architecture of "Attention Is All You Need"
 * with post-LN blocks and fixed sinusoidal positions.
 *
 * A folder holds config.json (model_type "marian"), model.safetensors (F32,
 * F16 or BF16), source.spm, target.spm and vocab.json (tokenizer_marian.c).
 *
 * The forward pass composes forward.c's linear, LayerNorm and attention
 * functions (forward_internal.h) and records three kinds of attention for
 * every layer and head:
 *   encoder self-attention   (source, source)   MarianTrace.enc
 *   decoder self-attention   (target, target)   MarianTrace.dec
 *   cross-attention          (target, source)   MarianTrace.cross
 * each with q, k, v, raw q.k, scaled+masked scores, softmax and head output.
 * The target side is the decoder's input: decoder_start (<pad>), then the
 * tokens produced so far; logits row t predicts target token t+1.
 *
 *     MarianModel *mm;
 *     if (marian_load(&mm, "models/x", &err)) ...
 *     int *src; int S;
 *     marian_encode_source(mm, text, len, &src, &S, &err);   // + </s>
 *     MarianRunOptions ro = marian_run_options_default();
 *     int *out; int n;
 *     marian_greedy(mm, src, S, 64, &ro, &out, &n, &err);     // up to </s>
 *     MarianTrace *tr = marian_trace_create(mm, S, n + 1);
 *     marian_forward(mm, src, S, dec_in, n, &ro, tr, &err);   // the trace
 */
#ifndef ENGINE_MARIAN_H
#define ENGINE_MARIAN_H

#include "forward.h"
#include "model.h"

typedef enum { MARIAN_ACT_SWISH, MARIAN_ACT_GELU, MARIAN_ACT_RELU } MarianActivation;

typedef struct {
    int d_model;
    int n_enc_layer, n_dec_layer;
    int n_enc_head, n_dec_head;
    int d_ff_enc, d_ff_dec;
    int n_ctx;                 /* max_position_embeddings */
    int vocab_size;
    int pad_id, eos_id, decoder_start_id;
    bool scale_embedding;      /* embeddings x sqrt(d_model) */
    MarianActivation act;      /* activation_function */
    float norm_eps;            /* LayerNorm epsilon, 1e-5 */
} MarianConfig;

/* One attention block: nn.Linear projections, stored (out, in). */
typedef struct {
    Linear q, k, v, o;               /* d_model -> d_model */
    const float *norm_w, *norm_b;    /* (d_model) the LayerNorm after it */
} MarianAttn;

typedef struct {
    MarianAttn self;                 /* self_attn + self_attn_layer_norm */
    MarianAttn cross;                /* decoder: encoder_attn + encoder_attn_layer_norm */
    Linear fc1, fc2;                 /* d_model -> d_ff -> d_model */
    const float *final_w, *final_b;  /* (d_model) final_layer_norm */
} MarianLayer;

typedef struct {
    const float *shared;             /* (vocab, d_model) embeddings = lm_head */
    const float *logits_bias;        /* (vocab) final_logits_bias */
    float *pos;                      /* (n_ctx, d_model) sinusoids, made at load */
    MarianLayer *enc, *dec;          /* (n_enc_layer), (n_dec_layer) */
} MarianWeights;

typedef struct {
    MarianConfig config;
    MarianWeights weights;
    Model *base;          /* the mapping, converted tensors, dtype, n_params,
                             name, path; base->tokenizer encodes (source.spm) */
    Tokenizer *target;    /* target.spm + vocab.json: decodes */
} MarianModel;

/* Run options per attention kind. Defaults: encoder and cross-attention see
 * every key, the decoder is causal; sqrt scaling; nothing masked or ablated.
 * A masked source token is hidden from the encoder and from cross-attention
 * (marian_run_options_mask_source). top_k comes from dec. */
typedef struct {
    RunOptions enc, dec, cross;
} MarianRunOptions;

MarianRunOptions marian_run_options_default(void);
void marian_run_options_mask_source(MarianRunOptions *ro, int pos, bool masked);

/* What one attention kind recorded. nq queries, nk keys; arrays are sized
 * for the capacities given to marian_trace_create and indexed with the
 * current nq, nk. */
typedef struct {
    int n_layer, n_head, d_head;
    int nq, nk;
    float *q;        /* (layer, head, nq, d_head) q_proj(x), before scaling */
    float *k, *v;    /* (layer, head, nk, d_head) */
    float *raw;      /* (layer, head, nq, nk) q.k */
    float *scores;   /* (layer, head, nq, nk) scaled, -inf where hidden */
    float *att;      /* (layer, head, nq, nk) softmax; zero rows when nothing visible */
    float *head_out; /* (layer, head, nq, d_head) zero for an ablated head */
} AttnTrace;

typedef struct {
    AttnTrace enc, dec, cross;
    int S, T;             /* source and target (decoder input) lengths */
    int cap_s, cap_t;
    int vocab_size;
    int *src_ids;         /* (S) */
    int *tgt_ids;         /* (T) decoder input ids */
    float *enc_out;       /* (S, d_model) the encoder's last hidden state */
    float *logits;        /* (T, vocab) */
    double forward_ms;
} MarianTrace;

/* The three attention kinds, in the order the app's kind switch shows them. */
typedef enum { MARIAN_KIND_CROSS, MARIAN_KIND_ENC, MARIAN_KIND_DEC, MARIAN_KIND_COUNT } MarianKind;

/* "cross", "encoder", "decoder". */
const char *marian_kind_name(MarianKind kind);
/* The kind named s (as marian_kind_name), or -1. */
int marian_kind_parse(const char *s);
/* The options of one kind inside ro. */
RunOptions *marian_run_options_kind(MarianRunOptions *ro, MarianKind kind);

/* A Trace that views one kind of tr without copying (valid while tr is and
 * until the next marian_forward into it): n_tokens = queries, n_keys = keys
 * (cross: target rows x source columns), n_kv_head = n_head, q/k/v/raw/
 * scores/att/head_out alias tr's, ids are the queries' ids (source for the
 * encoder, decoder input otherwise). No predictions: top_ids, top_p,
 * token_loss, logits, q_pre_rope, k_pre_rope are NULL, top_k 0, loss NAN. */
void marian_trace_kind(const MarianTrace *tr, MarianKind kind, Trace *view);

/* Loads a Marian folder. Errors name the file and field or tensor. */
int marian_load(MarianModel **out, const char *dir, EngineError *err);
void marian_free(MarianModel *mm);

/* Whether dir/config.json says model_type "marian" (no other checks). */
bool marian_is_marian_folder(const char *dir);

/* Source text -> ids (source.spm through vocab.json) followed by </s>.
 * Empty text (or text that normalizes to nothing) is an error with a HINT.
 * *ids is a heap array (free()). */
int marian_encode_source(const MarianModel *mm, const char *text, size_t len, int **ids, int *n,
                         EngineError *err);

MarianTrace *marian_trace_create(const MarianModel *mm, int cap_s, int cap_t);
void marian_trace_free(MarianTrace *tr);

/* (query, key) matrix / (token, d_head) vectors of one head of one kind. */
float *attn_trace_att(const AttnTrace *a, int layer, int head);
float *attn_trace_raw(const AttnTrace *a, int layer, int head);
float *attn_trace_scores(const AttnTrace *a, int layer, int head);
float *attn_trace_q(const AttnTrace *a, int layer, int head);
float *attn_trace_k(const AttnTrace *a, int layer, int head);
float *attn_trace_v(const AttnTrace *a, int layer, int head);
float *attn_trace_head_out(const AttnTrace *a, int layer, int head);

/* Runs encoder over src[0..S) and decoder over tgt[0..T) (tgt[0] is
 * normally decoder_start_id) under ro, filling tr (S <= cap_s, T <= cap_t). */
int marian_forward(const MarianModel *mm, const int *src, int S, const int *tgt, int T,
                   const MarianRunOptions *ro, MarianTrace *tr, EngineError *err);

/* Greedy decoding: up to max_new tokens, stopping after </s>. *out (heap,
 * free()) gets the produced ids, </s> included when reached. */
int marian_greedy(const MarianModel *mm, const int *src, int S, int max_new, const MarianRunOptions *ro,
                  int **out, int *n_out, EngineError *err);

/* Beam search of width 1..16: every step extends each live hypothesis by
 * every token but <pad> (log-softmax over the rest), keeps the best 2*width
 * candidates (higher sum, then lower beam, then lower id); those ending in
 * </s> finish with score sum / length, the others fill the next width live
 * hypotheses. Stops when width hypotheses have finished or after max_new
 * tokens (then the live ones finish too). *out gets the best finished
 * hypothesis (first of equals). */
int marian_beam(const MarianModel *mm, const int *src, int S, int max_new, int width, const MarianRunOptions *ro,
                int **out, int *n_out, EngineError *err);

#endif
