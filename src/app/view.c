/* view.c — the attention views; see view.h. */
#include "app/view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* head view                                                            */

void view_head_title(const ViewData *v, char *buf, size_t cap) {
    char desc[256];
    run_options_describe(v->ro, desc, sizeof desc);
    bool ablated = run_options_head_ablated(v->ro, v->layer, v->head);
    char kv[24] = ""; /* grouped-query attention: the KV head it reads */
    if (v->tr && v->tr->n_kv_head > 0 && v->tr->n_kv_head < v->tr->n_head)
        snprintf(kv, sizeof kv, " (kv %d)", trace_kv_head(v->tr, v->head));
    snprintf(buf, cap, "%s  \xC2\xB7  layer %d  \xC2\xB7  head %d%s%s  \xC2\xB7  %s",
             v->model_name ? v->model_name : "model", v->layer, v->head, kv,
             ablated ? " (ablated)" : "", desc);
}

int view_max_label_px(Draw *d, const ViewData *v) {
    int m = 0;
    for (int i = 0; v->tr && i < v->tr->n_tokens; i++) {
        int w = font_width(d->font, FONT_SMALL, view_label(v, i));
        if (w > m) m = w;
    }
    return m;
}

void view_head_layout(Draw *d, SDL_Rect r, int T, bool title, int label_px,
                      HeadLayout *hl) {
    memset(hl, 0, sizeof *hl);
    hl->T = T;
    int gap = draw_px(d, 6);
    int title_h = title ? font_height(d->font, FONT_TITLE) + draw_px(d, 8) : 0;
    hl->title = (SDL_Rect){r.x, r.y, r.w, title_h};
    int label_w = draw_px(d, 92), label_h = draw_px(d, 72);
    int need = label_px + draw_px(d, 10);
    if (label_px > 0 && need < label_w) label_w = need;
    if (label_px > 0 && need < label_h) label_h = need;
    int bar_w = draw_px(d, 12) + gap + font_width(d->font, FONT_SMALL, "0.00") + gap;
    int avail_w = r.w - label_w - gap - bar_w - gap;
    int avail_h = r.h - title_h - label_h - gap - font_height(d->font, FONT_SMALL) - gap;
    if (T <= 0 || avail_w < 8 || avail_h < 8) {
        hl->map = (SDL_Rect){r.x + label_w + gap, r.y + title_h + label_h + gap, 0, 0};
        return;
    }
    float cell = (float)(avail_w < avail_h ? avail_w : avail_h) / (float)T;
    float max_cell = (float)draw_px(d, 44);
    if (cell > max_cell) cell = max_cell;
    if (cell >= 3.0f) cell = floorf(cell); /* equal, crisp cells */
    int side = (int)floorf(cell * (float)T);
    hl->cell = cell;
    hl->map = (SDL_Rect){r.x + label_w + gap, r.y + title_h + label_h + gap, side, side};
    hl->rows = (SDL_Rect){r.x, hl->map.y, label_w, side};
    hl->cols = (SDL_Rect){hl->map.x, r.y + title_h, side, label_h};
    int bar_h = side > draw_px(d, 160) ? side : draw_px(d, 160);
    if (bar_h > avail_h) bar_h = avail_h;
    hl->bar = (SDL_Rect){hl->map.x + side + 2 * gap, hl->map.y, draw_px(d, 12), bar_h};
    int fh = font_height(d->font, FONT_SMALL);
    hl->step = (int)ceilf((float)fh * 0.95f / cell);
    if (hl->step < 1) hl->step = 1;
    hl->zoom = 1.0f;
    hl->n_q = hl->n_k = T;
}

void view_head_zoom(Draw *d, HeadLayout *hl, float zoom, int *off_q, int *off_k) {
    if (hl->T <= 0 || hl->cell <= 0) return;
    float max_zoom = (float)hl->T / 4.0f;
    if (zoom > max_zoom) zoom = max_zoom;
    if (zoom < 1.0f) zoom = 1.0f;
    float cell = hl->cell * zoom;
    int n = (int)ceilf((float)hl->map.w / cell - 1e-4f); /* visible, last partial */
    if (n > hl->T) n = hl->T;
    int full = (int)floorf((float)hl->map.w / cell + 1e-4f), max_off = hl->T - full;
    if (max_off < 0) max_off = 0;
    *off_q = *off_q < 0 ? 0 : *off_q > max_off ? max_off : *off_q;
    *off_k = *off_k < 0 ? 0 : *off_k > max_off ? max_off : *off_k;
    hl->zoom = zoom;
    hl->cell = cell;
    hl->off_q = *off_q;
    hl->off_k = *off_k;
    hl->n_q = hl->n_k = n;
    if (hl->off_q + n > hl->T) hl->n_q = hl->T - hl->off_q;
    if (hl->off_k + n > hl->T) hl->n_k = hl->T - hl->off_k;
    hl->step = (int)ceilf((float)font_height(d->font, FONT_SMALL) * 0.95f / cell);
    if (hl->step < 1) hl->step = 1;
}

int view_head_hit(const HeadLayout *hl, int x, int y, int *q, int *k) {
    if (hl->T <= 0 || hl->cell <= 0) return 0;
    const SDL_Rect *m = &hl->map;
    int col = hl->off_k + (int)floorf((float)(x - m->x) / hl->cell);
    int row = hl->off_q + (int)floorf((float)(y - m->y) / hl->cell);
    bool in_cols = x >= m->x && x < m->x + m->w;
    bool in_rows = y >= m->y && y < m->y + m->h;
    if (in_cols && in_rows && col < hl->T && row < hl->T) {
        *q = row;
        *k = col;
        return 1;
    }
    if (in_cols && col < hl->T && y >= hl->cols.y && y < m->y) {
        *k = col;
        return 2;
    }
    if (in_rows && row < hl->T && x >= hl->rows.x && x < m->x) {
        *q = row;
        return 3;
    }
    return 0;
}

