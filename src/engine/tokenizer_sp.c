/* tokenizer_sp.c — SentencePiece-style BPE with byte fallback, as Llama
 * models use it. Two sources:
 *
 *   - llama2.c tokenizer.bin (tokenizer_load_llama2c): int32
 *     max_token_length, then per token: float32 score, int32 length, bytes.
 *     Spaces are literal " " in the pieces; ids 0, 1, 2 are <unk>, <s>, </s>
 *     (llama2.c spells them "\n<s>\n"; we drop the newlines its export added
 *     for printing). Merges: the adjacent pair whose concatenation is a piece
 *     with the highest score.
 *   - Hugging Face tokenizer.json, model BPE with byte_fallback true
 *     (tokenizer_sp_from_hf_json): spaces are U+2581 "▁", merges are the
 *     listed pairs, lowest rank first. The Llama 2 normalizer (Prepend "▁",
 *     Replace " " -> "▁") and the Metaspace pre-tokenizer are understood.
 *
 * Encode (both): a dummy-prefix space when the text is non-empty, one symbol
 * per UTF-8 character (its piece, else one <0xNN> token per byte, else
 * <unk>), then merges until none applies; ties go to the leftmost pair.
 * Control pieces and <0xNN> pieces never match text. A binary heap of
 * candidate pairs keeps this O(n log n).
 *
 * Offsets: a token covers the original bytes of the characters merged into
 * it. The dummy prefix covers none: " Once" at the start of "Once" is
 * [0, 4); a lone dummy prefix is [0, 0).
 *
 * Decode: <0xNN> is that byte, "▁" is a space, control tokens are spelled
 * <unk>, <s>, </s>. The pieces of an encoded text concatenate to " " + text;
 * like llama2.c, a caller printing text drops the leading space of the
 * token after BOS.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "fileio.h"
#include "minheap.h"
#include "tokenizer_internal.h"

#define SP_MAX_PIECE 4096      /* longest piece accepted from a file */
#define SP_MAX_VOCAB (1 << 22)

static const char SP_META[] = "\xE2\x96\x81"; /* U+2581, SentencePiece's space */

typedef struct {
    uint64_t key;
    int value, rank;
    bool used;
} SpSlot;

typedef struct {
    SpSlot *slots;
    size_t mask; /* capacity - 1, a power of two minus one */
} SpMap;

typedef struct {
    int n;              /* vocabulary size */
    char *bytes;        /* all pieces, back to back */
    size_t *off;        /* (n + 1) piece i is bytes[off[i] .. off[i+1]) */
    float *score;       /* (n) llama2.c only */
    uint8_t *special;   /* (n) control tokens */
    int byte_id[256];   /* <0xNN> token per byte, or -1 */
    int unk_id;
    SpMap pieces;       /* hash of piece -> id, text-matchable pieces only */
    SpMap merges;       /* HF only: (left id, right id) -> merged id, rank */
    bool by_rank;       /* HF: merges by rank; llama2.c: by score */
    bool dummy_prefix;  /* prepend a space to non-empty text */
    bool split_words;   /* Metaspace split: no merge across a space */
    char space[4];      /* what a text space becomes: " " or "▁" */
    size_t space_len;
} SpModel;

/* ------------------------------------------------------------------ maps */

static uint64_t sp__hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static uint64_t sp__mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static int sp__map_init(SpMap *m, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 1) cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = cap - 1;
    return m->slots ? 0 : -1;
}

static const char *sp__piece(const SpModel *sp, int id, size_t *len) {
    *len = sp->off[id + 1] - sp->off[id];
    return sp->bytes + sp->off[id];
}

/* Piece map: key is the hash; collisions resolved by comparing bytes. */
static int sp__piece_find(const SpModel *sp, const char *s, size_t n) {
    uint64_t h = sp__hash_bytes(s, n);
    for (size_t i = h & sp->pieces.mask;; i = (i + 1) & sp->pieces.mask) {
        const SpSlot *e = &sp->pieces.slots[i];
        if (!e->used) return -1;
        size_t len;
        const char *p = sp__piece(sp, e->value, &len);
        if (e->key == h && len == n && !memcmp(p, s, n)) return e->value;
    }
}

