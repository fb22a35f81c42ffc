/* view_text.c — the text box and the token chips; see view_text.h. */
#include "app/view_text.h"
#include "app/view_segment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* token chips                                                          */

static bool view__cont(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

/* True when token i ends inside a character that token i + 1 goes on with:
 * their chips are drawn joined. */
static bool view__joins_next(const ViewData *v, int i) {
    if (!v->tokens || !v->text || i + 1 >= v->tr->n_tokens) return false;
    const Token *t = &v->tokens[i];
    return t->end > t->start && t->end == v->tokens[i + 1].start && view__cont(v->text[t->end]);
}

/* Appends to out "part of "c" (byte 1 of 2)" for the character of text that
 * holds byte p, when [s, e) holds only part of it. */
static size_t view__char_start(const char *text, size_t p) {
    size_t cs = p;
    while (cs > 0 && p - cs < 3 && view__cont(text[cs])) cs--;
    return cs;
}

static void view__part_of(const char *text, size_t s, size_t e, size_t p, char *out, size_t cap) {
    size_t cs = view__char_start(text, p);
    unsigned char lead = (unsigned char)text[cs];
    size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n == 1 || view__cont((char)lead)) return; /* not a character cut in parts */
    for (size_t i = 1; i < n; i++)
        if (!view__cont(text[cs + i])) return;
    size_t a = s > cs ? s : cs, b = e < cs + n ? e : cs + n;
    if (a == cs && b == cs + n) return; /* the token holds it whole */
    size_t o = strlen(out);
    if (b - a == 1)
        snprintf(out + o, cap - o, "%spart of \"%.*s\" (byte %zu of %zu)", o ? "; " : "",
                 (int)n, text + cs, a - cs + 1, n);
    else
        snprintf(out + o, cap - o, "%spart of \"%.*s\" (bytes %zu\xE2\x80\x93%zu of %zu)",
                 o ? "; " : "", (int)n, text + cs, a - cs + 1, b - cs, n);
}

/* What the tooltip says about a token that cuts a character: the character
 * it belongs to, at either end. "" when it cuts none. */
static void view__split_note(const ViewData *v, int i, char *out, size_t cap) {
    out[0] = '\0';
    if (!v->tokens || !v->text) return;
    const Token *t = &v->tokens[i];
    if (t->end <= t->start) return;
    view__part_of(v->text, t->start, t->end, t->start, out, cap);
    size_t last = t->end - 1;
    if (view__cont(v->text[t->end]) &&
        view__char_start(v->text, last) != view__char_start(v->text, t->start))
        view__part_of(v->text, t->start, t->end, last, out, cap);
}

/* Chips from token `first` on (after a "N before" label when first > 0),
 * row by row, until r is full. *end gets the index after the last chip shown,
 * *row2 the first chip of the second row (-1: one row). Returns the height
 * used. Draws nothing when d->dry. */
