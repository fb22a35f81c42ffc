/* view_pred.c — next-token predictions; see view_pred.h. */
#include "app/view_pred.h"
#include "app/view_segment.h"

#include <math.h>
#include <stdio.h>

void view_predictions_draw(Draw *d, SDL_Rect r, const ViewData *v, int pos) {
    const Theme *th = &d->th;
    if (!v->tr || pos < 0 || pos >= v->tr->n_tokens) return;
    const Trace *tr = v->tr;
    if (!tr->top_ids) { /* a view without predictions (one kind of a translation) */
        view_text_wrapped(d, FONT_SMALL, r.x, r.y, r.w, th->text_dim,
                          "The translation was decoded greedily: each target chip is the "
                          "decoder's top choice at its row.");
        return;
    }
    int fn = font_height(d->font, FONT_NORMAL), fh = font_height(d->font, FONT_SMALL);
    char s[256];
    if (tr->partial && pos != tr->focus && pos != tr->n_tokens - 1) { /* the worker fills them next */
        snprintf(s, sizeof s, "computing the predictions at position %d...", pos);
        draw_text_fit(d, FONT_SMALL, r.x, r.y, r.w, th->text_dim, s);
        return;
    }
    int y = r.y + fh + draw_px(d, 6);
    int lab_w = r.w * 2 / 5, row_h = fn + draw_px(d, 6);
    bool has_foot = v->encoder ? v->tokens != NULL && tr->logits != NULL : pos + 1 < tr->n_tokens;
    int foot = has_foot ? fh + draw_px(d, 4) : 0; /* "actual next" / "typed" line */
    int n = (r.y + r.h - foot - y) / row_h; /* as many of the trace's top_k as fit */
    if (n > tr->top_k) n = tr->top_k;
    if (n < 0) n = 0;
    if (v->encoder)
        snprintf(s, sizeof s, "top %d for \"%s\" (position %d)", n, view_label(v, pos), pos);
    else
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
    if (v->encoder && has_foot && y + fh <= r.y + r.h) {
        /* the word typed there: how likely the model finds it */
        int id = v->tokens[pos].id;
        const float *lg = tr->logits + (size_t)pos * tr->vocab_size; // (vocab)
        float mx = lg[0];
        for (int i = 1; i < tr->vocab_size; i++) mx = fmaxf(mx, lg[i]);
        double z = 0;
        for (int i = 0; i < tr->vocab_size; i++) z += exp((double)(lg[i] - mx));
        double p = id >= 0 && id < tr->vocab_size ? exp((double)(lg[id] - mx)) / z : 0.0;
        char lab[96];
        tokenizer_token_label(v->tok, id, lab, sizeof lab);
        snprintf(s, sizeof s, "%s: \"%s\"  (p %.1f%%)", view_segment_word_masked(v, pos)
                 ? "typed (the model sees [MASK])" : "input", lab, p * 100.0);
        draw_text_fit(d, FONT_SMALL, r.x, y + draw_px(d, 2), r.w,
                      view_segment_word_masked(v, pos) ? view_segment_mask_color(d) : th->text_dim, s);
    } else if (!v->encoder && pos + 1 < tr->n_tokens && y + fh <= r.y + r.h) {
        snprintf(s, sizeof s, "actual next: \"%s\"  (loss %.2f nats)", view_label(v, pos + 1),
                 tr->token_loss[pos]);
        draw_text_fit(d, FONT_SMALL, r.x, y + draw_px(d, 2), r.w, th->text_dim, s);
    }
}

int view_pred_position(const ViewData *v) {
    if (!v->tr) return -1;
    int T = v->tr->n_tokens;
    if (v->q >= 0 && v->q < T) return v->q;
    if (!v->encoder) return T - 1;
    for (int i = 0; i < T; i++)
        if (view_segment_word_masked(v, i) || v->tr->ids[i] == v->mask_id) return i;
    return T > 2 ? 1 : 0;
}

void view_pred_frame(ViewCtx *cx, SDL_Rect r) {
    const ViewData *v = cx->v;
    SDL_Rect in = ui_panel(cx->d, r, v->kind ? "Translation (greedy decoding)"
                                     : v->encoder ? "Fill-in predictions (masked LM)"
                                                  : "Next-token predictions");
    view_predictions_draw(cx->d, in, v, view_pred_position(v));
}
