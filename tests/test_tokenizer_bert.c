/* test_tokenizer_bert.c — BERT WordPiece against an independent reference.
 *
 * Expected ids: tests/tokenizer/bert_cases.json, written by
 * tests/tokenizer/gen_bert_cases.js with the npm package
 * @huggingface/tokenizers@0.2.0 from the real bert-base-uncased vocab.txt in
 * ../shared/tokenizers/bert-base-uncased (SKIP when absent). Every case is
 * checked three ways: the plain pieces, [CLS] A [SEP] (B [SEP]) with token
 * types, and the same through a tokenizer.json this test writes from
 * vocab.txt. Invalid UTF-8 must be rejected with its byte offset; its
 * WHATWG-sanitized text must encode as the reference's. Also: offsets,
 * truncation of pairs, bad vocabularies.
 */
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "engine/tokenizer.h"

#define CASES_PATH "tests/tokenizer/bert_cases.json"

/* Compares list's ids (and types if want_types) with the JSON arrays. */
static int same(const TokenList *l, const cJSON *ids, const cJSON *types) {
    if (!ids || (size_t)cJSON_GetArraySize(ids) != l->n) return 0;
    size_t i = 0;
    for (const cJSON *x = ids->child; x; x = x->next, i++)
        if (l->tokens[i].id != x->valueint) return 0;
    i = 0;
    if (types)
        for (const cJSON *x = types->child; x; x = x->next, i++)
            if (l->tokens[i].type != x->valueint) return 0;
    return 1;
}

static void show(const char *what, const TokenList *l, const cJSON *ids) {
    printf("  %s got:", what);
    for (size_t i = 0; i < l->n && i < 30; i++) printf(" %d/%d", l->tokens[i].id, l->tokens[i].type);
    printf("\n  want:");
    int k = 0;
    for (const cJSON *x = ids ? ids->child : NULL; x && k < 30; x = x->next, k++) printf(" %d", x->valueint);
    printf("\n");
}

/* Offsets stay inside the text, in order. */
static int offsets_ok(const TokenList *l, size_t len) {
    size_t prev = 0;
    for (size_t i = 0; i < l->n; i++) {
        const Token *t = &l->tokens[i];
        if (t->start > t->end || t->end > len || t->start < prev) return 0;
        prev = t->start;
    }
    return 1;
}

static int run_cases(const Tokenizer *tok, const cJSON *cases, const char *label) {
    int n = 0;
    EngineError err;
    for (const cJSON *c = cases->child; c; c = c->next) {
        const char *kind = cJSON_GetObjectItem(c, "kind")->valuestring;
        bool valid = cJSON_IsTrue(cJSON_GetObjectItem(c, "valid"));
        const cJSON *hex = cJSON_GetObjectItem(c, "hex");
        const cJSON *ids = cJSON_GetObjectItem(c, "ids");
        const cJSON *ids_sp = cJSON_GetObjectItem(c, "ids_special");
        const cJSON *types = cJSON_GetObjectItem(c, "types");
        char *text;
        size_t len;
        if (hex) text = check_from_hex(hex->valuestring, &len);
        else text = strdup(cJSON_GetObjectItem(c, "text")->valuestring), len = strlen(text);
        TokenList l;
        if (!valid) {
            size_t first = (size_t)cJSON_GetObjectItem(c, "first_invalid")->valueint;
            int rc = tokenizer_encode(tok, text, len, false, &l, &err);
            char want[64];
            snprintf(want, sizeof want, "offset %zu", first);
            CHECK(rc == -1 && strstr(err.msg, want) && strstr(err.msg, "HINT"),
                  "%s %s: raw invalid UTF-8 is rejected naming %s: %s", label, kind, want, rc ? err.msg : "accepted");
            if (!rc) token_list_free(&l);
            size_t slen;
            char *clean = utf8_sanitize(text, len, &slen);
            size_t wlen;
            char *want_clean = check_from_hex(cJSON_GetObjectItem(c, "sanitized_hex")->valuestring, &wlen);
            CHECK(slen == wlen && !memcmp(clean, want_clean, wlen), "%s %s: sanitized as TextDecoder", label, kind);
            free(text);
            free(want_clean);
            text = clean;
            len = slen;
        }
        if (ids) {
            int rc = tokenizer_encode(tok, text, len, false, &l, &err);
            bool ok = rc == 0 && same(&l, ids, NULL) && offsets_ok(&l, len);
            CHECK(ok, "%s %s: plain ids of \"%.60s\"", label, kind, text);
            if (!ok && rc == 0) show("plain", &l, ids);
            if (rc == 0) token_list_free(&l);
            n++;
        }
        int rc = tokenizer_encode(tok, text, len, true, &l, &err);
        bool ok = rc == 0 && same(&l, ids_sp, types) && offsets_ok(&l, len);
        CHECK(ok, "%s %s: [CLS]/[SEP] ids and types of \"%.60s\"", label, kind, text);
        if (!ok && rc == 0) show("special", &l, ids_sp);
        if (rc == 0) token_list_free(&l);
        n++;
        free(text);
    }
    return n;
}

