/* view_translate.c — the translation strip; see view_translate.h. */
#include "app/view_translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/mtrun.h"
#include "app/worker.h"

static const char *view__kind_label[MARIAN_KIND_COUNT] = {
    "cross-attention (target \xC3\x97 source)", "encoder self-attention", "decoder self-attention"};

int view_translate_height(Draw *d) {
    int ch = font_height(d->font, FONT_SMALL) + draw_px(d, 6);
    int bh = font_height(d->font, FONT_NORMAL) + draw_px(d, 6);
    return bh + 2 * ch + 2 * draw_px(d, 4);
}

bool view_translate_weights(const ViewData *v, int t, float *w, char *what, size_t cap) {
    const MtResult *r = v->mt;
    if (!r || !r->tr || t < 0 || t >= r->T) return false;
    const Trace *cross = &r->views[MARIAN_KIND_CROSS];
    int S = r->S, L = v->layer < cross->n_layer ? v->layer : cross->n_layer - 1;
    if (L < 0) L = 0;
    if (v->kind && !strcmp(v->kind, "cross") && v->head >= 0 && v->head < cross->n_head) {
        memcpy(w, trace_att(cross, L, v->head) + (size_t)t * S, (size_t)S * sizeof *w);
        snprintf(what, cap, "cross L%d H%d", L, v->head);
        return true;
    }
    for (int k = 0; k < S; k++) w[k] = 0.0f;
    for (int h = 0; h < cross->n_head; h++) {
        const float *row = trace_att(cross, L, h) + (size_t)t * S; // (source)
        for (int k = 0; k < S; k++) w[k] += row[k] / (float)cross->n_head;
    }
    snprintf(what, cap, "cross L%d mean", L);
    return true;
}

/* One row of chips from x: label i of labels (cap each), tinted by w[i]
 * when w, outlined when i == hi. Lays the rects into rects (up to max);
 * returns how many fit. */
static int view__chip_row(Draw *d, int x, int y, int x_end, const char *labels, size_t cap, int n,
                          const float *w, int hi, SDL_Rect *rects, int max) {
    const Theme *th = &d->th;
    int fh = font_height(d->font, FONT_SMALL);
    int ch = fh + draw_px(d, 6), gap = draw_px(d, 4), padx = draw_px(d, 5);
    int i = 0;
    for (; i < n && i < max; i++) {
        char buf[128];
        font_elide(d->font, FONT_SMALL, labels + (size_t)i * cap, draw_px(d, 110), buf, sizeof buf);
        int cw = font_width(d->font, FONT_SMALL, buf) + 2 * padx;
        if (cw < draw_px(d, 14)) cw = draw_px(d, 14);
        if (x + cw > x_end - draw_px(d, 20) && i + 1 < n) {
            draw_text(d, FONT_SMALL, x, y + (ch - fh) / 2, th->text_dim, "\xE2\x80\xA6");
            break;
        }
        SDL_Rect c = {x, y, cw, ch};
        rects[i] = c;
        SDL_Color fill = th->control, ink = th->text;
        if (w) {
            uint32_t argb = draw_lut(d, w[i]);
            fill = (SDL_Color){(argb >> 16) & 255, (argb >> 8) & 255, argb & 255, 255};
            int lum = (fill.r * 3 + fill.g * 6 + fill.b) / 10;
            ink = lum > 128 ? (SDL_Color){0, 0, 0, 255} : (SDL_Color){255, 255, 255, 255};
        }
        draw_fill(d, c, fill);
        if (i == hi) draw_outline(d, (SDL_Rect){c.x - 1, c.y - 1, c.w + 2, c.h + 2}, th->accent, 2);
        draw_text(d, FONT_SMALL, x + padx, y + (ch - fh) / 2, ink, buf);
        x += cw + gap;
    }
    for (int j = i; j < max; j++) rects[j] = (SDL_Rect){0, 0, 0, 0};
    return i;
}

