/* view_roles.c — heads sorted by a role score; see view_roles.h. */
#include "app/view_roles.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "app/atlas.h"

/* The role buttons: a badge-coloured square per role, the chosen one
 * framed in the accent colour; then "thumbnails" at the right. Returns the
 * height used. */
static int view__role_buttons(ViewCtx *cx, SDL_Rect r, ViewOut *out) {
    Draw *d = cx->d;
    Ui *ui = cx->ui;
    const ViewData *v = cx->v;
    int side = font_height(d->font, FONT_NORMAL) + draw_px(d, 6), gap = draw_px(d, 5);
    for (int k = 0; k < ROLE_N_ROLES; k++) {
        const AtlasRole *ro = atlas_role((RoleKind)k);
        SDL_Rect b = {r.x + k * (side + gap), r.y, side, side};
        bool on = v->role == k, hover = cx->input && ui_inside(ui, b);
        draw_fill(d, b, draw_color(ro->color));
        draw_text_center(d, FONT_NORMAL, b, (SDL_Color){20, 20, 24, 255}, ro->glyph);
        if (on || hover)
            draw_outline(d, (SDL_Rect){b.x - draw_px(d, 2), b.y - draw_px(d, 2), b.w + draw_px(d, 4),
                                       b.h + draw_px(d, 4)}, on ? d->th.accent : d->th.text,
                         draw_px(d, 2));
        if (hover) {
            char tip[200];
            snprintf(tip, sizeof tip, "sort by %s: mean weight on %s.\nKeys: Ctrl+G or G: the next role",
                     ro->label, ro->keys);
            ui_tooltip(ui, b, tip);
        }
        if (cx->input && ui_clicked(ui, b, 0)) view_emit(out, ACT_ROLE_SET, k, 0, 0);
    }
    const char *lab = "thumbnails";
    int bw = ui_button_width(d, lab);
    SDL_Rect t = {r.x + r.w - bw, r.y, bw, side};
    if (t.x > r.x + ROLE_N_ROLES * (side + gap)) {
        if (ui_button(ui, d, t, lab, false) && cx->input) view_emit(out, ACT_ROLE_SET, -1, 0, 0);
        if (cx->input && ui_inside(ui, t))
            ui_tooltip(ui, t, "Back to the thumbnails and the predictions.\nKeys: Ctrl+G or G cycle");
    }
    return side;
}

void view_roles_frame(ViewCtx *cx, SDL_Rect r, RolesView *st, ViewOut *out) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    const ViewData *v = cx->v;
    Ui *ui = cx->ui;
    st->n_rows = 0;
    if (v->role < 0 || v->role >= ROLE_N_ROLES) return;
    const AtlasRole *ro = atlas_role((RoleKind)v->role);
    char s[256];
    snprintf(s, sizeof s, "Heads by %s", ro->label);
    SDL_Rect in = ui_panel(d, r, s);
    int fn = font_height(d->font, FONT_NORMAL), fs = font_height(d->font, FONT_SMALL);
    int y = in.y + view__role_buttons(cx, in, out) + draw_px(d, 6);
    const Roles *rs = v->roles;
    if (!rs || !v->tr) {
        draw_text_fit(d, FONT_SMALL, in.x, y, in.w, th->text_dim, "no scores yet: type some text");
        return;
    }
    if (rs->n_queries[v->role] == 0) {
        snprintf(s, sizeof s, "not measurable on this text: %s",
                 v->role == ROLE_INDUCTION || v->role == ROLE_DUPLICATE
                     ? "it needs a repeated token (type a sentence twice)"
                     : "too few tokens");
        y += view_text_wrapped(d, FONT_SMALL, in.x, y, in.w, th->text_dim, s);
        return;
    }
    snprintf(s, sizeof s, "mean weight on %s \xC2\xB7 uniform %.2f (the tick) \xC2\xB7 %d queries",
             ro->keys, rs->baseline[v->role], rs->n_queries[v->role]);
    y += view_text_wrapped(d, FONT_SMALL, in.x, y, in.w, th->text_dim, s) + draw_px(d, 4);

    int n = rs->n_layer * rs->n_head;
    int *ls = malloc(2 * (size_t)n * sizeof *ls);
    if (!ls) return;
    int *hs = ls + n;
    n = atlas_sorted(rs, (RoleKind)v->role, ls, hs, n);
    int row_h = fn + draw_px(d, 6), fit = (in.y + in.h - y) / row_h;
    if (fit > VIEW_ROLES_MAX_ROWS) fit = VIEW_ROLES_MAX_ROWS;
    if (fit < 0) fit = 0;
    SDL_Rect area = {in.x, y, in.w, fit * row_h};
    if (cx->input && ui->wheel && ui_inside(ui, area)) st->first -= ui->wheel;
    if (st->first > n - fit) st->first = n - fit;
    if (st->first < 0) st->first = 0;
    int name_w = font_width(d->font, FONT_NORMAL, "L00 H00") + draw_px(d, 8);
    int num_w = font_width(d->font, FONT_SMALL, "0.00") + draw_px(d, 8);
    int badge = fs + draw_px(d, 1);
    for (int i = 0; i < fit && st->first + i < n; i++) {
        int l = ls[st->first + i], h = hs[st->first + i];
        SDL_Rect row = {in.x, y, in.w, row_h - draw_px(d, 2)};
        bool sel = l == v->layer && h == v->head, hover = cx->input && ui_inside(ui, row);
        if (sel) draw_fill(d, row, draw_alpha(th->accent, 70));
        else if (hover) draw_fill(d, row, th->control_hi);
        snprintf(s, sizeof s, "L%d H%d", l, h);
        draw_text(d, FONT_NORMAL, row.x + draw_px(d, 4), row.y + (row.h - fn) / 2,
                  sel ? th->accent : th->text, s);
        SDL_Rect bar = {row.x + name_w, row.y + draw_px(d, 3),
                        row.w - name_w - num_w - badge - draw_px(d, 8), row.h - draw_px(d, 6)};
        float sc = roles_score(rs, (RoleKind)v->role, l, h);
        draw_fill(d, bar, th->control);
        if (!isnan(sc))
            draw_fill(d, (SDL_Rect){bar.x, bar.y, (int)lroundf(fminf(fmaxf(sc, 0.0f), 1.0f) *
                                                               (float)bar.w), bar.h},
                      draw_color(ro->color));
        int bx = bar.x + (int)lroundf(rs->baseline[v->role] * (float)bar.w);
        draw_line(d, bx, bar.y - draw_px(d, 2), bx, bar.y + bar.h + draw_px(d, 1), th->text);
        snprintf(s, sizeof s, isnan(sc) ? "\xE2\x80\x93" : "%.2f", sc);
        draw_text(d, FONT_SMALL, bar.x + bar.w + draw_px(d, 6), row.y + (row.h - fs) / 2, th->text, s);
        int dom = roles_dominant(rs, l, h);
        if (dom >= 0)
            atlas_badge(d, (SDL_Rect){row.x + row.w - 2 * badge - draw_px(d, 2),
                                      row.y + (row.h - badge) / 2 - draw_px(d, 1), 2 * badge,
                                      2 * badge}, (RoleKind)dom);
        st->rows[i] = row;
        st->layer[i] = l;
        st->head[i] = h;
        st->n_rows = i + 1;
        if (cx->input && ui_clicked(ui, row, 0)) view_emit(out, ACT_SELECT, l, h, 0);
        y += row_h;
    }
    free(ls);
}
