/* tokenizer_internal.h — what tokenizer families implement. Not for the app. */
#ifndef ENGINE_TOKENIZER_INTERNAL_H
#define ENGINE_TOKENIZER_INTERNAL_H

#include <cjson/cJSON.h>

#include "tokenizer.h"

struct Tokenizer {
    TokenizerKind kind;
    int vocab_size;
    int bos_id, eos_id;          /* -1 if none */
    void *impl;                  /* family-specific state */
    /* Encodes valid UTF-8 text (already checked by tokenizer_encode). */
    int (*encode)(const Tokenizer *tok, const char *text, size_t len,
                  bool add_bos, TokenList *out, EngineError *err);
    /* Raw bytes of one token; see tokenizer_decode_token. */
    int (*decode_token)(const Tokenizer *tok, int id, char *buf, size_t cap);
    /* Whether id is a special/control token (<|endoftext|>, <s>, </s>). */
    bool (*is_special)(const Tokenizer *tok, int id);
    void (*free_impl)(void *impl);
};

/* Reads a whole file, NUL-terminated; *len gets its size. On failure returns
 * NULL with a one-line error naming path, ending with HINT: hint. */
char *tokenizer_read_file(const char *path, size_t *len, const char *hint, EngineError *err);

/* Parses JSON text read from path; an error names the line and byte. */
cJSON *tokenizer_parse_json(const char *path, const char *text, size_t len, EngineError *err);

/* tokenizer_bpe.c: GPT-2 byte-level BPE from a parsed tokenizer.json. */
int tokenizer_bpe_from_hf_json(Tokenizer **out, const cJSON *root,
                               const char *path, EngineError *err);

/* tokenizer_sp.c: byte-fallback (Llama/SentencePiece-style) BPE from a parsed
 * tokenizer.json, chosen when model.byte_fallback is true. */
int tokenizer_sp_from_hf_json(Tokenizer **out, const cJSON *root,
                              const char *path, EngineError *err);

/* tokenizer_wordpiece.c: BERT WordPiece from a parsed tokenizer.json. */
int tokenizer_wordpiece_from_hf_json(Tokenizer **out, const cJSON *root,
                                     const char *path, EngineError *err);

#endif
