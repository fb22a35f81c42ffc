/* view_grid.c — the overview grid; see view_grid.h. */
#include "app/view_grid.h"

#include "app/atlas.h"
#include "app/lod.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* overview grid                                                        */

static bool view__grouped(int H, int KV) { return KV > 0 && KV < H && H % KV == 0; }

int view_grid_label_h(Draw *d, int H, int KV) {
    int row = font_height(d->font, FONT_SMALL) + draw_px(d, 2);
    return view__grouped(H, KV) ? 2 * row : row;
}

/* What the role colours mean for role k, with the uniform baseline b (the
 * role list says what the score sums). */
static void view__role_caption(RoleKind k, float b, char *s, size_t cap) {
    snprintf(s, cap, "cells: %s score, on the heatmap scale \xC2\xB7 uniform %.2f",
             atlas_role(k)->label, b);
}

/* The legend from (x, y) in width w: the badges' (no role chosen), or what
 * the role colours mean. Returns its height; v NULL measures the taller of
 * the two (the longest caption). */
static int view__legend(Draw *d, const ViewData *v, int x, int y, int w) {
    char s[256];
    if (!v) {
        int most = atlas_legend(d, x, y, w);
        for (int k = 0; k < ROLE_N_ROLES; k++) {
            view__role_caption((RoleKind)k, 0.0f, s, sizeof s);
            int hk = view_text_wrapped(d, FONT_SMALL, x, y, w, d->th.text, s);
            if (hk > most) most = hk;
        }
        return most;
    }
    if (view_act_off(v, ACT_ROLE_TOGGLE)) return 0; /* no roles in this mode: no badges */
    if (v->role < 0 || !v->roles) return atlas_legend(d, x, y, w);
    view__role_caption((RoleKind)v->role, v->roles->baseline[v->role], s, sizeof s);
    return view_text_wrapped(d, FONT_SMALL, x, y, w, d->th.text_dim, s);
}

int view_grid_legend_h(Draw *d, int w) {
    Draw dry = {.r = d->r, .font = d->font, .s = d->s, .dry = true};
    return view__legend(&dry, NULL, 0, 0, w) + draw_px(d, 6);
}

void view_grid_layout(Draw *d, SDL_Rect r, int L, int H, int KV, GridLayout *gl) {
    memset(gl, 0, sizeof *gl);
    gl->area = r;
    gl->L = L;
    gl->H = H;
    gl->KV = KV;
    if (L <= 0 || H <= 0) return;
    int label_w = font_width(d->font, FONT_SMALL, "L00") + draw_px(d, 6);
    int label_h = view_grid_label_h(d, H, KV);
    gl->kv_y = r.y + font_height(d->font, FONT_SMALL) + draw_px(d, 2);
    gl->gap = draw_px(d, 3);
    gl->avg_gap = draw_px(d, 8);
    gl->legend_w = r.w;
    gl->legend_h = view_grid_legend_h(d, r.w);
    int cw = (r.w - label_w - gl->avg_gap - H * gl->gap) / (H + 1);
    int ch = (r.h - label_h - gl->legend_h - (L - 1) * gl->gap) / L;
    gl->cell = cw < ch ? cw : ch;
    if (gl->cell > draw_px(d, 96)) gl->cell = draw_px(d, 96);
    if (gl->cell < 2) gl->cell = 2;
    gl->x0 = r.x + label_w;
    gl->y0 = r.y + label_h;
    gl->legend_y = gl->y0 + L * (gl->cell + gl->gap) + draw_px(d, 4);
}

void view_grid_narrow_legend(Draw *d, GridLayout *gl) {
    if (gl->L <= 0) return;
    SDL_Rect last = view_grid_cell(gl, 0, gl->H);
    gl->legend_w = last.x + last.w - gl->area.x;
    gl->legend_h = view_grid_legend_h(d, gl->legend_w);
}

