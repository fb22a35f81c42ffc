/* view_pred.c — next-token predictions; see view_pred.h. */
#include "app/view_pred.h"

#include <math.h>
#include <stdio.h>

void view_predictions_draw(Draw *d, SDL_Rect r, const ViewData *v, int pos) {
    const Theme *th = &d->th;
    if (!v->tr || pos < 0 || pos >= v->tr->n_tokens) return;
    const Trace *tr = v->tr;
    int fn = font_height(d->font, FONT_NORMAL), fh = font_height(d->font, FONT_SMALL);
    char s[256];
    int y = r.y + fh + draw_px(d, 6);
    int lab_w = r.w * 2 / 5, row_h = fn + draw_px(d, 6);
    int foot = pos + 1 < tr->n_tokens ? fh + draw_px(d, 4) : 0; /* "actual next" line */
    int n = (r.y + r.h - foot - y) / row_h; /* as many of the trace's top_k as fit */
    if (n > tr->top_k) n = tr->top_k;
    if (n < 0) n = 0;
    snprintf(s, sizeof s, "top %d after \"%s\" (position %d)", n, view_label(v, pos), pos);
    draw_text_fit(d, FONT_SMALL, r.x, r.y, r.w, th->text_dim, s);
    for (int i = 0; i < n && y + row_h + foot <= r.y + r.h; i++) {
        int id = tr->top_ids[(size_t)pos * tr->top_k + i];
        float p = tr->top_p[(size_t)pos * tr->top_k + i];
        char lab[96];
        tokenizer_token_label(v->tok, id, lab, sizeof lab);
        snprintf(s, sizeof s, "\"%s\"", lab);
        draw_text_fit(d, FONT_NORMAL, r.x, y, lab_w - draw_px(d, 6), th->text, s);
        SDL_Rect bar = {r.x + lab_w, y + draw_px(d, 2), r.w - lab_w, row_h - draw_px(d, 8)};
        draw_fill(d, bar, th->control);
        draw_fill(d, (SDL_Rect){bar.x, bar.y, (int)lroundf(p * (float)bar.w), bar.h},
                  i == 0 ? th->accent : draw_alpha(th->accent, 150));
        snprintf(s, sizeof s, "%.1f%%", p * 100.0f);
        draw_text(d, FONT_SMALL, bar.x + draw_px(d, 4), bar.y + (bar.h - fh) / 2, th->text, s);
        y += row_h;
    }
    if (pos + 1 < tr->n_tokens && y + fh <= r.y + r.h) {
        snprintf(s, sizeof s, "actual next: \"%s\"  (loss %.2f nats)", view_label(v, pos + 1),
                 tr->token_loss[pos]);
        draw_text_fit(d, FONT_SMALL, r.x, y + draw_px(d, 2), r.w, th->text_dim, s);
    }
}

void view_pred_frame(ViewCtx *cx, SDL_Rect r) {
    const ViewData *v = cx->v;
    SDL_Rect in = ui_panel(cx->d, r, "Next-token predictions");
    view_predictions_draw(cx->d, in, v, v->q >= 0 ? v->q : (v->tr ? v->tr->n_tokens - 1 : -1));
}
