/* tokenizer_marian.c — the tokenizer of Hugging Face Marian folders:
 * a SentencePiece unigram model (source.spm or target.spm, spm.h) whose
 * pieces are numbered by vocab.json, as transformers' MarianTokenizer does:
 *
 *   encode: a leading language code ">>xx<<" as one token, then the .spm's
 *           pieces (EncodeAsPieces), each looked up by its string in
 *           vocab.json, a piece missing there -> <unk>. The model appends
 *           </s> (tokenizer_eos_id) itself; add_bos adds nothing: Marian has
 *           no BOS.
 *   decode: tokenizer_marian_decode, as MarianTokenizer.decode(ids,
 *           skip_special_tokens=True): special ids dropped, the rest turned
 *           into pieces by vocab.json and decoded by the .spm (DecodePieces),
 *           U+2581 -> space, surrounding whitespace stripped.
 *
 * vocab.json must agree with the .spm: it holds </s> and <unk>, ids 0..n-1
 * each once, and every piece the .spm can produce (NORMAL, USER_DEFINED and,
 * with byte fallback, BYTE pieces). A shared Marian vocab.json holds the
 * pieces of both source.spm and target.spm, so extra entries are fine.
 *
 * Token bytes (tokenizer_decode_token): the piece with U+2581 as a space and
 * <0xNN> as its byte; </s>, <unk>, <pad> and control pieces as spelled.
 */
#include <string.h>

#include "spm_internal.h"
#include "tokenizer_internal.h"

typedef struct {
    const char *piece;
    size_t len;
    int id;
} MarianEntry;

typedef struct {
    SpmModel *spm;
    int n;            /* vocab.json entries; ids 0..n-1 */
    char **piece;     /* (n) id -> piece, NUL-terminated */
    size_t *len;      /* (n) */
    MarianEntry *sorted; /* (n) pieces ordered by their bytes, for lookups */
    uint8_t *special; /* (n) </s>, <unk>, <pad>, or a control piece of the .spm */
    int unk, eos, pad;
} MarianTok;

