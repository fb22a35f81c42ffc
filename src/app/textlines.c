/* textlines.c — the text box's line index; see textlines.h. */
#include "app/textlines.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/error.h"

#define TL_WORD_MAX 4096 /* a word longer than this is broken like one wider
                            than the line (no box is 4096 characters wide) */
#define TL_WORDS 256     /* words remembered on one line for backing off */

static bool tl__space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static size_t tl__next_char(const char *t, size_t len, size_t p) {
    if (p >= len) return len;
    p++;
    while (p < len && ((unsigned char)t[p] & 0xC0) == 0x80) p++;
    return p;
}

/* Width of t[a..b) as shown (tabs and returns as spaces). Short spans go
 * through the width cache; long ones are summed character by character,
 * stopping once past limit. */
static int tl__span_w(FontCache *fc, FontSize size, const char *t, size_t a, size_t b,
                      int limit) {
    char buf[136];
    if (b <= a) return 0;
    if (b - a < 128) {
        for (size_t i = a; i < b; i++) buf[i - a] = tl__space(t[i]) ? ' ' : t[i];
        buf[b - a] = '\0';
        return font_width(fc, size, buf);
    }
    int w = 0;
    for (size_t p = a; p < b && w <= limit;) {
        size_t q = tl__next_char(t, b, p);
        w += tl__span_w(fc, size, t, p, q, limit);
        p = q;
    }
    return w;
}

/* Exact width of the line t[a..b), measured whole (kerning included). */
static int tl__line_w(FontCache *fc, FontSize size, const char *t, size_t a, size_t b) {
    char small[512];
    char *s = b - a < sizeof small ? small : malloc(b - a + 1);
    if (!s) return 0;
    for (size_t i = a; i < b; i++) s[i - a] = tl__space(t[i]) ? ' ' : t[i];
    s[b - a] = '\0';
    int w = font_measure(fc, size, s);
    if (s != small) free(s);
    return w;
}

/* Where the line that starts at a ends (the next line's start, or len). */
static size_t tl__line_end(FontCache *fc, FontSize size, const char *t, size_t len,
                           size_t a, int w) {
    size_t ends[TL_WORDS]; /* after each word that fits */
    int n = 0, x = 0;
    size_t p = a;
    bool newline = false;
    while (p < len) {
        if (t[p] == '\n') { newline = true; break; }
        size_t q = p;
        while (q < len && tl__space(t[q])) q++;
        while (q < len && q - p < TL_WORD_MAX && !tl__space(t[q]) && t[q] != '\n') q++;
        int ww = tl__span_w(fc, size, t, p, q, w - x);
        if (x + ww > w || q - p >= TL_WORD_MAX) break;
        x += ww;
        if (n < TL_WORDS) ends[n++] = q;
        p = q;
    }
    if (p > a) {
        /* the words fit one by one; check the line whole and back off a word
           while kerning across words makes it wider than w */
        while (n > 1 && tl__line_w(fc, size, t, a, p) > w) {
            p = ends[--n - 1];
            newline = false;
        }
        if (p >= len) return len;
        if (newline) return p + 1;
        while (p < len && tl__space(t[p])) p++; /* spaces hang */
        if (p < len && t[p] == '\n') p++;
        return p;
    }
    if (newline) return p + 1;
    /* one word wider than the line: as many characters as fit (at least one) */
    size_t e = tl__next_char(t, len, a);
    int xe = tl__span_w(fc, size, t, a, e, w);
    while (e < len && t[e] != '\n') {
        size_t nx = tl__next_char(t, len, e);
        int cw = tl__span_w(fc, size, t, e, nx, w);
        if (xe + cw > w) break;
        xe += cw;
        e = nx;
    }
    /* the characters were summed: check the piece whole, as for words */
    size_t first = tl__next_char(t, len, a);
    while (e > first && tl__line_w(fc, size, t, a, e) > w) {
        e--;
        while (e > first && ((unsigned char)t[e] & 0xC0) == 0x80) e--;
    }
    return e;
}

static int tl__push(TextLines *tl, size_t s) {
    if ((size_t)tl->n >= tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 64;
        size_t *p = realloc(tl->starts, cap * sizeof *p);
        if (!p) return -1;
        tl->starts = p;
        tl->cap = cap;
    }
    tl->starts[tl->n++] = s;
    return 0;
}

