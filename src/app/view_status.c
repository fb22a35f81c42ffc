/* view_status.c — status line and help overlay; see view_status.h. */
#include "app/view_status.h"

#include <stdio.h>
#include <string.h>

#include "app/keymap.h"

void view_status_frame(ViewCtx *cx, SDL_Rect r, const StatusInfo *si, ViewOut *out) {
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
        snprintf(s, sizeof s, "no model loaded  \xC2\xB7  Ctrl+O opens one");
    int w = draw_text(d, FONT_SMALL, r.x + pad, y, th->text_dim, s);
    /* at the right end: the export folder and another model, by mouse */
    static const struct { Act act; const char *label, *tip; } b[2] = { /* right to left */
        {ACT_EXPORT_DIR, "export folder\xE2\x80\xA6", "The folder exports go to. Key: Ctrl+D"},
        {ACT_OPEN_MODEL, "model\xE2\x80\xA6", "Open another model (or drop a folder or\n"
                                           "file on the window). Key: Ctrl+O"},
    };
    int bx = r.x + r.w - pad;
    for (int i = 0; i < 2; i++) {
        int bw = font_width(d->font, FONT_SMALL, b[i].label) + 2 * draw_px(d, 6);
        SDL_Rect br = {bx - bw, r.y + draw_px(d, 2), bw, r.h - draw_px(d, 4)};
        bool hot = cx->input && ui_inside(cx->ui, br);
        draw_fill(d, br, hot ? th->control_hi : th->control);
        draw_text_center(d, FONT_SMALL, br, th->text, b[i].label);
        if (hot) ui_tooltip(cx->ui, br, b[i].tip);
        if (cx->input && ui_clicked(cx->ui, br, 0)) view_emit(out, b[i].act, 0, 0, 0);
        bx = br.x - draw_px(d, 4);
    }
    if (si->msg && si->msg[0])
        draw_text_fit(d, FONT_SMALL, r.x + pad + w + draw_px(d, 24), y,
                      bx - (r.x + pad + w + draw_px(d, 24)) - draw_px(d, 8),
                      si->msg_error ? th->error : th->text, si->msg);
}

void view_help_frame(ViewCtx *cx, int W, int H) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    static const char *mouse[] = {
        "Mouse: click the text box to type \xC2\xB7 click a grid head to select it, right-click to ablate it",
        "hover a cell for its numbers, click to pin it \xC2\xB7 click a key label or chip: hide it from attention",
        "encoders: right-click a chip for [MASK] \xC2\xB7 wheel zooms, right-drag pans \xC2\xB7 controls re-run the model",
    };
    static const char *look_one[] = {
        "What to look at first: the app opens on the model's best teaching head on its starter text (one sentence, said twice).",
        "Badges mark heads with a clear role: P attends to the previous token, I (induction) to the token after the earlier copy",
        "of the current one, S to the first token. Ctrl+G: the grid by a role. Ablate P heads (right-click): watch the I stripe.",
    }, *look_mt[] = {
        "Translation: the source is encoded once, the translation decoded greedily, one target chip per step.",
        "Cross-attention (target \xC3\x97 source) shows which source words each target word read; Ctrl+T switches to the",
        "encoder's or the decoder's self-attention. Scale, mask and ablate act on the kind shown. Greyed keys: not for this model.",
    };
    enum { N_LOOK = sizeof look_one / sizeof *look_one };
    const char **look = cx->v->kind ? look_mt : look_one;
    KeyRow rows[64];
    int n = keymap_rows(rows, 64);
    int fs = font_height(d->font, FONT_SMALL), fn = font_height(d->font, FONT_NORMAL);
    int pad = draw_px(d, 14), gap = draw_px(d, 14), row_h = fs + draw_px(d, 2);
    int c1 = font_width(d->font, FONT_SMALL, "any time"), c2 = font_width(d->font, FONT_SMALL, "outside the box"), c3 = 0;
    for (int i = 0; i < n; i++) {
        int w1 = font_width(d->font, FONT_SMALL, rows[i].keys);
        int w2 = font_width(d->font, FONT_SMALL, rows[i].cmd);
        int w3 = font_width(d->font, FONT_SMALL, rows[i].what);
        if (w1 > c1) c1 = w1;
        if (w2 > c2) c2 = w2;
        if (w3 > c3) c3 = w3;
    }
    int wm = 0;
    for (int i = 0; i < 3 + N_LOOK; i++) {
        int w = font_width(d->font, FONT_SMALL, i < 3 ? mouse[i] : look[i - 3]);
        if (w > wm) wm = w;
    }
    int tw = c1 + c2 + c3 + 2 * gap;
    if (tw < wm) tw = wm;
    SDL_Rect box = {0, 0, tw + 2 * pad, 2 * pad + fn + draw_px(d, 6) + (n + 1) * row_h + draw_px(d, 8) + 3 * row_h +
                   N_LOOK * row_h + draw_px(d, 8)};
    if (box.w > W) box.w = W;
    if (box.h > H) box.h = H;
    box.x = (W - box.w) / 2;
    box.y = (H - box.h) / 2;
    draw_fill(d, (SDL_Rect){0, 0, W, H}, draw_alpha(th->bg, 170));
    draw_fill(d, box, th->panel);
    draw_outline(d, box, th->accent, 2);
    int x = box.x + pad, y = box.y + pad, wmax = box.w - 2 * pad;
    draw_text_fit(d, FONT_TITLE, x, y, wmax, th->text, "attnscope \xE2\x80\x94 keys (F1 or Esc closes)");
    y += fn + draw_px(d, 6);
    for (int i = 0; i < N_LOOK; i++, y += row_h)
        draw_text_fit(d, FONT_SMALL, x, y, wmax, th->text, look[i]);
    y += draw_px(d, 8);
    draw_text(d, FONT_SMALL, x, y, th->accent, "any time");
    draw_text(d, FONT_SMALL, x + c1 + gap, y, th->accent, "outside the box");
    draw_text(d, FONT_SMALL, x + c1 + c2 + 2 * gap, y, th->accent, "does");
    y += row_h;
    for (int i = 0; i < n && y + row_h <= box.y + box.h - pad; i++) {
        const char *off = view_act_off(cx->v, rows[i].act); /* greyed, with why */
        SDL_Color c = off ? draw_alpha(th->text_dim, 150)
                    : rows[i].scope == KEYS_TEXT ? th->text_dim : th->text;
        char what[320];
        snprintf(what, sizeof what, "%s%s%s", off ? off : rows[i].what, off ? " \xC2\xB7 " : "",
                 off ? rows[i].what : "");
        draw_text(d, FONT_SMALL, x, y, c, rows[i].keys);
        draw_text(d, FONT_SMALL, x + c1 + gap, y, c, rows[i].cmd);
        draw_text_fit(d, FONT_SMALL, x + c1 + c2 + 2 * gap, y, wmax - c1 - c2 - 2 * gap, c, what);
        y += row_h;
    }
    y += draw_px(d, 8);
    for (int i = 0; i < 3 && y + row_h <= box.y + box.h; i++, y += row_h)
        draw_text_fit(d, FONT_SMALL, x, y, wmax, th->text_dim, mouse[i]);
}