/* Uploads the selected head's attention to d->head if it changed. */
static void view__upload_head(Draw *d, const ViewData *v) {
    int T = v->tr->n_tokens, pitch;
    uint64_t key[4] = {v->gen, (uint64_t)v->layer, (uint64_t)v->head,
                       (uint64_t)d->cmap + 1};
    uint32_t *px = draw_heat_begin(d, &d->head, T, T, key, &pitch);
    if (!px) return;
    const float *att = trace_att(v->tr, v->layer, v->head); // (query, key)
    for (int q = 0; q < T; q++)
        for (int k = 0; k < T; k++)
            px[q * pitch + k] = draw_lut(d, att[q * T + k]);
    draw_heat_unlock(&d->head);
}

void view_colorbar(Draw *d, SDL_Rect bar) {
    if (d->dry || bar.h <= 0) return;
    const Theme *th = &d->th;
    SDL_SetRenderDrawBlendMode(d->r, SDL_BLENDMODE_NONE);
    for (int y = 0; y < bar.h; y++) {
        float t = 1.0f - (float)y / (float)(bar.h > 1 ? bar.h - 1 : 1);
        uint32_t c = draw_lut(d, t);
        SDL_SetRenderDrawColor(d->r, (c >> 16) & 255, (c >> 8) & 255, c & 255, 255);
        SDL_RenderDrawLine(d->r, bar.x, bar.y + y, bar.x + bar.w - 1, bar.y + y);
    }
    draw_outline(d, bar, th->border, 1);
    int fh = font_height(d->font, FONT_SMALL);
    for (int i = 0; i <= 4; i++) {
        float t = (float)i / 4.0f;
        int y = bar.y + (int)lroundf((1.0f - t) * (float)(bar.h - 1));
        draw_line(d, bar.x + bar.w, y, bar.x + bar.w + draw_px(d, 3), y, th->text_dim);
        char s[16];
        snprintf(s, sizeof s, "%.2f", t);
        int ty = y - fh / 2;
        if (ty < bar.y - fh / 2) ty = bar.y - fh / 2;
        draw_text(d, FONT_SMALL, bar.x + bar.w + draw_px(d, 5), ty, th->text_dim, s);
    }
}

void view_head_draw(Draw *d, const HeadLayout *hl, const ViewData *v) {
    const Theme *th = &d->th;
    if (hl->title.h > 0) {
        char title[512];
        view_head_title(v, title, sizeof title);
        bool ablated = run_options_head_ablated(v->ro, v->layer, v->head);
        draw_text_fit(d, FONT_TITLE, hl->title.x, hl->title.y + draw_px(d, 2),
                      hl->title.w, ablated ? th->error : th->text, title);
    }
    if (!v->tr || hl->map.w <= 0) return;
    int T = v->tr->n_tokens;
    view__upload_head(d, v);
    /* the visible cells, (off_q.., off_k..), clipped to the map when zoomed */
    int nq = hl->n_q > 0 ? hl->n_q : T, nk = hl->n_k > 0 ? hl->n_k : T;
    bool zoomed = hl->zoom > 1.0f;
    if (zoomed && !d->dry) SDL_RenderSetClipRect(d->r, &hl->map);
    SDL_FRect dst = {(float)hl->map.x, (float)hl->map.y,
                     zoomed ? (float)nk * hl->cell : (float)hl->map.w,
                     zoomed ? (float)nq * hl->cell : (float)hl->map.h};
    draw_heat_blit(d, &d->head, (SDL_Rect){hl->off_k, hl->off_q, nk, nq}, dst);
    /* crosshair on the focused cell */
    if (v->q >= 0 && v->k >= 0 && v->q < T && v->k < T) {
        SDL_Color hair = draw_alpha(th->text, 70);
        int x = hl->map.x + (int)((float)(v->k - hl->off_k) * hl->cell);
        int y = hl->map.y + (int)((float)(v->q - hl->off_q) * hl->cell);
        int c = (int)ceilf(hl->cell);
        draw_outline(d, (SDL_Rect){hl->map.x, y, hl->map.w, c}, hair, 1);
        draw_outline(d, (SDL_Rect){x, hl->map.y, c, hl->map.h}, hair, 1);
        draw_outline(d, (SDL_Rect){x - 1, y - 1, c + 2, c + 2}, th->accent, 2);
    }
    if (zoomed && !d->dry) SDL_RenderSetClipRect(d->r, NULL);
    draw_outline(d, (SDL_Rect){hl->map.x - 1, hl->map.y - 1, hl->map.w + 2,
                               hl->map.h + 2}, zoomed ? th->accent : th->border, 1);
    if (run_options_head_ablated(v->ro, v->layer, v->head))
        draw_outline(d, (SDL_Rect){hl->map.x - 2, hl->map.y - 2, hl->map.w + 4,
                                   hl->map.h + 4}, th->error, 2);

    /* axis labels of the visible cells: keys rotated above, queries at the left */
    int fh = font_height(d->font, FONT_SMALL);
    for (int i = hl->off_k; i < hl->off_k + nk; i++) {
        bool focus_k = i == v->k;
        if (i % hl->step != 0 && !focus_k) continue;
        int cx = hl->map.x + (int)((float)(i - hl->off_k) * hl->cell + hl->cell / 2);
        if (cx >= hl->map.x + hl->map.w) continue;
        bool masked = run_options_key_masked(v->ro, i);
        SDL_Color kc = masked ? th->warn : focus_k ? th->accent : th->text_dim;
        draw_text_up(d, FONT_SMALL, cx, hl->map.y - draw_px(d, 4),
                     hl->cols.h - draw_px(d, 4), kc, view_label(v, i));
        if (masked)
            draw_fill(d, (SDL_Rect){cx - draw_px(d, 3), hl->map.y - draw_px(d, 3),
                                    draw_px(d, 6), draw_px(d, 2)}, th->warn);
    }
    for (int i = hl->off_q; i < hl->off_q + nq; i++) {
        bool focus_q = i == v->q;
        if (i % hl->step != 0 && !focus_q) continue;
        int cy = hl->map.y + (int)((float)(i - hl->off_q) * hl->cell + hl->cell / 2);
        if (cy >= hl->map.y + hl->map.h) continue;
        char buf[128];
        font_elide(d->font, FONT_SMALL, view_label(v, i), hl->rows.w - draw_px(d, 4), buf, sizeof buf);
        int w = font_width(d->font, FONT_SMALL, buf);
        draw_text(d, FONT_SMALL, hl->map.x - draw_px(d, 6) - w, cy - fh / 2,
                  focus_q ? th->accent : th->text_dim, buf);
    }
    static const char axes[] = "query \xE2\x86\x93  key \xE2\x86\x92";
    char under[160];
    if (zoomed)
        snprintf(under, sizeof under, "%s   zoom %.1f\xC3\x97 \xC2\xB7 rows %d\xE2\x80\x93%d, columns %d\xE2\x80\x93%d \xC2\xB7 0 resets",
                 axes, hl->zoom, hl->off_q, hl->off_q + nq - 1, hl->off_k, hl->off_k + nk - 1);
    else
        snprintf(under, sizeof under, "%s", axes);
    if (!zoomed && font_width(d->font, FONT_SMALL, axes) <= hl->rows.w)
        draw_text(d, FONT_SMALL, hl->rows.x, hl->cols.y, th->text_dim, axes);
    else /* no room in the corner (or zoom info): under the map */
        draw_text_fit(d, FONT_SMALL, hl->map.x, hl->map.y + hl->map.h + draw_px(d, 4),
                      hl->map.w + hl->bar.w + draw_px(d, 40), th->text_dim, under);
    view_colorbar(d, hl->bar);
}

