/* view_text.h — the text box (wrapped at word boundaries, caret, selection,
 * scrolling by whole lines) and the token chips under it (hover: id and
 * bytes; click: mask that key). */
#ifndef APP_VIEW_TEXT_H
#define APP_VIEW_TEXT_H

#include "app/textlines.h"
#include "app/view.h"

/* The text view's state in the window, owned by the App. */
typedef struct {
    SDL_Rect box;             /* the text box of the last frame */
    size_t first;             /* first byte shown in the text box */
    SDL_Rect badge;           /* the keyboard-state badge right of the box */
    TextLines lines;          /* the box's wrapped lines (a cache) */
} TextView;

/* ---- token chips ----
 * Returns the height used. *hover gets the chip under the mouse (-1 none),
 * *clicked the chip clicked (-1 none), *rclicked (may be NULL) the chip
 * right-clicked. Encoders: a word run as [MASK] is a filled chip in the mask
 * colour, a pair's chips carry their segment's colour as a stripe. */
int view_chips(Draw *d, Ui *ui, SDL_Rect r, const ViewData *v, int *hover,
               int *clicked, int *rclicked);

/* ---- text box, wrapped onto lines at word boundaries ----
 * Draws te with caret and selection when focused, as many lines as fit in r;
 * *first (the byte offset where the first shown line starts) scrolls to keep
 * the caret's line visible. tl caches te's lines (textlines.h): only the
 * lines shown are drawn and measured. Returns true when the box was clicked,
 * with *caret the byte under the click. */
bool view_textbox(Draw *d, Ui *ui, SDL_Rect r, const TextEdit *te, TextLines *tl,
                  bool focused, size_t *first, size_t *caret);
/* Height of a text box w pixels wide showing te's lines, at most max_lines. */
int view_textbox_height(Draw *d, const TextEdit *te, TextLines *tl, int w, int max_lines);
/* The caret position one line up (dir -1) or down (+1) in a box w wide,
 * keeping its x; 0 / te->len past the first / last line. */
size_t view_textbox_vertical(Draw *d, const TextEdit *te, TextLines *tl, int w, int dir);

/* Width of the keyboard-state badge drawn right of the text box ("TYPING"
 * or "COMMAND KEYS"; clicking it switches). */
int view_text_badge_w(Draw *d);
/* Window: the height the chips of cx->v need in r (r.h caps the rows). */
int view_text_chips_height(ViewCtx *cx, SDL_Rect r);
/* Window: the text box (cx->v->edit) in box and the chips in chips. Emits
 * ACT_CARET and ACT_EDIT (click in / press outside), ACT_MASK_KEY (chip),
 * ACT_WORD_MASK (right-click on a chip, encoders). */
void view_text_frame(ViewCtx *cx, SDL_Rect box, SDL_Rect chips, TextView *tv,
                     ViewOut *out);

#endif