void view_translate_frame(ViewCtx *cx, SDL_Rect r, TranslateView *tv, ViewOut *out) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    const ViewData *v = cx->v;
    Ui *ui = cx->ui;
    const MtResult *mt = v->mt;
    tv->panel = r;
    int fh = font_height(d->font, FONT_SMALL);
    int ch = fh + draw_px(d, 6), gap = draw_px(d, 4);
    int label_w = font_width(d->font, FONT_SMALL, "translation") + draw_px(d, 10);
    /* row 0: the kind switch, and what the run-option controls act on */
    int x = r.x, bh = font_height(d->font, FONT_NORMAL) + draw_px(d, 6);
    Ui none = {.mx = -1, .my = -1}; /* an overlay has the input */
    for (int k = 0; k < MARIAN_KIND_COUNT; k++) {
        int bw = ui_button_width(d, view__kind_label[k]);
        tv->kind_btn[k] = (SDL_Rect){x, r.y, bw, bh};
        bool on = v->kind && !strcmp(v->kind, marian_kind_name((MarianKind)k));
        if (ui_button(cx->input ? ui : &none, d, tv->kind_btn[k], view__kind_label[k], on))
            view_emit(out, ACT_MT_KIND, k, 0, 0);
        x += bw + gap;
    }
    char s[160];
    snprintf(s, sizeof s, "scale, mask and ablate act on the %s attention", v->kind ? v->kind : "?");
    draw_text_fit(d, FONT_SMALL, x + gap, r.y + (bh - fh) / 2, r.x + r.w - x - gap, th->text_dim, s);
    int y1 = r.y + bh + gap, y2 = y1 + ch + gap;
    draw_text(d, FONT_SMALL, r.x, y1 + (ch - fh) / 2, th->text_dim, "source");
    draw_text(d, FONT_SMALL, r.x, y2 + (ch - fh) / 2, th->text_dim, "translation");
    tv->hover_t = -1;
    if (!mt || !mt->tr || mt->T == 0) {
        tv->n_src = tv->n_tgt = 0;
        draw_text_fit(d, FONT_SMALL, r.x + label_w, y2 + (ch - fh) / 2, r.w - label_w, th->text_dim,
                      mt && mt->status ? mt->err : "type a sentence to translate");
        view_emit(out, ACT_MT_HOVER, -1, 0, 0);
        return;
    }
    /* the target chips first: laid out dry, their hover (this frame's)
       tints the source */
    Draw dry = *d;
    dry.dry = true;
    tv->n_tgt = view__chip_row(&dry, r.x + label_w, y2, r.x + r.w, mt->tgt_labels, WORKER_LABEL_CAP, mt->T,
                               NULL, -1, tv->tgt_chip, 64);
    int now = -1;
    for (int i = 0; cx->input && i < tv->n_tgt; i++)
        if (ui_inside(ui, tv->tgt_chip[i])) now = i;
    tv->hover_t = now;
    view_emit(out, ACT_MT_HOVER, now, 0, 0);
    int hover = cx->input ? now : v->mt_hover;
    float *w = malloc((size_t)mt->S * sizeof *w);
    char what[48] = "";
    bool tinted = w && hover >= 0 && view_translate_weights(v, hover, w, what, sizeof what);
    view__chip_row(d, r.x + label_w, y2, r.x + r.w, mt->tgt_labels, WORKER_LABEL_CAP, mt->T, NULL, hover,
                   tv->tgt_chip, 64);
    tv->n_src = view__chip_row(d, r.x + label_w, y1, r.x + r.w, mt->src_labels, WORKER_LABEL_CAP, mt->S,
                               tinted ? w : NULL, -1, tv->src_chip, 64);
    if (tinted && hover < tv->n_tgt) {
        char tip[256];
        snprintf(tip, sizeof tip, "target %d \"%s\": the source tints show its %s attention", hover,
                 mt->tgt_labels + (size_t)hover * WORKER_LABEL_CAP, what);
        ui_tooltip(ui, tv->tgt_chip[hover], tip);
    }
    free(w);
}