/* A tokenizer.json with bert-base-uncased's normalizer and model, written
 * with cJSON from vocab.txt. */
static int write_tokenizer_json(const char *vocab_path, const char *out_path) {
    size_t len;
    char *text = check_read_file(vocab_path, &len);
    if (!text) return -1;
    cJSON *root = cJSON_CreateObject(), *model = cJSON_CreateObject(), *vocab = cJSON_CreateObject();
    cJSON *norm = cJSON_CreateObject(), *added = cJSON_CreateArray();
    int id = 0;
    for (char *line = text, *nl; *line; line = nl + 1, id++) {
        nl = strchr(line, '\n');
        if (!nl) nl = line + strlen(line);
        char save = *nl;
        *nl = 0;
        cJSON_AddNumberToObject(vocab, line, id);
        if (line[0] == '[' && (!strcmp(line, "[PAD]") || !strcmp(line, "[UNK]") || !strcmp(line, "[CLS]") ||
                               !strcmp(line, "[SEP]") || !strcmp(line, "[MASK]"))) {
            cJSON *a = cJSON_CreateObject();
            cJSON_AddNumberToObject(a, "id", id);
            cJSON_AddStringToObject(a, "content", line);
            cJSON_AddTrueToObject(a, "special");
            cJSON_AddFalseToObject(a, "normalized");
            cJSON_AddItemToArray(added, a);
        }
        if (!save) break;
    }
    cJSON_AddStringToObject(norm, "type", "BertNormalizer");
    cJSON_AddTrueToObject(norm, "clean_text");
    cJSON_AddTrueToObject(norm, "handle_chinese_chars");
    cJSON_AddNullToObject(norm, "strip_accents");
    cJSON_AddTrueToObject(norm, "lowercase");
    cJSON_AddStringToObject(model, "type", "WordPiece");
    cJSON_AddStringToObject(model, "unk_token", "[UNK]");
    cJSON_AddStringToObject(model, "continuing_subword_prefix", "##");
    cJSON_AddNumberToObject(model, "max_input_chars_per_word", 100);
    cJSON_AddItemToObject(model, "vocab", vocab);
    cJSON_AddItemToObject(root, "added_tokens", added);
    cJSON_AddItemToObject(root, "normalizer", norm);
    cJSON_AddItemToObject(root, "model", model);
    char *json = cJSON_PrintUnformatted(root);
    FILE *f = fopen(out_path, "wb");
    int rc = f && fputs(json, f) >= 0 ? 0 : -1;
    if (f) fclose(f);
    free(json);
    cJSON_Delete(root);
    free(text);
    return rc;
}

static void write_text(const char *path, const char *s) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(s, f);
        fclose(f);
    }
}

static void expect_fail(const char *vocab_text, const char *what, const char *want) {
    char path[64] = "/tmp/attnscope_vocab_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    if (vocab_text) write_text(path, vocab_text);
    else unlink(path);
    Tokenizer *tok = NULL;
    EngineError err;
    int rc = tokenizer_load_wordpiece(&tok, path, NULL, &err);
    CHECK(rc == -1 && tok == NULL, "%s: load fails", what);
    if (rc == -1)
        CHECK(strstr(err.msg, path) && strstr(err.msg, want) && strstr(err.msg, "HINT") && !strchr(err.msg, '\n'),
              "%s: one line naming the file, '%s' and a HINT: %s", what, want, err.msg);
    tokenizer_free(tok);
    unlink(path);
}

