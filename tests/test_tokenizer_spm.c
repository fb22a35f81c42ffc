/* test_tokenizer_spm.c — our SentencePiece against python3-sentencepiece.
 *
 * tests/tokenizer/spm_cases.jsonl (from tests/tokenizer/gen_spm_cases.py)
 * holds, for three small unigram models and a BPE model, the pieces, ids and decoded text
 * that sentencepiece 0.1.97 gives for 343 strings each (verses, accents and
 * old orthography, punctuation, digits, whitespace runs, empty strings,
 * NFKC-relevant characters, control characters, invalid UTF-8). Every case
 * must match exactly. For spm_nfkc_bytes.model with spm_vocab.json (a Marian
 * vocab.json), the Marian ids and MarianTokenizer's decode must match too.
 * Then bad input: a missing .spm, a file that is not a ModelProto, truncated
 * and damaged ModelProtos, a vocab.json that disagrees with the .spm.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "engine/spm.h"
#include "engine/tokenizer.h"

#define DIR "tests/tokenizer/"

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Hex string -> heap bytes (NUL-terminated), *n bytes. */
static char *unhex(const char *h, size_t *n) {
    size_t len = strlen(h) / 2;
    char *b = malloc(len + 1);
    for (size_t i = 0; i < len; i++) b[i] = (char)(hexval(h[2 * i]) * 16 + hexval(h[2 * i + 1]));
    b[len] = 0;
    *n = len;
    return b;
}

#define N_MODELS 4
static SpmModel *models[N_MODELS];
static const char *model_names[N_MODELS] = {"spm_nfkc", "spm_identity", "spm_nfkc_bytes", "spm_bpe"};

static SpmModel *model_named(const char *name) {
    for (int i = 0; i < N_MODELS; i++)
        if (!strcmp(name, model_names[i])) return models[i];
    return NULL;
}

static int n_cases, n_case_fail;

