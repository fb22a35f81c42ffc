/* spm_encode.c — unigram Viterbi encode and decode, as sentencepiece 0.1.97
 * (unigram_model.cc EncodeOptimized, sentencepiece_processor.cc); BPE
 * models segment in spm_bpe.c and share the rest.
 *
 * Encode: normalize (spm_normalize.c), then for each character start s of
 * the normalized text, every NORMAL / USER_DEFINED piece p that starts there
 * proposes best[s + |p|] = best[s] + score(p); a USER_DEFINED piece scores
 * |p| * max_score - 0.1 (so it always wins), UNUSED pieces are skipped. If no
 * piece covers exactly the one character at s, <unk> proposes the character
 * with score min_score - 10. A proposal replaces the current best only when
 * strictly greater (the first found wins ties). Arithmetic follows upstream
 * to the bit: proposals are summed in double and stored as float, the <unk>
 * proposal in float. Backtracking gives the pieces. Then runs of <unk>
 * pieces merge into one (its text is the normalized characters), or with
 * byte_fallback each unknown character becomes one <0xNN> piece per byte.
 */
#include <string.h>

#include "spm_internal.h"

#define SPM_UNK_PENALTY 10.0f

typedef struct {
    int id;
    float score;
    int starts_at; /* -1: not reached */
} SpmBest;

/* Viterbi over normalized[0..n): fills spans (at most n) and *count. */
static int spm__viterbi(const SpmModel *m, const char *s, size_t n, SpmSpan *spans, size_t *count) {
    SpmBest *best = malloc((n + 1) * sizeof *best);
    if (!best) return -1;
    for (size_t i = 0; i <= n; i++) best[i] = (SpmBest){.id = -1, .score = 0, .starts_at = -1};
    const float unk_score = m->min_score - SPM_UNK_PENALTY;
    for (size_t at = 0; at < n;) {
        const float here = best[at].score;
        static const unsigned char one_char_len[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
        size_t mblen = one_char_len[(unsigned char)s[at] >> 4];
        if (mblen > n - at) mblen = n - at;
        bool single = false;
        size_t lim = n - at < m->max_len ? n - at : m->max_len;
        uint64_t hash = SPM_HASH_SEED;
        for (size_t len = 1; len <= lim; len++) {
            hash = spm__hash_step(hash, s[at + len - 1]);
            int id = spm__find_hashed(m, s + at, len, hash);
            if (id < 0) continue;
            int t = m->type[id];
            if (t != SPM_NORMAL && t != SPM_USER_DEFINED) continue; /* UNUSED, or not in the lattice */
            SpmBest *target = &best[at + len];
            double score = t == SPM_USER_DEFINED ? (double)((float)len * m->max_score) - 0.1
                                                 : (double)m->score[id];
            double cand = score + (double)here;
            if (target->starts_at == -1 || cand > (double)target->score) {
                target->score = (float)cand;
                target->starts_at = (int)at;
                target->id = id;
            }
            if (len == mblen) single = true;
        }
        if (!single) {
            SpmBest *target = &best[at + mblen];
            float cand = unk_score + here;
            if (target->starts_at == -1 || cand > target->score) {
                target->score = cand;
                target->starts_at = (int)at;
                target->id = m->unk_id;
            }
        }
        at += mblen;
    }
    size_t k = 0;
    for (size_t end = n; end > 0; end = (size_t)best[end].starts_at) {
        ENGINE_ASSERT(best[end].starts_at >= 0 && (size_t)best[end].starts_at < end);
        spans[k++] = (SpmSpan){.id = best[end].id, .start = (size_t)best[end].starts_at, .end = end};
    }
    for (size_t i = 0; i < k / 2; i++) {
        SpmSpan t = spans[i];
        spans[i] = spans[k - 1 - i];
        spans[k - 1 - i] = t;
    }
    *count = k;
    free(best);
    return 0;
}

/* Appends one piece with bytes p[0..pn) and input range [start, end); with
 * widen, the bytes extend the last piece instead (a run of unknowns). */
static int spm__emit(SpmPieces *ps, size_t *cap_items, size_t *cap_text, bool widen, int id, const char *p,
                     size_t pn, size_t start, size_t end) {
    ENGINE_ASSERT(!widen || ps->n > 0);
    if (!widen && ps->n == *cap_items) {
        size_t cap = *cap_items ? 2 * *cap_items : 16;
        SpmPiece *a = realloc(ps->items, cap * sizeof *a);
        if (!a) return -1;
        ps->items = a;
        *cap_items = cap;
    }
    if (ps->text_len + pn + 1 > *cap_text) {
        size_t cap = *cap_text ? *cap_text : 64;
        while (cap < ps->text_len + pn + 1) cap *= 2;
        char *t = realloc(ps->text, cap);
        if (!t) return -1;
        ps->text = t;
        *cap_text = cap;
    }
    memcpy(ps->text + ps->text_len, p, pn);
    if (widen) {
        SpmPiece *last = &ps->items[ps->n - 1];
        last->len += pn;
        last->end = end;
    } else {
        ps->items[ps->n++] = (SpmPiece){.id = id, .off = ps->text_len, .len = pn, .start = start, .end = end};
    }
    ps->text_len += pn;
    ps->text[ps->text_len] = '\0';
    return 0;
}

int spm_encode(const SpmModel *m, const char *text, size_t len, SpmPieces *out, EngineError *err) {
    ENGINE_ASSERT(m && out && (text || len == 0));
    memset(out, 0, sizeof *out);
    char *norm;
    size_t n, *map;
    if (spm_normalize(m, text, len, &norm, &n, &map, err)) return -1;
    SpmSpan *spans = malloc((n + 1) * sizeof *spans);
    size_t count = 0, cap_items = 0, cap_text = 0;
    if (!spans || (m->model_type == SPM_BPE ? spm__bpe(m, norm, n, spans, &count)
                                            : spm__viterbi(m, norm, n, spans, &count)))
        goto oom;
    bool prev_unk = false;
    for (size_t i = 0; i < count; i++) {
        const SpmSpan *sp = &spans[i];
        bool unk = sp->id == m->unk_id;
        size_t ob = map[sp->start], oe = map[sp->end];
        if (unk && m->byte_fallback) {
            for (size_t b = sp->start; b < sp->end; b++) {
                size_t pn;
                int id = m->byte_id[(unsigned char)norm[b]];
                const char *p = spm_piece(m, id, &pn);
                if (spm__emit(out, &cap_items, &cap_text, false, id, p, pn, ob, b + 1 == sp->end ? oe : ob))
                    goto oom;
            }
        } else if (spm__emit(out, &cap_items, &cap_text, unk && prev_unk, sp->id, norm + sp->start,
                             sp->end - sp->start, ob, oe)) {
            goto oom;
        }
        prev_unk = unk;
    }
    free(spans);
    free(norm);
    free(map);
    return 0;
oom:
    free(spans);
    free(norm);
    free(map);
    spm_pieces_free(out);
    return engine_fail(err, "text: out of memory encoding %zu bytes", len);
}

void spm_pieces_free(SpmPieces *ps) {
    if (!ps) return;
    free(ps->items);
    free(ps->text);
    memset(ps, 0, sizeof *ps);
}

/* ---------------------------------------------------------------- decode */

typedef struct {
    char *s;
    size_t n, cap;
} SpmStr;

static int spm__cat(SpmStr *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) return -1;
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
    return 0;
}

