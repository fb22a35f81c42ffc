/* tokenizer_wordpiece.c — BERT's tokenizer: BasicTokenizer + WordPiece.
 *
 * Sources: a vocab.txt (one token per line, id = line number, with an
 * optional tokenizer_config.json beside it for do_lower_case, strip_accents,
 * tokenize_chinese_chars), or a Hugging Face tokenizer.json whose model.type
 * is "WordPiece" (normalizer BertNormalizer, pre-tokenizer BertPreTokenizer).
 *
 * Encode, per the Hugging Face BertNormalizer / BertPreTokenizer / WordPiece:
 *   0. special tokens ([CLS], [SEP], [MASK], [PAD], [UNK] and tokenizer.json's
 *      added tokens) spelled verbatim in the raw text are matched first,
 *      leftmost-longest, and become their ids ("The [MASK] sat" works);
 *   1. clean: drop U+0000, U+FFFD and control characters (category C*,
 *      except \t \n \r); whitespace becomes ' ';
 *   2. put spaces around CJK ideographs (BERT's block list);
 *   3. uncased models: lowercase (full mapping, Final_Sigma, U+0130 -> i +
 *      U+0307), then strip accents: NFD, drop category Mn;
 *   4. split on whitespace; every punctuation character (P*, or ASCII
 *      33-47, 58-64, 91-96, 123-126) is a word of its own;
 *   5. WordPiece: greedy longest-match-first, "##" before non-initial
 *      pieces; a word with an unmatchable rest, or longer than
 *      max_input_chars_per_word (100) characters, is one [UNK].
 * Whitespace is JavaScript's \s (Zs, \t \n \v \f \r, U+2028, U+2029, U+FEFF)
 * as in the reference (tokenizers.js) and Rust's tokenizers; Python's BERT
 * does not count U+2028/U+2029. Unassigned code points (Cn) count as control
 * and are dropped, as in Python's BERT and Rust's tokenizers.
 *
 * With add_special (tokenizer_encode's add_bos), the text is "A" or
 * "A ||| B" (TOKENIZER_PAIR_SEPARATOR, the first one splits; "A ||| " with
 * nothing after is the single text A, as the reference treats an empty B) and
 * gives [CLS] A [SEP] (B [SEP]),
 * token type 0 for [CLS] A [SEP], 1 for B [SEP]. Without it, the plain
 * pieces. Offsets are the original bytes of the characters a piece came
 * from; [CLS] is [0, 0), a [SEP] covers the separator or is [len, len).
 */
#include <string.h>

#include "tokenizer_internal.h"
#include "unicode.h"

#define WP_MAX_VOCAB (1 << 22)
#define WP_MAX_TOKEN 1024
#define WP_MAX_WORD 1024     /* highest max_input_chars_per_word accepted */
#define WP_STACK_WORD 128    /* words up to this many characters use stack buffers */

typedef struct {
    char **piece;        /* (n) id -> NUL-terminated token, NULL for an unused id */
    int n;
    int *slot;           /* hash of piece -> id + 1 (0: empty), n_slot a power of 2 */
    size_t n_slot;
    int unk_id, cls_id, sep_id, mask_id, pad_id;
    int special[64];     /* ids matched verbatim in raw text */
    int n_special;
    bool clean_text, chinese, lowercase, strip_accents;
    char prefix[16];     /* "##" */
    size_t prefix_len;
    int max_chars;       /* 100 */
} WordPiece;

/* One character of normalized text and the original bytes it came from. */
typedef struct {
    uint32_t cp;
    uint32_t start, end;
} WpChar;

typedef struct {
    WpChar *v;
    size_t n, cap;
} WpChars;

/* ------------------------------------------------------------------ vocab */

static uint64_t wp__hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

/* Id of the n bytes at s, or -1. */
static int wp__find(const WordPiece *wp, const char *s, size_t n) {
    size_t mask = wp->n_slot - 1, i = wp__hash(s, n) & mask;
    for (; wp->slot[i]; i = (i + 1) & mask) {
        const char *p = wp->piece[wp->slot[i] - 1];
        if (strlen(p) == n && !memcmp(p, s, n)) return wp->slot[i] - 1;
    }
    return -1;
}

