/* tokenizer_bpe.c — GPT-2 byte-level BPE, exactly as OpenAI's encoder.py.
 *
 * Encoding a text:
 *   1. Pre-tokenize with GPT-2's pattern
 *        's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *      using PCRE2 (UTF + UCP, JIT when available) and real Unicode
 *      categories. \s is spelled out as JavaScript's \s (the class of our
 *      reference, gpt-3-encoder): Unicode Zs, TAB LF VT FF CR, U+2028/2029 and
 *      U+FEFF. PCRE2's own UCP \s differs on U+0085, U+180E and U+FEFF.
 *   2. Each piece's UTF-8 bytes become one symbol each (ids of the 256 byte
 *      tokens, named in vocab.json through GPT-2's byte-to-unicode table).
 *   3. Repeatedly take the adjacent pair with the lowest merge rank and merge
 *      every occurrence of it, left to right, until no pair has a rank. A
 *      min-heap of candidate pairs keeps this O(n log n) in the piece length;
 *      pairs born during one rank's pass wait until the pass ends, so the
 *      result is the same as the reference's pass-by-pass loop for any merges
 *      file, not only for well-formed ones.
 *   4. Each final symbol is one token; its bytes are a contiguous slice of the
 *      piece, which gives the token's byte offsets.
 *
 * Special tokens: the literal text "<|endoftext|>" is encoded as ordinary
 * text (7 tokens), as gpt-3-encoder and OpenAI's encoder.py do. Hugging Face
 * tokenizers would map it to id 50256; we never interpret markup in text.
 * <|endoftext|> is only ever added by add_bos.
 *
 * Unicode tables: PCRE2 10.42 (Debian 12) knows Unicode 14; the reference's
 * Node.js may know a later version. Letters and digits assigned after 14.0
 * are "other" to us and could tokenize differently.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "tokenizer_internal.h"

/* JavaScript's \s, as the inside of a character class. */
#define BPE_WS                                                                 \
    "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"  \
    "\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

static const char bpe_pattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" BPE_WS "\\p{L}\\p{N}]+"
    "|[" BPE_WS "]+(?![^" BPE_WS "])|[" BPE_WS "]+";

static const char bpe_endoftext[] = "<|endoftext|>";

typedef struct {
    uint64_t key;   /* (left id << 32) | right id */
    int32_t rank;   /* -1: empty slot */
    int32_t merged; /* id of the token left+right */
} BpeMerge;

typedef struct {
    int n_vocab;
    char *bytes;            /* every token's raw bytes, back to back */
    size_t *offs;           /* (n_vocab + 1) token i is bytes[offs[i] .. offs[i+1]) */
    unsigned char *special; /* (n_vocab) 1 for <|endoftext|> and HF special added tokens */
    int32_t byte_id[256];   /* token id of each single byte */
    BpeMerge *merges;       /* open addressing, (merge_mask + 1) slots */
    size_t merge_mask;
    pcre2_code *re;
    bool add_prefix_space;  /* HF ByteLevel option: encode " " + text */
} Bpe;

/* ------------------------------------------------------- byte <-> unicode */

/* GPT-2's table: printable Latin-1 bytes stand for themselves, the other 68
 * bytes for U+0100..U+0143 in byte order. */
static uint32_t bpe__unicode_of_byte(int b) {
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return (uint32_t)b;
    int n = 0;
    for (int c = 0; c < b; c++)
        if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255))) n++;
    return 256u + (uint32_t)n;
}