static int view__chips_run(Draw *d, Ui *ui, SDL_Rect r, const ViewData *v, int first,
                           int *hover, int *clicked, int *end, int *row2, int *rclicked) {
    const Theme *th = &d->th;
    int T = v->tr->n_tokens;
    int fh = font_height(d->font, FONT_SMALL);
    int ch = fh + draw_px(d, 6), gap = draw_px(d, 4), padx = draw_px(d, 5);
    int x = r.x, y = r.y;
    *end = T;
    *row2 = -1;
    bool pair = view_segment_pair(v);
    if (first > 0) {
        char before[32];
        snprintf(before, sizeof before, "%d before \xE2\x80\xA6", first);
        x += draw_text(d, FONT_SMALL, x, y + (ch - fh) / 2, th->text_dim, before) + gap;
    }
    const float *row = NULL; /* the focused query's attention tints the keys */
    const float *srow = NULL;
    if (v->q >= 0 && v->q < T) {
        row = trace_att(v->tr, v->layer, v->head) + (size_t)v->q * T;
        srow = trace_scores(v->tr, v->layer, v->head) + (size_t)v->q * T;
    }
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
            uint32_t col = draw_cell(d, srow[i], row[i]);
            fill = (SDL_Color){(col >> 16) & 255, (col >> 8) & 255, col & 255, 255};
            float lum = 0.299f * fill.r + 0.587f * fill.g + 0.114f * fill.b;
            fg = lum > 140 ? (SDL_Color){0, 0, 0, 255} : (SDL_Color){255, 255, 255, 255};
        }
        bool word = view_segment_word_masked(v, i); /* runs as [MASK] */
        if (word) {
            fill = view_segment_mask_color(d);
            fg = (SDL_Color){255, 255, 255, 255};
        }
        draw_fill(d, c, fill);
        if (pair) /* the segment, A or B, as a stripe under the chip */
            draw_fill(d, (SDL_Rect){x, y + ch - draw_px(d, 3), w, draw_px(d, 3)},
                      view_segment_color(d, view_segment_of(v, i)));
        if (ui_inside(ui, c)) {
            *hover = i;
            if (ui_clicked(ui, c, 0)) *clicked = i;
            if (ui_clicked(ui, c, 2) && rclicked) *rclicked = i;
            draw_outline(d, c, th->text, 1);
        } else if (i == v->q) {
            draw_outline(d, c, th->accent, 2);
        } else if (word) {
            draw_outline(d, c, th->text, 1);
        } else {
            draw_outline(d, c, masked ? th->warn : th->border, 1);
        }
        draw_text(d, FONT_SMALL, x + padx, y + (ch - fh) / 2, masked ? th->warn : fg, buf);
        /* the chips of one character cut in parts touch and share a bar */
        bool join = view__joins_next(v, i), joined = i > 0 && view__joins_next(v, i - 1);
        if (join || joined)
            draw_fill(d, (SDL_Rect){x, y + ch - draw_px(d, 3), w, draw_px(d, 3)}, th->accent);
        if (masked)
            draw_line(d, x + 2, y + ch / 2, x + w - 3, y + ch / 2, th->warn);
        x += w + (join ? 0 : gap);
    }
    return y + ch - r.y;
}

int view_chips(Draw *d, Ui *ui, SDL_Rect r, const ViewData *v, int *hover,
               int *clicked, int *rclicked) {
    *hover = -1;
    *clicked = -1;
    if (rclicked) *rclicked = -1;
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
            view__chips_run(&dm, &um, r, v, first, &h, &c, &end, &row2, NULL);
            if (v->q < end || row2 <= first) break;
            first = row2;
        }
    }
    return view__chips_run(d, ui, r, v, first, hover, clicked, &end, &row2, rclicked);
}

/* ------------------------------------------------------------------ */
/* text box                                                             */

/* Pixel width of te->buf[a..b) as displayed (control characters as spaces). */
static int view__span_w(Draw *d, const TextEdit *te, size_t a, size_t b) {
    if (b <= a) return 0;
    char small[512];
    char *s = b - a < sizeof small ? small : malloc(b - a + 1);
    if (!s) return 0;
    for (size_t i = a; i < b; i++) {
        char c = te->buf[i];
        s[i - a] = (c == '\n' || c == '\t' || c == '\r') ? ' ' : c;
    }
    s[b - a] = '\0';
    int w = font_width(d->font, FONT_NORMAL, s);
    if (s != small) free(s);
    return w;
}

static size_t view__next_char(const TextEdit *te, size_t p) {
    if (p >= te->len) return te->len;
    p++;
    while (p < te->len && ((unsigned char)te->buf[p] & 0xC0) == 0x80) p++;
    return p;
}

/* te's lines in a box w pixels wide (its padding taken off). */
static const TextLines *view__lines(Draw *d, const TextEdit *te, TextLines *tl, int w) {
    textlines_update(tl, d->font, FONT_NORMAL, te->buf, te->len, w - 2 * draw_px(d, 8));
    return tl;
}

/* The character boundary on line i nearest to x pixels from its start. */
static size_t view__pos_at_x(Draw *d, const TextEdit *te, const TextLines *tl, int i, int x) {
    size_t a = tl->starts[i], stop = textlines_stop(tl, i);
    /* a wrapped (not hard-broken) line ends where the next begins: keep the
       caret before the break so it stays on this line */
    if (i + 1 < tl->n && stop == tl->starts[i + 1] && stop > a) {
        size_t p = a, last = a;
        while (p < stop) { last = p; p = view__next_char(te, p); }
        stop = last;
    }
    size_t best = a;
    int wp = 0;
    for (size_t p = a; p < stop;) {
        size_t q = view__next_char(te, p);
        int wq = view__span_w(d, te, a, q);
        if ((wp + wq) / 2 > x) break;
        best = q;
        p = q;
        wp = wq;
    }
    return best;
}