/* Builds the hash over every piece; a repeated piece keeps its last id, as
 * Python's dict and the reference's Map do. */
static int wp__index(WordPiece *wp, const char *path, EngineError *err) {
    wp->n_slot = 1024;
    while (wp->n_slot < (size_t)wp->n * 2) wp->n_slot *= 2;
    wp->slot = calloc(wp->n_slot, sizeof *wp->slot);
    if (!wp->slot) return engine_fail(err, "%s: out of memory", path);
    size_t mask = wp->n_slot - 1;
    for (int id = 0; id < wp->n; id++) {
        const char *p = wp->piece[id];
        if (!p) continue;
        size_t i = wp__hash(p, strlen(p)) & mask;
        while (wp->slot[i] && strcmp(wp->piece[wp->slot[i] - 1], p)) i = (i + 1) & mask;
        wp->slot[i] = id + 1;
    }
    return 0;
}

static void wp__free(void *impl) {
    WordPiece *wp = impl;
    if (!wp) return;
    if (wp->piece)
        for (int i = 0; i < wp->n; i++) free(wp->piece[i]);
    free(wp->piece);
    free(wp->slot);
    free(wp);
}

/* ------------------------------------------------------------- normalize */

static bool wp__is_space(uint32_t c) {
    return (c >= 9 && c <= 13) || c == ' ' || c == 0x2028 || c == 0x2029 || c == 0xFEFF ||
           (uni_flags(c) & UNI_ZS);
}

static bool wp__is_control(uint32_t c) {
    if (c == '\t' || c == '\n' || c == '\r') return false;
    return (uni_flags(c) & UNI_CONTROL) != 0;
}

static bool wp__is_punct(uint32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
        (c >= 123 && c <= 126))
        return true;
    return (uni_flags(c) & UNI_PUNCT) != 0;
}

/* BERT's "Chinese character" blocks (CJK Unified Ideographs and extensions,
 * compatibility ideographs). */
static bool wp__is_cjk(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

static int wp__push(WpChars *s, uint32_t cp, uint32_t start, uint32_t end) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        WpChar *v = realloc(s->v, cap * sizeof *v);
        if (!v) return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (WpChar){cp, start, end};
    return 0;
}

/* Final_Sigma (Unicode 3.13): U+03A3 at i lowercases to final U+03C2 when a
 * cased letter precedes it and none follows, skipping case-ignorables. */
static bool wp__final_sigma(const WpChars *s, size_t i) {
    bool before = false, after = false;
    for (size_t j = i; j-- > 0;) {
        unsigned f = uni_flags(s->v[j].cp);
        if (f & UNI_CASE_IGNORABLE) continue;
        before = f & UNI_CASED;
        break;
    }
    for (size_t j = i + 1; j < s->n; j++) {
        unsigned f = uni_flags(s->v[j].cp);
        if (f & UNI_CASE_IGNORABLE) continue;
        after = f & UNI_CASED;
        break;
    }
    return before && !after;
}

