/* test_tokenizer_sp.c — the SentencePiece-style tokenizer (tokenizer_sp.c).
 *
 *   - tok512.bin (../shared/models/stories260K): ids and offsets of 210 varied
 *     texts must equal the independent Python reference
 *     (tests/oracle/sp_tokenizer_oracle.py writes $BUILD/oracle/llama/sp_cases.json);
 *   - round trips: the pieces after BOS concatenate to " " + text, offsets
 *     tile the text, for tok512.bin and for the oracle's HF tokenizer.json;
 *   - labels of control and byte tokens; empty text; invalid UTF-8;
 *   - a long text encodes in reasonable time;
 *   - bad tokenizer.bin files (truncated, absurd lengths, wrong vocab size)
 *     fail with one line naming the file and a HINT.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "engine/tokenizer.h"

static const char *build_dir;

static void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

/* Encodes text with BOS and checks the round trip and the offsets. */
static void check_round_trip(const Tokenizer *tok, const char *text, const char *tag) {
    size_t len = strlen(text);
    TokenList list;
    EngineError err = {0};
    int rc = tokenizer_encode(tok, text, len, true, &list, &err);
    CHECK(rc == 0, "%s: encode \"%s\": %s", tag, text, err.msg);
    if (rc) return;
    CHECK(list.n >= 1 && list.tokens[0].id == tokenizer_bos_id(tok) && list.tokens[0].start == 0 &&
              list.tokens[0].end == 0,
          "%s: BOS first", tag);
    char *joined = malloc(len * 4 + 16);
    size_t o = 0;
    size_t expect_start = 0;
    bool tiles = true;
    for (size_t i = 1; i < list.n; i++) {
        char piece[256];
        int n = tokenizer_decode_token(tok, list.tokens[i].id, piece, sizeof piece);
        if (n > 0 && o + (size_t)n < len * 4 + 16) {
            memcpy(joined + o, piece, (size_t)n);
            o += (size_t)n;
        }
        tiles = tiles && list.tokens[i].start == expect_start && list.tokens[i].end >= list.tokens[i].start;
        expect_start = list.tokens[i].end;
    }
    joined[o] = 0;
    CHECK(tiles && expect_start == len, "%s: offsets of \"%s\" do not tile the text", tag, text);
    bool round = len == 0 ? o == 0 : (o == len + 1 && joined[0] == ' ' && !memcmp(joined + 1, text, len));
    CHECK(round, "%s: round trip of \"%s\" gave \"%s\"", tag, text, joined);
    free(joined);
    token_list_free(&list);
}

static const char *const varied[] = {
    "Once upon a time, there was a little girl named Lily.",
    "café naïve résumé — “quotes”",
    "emoji 🍕🐶😀 need byte fallback",
    "line one\nline two\n\n\ttabbed",
    "   leading and trailing   ",
    "你好，世界 and Привет",
    "a",
    "<s></s><unk><0x41>",
    "x\r\ny",
};

