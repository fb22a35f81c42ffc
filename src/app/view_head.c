/* view_head.c — the head view; see view_head.h. */
#include "app/view_head.h"
#include "app/view_segment.h"
#include "app/lod.h"

#include <stdlib.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* layout, camera, hit test, drawing (shared with export)               */

void view_head_title(const ViewData *v, char *buf, size_t cap) {
    char desc[256];
    run_options_describe(v->ro, desc, sizeof desc);
    bool ablated = run_options_head_ablated(v->ro, v->layer, v->head);
    char kv[24] = ""; /* grouped-query attention: the KV head it reads */
    if (v->tr && v->tr->n_kv_head > 0 && v->tr->n_kv_head < v->tr->n_head)
        snprintf(kv, sizeof kv, " (kv %d)", trace_kv_head(v->tr, v->head));
    char kind[40] = ""; /* encoder-decoder: which attention */
    if (v->kind) snprintf(kind, sizeof kind, "  \xC2\xB7  %s", v->kind);
    char pairs[40] = ""; /* a sentence pair's filter (view_segment.h) */
    if (v->seg_filter != SEG_ALL && view_segment_pair(v))
        snprintf(pairs, sizeof pairs, "  \xC2\xB7  pairs %s", view_segment_filter_name(v->seg_filter));
    snprintf(buf, cap, "%s%s  \xC2\xB7  layer %d  \xC2\xB7  head %d%s%s  \xC2\xB7  %s%s",
             v->model_name ? v->model_name : "model", kind, v->layer, v->head, kv,
             ablated ? " (ablated)" : "", desc, pairs);
}

void view_head_layout(Draw *d, SDL_Rect r, int rows, int cols, bool title, int label_px,
                      HeadLayout *hl) {
    memset(hl, 0, sizeof *hl);
    hl->rows = rows;
    hl->cols = cols;
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
    if (rows <= 0 || cols <= 0 || avail_w < 8 || avail_h < 8) {
        hl->map = (SDL_Rect){r.x + label_w + gap, r.y + title_h + label_h + gap, 0, 0};
        return;
    }
    float cw = (float)avail_w / (float)cols, ch = (float)avail_h / (float)rows;
    float cell = cw < ch ? cw : ch;
    float max_cell = (float)draw_px(d, 44);
    if (cell > max_cell) cell = max_cell;
    if (cell >= 3.0f) cell = floorf(cell); /* equal, crisp cells */
    int w = (int)floorf(cell * (float)cols), h = (int)floorf(cell * (float)rows);
    hl->cell = cell;
    hl->map = (SDL_Rect){r.x + label_w + gap, r.y + title_h + label_h + gap, w, h};
    hl->rows_r = (SDL_Rect){r.x, hl->map.y, label_w, h};
    hl->cols_r = (SDL_Rect){hl->map.x, r.y + title_h, w, label_h};
    int bar_h = h > draw_px(d, 160) ? h : draw_px(d, 160);
    if (bar_h > avail_h) bar_h = avail_h;
    hl->bar = (SDL_Rect){hl->map.x + w + 2 * gap, hl->map.y, draw_px(d, 12), bar_h};
    int fh = font_height(d->font, FONT_SMALL);
    hl->step = (int)ceilf((float)fh * 0.95f / cell);
    if (hl->step < 1) hl->step = 1;
    hl->zoom = 1.0f;
    hl->n_q = rows;
    hl->n_k = cols;
}

/* How many cells of n fit in px at cell size (the last partial), and the
 * largest first index that keeps the map full. */
static int view__fit(int px, float cell, int n, int *max_off) {
    int vis = (int)ceilf((float)px / cell - 1e-4f);
    int full = (int)floorf((float)px / cell + 1e-4f);
    *max_off = n - full > 0 ? n - full : 0;
    return vis < n ? vis : n;
}

