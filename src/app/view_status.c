/* view_status.c — status line and help overlay; see view_status.h. */
#include "app/view_status.h"

#include <stdio.h>

void view_status_frame(ViewCtx *cx, SDL_Rect r, const StatusInfo *si) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    const ViewData *v = cx->v;
    draw_fill(d, r, th->panel);
    draw_line(d, r.x, r.y, r.x + r.w, r.y, th->border);
    char s[512];
    int pad = draw_px(d, 8), fh = font_height(d->font, FONT_SMALL);
    int y = r.y + (r.h - fh) / 2;
    int T = v->tr ? v->tr->n_tokens : 0;
    char kv[24] = "";
    if (si->n_kv_head < si->n_head)
        snprintf(kv, sizeof kv, " (%d KV)", si->n_kv_head);
    if (si->model_name)
        snprintf(s, sizeof s, "%s  %dL\xC3\x97%dH%s d=%d  \xC2\xB7  %d/%d tokens  \xC2\xB7  forward %.1f ms"
                 "  \xC2\xB7  render %.1f ms%s", si->model_name, si->n_layer, si->n_head, kv,
                 si->d_model, T, si->max_tokens, v->tr ? si->forward_ms : 0.0, si->render_ms,
                 si->computing ? "  \xC2\xB7  computing\xE2\x80\xA6" : "");
    else
        snprintf(s, sizeof s, "no model loaded");
    int w = draw_text(d, FONT_SMALL, r.x + pad, y, th->text_dim, s);
    if (si->msg && si->msg[0])
        draw_text_fit(d, FONT_SMALL, r.x + pad + w + draw_px(d, 24), y,
                      r.w - w - draw_px(d, 32) - pad, si->msg_error ? th->error : th->text,
                      si->msg);
}

void view_help_frame(ViewCtx *cx, int W, int H) {
    Draw *d = cx->d;
    static const char *lines[] = {
        "Text: click the text box (or E / Enter) to type; Esc leaves it.",
        "    arrows, Home/End, Backspace/Delete, Ctrl+A/C/X/V; Ctrl+arrows jump words",
        "Grid: click a head to select it; right-click to ablate it (A on the selected head)",
        "    arrow keys move the selection",
        "Head view: hover a cell for its weight and the vector view; click to pin it",
        "    click a key label (or a token chip) to mask that key for every query",
        "    mouse wheel zooms around the cursor, right-drag pans, 0 resets the zoom",
        "S  cycle scaling: 1/\xE2\x88\x9A" "d, off, temperature      [ ]  temperature down / up",
        "M  cycle masking: causal, none, window       - +  window size",
        "X  unmask all keys and restore all heads",
        "R  vector view: q and k before / after RoPE (Llama models)",
        "C  next colormap        W  white background (slides)",
        "P  export the head view as PNG      Shift+P  export the grid",
        "F1 or ?  this help      Ctrl+Q  quit",
        "Every control re-runs the real forward pass; predictions show the effect.",
    };
    int n = (int)(sizeof lines / sizeof *lines);
    int fn = font_height(d->font, FONT_NORMAL), pad = draw_px(d, 16);
    int w = 0;
    for (int i = 0; i < n; i++) {
        int lw = font_width(d->font, FONT_NORMAL, lines[i]);
        if (lw > w) w = lw;
    }
    SDL_Rect box = {0, 0, w + 2 * pad, n * (fn + draw_px(d, 4)) + 2 * pad + fn * 2};
    box.x = (W - box.w) / 2;
    box.y = (H - box.h) / 2;
    draw_fill(d, (SDL_Rect){0, 0, W, H}, draw_alpha(d->th.bg, 170));
    draw_fill(d, box, d->th.panel);
    draw_outline(d, box, d->th.accent, 2);
    draw_text(d, FONT_TITLE, box.x + pad, box.y + pad, d->th.text, "attnscope \xE2\x80\x94 controls");
    for (int i = 0; i < n; i++)
        draw_text(d, FONT_NORMAL, box.x + pad, box.y + pad + fn * 2 + i * (fn + draw_px(d, 4)),
                  lines[i][0] == ' ' ? d->th.text_dim : d->th.text, lines[i]);
}