static size_t bpe__put_utf8(char *out, uint32_t cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* ----------------------------------------------------------- merge table */

static size_t bpe__hash_pair(uint64_t key) {
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    key ^= key >> 29;
    return (size_t)key;
}

static uint64_t bpe__pair_key(int32_t left, int32_t right) {
    return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

static const BpeMerge *bpe__lookup(const Bpe *b, int32_t left, int32_t right) {
    uint64_t key = bpe__pair_key(left, right);
    for (size_t h = bpe__hash_pair(key) & b->merge_mask;; h = (h + 1) & b->merge_mask) {
        const BpeMerge *m = &b->merges[h];
        if (m->rank < 0) return NULL;
        if (m->key == key) return m;
    }
}

/* A later merge of the same pair replaces the earlier one, as a Python dict
 * (encoder.py) and a JavaScript object (gpt-3-encoder) do. */
static void bpe__insert(Bpe *b, int32_t left, int32_t right, int32_t rank, int32_t merged) {
    uint64_t key = bpe__pair_key(left, right);
    for (size_t h = bpe__hash_pair(key) & b->merge_mask;; h = (h + 1) & b->merge_mask) {
        BpeMerge *m = &b->merges[h];
        if (m->rank < 0 || m->key == key) {
            m->key = key;
            m->rank = rank;
            m->merged = merged;
            return;
        }
    }
}

/* ------------------------------------------------------------- the loader */

typedef struct {
    const char *s; /* the token as spelled in the vocabulary (byte-mapped) */
    size_t len;
    int id;
    bool special;
} BpeEntry;

typedef struct {
    const char *s; /* NULL: empty slot */
    uint32_t len;
    int32_t id;
} BpeSlot;

/* Load-time state: the entries, and a map from spelling to id. */
typedef struct {
    const char *path; /* where the vocabulary came from, for errors */
    const char *vocab_name; /* "vocab.json" or "model.vocab" */
    BpeEntry *ent;
    size_t n, cap;
    int32_t *by_id;   /* (n_vocab) entry index */
    BpeSlot *smap;    /* (smask + 1) open addressing */
    size_t smask;
    Bpe *bpe;
} BpeBuilder;

static size_t bpe__hash_str(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (size_t)(h ^ (h >> 32));
}

/* A short quote of a token for error lines: at most ~40 bytes, cut on a
 * character boundary (engine_fail escapes control and invalid bytes). */
static const char *bpe__quote(const char *s, size_t n, char buf[64]) {
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (k > n - i) k = n - i;
        if (o + k > 40) break;
        for (size_t j = 0; j < k; j++) buf[o++] = s[i + j];
        i += k;
    }
    if (i < n) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

static int bpe__find(const BpeBuilder *bb, const char *s, size_t n) {
    for (size_t h = bpe__hash_str(s, n) & bb->smask;; h = (h + 1) & bb->smask) {
        const BpeSlot *e = &bb->smap[h];
        if (!e->s) return -1;
        if (e->len == n && memcmp(e->s, s, n) == 0) return e->id;
    }
}

static int bpe__add_entry(BpeBuilder *bb, const char *s, size_t len, double id, bool special,
                          EngineError *err) {
    char q[64];
    if (len > UINT32_MAX) return engine_fail(err, "%s: a token of %zu bytes; HINT: the file is damaged", bb->path, len);
    if (!(id >= 0 && id <= INT_MAX - 1 && id == (double)(int)id))
        return engine_fail(err, "%s: %s token \"%s\" has id %g, not a non-negative integer; HINT: the "
                           "vocabulary maps each token to its integer id", bb->path, bb->vocab_name,
                           bpe__quote(s, len, q), id);
    if (bb->n == bb->cap) {
        size_t cap = bb->cap ? bb->cap * 2 : 1024;
        BpeEntry *e = realloc(bb->ent, cap * sizeof *e);
        if (!e) return engine_fail(err, "%s: out of memory; HINT: free some memory", bb->path);
        bb->ent = e;
        bb->cap = cap;
    }
    bb->ent[bb->n++] = (BpeEntry){s, len, (int)id, special};
    return 0;
}

/* Indexes the entries by id and by spelling, and lays out the raw bytes. */
static int bpe__finish_vocab(BpeBuilder *bb, EngineError *err) {
    Bpe *b = bb->bpe;
    char q[64], q2[64];
    if (bb->n == 0)
        return engine_fail(err, "%s: %s is empty; HINT: the vocabulary file is damaged", bb->path, bb->vocab_name);
    int n_vocab = 0;
    for (size_t i = 0; i < bb->n; i++)
        if (bb->ent[i].id + 1 > n_vocab) n_vocab = bb->ent[i].id + 1;
    if ((size_t)n_vocab > bb->n)
        return engine_fail(err, "%s: ids go up to %d but %s has only %zu tokens; HINT: ids must run from 0 "
                           "without gaps", bb->path, n_vocab - 1, bb->vocab_name, bb->n);
    bb->by_id = malloc((size_t)n_vocab * sizeof *bb->by_id);
    size_t slots = 1;
    while (slots < bb->n * 2) slots <<= 1;
    bb->smap = malloc(slots * sizeof *bb->smap);
    b->offs = malloc(((size_t)n_vocab + 1) * sizeof *b->offs);
    b->special = calloc((size_t)n_vocab, 1);
    if (!bb->by_id || !bb->smap || !b->offs || !b->special)
        return engine_fail(err, "%s: out of memory; HINT: free some memory", bb->path);
    b->n_vocab = n_vocab;
    bb->smask = slots - 1;
    memset(bb->by_id, 0xFF, (size_t)n_vocab * sizeof *bb->by_id);
    memset(bb->smap, 0, slots * sizeof *bb->smap);

    for (size_t i = 0; i < bb->n; i++) {
        BpeEntry *e = &bb->ent[i];
        int32_t prev = bb->by_id[e->id];
        if (prev >= 0) {
            BpeEntry *p = &bb->ent[prev];
            if (p->len == e->len && memcmp(p->s, e->s, e->len) == 0) { /* HF added token = vocab entry */
                p->special |= e->special;
                continue;
            }
            return engine_fail(err, "%s: tokens \"%s\" and \"%s\" both have id %d; HINT: every id must "
                               "name one token", bb->path, bpe__quote(p->s, p->len, q),
                               bpe__quote(e->s, e->len, q2), e->id);
        }
        if (bpe__find(bb, e->s, e->len) >= 0)
            return engine_fail(err, "%s: token \"%s\" appears twice in %s; HINT: the vocabulary file is "
                               "damaged", bb->path, bpe__quote(e->s, e->len, q), bb->vocab_name);
        bb->by_id[e->id] = (int32_t)i;
        size_t h = bpe__hash_str(e->s, e->len) & bb->smask;
        while (bb->smap[h].s) h = (h + 1) & bb->smask;
        bb->smap[h] = (BpeSlot){e->s, (uint32_t)e->len, e->id};
    }

    size_t total = 0;
    for (int id = 0; id < n_vocab; id++) {
        if (bb->by_id[id] < 0)
            return engine_fail(err, "%s: no token has id %d, but ids go up to %d; HINT: ids must run from 0 "
                               "without gaps", bb->path, id, n_vocab - 1);
        total += bb->ent[bb->by_id[id]].len;
    }
    b->bytes = malloc(total + 1);
    if (!b->bytes) return engine_fail(err, "%s: out of memory; HINT: free some memory", bb->path);

    /* byte_of_cp[cp]: the byte GPT-2's table maps to code point cp, or -1. */
    int byte_of_cp[324];
    memset(byte_of_cp, 0xFF, sizeof byte_of_cp);
    for (int c = 0; c < 256; c++) byte_of_cp[bpe__unicode_of_byte(c)] = c;

    size_t o = 0;
    for (int id = 0; id < n_vocab; id++) {
        const BpeEntry *e = &bb->ent[bb->by_id[id]];
        b->offs[id] = o;
        b->special[id] = e->special || (e->len == sizeof bpe_endoftext - 1 &&
                                        memcmp(e->s, bpe_endoftext, e->len) == 0);
        /* Undo the byte map; a token spelled outside it (an added token such
         * as "<pad> x") stands for its own UTF-8. */
        size_t start = o;
        bool mapped = utf8_first_invalid(e->s, e->len) == e->len;
        const unsigned char *s = (const unsigned char *)e->s;
        for (size_t i = 0; mapped && i < e->len;) {
            uint32_t cp;
            if (s[i] < 0x80) {
                cp = s[i];
                i += 1;
            } else if (s[i] < 0xE0) {
                cp = ((uint32_t)(s[i] & 0x1F) << 6) | (s[i + 1] & 0x3F);
                i += 2;
            } else {
                cp = 0x10000; /* any 3- or 4-byte character is outside the map */
                i += e->len;
            }
            if (cp >= 324 || byte_of_cp[cp] < 0) mapped = false;
            else b->bytes[o++] = (char)byte_of_cp[cp];
        }
        if (!mapped) {
            memcpy(b->bytes + start, e->s, e->len);
            o = start + e->len;
        }
    }
    b->offs[n_vocab] = o;

    for (int c = 0; c < 256; c++) {
        char u[4];
        size_t n = bpe__put_utf8(u, bpe__unicode_of_byte(c));
        int id = bpe__find(bb, u, n);
        if (id < 0)
            return engine_fail(err, "%s: %s has no token for byte 0x%02X (\"%.*s\"); HINT: this is not a "
                               "GPT-2 byte-level BPE vocabulary", bb->path, bb->vocab_name, c, (int)n, u);
        b->byte_id[c] = id;
    }
    return 0;
}

static int bpe__alloc_merges(BpeBuilder *bb, size_t n_merges, EngineError *err) {
    size_t slots = 16;
    while (slots < n_merges * 2) slots <<= 1;
    bb->bpe->merges = malloc(slots * sizeof *bb->bpe->merges);
    if (!bb->bpe->merges) return engine_fail(err, "%s: out of memory; HINT: free some memory", bb->path);
    for (size_t i = 0; i < slots; i++) bb->bpe->merges[i].rank = -1;
    bb->bpe->merge_mask = slots - 1;
    return 0;
}

/* Where a merge rule came from, for errors: a merges.txt line or an index
 * in tokenizer.json's model.merges. */
typedef struct {
    const char *path;
    size_t index; /* 1-based line, or 0-based array index */
    bool json;
} BpeWhere;

static const char *bpe__where(BpeWhere w, char *buf, size_t cap) {
    if (w.json) snprintf(buf, cap, "%s: model.merges[%zu]", w.path, w.index);
    else snprintf(buf, cap, "%s:%zu", w.path, w.index);
    return buf;
}

/* One merge rule "left right" of the given rank. */
static int bpe__add_merge(BpeBuilder *bb, const char *left, size_t nl, const char *right, size_t nr,
                          int32_t rank, BpeWhere w, EngineError *err) {
    char q[64], q2[64], q3[64], where[600];
    int a = bpe__find(bb, left, nl);
    int c = bpe__find(bb, right, nr);
    if (a < 0 || c < 0) {
        const char *bad = a < 0 ? left : right;
        size_t nbad = a < 0 ? nl : nr;
        return engine_fail(err, "%s: merge \"%s %s\" names \"%s\", which is not in %s (%s); HINT: the merges "
                           "and the vocabulary must come from the same tokenizer", bpe__where(w, where, sizeof where),
                           bpe__quote(left, nl, q), bpe__quote(right, nr, q2), bpe__quote(bad, nbad, q3),
                           bb->vocab_name, bb->path);
    }
    char stack[256];
    char *cat = nl + nr <= sizeof stack ? stack : malloc(nl + nr);
    if (!cat) return engine_fail(err, "%s: out of memory; HINT: free some memory", bb->path);
    memcpy(cat, left, nl);
    memcpy(cat + nl, right, nr);
    int m = bpe__find(bb, cat, nl + nr);
    if (m < 0) {
        engine_fail(err, "%s: merge \"%s %s\" makes \"%s\", which is not in %s (%s); HINT: the merges and the "
                    "vocabulary must come from the same tokenizer", bpe__where(w, where, sizeof where),
                    bpe__quote(left, nl, q), bpe__quote(right, nr, q2), bpe__quote(cat, nl + nr, q3),
                    bb->vocab_name, bb->path);
    }
    if (cat != stack) free(cat);
    if (m < 0) return -1;
    bpe__insert(bb->bpe, a, c, rank, m);
    return 0;
}

/* Splits "left right" (trailing blanks and CR ignored) into its two tokens.
 * Returns 1 for a rule, 0 for a blank or "#version" line, -1 if malformed. */
static int bpe__split_rule(const char *s, size_t n, const char **l, size_t *nl, const char **r, size_t *nr) {
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    if (n == 0 || (n >= 8 && memcmp(s, "#version", 8) == 0)) return 0;
    size_t i = 0;
    while (i < n && s[i] != ' ' && s[i] != '\t') i++;
    size_t j = i;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    size_t k = j;
    while (k < n && s[k] != ' ' && s[k] != '\t') k++;
    if (i == 0 || j == i || k == j || k != n) return -1;
    *l = s;
    *nl = i;
    *r = s + j;
    *nr = k - j;
    return 1;
}

/* -------------------------------------------------------------- encoding */

typedef struct {
    int32_t rank, pos; /* heap order: lowest rank, then leftmost */
    int32_t left, right, merged;
} BpeCand;

/* Scratch for one encode call, grown to the longest piece. */
typedef struct {
    int32_t *id, *next;  /* (piece length) symbol list; id -1 once merged away */
    int32_t *prev;       /* (piece length) */
    BpeCand *heap;       /* (3 * piece length) */
    BpeCand *pending;    /* (2 * piece length) pairs born in the current pass */
    size_t cap, n_heap, n_pending;
} BpeScratch;

static bool bpe__cand_less(const BpeCand *x, const BpeCand *y) {
    return x->rank < y->rank || (x->rank == y->rank && x->pos < y->pos);
}

static void bpe__heap_push(BpeScratch *s, BpeCand c) {
    size_t i = s->n_heap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!bpe__cand_less(&c, &s->heap[p])) break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = c;
}

static BpeCand bpe__heap_pop(BpeScratch *s) {
    BpeCand top = s->heap[0];
    BpeCand last = s->heap[--s->n_heap];
    size_t i = 0, n = s->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && bpe__cand_less(&s->heap[c + 1], &s->heap[c])) c++;
        if (!bpe__cand_less(&s->heap[c], &last)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n > 0) s->heap[i] = last;
    return top;
}

