/* textlines.h — the text box's line index: where each wrapped line of a
 * text starts, kept up to date incrementally so that a keystroke in a 1 MB
 * text costs a few lines of layout, not the whole text.
 *
 * Lines break after a newline, between words (the spaces after the last word
 * that fits hang past the edge), or inside a word wider than the line. Words
 * are measured one by one through the font's width cache and the line's
 * whole width is checked once, so wrapping the whole text is linear in its
 * length.
 *
 * textlines_update compares the text with the copy it last wrapped (common
 * prefix and suffix, a memcmp's cost), re-wraps from two lines before the
 * first change, and stops as soon as a new line starts where an old line
 * started in the unchanged tail (those lines, shifted, are still right). A
 * new width, scale or font wraps everything again.
 *
 * Usage:
 *     TextLines tl = {0};
 *     textlines_update(&tl, fc, FONT_NORMAL, text, len, width_px);
 *     int line = textlines_line_of(&tl, caret);   // tl.starts[line] ...
 *     textlines_free(&tl);
 */
#ifndef APP_TEXTLINES_H
#define APP_TEXTLINES_H

#include <stddef.h>

#include "app/font.h"

typedef struct {
    size_t *starts;   /* (n) byte offsets where lines begin; starts[0] = 0. A
                         text ending in '\n' has a last, empty line at len */
    int n;
    size_t cap;       /* starts' capacity */
    char *text;       /* the text the lines are for, (len) bytes */
    size_t len, text_cap;
    /* what the lines were wrapped with */
    int w;            /* pixels; 0 = never wrapped */
    FontCache *fc;
    FontSize size;
    float scale;
    /* measured by textlines_update */
    int rewrapped;    /* lines wrapped by the last update (the rest reused) */
} TextLines;

/* Brings tl up to date for text[0..len) wrapped at w pixels (>= 1) in font
 * size of fc. Returns 0, or -1 when out of memory (then tl holds one line
 * and the next update starts over). */
int textlines_update(TextLines *tl, FontCache *fc, FontSize size, const char *text,
                     size_t len, int w);
/* The line that holds byte pos (a binary search). */
int textlines_line_of(const TextLines *tl, size_t pos);
/* End of line i without its newline. */
size_t textlines_stop(const TextLines *tl, int i);
void textlines_free(TextLines *tl);

#endif