static int marian__cmp(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int marian__sort_cmp(const void *x, const void *y) {
    const MarianEntry *a = x, *b = y;
    return marian__cmp(a->piece, a->len, b->piece, b->len);
}

/* vocab.json id of piece s[0..n), or -1. */
static int marian__lookup(const MarianTok *mt, const char *s, size_t n) {
    size_t lo = 0, hi = (size_t)mt->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const MarianEntry *e = &mt->sorted[mid];
        int c = marian__cmp(e->piece, e->len, s, n);
        if (c == 0) return e->id;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static void marian__free(void *impl) {
    MarianTok *mt = impl;
    if (!mt) return;
    for (int i = 0; mt->piece && i < mt->n; i++) free(mt->piece[i]);
    free(mt->piece);
    free(mt->len);
    free(mt->sorted);
    free(mt->special);
    spm_free(mt->spm);
    free(mt);
}

/* ---------------------------------------------------------------- encode */

/* A leading language code ">>xx<<" (multilingual Marian models) is one
 * token, looked up as it is; MarianTokenizer.remove_language_code. Returns
 * its length, or 0. */
static size_t marian__language_code(const char *text, size_t len) {
    if (len < 4 || memcmp(text, ">>", 2)) return 0;
    for (size_t i = 2; i + 1 < len; i++)
        if (text[i] == '<' && text[i + 1] == '<') return i + 2;
    return 0;
}

static int marian__encode(const Tokenizer *tok, const char *text, size_t len, bool add_bos, TokenList *out,
                          EngineError *err) {
    const MarianTok *mt = tok->impl;
    size_t code = marian__language_code(text, len);
    SpmPieces ps;
    if (spm_encode(mt->spm, text + code, len - code, &ps, err)) return -1;
    out->tokens = malloc((ps.n + 2) * sizeof *out->tokens);
    if (!out->tokens) {
        spm_pieces_free(&ps);
        return engine_fail(err, "text: out of memory tokenizing %zu bytes", len);
    }
    out->n = 0;
    if (code) {
        int id = marian__lookup(mt, text, code);
        out->tokens[out->n++] = (Token){.id = id >= 0 ? id : mt->unk, .start = 0, .end = code};
    }
    for (size_t i = 0; i < ps.n; i++) {
        const SpmPiece *p = &ps.items[i];
        int id = marian__lookup(mt, ps.text + p->off, p->len);
        out->tokens[out->n++] = (Token){.id = id >= 0 ? id : mt->unk, .start = code + p->start, .end = code + p->end};
    }
    spm_pieces_free(&ps);
    return 0;
}

/* ---------------------------------------------------------------- decode */

static int marian__decode_token(const Tokenizer *tok, int id, char *buf, size_t cap) {
    const MarianTok *mt = tok->impl;
    const char *p = mt->piece[id];
    size_t n = mt->len[id], o = 0;
    char byte;
    int b = mt->special[id] ? -1 : spm__byte_of_piece(p, n);
    if (b >= 0) {
        byte = (char)b;
        p = &byte;
        n = 1;
    }
    for (size_t i = 0; i < n;) {
        bool sp = !mt->special[id] && n - i >= 3 && !memcmp(p + i, "\xE2\x96\x81", 3);
        if (buf && o + 1 < cap) buf[o] = sp ? ' ' : p[i];
        o++;
        i += sp ? 3 : 1;
    }
    if (buf && cap) buf[o < cap ? o : cap - 1] = '\0';
    return (int)o;
}

static bool marian__is_special(const Tokenizer *tok, int id) {
    const MarianTok *mt = tok->impl;
    return id >= 0 && id < mt->n && mt->special[id];
}

/* Python's str.isspace for the character at s (k bytes). */
static bool marian__is_space(const char *s, size_t k) {
    static const char *const spaces[] = {"\xC2\x85", "\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\xA8", "\xE2\x80\xA9",
                                         "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
    if (k == 1) return (*s >= 0x09 && *s <= 0x0D) || (*s >= 0x1C && *s <= 0x20);
    if (k == 3 && !memcmp(s, "\xE2\x80", 2) && (unsigned char)s[2] >= 0x80 && (unsigned char)s[2] <= 0x8A)
        return true; /* U+2000..U+200A */
    for (size_t i = 0; i < sizeof spaces / sizeof *spaces; i++)
        if (strlen(spaces[i]) == k && !memcmp(spaces[i], s, k)) return true;
    return false;
}

int tokenizer_marian_decode(const Tokenizer *tok, const int *ids, size_t n, char **out, size_t *out_len,
                            EngineError *err) {
    ENGINE_ASSERT(tok && out && tok->kind == TOKENIZER_MARIAN);
    const MarianTok *mt = tok->impl;
    *out = NULL;
    const char **pieces = malloc((n + 1) * sizeof *pieces);
    size_t *lens = malloc((n + 1) * sizeof *lens), k = 0;
    if (!pieces || !lens) {
        free(pieces);
        free(lens);
        return engine_fail(err, "decode: out of memory for %zu ids", n);
    }
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= mt->n) {
            free(pieces);
            free(lens);
            return engine_fail(err, "decode: id %d is outside vocab.json (%d entries); HINT: the ids come from "
                               "another model", ids[i], mt->n);
        }
        if (mt->special[ids[i]]) continue;
        pieces[k] = mt->piece[ids[i]];
        lens[k++] = mt->len[ids[i]];
    }
    char *text;
    size_t tn;
    int rc = spm_decode_pieces(mt->spm, pieces, lens, k, &text, &tn, err);
    free(pieces);
    free(lens);
    if (rc) return -1;
    /* strip(): leading and trailing whitespace characters. */
    size_t a = 0, b = tn;
    while (a < b) {
        size_t cl = spm__char_len(text + a, b - a);
        if (!cl || !marian__is_space(text + a, cl)) break;
        a += cl;
    }
    while (b > a) {
        size_t s = b - 1;
        while (s > a && ((unsigned char)text[s] & 0xC0) == 0x80) s--;
        if (spm__char_len(text + s, b - s) != b - s || !marian__is_space(text + s, b - s)) break;
        b = s;
    }
    memmove(text, text + a, b - a);
    text[b - a] = '\0';
    *out = text;
    if (out_len) *out_len = b - a;
    return 0;
}

/* ------------------------------------------------------------------ load */

static int marian__vocab(MarianTok *mt, const cJSON *root, const char *spm_path, const char *path,
                         EngineError *err) {
    static const char hint[] = "vocab.json and the .spm files must come from the same Marian model folder";
    if (!cJSON_IsObject(root))
        return engine_fail(err, "%s: not a JSON object of piece -> id; HINT: %s", path, hint);
    int n = cJSON_GetArraySize(root);
    if (n < 2) return engine_fail(err, "%s: only %d entries; HINT: %s", path, n, hint);
    mt->n = n;
    mt->piece = calloc((size_t)n, sizeof *mt->piece);
    mt->len = calloc((size_t)n, sizeof *mt->len);
    mt->sorted = malloc((size_t)n * sizeof *mt->sorted);
    mt->special = calloc((size_t)n, 1);
    if (!mt->piece || !mt->len || !mt->sorted || !mt->special) return engine_fail(err, "%s: out of memory", path);
    const cJSON *e;
    char show[48], show2[48];
    cJSON_ArrayForEach(e, root) {
        double v = cJSON_IsNumber(e) ? e->valuedouble : -1;
        if (v < 0 || v >= n || v != (double)(int)v)
            return engine_fail(err, "%s: \"%s\" has id %s, not an integer in 0..%d; HINT: %s", path,
                               spm__printable(show, sizeof show, e->string, strlen(e->string)),
                               cJSON_IsNumber(e) ? "out of range" : "that is not a number", n - 1, hint);
        int id = (int)v;
        if (mt->piece[id])
            return engine_fail(err, "%s: id %d is given to both \"%s\" and \"%s\"; HINT: %s", path, id,
                               spm__printable(show, sizeof show, mt->piece[id], mt->len[id]),
                               spm__printable(show2, sizeof show2, e->string, strlen(e->string)), hint);
        mt->piece[id] = strdup(e->string);
        if (!mt->piece[id]) return engine_fail(err, "%s: out of memory", path);
        mt->len[id] = strlen(e->string);
    }
    for (int i = 0; i < n; i++) mt->sorted[i] = (MarianEntry){.piece = mt->piece[i], .len = mt->len[i], .id = i};
    qsort(mt->sorted, (size_t)n, sizeof *mt->sorted, marian__sort_cmp);
    mt->unk = marian__lookup(mt, "<unk>", 5);
    mt->eos = marian__lookup(mt, "</s>", 4);
    mt->pad = marian__lookup(mt, "<pad>", 5);
    if (mt->unk < 0 || mt->eos < 0)
        return engine_fail(err, "%s: %s is missing; HINT: %s", path, mt->unk < 0 ? "<unk>" : "</s>", hint);
    mt->special[mt->unk] = mt->special[mt->eos] = 1;
    if (mt->pad >= 0) mt->special[mt->pad] = 1;
    for (int i = 0; i < spm_piece_count(mt->spm); i++) {
        size_t pn;
        const char *p = spm_piece(mt->spm, i, &pn);
        SpmPieceType t = spm_piece_type(mt->spm, i);
        int id = marian__lookup(mt, p, pn);
        if (t == SPM_CONTROL && id >= 0) mt->special[id] = 1;
        if ((t == SPM_NORMAL || t == SPM_USER_DEFINED || t == SPM_BYTE) && id < 0)
            return engine_fail(err, "%s: piece \"%s\" (id %d of %s) is missing; HINT: %s", path,
                               spm__printable(show, sizeof show, p, pn), i, spm_path, hint);
    }
    return 0;
}

int tokenizer_load_marian(Tokenizer **out, const char *spm_path, const char *vocab_path, EngineError *err) {
    ENGINE_ASSERT(out && spm_path && vocab_path);
    *out = NULL;
    MarianTok *mt = calloc(1, sizeof *mt);
    Tokenizer *tok = calloc(1, sizeof *tok);
    if (!mt || !tok) {
        free(mt);
        free(tok);
        return engine_fail(err, "%s: out of memory", spm_path);
    }
    if (spm_load(&mt->spm, spm_path, err)) goto fail;
    size_t len = 0;
    char *text = tokenizer_read_file(vocab_path, &len, "a Marian folder holds vocab.json beside source.spm and "
                                     "target.spm", err);
    if (!text) goto fail;
    cJSON *root = tokenizer_parse_json(vocab_path, text, len, err);
    free(text);
    if (!root) goto fail;
    int rc = marian__vocab(mt, root, spm_path, vocab_path, err);
    cJSON_Delete(root);
    if (rc) goto fail;
    tok->kind = TOKENIZER_MARIAN;
    tok->vocab_size = mt->n;
    tok->bos_id = -1;
    tok->eos_id = mt->eos;
    tok->impl = mt;
    tok->encode = marian__encode;
    tok->decode_token = marian__decode_token;
    tok->is_special = marian__is_special;
    tok->free_impl = marian__free;
    *out = tok;
    return 0;
fail:
    marian__free(mt);
    free(tok);
    return -1;
}

int tokenizer_pad_id(const Tokenizer *tok) {
    return tok->kind == TOKENIZER_MARIAN ? ((const MarianTok *)tok->impl)->pad : -1;
}