/* Steps 1-3 on the valid UTF-8 text[a, b) into out (emptied first). */
static int wp__normalize(const WordPiece *wp, const char *text, size_t a, size_t b, WpChars *out,
                         WpChars *tmp) {
    const unsigned char *u = (const unsigned char *)text;
    out->n = 0;
    for (size_t i = a; i < b;) {
        uint32_t cp;
        size_t k = (size_t)uni_decode(u + i, b - i, &cp);
        uint32_t s = (uint32_t)i, e = (uint32_t)(i + k);
        i += k;
        if (wp->clean_text) {
            if (cp == 0 || cp == 0xFFFD || wp__is_control(cp)) continue;
            if (wp__is_space(cp)) cp = ' ';
        }
        if (wp->chinese && wp__is_cjk(cp)) {
            if (wp__push(out, ' ', s, e) || wp__push(out, cp, s, e) || wp__push(out, ' ', s, e)) return -1;
        } else if (wp__push(out, cp, s, e)) {
            return -1;
        }
    }
    if (wp->lowercase) {
        tmp->n = 0;
        for (size_t i = 0; i < out->n; i++) {
            WpChar c = out->v[i];
            int rc;
            if (c.cp == 0x130) /* the one two-character lowercase */
                rc = wp__push(tmp, 'i', c.start, c.end) || wp__push(tmp, 0x307, c.start, c.end);
            else if (c.cp == 0x3A3)
                rc = wp__push(tmp, wp__final_sigma(out, i) ? 0x3C2 : 0x3C3, c.start, c.end);
            else
                rc = wp__push(tmp, uni_lower(c.cp), c.start, c.end);
            if (rc) return -1;
        }
        WpChars sw = *out;
        *out = *tmp;
        *tmp = sw;
    }
    if (wp->strip_accents) {
        tmp->n = 0;
        for (size_t i = 0; i < out->n; i++) {
            uint32_t d[8];
            int nd = uni_decompose(out->v[i].cp, d, 8);
            for (int j = 0; j < nd; j++)
                if (wp__push(tmp, d[j], out->v[i].start, out->v[i].end)) return -1;
        }
        /* canonical ordering: stable sort of each run of non-starters by class */
        for (size_t i = 1; i < tmp->n; i++) {
            int ci = uni_ccc(tmp->v[i].cp);
            if (!ci) continue;
            WpChar c = tmp->v[i];
            size_t j = i;
            while (j > 0) {
                int cj = uni_ccc(tmp->v[j - 1].cp);
                if (cj == 0 || cj <= ci) break;
                tmp->v[j] = tmp->v[j - 1];
                j--;
            }
            tmp->v[j] = c;
        }
        out->n = 0;
        for (size_t i = 0; i < tmp->n; i++)
            if (!(uni_flags(tmp->v[i].cp) & UNI_MN) && wp__push(out, tmp->v[i].cp, tmp->v[i].start, tmp->v[i].end))
                return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- wordpiece */

static int wp__emit(TokenList *out, size_t *cap, int id, size_t start, size_t end, int type) {
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        Token *t = realloc(out->tokens, nc * sizeof *t);
        if (!t) return -1;
        out->tokens = t;
        *cap = nc;
    }
    out->tokens[out->n++] = (Token){.id = id, .start = start, .end = end, .type = type};
    return 0;
}

/* Step 5 on the word w[0..n). */
static int wp__word(const WordPiece *wp, const WpChar *w, size_t n, int type, TokenList *out,
                    size_t *cap) {
    if (n > (size_t)wp->max_chars) return wp__emit(out, cap, wp->unk_id, w[0].start, w[n - 1].end, type);
    char bytes_s[4 * WP_STACK_WORD], cand_s[16 + 4 * WP_STACK_WORD];
    size_t off_s[WP_STACK_WORD + 1]; /* byte offset of char i in bytes */
    char *bytes = bytes_s, *cand = cand_s, *heap = NULL;
    size_t *off = off_s;
    if (n > WP_STACK_WORD) { /* a tokenizer.json allowing longer words */
        heap = malloc(4 * n + 16 + 4 * n + (n + 1) * sizeof(size_t));
        if (!heap) return -1;
        off = (size_t *)(void *)heap;
        bytes = heap + (n + 1) * sizeof(size_t);
        cand = bytes + 4 * n;
    }
    int rc = 0;
    size_t p = 0;
    for (size_t i = 0; i < n; i++) {
        off[i] = p;
        p += (size_t)uni_encode(w[i].cp, bytes + p);
    }
    off[n] = p;
    memcpy(cand, wp->prefix, wp->prefix_len);
    size_t first = out->n;
    for (size_t start = 0; start < n;) {
        int id = -1;
        size_t end = n;
        for (; end > start; end--) {
            size_t k = off[end] - off[start];
            if (start == 0) {
                id = wp__find(wp, bytes, k);
            } else {
                memcpy(cand + wp->prefix_len, bytes + off[start], k);
                id = wp__find(wp, cand, wp->prefix_len + k);
            }
            if (id >= 0) break;
        }
        if (id < 0) { /* unsplittable: the whole word is [UNK] */
            out->n = first;
            rc = wp__emit(out, cap, wp->unk_id, w[0].start, w[n - 1].end, type);
            break;
        }
        if ((rc = wp__emit(out, cap, id, w[start].start, w[end - 1].end, type))) break;
        start = end;
    }
    free(heap);
    return rc;
}

/* Steps 1-5 on the text[a, b) that holds no special token. */
static int wp__section(const WordPiece *wp, const char *text, size_t a, size_t b, int type,
                       TokenList *out, size_t *cap, WpChars *norm, WpChars *tmp) {
    if (wp__normalize(wp, text, a, b, norm, tmp)) return -1;
    size_t i = 0;
    while (i < norm->n) {
        uint32_t c = norm->v[i].cp;
        if (wp__is_space(c)) {
            i++;
            continue;
        }
        size_t j = i + 1;
        if (!wp__is_punct(c))
            while (j < norm->n && !wp__is_space(norm->v[j].cp) && !wp__is_punct(norm->v[j].cp)) j++;
        if (wp__word(wp, norm->v + i, j - i, type, out, cap)) return -1;
        i = j;
    }
    return 0;
}

/* Step 0, then the sections between special tokens. */
static int wp__segment(const WordPiece *wp, const char *text, size_t a, size_t b, int type,
                       TokenList *out, size_t *cap, WpChars *norm, WpChars *tmp) {
    size_t sec = a;
    for (size_t i = a; i < b;) {
        int best = -1;
        size_t best_len = 0;
        for (int s = 0; s < wp->n_special; s++) {
            const char *p = wp->piece[wp->special[s]];
            size_t l = strlen(p);
            if (l > best_len && l <= b - i && !memcmp(text + i, p, l)) {
                best = wp->special[s];
                best_len = l;
            }
        }
        if (best < 0) {
            i++;
            continue;
        }
        if (i > sec && wp__section(wp, text, sec, i, type, out, cap, norm, tmp)) return -1;
        if (wp__emit(out, cap, best, i, i + best_len, type)) return -1;
        i += best_len;
        sec = i;
    }
    if (b > sec && wp__section(wp, text, sec, b, type, out, cap, norm, tmp)) return -1;
    return 0;
}

/* Byte offset of the first TOKENIZER_PAIR_SEPARATOR in text[0, len), or len. */
static size_t wp__find_separator(const char *text, size_t len) {
    const size_t n = strlen(TOKENIZER_PAIR_SEPARATOR);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(text + i, TOKENIZER_PAIR_SEPARATOR, n)) return i;
    return len;
}

