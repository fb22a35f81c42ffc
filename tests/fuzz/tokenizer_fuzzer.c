/* tokenizer_fuzzer.c — libFuzzer target for the byte-level BPE tokenizer
 * (tokenizer.h) and the UTF-8 helpers. Not built by `make`.
 *
 * Inputs whose first byte is '{' are a tokenizer.json (byte-level BPE, or
 * byte-fallback SentencePiece-style when model.byte_fallback is true):
 * written to a private temporary file and loaded with
 * tokenizer_load_hf_json; a rejected file gives one escaped line with a
 * HINT; a tokenizer that loads must then encode a fixed text into tokens
 * that tile it. Every other
 * input is text for the real GPT-2 tokenizer (../shared/tokenizers/gpt2, or
 * $ATTNSCOPE_SHARED/tokenizers/gpt2), and these must hold, else abort():
 *   - encoding fails exactly when utf8_first_invalid < len;
 *   - utf8_sanitize gives valid UTF-8, which encodes;
 *   - the tokens' bytes are their slices of the text and tile it;
 *   - every token has a NUL-terminated label.
 *
 * Without the GPT-2 tokenizer files the text half idles and only the
 * tokenizer.json half runs. Built and run by `make fuzz` (fuzz_common.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/tokenizer.h"
#include "fuzz_common.h"

static Tokenizer *fuzz_gpt2;


int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *shared = getenv("ATTNSCOPE_SHARED");
    char vocab[1024], merges[1024];
    snprintf(vocab, sizeof vocab, "%s/tokenizers/gpt2/encoder.json", shared ? shared : "../shared");
    snprintf(merges, sizeof merges, "%s/tokenizers/gpt2/vocab.bpe", shared ? shared : "../shared");
    EngineError err;
    if (tokenizer_load_gpt2(&fuzz_gpt2, vocab, merges, &err))
        fprintf(stderr, "tokenizer_fuzzer: %s (the text half idles)\n", err.msg);
    return 0;
}

/* The tokens are the text's bytes, in order, without gaps. Loose: only in
 * bounds and in order (a tokenizer.json with add_prefix_space may give a
 * token for the added space, at [0,0)). */
static void fuzz_check_tiling(const Tokenizer *tok, const TokenList *list, const char *text, size_t len,
                              bool loose) {
    size_t at = 0;
    char buf[512], label[64];
    for (size_t i = 0; i < list->n; i++) {
        const Token *t = &list->tokens[i];
        int n = tokenizer_decode_token(tok, t->id, buf, sizeof buf);
        tokenizer_token_label(tok, t->id, label, sizeof label);
        FUZZ_REQUIRE(n >= 0 && memchr(label, '\0', sizeof label) != NULL);
        if (loose) {
            FUZZ_REQUIRE(t->start <= t->end && t->end <= len && t->start >= (i ? list->tokens[i - 1].start : 0));
            continue;
        }
        FUZZ_REQUIRE(t->start == at && t->end > t->start && t->end <= len);
        FUZZ_REQUIRE((size_t)n == t->end - t->start);
        FUZZ_REQUIRE((size_t)n >= sizeof buf || memcmp(buf, text + t->start, (size_t)n) == 0);
        at = t->end;
    }
    FUZZ_REQUIRE(loose || at == len);
}

static void fuzz_tokenizer_json(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("tokenizer.json", data, size);
    Tokenizer *tok = NULL;
    EngineError err;
    if (tokenizer_load_hf_json(&tok, path, &err) == 0) {
        static const char text[] = "Hello, world! It's 2024 \xE4\xBD\xA0\xE5\xA5\xBD\n\n  x";
        TokenList list;
        if (tokenizer_encode(tok, text, sizeof text - 1, true, &list, &err) == 0) {
            if (tokenizer_kind(tok) == TOKENIZER_BYTE_BPE) {
                size_t first = list.n > 0 && list.tokens[0].end == 0 ? 1 : 0;
                TokenList rest = {list.tokens + first, list.n - first};
                fuzz_check_tiling(tok, &rest, text, sizeof text - 1, true);
            }
            token_list_free(&list);
        }
        tokenizer_free(tok);
    } else {
        FUZZ_REQUIRE(tok == NULL);
        fuzz_check_error(err.msg);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 0 && data[0] == '{') {
        fuzz_tokenizer_json(data, size);
        return 0;
    }
    if (!fuzz_gpt2) return 0;
    const char *text = (const char *)data;
    TokenList list;
    EngineError err;
    size_t bad = utf8_first_invalid(text, size);
    FUZZ_REQUIRE(bad <= size);
    int rc = tokenizer_encode(fuzz_gpt2, text, size, false, &list, &err);
    FUZZ_REQUIRE((rc == 0) == (bad == size));
    if (rc == 0) {
        fuzz_check_tiling(fuzz_gpt2, &list, text, size, false);
        token_list_free(&list);
    } else {
        FUZZ_REQUIRE(list.n == 0 && list.tokens == NULL && strstr(err.msg, "HINT"));
    }
    size_t clen;
    char *clean = utf8_sanitize(text, size, &clen);
    FUZZ_REQUIRE(clean != NULL && utf8_first_invalid(clean, clen) == clen && clean[clen] == '\0');
    FUZZ_REQUIRE(bad < size || (clen == size && memcmp(clean, text, size) == 0));
    FUZZ_REQUIRE(tokenizer_encode(fuzz_gpt2, clean, clen, true, &list, &err) == 0);
    FUZZ_REQUIRE(list.n >= 1 && list.tokens[0].id == tokenizer_bos_id(fuzz_gpt2));
    TokenList rest = {list.tokens + 1, list.n - 1};
    fuzz_check_tiling(fuzz_gpt2, &rest, clean, clen, false);
    token_list_free(&list);
    free(clean);
    return 0;
}
