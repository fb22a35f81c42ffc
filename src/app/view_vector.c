/* view_vector.c — the vector view; see view_vector.h. */
#include "app/view_vector.h"
#include "app/lod.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Row `row` of d->strips (n cells), scaled to r, outlined. */
static void view__strip(Draw *d, SDL_Rect r, int row, int n) {
    if (d->dry || n <= 0) return;
    draw_heat_blit(d, &d->strips, (SDL_Rect){0, row, n, 1},
                   (SDL_FRect){(float)r.x, (float)r.y, (float)r.w, (float)r.h});
    draw_outline(d, r, d->th.border, 1);
}

static float view__maxabs(const float *x, int n) {
    float m = 0.0f;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > m) m = fabsf(x[i]);
    return m;
}

void view_vectors_output_note(const ViewData *v, float vmax, char *buf, size_t cap) {
    if (run_options_head_ablated(v->ro, v->layer, v->head))
        snprintf(buf, cap, "ablated: the model uses 0 as this head's output at query %d, "
                 "not this sum", v->q);
    else
        snprintf(buf, cap, "= head output at query %d (|max| %.3g)", v->q, vmax);
}

bool view_vectors_qk(const ViewData *v, const float **q, const float **k) {
    *q = *k = NULL;
    const Trace *tr = v->tr;
    if (!tr || v->q < 0 || v->k < 0 || v->q >= tr->n_tokens || v->k >= trace_n_keys(tr))
        return false;
    size_t D = (size_t)tr->d_head;
    *q = trace_q(tr, v->layer, v->head) + (size_t)v->q * D;
    *k = trace_k(tr, v->layer, v->head) + (size_t)v->k * D;
    if (!v->pre_rope || !tr->q_pre_rope || !tr->k_pre_rope) return false;
    *q = trace_q_pre_rope(tr, v->layer, v->head) + (size_t)v->q * D;
    *k = trace_k_pre_rope(tr, v->layer, v->head) + (size_t)v->k * D;
    return true;
}