void view_head_zoom(Draw *d, HeadLayout *hl, float zoom, int *off_q, int *off_k) {
    if (hl->rows <= 0 || hl->cols <= 0 || hl->cell <= 0) return;
    float max_zoom = (float)(hl->rows > hl->cols ? hl->rows : hl->cols) / 4.0f;
    if (zoom > max_zoom) zoom = max_zoom;
    if (zoom < 1.0f) zoom = 1.0f;
    float cell = hl->cell * zoom;
    int max_q, max_k;
    int nq = view__fit(hl->map.h, cell, hl->rows, &max_q);
    int nk = view__fit(hl->map.w, cell, hl->cols, &max_k);
    *off_q = *off_q < 0 ? 0 : *off_q > max_q ? max_q : *off_q;
    *off_k = *off_k < 0 ? 0 : *off_k > max_k ? max_k : *off_k;
    hl->zoom = zoom;
    hl->cell = cell;
    hl->off_q = *off_q;
    hl->off_k = *off_k;
    hl->n_q = hl->off_q + nq > hl->rows ? hl->rows - hl->off_q : nq;
    hl->n_k = hl->off_k + nk > hl->cols ? hl->cols - hl->off_k : nk;
    hl->step = (int)ceilf((float)font_height(d->font, FONT_SMALL) * 0.95f / cell);
    if (hl->step < 1) hl->step = 1;
}

int view_head_hit(const HeadLayout *hl, int x, int y, int *q, int *k) {
    if (hl->rows <= 0 || hl->cols <= 0 || hl->cell <= 0) return 0;
    const SDL_Rect *m = &hl->map;
    int col = hl->off_k + (int)floorf((float)(x - m->x) / hl->cell);
    int row = hl->off_q + (int)floorf((float)(y - m->y) / hl->cell);
    bool in_cols = x >= m->x && x < m->x + m->w;
    bool in_rows = y >= m->y && y < m->y + m->h;
    if (in_cols && in_rows && col < hl->cols && row < hl->rows) {
        *q = row;
        *k = col;
        return 1;
    }
    if (in_cols && col < hl->cols && y >= hl->cols_r.y && y < m->y) {
        *k = col;
        return 2;
    }
    if (in_rows && row < hl->rows && x >= hl->rows_r.x && x < m->x) {
        *q = row;
        return 3;
    }
    return 0;
}

/* The focused head's colours from a weight (the max of a pooled block):
 * hidden by the pair filter (shown < 0 while some cell is visible), masked
 * (no visible cell) or the colormap. */
static uint32_t view__pooled_argb(Draw *d, float shown, float visible, uint32_t filtered) {
    if (shown >= 0.0f) return draw_lut(d, shown);
    return visible >= 0.0f ? filtered : d->masked;
}

/* Uploads the selected head's attention to d->head if it changed. */
static void view__upload_head(Draw *d, const ViewData *v) {
    int T = v->tr->n_tokens, S = trace_n_keys(v->tr), pitch;
    uint64_t key[4] = {v->gen, (uint64_t)v->layer, (uint64_t)v->head,
                       ((uint64_t)d->cmap + 1) | (uint64_t)v->seg_filter << 8 |
                       (uint64_t)d->th.panel.r << 16};
    uint32_t *px = draw_heat_begin(d, &d->head, S, T, key, &pitch);
    if (!px) return;
    const float *att = trace_att(v->tr, v->layer, v->head); // (query T, key S)
    const float *sc = trace_scores(v->tr, v->layer, v->head); // (query, key), -inf masked
    bool filter = v->seg_filter != SEG_ALL && view_segment_pair(v);
    uint32_t filtered = view_segment_filtered_argb(d);
    for (int q = 0; q < T; q++)
        for (int k = 0; k < S; k++)
            px[q * pitch + k] = filter && !view_segment_shown(v, q, k)
                                    ? filtered : draw_cell(d, sc[q * S + k], att[q * S + k]);
    draw_heat_unlock(&d->head);
}

/* Uploads to d->head_lod the window of nq rows from off_q and nk columns
 * from off_k of the selected head, max-pooled to oh x ow blocks (lod.h).
 * Rebuilt only when the trace, head, colours, window or size change, so a
 * frame that only moves the mouse blits the texture as it is. */