SDL_Rect view_grid_cell(const GridLayout *gl, int layer, int head) {
    int x = gl->x0 + head * (gl->cell + gl->gap) + (head == gl->H ? gl->avg_gap : 0);
    int y = gl->y0 + layer * (gl->cell + gl->gap);
    return (SDL_Rect){x, y, gl->cell, gl->cell};
}

bool view_grid_hit(const GridLayout *gl, int x, int y, int *layer, int *head) {
    for (int l = 0; l < gl->L; l++)
        for (int h = 0; h <= gl->H; h++) {
            SDL_Rect c = view_grid_cell(gl, l, h);
            if (x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h) {
                *layer = l;
                *head = h;
                return true;
            }
        }
    return false;
}

/* dst[i] += s * src[i] for i < n, in chunks of 8 with restrict pointers so
 * the compiler vectorizes it at -O2 (the layer mean of a 1024-token grid). */
static void view__add_scaled(float *restrict dst, const float *restrict src, size_t n, float s) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) dst[i + j] += src[i + j] * s;
    for (; i < n; i++) dst[i] += src[i] * s;
}

/* Thumbnails of every head plus the per-layer mean in one atlas texture,
 * max-pooled (lod.h) to at most px cells a side (the thumbnail's pixels) so
 * a sharp diagonal stays visible at 1024 tokens. A thumbnail is *sq rows x
 * *sk columns (rectangular for cross-attention; drawn into a square cell).
 * The texture is the cache: it is rebuilt only when the trace, its size,
 * the colormap or the thumbnail size change. Returns *sq. */
static int view__upload_grid(Draw *d, const ViewData *v, int px, int *sk) {
    const Trace *tr = v->tr;
    int T = tr->n_tokens, K = trace_n_keys(tr), L = tr->n_layer, H = tr->n_head, pitch;
    int Sq = lod_blocks(T, px), Sk = lod_blocks(K, px);
    *sk = Sk;
    uint64_t key[4] = {v->gen, (uint64_t)T << 32 | (uint64_t)K, (uint64_t)d->cmap + 1,
                       (uint64_t)Sq << 32 | (uint64_t)Sk};
    uint32_t *out = draw_heat_begin(d, &d->grid, (H + 1) * Sk, L * Sq, key, &pitch);
    if (!out) return Sq;
    size_t n = (size_t)T * K, nb = (size_t)Sq * Sk;
    float *avg = malloc(n * sizeof *avg);        // (query, key)
    float *pool = malloc(nb * sizeof *pool);     // (Sq, Sk)
    uint8_t *vis = malloc(n), *bvis = malloc(nb); // (query, key), (Sq, Sk)
    bool ok = avg && pool && vis && bvis;
    if (ok) {
        const float inv_h = 1.0f / (float)H;
        for (int l = 0; ok && l < L; l++) {
            /* the mask is the same for every head of a layer, and of every
               layer unless the trace stores its scores (trace_visible); a
               masked cell's weight is 0, so the heads pool without it */
            if (l == 0 || tr->scores) {
                for (int q = 0; q < T; q++)
                    for (int k = 0; k < K; k++) vis[(size_t)q * K + k] = trace_visible(tr, l, 0, q, k);
                lod_pool_any(vis, (size_t)K, T, K, Sq, Sk, bvis);
            }
            for (int h = 0; h <= H; h++) {
                const float *att = h < H ? trace_att(tr, l, h) : avg;
                if (h == 0) memset(avg, 0, n * sizeof *avg);
                if (h < H) view__add_scaled(avg, att, n, inv_h);
                if (lod_pool_max(att, (size_t)K, T, K, NULL, 0.0f, Sq, Sk, pool) != 0) {
                    ok = false;
                    break;
                }
                for (int sy = 0; sy < Sq; sy++)
                    for (int sx = 0; sx < Sk; sx++) {
                        size_t i = (size_t)sy * Sk + sx;
                        out[(l * Sq + sy) * pitch + h * Sk + sx] = bvis[i] ? draw_lut(d, pool[i]) : d->masked;
                    }
            }
        }
    }
    for (int y = 0; !ok && y < L * Sq; y++) /* out of memory: grey, not stale cells */
        for (int x = 0; x < (H + 1) * Sk; x++) out[y * pitch + x] = d->masked;
    free(avg);
    free(pool);
    free(vis);
    free(bvis);
    draw_heat_unlock(&d->grid);
    return Sq;
}