static int bpe__scratch_reserve(BpeScratch *s, size_t n) {
    if (n <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < n) cap *= 2;
    int32_t *id = realloc(s->id, cap * sizeof *id);
    if (id) s->id = id;
    int32_t *next = realloc(s->next, cap * sizeof *next);
    if (next) s->next = next;
    int32_t *prev = realloc(s->prev, cap * sizeof *prev);
    if (prev) s->prev = prev;
    BpeCand *heap = realloc(s->heap, 3 * cap * sizeof *heap);
    if (heap) s->heap = heap;
    BpeCand *pending = realloc(s->pending, 2 * cap * sizeof *pending);
    if (pending) s->pending = pending;
    if (!id || !next || !prev || !heap || !pending) return -1;
    s->cap = cap;
    return 0;
}

static void bpe__candidate(const Bpe *b, BpeScratch *s, int32_t pos, bool now) {
    int32_t nx = s->next[pos];
    const BpeMerge *m = bpe__lookup(b, s->id[pos], s->id[nx]);
    if (!m) return;
    BpeCand c = {m->rank, pos, s->id[pos], s->id[nx], m->merged};
    if (now) bpe__heap_push(s, c);
    else s->pending[s->n_pending++] = c;
}

/* Merges the n bytes of one piece; the symbols are left in s as a list
 * starting at 0. */
