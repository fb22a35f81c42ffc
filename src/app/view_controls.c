/* view_controls.c — the button bar; see view_controls.h. */
#include "app/view_controls.h"

#include <stdio.h>

#include "app/colormap.h"
#include "engine/model.h"

static int view__controls(const ViewData *v, ViewControl *c) {
    int n = 0;
    const RunOptions *ro = v->ro_next ? v->ro_next : v->ro;
#define CTL(A, ON, TIP, ...) do { c[n].act = (A); c[n].on = (ON); c[n].tip = (TIP); \
    c[n].group_end = false; c[n].a = 0; snprintf(c[n].label, sizeof c[n].label, __VA_ARGS__); n++; } while (0)
    CTL(ACT_NONE, false, NULL, "Scaling");
    CTL(ACT_SCALE_SQRT, ro->scale == SCALE_SQRT, "scores = q\xC2\xB7k / \xE2\x88\x9A" "d_head, as trained.\nKeys: F2 (any time) or S cycle scaling", "1/\xE2\x88\x9A" "d");
    CTL(ACT_SCALE_NONE, ro->scale == SCALE_NONE, "scores = q\xC2\xB7k, no scaling: softmax gets sharper.\nKeys: F2 (any time) or S cycle scaling", "off");
    CTL(ACT_SCALE_TEMP, ro->scale == SCALE_TEMP, "scores = q\xC2\xB7k / (\xE2\x88\x9A" "d \xC3\x97 T).\nKeys: F5 / F6 (any time) or [ / ] change T", "temp");
    CTL(ACT_TEMP_SET, ro->scale == SCALE_TEMP, "Temperature T, 0.1 to 10 (log scale); drag it.\nKeys: F5 / F6 (any time) or [ / ]", "T = %.2f", ro->temperature);
    c[n - 1].group_end = true;
    CTL(ACT_NONE, false, NULL, "Mask");
    CTL(ACT_MASK_CAUSAL, ro->mask == MASK_CAUSAL, v->encoder
        ? "Query i sees keys j \xE2\x89\xA4 i (this encoder was trained with none).\nKeys: F3 (any time) or M cycle masking"
        : "Query i sees keys j \xE2\x89\xA4 i, as trained.\nKeys: F3 (any time) or M cycle masking", "causal");
    CTL(ACT_MASK_NONE, ro->mask == MASK_NONE, v->encoder
        ? "Every query sees every key, as this encoder was trained.\nKeys: F3 (any time) or M cycle masking"
        : "Every query sees every key (also the future).\nKeys: F3 (any time) or M cycle masking", "none");
    CTL(ACT_MASK_WINDOW, ro->mask == MASK_WINDOW, "Query i sees keys i-w < j \xE2\x89\xA4 i.\nKeys: F3 (any time) or M cycle masking", "window");
    CTL(ACT_WIN_STEP, false, "Narrower window. Keys: F7 (any time) or -", "\xE2\x88\x92");
    c[n - 1].a = -1;
    CTL(ACT_NONE, false, NULL, "w=%d", ro->window);
    CTL(ACT_WIN_STEP, false, "Wider window. Keys: F8 (any time) or +", "+");
    c[n - 1].a = +1;
    c[n - 1].group_end = true;
    int n_masked = 0, n_abl = 0;
    for (int i = 0; i < RUN_MAX_KEYS; i++) n_masked += run_options_key_masked(ro, i);
    for (int l = 0; l < MODEL_MAX_LAYERS; l++) n_abl += __builtin_popcountll(ro->ablated[l]);
    CTL(ACT_RESET, false, "Unmask every key and restore every head.\nClick a key label or chip to mask it,\nright-click a grid head to ablate it.\nKeys: F10 (any time) or X",
        "reset (%d masked, %d ablated)", n_masked, n_abl);
    c[n - 1].group_end = true;
    CTL(ACT_CMAP, false, "Next colormap. Keys: F11 (any time) or C", "%s", colormap_name(v->cmap));
    CTL(ACT_WHITE, v->white, "White background, for slides.\nKeys: F12 (any time) or W", "white");
    CTL(ACT_EXPORT, false, "Save the head view as a PNG (2x).\nKeys: Ctrl+E (any time) or P", "export PNG");
    CTL(ACT_EXPORT_GRID, false, "Save the whole grid as a PNG (2x).\nKeys: Ctrl+Shift+E (any time) or Shift+P", "grid PNG");
    CTL(ACT_SAVE_SESSION, false, "Save the text, every setting and the view\nto a session file you name. Keys: Ctrl+S (any time)", "save session");
    CTL(ACT_HELP, v->help, "Every key. Keys: F1 (any time) or ?", "? help");
#undef CTL
    return n;
}

int view_controls_place(ViewCtx *cx, SDL_Rect bar, ControlsView *cv) {
    Draw *d = cx->d;
    ViewControl *c = cv->c;
    cv->n = view__controls(cx->v, c);
    int h = font_height(d->font, FONT_NORMAL) + draw_px(d, 10);
    int gap = draw_px(d, 4), group = draw_px(d, 16);
    int x = bar.x, y = bar.y;
    for (int i = 0; i < cv->n; i++) {
        int w = c[i].act == ACT_NONE ? font_width(d->font, FONT_NORMAL, c[i].label) + draw_px(d, 6)
              : c[i].act == ACT_TEMP_SET ? draw_px(d, 110)
              : ui_button_width(d, c[i].label);
        if (c[i].act == ACT_RESET) {
            int wmax = ui_button_width(d, "reset (00 masked, 00 ablated)");
            if (w < wmax) w = wmax;
        }
        if (x + w > bar.x + bar.w && x > bar.x) {
            x = bar.x;
            y += h + gap;
        }
        c[i].r = (SDL_Rect){x, y, w, h};
        x += w + (c[i].group_end ? group : gap);
    }
    return y + h - bar.y;
}

void view_controls_frame(ViewCtx *cx, ControlsView *cv, ViewOut *out) {
    Draw *d = cx->d;
    Ui *ui = cx->ui;
    int fn = font_height(d->font, FONT_NORMAL);
    for (int i = 0; i < cv->n; i++) {
        ViewControl *c = &cv->c[i];
        if (c->act == ACT_NONE) {
            draw_text(d, FONT_NORMAL, c->r.x, c->r.y + (c->r.h - fn) / 2, d->th.text_dim, c->label);
            continue;
        }
        bool needs_model = c->act != ACT_CMAP && c->act != ACT_WHITE && c->act != ACT_HELP &&
                           c->act != ACT_EXPORT_DIR && c->act != ACT_OPEN_MODEL;
        if (needs_model && cx->v->n_layer == 0) { /* disabled: drawn, not clickable */
            draw_fill(d, c->r, draw_alpha(d->th.control, 90));
            draw_outline(d, c->r, d->th.border, 1);
            draw_text_center(d, FONT_NORMAL, c->r, draw_alpha(d->th.text_dim, 120), c->label);
            continue;
        }
        if (c->act == ACT_TEMP_SET) {
            if (ui->active != &cv->slider) cv->slider = cx->v->temp_log10;
            if (ui_slider(ui, d, c->r, &cv->slider, -1.0f, 1.0f, c->label))
                view_emit(out, ACT_TEMP_SET, 0, 0, cv->slider);
        } else if (ui_button(ui, d, c->r, c->label, c->on)) {
            view_emit(out, c->act, c->a, 0, 0);
        }
        if (c->tip && ui_inside(ui, c->r) && cx->input) ui_tooltip(ui, c->r, c->tip);
    }
}