/* One case: pieces, ids, decode; for the bytes model the Marian mapping. */
static void check_case(const cJSON *c, const Tokenizer *marian) {
    const char *model = cJSON_GetObjectItem(c, "model")->valuestring;
    const char *kind = cJSON_GetObjectItem(c, "kind")->valuestring;
    SpmModel *m = model_named(model);
    size_t len;
    char *text = unhex(cJSON_GetObjectItem(c, "hex")->valuestring, &len);
    const cJSON *want_pieces = cJSON_GetObjectItem(c, "pieces_hex"), *want_ids = cJSON_GetObjectItem(c, "ids");
    int before = check_n_failed;
    EngineError err;
    SpmPieces ps;
    int rc = spm_encode(m, text, len, &ps, &err);
    CHECK(rc == 0, "%s %s [%s]: encode failed: %s", model, kind, cJSON_GetObjectItem(c, "text")->valuestring,
          err.msg);
    if (rc) goto done;
    int nw = cJSON_GetArraySize(want_pieces);
    bool same = (int)ps.n == nw;
    for (int i = 0; same && i < nw; i++) {
        size_t pn;
        char *p = unhex(cJSON_GetArrayItem(want_pieces, i)->valuestring, &pn);
        same = pn == ps.items[i].len && !memcmp(p, ps.text + ps.items[i].off, pn) &&
               ps.items[i].id == cJSON_GetArrayItem(want_ids, i)->valueint;
        free(p);
    }
    CHECK(same, "%s %s [%s]: %zu pieces, want %d", model, kind, cJSON_GetObjectItem(c, "text")->valuestring,
          ps.n, nw);
    if (!same) {
        printf("  got:");
        for (size_t i = 0; i < ps.n; i++) printf(" [%.*s]#%d", (int)ps.items[i].len, ps.text + ps.items[i].off,
                                                 ps.items[i].id);
        printf("\n  want: %s\n", cJSON_PrintUnformatted(want_ids));
    }
    /* Offsets: inside the text, ordered, and the last piece ends where the
       normalized text's characters end (never past len). */
    bool offsets_ok = true;
    for (size_t i = 0; i < ps.n; i++)
        offsets_ok &= ps.items[i].start <= ps.items[i].end && ps.items[i].end <= len &&
                      (i == 0 || ps.items[i - 1].end <= ps.items[i].start || ps.items[i - 1].start == ps.items[i].start);
    CHECK(offsets_ok, "%s %s: piece offsets out of order or past the text", model, kind);

    /* DecodeIds(ids) == sentencepiece's decode. */
    int *ids = malloc((ps.n + 1) * sizeof *ids);
    for (size_t i = 0; i < ps.n; i++) ids[i] = ps.items[i].id;
    char *dec;
    size_t dn, wn;
    char *want_dec = unhex(cJSON_GetObjectItem(c, "decoded_hex")->valuestring, &wn);
    rc = spm_decode_ids(m, ids, ps.n, &dec, &dn, &err);
    CHECK(rc == 0 && dn == wn && !memcmp(dec, want_dec, wn), "%s %s: decode gives [%s], want [%s]", model, kind,
          rc ? err.msg : dec, want_dec);
    if (!rc) free(dec);
    free(want_dec);
    free(ids);

    /* The Marian side: ids through vocab.json, decode as MarianTokenizer. */
    const cJSON *mids = cJSON_GetObjectItem(c, "marian_ids");
    if (marian && mids) {
        bool valid = utf8_first_invalid(text, len) == len;
        TokenList tl;
        rc = tokenizer_encode(marian, text, len, false, &tl, &err);
        if (!valid) {
            CHECK(rc != 0 && strstr(err.msg, "invalid UTF-8"), "%s %s: tokenizer_encode must reject invalid UTF-8",
                  model, kind);
        } else {
            int nm = cJSON_GetArraySize(mids);
            bool ok = rc == 0 && (int)tl.n + 1 == nm;
            for (int i = 0; ok && i + 1 < nm; i++) ok = tl.tokens[i].id == cJSON_GetArrayItem(mids, i)->valueint;
            ok = ok && cJSON_GetArrayItem(mids, nm - 1)->valueint == tokenizer_eos_id(marian);
            CHECK(ok, "%s %s [%s]: Marian ids differ (%s)", model, kind, cJSON_GetObjectItem(c, "text")->valuestring,
                  rc ? err.msg : "");
            if (!rc) token_list_free(&tl);
        }
        int *mi = malloc((size_t)cJSON_GetArraySize(mids) * sizeof *mi + sizeof *mi);
        for (int i = 0; i < cJSON_GetArraySize(mids); i++) mi[i] = cJSON_GetArrayItem(mids, i)->valueint;
        char *md;
        size_t mdn = 0;
        want_dec = unhex(cJSON_GetObjectItem(c, "marian_decoded_hex")->valuestring, &wn);
        rc = tokenizer_marian_decode(marian, mi, (size_t)cJSON_GetArraySize(mids), &md, &mdn, &err);
        CHECK(rc == 0 && mdn == wn && !memcmp(md, want_dec, wn), "%s %s: Marian decode [%s], want [%s]",
              model, kind, rc ? err.msg : md, want_dec);
        if (!rc) free(md);
        free(want_dec);
        free(mi);
    }
done:
    spm_pieces_free(&ps);
    free(text);
    n_cases++;
    n_case_fail += check_n_failed > before;
}

/* ------------------------------------------------------------- bad input */

