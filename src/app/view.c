/* view.c — helpers several views share; see view.h. */
#include "app/view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

uint32_t view_argb(Rgb c) {
    return 0xFF000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

const char *view_act_off(const ViewData *v, Act act) {
    if (v->n_layer == 0) return NULL;
    switch (act) {
    case ACT_ROPE:
        return v->has_rope ? NULL : "Llama models only: this model has no RoPE";
    case ACT_MT_KIND:
        return v->kind ? NULL : "translation models only: this model has one kind of attention";
    case ACT_WORD_MASK:
        return v->encoder && v->mask_id >= 0 ? NULL
             : "mask this word needs an encoder with a [MASK] token (BERT)";
    case ACT_SEG_FILTER:
        return v->encoder ? NULL : "the pair filter needs an encoder (BERT) and a text \"A ||| B\"";
    case ACT_ROLE_CYCLE: case ACT_ROLE_SET: case ACT_ROLE_TOGGLE:
        return v->kind ? "no head roles in translation: they are scored on one text's self-attention"
                       : NULL;
    default: return NULL;
    }
}

int view_max_label_px(Draw *d, const ViewData *v) {
    int m = 0;
    for (int i = 0; v->tr && i < v->tr->n_tokens; i++) {
        int w = font_width(d->font, FONT_SMALL, view_label(v, i));
        if (w > m) m = w;
    }
    for (int i = 0; v->tr && v->key_labels && i < trace_n_keys(v->tr); i++) {
        int w = font_width(d->font, FONT_SMALL, view_key_label(v, i));
        if (w > m) m = w;
    }
    return m;
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
    /* the legend of masked cells: a colour outside the map, never weight 0 */
    SDL_Rect sw = {bar.x, bar.y + bar.h + draw_px(d, 6), bar.w, fh};
    uint32_t m = d->masked;
    draw_fill(d, sw, (SDL_Color){m >> 16 & 255, m >> 8 & 255, m & 255, 255});
    draw_outline(d, sw, th->border, 1);
    draw_text(d, FONT_SMALL, bar.x + bar.w + draw_px(d, 5), sw.y, th->text_dim, "masked");
}

void view_kv_group(const Trace *tr, int kv, char *buf, size_t cap) {
    size_t o = 0;
    buf[0] = '\0';
    for (int h = 0; h < tr->n_head && o < cap; h++)
        if (trace_kv_head(tr, h) == kv)
            o += (size_t)snprintf(buf + o, cap - o, "%sH%d", o ? ", " : "", h);
}

/* Bytes of the UTF-8 character starting at s (1 for a stray byte). */
static size_t view__char_len(const char *s) {
    unsigned char c = (unsigned char)*s;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
    return n;
}

int view_text_wrapped(Draw *d, FontSize size, int x, int y, int w, SDL_Color c,
                      const char *s) {
    int fh = font_height(d->font, size), lines = 0;
    char line[1024];
    const char *p = s;
    while (*p) {
        /* the longest run of whole words that fits, else as many characters */
        size_t n = 0, fit = 0, fit_words = 0;
        while (p[n] && p[n] != '\n' && n < sizeof line - 8) {
            size_t k = view__char_len(p + n);
            memcpy(line, p, n + k);
            line[n + k] = '\0';
            if (font_width(d->font, size, line) > w && n > 0) break;
            n += k;
            fit = n;
            if (!p[n] || p[n] == ' ' || p[n] == '\n') fit_words = n;
        }
        size_t take = p[fit] && p[fit] != '\n' && fit_words > 0 ? fit_words : fit;
        if (take == 0 && *p != '\n') take = view__char_len(p);
        memcpy(line, p, take);
        line[take] = '\0';
        draw_text(d, size, x, y + lines * fh, c, line);
        lines++;
        p += take;
        while (*p == ' ') p++;
        if (*p == '\n') p++;
    }
    return lines * fh;
}
