/* utf8.c — UTF-8 validation and repair shared by the engine, CLI and app.
 *
 * Well-formed UTF-8 is the Unicode Standard's Table 3-7: no overlongs, no
 * surrogates (U+D800..DFFF), nothing above U+10FFFF. Repair follows the
 * WHATWG Encoding Standard's decoder (the one TextDecoder uses): each maximal
 * subpart of an ill-formed sequence becomes one U+FFFD, so our sanitized text
 * matches what a browser or Node.js makes of the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

/* Length of the sequence a lead byte announces (0: not a lead byte), and the
 * allowed range of the byte after it; later continuation bytes are 80..BF. */
static int utf8__lead(unsigned char c, unsigned char *lo, unsigned char *hi) {
    *lo = 0x80;
    *hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c == 0xE0) { *lo = 0xA0; return 3; }
    if (c == 0xED) { *hi = 0x9F; return 3; }
    if (c >= 0xE1 && c <= 0xEF) return 3;
    if (c == 0xF0) { *lo = 0x90; return 4; }
    if (c == 0xF4) { *hi = 0x8F; return 4; }
    if (c >= 0xF1 && c <= 0xF3) return 4;
    return 0;
}

/* At s[0..n), n >= 1: the length of a well-formed sequence (> 0), or minus
 * the length of the maximal subpart to replace (< 0). */
static int utf8__step(const unsigned char *s, size_t n) {
    unsigned char lo, hi;
    int need = utf8__lead(s[0], &lo, &hi);
    if (need == 0) return -1;
    for (int i = 1; i < need; i++) {
        if ((size_t)i >= n || s[i] < lo || s[i] > hi) return -i;
        lo = 0x80;
        hi = 0xBF;
    }
    return need;
}

size_t utf8_first_invalid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int k = utf8__step(p + i, len - i);
        if (k < 0) return i;
        i += (size_t)k;
    }
    return len;
}

char *utf8_sanitize(const char *s, size_t len, size_t *out_len) {
    const unsigned char *p = (const unsigned char *)s;
    /* Worst case: every byte becomes EF BF BD. */
    if (len > (SIZE_MAX - 1) / 3) return NULL;
    char *out = malloc(len * 3 + 1);
    if (!out) return NULL;
    size_t o = 0, i = 0;
    while (i < len) {
        int k = p[i] < 0x80 ? 1 : utf8__step(p + i, len - i);
        if (k > 0) {
            memcpy(out + o, p + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += (size_t)-k;
        }
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return out;
}