/* ------------------------------------------------------------------ */
/* overview grid                                                        */

static bool view__grouped(int H, int KV) { return KV > 0 && KV < H && H % KV == 0; }

int view_grid_label_h(Draw *d, int H, int KV) {
    int row = font_height(d->font, FONT_SMALL) + draw_px(d, 2);
    return view__grouped(H, KV) ? 2 * row : row;
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
    int cw = (r.w - label_w - gl->avg_gap - H * gl->gap) / (H + 1);
    int ch = (r.h - label_h - (L - 1) * gl->gap) / L;
    gl->cell = cw < ch ? cw : ch;
    if (gl->cell > draw_px(d, 96)) gl->cell = draw_px(d, 96);
    if (gl->cell < 2) gl->cell = 2;
    gl->x0 = r.x + label_w;
    gl->y0 = r.y + label_h;
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

/* Thumbnails of every head plus the per-layer mean, max-pooled to at most
 * 64 cells a side so peaks stay visible, in one atlas texture. */
static int view__upload_grid(Draw *d, const ViewData *v) {
    const Trace *tr = v->tr;
    int T = tr->n_tokens, L = tr->n_layer, H = tr->n_head;
    int block = (T + 63) / 64, S = (T + block - 1) / block, pitch;
    uint64_t key[4] = {v->gen, (uint64_t)T, (uint64_t)d->cmap + 1, 7};
    uint32_t *px = draw_heat_begin(d, &d->grid, (H + 1) * S, L * S, key, &pitch);
    if (!px) return S;
    float *avg = calloc((size_t)T * T, sizeof *avg); // (query, key)
    for (int l = 0; l < L; l++) {
        if (avg) memset(avg, 0, (size_t)T * T * sizeof *avg);
        for (int h = 0; h <= H; h++) {
            const float *att = h < H ? trace_att(tr, l, h) : avg;
            if (!att) continue;
            if (h < H && avg)
                for (size_t i = 0; i < (size_t)T * T; i++) avg[i] += att[i] / (float)H;
            for (int sy = 0; sy < S; sy++)
                for (int sx = 0; sx < S; sx++) {
                    float m = 0.0f;
                    for (int q = sy * block; q < (sy + 1) * block && q < T; q++)
                        for (int k = sx * block; k < (sx + 1) * block && k < T; k++)
                            if (att[q * T + k] > m) m = att[q * T + k];
                    px[(l * S + sy) * pitch + h * S + sx] = draw_lut(d, m);
                }
        }
    }
    free(avg);
    draw_heat_unlock(&d->grid);
    return S;
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
    int S = 0;
    if (v->tr) S = view__upload_grid(d, v);
    for (int l = 0; l < gl->L; l++)
        for (int h = 0; h <= gl->H; h++) {
            SDL_Rect c = view_grid_cell(gl, l, h);
            if (S > 0 && d->grid.tex) {
                SDL_FRect dst = {(float)c.x, (float)c.y, (float)c.w, (float)c.h};
                draw_heat_blit(d, &d->grid, (SDL_Rect){h * S, l * S, S, S}, dst);
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
            if (l == v->layer && h == v->head)
                draw_outline(d, (SDL_Rect){c.x - 1, c.y - 1, c.w + 2, c.h + 2},
                             th->accent, draw_px(d, 2));
            else if (l == hover_layer && h == hover_head)
                draw_outline(d, c, th->text, 1);
        }
}

/* ------------------------------------------------------------------ */
/* vector view                                                          */

/* Row `row` of d->strips (n cells), scaled to r, outlined. */
static void view__strip(Draw *d, SDL_Rect r, int row, int n) {
    if (d->dry || n <= 0) return;
    draw_heat_blit(d, &d->strips, (SDL_Rect){0, row, n, 1},
                   (SDL_FRect){(float)r.x, (float)r.y, (float)r.w, (float)r.h});
    draw_outline(d, r, d->th.border, 1);
}

static uint32_t view__argb(Rgb c) {
    return 0xFF000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

static float view__maxabs(const float *x, int n) {
    float m = 0.0f;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > m) m = fabsf(x[i]);
    return m;
}

bool view_vectors_qk(const ViewData *v, const float **q, const float **k) {
    *q = *k = NULL;
    const Trace *tr = v->tr;
    if (!tr || v->q < 0 || v->k < 0 || v->q >= tr->n_tokens || v->k >= tr->n_tokens)
        return false;
    size_t D = (size_t)tr->d_head;
    *q = trace_q(tr, v->layer, v->head) + (size_t)v->q * D;
    *k = trace_k(tr, v->layer, v->head) + (size_t)v->k * D;
    if (!v->pre_rope || !tr->q_pre_rope || !tr->k_pre_rope) return false;
    *q = trace_q_pre_rope(tr, v->layer, v->head) + (size_t)v->q * D;
    *k = trace_k_pre_rope(tr, v->layer, v->head) + (size_t)v->k * D;
    return true;
}

void view_kv_group(const Trace *tr, int kv, char *buf, size_t cap) {
    size_t o = 0;
    buf[0] = '\0';
    for (int h = 0; h < tr->n_head && o < cap; h++)
        if (trace_kv_head(tr, h) == kv)
            o += (size_t)snprintf(buf + o, cap - o, "%sH%d", o ? ", " : "", h);
}

void view_vectors_draw(Draw *d, SDL_Rect r, const ViewData *v, VecLayout *vl) {
    const Theme *th = &d->th;
    int fh = font_height(d->font, FONT_SMALL), fn = font_height(d->font, FONT_NORMAL);
    if (vl) memset(vl, 0, sizeof *vl);
    if (!v->tr) return;
    const Trace *tr = v->tr;
    int T = tr->n_tokens, D = tr->d_head;
    if (v->q < 0 || v->k < 0 || v->q >= T || v->k >= T) {
        static const char *hint[] = {"Hover a cell of the head view", "to see how its weight is computed:",
                                     "q, k, q\xC2\xB7k, score, softmax, v."};
        for (int i = 0; i < 3; i++)
            draw_text_fit(d, FONT_NORMAL, r.x, r.y + i * fn, r.w, th->text_dim, hint[i]);
        return;
    }
    int q = v->q, k = v->k, L = v->layer, H = v->head;
    const float *qv, *kv;
    bool pre = view_vectors_qk(v, &qv, &kv);
    const float *vv = trace_v(tr, L, H);                    // (token, d_head)
    const float *out = trace_head_out(tr, L, H) + (size_t)q * D;
    const float *att = trace_att(tr, L, H) + (size_t)q * T; // (key)
    float raw = trace_raw(tr, L, H)[(size_t)q * T + k];
    float sc = trace_scores(tr, L, H)[(size_t)q * T + k];
    float *prod = malloc((size_t)D * sizeof *prod);
    if (!prod) return;
    double dot = 0.0;
    for (int i = 0; i < D; i++) {
        prod[i] = qv[i] * kv[i];
        dot += prod[i];
    }
    float qk_scale = fmaxf(view__maxabs(qv, D), view__maxabs(kv, D));
    float prod_scale = view__maxabs(prod, D);
    float vmax = fmaxf(view__maxabs(vv, T * D), view__maxabs(out, D));
    if (!d->dry) {
        /* every strip in one texture, uploaded when the focus or trace changes
           (one copy per strip instead of one rectangle per cell) */
        int pitch;
        uint64_t key[4] = {v->gen, (uint64_t)L << 32 | (uint64_t)H,
                           (uint64_t)q << 32 | (uint64_t)k,
                           (uint64_t)pre << 56 | (uint64_t)d->cmap << 32 |
                           (uint64_t)th->neutral.r << 16 | (uint64_t)th->neutral.g << 8 | th->neutral.b};
        uint32_t *px = draw_heat_begin(d, &d->strips, D > T ? D : T, 5, key, &pitch);
        if (px) {
            for (int i = 0; i < D; i++) {
                px[i] = view__argb(colormap_diverging(qk_scale > 0 ? qv[i] / qk_scale : 0, th->neutral));
                px[pitch + i] = view__argb(colormap_diverging(qk_scale > 0 ? kv[i] / qk_scale : 0, th->neutral));
                px[2 * pitch + i] = view__argb(colormap_diverging(prod_scale > 0 ? prod[i] / prod_scale : 0, th->neutral));
                px[3 * pitch + i] = view__argb(colormap_diverging(vmax > 0 ? out[i] / vmax : 0, th->neutral));
            }
            for (int j = 0; j < T; j++) px[4 * pitch + j] = draw_lut(d, att[j]);
            draw_heat_unlock(&d->strips);
        }
    }
    int lab_w = draw_px(d, 58), gap = draw_px(d, 5);
    int sx = r.x + lab_w, sw = r.w - lab_w, sh = draw_px(d, 14);
    int y = r.y;
    char s[256];
    snprintf(s, sizeof s, "query %d \"%s\"  \xE2\x86\x92  key %d \"%s\"", q, view_label(v, q),
             k, view_label(v, k));
    draw_text_fit(d, FONT_NORMAL, r.x, y, r.w, th->text, s);
    y += fn + gap / 2;
    if (tr->n_kv_head > 0 && tr->n_kv_head < tr->n_head) {
        /* grouped-query attention: k and v are not this head's own */
        char group[160];
        int kvh = trace_kv_head(tr, H);
        view_kv_group(tr, kvh, group, sizeof group);
        snprintf(s, sizeof s, "k, v from KV head %d \xE2\x80\x94 shared by %s", kvh, group);
        draw_text_fit(d, FONT_SMALL, r.x, y, r.w, th->text_dim, s);
        y += fh + gap / 2;
    }
    if (tr->q_pre_rope) {
        if (pre)
            snprintf(s, sizeof s, "q, k before RoPE: as projected, position not yet mixed in");
        else
            snprintf(s, sizeof s, "q, k after RoPE: rotated by position (what the score uses)");
        draw_text_fit(d, FONT_SMALL, r.x, y, r.w, pre ? th->warn : th->text_dim, s);
        y += fh + gap / 2;
    }
    y += gap / 2;
    static const char *names[3] = {"q", "k", "q\xE2\x8A\x99k"};
    for (int i = 0; i < 3; i++) {
        SDL_Rect strip = {sx, y, sw, sh};
        draw_text(d, FONT_SMALL, r.x, y + (sh - fh) / 2, th->text_dim, names[i]);
        view__strip(d, strip, i, D);
        if (vl) *(i == 0 ? &vl->q : i == 1 ? &vl->k : &vl->prod) = strip;
        y += sh + gap;
    }
    if (vl) vl->pre_rope = pre;
    snprintf(s, sizeof s, "d_head %d \xC2\xB7 blue < 0 < orange \xC2\xB7 |max| %.3g", D, qk_scale);
    draw_text_fit(d, FONT_SMALL, sx, y, sw, th->text_dim, s);
    y += fh + gap;
    if (pre) {
        snprintf(s, sizeof s, "before RoPE: q\xC2\xB7k = \xCE\xA3 q\xE2\x8A\x99k = %.4f", dot);
        draw_text_fit(d, FONT_NORMAL, r.x, y, r.w, th->warn, s);
        y += fn;
        snprintf(s, sizeof s, "after RoPE (used below): q\xC2\xB7k = %.4f", raw);
    } else {
        snprintf(s, sizeof s, "q\xC2\xB7k = \xCE\xA3 q\xE2\x8A\x99k = %.4f", raw);
    }
    draw_text_fit(d, FONT_NORMAL, r.x, y, r.w, th->text, s);
    y += fn;
    if (isinf(sc))
        snprintf(s, sizeof s, "score = masked (\xE2\x88\x92\xE2\x88\x9E): key not visible");
    else if (v->ro->scale == SCALE_NONE)
        snprintf(s, sizeof s, "score = q\xC2\xB7k (no scaling) = %.4f", sc);
    else if (v->ro->scale == SCALE_TEMP)
        snprintf(s, sizeof s, "score = q\xC2\xB7k / (\xE2\x88\x9A%d \xC3\x97 T=%.2f) = %.4f",
                 D, v->ro->temperature, sc);
    else
        snprintf(s, sizeof s, "score = q\xC2\xB7k / \xE2\x88\x9A%d = %.4f", D, sc);
    draw_text_fit(d, FONT_NORMAL, r.x, y, r.w, isinf(sc) ? th->warn : th->text, s);
    y += fn;
    snprintf(s, sizeof s, "softmax over keys: weight = %.4f", att[k]);
    draw_text_fit(d, FONT_NORMAL, r.x, y, r.w, th->text, s);
    y += fn + gap;

    /* the softmax row, one cell per key */
    draw_text(d, FONT_SMALL, r.x, y + (sh - fh) / 2, th->text_dim, "softmax");
    if (!d->dry) {
        float cw = (float)sw / (float)T;
        view__strip(d, (SDL_Rect){sx, y, sw, sh}, 4, T);
        int x0 = sx + (int)((float)k * cw);
        draw_outline(d, (SDL_Rect){x0 - 1, y - 1, (int)ceilf(cw) + 2, sh + 2}, th->accent, 2);
    }
    y += sh + gap * 2;

    /* v of every key, weighted sum = head output */
    int bottom = r.y + r.h - (sh + gap + fh + gap);
    int vh = bottom - y - fh - gap;
    snprintf(s, sizeof s, "v of each key (rows), bar = its weight");
    draw_text_fit(d, FONT_SMALL, r.x, y, r.w, th->text_dim, s);
    y += fh + gap / 2;
    if (vh > T) {
        float rh = (float)vh / (float)T;
        if (rh > (float)sh) rh = (float)sh;
        int bar_max = lab_w - draw_px(d, 8);
        /* every v as one texture, (key, d_head) cells, uploaded on change */
        int pitch;
        uint64_t key[4] = {v->gen, (uint64_t)L << 32 | (uint64_t)H, (uint64_t)q + 1,
                           (uint64_t)th->neutral.r << 16 | (uint64_t)th->neutral.g << 8 | th->neutral.b};
        uint32_t *px = d->dry ? NULL : draw_heat_begin(d, &d->vec, D, T, key, &pitch);
        if (px) {
            for (int j = 0; j < T; j++)
                for (int i = 0; i < D; i++) {
                    px[j * pitch + i] = view__argb(colormap_diverging(
                        vv[(size_t)j * D + i] / (vmax > 0 ? vmax : 1), th->neutral));
                }
            draw_heat_unlock(&d->vec);
        }
        draw_heat_blit(d, &d->vec, (SDL_Rect){0, 0, D, T},
                       (SDL_FRect){(float)sx, (float)y, (float)sw, rh * (float)T});
        for (int j = 0; j < T; j++) {
            int y0 = y + (int)((float)j * rh), y1 = y + (int)((float)(j + 1) * rh);
            SDL_Rect row = {sx, y0, sw, y1 - y0 > 0 ? y1 - y0 : 1};
            int bw = (int)lroundf(att[j] * (float)bar_max);
            draw_fill(d, (SDL_Rect){sx - draw_px(d, 4) - bw, row.y, bw, row.h > 2 ? row.h - 1 : row.h},
                      j == k ? th->accent : th->text_dim);
            if (j == k) draw_outline(d, row, th->accent, 1);
        }
        y += (int)((float)T * rh) + gap;
    } else {
        draw_text_fit(d, FONT_SMALL, sx, y, sw, th->text_dim, "(too many keys to show here)");
        y += fh + gap;
    }
    draw_text(d, FONT_SMALL, r.x, y + (sh - fh) / 2, th->text, "\xCE\xA3 w\xC2\xB7v");
    view__strip(d, (SDL_Rect){sx, y, sw, sh}, 3, D);
    y += sh + gap / 2;
    snprintf(s, sizeof s, "= head output at query %d (|max| %.3g)", q, vmax);
    draw_text_fit(d, FONT_SMALL, sx, y, sw, th->text_dim, s);
    free(prod);
}

/* ------------------------------------------------------------------ */
/* predictions                                                          */

void view_predictions_draw(Draw *d, SDL_Rect r, const ViewData *v, int pos) {
    const Theme *th = &d->th;
    if (!v->tr || pos < 0 || pos >= v->tr->n_tokens) return;
    const Trace *tr = v->tr;
    int fn = font_height(d->font, FONT_NORMAL), fh = font_height(d->font, FONT_SMALL);
    char s[256];
    snprintf(s, sizeof s, "after \"%s\" (position %d)", view_label(v, pos), pos);
    draw_text_fit(d, FONT_SMALL, r.x, r.y, r.w, th->text_dim, s);
    int y = r.y + fh + draw_px(d, 6);
    int n = tr->top_k; /* as many as fit */
    int lab_w = r.w * 2 / 5, row_h = fn + draw_px(d, 6);
    int foot = pos + 1 < tr->n_tokens ? fh + draw_px(d, 4) : 0; /* "actual next" line */
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

/* ------------------------------------------------------------------ */
/* token chips                                                          */

/* Chips from token `first` on (after a "N before" label when first > 0),
 * row by row, until r is full. *end gets the index after the last chip shown,
 * *row2 the first chip of the second row (-1: one row). Returns the height
 * used. Draws nothing when d->dry. */
static int view__chips_run(Draw *d, Ui *ui, SDL_Rect r, const ViewData *v, int first,
                           int *hover, int *clicked, int *end, int *row2) {
    const Theme *th = &d->th;
    int T = v->tr->n_tokens;
    int fh = font_height(d->font, FONT_SMALL);
    int ch = fh + draw_px(d, 6), gap = draw_px(d, 4), padx = draw_px(d, 5);
    int x = r.x, y = r.y;
    *end = T;
    *row2 = -1;
    if (first > 0) {
        char before[32];
        snprintf(before, sizeof before, "%d before \xE2\x80\xA6", first);
        x += draw_text(d, FONT_SMALL, x, y + (ch - fh) / 2, th->text_dim, before) + gap;
    }
    const float *row = NULL; /* the focused query's attention tints the keys */
    if (v->q >= 0 && v->q < T) row = trace_att(v->tr, v->layer, v->head) + (size_t)v->q * T;
    for (int i = first; i < T; i++) {
        char buf[128];
        font_elide(d->font, FONT_SMALL, view_label(v, i), draw_px(d, 110), buf, sizeof buf);
        int w = font_width(d->font, FONT_SMALL, buf) + 2 * padx;
        if (w < draw_px(d, 14)) w = draw_px(d, 14);
        /* the last row keeps room for "+N more" unless this chip is the last */
        char more[32];
        snprintf(more, sizeof more, "+%d more", T - i);
        bool last_row = y + 2 * ch + gap > r.y + r.h;
        int need = w + (i + 1 < T ? gap + font_width(d->font, FONT_SMALL, more) : 0);
        if (last_row && x + need > r.x + r.w && x > r.x) {
            draw_text(d, FONT_SMALL, x, y + (ch - fh) / 2, th->text_dim, more);
            *end = i;
            break;
        }
        if (x + w > r.x + r.w && x > r.x) {
            x = r.x;
            y += ch + gap;
            if (*row2 < 0) *row2 = i;
        }
        SDL_Rect c = {x, y, w, ch};
        bool masked = run_options_key_masked(v->ro, i);
        SDL_Color fill = th->control, fg = th->text;
        if (row) {
            uint32_t col = draw_lut(d, row[i]);
            fill = (SDL_Color){(col >> 16) & 255, (col >> 8) & 255, col & 255, 255};
            float lum = 0.299f * fill.r + 0.587f * fill.g + 0.114f * fill.b;
            fg = lum > 140 ? (SDL_Color){0, 0, 0, 255} : (SDL_Color){255, 255, 255, 255};
        }
        draw_fill(d, c, fill);
        if (ui_inside(ui, c)) {
            *hover = i;
            if (ui_clicked(ui, c, 0)) *clicked = i;
            draw_outline(d, c, th->text, 1);
        } else if (i == v->q) {
            draw_outline(d, c, th->accent, 2);
        } else {
            draw_outline(d, c, masked ? th->warn : th->border, 1);
        }
        draw_text(d, FONT_SMALL, x + padx, y + (ch - fh) / 2, masked ? th->warn : fg, buf);
        if (masked)
            draw_line(d, x + 2, y + ch / 2, x + w - 3, y + ch / 2, th->warn);
        x += w + gap;
    }
    return y + ch - r.y;
}

int view_chips(Draw *d, Ui *ui, SDL_Rect r, const ViewData *v, int *hover,
               int *clicked) {
    *hover = -1;
    *clicked = -1;
    if (!v->tr) return 0;
    int first = 0, end, row2;
    if (v->q >= 0 && v->q < v->tr->n_tokens) {
        /* too many chips for the rows: scroll by whole rows until the focused
           query's chip shows */
        Draw dm = *d;
        Ui um;
        memset(&um, 0, sizeof um);
        um.mx = um.my = -1;
        dm.dry = true;
        int h, c;
        for (;;) {
            view__chips_run(&dm, &um, r, v, first, &h, &c, &end, &row2);
            if (v->q < end || row2 <= first) break;
            first = row2;
        }
    }
    return view__chips_run(d, ui, r, v, first, hover, clicked, &end, &row2);
}

/* ------------------------------------------------------------------ */
/* text box                                                             */

/* Pixel width of te->buf[a..b) as displayed (control characters as spaces). */
static int view__span_w(Draw *d, const TextEdit *te, size_t a, size_t b) {
    if (b <= a) return 0;
    char *s = malloc(b - a + 1);
    if (!s) return 0;
    for (size_t i = a; i < b; i++) {
        char c = te->buf[i];
        s[i - a] = (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
    }
    s[b - a] = '\0';
    int w = font_width(d->font, FONT_NORMAL, s);
    free(s);
    return w;
}

static size_t view__next_char(const TextEdit *te, size_t p) {
    if (p >= te->len) return te->len;
    p++;
    while (p < te->len && ((unsigned char)te->buf[p] & 0xC0) == 0x80) p++;
    return p;
}

static bool view__is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The byte where a line that starts at a and may be w pixels wide should
 * end: after the last whole word that fits (its trailing spaces hang past
 * the edge), or mid-word when one word is wider than the line, or after a
 * newline. Words are measured one by one (kerning across a word boundary is
 * ignored: a pixel or two, inside the box's padding). */
static size_t view__line_end(Draw *d, const TextEdit *te, size_t a, int w) {
    /* candidate ends after each word, while the per-word estimate stays
       under w + 1/8 (rounding drifts a few pixels per word); then a binary
       search with exact widths of the whole line */
    size_t cand[256];
    int n = 0, x = 0;
    size_t p = a;
    bool newline = false;
    while (n < 256 && p < te->len) {
        if (te->buf[p] == '\n') { newline = true; break; }
        size_t q = p;
        while (q < te->len && view__is_space(te->buf[q])) q++;
        while (q < te->len && !view__is_space(te->buf[q]) && te->buf[q] != '\n') q++;
        x += view__span_w(d, te, p, q);
        if (x > w + w / 8) break;
        cand[n++] = p = q;
    }
    int lo = 0, hi = n - 1, best = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (view__span_w(d, te, a, cand[mid]) <= w) { best = mid; lo = mid + 1; }
        else hi = mid - 1;
    }
    if (best >= 0) {
        size_t e = cand[best];
        if (best == n - 1 && (e >= te->len || newline)) /* everything up to the end fits */
            return e < te->len ? e + 1 : e;
        while (e < te->len && view__is_space(te->buf[e])) e++; /* spaces hang */
        if (e < te->len && te->buf[e] == '\n') e++;
        return e;
    }
    if (a < te->len && te->buf[a] == '\n') return a + 1;
    /* one word wider than the line: as many characters as fit (at least one) */
    size_t e = view__next_char(te, a);
    while (e < te->len && te->buf[e] != '\n') {
        size_t nx = view__next_char(te, e);
        if (view__span_w(d, te, a, nx) > w) break;
        e = nx;
    }
    return e;
}

int view_text_wrap(Draw *d, const TextEdit *te, int w, size_t *starts, int cap) {
    int n = 0;
    size_t a = 0;
    starts[n++] = 0;
    while (n < cap) {
        size_t e = view__line_end(d, te, a, w);
        if (e >= te->len) {
            /* a caret after a final newline sits on a line of its own */
            if (te->len > 0 && te->buf[te->len - 1] == '\n' && e > a) starts[n++] = te->len;
            break;
        }
        starts[n++] = a = e;
    }
    return n;
}

/* The line of `lines` (n of them) that holds byte pos. */
static int view__line_of(const size_t *starts, int n, size_t pos) {
    int i = 0;
    while (i + 1 < n && starts[i + 1] <= pos) i++;
    return i;
}

/* End of line i without its newline. */
static size_t view__line_stop(const TextEdit *te, const size_t *starts, int n, int i) {
    size_t e = i + 1 < n ? starts[i + 1] : te->len;
    if (e > starts[i] && te->buf[e - 1] == '\n') e--;
    return e;
}

/* The character boundary on line i nearest to x pixels from its start. */
static size_t view__pos_at_x(Draw *d, const TextEdit *te, const size_t *starts, int n,
                             int i, int x) {
    size_t a = starts[i], stop = view__line_stop(te, starts, n, i);
    /* a wrapped (not hard-broken) line ends where the next begins: keep the
       caret before the break so it stays on this line */
    if (i + 1 < n && stop == starts[i + 1] && stop > a) {
        size_t p = a, last = a;
        while (p < stop) { last = p; p = view__next_char(te, p); }
        stop = last;
    }
    size_t best = a;
    for (size_t p = a; p < stop;) {
        size_t q = view__next_char(te, p);
        int mid = (view__span_w(d, te, a, p) + view__span_w(d, te, a, q)) / 2;
        if (mid > x) break;
        best = q;
        p = q;
    }
    return best;
}

int view_textbox_height(Draw *d, const TextEdit *te, int w, int max_lines) {
    size_t starts[VIEW_TEXT_MAX_LINES];
    int inner = w - 2 * draw_px(d, 8);
    int n = view_text_wrap(d, te, inner, starts, VIEW_TEXT_MAX_LINES);
    if (n > max_lines) n = max_lines;
    return n * font_height(d->font, FONT_NORMAL) + draw_px(d, 14);
}

size_t view_textbox_vertical(Draw *d, const TextEdit *te, int w, int dir) {
    size_t starts[VIEW_TEXT_MAX_LINES];
    int inner = w - 2 * draw_px(d, 8);
    int n = view_text_wrap(d, te, inner, starts, VIEW_TEXT_MAX_LINES);
    int i = view__line_of(starts, n, te->cursor), j = i + dir;
    if (j < 0) return 0;
    if (j >= n) return te->len;
    int x = view__span_w(d, te, starts[i], te->cursor);
    return view__pos_at_x(d, te, starts, n, j, x);
}

bool view_textbox(Draw *d, Ui *ui, SDL_Rect r, TextEdit *te, bool focused,
                  size_t *first) {
    const Theme *th = &d->th;
    int pad = draw_px(d, 8), fn = font_height(d->font, FONT_NORMAL);
    int inner = r.w - 2 * pad;
    draw_fill(d, r, focused ? th->bg : th->panel);
    draw_outline(d, r, focused ? th->accent : th->border, focused ? 2 : 1);
    size_t starts[VIEW_TEXT_MAX_LINES];
    int n = view_text_wrap(d, te, inner, starts, VIEW_TEXT_MAX_LINES);
    int vis = (r.h - draw_px(d, 14)) / fn;
    if (vis < 1) vis = 1;
    /* scroll whole lines so the caret's line is visible */
    int top = view__line_of(starts, n, *first > te->len ? 0 : *first);
    int cl = view__line_of(starts, n, te->cursor);
    if (cl < top) top = cl;
    if (cl >= top + vis) top = cl - vis + 1;
    if (top > n - vis) top = n - vis > 0 ? n - vis : 0;
    *first = starts[top];
    int y0 = r.y + (r.h - (n - top < vis ? n - top : vis) * fn) / 2;
    if (n - top >= vis) y0 = r.y + (r.h - vis * fn) / 2;
    bool clicked = ui_clicked(ui, r, 0);
    if (clicked) {
        int li = top + (ui->my - y0) / fn;
        if (ui->my < y0) li = top;
        if (li >= n) li = n - 1;
        if (li >= top + vis) li = top + vis - 1;
        textedit_set_cursor(te, view__pos_at_x(d, te, starts, n, li, ui->mx - (r.x + pad)),
                            ui->shift);
        cl = view__line_of(starts, n, te->cursor);
    }
    if (te->len == 0 && !focused) {
        draw_text(d, FONT_NORMAL, r.x + pad, y0, th->text_dim, "Click here and type some text\xE2\x80\xA6");
        return clicked;
    }
    size_t sa = 0, sb = 0;
    if (focused && textedit_has_selection(te)) textedit_selection(te, &sa, &sb);
    for (int i = top; i < n && i < top + vis; i++) {
        size_t a = starts[i], e = view__line_stop(te, starts, n, i);
        int y = y0 + (i - top) * fn;
        if (sb > sa && sb > a && sa < (i + 1 < n ? starts[i + 1] : te->len + 1)) {
            size_t s0 = sa > a ? sa : a, s1 = sb < e ? sb : e;
            int x0 = view__span_w(d, te, a, s0), x1 = view__span_w(d, te, a, s1);
            if (s1 < sb && i + 1 < n) x1 += draw_px(d, 4); /* selection goes on */
            if (x1 > inner) x1 = inner;
            if (x1 > x0)
                draw_fill(d, (SDL_Rect){r.x + pad + x0, y, x1 - x0, fn}, draw_alpha(th->accent, 90));
        }
        if (e > a) {
            char *line = malloc(e - a + 1);
            if (line) {
                for (size_t b = a; b < e; b++) {
                    char c = te->buf[b];
                    line[b - a] = (c == '\t' || c == '\r') ? ' ' : c;
                }
                line[e - a] = '\0';
                draw_text(d, FONT_NORMAL, r.x + pad, y, th->text, line);
                free(line);
            }
        }
    }
    if (focused && cl >= top && cl < top + vis) {
        int cx = r.x + pad + view__span_w(d, te, starts[cl], te->cursor);
        draw_fill(d, (SDL_Rect){cx, y0 + (cl - top) * fn, draw_px(d, 2), fn}, th->accent);
    }
    if (n > vis) { /* more lines than shown: a thin scroll bar */
        int bh = r.h - 2 * draw_px(d, 3), th_h = bh * vis / n;
        int ty = r.y + draw_px(d, 3) + (bh - th_h) * top / (n - vis);
        draw_fill(d, (SDL_Rect){r.x + r.w - draw_px(d, 5), ty, draw_px(d, 3), th_h},
                  draw_alpha(th->text_dim, 160));
    }
    return clicked;
}