static char *write_tmp(const char *name, const void *data, size_t n) {
    static char path[256];
    snprintf(path, sizeof path, "%s/attnscope_spm_%d_%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid(), name);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    return path;
}

static void expect_load_error(const char *what, const void *data, size_t n, const char *needle) {
    char *path = write_tmp("bad.spm", data, n);
    SpmModel *m = NULL;
    EngineError err = {{0}};
    int rc = spm_load(&m, path, &err);
    CHECK(rc != 0 && m == NULL && strstr(err.msg, path) && strstr(err.msg, "HINT:") && strstr(err.msg, needle),
          "%s: want an error naming the file with '%s' and a HINT, got rc=%d '%s'", what, needle, rc, err.msg);
    CHECK(!strchr(err.msg, '\n'), "%s: the error is one line", what);
    remove(path);
}

static void bad_input(void) {
    EngineError err = {{0}};
    SpmModel *m = NULL;
    CHECK(spm_load(&m, DIR "no_such.spm", &err) != 0 && strstr(err.msg, "no_such.spm") &&
              strstr(err.msg, "HINT:"), "missing .spm: %s", err.msg);

    const char *json = "{\"not\": \"a model\"}\n";
    expect_load_error("JSON text", json, strlen(json), "not a SentencePiece model");
    expect_load_error("empty file", "", 0, "no pieces");
    const unsigned char garbage[] = {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01};
    expect_load_error("length past the end", garbage, sizeof garbage, "past the end");

    /* The real model, truncated at many points and with bytes flipped:
       each load either fails with a one-line error or succeeds, never
       crashes; successes must encode. */
    size_t n;
    char *blob = check_read_file(DIR "spm_nfkc_bytes.model", &n);
    CHECK(blob != NULL, "read spm_nfkc_bytes.model");
    if (!blob) return;
    int failed = 0, loaded = 0;
    for (size_t cut = 0; cut < n; cut += n / 97 + 1) {
        if (spm_load_memory(&m, blob, cut, "cut.spm", &err) == 0) {
            SpmPieces ps;
            loaded++;
            if (spm_encode(m, "Y fué así", 10, &ps, &err) == 0) spm_pieces_free(&ps);
            spm_free(m);
        } else {
            failed++;
            CHECK(strstr(err.msg, "cut.spm") && strstr(err.msg, "HINT:"), "truncated at %zu: %s", cut, err.msg);
        }
    }
    CHECK(failed > 50, "truncated models mostly fail to load (%d failed, %d loaded)", failed, loaded);
    uint32_t seed = 12345;
    for (int t = 0; t < 200; t++) {
        char *copy = malloc(n);
        memcpy(copy, blob, n);
        for (int k = 0; k < 8; k++) {
            seed = seed * 1664525u + 1013904223u;
            copy[(seed >> 8) % n] = (char)(seed >> 24);
        }
        if (spm_load_memory(&m, copy, n, "flip.spm", &err) == 0) {
            SpmPieces ps;
            const char *s = "  Ｈｅｌｌｏ fué\xff ﬁn 123  ";
            if (spm_encode(m, s, strlen(s), &ps, &err) == 0) spm_pieces_free(&ps);
            spm_free(m);
        }
        free(copy);
    }
    CHECK(1, "200 damaged models loaded or refused without a crash");
    free(blob);

    /* BPE and a missing <unk>, from a tiny hand-written ModelProto:
       pieces {piece "a" score -1}, {piece "<unk>" type UNKNOWN}, trainer_spec. */
    const unsigned char bpe[] = {0x0A, 0x08, 0x0A, 0x01, 'a', 0x15, 0x00, 0x00, 0x80, 0xBF,
                                 0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k', '>', 0x18, 0x02,
                                 0x12, 0x02, 0x18, 0x02};
    CHECK(spm_load_memory(&m, bpe, sizeof bpe, "bpe.spm", &err) == 0, "a tiny BPE model loads: %s", err.msg);
    spm_free(m);
    m = NULL;
    const unsigned char word[] = {0x0A, 0x08, 0x0A, 0x01, 'a', 0x15, 0x00, 0x00, 0x80, 0xBF,
                                  0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k', '>', 0x18, 0x02,
                                  0x12, 0x02, 0x18, 0x03};
    expect_load_error("WORD model", word, sizeof word, "model_type is WORD");
    const unsigned char no_unk[] = {0x0A, 0x08, 0x0A, 0x01, 'a', 0x15, 0x00, 0x00, 0x80, 0xBF};
    expect_load_error("no <unk>", no_unk, sizeof no_unk, "UNKNOWN");
    const unsigned char dup[] = {0x0A, 0x03, 0x0A, 0x01, 'a', 0x0A, 0x03, 0x0A, 0x01, 'a'};
    expect_load_error("repeated piece", dup, sizeof dup, "repeats pieces[0]");
    const unsigned char ok[] = {0x0A, 0x08, 0x0A, 0x01, 'a', 0x15, 0x00, 0x00, 0x80, 0xBF,
                                0x0A, 0x09, 0x0A, 0x05, '<', 'u', 'n', 'k', '>', 0x18, 0x02};
    CHECK(spm_load_memory(&m, ok, sizeof ok, "tiny.spm", &err) == 0, "the tiny unigram model loads: %s", err.msg);
    if (m) {
        SpmPieces ps;
        CHECK(spm_encode(m, "aab", 3, &ps, &err) == 0 && ps.n == 4 && ps.items[3].id == 1,
              "tiny model: '\u2581' and 'b' unknown, a, a known");
        spm_pieces_free(&ps);
        spm_free(m);
    }

    /* vocab.json disagreeing with the .spm. */
    const char *v1 = "{\"</s>\": 0, \"<unk>\": 1, \"\\u2581the\": 2}";
    char *vpath = strdup(write_tmp("vocab.json", v1, strlen(v1)));
    Tokenizer *tok = NULL;
    int rc = tokenizer_load_marian(&tok, DIR "spm_nfkc_bytes.model", vpath, &err);
    CHECK(rc != 0 && !tok && strstr(err.msg, vpath) && strstr(err.msg, "missing") && strstr(err.msg, "HINT:"),
          "vocab.json without the .spm's pieces: %s", err.msg);
    const char *v2 = "{\"</s>\": 0, \"<unk>\": 1, \"a\": 1}";
    write_tmp("vocab.json", v2, strlen(v2));
    rc = tokenizer_load_marian(&tok, DIR "spm_nfkc_bytes.model", vpath, &err);
    CHECK(rc != 0 && strstr(err.msg, vpath) && strstr(err.msg, "HINT:"), "vocab.json with a repeated id: %s",
          err.msg);
    const char *v3 = "[1, 2, 3]";
    write_tmp("vocab.json", v3, strlen(v3));
    rc = tokenizer_load_marian(&tok, DIR "spm_nfkc_bytes.model", vpath, &err);
    CHECK(rc != 0 && strstr(err.msg, vpath) && strstr(err.msg, "HINT:"), "vocab.json not an object: %s", err.msg);
    rc = tokenizer_load_marian(&tok, DIR "spm_nfkc_bytes.model", DIR "no_such_vocab.json", &err);
    CHECK(rc != 0 && strstr(err.msg, "no_such_vocab.json") && strstr(err.msg, "HINT:"), "missing vocab.json: %s",
          err.msg);
    remove(vpath);
    free(vpath);
}

int main(void) {
    for (int i = 0; i < N_MODELS; i++) {
        char path[256];
        snprintf(path, sizeof path, DIR "%s.model", model_names[i]);
        EngineError err;
        int rc = spm_load(&models[i], path, &err);
        CHECK(rc == 0, "load %s: %s", path, err.msg);
        if (rc) return check_summary();
    }
    CHECK(!strcmp(spm_normalizer_name(models[0]), "nmt_nfkc") && spm_byte_fallback(models[2]) &&
              !spm_byte_fallback(models[0]), "model metadata");
    Tokenizer *marian = NULL;
    EngineError err;
    int rc = tokenizer_load_marian(&marian, DIR "spm_nfkc_bytes.model", DIR "spm_vocab.json", &err);
    CHECK(rc == 0, "load Marian tokenizer: %s", err.msg);

    if (marian) { /* labels: special tokens spelled, U+2581 as a space, bytes as \xNN */
        char label[64];
        tokenizer_token_label(marian, tokenizer_eos_id(marian), label, sizeof label);
        CHECK(!strcmp(label, "</s>") && tokenizer_bos_id(marian) < 0 && tokenizer_pad_id(marian) == 1299,
              "</s> label [%s], no BOS, <pad> last", label);
        TokenList tl;
        CHECK(tokenizer_encode(marian, "Y fué", 6, true, &tl, &err) == 0 && tl.n == 2, "add_bos adds nothing");
        tokenizer_token_label(marian, tl.tokens[1].id, label, sizeof label);
        CHECK(!strcmp(label, " fué") && tl.tokens[1].start == 1 && tl.tokens[1].end == 6, "label [%s] of \u2581fué",
              label);
        token_list_free(&tl);
        /* ">>xx<<" in front is one token (unknown here: no such code in the vocabulary). */
        CHECK(tokenizer_encode(marian, ">>es<< Y fué", 13, false, &tl, &err) == 0 && tl.n == 3 &&
                  tl.tokens[0].id == 1 && tl.tokens[0].end == 6 && tl.tokens[2].start == 8 && tl.tokens[2].end == 13,
              "language code token");
        token_list_free(&tl);
        int byte_id = -1;
        for (int i = 0; i < tokenizer_vocab_size(marian) && byte_id < 0; i++) {
            char b[8];
            if (tokenizer_decode_token(marian, i, b, sizeof b) == 1 && (unsigned char)b[0] == 0xE4) byte_id = i;
        }
        tokenizer_token_label(marian, byte_id, label, sizeof label);
        CHECK(byte_id >= 0 && !strcmp(label, "\\xE4"), "<0xE4> is the byte 0xE4, labelled [%s]", label);
    }

    size_t n;
    char *all = check_read_file(DIR "spm_cases.jsonl", &n);
    CHECK(all != NULL, "read spm_cases.jsonl");
    for (char *line = all, *next; all && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        else next = line + strlen(line);
        cJSON *c = cJSON_Parse(line);
        if (!c) continue;
        check_case(c, marian);
        cJSON_Delete(c);
    }
    printf("%d cases, %d with a difference\n", n_cases, n_case_fail);
    CHECK(n_cases >= 1200, "at least 300 strings per model (%d cases)", n_cases);
    free(all);
    tokenizer_free(marian);
    bad_input();
    for (int i = 0; i < N_MODELS; i++) spm_free(models[i]);
    return check_summary();
}