/* Cell c of head (l, h) coloured by the chosen role's score (h == H: the
 * layer's mean), with the number when it fits. */
static void view__role_cell(Draw *d, SDL_Rect c, const ViewData *v, int l, int h) {
    const Roles *r = v->roles;
    float s = 0.0f;
    if (h < r->n_head) {
        s = roles_score(r, (RoleKind)v->role, l, h);
    } else {
        for (int i = 0; i < r->n_head; i++) s += roles_score(r, (RoleKind)v->role, l, i);
        s /= (float)r->n_head;
    }
    if (isnan(s)) {
        draw_fill(d, c, d->th.control);
        draw_text_center(d, FONT_SMALL, c, d->th.text_dim, "\xE2\x80\x93");
        return;
    }
    SDL_Color f = atlas_score_color(d, s);
    draw_fill(d, c, f);
    char num[16];
    snprintf(num, sizeof num, "%.2f", s);
    if (font_width(d->font, FONT_SMALL, num) + draw_px(d, 4) > c.w) {
        /* ".53", as in papers; no number rather than a cut one */
        if (s >= 0.995f || font_width(d->font, FONT_SMALL, num + 1) + draw_px(d, 4) > c.w) return;
        memmove(num, num + 1, strlen(num));
    }
    /* dark digits on light colours, light on dark */
    bool light = 0.299f * f.r + 0.587f * f.g + 0.114f * f.b > 140.0f;
    draw_text_center(d, FONT_SMALL, c, light ? (SDL_Color){15, 15, 20, 255}
                                             : (SDL_Color){245, 245, 245, 255}, num);
}