/* Adds piece id unless an equal piece is there (the first id wins). */
static void sp__piece_add(SpModel *sp, int id) {
    size_t n;
    const char *s = sp__piece(sp, id, &n);
    if (sp__piece_find(sp, s, n) >= 0) return;
    uint64_t h = sp__hash_bytes(s, n);
    size_t i = h & sp->pieces.mask;
    while (sp->pieces.slots[i].used) i = (i + 1) & sp->pieces.mask;
    sp->pieces.slots[i] = (SpSlot){.key = h, .value = id, .rank = 0, .used = true};
}

static const SpSlot *sp__merge_find(const SpModel *sp, int a, int b) {
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    for (size_t i = sp__mix(key) & sp->merges.mask;; i = (i + 1) & sp->merges.mask) {
        const SpSlot *e = &sp->merges.slots[i];
        if (!e->used) return NULL;
        if (e->key == key) return e;
    }
}

/* Adds merge (a, b) -> merged at rank unless (a, b) is listed already. */
static void sp__merge_add(SpModel *sp, int a, int b, int merged, int rank) {
    if (sp__merge_find(sp, a, b)) return;
    uint64_t key = (uint64_t)(uint32_t)a << 32 | (uint32_t)b;
    size_t i = sp__mix(key) & sp->merges.mask;
    while (sp->merges.slots[i].used) i = (i + 1) & sp->merges.mask;
    sp->merges.slots[i] = (SpSlot){.key = key, .value = merged, .rank = rank, .used = true};
}

/* ---------------------------------------------------------------- encode */

typedef struct {
    double key;     /* higher first: score, or -rank */
    int pos;        /* left symbol; lower first among equal keys */
    int left, right;
    int merged;
} SpCand;

static bool sp__before(const void *a, const void *b) {
    const SpCand *x = a, *y = b;
    return x->key > y->key || (x->key == y->key && x->pos < y->pos);
}

/* Symbols as a doubly linked list over their initial positions. */
typedef struct {
    int *id, *prev, *next;
    size_t *start, *end;
    uint8_t *word_start;
    int n;
} SpSyms;

/* The candidate merging symbol i with its right neighbour, if any. */
static int sp__consider(const SpModel *sp, const SpSyms *s, int i, MinHeap *h) {
    int j = s->next[i];
    if (i < 0 || j < 0) return 0;
    if (sp->split_words && s->word_start[j]) return 0;
    int a = s->id[i], b = s->id[j];
    SpCand c = {.pos = i, .left = a, .right = b};
    if (sp->by_rank) {
        const SpSlot *e = sp__merge_find(sp, a, b);
        if (!e) return 0;
        c.merged = e->value;
        c.key = -(double)e->rank;
    } else {
        size_t la, lb;
        const char *pa = sp__piece(sp, a, &la), *pb = sp__piece(sp, b, &lb);
        char small[256];
        char *cat = la + lb <= sizeof small ? small : malloc(la + lb);
        if (!cat) return -1;
        memcpy(cat, pa, la);
        memcpy(cat + la, pb, lb);
        c.merged = sp__piece_find(sp, cat, la + lb);
        if (cat != small) free(cat);
        /* llama2.c starts its search at -1e10 and needs a strictly better score. */
        if (c.merged < 0 || !(sp->score[c.merged] > -1e10f)) return 0;
        c.key = sp->score[c.merged];
    }
    return minheap_push(h, &c);
}

/* Appends one initial symbol covering [start, end) of the text. */
static void sp__push_sym(SpSyms *s, int id, size_t start, size_t end, bool word_start) {
    int i = s->n++;
    s->id[i] = id;
    s->start[i] = start;
    s->end[i] = end;
    s->word_start[i] = word_start;
    s->prev[i] = i - 1;
    s->next[i] = -1;
    if (i > 0) s->next[i - 1] = i;
}

/* A piece (one character, or the space it becomes) covering [start, end) of
 * the text, as one symbol or as byte-fallback symbols; byte k covers
 * [start + k, start + k + 1) clipped to end, so the symbols tile the text. */
static void sp__push_piece(const SpModel *sp, SpSyms *s, const char *p, size_t n,
                           size_t start, size_t end, bool word_start) {
    int id = sp__piece_find(sp, p, n);
    if (id >= 0) {
        sp__push_sym(s, id, start, end, word_start);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        int b = sp->byte_id[(unsigned char)p[k]];
        size_t bs = start + k < end ? start + k : end;
        size_t be = start + k + 1 < end ? start + k + 1 : end;
        sp__push_sym(s, b >= 0 ? b : sp->unk_id, bs, be, word_start && k == 0);
    }
}

