/* model.h — a loaded checkpoint: Config (the blueprint), Weights (read-only
 * parameters, mostly pointers into an mmap'ed file) and its Tokenizer.
 *
 * Supported:
 *   - GPT-2 family, Hugging Face folder: config.json (model_type "gpt2"),
 *     model.safetensors (F32/F16/BF16), vocab.json + merges.txt or
 *     tokenizer.json. Tensor names as in openai-community/gpt2, optionally
 *     prefixed "transformer.".
 *   - Llama family (model_llama.c): llama2.c legacy .bin + tokenizer.bin, or
 *     a Hugging Face folder with model_type "llama".
 *   - BERT family (model_bert.c): a Hugging Face BertModel or BertForMaskedLM
 *     folder (model_type "bert"), vocab.txt or a WordPiece tokenizer.json.
 *
 * Every size and offset in a file is bounds-checked against the file size
 * before the mapping is touched. F32 tensors whose data are 4-byte aligned
 * are used in place; 16-bit ones are converted to f32 once, at load.
 */
#ifndef ENGINE_MODEL_H
#define ENGINE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "fileio.h"
#include "tokenizer.h"

#define MODEL_MAX_LAYERS 64
#define MODEL_MAX_HEADS 64

typedef enum { ARCH_GPT2, ARCH_LLAMA, ARCH_BERT } ModelArch;

typedef struct {
    ModelArch arch;
    int n_layer;
    int n_head;      /* query heads */
    int n_kv_head;   /* key/value heads; == n_head unless grouped-query */
    int d_model;
    int d_head;      /* d_model / n_head */
    int d_ff;        /* MLP hidden width */
    int n_ctx;       /* max positions */
    int vocab_size;
    float norm_eps;  /* LayerNorm / RMSNorm epsilon */
    float rope_theta;        /* llama only */
    bool rope_interleaved;   /* llama only: true = llama2.c pairs (2i, 2i+1),
                                false = HF rotate_half pairs (i, i + d/2) */
    bool tied_classifier;    /* logits = x . wte^T */
    /* BERT family (false / 0 for decoders) */
    bool encoder;            /* bidirectional: run options default to mask none */
    bool post_norm;          /* x = norm(x + f(x)) per sublayer, not x + f(norm(x)) */
    bool gelu_erf;           /* MLP GELU is the exact erf form, not tanh's */
    bool has_mlm_head;       /* predictions come from the MLM head */
    int n_types;             /* token types (type_vocab_size); 0: none */
    char dtype[8];           /* storage dtype: "F32", "F16", "BF16" */
} ModelConfig;

/* A dense projection y = x W (+ b). Stored either (in, out) as GPT-2's Conv1D,
 * or (out, in) as torch.nn.Linear and llama2.c. */
typedef struct {
    const float *w;   /* (n_in, n_out) or (n_out, n_in), see out_major */
    const float *b;   /* (n_out) or NULL */
    int n_in, n_out;
    bool out_major;   /* true: w is (n_out, n_in) */
} Linear;

typedef struct {
    const float *norm1_w, *norm1_b; /* (d_model); b is NULL for RMSNorm */
    /* GPT-2: qkv is the fused c_attn (d_model -> 3*d_model), q|k|v columns.
       Llama: wq (d_model -> n_head*d_head), wk, wv (-> n_kv_head*d_head). */
    Linear qkv;
    Linear wq, wk, wv;
    Linear wo;                      /* attention output: n_head*d_head -> d_model */
    const float *norm2_w, *norm2_b; /* (d_model) */
    /* GPT-2: fc (d_model -> d_ff), proj (d_ff -> d_model), gelu_new.
       Llama: w1 = gate, w3 = up (d_model -> d_ff), w2 = down; SwiGLU. */
    Linear fc, proj;
    Linear w1, w2, w3;
} LayerWeights;

typedef struct {
    const float *tok_emb;   /* (vocab, d_model) wte / tok_embeddings */
    const float *pos_emb;   /* (n_ctx, d_model) wpe; NULL for llama (RoPE) */
    LayerWeights *layers;   /* (n_layer) */
    const float *norm_f_w, *norm_f_b; /* (d_model); b NULL for RMSNorm */
    const float *classifier; /* (vocab, d_model); == tok_emb when tied */
    /* BERT: x = LN(word + position + token_type) embeddings; MLM head
       logits = LN(gelu(dense(x))) . classifier^T + mlm_bias */
    const float *type_emb;   /* (n_types, d_model) */
    const float *emb_norm_w, *emb_norm_b; /* (d_model) */
    Linear mlm_dense;        /* d_model -> d_model */
    const float *mlm_norm_w, *mlm_norm_b; /* (d_model) */
    const float *mlm_bias;   /* (vocab) */
} ModelWeights;

typedef struct {
    ModelConfig config;
    ModelWeights weights;
    Tokenizer *tokenizer;
    char name[128];        /* folder or file base name, for titles */
    char path[1024];       /* what was loaded */
    size_t n_params;
    /* private: mappings and converted copies, released by model_free */
    void *map;  size_t map_size;
    FileStamp map_stamp;   /* the mapped file as loaded (model_check_files) */
    float *owned;          /* converted/copied tensors, one allocation */
    void *extra;           /* format-specific */
} Model;

typedef struct {
    const char *tokenizer_path; /* llama2.c: tokenizer.bin; NULL = look beside */
} ModelLoadOptions;

ModelLoadOptions model_load_options_default(void);

/* Loads a model from path: a Hugging Face folder (config.json decides the
 * architecture) or a llama2.c .bin file. On failure returns -1, *out is NULL,
 * and err names the file/field and gives a hint. */
int model_load(Model **out, const char *path, const ModelLoadOptions *opts,
               EngineError *err);

void model_free(Model *m);

/* Whether the files m reads in place (mmap'ed weights) are still the ones it
 * loaded: same file, size and mtime. -1 with one line naming the file when
 * one changed or shrank (reload the model then). forward_run calls it first,
 * so every run of the app and the CLI is checked; it costs one stat(). */
int model_check_files(const Model *m, EngineError *err);

/* Short architecture name: "gpt2", "llama" or "bert". */
const char *model_arch_name(ModelArch arch);

/* The model shipped in the repo, relative to the repo root / install dir. */
#define MODEL_DEFAULT_PATH "models/pd-llama"

/* Resolves the default model path: $ATTNSCOPE_MODEL if set, else
 * MODEL_DEFAULT_PATH relative to the current directory or to the directory of
 * the running executable's parent. Writes into buf; returns buf. */
const char *model_default_path(char *buf, size_t cap);

#endif
