/* minheap.c — see minheap.h. Sift-up on push, sift-down on pop, moving a
 * hole rather than swapping. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "minheap.h"

#define AT(h, i) ((h)->a + (i) * (h)->elem)

MinHeap minheap_init(size_t elem, bool (*before)(const void *x, const void *y)) {
    ENGINE_ASSERT(elem > 0 && elem <= MINHEAP_MAX_ELEM && before);
    return (MinHeap){.a = NULL, .n = 0, .cap = 0, .elem = elem, .before = before};
}

int minheap_push(MinHeap *h, const void *x) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        unsigned char *a = realloc(h->a, cap * h->elem);
        if (!a) return -1;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && h->before(x, AT(h, (i - 1) / 2))) {
        memcpy(AT(h, i), AT(h, (i - 1) / 2), h->elem);
        i = (i - 1) / 2;
    }
    memcpy(AT(h, i), x, h->elem);
    return 0;
}

void minheap_pop(MinHeap *h, void *out) {
    ENGINE_ASSERT(h->n > 0);
    unsigned char last[MINHEAP_MAX_ELEM];
    memcpy(out, AT(h, 0), h->elem);
    memcpy(last, AT(h, --h->n), h->elem);
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->before(AT(h, c + 1), AT(h, c))) c++;
        if (!h->before(AT(h, c), last)) break;
        memcpy(AT(h, i), AT(h, c), h->elem);
        i = c;
    }
    if (h->n) memcpy(AT(h, i), last, h->elem);
}

void minheap_free(MinHeap *h) {
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}