static int sp__encode(const Tokenizer *tok, const char *text, size_t len, bool add_bos,
                      TokenList *out, EngineError *err) {
    const SpModel *sp = tok->impl;
    out->tokens = NULL;
    out->n = 0;
    bool bos = add_bos && tok->bos_id >= 0;
    /* A character yields at most one symbol per byte, a space at most one
       per byte of the piece it becomes. */
    size_t max_syms = len ? (len + 1) * sp->space_len : 0;
    if (max_syms > (size_t)INT32_MAX / 2)
        return engine_fail(err, "text: %zu bytes is too long to tokenize; HINT: split the text", len);
    out->tokens = malloc((max_syms + 1) * sizeof *out->tokens);
    if (!out->tokens) return engine_fail(err, "text: out of memory tokenizing %zu bytes", len);
    if (bos) out->tokens[out->n++] = (Token){.id = tok->bos_id, .start = 0, .end = 0};
    if (!len) return 0;

    SpSyms s = {0};
    size_t ints = max_syms * sizeof(int), sizes = max_syms * sizeof(size_t);
    char *block = malloc(3 * ints + 2 * sizes + max_syms);
    MinHeap h = minheap_init(sizeof(SpCand), sp__before);
    if (!block) goto oom;
    s.start = (size_t *)block;
    s.end = (size_t *)(block + sizes);
    s.id = (int *)(block + 2 * sizes);
    s.prev = (int *)(block + 2 * sizes + ints);
    s.next = (int *)(block + 2 * sizes + 2 * ints);
    s.word_start = (uint8_t *)(block + 2 * sizes + 3 * ints);

    if (sp->dummy_prefix) sp__push_piece(sp, &s, sp->space, sp->space_len, 0, 0, true);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (k > len - i) k = len - i;
        if (c == ' ')
            sp__push_piece(sp, &s, sp->space, sp->space_len, i, i + 1, true);
        else
            sp__push_piece(sp, &s, text + i, k, i, i + k,
                           k == sp->space_len && !memcmp(text + i, sp->space, k));
        i += k;
    }
    ENGINE_ASSERT((size_t)s.n <= max_syms);

    for (int i = 0; i + 1 < s.n; i++)
        if (sp__consider(sp, &s, i, &h)) goto oom;
    while (h.n) {
        SpCand c;
        minheap_pop(&h, &c);
        int i = c.pos, j = s.next[i];
        /* Stale: the left symbol was merged away or either side changed. */
        if (s.id[i] < 0 || j < 0 || s.id[i] != c.left || s.id[j] != c.right) continue;
        s.id[i] = c.merged;
        s.end[i] = s.end[j];
        s.id[j] = -1;
        s.next[i] = s.next[j];
        if (s.next[j] >= 0) s.prev[s.next[j]] = i;
        if (sp__consider(sp, &s, s.prev[i], &h) || sp__consider(sp, &s, i, &h)) goto oom;
    }
    for (int i = 0; i >= 0 && s.n > 0; i = s.next[i])
        out->tokens[out->n++] = (Token){.id = s.id[i], .start = s.start[i], .end = s.end[i]};
    minheap_free(&h);
    free(block);
    return 0;
oom:
    minheap_free(&h);
    free(block);
    token_list_free(out);
    return engine_fail(err, "text: out of memory tokenizing %zu bytes", len);
}

/* ---------------------------------------------------------------- decode */

static int sp__byte_piece(const char *p, size_t n);

static int sp__decode_token(const Tokenizer *tok, int id, char *buf, size_t cap) {
    const SpModel *sp = tok->impl;
    size_t n;
    const char *p = sp__piece(sp, id, &n);
    char tmp[1];
    int byte = sp->special[id] ? -1 : sp__byte_piece(p, n);
    if (byte >= 0 && sp->byte_id[byte] == id) {
        tmp[0] = (char)byte;
        p = tmp;
        n = 1;
    }
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        const char *piece = p + i;
        size_t step = 1, emit = 1;
        if (sp->space_len == 3 && n - i >= 3 && !memcmp(piece, SP_META, 3)) {
            piece = " ";
            step = 3;
        }
        if (buf && o + emit < cap) buf[o] = *piece;
        o += emit;
        i += step;
    }
    if (buf && cap) buf[o < cap ? o : cap - 1] = 0;
    return (int)o;
}