static void test_tok512(void) {
    char tok_path[1024];
    snprintf(tok_path, sizeof tok_path, "%s/models/stories260K/tok512.bin", check_shared_dir());
    if (!check_path_exists(tok_path)) {
        SKIP("%s absent: tok512.bin reference cases skipped", tok_path);
        return;
    }
    Tokenizer *tok = NULL;
    EngineError err = {0};
    int rc = tokenizer_load_llama2c(&tok, tok_path, 512, &err);
    CHECK(rc == 0, "load %s: %s", tok_path, err.msg);
    if (rc) return;
    CHECK(tokenizer_kind(tok) == TOKENIZER_SENTENCEPIECE && tokenizer_vocab_size(tok) == 512 &&
              tokenizer_bos_id(tok) == 1 && tokenizer_eos_id(tok) == 2,
          "tok512: kind, vocab, bos, eos");

    char cases_path[1100];
    snprintf(cases_path, sizeof cases_path, "%s/oracle/llama/sp_cases.json", build_dir);
    size_t len;
    char *text = check_read_file(cases_path, &len);
    CHECK(text != NULL, "%s missing: run /usr/bin/python3 tests/oracle/sp_tokenizer_oracle.py %s/oracle", cases_path, build_dir);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    free(text);
    int n_cases = 0, n_same = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases")) {
        const char *s = cJSON_GetObjectItemCaseSensitive(c, "text")->valuestring;
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(c, "ids");
        const cJSON *offs = cJSON_GetObjectItemCaseSensitive(c, "offsets");
        TokenList list;
        n_cases++;
        if (tokenizer_encode(tok, s, strlen(s), true, &list, &err)) {
            CHECK(0, "tok512: encode \"%s\": %s", s, err.msg);
            continue;
        }
        bool same = list.n == (size_t)cJSON_GetArraySize(ids);
        for (size_t i = 0; same && i < list.n; i++) {
            const cJSON *o = cJSON_GetArrayItem(offs, (int)i);
            same = list.tokens[i].id == cJSON_GetArrayItem(ids, (int)i)->valueint &&
                   list.tokens[i].start == (size_t)cJSON_GetArrayItem(o, 0)->valueint &&
                   list.tokens[i].end == (size_t)cJSON_GetArrayItem(o, 1)->valueint;
        }
        CHECK(same, "tok512: \"%s\" differs from the reference encoding", s);
        n_same += same;
        check_round_trip(tok, s, "tok512");
        token_list_free(&list);
    }
    cJSON_Delete(root);
    printf("tok512: %d/%d texts match the reference encoder\n", n_same, n_cases);
    CHECK(n_cases >= 200, "tok512: only %d reference cases", n_cases);
    for (size_t i = 0; i < sizeof varied / sizeof *varied; i++) check_round_trip(tok, varied[i], "tok512");

    /* Known pieces: " Once" is one token; "\n" needs <0x0A> = id 13. */
    TokenList list;
    rc = tokenizer_encode(tok, "Once\n", 5, false, &list, &err);
    CHECK(rc == 0 && list.n == 2 && list.tokens[1].id == 13 && list.tokens[0].start == 0 &&
              list.tokens[0].end == 4 && list.tokens[1].start == 4,
          "tok512: \"Once\\n\" -> \" Once\" <0x0A>");
    char label[64], bytes[16];
    if (rc == 0) {
        tokenizer_decode_token(tok, list.tokens[0].id, bytes, sizeof bytes);
        CHECK(!strcmp(bytes, " Once"), "tok512: decode \" Once\", got \"%s\"", bytes);
        token_list_free(&list);
    }
    tokenizer_token_label(tok, 1, label, sizeof label);
    CHECK(!strcmp(label, "<s>"), "tok512: BOS label \"%s\"", label);
    tokenizer_token_label(tok, 13, label, sizeof label);
    CHECK(!strcmp(label, "\\n"), "tok512: <0x0A> label \"%s\"", label);
    CHECK(tokenizer_decode_token(tok, 3 + 0xE2, bytes, sizeof bytes) == 1 && (unsigned char)bytes[0] == 0xE2,
          "tok512: <0xE2> decodes to one byte");
    CHECK(tokenizer_decode_token(tok, 512, bytes, sizeof bytes) == -1, "tok512: id 512 out of range");

    /* Empty text: nothing, or BOS alone. */
    rc = tokenizer_encode(tok, "", 0, true, &list, &err);
    CHECK(rc == 0 && list.n == 1 && list.tokens[0].id == 1, "tok512: empty text with BOS");
    token_list_free(&list);
    rc = tokenizer_encode(tok, "", 0, false, &list, &err);
    CHECK(rc == 0 && list.n == 0, "tok512: empty text without BOS");
    token_list_free(&list);

    /* Invalid UTF-8 is an error naming the offset, not a crash. */
    rc = tokenizer_encode(tok, "ab\xC3(", 4, true, &list, &err);
    CHECK(rc == -1 && strstr(err.msg, "offset 2") && strstr(err.msg, "HINT"), "tok512: invalid UTF-8: %s", err.msg);

    /* A long text: the merge heap keeps it fast; it still round-trips. */
    size_t big_len = 200000;
    char *big = malloc(big_len + 1);
    const char *unit = "Lily saw a big dog. \xF0\x9F\x90\xB6 She ran! ";
    size_t ul = strlen(unit);
    for (size_t i = 0; i < big_len; i++) big[i] = unit[i % ul];
    while (big_len && ((unsigned char)big[big_len - 1] & 0xC0) == 0x80) big_len--; /* whole chars */
    if (big_len && (unsigned char)big[big_len - 1] >= 0xC0) big_len--;
    big[big_len] = 0;
    clock_t t0 = clock();
    rc = tokenizer_encode(tok, big, big_len, true, &list, &err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("tok512: %zu bytes -> %zu tokens in %.3f s\n", big_len, list.n, secs);
    CHECK(rc == 0 && list.n > big_len / 10 && secs < 2.0, "tok512: long text (%.3f s)", secs);
    token_list_free(&list);
    check_round_trip(tok, big, "tok512 long");
    free(big);
    tokenizer_free(tok);

    /* Bad files, made from tok512.bin. */
    size_t n;
    unsigned char *data = (unsigned char *)check_read_file(tok_path, &n);
    CHECK(data != NULL, "read %s", tok_path);
    if (!data) return;
    char bad[1100];
    struct {
        const char *name, *expect;
        size_t keep;
        int patch_at;
        int32_t patch;
        int vocab;
    } cases[] = {
        {"tok_truncated.bin", "truncated", n - 100, -1, 0, 512},
        {"tok_tiny.bin", "shorter than", 2, -1, 0, 512},
        {"tok_header_only.bin", "truncated", 4, -1, 0, 512},
        {"tok_maxlen.bin", "max_token_length", n, 0, -5, 512},
        {"tok_len.bin", "length", n, 8, 1 << 30, 512},
        {"tok_negative_len.bin", "length", n, 8, -1, 512},
        {"tok_vocab_more.bin", "truncated", n, -1, 0, 600},
        {"tok_vocab_less.bin", "another model", n, -1, 0, 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(bad, sizeof bad, "%s/%s", build_dir, cases[i].name);
        unsigned char *copy = malloc(n);
        memcpy(copy, data, n);
        if (cases[i].patch_at >= 0) memcpy(copy + cases[i].patch_at, &cases[i].patch, 4);
        write_file(bad, copy, cases[i].keep);
        free(copy);
        Tokenizer *t = NULL;
        EngineError e = {0};
        rc = tokenizer_load_llama2c(&t, bad, cases[i].vocab, &e);
        CHECK(rc == -1 && t == NULL && strstr(e.msg, bad) && strstr(e.msg, "HINT") &&
                  strstr(e.msg, cases[i].expect) && !strchr(e.msg, '\n'),
              "%s: expected a one-line error with \"%s\", got \"%s\"", cases[i].name, cases[i].expect, e.msg);
        remove(bad);
    }
    free(data);
    Tokenizer *t = NULL;
    rc = tokenizer_load_llama2c(&t, "/nonexistent/tokenizer.bin", 512, &err);
    CHECK(rc == -1 && strstr(err.msg, "/nonexistent/tokenizer.bin") && strstr(err.msg, "HINT"), "missing file: %s", err.msg);
}

/* The oracle's Llama-2-style tokenizer.json (Prepend + Replace normalizer,
 * merges by rank, byte fallback). */
static void test_hf_json(void) {
    char path[1100];
    snprintf(path, sizeof path, "%s/oracle/llama/gqa_tied/hf/tokenizer.json", build_dir);
    Tokenizer *tok = NULL;
    EngineError err = {0};
    int rc = tokenizer_load_hf_json(&tok, path, &err);
    CHECK(rc == 0, "load %s: %s (run tests/oracle/llama_oracle.py first)", path, err.msg);
    if (rc) return;
    CHECK(tokenizer_kind(tok) == TOKENIZER_SENTENCEPIECE && tokenizer_bos_id(tok) == 1 &&
              tokenizer_eos_id(tok) == 2,
          "hf: kind, bos, eos");
    for (size_t i = 0; i < sizeof varied / sizeof *varied; i++) check_round_trip(tok, varied[i], "hf");
    char label[64];
    tokenizer_token_label(tok, 1, label, sizeof label);
    CHECK(!strcmp(label, "<s>"), "hf: BOS label \"%s\"", label);
    TokenList list;
    rc = tokenizer_encode(tok, "the dog", 7, false, &list, &err);
    char piece[32] = "";
    if (rc == 0 && list.n) tokenizer_decode_token(tok, list.tokens[0].id, piece, sizeof piece);
    CHECK(rc == 0 && list.n == 2 && !strcmp(piece, " the"), "hf: \"the dog\" -> \"\xE2\x96\x81the\" \"\xE2\x96\x81""dog\" (%zu tokens, first \"%s\")", list.n, piece);
    token_list_free(&list);
    tokenizer_free(tok);

    /* Damaged tokenizer.json files. */
    size_t n;
    char *text = check_read_file(path, &n);
    if (!text) return;
    cJSON *root = cJSON_Parse(text);
    free(text);
    cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    struct {
        const char *what, *expect;
    } bad[] = {{"merges", "model.merges"}, {"vocab", "model.vocab"}, {"normalizer", "normalizer"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cJSON *copy = cJSON_Duplicate(root, 1);
        cJSON *cm = cJSON_GetObjectItemCaseSensitive(copy, "model");
        if (i == 0) cJSON_ReplaceItemInObject(cm, "merges", cJSON_CreateString("oops"));
        if (i == 1) cJSON_ReplaceItemInObject(cm, "vocab", cJSON_CreateArray());
        if (i == 2) {
            cJSON *nz = cJSON_CreateObject();
            cJSON_AddStringToObject(nz, "type", "NFKC");
            cJSON_ReplaceItemInObject(copy, "normalizer", nz);
        }
        char *out = cJSON_PrintUnformatted(copy);
        char bad_path[1100];
        snprintf(bad_path, sizeof bad_path, "%s/tokenizer_bad_%s.json", build_dir, bad[i].what);
        write_file(bad_path, out, strlen(out));
        free(out);
        cJSON_Delete(copy);
        Tokenizer *t = NULL;
        EngineError e = {0};
        rc = tokenizer_load_hf_json(&t, bad_path, &e);
        CHECK(rc == -1 && t == NULL && strstr(e.msg, bad_path) && strstr(e.msg, bad[i].expect) &&
                  strstr(e.msg, "HINT"),
              "hf bad %s: got \"%s\"", bad[i].what, e.msg);
        remove(bad_path);
    }
    (void)model;

    /* The same tokenizer with the newer spelling (no normalizer, a Metaspace
       pre-tokenizer that splits at spaces): no piece of this vocabulary has
       "▁" inside, so the ids and offsets must not change. */
    cJSON *meta = cJSON_Duplicate(root, 1);
    cJSON_ReplaceItemInObject(meta, "normalizer", cJSON_CreateNull());
    cJSON *pre = cJSON_CreateObject();
    cJSON_AddStringToObject(pre, "type", "Metaspace");
    cJSON_AddStringToObject(pre, "replacement", "\xE2\x96\x81");
    cJSON_AddStringToObject(pre, "prepend_scheme", "first");
    cJSON_AddBoolToObject(pre, "split", 1);
    cJSON_ReplaceItemInObject(meta, "pre_tokenizer", pre);
    char *meta_text = cJSON_PrintUnformatted(meta);
    cJSON_Delete(meta);
    char meta_path[1100];
    snprintf(meta_path, sizeof meta_path, "%s/tokenizer_metaspace.json", build_dir);
    write_file(meta_path, meta_text, strlen(meta_text));
    free(meta_text);
    Tokenizer *a = NULL, *b = NULL;
    rc = tokenizer_load_hf_json(&a, path, &err) || tokenizer_load_hf_json(&b, meta_path, &err);
    CHECK(rc == 0, "hf metaspace: load: %s", err.msg);
    for (size_t i = 0; rc == 0 && i < sizeof varied / sizeof *varied; i++) {
        TokenList la, lb;
        if (tokenizer_encode(a, varied[i], strlen(varied[i]), true, &la, &err)) continue;
        if (tokenizer_encode(b, varied[i], strlen(varied[i]), true, &lb, &err)) {
            token_list_free(&la);
            continue;
        }
        bool same = la.n == lb.n;
        for (size_t k = 0; same && k < la.n; k++)
            same = la.tokens[k].id == lb.tokens[k].id && la.tokens[k].start == lb.tokens[k].start &&
                   la.tokens[k].end == lb.tokens[k].end;
        CHECK(same, "hf metaspace: \"%s\" encodes differently from the Prepend+Replace spelling", varied[i]);
        token_list_free(&la);
        token_list_free(&lb);
    }
    tokenizer_free(a);
    tokenizer_free(b);
    remove(meta_path);
    cJSON_Delete(root);
}

int main(void) {
    build_dir = getenv("BUILD") ? getenv("BUILD") : "build";
    test_tok512();
    test_hf_json();
    return check_summary();
}