void view_grid_draw(Draw *d, const GridLayout *gl, const ViewData *v,
                    int hover_layer, int hover_head) {
    const Theme *th = &d->th;
    if (gl->L <= 0) return;
    int fh = font_height(d->font, FONT_SMALL);
    char s[32];
    for (int h = 0; h <= gl->H; h++) {
        SDL_Rect c = view_grid_cell(gl, 0, h);
        if (h < gl->H) snprintf(s, sizeof s, "H%d", h);
        else snprintf(s, sizeof s, "avg");
        draw_text_center(d, FONT_SMALL, (SDL_Rect){c.x - gl->gap, gl->area.y,
                         c.w + 2 * gl->gap, fh}, h == v->head ? th->accent : th->text_dim, s);
    }
    if (view__grouped(gl->H, gl->KV)) {
        /* grouped-query attention: one bracket per KV head over the query
           heads that read it, |--- kv0 ---| */
        int gs = gl->H / gl->KV, tick = fh / 2, ym = gl->kv_y + fh / 2;
        int sel_kv = v->head >= 0 && v->head < gl->H ? v->head / gs : -1;
        for (int g = 0; g < gl->KV; g++) {
            SDL_Rect a = view_grid_cell(gl, 0, g * gs), b = view_grid_cell(gl, 0, g * gs + gs - 1);
            int x0 = a.x + draw_px(d, 1), x1 = b.x + b.w - 1 - draw_px(d, 1);
            SDL_Color c = g == sel_kv ? th->accent : th->text_dim;
            snprintf(s, sizeof s, "kv%d", g);
            int tw = font_width(d->font, FONT_SMALL, s), m = (x0 + x1) / 2;
            int room = x1 - x0 - 2 * draw_px(d, 3);
            if (room < tw) {
                snprintf(s, sizeof s, "%d", g);
                tw = font_width(d->font, FONT_SMALL, s);
            }
            draw_line(d, x0, ym, x0, ym + tick, c);
            draw_line(d, x1, ym, x1, ym + tick, c);
            if (room >= tw) {
                int gap = draw_px(d, 3);
                draw_line(d, x0, ym, m - tw / 2 - gap, ym, c);
                draw_line(d, m + tw - tw / 2 + gap, ym, x1, ym, c);
                draw_text(d, FONT_SMALL, m - tw / 2, gl->kv_y, c, s);
            } else {
                draw_line(d, x0, ym, x1, ym, c);
            }
        }
    }
    for (int l = 0; l < gl->L; l++) {
        SDL_Rect c = view_grid_cell(gl, l, 0);
        snprintf(s, sizeof s, "L%d", l);
        draw_text(d, FONT_SMALL, gl->area.x, c.y + (c.h - fh) / 2,
                  l == v->layer ? th->accent : th->text_dim, s);
    }
    int S = 0, Sk = 0;
    bool by_role = v->role >= 0 && v->roles;
    if (v->tr && !by_role) S = view__upload_grid(d, v, gl->cell, &Sk);
    for (int l = 0; l < gl->L; l++)
        for (int h = 0; h <= gl->H; h++) {
            SDL_Rect c = view_grid_cell(gl, l, h);
            if (by_role) {
                view__role_cell(d, c, v, l, h);
            } else if (S > 0 && d->grid.tex) {
                SDL_FRect dst = {(float)c.x, (float)c.y, (float)c.w, (float)c.h};
                draw_heat_blit(d, &d->grid, (SDL_Rect){h * Sk, l * S, Sk, S}, dst);
            } else {
                draw_fill(d, c, th->control);
            }
            draw_outline(d, (SDL_Rect){c.x - 1, c.y - 1, c.w + 2, c.h + 2}, th->border, 1);
            bool ablated = h < gl->H && run_options_head_ablated(v->ro, l, h);
            if (ablated) {
                draw_fill(d, c, draw_alpha(th->bg, 150));
                draw_line(d, c.x, c.y, c.x + c.w - 1, c.y + c.h - 1, th->error);
                draw_line(d, c.x + c.w - 1, c.y, c.x, c.y + c.h - 1, th->error);
                draw_line(d, c.x + 1, c.y, c.x + c.w - 1, c.y + c.h - 2, th->error);
                draw_line(d, c.x + c.w - 2, c.y, c.x, c.y + c.h - 2, th->error);
                draw_outline(d, c, th->error, 1);
            }
            if (v->roles && !by_role && h < gl->H) {
                int k = roles_dominant(v->roles, l, h);
                if (k >= 0) atlas_badge(d, c, (RoleKind)k);
            }
            if (l == v->layer && h == v->head)
                draw_outline(d, (SDL_Rect){c.x - 1, c.y - 1, c.w + 2, c.h + 2},
                             th->accent, draw_px(d, 2));
            else if (l == hover_layer && h == hover_head)
                draw_outline(d, c, th->text, 1);
        }
    view__legend(d, v, gl->area.x, gl->legend_y, gl->legend_w);
}

/* ------------------------------------------------------------------ */
/* in the window                                                        */

static const char view__grid_title[] = "Heads  (right-click: ablate)",
    view__role_label[] = "by role",
    view__role_tip[] = "Colour each head by a role score instead of its thumbnail,\n"
                       "and list the heads by that role (in place of the predictions).\n"
                       "Keys: Ctrl+G (any time) or G: the next role, then thumbnails";

int view_grid_place(ViewCtx *cx, SDL_Rect r, GridView *gv) {
    Draw *d = cx->d;
    const ViewData *v = cx->v;
    gv->panel = r;
    SDL_Rect in = ui_panel(&(Draw){.r = d->r, .font = d->font, .s = d->s, .dry = true},
                           r, view__grid_title);
    int bw = ui_button_width(d, view__role_label), pad = draw_px(d, 8);
    int bh = font_height(d->font, FONT_NORMAL) + draw_px(d, 4);
    gv->role_button = (SDL_Rect){r.x + r.w - pad - bw, r.y + draw_px(d, 3), bw, bh};
    if (v->n_layer == 0 || view_act_off(v, ACT_ROLE_TOGGLE)) gv->role_button.w = 0;
    view_grid_layout(d, in, v->n_layer, v->n_head, v->n_kv_head, &gv->layout);
    const GridLayout *gl = &gv->layout;
    if (gl->L <= 0) return r.h;
    return gl->legend_y + gl->legend_h + draw_px(d, 4) - r.y;
}