static bool sp__is_special(const Tokenizer *tok, int id) {
    const SpModel *sp = tok->impl;
    return id >= 0 && id < sp->n && sp->special[id];
}

static void sp__free(void *impl) {
    SpModel *sp = impl;
    if (!sp) return;
    free(sp->bytes);
    free(sp->off);
    free(sp->score);
    free(sp->special);
    free(sp->pieces.slots);
    free(sp->merges.slots);
    free(sp);
}

/* ------------------------------------------------------------ build */

static SpModel *sp__model_new(int n, size_t total_bytes, bool scores) {
    SpModel *sp = calloc(1, sizeof *sp);
    if (!sp) return NULL;
    sp->n = n;
    sp->bytes = malloc(total_bytes + 1);
    if (sp->bytes) sp->bytes[total_bytes] = 0;
    sp->off = calloc((size_t)n + 1, sizeof *sp->off);
    sp->score = scores ? calloc((size_t)n, sizeof *sp->score) : NULL;
    sp->special = calloc((size_t)n, 1);
    if (!sp->bytes || !sp->off || (scores && !sp->score) || !sp->special ||
        sp__map_init(&sp->pieces, (size_t)n)) {
        sp__free(sp);
        return NULL;
    }
    sp->unk_id = 0;
    return sp;
}

/* <0xNN> with upper-case hex, as SentencePiece spells byte pieces. */
static int sp__byte_piece(const char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    if (n != 6 || memcmp(p, "<0x", 3) || p[5] != '>') return -1;
    const char *hi = memchr(hex, p[3], 16), *lo = memchr(hex, p[4], 16);
    if (!hi || !lo || !p[3] || !p[4]) return -1;
    return (int)((hi - hex) * 16 + (lo - hex));
}

/* Indexes byte pieces and text-matchable pieces once all pieces are in. */
static void sp__index(SpModel *sp) {
    for (int b = 0; b < 256; b++) sp->byte_id[b] = -1;
    for (int i = 0; i < sp->n; i++) {
        size_t n;
        const char *p = sp__piece(sp, i, &n);
        int b = sp->special[i] ? -1 : sp__byte_piece(p, n);
        if (b >= 0) {
            if (sp->byte_id[b] < 0) sp->byte_id[b] = i;
        } else if (!sp->special[i] && n > 0) {
            sp__piece_add(sp, i);
        }
    }
}

static Tokenizer *sp__tokenizer_new(SpModel *sp, int bos, int eos) {
    Tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok) return NULL;
    tok->kind = TOKENIZER_SENTENCEPIECE;
    tok->vocab_size = sp->n;
    tok->bos_id = bos;
    tok->eos_id = eos;
    tok->impl = sp;
    tok->encode = sp__encode;
    tok->decode_token = sp__decode_token;
    tok->is_special = sp__is_special;
    tok->free_impl = sp__free;
    return tok;
}

/* ------------------------------------------------------ llama2.c tokenizer.bin */

static int32_t sp__rd_i32(const unsigned char *p) {
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t out;
    memcpy(&out, &v, sizeof out);
    return out;
}