/* Bytes of a run of <0xNN> pieces: valid characters as they are, each byte
 * that starts no valid character as U+FFFD. */
static int spm__flush_bytes(SpmStr *text, const char *bytes, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t k = spm__char_len(bytes + i, n - i);
        if (k == 0) {
            if (spm__cat(text, "\xEF\xBF\xBD", 3)) return -1;
            i++;
        } else {
            if (spm__cat(text, bytes + i, k)) return -1;
            i += k;
        }
    }
    return 0;
}

int spm_decode_pieces(const SpmModel *m, const char *const *pieces, const size_t *lens, size_t n, char **out,
                      size_t *out_len, EngineError *err) {
    ENGINE_ASSERT(m && out && out_len);
    *out = NULL;
    *out_len = 0;
    SpmStr text = {0};
    char *bytes = malloc(n + 1);
    size_t nbytes = 0;
    bool bos_ws = true, bos_ws_seen = false;
    if (!bytes || spm__cat(&text, "", 0)) goto oom;
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[i];
        size_t pn = lens[i];
        int id = spm__find(m, p, pn);
        if (id < 0) id = m->unk_id;
        if (m->type[id] == SPM_BYTE) {
            bytes[nbytes++] = (char)spm__byte_of_piece(p, pn);
            continue;
        }
        if (spm__flush_bytes(&text, bytes, nbytes)) goto oom;
        nbytes = 0;
        if (bos_ws_seen || text.n > 0) bos_ws = false;
        bos_ws_seen = false;
        if (m->type[id] == SPM_CONTROL) continue;
        if (m->type[id] == SPM_UNKNOWN) {
            size_t un;
            const char *u = spm_piece(m, id, &un);
            bool is_unk_piece = un == pn && !memcmp(u, p, pn);
            const char *s = is_unk_piece ? m->unk_surface : p;
            if (spm__cat(&text, s, is_unk_piece ? strlen(s) : pn)) goto oom;
            continue;
        }
        if (bos_ws && (m->norm.add_dummy_prefix || m->norm.remove_extra_whitespaces) && pn >= 3 &&
            !memcmp(p, "\xE2\x96\x81", 3)) {
            p += 3;
            pn -= 3;
            bos_ws_seen = !m->norm.remove_extra_whitespaces;
        }
        for (size_t j = 0; j < pn;) {
            bool sp = pn - j >= 3 && !memcmp(p + j, "\xE2\x96\x81", 3);
            if (spm__cat(&text, sp ? " " : p + j, 1)) goto oom;
            j += sp ? 3 : 1;
        }
    }
    if (spm__flush_bytes(&text, bytes, nbytes)) goto oom;
    free(bytes);
    if (m->denorm.present && m->denorm.trie) {
        char *d;
        size_t dn, *map;
        int rc = spm__normalize_with(m, &m->denorm, false, false, text.s, text.n, &d, &dn, &map, err);
        free(text.s);
        if (rc) return -1;
        free(map);
        *out = d;
        *out_len = dn;
        return 0;
    }
    *out = text.s;
    *out_len = text.n;
    return 0;
oom:
    free(bytes);
    free(text.s);
    return engine_fail(err, "decode: out of memory for %zu pieces", n);
}

int spm_decode_ids(const SpmModel *m, const int *ids, size_t n, char **out, size_t *out_len, EngineError *err) {
    *out = NULL;
    *out_len = 0;
    const char **pieces = malloc((n + 1) * sizeof *pieces);
    size_t *lens = malloc((n + 1) * sizeof *lens);
    if (!pieces || !lens) {
        free(pieces);
        free(lens);
        return engine_fail(err, "decode: out of memory for %zu ids", n);
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        pieces[i] = spm_piece(m, ids[i], &lens[i]);
        if (!pieces[i])
            rc = engine_fail(err, "decode: id %d is not in the SentencePiece model (%d pieces); HINT: the ids "
                             "come from another vocabulary", ids[i], m->n);
    }
    if (!rc) rc = spm_decode_pieces(m, pieces, lens, n, out, out_len, err);
    free(pieces);
    free(lens);
    return rc;
}