static void bpe__merge_piece(const Bpe *b, BpeScratch *s, const unsigned char *w, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        s->id[i] = b->byte_id[w[i]];
        s->prev[i] = i - 1;
        s->next[i] = i + 1 < n ? i + 1 : -1;
    }
    s->n_heap = s->n_pending = 0;
    for (int32_t i = 0; i + 1 < n; i++) bpe__candidate(b, s, i, true);
    int32_t pass = -1; /* the rank being merged */
    for (;;) {
        if (s->n_heap > 0 && s->heap[0].rank == pass) {
            BpeCand c = bpe__heap_pop(s);
            int32_t nx = s->next[c.pos];
            if (s->id[c.pos] != c.left || nx < 0 || s->id[nx] != c.right) continue; /* stale */
            s->id[c.pos] = c.merged;
            s->id[nx] = -1;
            s->next[c.pos] = s->next[nx];
            if (s->next[nx] >= 0) s->prev[s->next[nx]] = c.pos;
            if (s->prev[c.pos] >= 0) bpe__candidate(b, s, s->prev[c.pos], false);
            if (s->next[c.pos] >= 0) bpe__candidate(b, s, c.pos, false);
            continue;
        }
        for (size_t i = 0; i < s->n_pending; i++) { /* a later merge in the pass may have made it stale */
            const BpeCand *c = &s->pending[i];
            int32_t nx = s->next[c->pos];
            if (s->id[c->pos] == c->left && nx >= 0 && s->id[nx] == c->right) bpe__heap_push(s, *c);
        }
        s->n_pending = 0;
        if (s->n_heap == 0) break;
        pass = s->heap[0].rank;
    }
}