int tokenizer_load_llama2c(Tokenizer **out, const char *path, int vocab_size, EngineError *err) {
    *out = NULL;
    char *text = NULL;
    size_t n_bytes = 0;
    if (fileio_read_all(path, FILEIO_LIMIT_TOKENIZER, "pass --tokenizer with llama2.c's tokenizer.bin for this model",
                        &text, &n_bytes, err))
        return -1;
    unsigned char *data = (unsigned char *)text;
    int rc = -1;
    SpModel *sp = NULL;
    if (n_bytes < 4) {
        engine_fail(err, "%s: %zu bytes, shorter than the 4-byte header; HINT: the file is truncated, fetch tokenizer.bin again", path, n_bytes);
        goto done;
    }
    int32_t max_len = sp__rd_i32(data);
    if (max_len < 1 || max_len > SP_MAX_PIECE) {
        engine_fail(err, "%s: max_token_length %d is out of range (1..%d); HINT: not a llama2.c tokenizer.bin", path, max_len, SP_MAX_PIECE);
        goto done;
    }
    if (vocab_size > SP_MAX_VOCAB) {
        engine_fail(err, "%s: vocab_size %d is over %d; HINT: the model header is wrong", path, vocab_size, SP_MAX_VOCAB);
        goto done;
    }
    /* First pass: count and validate every record against the file size. */
    size_t pos = 4, total = 0;
    int n = 0;
    while (pos < n_bytes && (vocab_size <= 0 || n < vocab_size)) {
        if (n_bytes - pos < 8) {
            engine_fail(err, "%s: truncated in the record of token %d (file has %zu bytes); HINT: fetch tokenizer.bin again", path, n, n_bytes);
            goto done;
        }
        float score;
        memcpy(&score, data + pos, sizeof score);
        int32_t len = sp__rd_i32(data + pos + 4);
        if (len < 0 || len > max_len) {
            engine_fail(err, "%s: token %d has length %d, outside 0..max_token_length %d; HINT: the file is damaged or not a llama2.c tokenizer.bin", path, n, len, max_len);
            goto done;
        }
        if (!isfinite(score)) {
            engine_fail(err, "%s: token %d has a non-finite score; HINT: the file is damaged, fetch tokenizer.bin again", path, n);
            goto done;
        }
        if ((size_t)len > n_bytes - pos - 8) {
            engine_fail(err, "%s: truncated in the bytes of token %d (file has %zu bytes); HINT: fetch tokenizer.bin again", path, n, n_bytes);
            goto done;
        }
        pos += 8 + (size_t)len;
        total += (size_t)len;
        if (++n > SP_MAX_VOCAB) {
            engine_fail(err, "%s: more than %d tokens; HINT: not a llama2.c tokenizer.bin", path, SP_MAX_VOCAB);
            goto done;
        }
    }
    if (vocab_size > 0 && n < vocab_size) {
        engine_fail(err, "%s: truncated: %d tokens but the model's vocab_size is %d; HINT: the file is cut short, or belongs to another model", path, n, vocab_size);
        goto done;
    }
    if (pos != n_bytes) {
        engine_fail(err, "%s: %zu bytes left after the model's %d tokens; HINT: this tokenizer belongs to another model, pass the right one with --tokenizer", path, n_bytes - pos, n);
        goto done;
    }
    if (n < 3) {
        engine_fail(err, "%s: only %d tokens, need at least <unk>, <s>, </s>; HINT: not a llama2.c tokenizer.bin", path, n);
        goto done;
    }
    sp = sp__model_new(n, total, true);
    if (!sp) {
        engine_fail(err, "%s: out of memory", path);
        goto done;
    }
    pos = 4;
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        memcpy(&sp->score[i], data + pos, sizeof(float));
        size_t len = (size_t)sp__rd_i32(data + pos + 4);
        const char *p = (const char *)data + pos + 8;
        pos += 8 + len;
        sp->special[i] = i < 3;
        /* llama2.c's export wraps <s> and </s> in newlines for printing. */
        if (sp->special[i] && len >= 2 && p[0] == '\n' && p[len - 1] == '\n') {
            p++;
            len -= 2;
        }
        memcpy(sp->bytes + o, p, len);
        sp->off[i] = o;
        o += len;
        sp->off[i + 1] = o;
    }
    sp->by_rank = false;
    sp->dummy_prefix = true;
    sp->split_words = false;
    memcpy(sp->space, " ", 2);
    sp->space_len = 1;
    sp->unk_id = 0;
    sp__index(sp);
    *out = sp__tokenizer_new(sp, 1, 2);
    if (!*out) {
        engine_fail(err, "%s: out of memory", path);
        goto done;
    }
    sp = NULL;
    rc = 0;
done:
    sp__free(sp);
    free(data);
    return rc;
}

/* ------------------------------------------------- HF tokenizer.json (BPE) */

