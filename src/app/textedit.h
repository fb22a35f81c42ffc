/* textedit.h — a UTF-8 text buffer with a cursor and a selection: the model
 * behind the text box. Pure data: no SDL, no clipboard (the app passes
 * clipboard text in and takes selections out).
 *
 * Positions are byte offsets that always sit on UTF-8 character boundaries.
 * The selection is [min(anchor, cursor), max(anchor, cursor)).
 *
 * The text holds at most TEXTEDIT_MAX_BYTES (1 MiB): an insert that would
 * pass it is cut at a character boundary and sets `clipped`, which the app
 * reports and clears. The model sees only the last n_ctx tokens (a few KB)
 * anyway; the cap keeps a stray paste of a whole file from eating memory.
 */
#ifndef APP_TEXTEDIT_H
#define APP_TEXTEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define TEXTEDIT_MAX_BYTES ((size_t)1 << 20)

typedef struct {
    char *buf;       /* NUL-terminated UTF-8, (cap) bytes */
    size_t len;      /* bytes in use */
    size_t cap;
    size_t cursor;   /* byte offset of the caret */
    size_t anchor;   /* other end of the selection; == cursor when none */
    bool clipped;    /* an insert was cut at TEXTEDIT_MAX_BYTES (the app
                        clears it after saying so) */
} TextEdit;

/* Starts with text (invalid UTF-8 replaced by U+FFFD), caret at the end.
 * Returns -1 when out of memory. */
int textedit_init(TextEdit *te, const char *text);
void textedit_free(TextEdit *te);
/* Replaces everything; caret at the end. */
int textedit_set(TextEdit *te, const char *text);

bool textedit_has_selection(const TextEdit *te);
void textedit_selection(const TextEdit *te, size_t *a, size_t *b);

/* Replaces the selection with s[0..n) (sanitized to valid UTF-8; NUL bytes
 * dropped; cut to fit TEXTEDIT_MAX_BYTES, setting clipped). Returns true
 * when the text changed. */
bool textedit_insert(TextEdit *te, const char *s, size_t n);
/* Backspace / Delete: removes the selection, else one character before /
 * after the caret (or one word with by_word). True when the text changed. */
bool textedit_backspace(TextEdit *te, bool by_word);
bool textedit_delete(TextEdit *te, bool by_word);

/* Caret motion; extend keeps the anchor (Shift), otherwise the selection
 * collapses. by_word jumps over a word (Ctrl). */
void textedit_left(TextEdit *te, bool extend, bool by_word);
void textedit_right(TextEdit *te, bool extend, bool by_word);
void textedit_home(TextEdit *te, bool extend);
void textedit_end(TextEdit *te, bool extend);
void textedit_select_all(TextEdit *te);
/* Moves the caret to byte offset pos (snapped to a character boundary). */
void textedit_set_cursor(TextEdit *te, size_t pos, bool extend);

/* A heap copy of the selected text (all text when nothing is selected);
 * NULL when out of memory. */
char *textedit_copy(const TextEdit *te);

#endif
