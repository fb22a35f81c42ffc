/* Placeholder until the SentencePiece-style tokenizer lands (issue 5). */
#include "tokenizer_internal.h"

int tokenizer_sp_from_hf_json(Tokenizer **out, const cJSON *root,
                              const char *path, EngineError *err) {
    (void)root;
    *out = NULL;
    return engine_fail(err, "%s: byte-fallback BPE tokenizers are not supported yet", path);
}