/* Reads the normalizer / pre-tokenizer into sp (space, prefix, split). */
static int sp__hf_text_rules(SpModel *sp, const cJSON *root, const char *path, EngineError *err) {
    memcpy(sp->space, " ", 2);
    sp->space_len = 1;
    sp->dummy_prefix = false;
    sp->split_words = false;
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    const cJSON *list = NULL, *one[1] = {norm};
    int n_norm = 0;
    if (norm && !cJSON_IsNull(norm)) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(norm, "type");
        if (cJSON_IsString(type) && !strcmp(type->valuestring, "Sequence")) {
            list = cJSON_GetObjectItemCaseSensitive(norm, "normalizers");
            n_norm = cJSON_GetArraySize(list);
        } else {
            n_norm = 1;
        }
    }
    for (int i = 0; i < n_norm; i++) {
        const cJSON *nz = list ? cJSON_GetArrayItem(list, i) : one[0];
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(nz, "type");
        const char *t = cJSON_IsString(type) ? type->valuestring : "?";
        if (!strcmp(t, "Prepend")) {
            const cJSON *pre = cJSON_GetObjectItemCaseSensitive(nz, "prepend");
            if (!cJSON_IsString(pre) || strcmp(pre->valuestring, SP_META))
                return engine_fail(err, "%s: normalizer Prepend must prepend \"\xE2\x96\x81\"; HINT: attnscope reads Llama 2 style tokenizers", path);
            sp->dummy_prefix = true;
        } else if (!strcmp(t, "Replace")) {
            const cJSON *pat = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(nz, "pattern"), "String");
            const cJSON *content = cJSON_GetObjectItemCaseSensitive(nz, "content");
            if (!cJSON_IsString(pat) || !cJSON_IsString(content) || strcmp(pat->valuestring, " ") ||
                strcmp(content->valuestring, SP_META))
                return engine_fail(err, "%s: normalizer Replace other than \" \" -> \"\xE2\x96\x81\"; HINT: attnscope reads Llama 2 style tokenizers", path);
            memcpy(sp->space, SP_META, sizeof SP_META);
            sp->space_len = 3;
        } else {
            return engine_fail(err, "%s: normalizer %s is not supported for byte-fallback BPE; HINT: attnscope reads Llama 2 style tokenizers (Prepend + Replace)", path, t);
        }
    }
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    if (pre && !cJSON_IsNull(pre)) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(pre, "type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "Metaspace"))
            return engine_fail(err, "%s: pre_tokenizer %s is not supported for byte-fallback BPE; HINT: attnscope reads Llama 2 style tokenizers (no pre_tokenizer, or Metaspace)", path, cJSON_IsString(type) ? type->valuestring : "?");
        const cJSON *rep = cJSON_GetObjectItemCaseSensitive(pre, "replacement");
        if (cJSON_IsString(rep) && strcmp(rep->valuestring, SP_META))
            return engine_fail(err, "%s: Metaspace replacement other than \"\xE2\x96\x81\"; HINT: attnscope reads Llama 2 style tokenizers", path);
        memcpy(sp->space, SP_META, sizeof SP_META);
        sp->space_len = 3;
        const cJSON *scheme = cJSON_GetObjectItemCaseSensitive(pre, "prepend_scheme");
        const cJSON *add = cJSON_GetObjectItemCaseSensitive(pre, "add_prefix_space");
        if (cJSON_IsString(scheme))
            sp->dummy_prefix = strcmp(scheme->valuestring, "never") != 0;
        else
            sp->dummy_prefix = !cJSON_IsFalse(add);
        sp->split_words = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(pre, "split"));
    }
    return 0;
}