void view_prompt_frame(ViewCtx *cx, int W, int H, const char *title, const char *hint,
                       const TextEdit *te) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    int fn = font_height(d->font, FONT_NORMAL), fs = font_height(d->font, FONT_SMALL);
    int pad = draw_px(d, 14);
    int w = W * 2 / 3 > draw_px(d, 420) ? W * 2 / 3 : (W - 2 * pad > 0 ? W - 2 * pad : W);
    SDL_Rect box = {(W - w) / 2, H / 4, w, 2 * pad + fn + draw_px(d, 6) + fn + draw_px(d, 12) + fs};
    draw_fill(d, (SDL_Rect){0, 0, W, H}, draw_alpha(th->bg, 150));
    draw_fill(d, box, th->panel);
    draw_outline(d, box, th->accent, 2);
    int x = box.x + pad, y = box.y + pad, iw = box.w - 2 * pad;
    draw_text_fit(d, FONT_NORMAL, x, y, iw, th->text, title);
    y += fn + draw_px(d, 6);
    SDL_Rect field = {x, y, iw, fn + draw_px(d, 8)};
    draw_fill(d, field, th->bg);
    draw_outline(d, field, th->accent, 1);
    /* one line: show the end (where the caret usually is) when too long */
    const char *s = te->buf;
    int avail = iw - draw_px(d, 12);
    while (*s && font_width(d->font, FONT_NORMAL, s) > avail) {
        s++;
        while ((*s & 0xC0) == 0x80) s++;
    }
    int tx = field.x + draw_px(d, 6), ty = field.y + draw_px(d, 4);
    draw_text(d, FONT_NORMAL, tx, ty, th->text, s);
    size_t off = (size_t)(s - te->buf);
    if (te->cursor >= off) {
        char pre[1024];
        size_t n = te->cursor - off < sizeof pre - 1 ? te->cursor - off : sizeof pre - 1;
        memcpy(pre, s, n);
        pre[n] = '\0';
        draw_fill(d, (SDL_Rect){tx + font_width(d->font, FONT_NORMAL, pre), ty, draw_px(d, 2), fn},
                  th->accent);
    }
    y += field.h + draw_px(d, 4);
    draw_text_fit(d, FONT_SMALL, x, y, iw, th->text_dim, hint);
}
