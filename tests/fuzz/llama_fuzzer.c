/* llama_fuzzer.c — libFuzzer target for the Llama-family parsers: the
 * llama2.c .bin loader (model_llama.c), the llama2.c tokenizer.bin reader and
 * the SentencePiece-style encoder (tokenizer_sp.c). Not built by `make`.
 *
 * The first input byte picks the target, the rest is its input:
 *   'B' a llama2.c .bin, loaded with model_load and the tokenizer below; a
 *       model that loads must run one forward pass over [1, 2], to finite
 *       logits when every weight is below 1e3 in size;
 *   'T' a tokenizer.bin, loaded with vocab_size 0 (as many tokens as the file
 *       holds); one that loads must encode a fixed text into tokens that tile
 *       it and decode each token;
 *   anything else: text for the reference tokenizer ($FUZZ_TOKENIZER, default
 *       ../shared/models/stories260K/tok512.bin); the tokens must tile the
 *       text and their pieces concatenate to " " + text when it is valid
 *       UTF-8, else encoding must fail.
 * A broken invariant aborts; memory errors show up as ASan reports.
 *
 * Built and run by `make fuzz` (fuzz_common.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "fuzz_common.h"

static Tokenizer *fuzz_tok;
static char fuzz_tok_path[1024];
/* Tokens tile text[0..len) after BOS. */
static void fuzz_check_tiling(const TokenList *list, size_t len) {
    size_t at = 0;
    for (size_t i = 1; i < list->n; i++) {
        FUZZ_REQUIRE(list->tokens[i].start == at && list->tokens[i].end >= at);
        at = list->tokens[i].end;
    }
    FUZZ_REQUIRE(at == len);
}

static void fuzz_model(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("model.bin", data, size);
    ModelLoadOptions o = model_load_options_default();
    o.tokenizer_path = fuzz_tok_path;
    Model *m = NULL;
    EngineError err;
    if (model_load(&m, path, &o, &err)) {
        FUZZ_REQUIRE(m == NULL);
        fuzz_check_error(err.msg);
        return;
    }
    Trace *tr = trace_create(m, 2);
    if (tr) {
        int ids[2] = {1, 2};
        RunOptions ro = run_options_default();
        /* Finite weights can still overflow (1e36 * 1e36): finite logits
           are required only of weights of a sane size. */
        float big = 0;
        for (size_t i = 28; i + 4 <= size; i += 4) {
            float w;
            memcpy(&w, data + i, 4);
            if (fabsf(w) > big) big = fabsf(w);
        }
        if (m->config.n_ctx >= 2 && forward_run(m, ids, 2, &ro, tr, &err) == 0 && big < 1e3f)
            for (size_t i = 0; i < (size_t)2 * m->config.vocab_size; i++)
                FUZZ_REQUIRE(isfinite(tr->logits[i]));
        trace_free(tr);
    }
    model_free(m);
}

static void fuzz_tokenizer_bin(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("tokenizer.bin", data, size);
    Tokenizer *tok = NULL;
    EngineError err;
    if (tokenizer_load_llama2c(&tok, path, 0, &err)) {
        FUZZ_REQUIRE(tok == NULL);
        fuzz_check_error(err.msg);
        return;
    }
    static const char text[] = "Once upon a time, \xC3\xA9\xF0\x9F\x90\xB6\n  x";
    TokenList list;
    FUZZ_REQUIRE(tokenizer_encode(tok, text, sizeof text - 1, true, &list, &err) == 0);
    fuzz_check_tiling(&list, sizeof text - 1);
    for (size_t i = 0; i < list.n; i++) {
        char buf[64], label[64];
        FUZZ_REQUIRE(tokenizer_decode_token(tok, list.tokens[i].id, buf, sizeof buf) >= 0);
        tokenizer_token_label(tok, list.tokens[i].id, label, sizeof label);
    }
    token_list_free(&list);
    tokenizer_free(tok);
}

static void fuzz_text(const uint8_t *data, size_t size) {
    if (!fuzz_tok) return;
    const char *text = (const char *)data;
    TokenList list;
    EngineError err;
    bool valid = utf8_first_invalid(text, size) == size;
    int rc = tokenizer_encode(fuzz_tok, text, size, true, &list, &err);
    FUZZ_REQUIRE((rc == 0) == valid);
    if (rc) return;
    fuzz_check_tiling(&list, size);
    char *joined = malloc(size * 4 + 8);
    size_t o = 0;
    for (size_t i = 1; i < list.n; i++) {
        char buf[64];
        int n = tokenizer_decode_token(fuzz_tok, list.tokens[i].id, buf, sizeof buf);
        FUZZ_REQUIRE(n > 0 && n < 64 && o + (size_t)n <= size * 4 + 8);
        memcpy(joined + o, buf, (size_t)n);
        o += (size_t)n;
    }
    FUZZ_REQUIRE(size == 0 ? o == 0 : o == size + 1 && joined[0] == ' ' && !memcmp(joined + 1, text, size));
    free(joined);
    token_list_free(&list);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *p = getenv("FUZZ_TOKENIZER");
    snprintf(fuzz_tok_path, sizeof fuzz_tok_path, "%s",
             p ? p : "../shared/models/stories260K/tok512.bin");
    EngineError err;
    if (tokenizer_load_llama2c(&fuzz_tok, fuzz_tok_path, 0, &err))
        fprintf(stderr, "llama_fuzzer: %s (text and .bin targets idle)\n", err.msg);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    if (data[0] == 'B')
        fuzz_model(data + 1, size - 1);
    else if (data[0] == 'T')
        fuzz_tokenizer_bin(data + 1, size - 1);
    else
        fuzz_text(data + 1, size - 1);
    return 0;
}
