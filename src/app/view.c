/* view.c — helpers several views share; see view.h. */
#include "app/view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

uint32_t view_argb(Rgb c) {
    return 0xFF000000u | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

int view_max_label_px(Draw *d, const ViewData *v) {
    int m = 0;
    for (int i = 0; v->tr && i < v->tr->n_tokens; i++) {
        int w = font_width(d->font, FONT_SMALL, view_label(v, i));
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
}

void view_kv_group(const Trace *tr, int kv, char *buf, size_t cap) {
    size_t o = 0;
    buf[0] = '\0';
    for (int h = 0; h < tr->n_head && o < cap; h++)
        if (trace_kv_head(tr, h) == kv)
            o += (size_t)snprintf(buf + o, cap - o, "%sH%d", o ? ", " : "", h);
}