void view_vectors_draw(Draw *d, SDL_Rect r, const ViewData *v, VecLayout *vl) {
    const Theme *th = &d->th;
    int fh = font_height(d->font, FONT_SMALL), fn = font_height(d->font, FONT_NORMAL);
    if (vl) memset(vl, 0, sizeof *vl);
    if (!v->tr) return;
    const Trace *tr = v->tr;
    int T = trace_n_keys(tr), D = tr->d_head; /* T keys (columns) */
    if (v->q < 0 || v->k < 0 || v->q >= tr->n_tokens || v->k >= T) {
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
    float *prod = malloc(2 * (size_t)D * sizeof *prod);
    if (!prod) return;
    bool ablated = run_options_head_ablated(v->ro, L, H);
    if (ablated) {
        /* the trace holds 0 for an ablated head's output: show the sum the
           strip is labelled with, sum_j w_j v_j, and say the model used 0 */
        float *sum = prod + D;
        for (int i = 0; i < D; i++) sum[i] = 0.0f;
        for (int j = 0; j < T; j++)
            for (int i = 0; i < D; i++) sum[i] += att[j] * vv[(size_t)j * D + i];
        out = sum;
    }
    double dot = 0.0;
    for (int i = 0; i < D; i++) {
        prod[i] = qv[i] * kv[i];
        dot += prod[i];
    }
    float qk_scale = fmaxf(view__maxabs(qv, D), view__maxabs(kv, D));
    float prod_scale = view__maxabs(prod, D);
    float vmax = fmaxf(view__maxabs(vv, T * D), view__maxabs(out, D));
    int lab_w = draw_px(d, 58), gap = draw_px(d, 5);
    int sx = r.x + lab_w, sw = r.w - lab_w, sh = draw_px(d, 14);
    /* the softmax row in at most sw cells: max-pooled past that (lod.h), so
       a sharp weight among 1024 keys still shows */
    int n_soft = lod_blocks(T, sw);
    if (!d->dry) {
        /* every strip in one texture, uploaded when the focus or trace changes
           (one copy per strip instead of one rectangle per cell) */
        int pitch;
        uint64_t key[4] = {v->gen, (uint64_t)L << 32 | (uint64_t)H,
                           (uint64_t)q << 32 | (uint64_t)k,
                           (uint64_t)pre << 56 | (uint64_t)n_soft << 40 | (uint64_t)d->cmap << 32 |
                           (uint64_t)th->neutral.r << 16 | (uint64_t)th->neutral.g << 8 | th->neutral.b};
        uint32_t *px = draw_heat_begin(d, &d->strips, D > n_soft ? D : n_soft, 5, key, &pitch);
        if (px) {
            for (int i = 0; i < D; i++) {
                px[i] = view_argb(colormap_diverging(qk_scale > 0 ? qv[i] / qk_scale : 0, th->neutral));
                px[pitch + i] = view_argb(colormap_diverging(qk_scale > 0 ? kv[i] / qk_scale : 0, th->neutral));
                px[2 * pitch + i] = view_argb(colormap_diverging(prod_scale > 0 ? prod[i] / prod_scale : 0, th->neutral));
                px[3 * pitch + i] = view_argb(colormap_diverging(vmax > 0 ? out[i] / vmax : 0, th->neutral));
            }
            const float *srow = trace_scores(tr, L, H) + (size_t)q * T;
            uint8_t *vis = n_soft < T ? malloc((size_t)T) : NULL;
            float *pool = n_soft < T ? malloc((size_t)n_soft * sizeof *pool) : NULL;
            if (vis && pool) {
                for (int j = 0; j < T; j++) vis[j] = srow[j] != -INFINITY;
                if (lod_pool_max(att, (size_t)T, 1, T, vis, -1.0f, 1, n_soft, pool) != 0)
                    for (int j = 0; j < n_soft; j++) pool[j] = -1.0f;
                for (int j = 0; j < n_soft; j++)
                    px[4 * pitch + j] = pool[j] < 0.0f ? d->masked : draw_lut(d, pool[j]);
            } else { /* every key has its cell (or out of memory: grey) */
                for (int j = 0; j < n_soft; j++)
                    px[4 * pitch + j] = n_soft == T ? draw_cell(d, srow[j], att[j]) : d->masked;
            }
            free(vis);
            free(pool);
            draw_heat_unlock(&d->strips);
        }
    }
    int y = r.y;
    char s[256];
    snprintf(s, sizeof s, "query %d \"%s\"  \xE2\x86\x92  key %d \"%s\"", q, view_label(v, q),
             k, view_key_label(v, k));
    draw_text_fit(d, FONT_NORMAL, r.x, y, r.w, th->text, s);
    y += fn + gap / 2;
    if (v->kind && !strcmp(v->kind, "cross")) {
        /* cross-attention: the two sides come from the two stacks */
        draw_text_fit(d, FONT_SMALL, r.x, y, r.w, th->text_dim,
                      "q from the decoder (target), k and v from the encoder (source)");
        y += fh + gap / 2;
    }
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
        view__strip(d, (SDL_Rect){sx, y, sw, sh}, 4, n_soft);
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
                    px[j * pitch + i] = view_argb(colormap_diverging(
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
    view_vectors_output_note(v, vmax, s, sizeof s);
    draw_text_fit(d, FONT_SMALL, sx, y, sw, ablated ? th->error : th->text_dim, s);
    free(prod);
}

/* ------------------------------------------------------------------ */
/* in the window                                                        */

void view_vector_frame(ViewCtx *cx, SDL_Rect r, VecView *vv, ViewOut *out) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    ViewData v = *cx->v;
    SDL_Rect in = ui_panel(d, r, "Inside one weight: q, k, softmax, v");
    vv->rope_button = vv->rope_after = (SDL_Rect){0, 0, 0, 0};
    v.pre_rope = false;
    if (v.has_rope) {
        /* RoPE toggle, where its effect shows */
        int fn = font_height(d->font, FONT_NORMAL), fs = font_height(d->font, FONT_SMALL);
        int bh = fn + draw_px(d, 6);
        /* two segments, the one in use highlighted: a choice, not a
           switch whose off state reads like a label */
        static const char *lab[2] = {"after RoPE", "before RoPE"};
        int w0 = ui_button_width(d, lab[0]), w1 = ui_button_width(d, lab[1]);
        SDL_Rect b = {in.x + in.w - w1, in.y, w1, bh};
        SDL_Rect a = {b.x - w0 - draw_px(d, 2), in.y, w0, bh};
        draw_text(d, FONT_SMALL, in.x, b.y + (bh - fs) / 2, th->text_dim, "q, k shown:");
        bool pre = cx->v->pre_rope;
        if (ui_button(cx->ui, d, a, lab[0], !pre) && pre) view_emit(out, ACT_ROPE, 0, 0, 0);
        if (ui_button(cx->ui, d, b, lab[1], pre) && !pre) view_emit(out, ACT_ROPE, 0, 0, 0);
        if ((ui_inside(cx->ui, a) || ui_inside(cx->ui, b)) && cx->input)
            ui_tooltip(cx->ui, b, "Show q and k as projected, before the rotary\n"
                       "position embedding rotates them, or after. The\n"
                       "weight always comes from the rotated q\xC2\xB7k.\n"
                       "Keys: Ctrl+R (any time) or R");
        vv->rope_after = a;
        vv->rope_button = b;
        in.y += bh + draw_px(d, 6);
        in.h -= bh + draw_px(d, 6);
        v.pre_rope = cx->v->pre_rope;
    }
    view_vectors_draw(d, in, &v, &vv->layout);
}

void view_vector_tab(ViewCtx *cx, SDL_Rect tab, bool open, ViewOut *out) {
    Draw *d = cx->d;
    const Theme *th = &d->th;
    bool hot = cx->input && ui_inside(cx->ui, tab);
    draw_fill(d, tab, open ? th->accent : hot ? th->control_hi : th->panel);
    draw_outline(d, tab, open ? th->accent : th->border, 1);
    draw_text_up(d, FONT_SMALL, tab.x + tab.w / 2, tab.y + tab.h - draw_px(d, 8),
                 tab.h - draw_px(d, 16), open ? th->on_accent : th->text,
                 open ? "\xE2\x96\xB8 close: inside one weight (F4)"
                      : "\xE2\x97\x82 inside one weight: q, k, softmax, v (F4)");
    if (cx->input && ui_clicked(cx->ui, tab, 0)) view_emit(out, ACT_VEC_TAB, 0, 0, 0);
}
