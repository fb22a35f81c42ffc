/* layout.c — panel rects of the window; see layout.h. */
#include "app/layout.h"

#include "app/view_segment.h"
#include "app/view_text.h"
#include "app/view_translate.h"

void layout_panels(ViewCtx *cx, int W, int H, ControlsView *cv, GridView *gv,
                   const HeadView *hv, bool vec_open, PanelLayout *lo) {
    Draw *d = cx->d;
    const ViewData *v = cx->v;
    int pad = draw_px(d, 8);
    int bar_h = view_controls_place(cx, (SDL_Rect){pad, pad, W - 2 * pad, 0}, cv);
    lo->bar = (SDL_Rect){pad, pad, W - 2 * pad, bar_h};
    int fn = font_height(d->font, FONT_NORMAL), fs = font_height(d->font, FONT_SMALL);
    int max_lines = H >= draw_px(d, 900) ? 4 : 3; /* long text wraps; more scrolls */
    /* the keyboard-state badge sits right of the text box */
    lo->text = (SDL_Rect){pad, lo->bar.y + bar_h + pad,
                          W - 2 * pad - view_text_badge_w(d) - draw_px(d, 6), 0};
    lo->text.h = view_textbox_height(d, v->edit, v->lines, lo->text.w, max_lines);
    int chip_h = fs + draw_px(d, 6);
    lo->chips = (SDL_Rect){pad, lo->text.y + lo->text.h + draw_px(d, 6), W - 2 * pad,
                           3 * chip_h + 2 * draw_px(d, 4)};
    /* only as many chip rows as the tokens need (at most 3) */
    int used = v->kind ? view_translate_height(d) /* translation: its strip */
                       : view_text_chips_height(cx, lo->chips);
    if (used < chip_h) used = chip_h;
    if (used < lo->chips.h || v->kind) lo->chips.h = used;
    lo->status = (SDL_Rect){0, H - fs - draw_px(d, 10), W, fs + draw_px(d, 10)};
    int top = lo->chips.y + lo->chips.h + pad, bottom = lo->status.y - pad;
    int pred_h = fn * 2 + 6 * (fn + draw_px(d, 6)) + draw_px(d, 16);
    /* small screens (projectors at 1024x768, 800x600): the head view keeps
       the room; the vector view folds into a tab at the right edge that opens
       over the head view's right part */
    lo->vec_tab = W < draw_px(d, 1180);
    int left_w = W * (lo->vec_tab ? 30 : 27) / 100, min_left = draw_px(d, lo->vec_tab ? 220 : 280);
    int right_w = lo->vec_tab ? draw_px(d, 26) : W * 26 / 100; /* the tab or the view */
    if (left_w < min_left) left_w = min_left;
    if (!lo->vec_tab && right_w < draw_px(d, 280)) right_w = draw_px(d, 280);
    int mid_w = W - left_w - right_w - 4 * pad;
    lo->grid = (SDL_Rect){pad, top, left_w, bottom - top - pred_h - pad};
    lo->pred = (SDL_Rect){pad, bottom - pred_h, left_w, pred_h};
    lo->head = (SDL_Rect){pad * 2 + left_w, top, mid_w, bottom - top};
    lo->vec = (SDL_Rect){pad * 3 + left_w + mid_w, top, right_w, bottom - top};
    lo->tab = (SDL_Rect){0, 0, 0, 0};
    if (lo->vec_tab) {
        lo->tab = lo->vec;
        int vw = draw_px(d, 300) < mid_w ? draw_px(d, 300) : mid_w;
        lo->vec = vec_open ? (SDL_Rect){lo->tab.x - pad - vw, top, vw, bottom - top}
                           : (SDL_Rect){0, 0, 0, 0};
    } else {
        {
            /* the head map is square and usually height-bound: the width it
               leaves over goes to the grid and the vector view. Measured on the
               largest map and margins the panel allows, never on the text, so
               the columns stay put while the text changes. */
            SDL_Rect in = ui_panel(&(Draw){.r = d->r, .font = d->font, .s = d->s, .dry = true},
                                   lo->head, "x");
            int gap = draw_px(d, 6), label_w = draw_px(d, 92), label_h = draw_px(d, 72);
            int title_h = font_height(d->font, FONT_TITLE) + draw_px(d, 8);
            /* the panel's height with the text box and chips at their tallest */
            int top_max = lo->text.y + fn * max_lines + draw_px(d, 14) + draw_px(d, 6) +
                          3 * chip_h + 2 * draw_px(d, 4) + pad;
            int in_h = bottom - top_max - (lo->head.h - in.h);
            int side = in_h - title_h - label_h - gap - fs - gap;
            int max_side = draw_px(d, 44) * 64; /* view_head_layout's biggest cells */
            if (side > max_side) side = max_side;
            int need = in.x - lo->head.x + label_w + gap + side + 2 * gap + draw_px(d, 12) +
                       draw_px(d, 12) + font_width(d->font, FONT_SMALL, "0.00") + pad;
            int title = font_width(d->font, FONT_TITLE, "pd-gpt2  \xC2\xB7  layer 10  \xC2\xB7  head 10  "
                                   "\xC2\xB7  scale=sqrt mask=causal") + 2 * pad;
            if (need < title) need = title;
            int spare = lo->head.w - need;
            int grow_l = spare / 2, grow_r = spare - grow_l;
            if (grow_l > W * 36 / 100 - left_w) grow_l = W * 36 / 100 - left_w;
            if (grow_r > W * 32 / 100 - right_w) grow_r = W * 32 / 100 - right_w;
            if (spare > 0 && grow_l > 0 && grow_r > 0) {
                lo->grid.w += grow_l;
                lo->pred.w += grow_l;
                lo->head.x += grow_l;
                lo->head.w -= grow_l + grow_r;
                lo->vec.x -= grow_r;
                lo->vec.w += grow_r;
            }
        }
    }
    /* a sentence pair: the pair-filter row tops the head view's column */
    int seg_h = view_segment_bar_height(d, v);
    lo->seg = (SDL_Rect){lo->head.x, lo->head.y, lo->head.w, seg_h};
    if (seg_h > 0) {
        lo->head.y += seg_h + draw_px(d, 4);
        lo->head.h -= seg_h + draw_px(d, 4);
    }
    /* the grid is usually width-bound: its spare height goes to the
       predictions panel below */
    int spare = lo->grid.h - view_grid_place(cx, lo->grid, gv);
    if (spare > 0) {
        lo->grid.h -= spare;
        lo->pred.y -= spare;
        lo->pred.h += spare;
        gv->panel = lo->grid;
    }
}
