/* minheap.h — a binary heap of fixed-size elements ordered by a "before"
 * function: the element that comes first pops first. Used by the BPE
 * tokenizers (tokenizer_sp.c, spm_bpe.c) for their candidate merges.
 *
 *     MinHeap h = minheap_init(sizeof(Cand), cand_before);
 *     if (minheap_push(&h, &c)) ... out of memory ...
 *     while (h.n) { Cand c; minheap_pop(&h, &c); ... }
 *     minheap_free(&h);
 */
#ifndef ENGINE_MINHEAP_H
#define ENGINE_MINHEAP_H

#include <stdbool.h>
#include <stddef.h>

#define MINHEAP_MAX_ELEM 64 /* bytes per element, at most */

typedef struct {
    unsigned char *a;   /* (cap, elem) */
    size_t n, cap, elem;
    bool (*before)(const void *x, const void *y);
} MinHeap;

MinHeap minheap_init(size_t elem, bool (*before)(const void *x, const void *y));
/* Copies *x in; -1 when out of memory. */
int minheap_push(MinHeap *h, const void *x);
/* Moves the first element into *out; h->n must be > 0. */
void minheap_pop(MinHeap *h, void *out);
void minheap_free(MinHeap *h);

#endif