static int wp__encode(const Tokenizer *tok, const char *text, size_t len, bool add_special,
                      TokenList *out, EngineError *err) {
    const WordPiece *wp = tok->impl;
    WpChars norm = {0}, tmp = {0};
    size_t cap = 0;
    int rc = 0;
    if (len > UINT32_MAX / 2) return engine_fail(err, "text: %zu bytes is too long; HINT: shorten the text", len);
    if (!add_special) {
        rc = wp__segment(wp, text, 0, len, 0, out, &cap, &norm, &tmp);
    } else {
        size_t a_end = wp__find_separator(text, len);
        size_t b_start = a_end < len ? a_end + strlen(TOKENIZER_PAIR_SEPARATOR) : len;
        rc = wp__emit(out, &cap, wp->cls_id, 0, 0, 0) ||
             wp__segment(wp, text, 0, a_end, 0, out, &cap, &norm, &tmp) ||
             wp__emit(out, &cap, wp->sep_id, a_end, b_start, 0);
        if (!rc && b_start < len) /* "A ||| " with nothing after: a single text */
            rc = wp__segment(wp, text, b_start, len, 1, out, &cap, &norm, &tmp) ||
                 wp__emit(out, &cap, wp->sep_id, len, len, 1);
    }
    free(norm.v);
    free(tmp.v);
    if (rc) {
        token_list_free(out);
        return engine_fail(err, "text: out of memory while tokenizing; HINT: shorten the text");
    }
    return 0;
}

