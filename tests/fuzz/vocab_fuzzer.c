/* vocab_fuzzer.c — libFuzzer target for GPT-2's vocab.json + merges.txt
 * (tokenizer_load_gpt2). The input is vocab.json, then the line "#####",
 * then merges.txt (no separator: all vocab.json, an empty merges.txt).
 *
 * Must hold: a rejected pair gives one escaped line with a HINT; a tokenizer
 * that loads encodes a fixed text into in-bounds, ordered tokens, each of
 * which decodes and has a NUL-terminated label.
 */
#include "engine/tokenizer.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char sep[] = "\n#####\n";
    const uint8_t *cut = memmem(data, size, sep, sizeof sep - 1);
    size_t vlen = cut ? (size_t)(cut - data) : size;
    size_t moff = cut ? vlen + sizeof sep - 1 : size;
    const char *vocab = fuzz_write("vocab.json", data, vlen);
    const char *merges = fuzz_write("merges.txt", data + moff, size - moff);
    Tokenizer *tok = NULL;
    EngineError err;
    err.msg[0] = 0;
    if (tokenizer_load_gpt2(&tok, vocab, merges, &err)) {
        FUZZ_REQUIRE(tok == NULL);
        fuzz_check_error(err.msg);
        return 0;
    }
    static const char text[] = "Hello, world! It's the 2024 \xE4\xBD\xA0\xE5\xA5\xBD\n\n  x";
    TokenList list;
    if (tokenizer_encode(tok, text, sizeof text - 1, true, &list, &err) == 0) {
        size_t prev = 0;
        for (size_t i = 0; i < list.n; i++) {
            const Token *t = &list.tokens[i];
            char buf[64], label[64];
            FUZZ_REQUIRE(t->start <= t->end && t->end <= sizeof text - 1 && t->start >= prev);
            prev = t->start;
            FUZZ_REQUIRE(tokenizer_decode_token(tok, t->id, buf, sizeof buf) >= 0);
            tokenizer_token_label(tok, t->id, label, sizeof label);
            FUZZ_REQUIRE(memchr(label, 0, sizeof label) != NULL);
        }
        token_list_free(&list);
    } else {
        fuzz_check_error(err.msg);
    }
    tokenizer_free(tok);
    return 0;
}
