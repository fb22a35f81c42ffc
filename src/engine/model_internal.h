/* model_internal.h — loaders per format, and helpers they share. */
#ifndef ENGINE_MODEL_INTERNAL_H
#define ENGINE_MODEL_INTERNAL_H

#include <cjson/cJSON.h>

#include "model.h"
#include "safetensors.h"

/* model_gpt2.c: a Hugging Face GPT-2 folder whose config.json is parsed. */
int model_gpt2_load_hf(Model *m, const char *dir, const cJSON *config,
                       EngineError *err);

/* model_llama.c: a Hugging Face Llama folder whose config.json is parsed. */
int model_llama_load_hf(Model *m, const char *dir, const cJSON *config,
                        EngineError *err);

/* model_bert.c: a Hugging Face BERT folder whose config.json is parsed. */
int model_bert_load_hf(Model *m, const char *dir, const cJSON *config,
                       EngineError *err);

/* model_llama.c: a llama2.c legacy .bin (+ tokenizer.bin beside it or given). */
int model_llama_load_llama2c(Model *m, const char *bin_path,
                             const char *tokenizer_path, EngineError *err);

/* Reads config.json whole into a NUL-terminated heap buffer (regular files
 * only, FILEIO_LIMIT_CONFIG at most). */
int model_read_text_file(const char *path, char **out, size_t *out_len,
                         EngineError *err);

/* Reads a required positive integer field of config.json. */
int model_config_int(const cJSON *config, const char *path, const char *field,
                     int *out, EngineError *err);

/* Finds the tokenizer in a HF folder: vocab.json + merges.txt, else
 * tokenizer.json. */
int model_load_hf_tokenizer(Model *m, const char *dir, EngineError *err);

/* A tensor a loader needs from a safetensors file, with the shape that
 * config.json implies (d1 == 0: one dimension) and where its pointer goes. */
typedef struct {
    char name[96];
    int n_dims;
    int64_t shape[2];
    const float **dst;
} TensorNeed;

/* Appends one need to needs[*count]. */
void model_need(TensorNeed *needs, int *count, const char *name, int64_t d0, int64_t d1,
                const float **dst);

/* Binds every need to its tensor in st: shapes checked, F32 data used in
 * place, F16/BF16 (and unaligned F32) converted into one m->owned allocation,
 * NaN/Inf rejected with the tensor's name. Sets m->config.dtype and
 * m->n_params. A name absent from st is retried with alt_prefix in front (may
 * be NULL); a tensor still missing fails with missing_hint as the HINT. On
 * success the mapping moves from st into m (m->map), so st_close leaves it. */
int model_bind_safetensors(Model *m, SafeTensors *st, const TensorNeed *needs, int n,
                           const char *alt_prefix, const char *missing_hint,
                           EngineError *err);

/* Scans n floats for NaN/Inf; returns the index of the first or -1. */
long model_first_nonfinite(const float *x, size_t n);

#endif