static int wp__decode_token(const Tokenizer *tok, int id, char *buf, size_t cap) {
    const WordPiece *wp = tok->impl;
    const char *p = wp->piece[id] ? wp->piece[id] : "";
    size_t n = strlen(p);
    if (buf && cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, p, k);
        buf[k] = '\0';
    }
    return (int)n;
}

static bool wp__is_special(const Tokenizer *tok, int id) {
    const WordPiece *wp = tok->impl;
    for (int s = 0; s < wp->n_special; s++)
        if (wp->special[s] == id) return true;
    return false;
}

int tokenizer_mask_id(const Tokenizer *tok) {
    return tok->kind == TOKENIZER_WORDPIECE ? ((const WordPiece *)tok->impl)->mask_id : -1;
}

size_t token_list_truncate_pair(TokenList *list, size_t max) {
    /* [CLS] A.. [SEP] (B.. [SEP]): bodies are the tokens between */
    size_t n = list->n, n_a = 0, n_b = 0;
    for (size_t i = 0; i < n; i++) *(list->tokens[i].type ? &n_b : &n_a) += 1;
    if (n <= max || n_a < 2) return 0;
    size_t body_a = n_a - 2, body_b = n_b ? n_b - 1 : 0, fixed = n - body_a - body_b;
    if (max < fixed) return 0;
    while (body_a + body_b + fixed > max) { /* longest_first: ties shorten B */
        if (body_a > body_b) body_a--;
        else body_b--;
    }
    Token *t = list->tokens;
    size_t o = 1 + body_a;
    t[o++] = t[n_a - 1]; /* A's [SEP] */
    for (size_t i = 0; i < body_b; i++) t[o++] = t[n_a + i];
    if (n_b) t[o++] = t[n - 1];
    list->n = o;
    return n - o;
}

/* --------------------------------------------------------------- loading */

static int wp__finish(Tokenizer **out, WordPiece *wp, const char *path, EngineError *err) {
    if (wp__index(wp, path, err)) {
        wp__free(wp);
        return -1;
    }
    static const char *const need[] = {"[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    int *dst[] = {&wp->unk_id, &wp->cls_id, &wp->sep_id, &wp->mask_id};
    for (int i = 0; i < 4; i++) {
        *dst[i] = wp__find(wp, need[i], strlen(need[i]));
        if (*dst[i] < 0) {
            wp__free(wp);
            return engine_fail(err, "%s: the vocabulary has no %s token; HINT: a BERT vocabulary needs [UNK], [CLS], [SEP] and [MASK]", path, need[i]);
        }
    }
    wp->pad_id = wp__find(wp, "[PAD]", 5);
    int base[] = {wp->unk_id, wp->cls_id, wp->sep_id, wp->mask_id, wp->pad_id};
    for (int i = 0; i < 5; i++) {
        bool dup = base[i] < 0;
        for (int s = 0; s < wp->n_special && !dup; s++) dup = wp->special[s] == base[i];
        if (!dup && wp->n_special < 64) wp->special[wp->n_special++] = base[i];
    }
    Tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok) {
        wp__free(wp);
        return engine_fail(err, "%s: out of memory", path);
    }
    tok->kind = TOKENIZER_WORDPIECE;
    tok->vocab_size = wp->n;
    tok->bos_id = wp->cls_id;
    tok->eos_id = wp->sep_id;
    tok->impl = wp;
    tok->encode = wp__encode;
    tok->decode_token = wp__decode_token;
    tok->is_special = wp__is_special;
    tok->free_impl = wp__free;
    *out = tok;
    return 0;
}