static int bpe__push_token(TokenList *out, size_t *cap, int id, size_t start, size_t end) {
    if (out->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        Token *t = realloc(out->tokens, nc * sizeof *t);
        if (!t) return -1;
        out->tokens = t;
        *cap = nc;
    }
    out->tokens[out->n++] = (Token){.id = id, .start = start, .end = end};
    return 0;
}

static int bpe_encode(const Tokenizer *tok, const char *text, size_t len, bool add_bos, TokenList *out,
                      EngineError *err) {
    const Bpe *b = tok->impl;
    size_t cap = 0;
    out->tokens = NULL;
    out->n = 0;
    if (add_bos) {
        if (tok->bos_id < 0)
            return engine_fail(err, "tokenizer: this vocabulary has no <|endoftext|> to use as BOS; HINT: "
                               "encode without BOS");
        if (bpe__push_token(out, &cap, tok->bos_id, 0, 0)) goto oom;
    }
    if (len == 0) return 0;

    /* HF's ByteLevel add_prefix_space: encode " " + text; the added space
     * has no bytes in text, so offsets shift back by one, clamped at 0. */
    char *shifted = NULL;
    size_t shift = 0;
    if (b->add_prefix_space && text[0] != ' ') {
        shifted = malloc(len + 1);
        if (!shifted) goto oom;
        shifted[0] = ' ';
        memcpy(shifted + 1, text, len);
        text = shifted;
        len += 1;
        shift = 1;
    }

    BpeScratch s = {0};
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(b->re, NULL);
    bool oom = !md;
    int rc = oom ? -1 : 0;
    size_t at = 0;
    while (rc == 0 && at < len) {
        int m = pcre2_match(b->re, (PCRE2_SPTR)text, len, at, PCRE2_NO_UTF_CHECK, md, NULL);
        if (m == PCRE2_ERROR_NOMATCH) break;
        if (m < 0) {
            PCRE2_UCHAR msg[120];
            pcre2_get_error_message(m, msg, sizeof msg);
            rc = engine_fail(err, "tokenizer: pre-tokenizer regex failed at byte %zu (%s); HINT: split the "
                             "text into smaller pieces", at, (const char *)msg);
            break;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ps = ov[0], pe = ov[1];
        ENGINE_ASSERT(pe > ps && ps >= at); /* every alternative consumes a character */
        at = pe;
        if (pe - ps > INT32_MAX) {
            rc = engine_fail(err, "tokenizer: a piece of %zu bytes without a break is too long; HINT: split "
                             "the text", pe - ps);
            break;
        }
        int32_t n = (int32_t)(pe - ps);
        if (bpe__scratch_reserve(&s, (size_t)n)) {
            rc = -1;
            oom = true;
            break;
        }
        bpe__merge_piece(b, &s, (const unsigned char *)text + ps, n);
        for (int32_t i = 0; i >= 0 && rc == 0; i = s.next[i]) {
            size_t ts = ps + (size_t)i, te = ps + (size_t)(s.next[i] >= 0 ? s.next[i] : n);
            ts = ts > shift ? ts - shift : 0;
            te = te > shift ? te - shift : 0;
            if (bpe__push_token(out, &cap, s.id[i], ts, te)) {
                rc = -1;
                oom = true;
            }
        }
    }
    pcre2_match_data_free(md);
    free(s.id);
    free(s.next);
    free(s.prev);
    free(s.heap);
    free(s.pending);
    free(shifted);
    if (rc == 0) return 0;
    if (oom) goto oom;
    token_list_free(out);
    return -1;
oom:
    token_list_free(out);
    return engine_fail(err, "tokenizer: out of memory encoding %zu bytes; HINT: encode a shorter text", len);
}

/* -------------------------------------------------------------- decoding */

static int bpe_decode_token(const Tokenizer *tok, int id, char *buf, size_t cap) {
    const Bpe *b = tok->impl;
    if (id < 0 || id >= b->n_vocab) return -1;
    size_t n = b->offs[id + 1] - b->offs[id];
    if (buf && cap > 0) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, b->bytes + b->offs[id], k);
        buf[k] = '\0';
    }
    return (int)n;
}

