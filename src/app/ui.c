/* ui.c — see ui.h. */
#include "app/ui.h"

#include <math.h>
#include <string.h>

static int ui__button_index(Uint8 b) {
    return b == SDL_BUTTON_LEFT ? 0 : b == SDL_BUTTON_MIDDLE ? 1
         : b == SDL_BUTTON_RIGHT ? 2 : -1;
}

bool ui_input(Ui *ui, const SDL_Event *e, float s) {
    switch (e->type) {
    case SDL_MOUSEMOTION:
        ui->mx = (int)lroundf((float)e->motion.x * s);
        ui->my = (int)lroundf((float)e->motion.y * s);
        return true;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP: {
        int i = ui__button_index(e->button.button);
        ui->mx = (int)lroundf((float)e->button.x * s);
        ui->my = (int)lroundf((float)e->button.y * s);
        if (i < 0) return false;
        bool down = e->type == SDL_MOUSEBUTTONDOWN;
        ui->down[i] = down;
        if (down) ui->pressed[i] = true;
        else ui->released[i] = true;
        return true;
    }
    case SDL_MOUSEWHEEL:
        ui->wheel += e->wheel.y;
        return true;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            ui->mx = ui->my = -1;
            return true;
        }
        return false;
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        ui->shift = (e->key.keysym.mod & KMOD_SHIFT) != 0;
        ui->ctrl = (e->key.keysym.mod & KMOD_CTRL) != 0;
        return false;
    default:
        return false;
    }
}

void ui_begin(Ui *ui) {
    ui->tip[0] = '\0';
}

static void ui__draw_tooltip(Ui *ui, Draw *d) {
    if (!ui->tip[0] || d->dry) return;
    const Theme *th = &d->th;
    int pad = draw_px(d, 6), lh = font_height(d->font, FONT_SMALL);
    /* lines split on '\n' */
    char buf[sizeof ui->tip];
    snprintf(buf, sizeof buf, "%s", ui->tip);
    int n_lines = 0, w = 0;
    char *lines[16];
    for (char *p = buf; p && n_lines < 16;) {
        lines[n_lines++] = p;
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        p = nl ? nl + 1 : NULL;
    }
    for (int i = 0; i < n_lines; i++) {
        int lw = font_width(d->font, FONT_SMALL, lines[i]);
        if (lw > w) w = lw;
    }
    int out_w, out_h;
    SDL_GetRendererOutputSize(d->r, &out_w, &out_h);
    SDL_Rect box = {ui->mx + draw_px(d, 14), ui->my + draw_px(d, 16),
                    w + 2 * pad, n_lines * lh + 2 * pad};
    if (box.x + box.w > out_w) box.x = ui->mx - box.w - draw_px(d, 8);
    if (box.y + box.h > out_h) box.y = ui->my - box.h - draw_px(d, 8);
    if (box.x < 0) box.x = 0;
    if (box.y < 0) box.y = 0;
    draw_fill(d, (SDL_Rect){box.x + 2, box.y + 3, box.w, box.h},
              (SDL_Color){0, 0, 0, 90});
    draw_fill(d, box, th->control);
    draw_outline(d, box, th->border, 1);
    for (int i = 0; i < n_lines; i++)
        draw_text(d, FONT_SMALL, box.x + pad, box.y + pad + i * lh,
                  i == 0 ? th->text : th->text_dim, lines[i]);
}

void ui_end(Ui *ui, Draw *d) {
    ui__draw_tooltip(ui, d);
    for (int i = 0; i < 3; i++) {
        ui->pressed[i] = ui->released[i] = false;
        if (!ui->down[i] && i == 0) ui->active = NULL;
    }
    ui->wheel = 0;
}

bool ui_inside(const Ui *ui, SDL_Rect r) {
    return ui->mx >= r.x && ui->mx < r.x + r.w && ui->my >= r.y &&
           ui->my < r.y + r.h;
}

bool ui_clicked(const Ui *ui, SDL_Rect r, int button) {
    return ui->pressed[button] && ui_inside(ui, r);
}

void ui_tooltip(Ui *ui, SDL_Rect anchor, const char *text) {
    snprintf(ui->tip, sizeof ui->tip, "%s", text);
    ui->tip_anchor = anchor;
}

int ui_button_width(Draw *d, const char *label) {
    return font_width(d->font, FONT_NORMAL, label) + draw_px(d, 18);
}

bool ui_button(Ui *ui, Draw *d, SDL_Rect r, const char *label, bool on) {
    const Theme *th = &d->th;
    bool hover = ui_inside(ui, r);
    SDL_Color fill = on ? th->accent : hover ? th->control_hi : th->control;
    draw_fill(d, r, fill);
    if (!on) draw_outline(d, r, th->border, 1);
    draw_text_center(d, FONT_NORMAL, r, on ? th->on_accent : th->text, label);
    return ui_clicked(ui, r, 0);
}

bool ui_slider(Ui *ui, Draw *d, SDL_Rect r, float *v, float lo, float hi,
               const char *label) {
    const Theme *th = &d->th;
    bool changed = false;
    if (ui->pressed[0] && ui_inside(ui, r)) ui->active = v; /* drags from the press */
    if (ui->active == v && ui->down[0]) {
        float f = (float)(ui->mx - r.x) / (float)(r.w > 1 ? r.w - 1 : 1);
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        float nv = lo + f * (hi - lo);
        if (nv != *v) {
            *v = nv;
            changed = true;
        }
    }
    float f = (*v - lo) / (hi - lo);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    draw_fill(d, r, ui_inside(ui, r) || ui->active == v ? th->control_hi
                                                         : th->control);
    draw_fill(d, (SDL_Rect){r.x, r.y, (int)(f * (float)r.w), r.h},
              draw_alpha(th->accent, 110));
    draw_outline(d, r, th->border, 1);
    int kx = r.x + (int)(f * (float)(r.w - draw_px(d, 4)));
    draw_fill(d, (SDL_Rect){kx, r.y, draw_px(d, 4), r.h}, th->accent);
    draw_text_center(d, FONT_NORMAL, r, th->text, label);
    return changed;
}

SDL_Rect ui_panel(Draw *d, SDL_Rect r, const char *title) {
    const Theme *th = &d->th;
    draw_fill(d, r, th->panel);
    draw_outline(d, r, th->border, 1);
    int pad = draw_px(d, 8);
    int th_h = 0;
    if (title && *title) {
        th_h = font_height(d->font, FONT_TITLE) + draw_px(d, 4);
        draw_text_fit(d, FONT_TITLE, r.x + pad, r.y + pad / 2 + 1,
                      r.w - 2 * pad, th->text, title);
    }
    SDL_Rect in = {r.x + pad, r.y + pad / 2 + th_h + draw_px(d, 2),
                   r.w - 2 * pad, r.h - pad - th_h - draw_px(d, 2)};
    return in;
}
