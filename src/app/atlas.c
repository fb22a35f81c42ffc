/* atlas.c — badges, legend, sorting and the opening head; see atlas.h. */
#include "app/atlas.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fills far apart in hue and bright enough for dark letters on both themes
 * and next to the heatmap colours (the badge also gets a dark rim). */
static const AtlasRole atlas__roles[ROLE_N_ROLES] = {
    [ROLE_PREVIOUS] = {"P", {255, 159, 28}, "prev-token", "the previous token"},
    [ROLE_FIRST] = {"S", {160, 200, 255}, "sink", "the first token"},
    [ROLE_CURRENT] = {"C", {255, 128, 200}, "self", "the token itself"},
    [ROLE_DELIMITER] = {"D", {200, 230, 90}, "delimiter", "punctuation and line breaks"},
    [ROLE_DUPLICATE] = {"R", {190, 150, 255}, "repeat", "earlier copies of the token"},
    [ROLE_INDUCTION] = {"I", {255, 90, 80}, "induction",
                        "the token after an earlier copy of the token"},
};

const AtlasRole *atlas_role(RoleKind k) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_ROLES);
    return &atlas__roles[k];
}

int atlas_find(const char *name) {
    if (!strcmp(name, "off") || !strcmp(name, "none")) return -1;
    for (int k = 0; k < ROLE_N_ROLES; k++) {
        const AtlasRole *ro = &atlas__roles[k];
        if (!strcmp(name, roles_name((RoleKind)k)) || !strcmp(name, ro->label) ||
            !strcmp(name, ro->glyph))
            return k;
    }
    return -2;
}

typedef struct {
    float s;
    int i; /* layer * n_head + head */
} AtlasEntry;

static int atlas__cmp(const void *pa, const void *pb) {
    const AtlasEntry *a = pa, *b = pb;
    bool na = isnan(a->s), nb = isnan(b->s);
    if (na != nb) return na ? 1 : -1;
    if (!na && a->s != b->s) return a->s > b->s ? -1 : 1;
    return a->i - b->i;
}

int atlas_sorted(const Roles *r, RoleKind k, int *layer, int *head, int cap) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_ROLES);
    int n = r->n_layer * r->n_head;
    AtlasEntry *e = malloc((size_t)(n > 0 ? n : 1) * sizeof *e);
    if (!e) return 0;
    for (int i = 0; i < n; i++) e[i] = (AtlasEntry){roles_score(r, k, i / r->n_head, i % r->n_head), i};
    qsort(e, (size_t)n, sizeof *e, atlas__cmp);
    if (n > cap) n = cap;
    for (int i = 0; i < n; i++) {
        layer[i] = e[i].i / r->n_head;
        head[i] = e[i].i % r->n_head;
    }
    free(e);
    return n;
}

int atlas_teaching_head(const Roles *r, int *layer, int *head) {
    /* what a first lesson shows best first; a sink is the last resort */
    static const RoleKind order[] = {ROLE_INDUCTION, ROLE_PREVIOUS, ROLE_DUPLICATE,
                                     ROLE_DELIMITER, ROLE_CURRENT, ROLE_FIRST};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        int l, h;
        if (roles_best(r, order[i], &l, &h)) continue;
        float lift = roles_lift(r, order[i], l, h);
        if (!(lift >= ROLES_DOMINANT_MIN_LIFT)) continue;
        *layer = l;
        *head = h;
        return (int)order[i];
    }
    return -1;
}

static const SDL_Color atlas__rim = {20, 20, 24, 255};

/* The letter badge of k, a square of side pixels at (x, y), with a rim. */
static void atlas__square(Draw *d, int x, int y, int side, RoleKind k) {
    const AtlasRole *ro = atlas_role(k);
    SDL_Rect b = {x, y, side, side};
    draw_fill(d, (SDL_Rect){b.x - 1, b.y - 1, b.w + 2, b.h + 2}, atlas__rim);
    draw_fill(d, b, draw_color(ro->color));
    draw_text_center(d, FONT_SMALL, b, atlas__rim, ro->glyph);
}

void atlas_badge(Draw *d, SDL_Rect c, RoleKind k) {
    int side = font_height(d->font, FONT_SMALL) + draw_px(d, 1);
    if (side * 2 > c.w || side * 2 > c.h) { /* too small for a letter: a corner */
        SDL_Color fill = draw_color(atlas_role(k)->color);
        int t = c.w / 3 > 3 ? c.w / 3 : 3;
        for (int i = 0; i < t; i++)
            draw_line(d, c.x + c.w - t + i, c.y, c.x + c.w - 1, c.y + t - 1 - i, fill);
        return;
    }
    atlas__square(d, c.x + c.w - side - draw_px(d, 1), c.y + draw_px(d, 1), side, k);
}

int atlas_legend(Draw *d, int x, int y, int w) {
    const Theme *th = &d->th;
    int fh = font_height(d->font, FONT_SMALL), gap = draw_px(d, 10);
    int side = fh + draw_px(d, 1), row = side + draw_px(d, 4);
    int cx = x, cy = y;
    int lw = draw_text(d, FONT_SMALL, cx, cy + (side - fh) / 2, th->text_dim, "badges:");
    cx += lw + gap;
    for (int k = 0; k < ROLE_N_ROLES; k++) {
        const AtlasRole *ro = atlas_role((RoleKind)k);
        int item = side + draw_px(d, 3) + font_width(d->font, FONT_SMALL, ro->label);
        if (cx + item > x + w && cx > x) {
            cx = x;
            cy += row;
        }
        atlas__square(d, cx, cy, side, (RoleKind)k);
        draw_text(d, FONT_SMALL, cx + side + draw_px(d, 3), cy + (side - fh) / 2, th->text_dim,
                  ro->label);
        cx += item + gap;
    }
    return cy + row - y;
}

SDL_Color atlas_score_color(const Draw *d, float s) {
    uint32_t c = draw_lut(d, s);
    return (SDL_Color){(uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c, 255};
}