static bool bpe_is_special(const Tokenizer *tok, int id) {
    const Bpe *b = tok->impl;
    return id >= 0 && id < b->n_vocab && b->special[id];
}

static void bpe_free(void *impl) {
    Bpe *b = impl;
    if (!b) return;
    free(b->bytes);
    free(b->offs);
    free(b->special);
    free(b->merges);
    pcre2_code_free(b->re);
    free(b);
}

/* ------------------------------------------------------------ assembling */

static int bpe__compile(Bpe *b, EngineError *err) {
    int code;
    PCRE2_SIZE off;
    b->re = pcre2_compile((PCRE2_SPTR)bpe_pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &code, &off,
                          NULL);
    if (!b->re) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(code, msg, sizeof msg);
        return engine_fail(err, "tokenizer: PCRE2 rejects GPT-2's pattern at %zu (%s); HINT: install a PCRE2 "
                           "built with Unicode support (libpcre2-dev)", (size_t)off, (const char *)msg);
    }
    (void)pcre2_jit_compile(b->re, PCRE2_JIT_COMPLETE); /* the interpreter is the fallback */
    return 0;
}

static int bpe__builder_init(BpeBuilder *bb, const char *path, const char *vocab_name, EngineError *err) {
    memset(bb, 0, sizeof *bb);
    bb->path = path;
    bb->vocab_name = vocab_name;
    bb->bpe = calloc(1, sizeof *bb->bpe);
    if (!bb->bpe) return engine_fail(err, "%s: out of memory; HINT: free some memory", path);
    return 0;
}

