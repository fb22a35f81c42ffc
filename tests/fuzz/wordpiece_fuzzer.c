/* wordpiece_fuzzer.c — libFuzzer target for the BERT WordPiece tokenizer
 * (tokenizer_wordpiece.c, unicode.c).
 *
 * Inputs whose first byte is 'V' are a vocab.txt (the rest of the input):
 * written to a private temporary file and loaded with
 * tokenizer_load_wordpiece; one that loads must encode a fixed text. Every
 * other input is text for a small fixed vocabulary, and these must hold,
 * else abort():
 *   - encoding fails exactly when utf8_first_invalid < len;
 *   - the sanitized text encodes, plain and as [CLS] A [SEP] (B [SEP]);
 *   - token ids are in the vocabulary, offsets inside the text and in order,
 *     token types 0 then 1, [CLS] first and [SEP] last;
 *   - token_list_truncate_pair to any size keeps [CLS] first, [SEP] last.
 *
 * Built and run by `make fuzz` (fuzz_common.h) from
 * tests/fuzz/corpus/wordpiece/ (texts and a 'V' vocabulary).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/tokenizer.h"
#include "fuzz_common.h"


static Tokenizer *wp_fixed;

static const char wp_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n##s\n.\n,\ncaf\n##e\n\xcf\x83\n\xcf\x82\n"
    "\xe4\xbd\xa0\n##\xe2\x80\x8d\na\n##a\n##aa\n!\n";

static Tokenizer *wp_load(const char *text, size_t len) {
    const char *path = fuzz_write("vocab.txt", (const uint8_t *)text, len);
    Tokenizer *tok = NULL;
    EngineError err;
    if (tokenizer_load_wordpiece(&tok, path, NULL, &err)) {
        FUZZ_REQUIRE(tok == NULL);
        fuzz_check_error(err.msg);
    }
    return tok;
}

static void wp_check(const Tokenizer *tok, const char *text, size_t len, bool special) {
    TokenList l;
    EngineError err;
    FUZZ_REQUIRE(tokenizer_encode(tok, text, len, special, &l, &err) == 0);
    size_t prev = 0;
    int type = 0;
    for (size_t i = 0; i < l.n; i++) {
        const Token *t = &l.tokens[i];
        FUZZ_REQUIRE(t->id >= 0 && t->id < tokenizer_vocab_size(tok));
        FUZZ_REQUIRE(t->start <= t->end && t->end <= len && t->start >= prev);
        FUZZ_REQUIRE(t->type == 0 || t->type == 1);
        FUZZ_REQUIRE(t->type >= type);
        prev = t->start;
        type = t->type;
    }
    if (special) {
        FUZZ_REQUIRE(l.n >= 2 && l.tokens[0].id == tokenizer_bos_id(tok) && l.tokens[l.n - 1].id == tokenizer_eos_id(tok));
        for (size_t max = l.n; max-- > 3;) {
            token_list_truncate_pair(&l, max);
            FUZZ_REQUIRE(l.n <= max + 1 && l.tokens[0].id == tokenizer_bos_id(tok) &&
                       l.tokens[l.n - 1].id == tokenizer_eos_id(tok));
        }
    }
    token_list_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!wp_fixed) wp_fixed = wp_load(wp_vocab, sizeof wp_vocab - 1);
    FUZZ_REQUIRE(wp_fixed != NULL);
    const char *text = (const char *)data;
    if (size && text[0] == 'V') {
        Tokenizer *tok = wp_load(text + 1, size - 1);
        if (tok) wp_check(tok, "The cat's caf\xc3\xa9 ||| [MASK]!", 28, true);
        tokenizer_free(tok);
        return 0;
    }
    TokenList l;
    EngineError err;
    size_t bad = utf8_first_invalid(text, size);
    int rc = tokenizer_encode(wp_fixed, text, size, false, &l, &err);
    FUZZ_REQUIRE((rc != 0) == (bad < size));
    if (!rc) token_list_free(&l);
    size_t clean_len;
    char *clean = utf8_sanitize(text, size, &clean_len);
    FUZZ_REQUIRE(clean != NULL);
    wp_check(wp_fixed, clean, clean_len, false);
    wp_check(wp_fixed, clean, clean_len, true);
    free(clean);
    return 0;
}