static void view__upload_head_lod(Draw *d, const ViewData *v, int off_q, int off_k, int nq,
                                  int nk, int oh, int ow) {
    int S = trace_n_keys(v->tr), pitch;
    uint64_t key[4] = {v->gen, (uint64_t)v->layer << 32 | (uint64_t)v->head,
                       ((uint64_t)d->cmap + 1) | (uint64_t)v->seg_filter << 8 |
                       (uint64_t)d->th.panel.r << 16 | (uint64_t)oh << 24 | (uint64_t)ow << 44,
                       (uint64_t)off_q << 48 | (uint64_t)off_k << 32 | (uint64_t)nq << 16 |
                       (uint64_t)nk};
    uint32_t *px = draw_heat_begin(d, &d->head_lod, ow, oh, key, &pitch);
    if (!px) return;
    size_t n = (size_t)nq * S; /* the masks have the trace's row stride */
    const float *att = trace_att(v->tr, v->layer, v->head) + (size_t)off_q * S + off_k; // (nq, nk), stride S
    const float *sc = trace_scores(v->tr, v->layer, v->head) + (size_t)off_q * S + off_k; // -inf masked
    bool filter = v->seg_filter != SEG_ALL && view_segment_pair(v);
    uint8_t *vis = malloc(n), *shown = filter ? malloc(n) : vis; // (nq, nk), stride S
    float *pool = malloc((size_t)oh * ow * 2 * sizeof *pool);   // (2, oh, ow)
    bool ok = vis && shown && pool;
    if (ok) {
        for (int q = 0; q < nq; q++)
            for (int k = 0; k < nk; k++) {
                size_t i = (size_t)q * S + k;
                vis[i] = sc[i] != -INFINITY;
                if (filter) shown[i] = vis[i] && view_segment_shown(v, off_q + q, off_k + k);
            }
        float *p_shown = pool, *p_vis = pool + (size_t)oh * ow; // (oh, ow) each
        ok = lod_pool_max(att, (size_t)S, nq, nk, shown, -1.0f, oh, ow, p_shown) == 0 &&
             (!filter || lod_pool_max(att, (size_t)S, nq, nk, vis, -1.0f, oh, ow, p_vis) == 0);
        uint32_t filtered = view_segment_filtered_argb(d);
        for (int y = 0; ok && y < oh; y++)
            for (int x = 0; x < ow; x++) {
                size_t i = (size_t)y * ow + x;
                px[y * pitch + x] = view__pooled_argb(d, p_shown[i], filter ? p_vis[i] : p_shown[i],
                                                      filtered);
            }
    }
    for (int y = 0; !ok && y < oh; y++) /* out of memory: grey, not stale cells */
        for (int x = 0; x < ow; x++) px[y * pitch + x] = d->masked;
    if (filter) free(shown);
    free(vis);
    free(pool);
    draw_heat_unlock(&d->head_lod);
}

/* Key label i above the map, rotated (focus: in the accent colour). */
static void view__key_label(Draw *d, const HeadLayout *hl, const ViewData *v, int i, bool focus) {
    const Theme *th = &d->th;
    int cx = hl->map.x + (int)((float)(i - hl->off_k) * hl->cell + hl->cell / 2);
    if (cx >= hl->map.x + hl->map.w) return;
    bool masked = run_options_key_masked(v->ro, i);
    SDL_Color kc = masked ? th->warn : focus ? th->accent
                 : view_segment_word_masked(v, i) ? view_segment_mask_color(d)
                 : view_segment_pair(v) ? view_segment_color(d, view_segment_of(v, i)) : th->text_dim;
    draw_text_up(d, FONT_SMALL, cx, hl->map.y - draw_px(d, 4),
                 hl->cols_r.h - draw_px(d, 4), kc, view_key_label(v, i));
    if (masked)
        draw_fill(d, (SDL_Rect){cx - draw_px(d, 3), hl->map.y - draw_px(d, 3),
                                draw_px(d, 6), draw_px(d, 2)}, th->warn);
}