int view_textbox_height(Draw *d, const TextEdit *te, TextLines *tl, int w, int max_lines) {
    int n = view__lines(d, te, tl, w)->n;
    if (n > max_lines) n = max_lines;
    return n * font_height(d->font, FONT_NORMAL) + draw_px(d, 14);
}

size_t view_textbox_vertical(Draw *d, const TextEdit *te, TextLines *tl, int w, int dir) {
    view__lines(d, te, tl, w);
    int i = textlines_line_of(tl, te->cursor), j = i + dir;
    if (j < 0) return 0;
    if (j >= tl->n) return te->len;
    int x = view__span_w(d, te, tl->starts[i], te->cursor);
    return view__pos_at_x(d, te, tl, j, x);
}

bool view_textbox(Draw *d, Ui *ui, SDL_Rect r, const TextEdit *te, TextLines *tl,
                  bool focused, size_t *first, size_t *caret) {
    const Theme *th = &d->th;
    int pad = draw_px(d, 8), fn = font_height(d->font, FONT_NORMAL);
    int inner = r.w - 2 * pad;
    draw_fill(d, r, focused ? th->bg : th->panel);
    draw_outline(d, r, focused ? th->accent : th->border, focused ? 2 : 1);
    view__lines(d, te, tl, r.w);
    const size_t *starts = tl->starts;
    int n = tl->n;
    int vis = (r.h - draw_px(d, 14)) / fn;
    if (vis < 1) vis = 1;
    /* scroll whole lines so the caret's line is visible */
    int top = textlines_line_of(tl, *first > te->len ? 0 : *first);
    int cl = textlines_line_of(tl, te->cursor);
    if (cl < top) top = cl;
    if (cl >= top + vis) top = cl - vis + 1;
    if (top > n - vis) top = n - vis > 0 ? n - vis : 0;
    *first = starts[top];
    int y0 = r.y + (r.h - (n - top < vis ? n - top : vis) * fn) / 2;
    if (n - top >= vis) y0 = r.y + (r.h - vis * fn) / 2;
    bool clicked = ui_clicked(ui, r, 0);
    size_t cur = te->cursor;
    if (clicked) {
        int li = top + (ui->my - y0) / fn;
        if (ui->my < y0) li = top;
        if (li >= n) li = n - 1;
        if (li >= top + vis) li = top + vis - 1;
        cur = *caret = view__pos_at_x(d, te, tl, li, ui->mx - (r.x + pad));
        cl = textlines_line_of(tl, cur);
    }
    if (te->len == 0 && !focused) {
        draw_text(d, FONT_NORMAL, r.x + pad, y0, th->text_dim, "Click here and type some text\xE2\x80\xA6");
        return clicked;
    }
    size_t sa = 0, sb = 0;
    if (focused && textedit_has_selection(te)) textedit_selection(te, &sa, &sb);
    for (int i = top; i < n && i < top + vis; i++) {
        size_t a = starts[i], e = textlines_stop(tl, i);
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
            char small[512];
            char *line = e - a < sizeof small ? small : malloc(e - a + 1);
            if (line) {
                for (size_t b = a; b < e; b++) {
                    char c = te->buf[b];
                    line[b - a] = (c == '\t' || c == '\r') ? ' ' : c;
                }
                line[e - a] = '\0';
                draw_text(d, FONT_NORMAL, r.x + pad, y, th->text, line);
                if (line != small) free(line);
            }
        }
    }
    if (focused && cl >= top && cl < top + vis) {
        int cx = r.x + pad + view__span_w(d, te, starts[cl], cur);
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

/* ------------------------------------------------------------------ */
/* in the window                                                        */

int view_text_chips_height(ViewCtx *cx, SDL_Rect r) {
    Draw dm = *cx->d;
    Ui um;
    memset(&um, 0, sizeof um);
    um.mx = um.my = -1;
    dm.dry = true;
    int hv, ck;
    return view_chips(&dm, &um, r, cx->v, &hv, &ck, NULL);
}

static const char view__badge[2][2][32] = {
    {"COMMAND KEYS", "Enter or click: type"}, {"TYPING", "Esc: command keys"}};

int view_text_badge_w(Draw *d) {
    int w = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            int t = font_width(d->font, FONT_SMALL, view__badge[i][j]);
            if (t > w) w = t;
        }
    return w + 2 * draw_px(d, 8);
}

