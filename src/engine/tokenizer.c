/* tokenizer.c — the family-independent half of tokenizer.h: input checks,
 * dispatch to the family (tokenizer_bpe.c, tokenizer_sp.c), labels, and
 * tokenizer.json detection. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fileio.h"
#include "tokenizer_internal.h"

/* ---------------------------------------------------------------- encode */

int tokenizer_encode(const Tokenizer *tok, const char *text, size_t len,
                     bool add_bos, TokenList *out, EngineError *err) {
    ENGINE_ASSERT(tok && out);
    out->tokens = NULL;
    out->n = 0;
    if (!text && len > 0)
        return engine_fail(err, "text: NULL pointer with length %zu; HINT: this is a bug in the caller", len);
    if (!text) text = "";
    size_t bad = utf8_first_invalid(text, len);
    if (bad < len) {
        return engine_fail(err,
                           "text: invalid UTF-8 at byte offset %zu (byte 0x%02X); HINT: save the text "
                           "as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8)",
                           bad, (unsigned char)text[bad]);
    }
    return tok->encode(tok, text, len, add_bos, out, err);
}

void token_list_free(TokenList *list) {
    if (!list) return;
    free(list->tokens);
    list->tokens = NULL;
    list->n = 0;
}

void tokenizer_free(Tokenizer *tok) {
    if (!tok) return;
    if (tok->free_impl) tok->free_impl(tok->impl);
    free(tok);
}

/* ---------------------------------------------------------------- decode */

int tokenizer_decode_token(const Tokenizer *tok, int id, char *buf, size_t cap) {
    ENGINE_ASSERT(tok);
    if (id < 0 || id >= tok->vocab_size) {
        if (buf && cap) buf[0] = '\0';
        return -1;
    }
    return tok->decode_token(tok, id, buf, cap);
}

/* Appends n bytes to buf[*o..cap-1) if all of them fit; false otherwise, so
 * a label never ends in half an escape or half a character. */
static bool tokenizer__put(char *buf, size_t cap, size_t *o, const char *s, size_t n) {
    if (*o + n + 1 > cap) return false;
    memcpy(buf + *o, s, n);
    *o += n;
    buf[*o] = '\0';
    return true;
}

void tokenizer_token_label(const Tokenizer *tok, int id, char *buf, size_t cap) {
    ENGINE_ASSERT(tok);
    if (!buf || cap == 0) return;
    buf[0] = '\0';
    char small[256];
    int full = tokenizer_decode_token(tok, id, small, sizeof small);
    if (full < 0) {
        snprintf(buf, cap, "<bad id %d>", id);
        return;
    }
    char *bytes = small;
    if ((size_t)full >= sizeof small) {
        bytes = malloc((size_t)full + 1);
        if (!bytes) return;
        tokenizer_decode_token(tok, id, bytes, (size_t)full + 1);
    }
    size_t n = (size_t)full, o = 0;
    bool special = tok->is_special && tok->is_special(tok, id);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)bytes[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char esc[8];
        bool ok;
        if (special && utf8_first_invalid(bytes + i, n - i) == n - i) {
            ok = tokenizer__put(buf, cap, &o, bytes + i, n - i); /* spelled as is */
            k = n - i;
        } else if (c == '\n') {
            ok = tokenizer__put(buf, cap, &o, "\\n", 2);
        } else if (c == '\t') {
            ok = tokenizer__put(buf, cap, &o, "\\t", 2);
        } else if (c == '\r') {
            ok = tokenizer__put(buf, cap, &o, "\\r", 2);
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\x%02X", c);
            ok = tokenizer__put(buf, cap, &o, esc, 4);
        } else if (c < 0x80) {
            ok = tokenizer__put(buf, cap, &o, bytes + i, 1);
        } else if (k <= n - i && utf8_first_invalid(bytes + i, k) == k) {
            ok = tokenizer__put(buf, cap, &o, bytes + i, k);
        } else {
            snprintf(esc, sizeof esc, "\\x%02X", c);
            ok = tokenizer__put(buf, cap, &o, esc, 4);
            k = 1;
        }
        if (!ok) break;
        i += k;
    }
    if (bytes != small) free(bytes);
}

size_t token_list_keep_last(TokenList *list, size_t max, bool keep_first) {
    if (list->n <= max) return 0;
    size_t keep = keep_first && max > 0 ? 1 : 0, drop = list->n - max;
    memmove(list->tokens + keep, list->tokens + keep + drop,
            (list->n - keep - drop) * sizeof *list->tokens);
    list->n = max;
    return drop;
}

int tokenizer_vocab_size(const Tokenizer *tok) { return tok->vocab_size; }
int tokenizer_bos_id(const Tokenizer *tok) { return tok->bos_id; }
int tokenizer_eos_id(const Tokenizer *tok) { return tok->eos_id; }
TokenizerKind tokenizer_kind(const Tokenizer *tok) { return tok->kind; }

/* ---------------------------------------------------------- tokenizer.json */

char *tokenizer_read_file(const char *path, size_t *len, const char *hint, EngineError *err) {
    char *buf = NULL;
    if (fileio_read_all(path, FILEIO_LIMIT_TOKENIZER, hint, &buf, len, err)) return NULL;
    return buf;
}

cJSON *tokenizer_parse_json(const char *path, const char *text, size_t len, EngineError *err) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        size_t line = 1;
        for (size_t i = 0; i < at; i++) line += text[i] == '\n';
        engine_fail(err, "%s:%zu: not valid JSON (byte %zu); HINT: the file is damaged or truncated, download "
                    "it again", path, line, at);
    }
    return root;
}


int tokenizer_load_hf_json(Tokenizer **out, const char *path, EngineError *err) {
    ENGINE_ASSERT(out && path);
    *out = NULL;
    size_t len = 0;
    char *text = tokenizer_read_file(path, &len, "a Hugging Face model folder holds tokenizer.json, "
                                     "or vocab.json + merges.txt", err);
    if (!text) return -1;
    cJSON *root = tokenizer_parse_json(path, text, len, err);
    free(text);
    if (!root) return -1;
    int rc;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
    if (cJSON_IsObject(model) && cJSON_IsString(type) && !strcmp(type->valuestring, "WordPiece")) {
        rc = tokenizer_wordpiece_from_hf_json(out, root, path, err);
    } else if (!cJSON_IsObject(model)) {
        rc = engine_fail(err, "%s: field model is missing or not an object; HINT: is this a Hugging Face "
                         "tokenizer.json (from tokenizers >= 0.8)?", path);
    } else if (!cJSON_IsString(type) || strcmp(type->valuestring, "BPE") != 0) {
        rc = engine_fail(err, "%s: field model.type is %s%s%s, not \"BPE\"; HINT: attnscope supports BPE "
                         "tokenizers only (GPT-2 byte-level, Llama byte-fallback)", path,
                         cJSON_IsString(type) ? "\"" : "", cJSON_IsString(type) ? type->valuestring : "missing",
                         cJSON_IsString(type) ? "\"" : "");
    } else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(model, "byte_fallback"))) {
        rc = tokenizer_sp_from_hf_json(out, root, path, err);
    } else {
        rc = tokenizer_bpe_from_hf_json(out, root, path, err);
    }
    cJSON_Delete(root);
    return rc;
}