static WordPiece *wp__new(void) {
    WordPiece *wp = calloc(1, sizeof *wp);
    if (!wp) return NULL;
    wp->clean_text = wp->chinese = wp->lowercase = wp->strip_accents = true;
    memcpy(wp->prefix, "##", 3);
    wp->prefix_len = 2;
    wp->max_chars = 100;
    return wp;
}

/* An optional boolean field; null leaves *dst. */
static void wp__bool(const cJSON *obj, const char *name, bool *dst) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (cJSON_IsBool(v)) *dst = cJSON_IsTrue(v);
}

int tokenizer_load_wordpiece(Tokenizer **out, const char *vocab_path, const char *config_path,
                             EngineError *err) {
    *out = NULL;
    size_t len = 0;
    char *text = tokenizer_read_file(vocab_path, &len, "a BERT folder holds vocab.txt (one token per line) "
                                     "or tokenizer.json", err);
    if (!text) return -1;
    WordPiece *wp = wp__new();
    if (!wp) {
        free(text);
        return engine_fail(err, "%s: out of memory", vocab_path);
    }
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    lines += len && text[len - 1] != '\n';
    if (lines == 0 || lines > WP_MAX_VOCAB) {
        free(text);
        wp__free(wp);
        return engine_fail(err, "%s: %s; HINT: vocab.txt lists one token per line, as in bert-base-uncased",
                           vocab_path, lines ? "has too many lines" : "is empty");
    }
    wp->piece = calloc(lines, sizeof *wp->piece);
    if (!wp->piece) goto oom;
    wp->n = (int)lines;
    size_t line = 0;
    for (size_t i = 0; i < len && line < lines; line++) {
        size_t j = i;
        while (j < len && text[j] != '\n') j++;
        size_t e = j;
        if (e > i && text[e - 1] == '\r') e--;
        if (e - i > WP_MAX_TOKEN || memchr(text + i, 0, e - i) || utf8_first_invalid(text + i, e - i) < e - i) {
            free(text);
            wp__free(wp);
            return engine_fail(err, "%s:%zu: not a token (too long, NUL or invalid UTF-8); HINT: vocab.txt must be UTF-8 text, one token per line", vocab_path, line + 1);
        }
        if (!(wp->piece[line] = strndup(text + i, e - i))) goto oom;
        i = j + 1;
    }
    free(text);
    text = NULL;
    if (config_path) { /* tokenizer_config.json: optional casing switches */
        size_t clen = 0;
        EngineError ignore;
        char *ctext = tokenizer_read_file(config_path, &clen, "", &ignore);
        if (ctext) {
            cJSON *cfg = tokenizer_parse_json(config_path, ctext, clen, err);
            free(ctext);
            if (!cfg) {
                wp__free(wp);
                return -1;
            }
            wp__bool(cfg, "do_lower_case", &wp->lowercase);
            wp->strip_accents = wp->lowercase;
            wp__bool(cfg, "strip_accents", &wp->strip_accents);
            wp__bool(cfg, "tokenize_chinese_chars", &wp->chinese);
            cJSON_Delete(cfg);
        }
    }
    return wp__finish(out, wp, vocab_path, err);
oom:
    free(text);
    wp__free(wp);
    return engine_fail(err, "%s: out of memory", vocab_path);
}