static void bpe__builder_free(BpeBuilder *bb) {
    free(bb->ent);
    free(bb->by_id);
    free(bb->smap);
    bpe_free(bb->bpe);
}

static int bpe__vocab_from_object(BpeBuilder *bb, const cJSON *obj, EngineError *err) {
    for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next) {
        if (!it->string) continue;
        if (!cJSON_IsNumber(it)) {
            char q[64];
            return engine_fail(err, "%s: %s token \"%s\" maps to a non-number; HINT: the vocabulary maps each "
                               "token to its integer id", bb->path, bb->vocab_name,
                               bpe__quote(it->string, strlen(it->string), q));
        }
        if (bpe__add_entry(bb, it->string, strlen(it->string), it->valuedouble, false, err)) return -1;
    }
    return 0;
}

/* Moves the built Bpe into a new Tokenizer. */
static int bpe__finish(BpeBuilder *bb, Tokenizer **out, EngineError *err) {
    Bpe *b = bb->bpe;
    if (bpe__compile(b, err)) return -1;
    Tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok) return engine_fail(err, "%s: out of memory; HINT: free some memory", bb->path);
    int eot = bpe__find(bb, bpe_endoftext, sizeof bpe_endoftext - 1);
    tok->kind = TOKENIZER_BYTE_BPE;
    tok->vocab_size = b->n_vocab;
    tok->bos_id = eot;
    tok->eos_id = eot;
    tok->impl = b;
    tok->encode = bpe_encode;
    tok->decode_token = bpe_decode_token;
    tok->is_special = bpe_is_special;
    tok->free_impl = bpe_free;
    bb->bpe = NULL;
    *out = tok;
    return 0;
}

int tokenizer_load_gpt2(Tokenizer **out, const char *vocab_json_path, const char *merges_txt_path,
                        EngineError *err) {
    ENGINE_ASSERT(out && vocab_json_path && merges_txt_path);
    *out = NULL;
    const char *hint = "a GPT-2 model folder needs vocab.json and merges.txt (or tokenizer.json)";
    size_t vlen = 0, mlen = 0;
    char *vtext = tokenizer_read_file(vocab_json_path, &vlen, hint, err);
    if (!vtext) return -1;
    char *mtext = tokenizer_read_file(merges_txt_path, &mlen, hint, err);
    if (!mtext) {
        free(vtext);
        return -1;
    }
    cJSON *root = tokenizer_parse_json(vocab_json_path, vtext, vlen, err);
    free(vtext);
    BpeBuilder bb;
    int rc = -1;
    if (!root || bpe__builder_init(&bb, vocab_json_path, "vocab.json", err)) goto done_early;
    if (!cJSON_IsObject(root)) {
        engine_fail(err, "%s: expected a JSON object {token: id}; HINT: is this a GPT-2 vocab.json?",
                    vocab_json_path);
        goto done;
    }
    if (bpe__vocab_from_object(&bb, root, err) || bpe__finish_vocab(&bb, err)) goto done;

    size_t n_lines = 1;
    for (size_t i = 0; i < mlen; i++) n_lines += mtext[i] == '\n';
    if (bpe__alloc_merges(&bb, n_lines, err)) goto done;
    int32_t rank = 0;
    size_t line = 0;
    for (const char *p = mtext, *end = mtext + mlen; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        const char *l, *r;
        size_t ll, lr;
        int kind = bpe__split_rule(p, n, &l, &ll, &r, &lr);
        BpeWhere w = {merges_txt_path, line, false};
        if (kind < 0) {
            char where[600];
            engine_fail(err, "%s: expected two tokens separated by a space; HINT: merges.txt has one merge "
                        "\"left right\" per line after a #version line", bpe__where(w, where, sizeof where));
            goto done;
        }
        if (kind > 0 && bpe__add_merge(&bb, l, ll, r, lr, rank++, w, err)) goto done;
        p += n + 1;
    }
    rc = bpe__finish(&bb, out, err);
done:
    bpe__builder_free(&bb);
done_early:
    cJSON_Delete(root);
    free(mtext);
    return rc;
}