/* Query label i left of the map, elided to the margin. */
static void view__query_label(Draw *d, const HeadLayout *hl, const ViewData *v, int i, bool focus) {
    const Theme *th = &d->th;
    int fh = font_height(d->font, FONT_SMALL);
    int cy = hl->map.y + (int)((float)(i - hl->off_q) * hl->cell + hl->cell / 2);
    if (cy >= hl->map.y + hl->map.h) return;
    char buf[128];
    font_elide(d->font, FONT_SMALL, view_label(v, i), hl->rows_r.w - draw_px(d, 4), buf, sizeof buf);
    int w = font_width(d->font, FONT_SMALL, buf);
    SDL_Color qc = focus ? th->accent
                 : view_segment_word_masked(v, i) ? view_segment_mask_color(d)
                 : view_segment_pair(v) ? view_segment_color(d, view_segment_of(v, i)) : th->text_dim;
    draw_text(d, FONT_SMALL, hl->map.x - draw_px(d, 6) - w, cy - fh / 2, qc, buf);
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
    int T = v->tr->n_tokens, S = trace_n_keys(v->tr);
    /* the visible cells, (off_q.., off_k..), clipped to the map when zoomed */
    int nq = hl->n_q > 0 ? hl->n_q : T, nk = hl->n_k > 0 ? hl->n_k : S;
    bool zoomed = hl->zoom > 1.0f;
    if (zoomed && !d->dry) SDL_RenderSetClipRect(d->r, &hl->map);
    SDL_FRect dst = {(float)hl->map.x, (float)hl->map.y,
                     zoomed ? (float)nk * hl->cell : (float)hl->map.w,
                     zoomed ? (float)nq * hl->cell : (float)hl->map.h};
    /* more cells than pixels: the window max-pooled to the pixels (lod.h),
       else the cells themselves, scaled up with nearest sampling */
    int oh = lod_blocks(nq, (int)dst.h), ow = lod_blocks(nk, (int)dst.w);
    if (oh < nq || ow < nk) {
        view__upload_head_lod(d, v, hl->off_q, hl->off_k, nq, nk, oh, ow);
        draw_heat_blit(d, &d->head_lod, (SDL_Rect){0, 0, ow, oh}, dst);
    } else {
        view__upload_head(d, v);
        draw_heat_blit(d, &d->head, (SDL_Rect){hl->off_k, hl->off_q, nk, nq}, dst);
    }
    /* crosshair on the focused cell */
    if (v->q >= 0 && v->k >= 0 && v->q < T && v->k < S) {
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

    /* axis labels of the visible cells: keys rotated above, queries at the left;
       a sentence pair colours them by segment, with a stripe along each axis */
    bool pair = view_segment_pair(v);
    if (pair) { /* one stripe per run of a segment, not one per token */
        int sw = draw_px(d, 3);
        for (int i = hl->off_q, j; i < hl->off_q + nq; i = j) {
            for (j = i + 1; j < hl->off_q + nq && view_segment_of(v, j) == view_segment_of(v, i);) j++;
            int a = hl->map.y + (int)((float)(i - hl->off_q) * hl->cell);
            int b = hl->map.y + (int)((float)(j - hl->off_q) * hl->cell);
            if (b > hl->map.y + hl->map.h) b = hl->map.y + hl->map.h;
            draw_fill(d, (SDL_Rect){hl->map.x - sw - draw_px(d, 1), a, sw, b - a},
                      view_segment_color(d, view_segment_of(v, i)));
        }
        for (int i = hl->off_k, j; i < hl->off_k + nk; i = j) {
            for (j = i + 1; j < hl->off_k + nk && view_segment_of(v, j) == view_segment_of(v, i);) j++;
            int a = hl->map.x + (int)((float)(i - hl->off_k) * hl->cell);
            int b = hl->map.x + (int)((float)(j - hl->off_k) * hl->cell);
            if (b > hl->map.x + hl->map.w) b = hl->map.x + hl->map.w;
            draw_fill(d, (SDL_Rect){a, hl->map.y + hl->map.h + draw_px(d, 1), b - a, sw},
                      view_segment_color(d, view_segment_of(v, i)));
        }
    }
    /* labels are virtualised: only every step-th of the visible window (the
       ones that fit) and the focused one, whose neighbours closer than a
       label's height give way to it; a 1024-token axis visits ~40 */
    int focus_k = v->k >= hl->off_k && v->k < hl->off_k + nk ? v->k : -1;
    int focus_q = v->q >= hl->off_q && v->q < hl->off_q + nq ? v->q : -1;
    for (int i = (hl->off_k + hl->step - 1) / hl->step * hl->step; i < hl->off_k + nk; i += hl->step)
        if (focus_k < 0 || i == focus_k || abs(i - focus_k) >= hl->step) view__key_label(d, hl, v, i, false);
    if (focus_k >= 0) view__key_label(d, hl, v, focus_k, true);
    for (int i = (hl->off_q + hl->step - 1) / hl->step * hl->step; i < hl->off_q + nq; i += hl->step)
        if (focus_q < 0 || i == focus_q || abs(i - focus_q) >= hl->step) view__query_label(d, hl, v, i, false);
    if (focus_q >= 0) view__query_label(d, hl, v, focus_q, true);
    static const char axes[] = "query \xE2\x86\x93  key \xE2\x86\x92";
    char under[160];
    if (zoomed)
        snprintf(under, sizeof under, "%s   zoom %.1f\xC3\x97 \xC2\xB7 rows %d\xE2\x80\x93%d, columns %d\xE2\x80\x93%d \xC2\xB7 0 resets",
                 axes, hl->zoom, hl->off_q, hl->off_q + nq - 1, hl->off_k, hl->off_k + nk - 1);
    else
        snprintf(under, sizeof under, "%s", axes);
    if (!zoomed && font_width(d->font, FONT_SMALL, axes) <= hl->rows_r.w)
        draw_text(d, FONT_SMALL, hl->rows_r.x, hl->cols_r.y, th->text_dim, axes);
    else /* no room in the corner (or zoom info): under the map */
        draw_text_fit(d, FONT_SMALL, hl->map.x, hl->map.y + hl->map.h + draw_px(d, 4),
                      hl->map.w + hl->bar.w + draw_px(d, 40), th->text_dim, under);
    view_colorbar(d, hl->bar);
}

/* ------------------------------------------------------------------ */
/* in the window                                                        */

/* The wheel zooms around the cell under the cursor, a right-drag pans. */
static void view__head_camera(ViewCtx *cx, HeadView *hv) {
    Ui *ui = cx->ui;
    HeadLayout *hl = &hv->layout;
    HeadCam *cam = &hv->cam;
    const SDL_Rect *m = &hl->map;
    bool over = cx->input && hl->rows > 0 && ui->mx >= m->x && ui->mx < m->x + m->w &&
                ui->my >= m->y && ui->my < m->y + m->h;
    HeadLayout base = *hl;
    view_head_zoom(cx->d, hl, cam->zoom, &cam->off_q, &cam->off_k);
    if (hl->rows > 0 && hl->cell > 0) cam->zoom = hl->zoom; /* keys zoom past the clamp */
    if (over && ui->wheel != 0) {
        /* the point under the cursor, in cells, stays under the cursor */
        float fx = (float)(ui->mx - m->x) / hl->cell, fy = (float)(ui->my - m->y) / hl->cell;
        float wk = (float)hl->off_k + fx, wq = (float)hl->off_q + fy;
        float z = cam->zoom * powf(1.25f, (float)ui->wheel);
        *hl = base;
        int oq = 0, ok = 0;
        view_head_zoom(cx->d, hl, z, &oq, &ok); /* clamps z */
        cam->zoom = hl->zoom;
        cam->off_k = (int)lroundf(wk - (float)(ui->mx - m->x) / hl->cell);
        cam->off_q = (int)lroundf(wq - (float)(ui->my - m->y) / hl->cell);
        *hl = base;
        view_head_zoom(cx->d, hl, cam->zoom, &cam->off_q, &cam->off_k);
    }
    if (over && ui->pressed[2] && hl->zoom > 1.0f) {
        cam->pan_active = true;
        cam->pan_mx = ui->mx;
        cam->pan_my = ui->my;
        cam->pan_q0 = cam->off_q;
        cam->pan_k0 = cam->off_k;
    }
    if (cam->pan_active && !ui->down[2]) cam->pan_active = false;
    if (cam->pan_active) {
        int oq = cam->pan_q0 - (int)lroundf((float)(ui->my - cam->pan_my) / hl->cell);
        int ok = cam->pan_k0 - (int)lroundf((float)(ui->mx - cam->pan_mx) / hl->cell);
        if (oq != cam->off_q || ok != cam->off_k) {
            cam->off_q = oq;
            cam->off_k = ok;
            *hl = base;
            view_head_zoom(cx->d, hl, cam->zoom, &cam->off_q, &cam->off_k);
        }
    }
}

void view_head_input(ViewCtx *cx, SDL_Rect r, HeadView *hv, ViewOut *out) {
    const ViewData *v = cx->v;
    Ui *ui = cx->ui;
    hv->panel = r;
    SDL_Rect in = ui_panel(&(Draw){.r = cx->d->r, .font = cx->d->font, .s = cx->d->s,
                                   .dry = true}, r, "x");
    view_head_layout(cx->d, in, v->tr ? v->tr->n_tokens : 0, v->tr ? trace_n_keys(v->tr) : 0, true,
                     hv->label_px, &hv->layout);
    view__head_camera(cx, hv);
    int q = -1, k = -1;
    hv->hit = (cx->input && v->tr) ? view_head_hit(&hv->layout, ui->mx, ui->my, &q, &k) : 0;
    hv->hit_q = q;
    hv->hit_k = k;
    view_emit(out, ACT_HOVER, hv->hit == 1 ? q : -1, hv->hit == 1 ? k : -1, 0);
    if (hv->hit == 1 && ui->pressed[0]) view_emit(out, ACT_PIN, q, k, 0);
    if (hv->hit == 2 && ui->pressed[0]) view_emit(out, ACT_MASK_KEY, k, 0, 0);
    if (hv->hit == 3 && ui->pressed[0] && v->encoder) view_emit(out, ACT_WORD_MASK, q, 0, 0);
}

void view_head_frame(ViewCtx *cx, HeadView *hv) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    const ViewData *v = cx->v;
    SDL_Rect in = ui_panel(d, hv->panel, "");
    if (v->n_layer == 0) {
        /* one message, with the way out; nothing else is drawn here */
        int y = in.y + draw_px(d, 8);
        y += view_text_wrapped(d, FONT_TITLE, in.x, y, in.w, th->text, "No model loaded");
        y += draw_px(d, 8);
        if (v->model_error && v->model_error[0])
            y += view_text_wrapped(d, FONT_NORMAL, in.x, y, in.w, th->error, v->model_error) +
                 draw_px(d, 8);
        view_text_wrapped(d, FONT_NORMAL, in.x, y, in.w, th->text,
                          "To fix it: press Ctrl+O and type a model folder (Hugging Face GPT-2, "
                          "Llama or BERT) or a llama2.c .bin, or drop one on this window. The text "
                          "you typed is kept.");
        return;
    } else if (!v->tr) {
        draw_text_fit(d, FONT_NORMAL, in.x, in.y, in.w, th->text_dim,
                      v->has_text ? "Running the model\xE2\x80\xA6"
                                          : "Type some text to see attention.");
    }
    view_head_draw(d, &hv->layout, v);
    int hq = hv->hit_q, hk = hv->hit_k;
    if (hv->hit == 1) {
        const Trace *tr = v->tr;
        int S = trace_n_keys(tr);
        float sc = trace_scores(tr, v->layer, v->head)[hq * S + hk];
        char tip[512], scs[32];
        if (isinf(sc)) snprintf(scs, sizeof scs, "masked (-inf)");
        else snprintf(scs, sizeof scs, "%.4f", sc);
        snprintf(tip, sizeof tip, "query %d \"%s\" \xE2\x86\x92 key %d \"%s\"\nweight %.4f\n"
                 "raw score q\xC2\xB7k %.4f\nscaled score %s", hq, view_label(v, hq), hk,
                 view_key_label(v, hk), trace_att(tr, v->layer, v->head)[hq * S + hk],
                 trace_raw(tr, v->layer, v->head)[hq * S + hk], scs);
        ui_tooltip(cx->ui, hv->layout.map, tip);
    } else if (hv->hit == 2) {
        char tip[256];
        snprintf(tip, sizeof tip, "key %d \"%s\"\nclick to %s it for every query", hk,
                 view_key_label(v, hk), run_options_key_masked(v->ro, hk) ? "unmask" : "mask");
        ui_tooltip(cx->ui, hv->layout.cols_r, tip);
    } else if (hv->hit == 3 && v->encoder) {
        char tip[256];
        bool wm = view_segment_word_masked(v, hq);
        snprintf(tip, sizeof tip, "query %d \"%s\"\nclick to %s", hq, view_label(v, hq),
                 wm ? "run the typed word again" : "run it as [MASK] (fill-in predictions)");
        ui_tooltip(cx->ui, hv->layout.rows_r, tip);
    }
}
