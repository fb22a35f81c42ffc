/* unicode.c — lookups into the generated tables (binary search), Hangul
 * decomposition by formula, UTF-8 coding of single code points. */
#include "unicode.h"

#include "error.h"
#include "unicode_tables.h"

/* Binary search of n sorted rows of `stride` uint32s: the row whose
 * [row[0], row[hi_col]] holds cp (hi_col 0: an exact key), or NULL. */
static const uint32_t *uni__find(const uint32_t *rows, size_t n, size_t stride, size_t hi_col, uint32_t cp) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const uint32_t *r = rows + mid * stride;
        if (cp < r[0]) hi = mid;
        else if (cp > r[hi_col]) lo = mid + 1;
        else return r;
    }
    return NULL;
}
#define UNI__FIND(table, hi_col, cp) \
    uni__find(&table[0][0], sizeof table / sizeof table[0], sizeof table[0] / sizeof table[0][0], hi_col, cp)

unsigned uni_flags(uint32_t cp) {
    if (cp > 0x10FFFF) return UNI_CONTROL;
    const uint32_t *r = UNI__FIND(uni__flags, 1, cp);
    ENGINE_ASSERT(r != NULL); /* the ranges cover 0..10FFFF without gaps */
    return r[2];
}

uint32_t uni_lower(uint32_t cp) {
    const uint32_t *r = UNI__FIND(uni__lower, 0, cp);
    return r ? r[1] : cp;
}

int uni_ccc(uint32_t cp) {
    const uint32_t *r = UNI__FIND(uni__ccc, 1, cp);
    return r ? (int)r[2] : 0;
}

int uni_decompose(uint32_t cp, uint32_t *out, int cap) {
    ENGINE_ASSERT(cap >= 4);
    if (cp >= 0xAC00 && cp <= 0xD7A3) { /* Hangul syllable: L V (T) jamo */
        uint32_t s = cp - 0xAC00;
        out[0] = 0x1100 + s / (21 * 28);
        out[1] = 0x1161 + (s % (21 * 28)) / 28;
        if (s % 28 == 0) return 2;
        out[2] = 0x11A7 + s % 28;
        return 3;
    }
    const uint32_t *r = UNI__FIND(uni__decomp, 0, cp);
    if (!r) {
        out[0] = cp;
        return 1;
    }
    int n = (int)r[2];
    ENGINE_ASSERT(n <= cap);
    for (int i = 0; i < n; i++) out[i] = uni__decomp_pool[r[1] + (uint32_t)i];
    return n;
}

int uni_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    ENGINE_ASSERT(n >= 1);
    unsigned char c = s[0];
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ENGINE_ASSERT((size_t)len <= n);
    uint32_t v = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (int i = 1; i < len; i++) v = (v << 6) | (s[i] & 0x3F);
    *cp = v;
    return len;
}

int uni_encode(uint32_t cp, char *out) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