/* Which state the keyboard is in, beside the text box: typing (every
 * character is text) or command keys (single keys are shortcuts). */
static void view__badge_draw(Draw *d, SDL_Rect r, bool editing) {
    const Theme *th = &d->th;
    int fs = font_height(d->font, FONT_SMALL);
    SDL_Color bg = editing ? th->accent : th->panel, fg = editing ? th->on_accent : th->warn;
    draw_fill(d, r, bg);
    draw_outline(d, r, editing ? th->accent : th->warn, 2);
    const char (*t)[32] = view__badge[editing ? 1 : 0];
    if (r.h >= 2 * fs + draw_px(d, 4)) {
        int y = r.y + (r.h - 2 * fs) / 2;
        draw_text_center(d, FONT_SMALL, (SDL_Rect){r.x, y, r.w, fs}, fg, t[0]);
        draw_text_center(d, FONT_SMALL, (SDL_Rect){r.x, y + fs, r.w, fs}, fg, t[1]);
    } else {
        draw_text_center(d, FONT_SMALL, r, fg, t[0]);
    }
}

void view_text_frame(ViewCtx *cx, SDL_Rect box, SDL_Rect chips, TextView *tv,
                     ViewOut *out) {
    Draw *d = cx->d;
    Ui *ui = cx->ui;
    const ViewData *v = cx->v;
    tv->box = box;
    int bw = view_text_badge_w(d), gap = draw_px(d, 6);
    tv->badge = (SDL_Rect){box.x + box.w + gap, box.y, bw, box.h};
    view__badge_draw(d, tv->badge, v->editing);
    if (ui_clicked(ui, tv->badge, 0))
        view_emit(out, ACT_EDIT, !v->editing, 0, 0);
    size_t caret = 0;
    if (view_textbox(d, ui, box, v->edit, &tv->lines, v->editing, &tv->first, &caret)) {
        view_emit(out, ACT_CARET, (int)caret, ui->shift, 0);
        if (!v->editing) view_emit(out, ACT_EDIT, 1, 0, 0);
    } else if (ui->pressed[0] && v->editing && !ui_inside(ui, box) &&
               !ui_inside(ui, tv->badge)) {
        view_emit(out, ACT_EDIT, 0, 0, 0);
    }
    int hover, click, rclick;
    view_chips(d, ui, chips, v, &hover, &click, &rclick);
    if (click >= 0) view_emit(out, ACT_MASK_KEY, click, 0, 0);
    if (rclick >= 0 && v->encoder) view_emit(out, ACT_WORD_MASK, rclick, 0, 0);
    if (hover >= 0 && v->tokens) {
        const Token *t = &v->tokens[hover];
        char tip[1024], hex[200];
        size_t o = 0;
        hex[0] = '\0';
        for (size_t b = t->start; b < t->end && o + 4 < sizeof hex; b++)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x ", (unsigned char)v->text[b]);
        char part[160];
        view__split_note(v, hover, part, sizeof part);
        char seg[320] = "";
        if (v->encoder) {
            bool word = view_segment_word_masked(v, hover);
            char typed[64];
            tokenizer_token_label(v->tok, t->id, typed, sizeof typed);
            snprintf(seg, sizeof seg, "%s%s%s\nright-click to %s", word ? "typed \"" : "",
                     word ? typed : "", word ? "\", the model sees [MASK]" : "",
                     word ? "run the typed word again" : "run it as [MASK] (fill in)");
            if (view_segment_pair(v)) {
                size_t o2 = strlen(seg);
                snprintf(seg + o2, sizeof seg - o2, "\nsegment %s",
                         view_segment_of(v, hover) ? "B" : "A");
            }
        }
        snprintf(tip, sizeof tip, "token %d: \"%s\"\nid %d \xC2\xB7 bytes %zu..%zu: %s\n%s%sclick to %s this key for every query%s",
                 hover, view_label(v, hover), t->id, t->start, t->end,
                 hex[0] ? hex : "(none)", part, part[0] ? "\n" : "",
                 run_options_key_masked(v->ro, hover) ? "show" : "hide", seg);
        ui_tooltip(ui, chips, tip);
    }
}