void view_grid_input(ViewCtx *cx, GridView *gv, ViewOut *out) {
    const ViewData *v = cx->v;
    Ui *ui = cx->ui;
    int l, h;
    gv->hover_layer = gv->hover_head = -1;
    if (cx->input && gv->role_button.w > 0 && ui_clicked(ui, gv->role_button, 0))
        view_emit(out, ACT_ROLE_TOGGLE, 0, 0, 0);
    if (!cx->input || v->n_layer == 0 || !view_grid_hit(&gv->layout, ui->mx, ui->my, &l, &h))
        return;
    gv->hover_layer = l;
    gv->hover_head = h;
    if (h < v->n_head) {
        if (ui->pressed[0]) view_emit(out, ACT_SELECT, l, h, 0);
        if (ui->pressed[2]) view_emit(out, ACT_ABLATE, l, h, 0);
    }
}

/* "\nprev-token 0.61 (uniform 0.11)" for head (l, h): its dominant role,
 * or the chosen one when the grid is coloured by a role. */
static void view__role_tip_line(const ViewData *v, int l, int h, char *s, size_t cap) {
    int k = v->role >= 0 ? v->role : roles_dominant(v->roles, l, h);
    if (k < 0) {
        snprintf(s, cap, "\nno clear role on this text");
        return;
    }
    snprintf(s, cap, "\n%s%s %.2f (uniform %.2f)", v->role >= 0 ? "" : "role: ",
             atlas_role((RoleKind)k)->label, roles_score(v->roles, (RoleKind)k, l, h),
             v->roles->baseline[k]);
}

void view_grid_frame(ViewCtx *cx, GridView *gv) {
    Draw *d = cx->d;
    const ViewData *v = cx->v;
    ui_panel(d, gv->panel, " ");
    SDL_Rect rb = gv->role_button;
    int pad = draw_px(d, 8);
    draw_text_fit(d, FONT_TITLE, gv->panel.x + pad, gv->panel.y + pad / 2 + 1,
                  (rb.w > 0 ? rb.x : gv->panel.x + gv->panel.w) - gv->panel.x - 2 * pad,
                  d->th.text, view__grid_title);
    if (rb.w > 0) {
        ui_button(cx->ui, d, rb, view__role_label, v->role >= 0);
        if (cx->input && ui_inside(cx->ui, rb)) ui_tooltip(cx->ui, rb, view__role_tip);
    }
    view_grid_draw(d, &gv->layout, v, gv->hover_layer, gv->hover_head);
    int l = gv->hover_layer, h = gv->hover_head;
    if (l < 0 || v->n_layer == 0) return;
    const RunOptions *ro = v->ro_next ? v->ro_next : v->ro;
    char tip[512], kv[200] = "";
    if (v->n_kv_head > 0 && v->n_kv_head < v->n_head && h < v->n_head && v->tr) {
        char group[160];
        int g = trace_kv_head(v->tr, h);
        view_kv_group(v->tr, g, group, sizeof group);
        snprintf(kv, sizeof kv, "\nreads k, v of KV head %d (shared by %s)", g, group);
    }
    if (h < v->n_head) {
        bool abl = run_options_head_ablated(ro, l, h);
        char role[200] = "";
        if (v->roles && v->tr) view__role_tip_line(v, l, h, role, sizeof role);
        snprintf(tip, sizeof tip, "layer %d head %d%s%s%s\nclick: select \xC2\xB7 right-click: %s",
                 l, h, abl ? " (ablated)" : "", kv, role, abl ? "restore" : "ablate");
    } else {
        snprintf(tip, sizeof tip, "layer %d: mean of its %d heads", l, v->n_head);
    }
    ui_tooltip(cx->ui, gv->panel, tip);
}
