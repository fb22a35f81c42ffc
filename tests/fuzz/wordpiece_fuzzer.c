/* wordpiece_fuzzer.c — libFuzzer target for the BERT WordPiece tokenizer
 * (tokenizer_wordpiece.c, unicode.c). Not built by `make`.
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
 * Build and run (from the repo root):
 *
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *       -Isrc tests/fuzz/wordpiece_fuzzer.c src/engine/tokenizer.c \
 *       src/engine/tokenizer_bpe.c src/engine/tokenizer_sp.c src/engine/utf8.c \
 *       src/engine/tokenizer_wordpiece.c src/engine/unicode.c src/engine/error.c \
 *       -lcjson -lpcre2-8 -lm -o build/wordpiece_fuzzer
 *   ./build/wordpiece_fuzzer -max_len=2048 -max_total_time=300
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/tokenizer.h"

#define WP_REQUIRE(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "wordpiece_fuzzer: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static Tokenizer *wp_fixed;

static const char wp_vocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n##s\n.\n,\ncaf\n##e\n\xcf\x83\n\xcf\x82\n"
    "\xe4\xbd\xa0\n##\xe2\x80\x8d\na\n##a\n##aa\n!\n";

static Tokenizer *wp_load(const char *text, size_t len) {
    char path[] = "/tmp/wordpiece_fuzzer_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) abort();
    WP_REQUIRE(write(fd, text, len) == (ssize_t)len);
    close(fd);
    Tokenizer *tok = NULL;
    EngineError err;
    if (tokenizer_load_wordpiece(&tok, path, NULL, &err)) {
        WP_REQUIRE(tok == NULL && strstr(err.msg, "HINT") && !strchr(err.msg, '\n'));
    }
    unlink(path);
    return tok;
}

static void wp_check(const Tokenizer *tok, const char *text, size_t len, bool special) {
    TokenList l;
    EngineError err;
    WP_REQUIRE(tokenizer_encode(tok, text, len, special, &l, &err) == 0);
    size_t prev = 0;
    int type = 0;
    for (size_t i = 0; i < l.n; i++) {
        const Token *t = &l.tokens[i];
        WP_REQUIRE(t->id >= 0 && t->id < tokenizer_vocab_size(tok));
        WP_REQUIRE(t->start <= t->end && t->end <= len && t->start >= prev);
        WP_REQUIRE(t->type == 0 || t->type == 1);
        WP_REQUIRE(t->type >= type);
        prev = t->start;
        type = t->type;
    }
    if (special) {
        WP_REQUIRE(l.n >= 2 && l.tokens[0].id == tokenizer_bos_id(tok) && l.tokens[l.n - 1].id == tokenizer_eos_id(tok));
        for (size_t max = l.n; max-- > 3;) {
            token_list_truncate_pair(&l, max);
            WP_REQUIRE(l.n <= max + 1 && l.tokens[0].id == tokenizer_bos_id(tok) &&
                       l.tokens[l.n - 1].id == tokenizer_eos_id(tok));
        }
    }
    token_list_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!wp_fixed) wp_fixed = wp_load(wp_vocab, sizeof wp_vocab - 1);
    WP_REQUIRE(wp_fixed != NULL);
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
    WP_REQUIRE((rc != 0) == (bad < size));
    if (!rc) token_list_free(&l);
    size_t clean_len;
    char *clean = utf8_sanitize(text, size, &clean_len);
    WP_REQUIRE(clean != NULL);
    wp_check(wp_fixed, clean, clean_len, false);
    wp_check(wp_fixed, clean, clean_len, true);
    free(clean);
    return 0;
}
