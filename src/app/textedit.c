/* textedit.c — see textedit.h. */
#include "app/textedit.h"

#include <stdlib.h>
#include <string.h>

#include "engine/tokenizer.h"

static bool te__cont(unsigned char c) { return (c & 0xC0) == 0x80; }

static size_t te__prev(const TextEdit *te, size_t pos) {
    if (pos == 0) return 0;
    pos--;
    while (pos > 0 && te__cont((unsigned char)te->buf[pos])) pos--;
    return pos;
}

static size_t te__next(const TextEdit *te, size_t pos) {
    if (pos >= te->len) return te->len;
    pos++;
    while (pos < te->len && te__cont((unsigned char)te->buf[pos])) pos++;
    return pos;
}

static bool te__space(const TextEdit *te, size_t pos) {
    char c = te->buf[pos];
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Word motion as in most editors: skip spaces, then a run of non-spaces. */
static size_t te__prev_word(const TextEdit *te, size_t pos) {
    while (pos > 0 && te__space(te, te__prev(te, pos))) pos = te__prev(te, pos);
    while (pos > 0 && !te__space(te, te__prev(te, pos))) pos = te__prev(te, pos);
    return pos;
}

static size_t te__next_word(const TextEdit *te, size_t pos) {
    while (pos < te->len && te__space(te, pos)) pos = te__next(te, pos);
    while (pos < te->len && !te__space(te, pos)) pos = te__next(te, pos);
    return pos;
}

static int te__reserve(TextEdit *te, size_t need) {
    if (need + 1 <= te->cap) return 0;
    size_t cap = te->cap ? te->cap : 64;
    while (cap < need + 1) cap *= 2;
    char *b = realloc(te->buf, cap);
    if (!b) return -1;
    te->buf = b;
    te->cap = cap;
    return 0;
}

int textedit_init(TextEdit *te, const char *text) {
    memset(te, 0, sizeof *te);
    if (te__reserve(te, 0)) return -1;
    te->buf[0] = '\0';
    return textedit_set(te, text);
}

void textedit_free(TextEdit *te) {
    free(te->buf);
    memset(te, 0, sizeof *te);
}

int textedit_set(TextEdit *te, const char *text) {
    te->len = 0;
    te->buf[0] = '\0';
    te->cursor = te->anchor = 0;
    if (text) textedit_insert(te, text, strlen(text));
    return 0;
}

bool textedit_has_selection(const TextEdit *te) {
    return te->anchor != te->cursor;
}

void textedit_selection(const TextEdit *te, size_t *a, size_t *b) {
    *a = te->anchor < te->cursor ? te->anchor : te->cursor;
    *b = te->anchor < te->cursor ? te->cursor : te->anchor;
}

/* Removes [a, b) and puts the caret at a. */
static void te__erase(TextEdit *te, size_t a, size_t b) {
    memmove(te->buf + a, te->buf + b, te->len - b + 1);
    te->len -= b - a;
    te->cursor = te->anchor = a;
}

bool textedit_insert(TextEdit *te, const char *s, size_t n) {
    size_t a, b;
    textedit_selection(te, &a, &b);
    bool changed = a != b;
    te__erase(te, a, b);
    size_t clean_len;
    char *clean = utf8_sanitize(s, n, &clean_len);
    if (!clean) return changed;
    size_t w = 0; /* drop NUL bytes: the buffer is a C string */
    for (size_t i = 0; i < clean_len; i++)
        if (clean[i] != '\0') clean[w++] = clean[i];
    if (te->len + w > TEXTEDIT_MAX_BYTES) { /* cut at a character boundary */
        w = TEXTEDIT_MAX_BYTES - te->len;
        while (w > 0 && te__cont((unsigned char)clean[w])) w--;
        te->clipped = true;
    }
    if (w > 0 && te__reserve(te, te->len + w) == 0) {
        memmove(te->buf + a + w, te->buf + a, te->len - a + 1);
        memcpy(te->buf + a, clean, w);
        te->len += w;
        te->cursor = te->anchor = a + w;
        changed = true;
    }
    free(clean);
    return changed;
}

bool textedit_backspace(TextEdit *te, bool by_word) {
    size_t a, b;
    textedit_selection(te, &a, &b);
    if (a == b) {
        if (a == 0) return false;
        a = by_word ? te__prev_word(te, b) : te__prev(te, b);
    }
    te__erase(te, a, b);
    return true;
}

bool textedit_delete(TextEdit *te, bool by_word) {
    size_t a, b;
    textedit_selection(te, &a, &b);
    if (a == b) {
        if (b >= te->len) return false;
        b = by_word ? te__next_word(te, a) : te__next(te, a);
    }
    te__erase(te, a, b);
    return true;
}

static void te__move(TextEdit *te, size_t pos, bool extend) {
    te->cursor = pos;
    if (!extend) te->anchor = pos;
}

void textedit_left(TextEdit *te, bool extend, bool by_word) {
    size_t a, b;
    textedit_selection(te, &a, &b);
    if (!extend && a != b && !by_word) {
        te__move(te, a, false);
        return;
    }
    te__move(te, by_word ? te__prev_word(te, te->cursor) : te__prev(te, te->cursor),
             extend);
}

void textedit_right(TextEdit *te, bool extend, bool by_word) {
    size_t a, b;
    textedit_selection(te, &a, &b);
    if (!extend && a != b && !by_word) {
        te__move(te, b, false);
        return;
    }
    te__move(te, by_word ? te__next_word(te, te->cursor) : te__next(te, te->cursor),
             extend);
}

void textedit_home(TextEdit *te, bool extend) { te__move(te, 0, extend); }
void textedit_end(TextEdit *te, bool extend) { te__move(te, te->len, extend); }

void textedit_select_all(TextEdit *te) {
    te->anchor = 0;
    te->cursor = te->len;
}

void textedit_set_cursor(TextEdit *te, size_t pos, bool extend) {
    if (pos > te->len) pos = te->len;
    while (pos > 0 && pos < te->len && te__cont((unsigned char)te->buf[pos])) pos--;
    te__move(te, pos, extend);
}

char *textedit_copy(const TextEdit *te) {
    size_t a, b;
    textedit_selection(te, &a, &b);
    if (a == b) {
        a = 0;
        b = te->len;
    }
    char *s = malloc(b - a + 1);
    if (!s) return NULL;
    memcpy(s, te->buf + a, b - a);
    s[b - a] = '\0';
    return s;
}
