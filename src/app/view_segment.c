/* view_segment.c — sentence pairs and masked words; see view_segment.h. */
#include "app/view_segment.h"

#include <stdio.h>

static const char *const view__filter_names[SEG_FILTER_COUNT] = {
    "all", "A\xE2\x86\x92" "A", "A\xE2\x86\x92" "B", "B\xE2\x86\x92" "A", "B\xE2\x86\x92" "B"};

const char *view_segment_filter_name(int f) {
    return f >= 0 && f < SEG_FILTER_COUNT ? view__filter_names[f] : "all";
}

bool view_segment_pair(const ViewData *v) {
    if (!v->encoder || !v->tr || !v->tr->types) return false;
    for (int i = 0; i < v->tr->n_tokens; i++)
        if (v->tr->types[i] != 0) return true;
    return false;
}

int view_segment_of(const ViewData *v, int i) {
    return v->tr && v->tr->types && i >= 0 && i < v->tr->n_tokens && v->tr->types[i] != 0;
}

bool view_segment_shown(const ViewData *v, int q, int k) {
    if (v->seg_filter == SEG_ALL || !view_segment_pair(v)) return true;
    int want_q = v->seg_filter == SEG_BA || v->seg_filter == SEG_BB;
    int want_k = v->seg_filter == SEG_AB || v->seg_filter == SEG_BB;
    return view_segment_of(v, q) == want_q && view_segment_of(v, k) == want_k;
}

bool view_segment_word_masked(const ViewData *v, int i) {
    return v->tr && v->tokens && v->mask_id >= 0 && i >= 0 && i < v->tr->n_tokens &&
           v->tr->ids[i] == v->mask_id && v->tokens[i].id != v->mask_id;
}

SDL_Color view_segment_color(const Draw *d, int seg) {
    bool light = d->th.bg.r > 128;
    if (seg == 0) return light ? (SDL_Color){25, 105, 200, 255} : (SDL_Color){90, 160, 250, 255};
    return light ? (SDL_Color){205, 95, 0, 255} : (SDL_Color){250, 150, 60, 255};
}

SDL_Color view_segment_mask_color(const Draw *d) {
    bool light = d->th.bg.r > 128;
    return light ? (SDL_Color){150, 40, 170, 255} : (SDL_Color){205, 110, 235, 255};
}

uint32_t view_segment_filtered_argb(const Draw *d) {
    SDL_Color c = d->th.panel;
    return 0xFF000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

int view_segment_bar_height(Draw *d, const ViewData *v) {
    if (!view_segment_pair(v)) return 0;
    return font_height(d->font, FONT_NORMAL) + draw_px(d, 8);
}

void view_segment_bar(ViewCtx *cx, SDL_Rect r, SegView *sv, ViewOut *out) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    const ViewData *v = cx->v;
    for (int f = 0; f < SEG_FILTER_COUNT; f++) sv->r[f] = (SDL_Rect){0, 0, 0, 0};
    if (r.h <= 0 || !view_segment_pair(v)) return;
    int fn = font_height(d->font, FONT_NORMAL), gap = draw_px(d, 4);
    int x = r.x;
    x += draw_text(d, FONT_NORMAL, x, r.y + (r.h - fn) / 2, th->text_dim, "pairs:") + gap;
    for (int f = 0; f < SEG_FILTER_COUNT; f++) {
        int w = ui_button_width(d, view_segment_filter_name(f));
        sv->r[f] = (SDL_Rect){x, r.y, w, r.h - draw_px(d, 2)};
        if (ui_button(cx->ui, d, sv->r[f], view_segment_filter_name(f), v->seg_filter == f) &&
            cx->input)
            view_emit(out, ACT_SEG_FILTER, f, 0, 0);
        if (cx->input && ui_inside(cx->ui, sv->r[f]))
            ui_tooltip(cx->ui, sv->r[f], "Show only attention from segment (query) to segment "
                       "(key) of the pair \"A ||| B\".\nKeys: Ctrl+B (any time) or B cycle");
        x += w + gap;
    }
    /* a legend: the two segments' colours */
    x += draw_px(d, 8);
    for (int s = 0; s < 2; s++) {
        SDL_Color c = view_segment_color(d, s);
        draw_fill(d, (SDL_Rect){x, r.y + (r.h - fn) / 2 + fn - draw_px(d, 3),
                                font_width(d->font, FONT_NORMAL, s ? "B" : "A"), draw_px(d, 3)}, c);
        x += draw_text(d, FONT_NORMAL, x, r.y + (r.h - fn) / 2, c, s ? "B" : "A") + draw_px(d, 8);
    }
}