/* The value of a field that must be null or absent for GPT-2 semantics. */
static bool bpe__null_or_absent(const cJSON *obj, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return !v || cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0');
}

int tokenizer_bpe_from_hf_json(Tokenizer **out, const cJSON *root, const char *path, EngineError *err) {
    ENGINE_ASSERT(out && root && path);
    *out = NULL;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    const cJSON *pre_type = cJSON_GetObjectItemCaseSensitive(pre, "type");
    if (!cJSON_IsObject(vocab))
        return engine_fail(err, "%s: field model.vocab is missing or not an object; HINT: a BPE tokenizer.json "
                           "maps tokens to ids in model.vocab", path);
    if (!cJSON_IsArray(merges))
        return engine_fail(err, "%s: field model.merges is missing or not an array; HINT: a BPE tokenizer.json "
                           "lists its merges in model.merges", path);
    if (!cJSON_IsString(pre_type) || strcmp(pre_type->valuestring, "ByteLevel") != 0 ||
        cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pre, "use_regex")))
        return engine_fail(err, "%s: field pre_tokenizer is not GPT-2's ByteLevel (with its regex); HINT: "
                           "attnscope's byte-level BPE supports GPT-2-style tokenizers only", path);
    if (!bpe__null_or_absent(root, "normalizer"))
        return engine_fail(err, "%s: field normalizer is set; HINT: GPT-2-style tokenizers have no normalizer, "
                           "and attnscope does not implement one", path);
    if (!bpe__null_or_absent(model, "continuing_subword_prefix") ||
        !bpe__null_or_absent(model, "end_of_word_suffix"))
        return engine_fail(err, "%s: field model.continuing_subword_prefix or model.end_of_word_suffix is set; "
                           "HINT: GPT-2-style byte-level BPE uses neither", path);

    BpeBuilder bb;
    if (bpe__builder_init(&bb, path, "model.vocab", err)) return -1;
    int rc = -1;
    bb.bpe->add_prefix_space = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pre, "add_prefix_space"));
    if (bpe__vocab_from_object(&bb, vocab, err)) goto done;
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    size_t ai = 0;
    for (const cJSON *t = cJSON_IsArray(added) ? added->child : NULL; t; t = t->next, ai++) {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(t, "content");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
        if (!cJSON_IsString(content) || !cJSON_IsNumber(id)) {
            engine_fail(err, "%s: added_tokens[%zu] lacks a string content or a numeric id; HINT: the file is "
                        "damaged", path, ai);
            goto done;
        }
        bool special = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "special"));
        if (bpe__add_entry(&bb, content->valuestring, strlen(content->valuestring), id->valuedouble, special,
                           err))
            goto done;
    }
    if (bpe__finish_vocab(&bb, err)) goto done;

    if (bpe__alloc_merges(&bb, (size_t)cJSON_GetArraySize(merges), err)) goto done;
    int32_t rank = 0;
    size_t mi = 0;
    for (const cJSON *m = merges->child; m; m = m->next, mi++) {
        BpeWhere w = {path, mi, true};
        const char *l = NULL, *r = NULL;
        size_t ll = 0, lr = 0;
        int kind = -1;
        if (cJSON_IsString(m)) { /* "left right" */
            kind = bpe__split_rule(m->valuestring, strlen(m->valuestring), &l, &ll, &r, &lr);
        } else if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 && cJSON_IsString(m->child) &&
                   cJSON_IsString(m->child->next)) { /* ["left", "right"], tokenizers >= 0.20 */
            l = m->child->valuestring;
            r = m->child->next->valuestring;
            ll = strlen(l);
            lr = strlen(r);
            kind = ll && lr ? 1 : -1;
        }
        if (kind != 1) {
            char where[600];
            engine_fail(err, "%s: expected \"left right\" or [\"left\", \"right\"]; HINT: the file is damaged",
                        bpe__where(w, where, sizeof where));
            goto done;
        }
        if (bpe__add_merge(&bb, l, ll, r, lr, rank++, w, err)) goto done;
    }
    rc = bpe__finish(&bb, out, err);
done:
    bpe__builder_free(&bb);
    return rc;
}
