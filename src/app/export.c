/* export.c — PNG export of the head view or the grid, rendered offscreen by
 * SDL's software renderer on an SDL_Surface (no window, no video driver),
 * written by png.c with the text, model and settings in tEXt chunks. */
#include "app/app.h"

#include <string.h>

#include "app/draw.h"
#include "app/png.h"
#include "app/view.h"
#include "app/view_grid.h"
#include "app/view_head.h"

#define EXPORT_LABEL_CAP 64

ExportOptions export_options_default(void) {
    ExportOptions eo;
    memset(&eo, 0, sizeof eo);
    eo.scale = 2;
    eo.colormap = NULL;
    return eo;
}

/* Size in pixels of the image for view data v under d's scale. */
static void export__size(Draw *d, const ExportOptions *eo, const Trace *tr,
                         int label_px, int *w, int *h, int *map_pt) {
    int T = tr->n_tokens;
    int pad = draw_px(d, 20);
    int title_h = font_height(d->font, FONT_TITLE) + draw_px(d, 8);
    int foot_h = font_height(d->font, FONT_SMALL) + draw_px(d, 8);
    if (eo->grid) {
        int cell = draw_px(d, T > 48 ? 96 : 72), gap = draw_px(d, 3);
        int label_w = font_width(d->font, FONT_SMALL, "L00") + draw_px(d, 6);
        int label_h = view_grid_label_h(d, tr->n_head, tr->n_kv_head);
        int bar = draw_px(d, 12) + draw_px(d, 12) + font_width(d->font, FONT_SMALL, "0.00");
        *w = 2 * pad + label_w + (tr->n_head + 1) * (cell + gap) + draw_px(d, 8) + bar;
        *h = 2 * pad + title_h + label_h + tr->n_layer * (cell + gap) + foot_h;
        int min_w = draw_px(d, 640);
        if (*w < min_w) *w = min_w;
        *map_pt = cell;
        return;
    }
    float cell_pt = 480.0f / (float)T;
    if (cell_pt > 32.0f) cell_pt = 32.0f;
    int map = (int)((float)T * (float)draw_px(d, cell_pt));
    if (map < T) map = T;
    int gap = draw_px(d, 6);
    int bar_w = draw_px(d, 12) + gap + font_width(d->font, FONT_SMALL, "0.00") + gap;
    int lw = label_px + draw_px(d, 10), lh = lw;
    if (lw > draw_px(d, 92)) lw = draw_px(d, 92);
    if (lh > draw_px(d, 72)) lh = draw_px(d, 72);
    *w = 2 * pad + lw + gap + map + gap + bar_w + gap;
    *h = 2 * pad + title_h + lh + gap + (map > draw_px(d, 160) ? map : draw_px(d, 160)) +
         font_height(d->font, FONT_SMALL) + gap + foot_h;
    int min_w = draw_px(d, 640);
    if (*w < min_w) *w = min_w;
    *map_pt = map;
}