int tokenizer_wordpiece_from_hf_json(Tokenizer **out, const cJSON *root, const char *path,
                                     EngineError *err) {
    *out = NULL;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    if (!cJSON_IsObject(vocab) || !vocab->child)
        return engine_fail(err, "%s: field model.vocab of the \"WordPiece\" model is missing or empty; HINT: is this a BERT tokenizer.json?", path);
    WordPiece *wp = wp__new();
    if (!wp) return engine_fail(err, "%s: out of memory", path);
    const cJSON *v;
    int max_id = -1;
    cJSON_ArrayForEach(v, vocab) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= WP_MAX_VOCAB ||
            strlen(v->string) > WP_MAX_TOKEN) {
            wp__free(wp);
            return engine_fail(err, "%s: model.vocab entry \"%.40s\" is not a token with an id in [0, %d); HINT: the file is damaged", path, v->string, WP_MAX_VOCAB);
        }
        if ((int)v->valuedouble > max_id) max_id = (int)v->valuedouble;
    }
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    cJSON_ArrayForEach(v, added) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "id");
        if (cJSON_IsNumber(id) && id->valuedouble >= 0 && id->valuedouble < WP_MAX_VOCAB &&
            (int)id->valuedouble > max_id)
            max_id = (int)id->valuedouble;
    }
    wp->n = max_id + 1;
    if (!(wp->piece = calloc((size_t)wp->n, sizeof *wp->piece))) goto oom;
    cJSON_ArrayForEach(v, vocab) {
        int id = (int)v->valuedouble;
        free(wp->piece[id]);
        if (!(wp->piece[id] = strdup(v->string))) goto oom;
    }
    cJSON_ArrayForEach(v, added) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(v, "content");
        if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= WP_MAX_VOCAB ||
            !cJSON_IsString(content) || !*content->valuestring || strlen(content->valuestring) > WP_MAX_TOKEN) {
            wp__free(wp);
            return engine_fail(err, "%s: an added_tokens entry has no id or content; HINT: the file is damaged", path);
        }
        int i = (int)id->valuedouble;
        free(wp->piece[i]);
        if (!(wp->piece[i] = strdup(content->valuestring))) goto oom;
        if (wp->n_special < 64) wp->special[wp->n_special++] = i;
    }
    const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
    if (cJSON_IsString(unk) && strcmp(unk->valuestring, "[UNK]")) {
        wp__free(wp);
        return engine_fail(err, "%s: model.unk_token is \"%.40s\"; HINT: attnscope reads BERT vocabularies whose unknown token is [UNK]", path, unk->valuestring);
    }
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(model, "continuing_subword_prefix");
    if (cJSON_IsString(pre)) {
        if (strlen(pre->valuestring) >= sizeof wp->prefix) {
            wp__free(wp);
            return engine_fail(err, "%s: model.continuing_subword_prefix is too long; HINT: BERT uses \"##\"", path);
        }
        snprintf(wp->prefix, sizeof wp->prefix, "%s", pre->valuestring);
        wp->prefix_len = strlen(wp->prefix);
    }
    const cJSON *mx = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
    if (cJSON_IsNumber(mx)) {
        if (!(mx->valuedouble >= 1 && mx->valuedouble <= WP_MAX_WORD)) {
            wp__free(wp);
            return engine_fail(err, "%s: model.max_input_chars_per_word must be from 1 to %d; HINT: BERT uses 100", path, WP_MAX_WORD);
        }
        wp->max_chars = (int)mx->valuedouble;
    }
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    const cJSON *ntype = cJSON_GetObjectItemCaseSensitive(norm, "type");
    if (cJSON_IsString(ntype) && !strcmp(ntype->valuestring, "BertNormalizer")) {
        wp__bool(norm, "clean_text", &wp->clean_text);
        wp__bool(norm, "handle_chinese_chars", &wp->chinese);
        wp__bool(norm, "lowercase", &wp->lowercase);
        wp->strip_accents = wp->lowercase; /* strip_accents null: follows lowercase */
        wp__bool(norm, "strip_accents", &wp->strip_accents);
    } else if (!norm || cJSON_IsNull(norm)) {
        wp->clean_text = wp->chinese = wp->lowercase = wp->strip_accents = false;
    } else {
        wp__free(wp);
        return engine_fail(err, "%s: normalizer type is not BertNormalizer; HINT: attnscope reads BERT's WordPiece tokenizer.json", path);
    }
    return wp__finish(out, wp, path, err);
oom:
    wp__free(wp);
    return engine_fail(err, "%s: out of memory", path);
}
