/* spm_bpe.c — SentencePiece BPE models (trainer_spec.model_type BPE), as
 * sentencepiece 0.1.97's bpe_model.cc encodes them.
 *
 * The normalized text is split into characters (a user-defined piece at
 * the front is one frozen symbol that never merges). Then, repeatedly, the
 * adjacent pair whose concatenation is a piece (NORMAL, USER_DEFINED or
 * UNUSED) with the highest score merges; among equal scores the leftmost
 * pair. A binary heap holds candidate pairs; a popped pair is stale when
 * either side changed since it was pushed. A final symbol that is an UNUSED
 * piece is split back into the two symbols that last proposed it, recursively.
 * Symbols that are no piece at all are <unk> (spm_encode then merges runs of
 * them or spells them as <0xNN> bytes, as for unigram models).
 */
#include <string.h>

#include "minheap.h"
#include "spm_internal.h"

typedef struct {
    float score;
    int left, right;
    size_t size;
} SpmPair;

/* Higher score first, then the smaller left index (sentencepiece's order). */
static bool spm__pair_before(const void *a, const void *b) {
    const SpmPair *x = a, *y = b;
    return x->score > y->score || (x->score == y->score && x->left < y->left);
}

typedef struct {
    size_t start, len;  /* bytes of the normalized text; len 0: merged away */
    int prev, next;
    bool freeze;
} SpmSym;

typedef struct {
    const SpmModel *m;
    const char *s;
    SpmSym *sym;
    MinHeap heap;       /* of SpmPair */
    int *rev_left;      /* (m->n) UNUSED piece -> length of its left part, or -1 */
} SpmBpe;

/* The piece id of s[0..n) if it may appear in a merge (NORMAL,
 * USER_DEFINED, UNUSED), else -1. */
static int spm__bpe_piece(const SpmModel *m, const char *s, size_t n) {
    int id = spm__find(m, s, n);
    if (id < 0) return -1;
    int t = m->type[id];
    return t == SPM_NORMAL || t == SPM_USER_DEFINED || t == SPM_UNUSED ? id : -1;
}

static int spm__bpe_consider(SpmBpe *b, int left, int right) {
    if (left < 0 || right < 0 || b->sym[left].freeze || b->sym[right].freeze) return 0;
    size_t size = b->sym[left].len + b->sym[right].len;
    int id = spm__bpe_piece(b->m, b->s + b->sym[left].start, size);
    if (id < 0) return 0;
    if (b->m->type[id] == SPM_UNUSED) b->rev_left[id] = (int)b->sym[left].len;
    SpmPair p = {.score = b->m->score[id], .left = left, .right = right, .size = size};
    return minheap_push(&b->heap, &p);
}

/* Appends the span [start, start + len) to spans, split back into its
 * parts while it is an UNUSED piece. */
static void spm__bpe_resegment(const SpmBpe *b, size_t start, size_t len, SpmSpan *spans, size_t *k) {
    int id = spm__find(b->m, b->s + start, len);
    if (id >= 0 && b->m->type[id] == SPM_UNUSED && b->rev_left[id] > 0 && (size_t)b->rev_left[id] < len) {
        size_t l = (size_t)b->rev_left[id];
        spm__bpe_resegment(b, start, l, spans, k);
        spm__bpe_resegment(b, start + l, len - l, spans, k);
        return;
    }
    spans[(*k)++] = (SpmSpan){.id = id >= 0 ? id : b->m->unk_id, .start = start, .end = start + len};
}

int spm__bpe(const SpmModel *m, const char *s, size_t n, SpmSpan *spans, size_t *count) {
    *count = 0;
    if (n == 0) return 0;
    SpmBpe b = {.m = m, .s = s, .heap = minheap_init(sizeof(SpmPair), spm__pair_before)};
    b.sym = malloc(n * sizeof *b.sym);
    b.rev_left = malloc((size_t)m->n * sizeof *b.rev_left);
    int rc = -1, ns = 0;
    if (!b.sym || !b.rev_left) goto done;
    memset(b.rev_left, 0xFF, (size_t)m->n * sizeof *b.rev_left);
    static const unsigned char one_char_len[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    for (size_t at = 0; at < n; ns++) {
        size_t len = 0;
        bool freeze = false;
        for (size_t l = n - at < m->max_user_len ? n - at : m->max_user_len; l > 0 && !freeze; l--) {
            int id = spm__find(m, s + at, l);
            if (id >= 0 && m->type[id] == SPM_USER_DEFINED) len = l, freeze = true;
        }
        if (!freeze) len = one_char_len[(unsigned char)s[at] >> 4];
        if (len > n - at) len = n - at;
        b.sym[ns] = (SpmSym){.start = at, .len = len, .prev = ns - 1, .next = at + len < n ? ns + 1 : -1,
                             .freeze = freeze};
        at += len;
    }
    for (int i = 1; i < ns; i++)
        if (spm__bpe_consider(&b, i - 1, i)) goto done;
    while (b.heap.n) {
        SpmPair p;
        minheap_pop(&b.heap, &p);
        SpmSym *l = &b.sym[p.left], *r = &b.sym[p.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != p.size) continue; /* stale */
        l->len += r->len;
        l->next = r->next;
        if (r->next >= 0) b.sym[r->next].prev = p.left;
        r->len = 0;
        if (spm__bpe_consider(&b, l->prev, p.left) || spm__bpe_consider(&b, p.left, l->next)) goto done;
    }
    for (int i = 0; i >= 0; i = b.sym[i].next) spm__bpe_resegment(&b, b.sym[i].start, b.sym[i].len, spans, count);
    rc = 0;
done:
    free(b.sym);
    free(b.rev_left);
    minheap_free(&b.heap);
    return rc;
}