int export_png(const Model *m, const char *text, const TokenList *tokens,
               const Trace *tr, const RunOptions *ro, const ExportOptions *eo,
               const char *path, EngineError *err) {
    if (!tr || tr->n_tokens <= 0 || !tokens || tokens->n < (size_t)tr->n_tokens)
        return engine_fail(err, "%s: nothing to export (no tokens); HINT: type "
                           "some text first", path);
    int cmap = colormap_find(eo->colormap);
    if (cmap < 0)
        return engine_fail(err, "colormap %s: unknown; HINT: use viridis, magma, "
                           "inferno, cividis or slides", eo->colormap);
    if (!eo->grid && (eo->layer < 0 || eo->layer >= tr->n_layer || eo->head < 0 ||
                      eo->head >= tr->n_head))
        return engine_fail(err, "layer %d head %d: out of range (%d layers, %d "
                           "heads); HINT: both are zero-based", eo->layer,
                           eo->head, tr->n_layer, tr->n_head);
    int T = tr->n_tokens;
    char *labels = malloc((size_t)T * EXPORT_LABEL_CAP);
    if (!labels) return engine_fail(err, "%s: out of memory; HINT: shorter text", path);
    for (int i = 0; i < T; i++)
        tokenizer_token_label(m->tokenizer, tokens->tokens[i].id,
                              labels + (size_t)i * EXPORT_LABEL_CAP, EXPORT_LABEL_CAP);

    /* measure with a throwaway 1x1 target, then render at the right size */
    int rc = -1;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, 1, 1, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    Draw d;
    bool have_draw = false;
    HeadLayout hl;
    memset(&hl, 0, sizeof hl);
    if (!r) {
        engine_fail(err, "software renderer: %s; HINT: check the SDL2 install", SDL_GetError());
        goto done;
    }
    if (draw_init(&d, r, err)) goto done;
    have_draw = true;
    draw_set_scale(&d, (float)(eo->scale >= 1 && eo->scale <= 4 ? eo->scale : 2));
    int W, H, map;
    ViewData measure = {.tr = tr, .labels = labels, .label_cap = EXPORT_LABEL_CAP};
    export__size(&d, eo, tr, view_max_label_px(&d, &measure), &W, &H, &map);
    draw_free(&d);
    have_draw = false;
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
    surf = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    if (!r) {
        engine_fail(err, "%s: cannot make a %dx%d image: %s; HINT: use --scale 1 "
                    "or a shorter text", path, W, H, SDL_GetError());
        goto done;
    }
    if (draw_init(&d, r, err)) goto done;
    have_draw = true;
    draw_set_scale(&d, (float)(eo->scale >= 1 && eo->scale <= 4 ? eo->scale : 2));
    d.th = eo->white_background ? theme_light() : theme_dark();
    draw_set_colormap(&d, cmap);

    ViewData v = {
        .tr = tr, .labels = labels, .label_cap = EXPORT_LABEL_CAP,
        .tokens = tokens->tokens, .text = text, .ro = ro, .tok = m->tokenizer,
        .model_name = m->name, .gen = 1, .layer = eo->layer, .head = eo->head,
        .q = -1, .k = -1,
    };
    draw_fill(&d, (SDL_Rect){0, 0, W, H}, d.th.bg);
    int pad = draw_px(&d, 20);
    char title[512], desc[256];
    run_options_describe(ro, desc, sizeof desc);
    SDL_Rect body = {pad, pad, W - 2 * pad, H - 2 * pad};
    if (eo->grid) {
        char kv[48] = "";
        if (tr->n_kv_head > 0 && tr->n_kv_head < tr->n_head)
            snprintf(kv, sizeof kv, " sharing %d KV heads", tr->n_kv_head);
        snprintf(title, sizeof title, "%s  \xC2\xB7  %d layers \xC3\x97 %d heads%s  \xC2\xB7  %s",
                 m->name, tr->n_layer, tr->n_head, kv, desc);
        int th_h = font_height(d.font, FONT_TITLE) + draw_px(&d, 8);
        draw_text_fit(&d, FONT_TITLE, body.x, body.y, body.w, d.th.text, title);
        v.layer = v.head = -1;
        GridLayout gl;
        int foot_h = font_height(d.font, FONT_SMALL) + draw_px(&d, 8);
        SDL_Rect gr = {body.x, body.y + th_h, body.w, body.h - th_h - foot_h};
        view_grid_layout(&d, gr, tr->n_layer, tr->n_head, tr->n_kv_head, &gl);
        view_grid_draw(&d, &gl, &v, -1, -1);
        SDL_Rect last = view_grid_cell(&gl, tr->n_layer - 1, tr->n_head);
        int top = gl.y0, bot = last.y + last.h;
        view_colorbar(&d, (SDL_Rect){last.x + last.w + draw_px(&d, 12), top,
                                     draw_px(&d, 12), bot - top});
    } else {
        int foot_h = font_height(d.font, FONT_SMALL) + draw_px(&d, 8);
        view_head_layout(&d, (SDL_Rect){body.x, body.y, body.w, body.h - foot_h}, T, true,
                         view_max_label_px(&d, &v), &hl);
        view_head_draw(&d, &hl, &v);
    }
    char foot[512];
    snprintf(foot, sizeof foot, "\"%s\"  \xC2\xB7  colormap %s  \xC2\xB7  attnscope",
             text ? text : "", colormap_name(cmap));
    draw_text_fit(&d, FONT_SMALL, body.x, H - pad - font_height(d.font, FONT_SMALL),
                  body.w, d.th.text_dim, foot);

    SDL_RenderFlush(r);
    if (SDL_MUSTLOCK(surf)) SDL_LockSurface(surf);
    char settings[512], head[64];
    if (eo->grid) snprintf(head, sizeof head, "grid");
    else snprintf(head, sizeof head, "layer %d head %d", eo->layer, eo->head);
    snprintf(settings, sizeof settings, "%s; %s; colormap=%s; background=%s; scale=%dx",
             head, desc, colormap_name(cmap), eo->white_background ? "white" : "dark",
             eo->scale);
    snprintf(title, sizeof title, "attnscope: %s, %s", m->name, head);
    /* where the cells are, for tools (and tests) that read the pixels back */
    char geom[128];
    snprintf(geom, sizeof geom, "x=%d y=%d cell=%.3f n=%d", hl.map.x, hl.map.y,
             hl.cell, eo->grid ? 0 : T);
    PngText texts[] = {
        {"Title", title},
        {"Software", "attnscope"},
        {"Description", text ? text : ""},
        {"Model", m->path},
        {"Settings", settings},
        {"Heatmap", geom},
    };
    rc = png_write_argb(path, surf->pixels, W, H, surf->pitch / 4, texts,
                        sizeof texts / sizeof *texts, err);
    if (SDL_MUSTLOCK(surf)) SDL_UnlockSurface(surf);
done:
    if (have_draw) draw_free(&d);
    if (r) SDL_DestroyRenderer(r);
    if (surf) SDL_FreeSurface(surf);
    free(labels);
    return rc;
}
