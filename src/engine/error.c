/* error.c — EngineError formatting and the one escaper for quoted bytes. */
#include "error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s[0..n) (2..4), or 0. Same
 * rules as utf8.c (Table 3-7); kept here so error.c stands alone. */
static size_t engine__utf8_len(const unsigned char *s, size_t n) {
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c == 0xE0) { need = 3; lo = 0xA0; }
    else if (c == 0xED) { need = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) need = 3;
    else if (c == 0xF0) { need = 4; lo = 0x90; }
    else if (c == 0xF4) { need = 4; hi = 0x8F; }
    else if (c >= 0xF1 && c <= 0xF3) need = 4;
    else return 0;
    if (need > n) return 0;
    for (size_t i = 1; i < need; i++) {
        if (s[i] < lo || s[i] > hi) return 0;
        lo = 0x80;
        hi = 0xBF;
    }
    /* C1 controls U+0080..U+009F (C2 80..C2 9F): some terminals obey them. */
    if (c == 0xC2 && s[1] < 0xA0) return 0;
    return need;
}

size_t engine_escape(char *dst, size_t cap, const char *src, size_t len) {
    const unsigned char *s = (const unsigned char *)src;
    size_t o = 0;
    if (!dst || cap == 0) return 0;
    for (size_t i = 0; i < len;) {
        char esc[8];
        const char *piece = esc;
        size_t n;
        unsigned char c = s[i];
        size_t adv = 1;
        if (c == '\n') { piece = "\\n"; n = 2; }
        else if (c == '\r') { piece = "\\r"; n = 2; }
        else if (c == '\t') { piece = "\\t"; n = 2; }
        else if (c >= 0x20 && c < 0x7F) { piece = (const char *)s + i; n = 1; }
        else if (c >= 0x80 && (adv = engine__utf8_len(s + i, len - i)) > 0) {
            piece = (const char *)s + i;
            n = adv;
        } else {
            snprintf(esc, sizeof esc, "\\x%02X", c);
            n = 4;
            adv = 1;
        }
        if (o + n + 1 > cap) break; /* never half an escape or a character */
        memcpy(dst + o, piece, n);
        o += n;
        i += adv;
    }
    dst[o] = '\0';
    return o;
}

/* Escapes raw[0..len) into msg (ENGINE_ERROR_SIZE). When it does not fit,
 * the part before "; HINT: " is cut (ending "...") so the hint survives. */
static void engine__fit(char *msg, const char *raw, size_t len) {
    size_t cap = len * 4 + 1; /* an escape is at most 4 bytes per byte */
    char *full = malloc(cap);
    if (full && engine_escape(full, cap, raw, len) < ENGINE_ERROR_SIZE) {
        snprintf(msg, ENGINE_ERROR_SIZE, "%s", full);
        free(full);
        return;
    }
    free(full);
    const char *hint = NULL;
    for (const char *p = raw; (p = strstr(p, "; HINT: ")) != NULL; p++) hint = p;
    if (!hint) {
        engine_escape(msg, ENGINE_ERROR_SIZE, raw, len);
        return;
    }
    char tail[ENGINE_ERROR_SIZE / 2];
    size_t tail_n = engine_escape(tail, sizeof tail, hint, len - (size_t)(hint - raw));
    size_t n = engine_escape(msg, ENGINE_ERROR_SIZE - tail_n - 3, raw, (size_t)(hint - raw));
    memcpy(msg + n, "...", 3);
    memcpy(msg + n + 3, tail, tail_n + 1);
}

int engine_vfail(EngineError *err, const char *fmt, va_list ap) {
    if (!err) return -1;
    /* Format whole first: a long quoted value must not push the hint out. */
    char small[ENGINE_ERROR_SIZE], *raw = small;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (raw = malloc((size_t)n + 1)) != NULL)
        vsnprintf(raw, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (!raw) raw = small;
    size_t len = n < 0 ? 0 : raw != small ? (size_t)n : (size_t)n < sizeof small ? (size_t)n : sizeof small - 1;
    engine__fit(err->msg, raw, len);
    if (raw != small) free(raw);
    return -1;
}

int engine_fail(EngineError *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    engine_vfail(err, fmt, ap);
    va_end(ap);
    return -1;
}