/* Small vocabulary: offsets, pairs, truncation, cased mode, bad files. */
static void test_small(void) {
    expect_fail(NULL, "vocab.txt missing", "cannot open");
    expect_fail("", "vocab.txt empty", "is empty");
    expect_fail("[PAD]\n[UNK]\n[SEP]\n[MASK]\nhello\n", "no [CLS]", "[CLS]");
    expect_fail("[PAD]\n[UNK]\n[CLS]\n[MASK]\nhello\n", "no [SEP]", "[SEP]");
    expect_fail("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n", "no [MASK]", "[MASK]");
    expect_fail("[UNK]\n[CLS]\n[SEP]\n[MASK]\nbad\xff\n", "invalid UTF-8 token", ":5:");

    char path[64] = "/tmp/attnscope_vocab_XXXXXX", cfg[80];
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    write_text(path, "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\n.\nun\n##aff\n##able\nCat\r\n");
    Tokenizer *tok = NULL;
    EngineError err;
    CHECK(tokenizer_load_wordpiece(&tok, path, NULL, &err) == 0, "small vocab loads: %s", err.msg);
    if (!tok) return;
    CHECK(tokenizer_mask_id(tok) == 4 && tokenizer_bos_id(tok) == 2 && tokenizer_eos_id(tok) == 3 &&
          tokenizer_kind(tok) == TOKENIZER_WORDPIECE && tokenizer_vocab_size(tok) == 13, "special ids");
    const char *text = "The cat  unaffable ||| sat.";
    TokenList l;
    CHECK(tokenizer_encode(tok, text, strlen(text), true, &l, &err) == 0, "pair encodes");
    static const int want_id[] = {2, 5, 6, 9, 10, 11, 3, 7, 8, 3};
    static const int want_ty[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    static const size_t want_s[] = {0, 0, 4, 9, 11, 14, 18, 23, 26, 27};
    static const size_t want_e[] = {0, 3, 7, 11, 14, 18, 23, 26, 27, 27};
    bool ok = l.n == 10;
    for (size_t i = 0; ok && i < 10; i++)
        ok = l.tokens[i].id == want_id[i] && l.tokens[i].type == want_ty[i] && l.tokens[i].start == want_s[i] &&
             l.tokens[i].end == want_e[i];
    CHECK(ok, "pair: ids, types and byte offsets");
    char label[64];
    tokenizer_token_label(tok, 10, label, sizeof label);
    CHECK(!strcmp(label, "##aff"), "label of ##aff: %s", label);
    tokenizer_token_label(tok, 12, label, sizeof label);
    CHECK(!strcmp(label, "Cat"), "vocab.txt CRLF line: %s", label);
    /* longest_first: A has 5 body tokens, B 2; to 7 tokens drops A's tail */
    size_t dropped = token_list_truncate_pair(&l, 7);
    CHECK(dropped == 3 && l.n == 7, "pair truncated by %zu to %zu", dropped, l.n);
    static const int trunc_id[] = {2, 5, 6, 3, 7, 8, 3};
    ok = l.n == 7;
    for (size_t i = 0; ok && i < 7; i++) ok = l.tokens[i].id == trunc_id[i];
    CHECK(ok, "longest_first keeps [CLS] the cat [SEP] sat . [SEP]");
    token_list_free(&l);
    /* one long word: too many characters is one [UNK] */
    char longw[160];
    memset(longw, 'a', 101);
    longw[101] = 0;
    CHECK(tokenizer_encode(tok, longw, 101, false, &l, &err) == 0 && l.n == 1 && l.tokens[0].id == 1 &&
          l.tokens[0].start == 0 && l.tokens[0].end == 101, "101-char word is one [UNK] over its bytes");
    token_list_free(&l);
    tokenizer_free(tok);
    /* cased: tokenizer_config.json do_lower_case false */
    snprintf(cfg, sizeof cfg, "%s.json", path);
    write_text(cfg, "{\"do_lower_case\": false}");
    CHECK(tokenizer_load_wordpiece(&tok, path, cfg, &err) == 0, "cased vocab loads: %s", err.msg);
    if (tok) {
        CHECK(tokenizer_encode(tok, "Cat cat", 7, false, &l, &err) == 0 && l.n == 2 && l.tokens[0].id == 12 &&
              l.tokens[1].id == 6, "cased keeps Cat");
        token_list_free(&l);
        tokenizer_free(tok);
    }
    unlink(cfg);
    unlink(path);
}

/* tokenizer.json's max_input_chars_per_word beyond the stack buffers, and
 * an out-of-range one. */
static void test_long_words(void) {
    char path[64] = "/tmp/attnscope_tokjson_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    static const char *fmt = "{\"model\": {\"type\": \"WordPiece\", \"max_input_chars_per_word\": %d, "
                             "\"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2, \"[MASK]\": 3, \"a\": 4, \"##a\": 5}}}";
    char json[512], word[301];
    memset(word, 'a', 300);
    word[300] = 0;
    const int limits[] = {100, 200, 300};
    const size_t want[] = {1, 1, 300}; /* 300 chars: [UNK] under 100 and 200, split under 300 */
    for (int i = 0; i < 3; i++) {
        snprintf(json, sizeof json, fmt, limits[i]);
        write_text(path, json);
        Tokenizer *tok = NULL;
        EngineError err;
        TokenList l = {0};
        CHECK(tokenizer_load_hf_json(&tok, path, &err) == 0, "limit %d loads: %s", limits[i], err.msg);
        if (!tok) continue;
        CHECK(tokenizer_encode(tok, word, 300, false, &l, &err) == 0 && l.n == want[i] &&
                  l.tokens[0].id == (want[i] == 1 ? 0 : 4) && l.tokens[l.n - 1].id == (want[i] == 1 ? 0 : 5),
              "300-char word under max_input_chars_per_word %d: %zu tokens", limits[i], l.n);
        token_list_free(&l);
        tokenizer_free(tok);
    }
    snprintf(json, sizeof json, fmt, 5000);
    write_text(path, json);
    Tokenizer *tok = NULL;
    EngineError err;
    CHECK(tokenizer_load_hf_json(&tok, path, &err) == -1 && strstr(err.msg, "max_input_chars_per_word") &&
              strstr(err.msg, "HINT"), "max_input_chars_per_word 5000 is refused: %s", err.msg);
    tokenizer_free(tok);
    unlink(path);
}

int main(void) {
    test_small();
    test_long_words();
    char vocab[512], tj[64] = "/tmp/attnscope_tokjson_XXXXXX";
    snprintf(vocab, sizeof vocab, "%s/tokenizers/bert-base-uncased/vocab.txt", check_shared_dir());
    size_t len;
    char *json = check_read_file(CASES_PATH, &len);
    CHECK(json != NULL, "%s is readable (run from the repo root)", CASES_PATH);
    cJSON *cases = json ? cJSON_Parse(json) : NULL;
    free(json);
    if (!check_path_exists(vocab)) {
        SKIP("%s is absent: the reference comparison needs bert-base-uncased's vocab.txt", vocab);
    } else if (cases) {
        Tokenizer *tok = NULL;
        EngineError err;
        CHECK(tokenizer_load_wordpiece(&tok, vocab, NULL, &err) == 0, "vocab.txt loads: %s", err.msg);
        int n = tok ? run_cases(tok, cases, "vocab.txt") : 0;
        printf("vocab.txt: %d encodings of %d cases compared\n", n, cJSON_GetArraySize(cases));
        CHECK(cJSON_GetArraySize(cases) >= 300, "at least 300 reference cases");
        tokenizer_free(tok);
        int fd = mkstemp(tj);
        if (fd >= 0) close(fd);
        CHECK(write_tokenizer_json(vocab, tj) == 0, "tokenizer.json written");
        tok = NULL;
        CHECK(tokenizer_load_hf_json(&tok, tj, &err) == 0, "tokenizer.json loads: %s", err.msg);
        if (tok) run_cases(tok, cases, "tokenizer.json");
        tokenizer_free(tok);
        unlink(tj);
    }
    cJSON_Delete(cases);
    return check_summary();
}