int tokenizer_sp_from_hf_json(Tokenizer **out, const cJSON *root, const char *path,
                              EngineError *err) {
    *out = NULL;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!cJSON_IsObject(vocab))
        return engine_fail(err, "%s: field model.vocab is missing or not an object; HINT: the file is damaged, download tokenizer.json again", path);
    if (!cJSON_IsArray(merges))
        return engine_fail(err, "%s: field model.merges is missing or not an array; HINT: the file is damaged, download tokenizer.json again", path);
    /* Ids must be 0..n-1; n covers the vocab and the added tokens. */
    int n = 0;
    size_t total = 0;
    for (const cJSON *it = vocab->child; it; it = it->next) {
        if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= SP_MAX_VOCAB ||
            it->valuedouble != (double)it->valueint)
            return engine_fail(err, "%s: model.vocab entry \"%.40s\" has a bad id; HINT: ids must be integers 0..%d", path, it->string, SP_MAX_VOCAB - 1);
        if (it->valueint + 1 > n) n = it->valueint + 1;
        total += strlen(it->string);
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, added) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(it, "content");
        if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= SP_MAX_VOCAB ||
            !cJSON_IsString(content))
            return engine_fail(err, "%s: an added_tokens entry lacks a valid id or content; HINT: the file is damaged, download tokenizer.json again", path);
        if (id->valueint + 1 > n) n = id->valueint + 1;
        total += strlen(content->valuestring);
    }
    if (n == 0)
        return engine_fail(err, "%s: model.vocab is empty; HINT: the file is damaged, download tokenizer.json again", path);
    SpModel *sp = sp__model_new(n, total, false);
    if (!sp) return engine_fail(err, "%s: out of memory", path);
    int rc = -1;
    Tokenizer *tok = NULL;
    const char **piece = calloc((size_t)n, sizeof *piece);
    if (!piece) {
        engine_fail(err, "%s: out of memory", path);
        goto done;
    }
    for (it = vocab->child; it; it = it->next) {
        if (piece[it->valueint]) {
            engine_fail(err, "%s: model.vocab gives id %d to two pieces; HINT: the file is damaged, download tokenizer.json again", path, it->valueint);
            goto done;
        }
        piece[it->valueint] = it->string;
    }
    int bos = -1, eos = -1;
    cJSON_ArrayForEach(it, added) {
        int id = cJSON_GetObjectItemCaseSensitive(it, "id")->valueint;
        const char *content = cJSON_GetObjectItemCaseSensitive(it, "content")->valuestring;
        if (!piece[id]) piece[id] = content;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "special"))) sp->special[id] = 1;
        if (!strcmp(content, "<s>")) bos = id;
        if (!strcmp(content, "</s>")) eos = id;
    }
    /* Files without added_tokens still spell BOS/EOS in the vocabulary. */
    for (int i = 0; i < n && (bos < 0 || eos < 0); i++) {
        if (bos < 0 && piece[i] && !strcmp(piece[i], "<s>")) bos = i, sp->special[i] = 1;
        if (eos < 0 && piece[i] && !strcmp(piece[i], "</s>")) eos = i, sp->special[i] = 1;
    }
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        size_t len = piece[i] ? strlen(piece[i]) : 0;
        if (len) memcpy(sp->bytes + o, piece[i], len);
        sp->off[i] = o;
        o += len;
        sp->off[i + 1] = o;
    }
    if (sp__hf_text_rules(sp, root, path, err)) goto done;
    const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
    sp->unk_id = 0;
    for (int i = 0; cJSON_IsString(unk) && i < n; i++)
        if (piece[i] && !strcmp(piece[i], unk->valuestring)) {
            sp->unk_id = i;
            break;
        }
    sp__index(sp);

    /* Merges: "a b" strings or ["a", "b"] pairs; rank = position. */
    int n_merges = cJSON_GetArraySize(merges);
    if (sp__map_init(&sp->merges, (size_t)n_merges)) {
        engine_fail(err, "%s: out of memory", path);
        goto done;
    }
    int rank = 0;
    cJSON_ArrayForEach(it, merges) {
        char buf[2 * SP_MAX_PIECE + 2];
        const char *a = NULL, *b = NULL;
        if (cJSON_IsString(it) && strlen(it->valuestring) < sizeof buf) {
            snprintf(buf, sizeof buf, "%s", it->valuestring);
            char *sp_at = strchr(buf + 1, ' ');
            if (sp_at) {
                *sp_at = 0;
                a = buf;
                b = sp_at + 1;
            }
        } else if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 &&
                   cJSON_IsString(cJSON_GetArrayItem(it, 0)) && cJSON_IsString(cJSON_GetArrayItem(it, 1))) {
            a = cJSON_GetArrayItem(it, 0)->valuestring;
            b = cJSON_GetArrayItem(it, 1)->valuestring;
        }
        if (!a) {
            engine_fail(err, "%s: model.merges entry %d is not \"a b\" or [a, b]; HINT: the file is damaged, download tokenizer.json again", path, rank);
            goto done;
        }
        /* Merges of pieces text never produces (control, <0xNN>) cannot
           apply, so they are left out. */
        size_t la = strlen(a), lb = strlen(b);
        char cat[2 * SP_MAX_PIECE + 2];
        if (la + lb < sizeof cat) {
            memcpy(cat, a, la);
            memcpy(cat + la, b, lb);
            int ia = sp__piece_find(sp, a, la), ib = sp__piece_find(sp, b, lb);
            int im = sp__piece_find(sp, cat, la + lb);
            if (ia >= 0 && ib >= 0 && im >= 0) sp__merge_add(sp, ia, ib, im, rank);
        }
        rank++;
    }
    sp->by_rank = true;
    tok = sp__tokenizer_new(sp, bos, eos);
    if (!tok) {
        engine_fail(err, "%s: out of memory", path);
        goto done;
    }
    sp = NULL;
    *out = tok;
    rc = 0;
done:
    free(piece);
    sp__free(sp);
    return rc;
}
