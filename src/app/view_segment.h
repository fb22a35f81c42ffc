/* view_segment.h — encoder mode: sentence pairs and masked words.
 *
 * An encoder's text "A ||| B" runs as [CLS] A [SEP] B [SEP], token types 0
 * and 1 (tr->types). Every view that shows tokens colours them by segment
 * (view_segment_color), and the head view can show only one block of the
 * (query, key) matrix, as BertViz does: all, A→A, A→B, B→A or B→B
 * (SegFilter; the other cells are drawn in the "filtered" colour, not a
 * weight and not the masked grey). This module draws that filter's control
 * and answers, for the other views, which cells it shows.
 *
 * A token the user turned into [MASK] ("mask this word", wordmask.h) is
 * drawn in view_segment_mask_color everywhere: it is a different thing from
 * a key hidden from attention (th->warn, struck through).
 */
#ifndef APP_VIEW_SEGMENT_H
#define APP_VIEW_SEGMENT_H

#include "app/view.h"

typedef enum { SEG_ALL, SEG_AA, SEG_AB, SEG_BA, SEG_BB, SEG_FILTER_COUNT } SegFilter;

/* "all", "A\xE2\x86\x92" "A", ... */
const char *view_segment_filter_name(int f);
/* Whether v's trace is a sentence pair (a token of type 1). */
bool view_segment_pair(const ViewData *v);
/* The segment (0 = A, 1 = B) of token i. */
int view_segment_of(const ViewData *v, int i);
/* Whether the head view shows cell (q, k) under v->seg_filter. */
bool view_segment_shown(const ViewData *v, int q, int k);
/* Whether token i runs as [MASK] though the user typed a word there. */
bool view_segment_word_masked(const ViewData *v, int i);
/* Colours: segment A / B (labels, chips' stripes), a masked word, and the
 * ARGB of a cell the pair filter hides. */
SDL_Color view_segment_color(const Draw *d, int seg);
SDL_Color view_segment_mask_color(const Draw *d);
uint32_t view_segment_filtered_argb(const Draw *d);

/* The filter control's state in the window, owned by the App. */
typedef struct {
    SDL_Rect r[SEG_FILTER_COUNT]; /* its buttons, last frame */
} SegView;

/* Height of the pair-filter row (0 when v is not a sentence pair). */
int view_segment_bar_height(Draw *d, const ViewData *v);
/* Window: the pair-filter row in r: emits ACT_SEG_FILTER (a = filter). */
void view_segment_bar(ViewCtx *cx, SDL_Rect r, SegView *sv, ViewOut *out);

#endif