/* The first index i of old[lo..n) with old[i] == s, or -1. */
static int tl__find(const size_t *old, int lo, int n, size_t s) {
    int hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (old[mid] == s) return mid;
        if (old[mid] < s) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static int tl__fail(TextLines *tl) {
    tl->w = 0; /* start over next time */
    tl->n = 0;
    if (tl->cap == 0 && tl__push(tl, 0)) return -1;
    tl->starts[0] = 0;
    tl->n = 1;
    return -1;
}

int textlines_update(TextLines *tl, FontCache *fc, FontSize size, const char *text,
                     size_t len, int w) {
    ENGINE_ASSERT(tl && fc && (text || len == 0));
    if (w < 1) w = 1;
    bool same_font = tl->w == w && tl->fc == fc && tl->size == size && tl->scale == font_scale(fc);
    if (same_font && tl->len == len && (len == 0 || memcmp(tl->text, text, len) == 0)) {
        tl->rewrapped = 0;
        return 0;
    }
    /* what changed: text[pre .. len - suf) replaced old[pre .. old_len - suf) */
    size_t old_len = tl->len, pre = 0, suf = 0, lim = len < old_len ? len : old_len;
    if (same_font) {
        while (pre < lim && tl->text[pre] == text[pre]) pre++;
        while (suf < lim - pre && tl->text[old_len - 1 - suf] == text[len - 1 - suf]) suf++;
    }
    /* keep the lines that end before the change; the two before the one it
       touches may take a word from it */
    int keep = 0;
    if (same_font && tl->n > 0) {
        keep = textlines_line_of(tl, pre) - 1;
        if (keep < 1) keep = 1;
    }
    size_t *old = NULL;
    int n_old = 0;
    if (same_font && tl->n > keep) { /* the old tail, for the resync */
        n_old = tl->n;
        old = malloc((size_t)n_old * sizeof *old);
        if (!old) return tl__fail(tl);
        memcpy(old, tl->starts, (size_t)n_old * sizeof *old);
    }
    if (len + 1 > tl->text_cap) {
        char *b = realloc(tl->text, len + 1);
        if (!b) {
            free(old);
            return tl__fail(tl);
        }
        tl->text = b;
        tl->text_cap = len + 1;
    }
    memcpy(tl->text, text, len);
    tl->len = len;
    tl->w = w;
    tl->fc = fc;
    tl->size = size;
    tl->scale = font_scale(fc);
    tl->n = keep;
    tl->rewrapped = 0;
    if (tl->n == 0 && tl__push(tl, 0)) goto oom;
    size_t a = tl->starts[tl->n - 1];
    long long delta = (long long)len - (long long)old_len;
    for (;;) {
        size_t e = tl__line_end(fc, size, text, len, a, w);
        tl->rewrapped++;
        if (e >= len) {
            /* a caret after a final newline sits on a line of its own */
            if (len > 0 && text[len - 1] == '\n' && e > a && tl__push(tl, len)) goto oom;
            break;
        }
        if (tl__push(tl, e)) goto oom;
        a = e;
        /* in the unchanged tail, at an old line start: the rest is as before */
        if (old && e >= len - suf && e > pre) {
            int j = tl__find(old, keep, n_old, (size_t)((long long)e - delta));
            if (j >= 0) {
                for (int i = j + 1; i < n_old; i++)
                    if (tl__push(tl, (size_t)((long long)old[i] + delta))) goto oom;
                break;
            }
        }
    }
    free(old);
    return 0;
oom:
    free(old);
    return tl__fail(tl);
}

int textlines_line_of(const TextLines *tl, size_t pos) {
    int lo = 0, hi = tl->n - 1; /* the last line whose start <= pos */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (tl->starts[mid] <= pos) lo = mid;
        else hi = mid - 1;
    }
    return lo < 0 ? 0 : lo;
}

size_t textlines_stop(const TextLines *tl, int i) {
    size_t e = i + 1 < tl->n ? tl->starts[i + 1] : tl->len;
    if (e > tl->starts[i] && tl->text[e - 1] == '\n') e--;
    return e;
}

void textlines_free(TextLines *tl) {
    free(tl->starts);
    free(tl->text);
    memset(tl, 0, sizeof *tl);
}
