/* export.c — PNG export of the head view or the grid, rendered offscreen by
 * SDL's software renderer on an SDL_Surface (no window, no video driver),
 * written by png.c with the text, model and settings in tEXt chunks. */
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/atlas.h"
#include "engine/atomicfile.h"
#include "app/draw.h"
#include "app/png.h"
#include "app/view.h"
#include "app/view_grid.h"
#include "app/view_head.h"
#include "app/worker.h"

#define EXPORT_LABEL_CAP WORKER_LABEL_CAP

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
    int T = tr->n_tokens, S = trace_n_keys(tr), N = T > S ? T : S;
    int pad = draw_px(d, 20);
    int title_h = font_height(d->font, FONT_TITLE) + draw_px(d, 8);
    int foot_h = font_height(d->font, FONT_SMALL) + draw_px(d, 8);
    if (eo->grid) {
        int cell = draw_px(d, N > 48 ? 96 : 72), gap = draw_px(d, 3);
        int label_w = font_width(d->font, FONT_SMALL, "L00") + draw_px(d, 6);
        int label_h = view_grid_label_h(d, tr->n_head, tr->n_kv_head);
        int bar = draw_px(d, 12) + draw_px(d, 12) + font_width(d->font, FONT_SMALL, "0.00");
        *w = 2 * pad + label_w + (tr->n_head + 1) * (cell + gap) + draw_px(d, 8) + bar;
        *h = 2 * pad + title_h + label_h + tr->n_layer * (cell + gap) + foot_h;
        int min_w = draw_px(d, 640);
        if (*w < min_w) *w = min_w;
        *h += view_grid_legend_h(d, label_w + (tr->n_head + 1) * (cell + gap) + draw_px(d, 8));
        *map_pt = cell;
        return;
    }
    float cell_pt = 480.0f / (float)N;
    if (cell_pt > 32.0f) cell_pt = 32.0f;
    int map_w = (int)((float)S * (float)draw_px(d, cell_pt));
    int map = (int)((float)T * (float)draw_px(d, cell_pt)); /* height */
    if (map_w < S) map_w = S;
    if (map < T) map = T;
    int gap = draw_px(d, 6);
    int bar_w = draw_px(d, 12) + gap + font_width(d->font, FONT_SMALL, "0.00") + gap;
    int lw = label_px + draw_px(d, 10), lh = lw;
    if (lw > draw_px(d, 92)) lw = draw_px(d, 92);
    if (lh > draw_px(d, 72)) lh = draw_px(d, 72);
    *w = 2 * pad + lw + gap + map_w + gap + bar_w + gap;
    *h = 2 * pad + title_h + lh + gap + (map > draw_px(d, 160) ? map : draw_px(d, 160)) +
         font_height(d->font, FONT_SMALL) + gap + foot_h;
    int min_w = draw_px(d, 640);
    if (*w < min_w) *w = min_w;
    *map_pt = map;
}

/* What was changed, by name: "masked keys: 2 "Darcy", 5 "room"  ·  ablated
 * heads: 0.1, 2.3" ("" when nothing). labels: (T, EXPORT_LABEL_CAP). */
static void export__interventions(const Trace *tr, const RunOptions *ro, const char *labels,
                                  char *buf, size_t cap) { /* labels: the keys' */
    size_t o = 0;
    buf[0] = '\0';
    int n = 0;
    for (int k = 0; k < trace_n_keys(tr) && o < cap; k++)
        if (run_options_key_masked(ro, k))
            o += (size_t)snprintf(buf + o, cap - o, "%s%d \"%s\"", n++ ? ", " : "masked keys: ",
                                  k, labels + (size_t)k * EXPORT_LABEL_CAP);
    n = 0;
    for (int l = 0; l < tr->n_layer && o < cap; l++)
        for (int h = 0; h < tr->n_head && o < cap; h++)
            if (run_options_head_ablated(ro, l, h))
                o += (size_t)snprintf(buf + o, cap - o, "%s%d.%d",
                                      n++ ? ", " : o ? "  \xC2\xB7  ablated heads: " : "ablated heads: ",
                                      l, h);
}

/* The text the heatmap shows: exactly the bytes of its tokens (a truncated
 * text's dropped start is not quoted), "…" in front when text was cut. */
static void export__quote(const char *text, const TokenList *tokens, int T, char *buf,
                          size_t cap) {
    size_t a = 0, b = 0;
    bool any = false;
    for (int i = 0; i < T; i++) {
        const Token *t = &tokens->tokens[i];
        if (t->end <= t->start) continue; /* BOS: no bytes */
        if (!any) a = t->start;
        b = t->end;
        any = true;
    }
    if (!text || !any) {
        snprintf(buf, cap, "(no text)");
        return;
    }
    snprintf(buf, cap, "%s\"%.*s\"", a > 0 ? "\xE2\x80\xA6" : "", (int)(b - a), text + a);
}

/* Writes one export of ev into path (a new temp file). */
static int export__write(const ExportView *ev, const ExportOptions *eo, const char *path,
                         EngineError *err) {
    const Trace *tr = ev->tr;
    if (!tr || tr->n_tokens <= 0 || trace_n_keys(tr) <= 0 || !ev->labels)
        return engine_fail(err, "%s: nothing to export (no tokens); HINT: type "
                           "some text first", path);
    int cmap = colormap_find(eo->colormap);
    if (cmap < 0)
        return engine_fail(err, "colormap %s: unknown; HINT: use viridis, magma, "
                           "inferno, cividis or slides", eo->colormap);
    int role = eo->role ? atlas_find(eo->role) : -1;
    if (role < -1)
        return engine_fail(err, "role %s: unknown; HINT: use previous_token, first_token, "
                           "current_token, delimiter, duplicate_token or induction", eo->role);
    if (!eo->grid && (eo->layer < 0 || eo->layer >= tr->n_layer || eo->head < 0 ||
                      eo->head >= tr->n_head))
        return engine_fail(err, "layer %d head %d: out of range (%d layers, %d "
                           "heads); HINT: both are zero-based", eo->layer,
                           eo->head, tr->n_layer, tr->n_head);
    int T = tr->n_tokens, S = trace_n_keys(tr);
    const char *labels = ev->labels;
    const char *key_labels = ev->key_labels ? ev->key_labels : labels;
    const RunOptions *ro = ev->ro;
    const Model *m = ev->model; /* NULL: a translation kind (no roles, no segments) */
    bool encoder = m && m->config.encoder;

    /* measure with a throwaway 1x1 target, then render at the right size */
    int rc = -1;
    /* the grid's badges: the caller's scores, else the same computation the
       app's worker does */
    Roles *own = NULL;
    const Roles *roles = eo->roles;
    if (eo->grid && !roles && m) {
        own = roles_create(tr->n_layer, tr->n_head);
        if (!own || roles_compute_model(m, tr, own, err)) {
            roles_free(own);
            return engine_fail(err, "%s: out of memory for the role scores; HINT: shorter text", path);
        }
        roles = own;
    }
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
    ViewData measure = {.tr = tr, .labels = labels, .key_labels = ev->key_labels,
                        .label_cap = WORKER_LABEL_CAP};
    export__size(&d, eo, tr, view_max_label_px(&d, &measure), &W, &H, &map);
    /* captions wrap at the picture's width: add the lines they take */
    char inter[2048], quote[4096], foot[4200], title[512];
    export__interventions(tr, ro, key_labels, inter, sizeof inter);
    snprintf(quote, sizeof quote, "%s", ev->quote ? ev->quote : "(no text)");
    snprintf(foot, sizeof foot, "%s  \xC2\xB7  colormap %s  \xC2\xB7  attnscope", quote,
             colormap_name(cmap));
    char desc[256];
    run_options_describe(ro, desc, sizeof desc);
    if (eo->grid) {
        char kv[48] = "";
        if (tr->n_kv_head > 0 && tr->n_kv_head < tr->n_head)
            snprintf(kv, sizeof kv, " sharing %d KV heads", tr->n_kv_head);
        char kind[40] = "";
        if (ev->kind) snprintf(kind, sizeof kind, "  \xC2\xB7  %s", ev->kind);
        snprintf(title, sizeof title, "%s%s  \xC2\xB7  %d layers \xC3\x97 %d heads%s  \xC2\xB7  %s",
                 ev->model_name, kind, tr->n_layer, tr->n_head, kv, desc);
    } else {
        ViewData tv = {.tr = tr, .ro = ro, .model_name = ev->model_name, .kind = ev->kind,
                       .layer = eo->layer, .head = eo->head, .encoder = encoder,
                       .seg_filter = eo->pair_filter};
        view_head_title(&tv, title, sizeof title);
    }
    d.dry = true;
    int bw = W - 2 * draw_px(&d, 20);
    int title_h = view_text_wrapped(&d, FONT_TITLE, 0, 0, bw, d.th.text, title);
    int inter_h = inter[0] ? view_text_wrapped(&d, FONT_SMALL, 0, 0, bw, d.th.text, inter) : 0;
    int quote_h = view_text_wrapped(&d, FONT_SMALL, 0, 0, bw, d.th.text, foot);
    H += title_h - (font_height(d.font, FONT_TITLE) + draw_px(&d, 8)) + inter_h +
         quote_h - font_height(d.font, FONT_SMALL) + draw_px(&d, 8);
    if (!eo->grid) H += draw_px(&d, 8); /* the head view's title moved out of it */
    d.dry = false;
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
        .tr = tr, .labels = labels, .key_labels = ev->key_labels, .kind = ev->kind,
        .label_cap = WORKER_LABEL_CAP, .ro = ro, .tok = ev->tok,
        .model_name = ev->model_name, .gen = 1, .layer = eo->layer, .head = eo->head,
        .q = -1, .k = -1,
        /* encoders: segment colours, words run as [MASK], the pair filter */
        .encoder = encoder, .mask_id = m ? tokenizer_mask_id(m->tokenizer) : -1,
        .seg_filter = eo->pair_filter,
        .roles = roles, .role = role,
    };
    draw_fill(&d, (SDL_Rect){0, 0, W, H}, d.th.bg);
    int pad = draw_px(&d, 20);
    SDL_Rect body = {pad, pad, W - 2 * pad, H - 2 * pad};
    /* title and what was changed, wrapped (never cut) over the picture */
    int cap_h = view_text_wrapped(&d, FONT_TITLE, body.x, body.y, body.w, d.th.text, title);
    if (inter[0])
        cap_h += view_text_wrapped(&d, FONT_SMALL, body.x, body.y + cap_h, body.w, d.th.warn, inter);
    cap_h += draw_px(&d, 8);
    int foot_h = quote_h + draw_px(&d, 8);
    SDL_Rect pic = {body.x, body.y + cap_h, body.w, body.h - cap_h - foot_h};
    if (eo->grid) {
        v.layer = v.head = -1;
        GridLayout gl;
        view_grid_layout(&d, pic, tr->n_layer, tr->n_head, tr->n_kv_head, &gl);
        view_grid_narrow_legend(&d, &gl);
        view_grid_draw(&d, &gl, &v, -1, -1);
        SDL_Rect last = view_grid_cell(&gl, tr->n_layer - 1, tr->n_head);
        int top = gl.y0, bot = last.y + last.h;
        view_colorbar(&d, (SDL_Rect){last.x + last.w + draw_px(&d, 12), top,
                                     draw_px(&d, 12), bot - top});
    } else {
        view_head_layout(&d, pic, T, S, false, view_max_label_px(&d, &v), &hl);
        view_head_draw(&d, &hl, &v);
    }
    view_text_wrapped(&d, FONT_SMALL, body.x, H - pad - quote_h, body.w, d.th.text_dim, foot);

    SDL_RenderFlush(r);
    if (SDL_MUSTLOCK(surf)) SDL_LockSurface(surf);
    char settings[3000], head[64];
    char kind_s[40] = "";
    if (ev->kind) snprintf(kind_s, sizeof kind_s, "%s ", ev->kind);
    if (eo->grid) snprintf(head, sizeof head, "%sgrid", kind_s);
    else snprintf(head, sizeof head, "%slayer %d head %d", kind_s, eo->layer, eo->head);
    if (eo->grid && role >= 0) {
        size_t o = strlen(head);
        snprintf(head + o, sizeof head - o, " by %s", roles_name((RoleKind)role));
    }
    snprintf(settings, sizeof settings, "%s; %s; colormap=%s; background=%s; scale=%dx%s%s",
             head, desc, colormap_name(cmap), eo->white_background ? "white" : "dark",
             eo->scale, inter[0] ? "; " : "", inter);
    snprintf(title, sizeof title, "attnscope: %s, %s", ev->model_name, head);
    /* where the cells are, for tools (and tests) that read the pixels back:
       n rows (queries) by keys columns */
    char geom[128];
    snprintf(geom, sizeof geom, "x=%d y=%d cell=%.3f n=%d keys=%d", hl.map.x, hl.map.y,
             hl.cell, eo->grid ? 0 : T, eo->grid ? 0 : S);
    PngText texts[] = {
        {"Title", title},
        {"Software", "attnscope"},
        {"Description", ev->description ? ev->description : ""},
        {"Model", ev->model_path},
        {"Settings", settings},
        {"Heatmap", geom},
        {"Shown text", quote},
    };
    rc = png_write_argb(path, surf->pixels, W, H, surf->pitch / 4, texts,
                        sizeof texts / sizeof *texts, err);
    if (SDL_MUSTLOCK(surf)) SDL_UnlockSurface(surf);
done:
    if (have_draw) draw_free(&d);
    if (r) SDL_DestroyRenderer(r);
    if (surf) SDL_FreeSurface(surf);
    roles_free(own);
    return rc;
}

/* The view of a decoder-only (or BERT) trace: one text, square. */
static int export__model_view(const Model *m, const char *text, const TokenList *tokens,
                              const Trace *tr, const RunOptions *ro, ExportView *ev,
                              char **labels, char *quote, size_t cap, const char *path,
                              EngineError *err) {
    *labels = NULL;
    if (!tr || tr->n_tokens <= 0 || !tokens || tokens->n < (size_t)tr->n_tokens)
        return engine_fail(err, "%s: nothing to export (no tokens); HINT: type "
                           "some text first", path);
    int T = tr->n_tokens;
    *labels = malloc((size_t)T * WORKER_LABEL_CAP);
    if (!*labels) return engine_fail(err, "%s: out of memory; HINT: shorter text", path);
    for (int i = 0; i < T; i++)
        worker_token_label(m->tokenizer, tokens->tokens[i].id,
                           *labels + (size_t)i * WORKER_LABEL_CAP, WORKER_LABEL_CAP);
    export__quote(text, tokens, T, quote, cap);
    *ev = (ExportView){.model = m, .model_name = m->name, .model_path = m->path, .tr = tr,
                       .labels = *labels, .ro = ro, .tok = m->tokenizer,
                       .description = text ? text : "", .quote = quote};
    return 0;
}

/* A temp file beside `like` (same folder, so link and rename stay on one
 * file system): into tmp, or -1 with err. */
static int export__temp(const char *dir, char *tmp, size_t cap, EngineError *err) {
    snprintf(tmp, cap, "%s/.attnscope-export-XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return engine_fail(err, "%s: cannot write: %s; HINT: choose a folder that exists "
                           "and is writable", dir, strerror(errno));
    close(fd);
    return 0;
}

int export_png(const Model *m, const char *text, const TokenList *tokens,
               const Trace *tr, const RunOptions *ro, const ExportOptions *eo,
               const char *path, EngineError *err) {
    ExportView ev;
    char *labels, quote[4096];
    int rc = export__model_view(m, text, tokens, tr, ro, &ev, &labels, quote, sizeof quote,
                                path, err);
    if (rc == 0) rc = export_png_view(&ev, eo, path, err);
    free(labels);
    return rc;
}

int export_png_new(const Model *m, const char *text, const TokenList *tokens,
                   const Trace *tr, const RunOptions *ro, const ExportOptions *eo,
                   const char *dir, const char *stem, char *path_out, size_t cap,
                   EngineError *err) {
    if (path_out && cap) path_out[0] = '\0';
    ExportView ev;
    char *labels, quote[4096];
    if (export__model_view(m, text, tokens, tr, ro, &ev, &labels, quote, sizeof quote, dir, err))
        return -1;
    int rc = export_png_view_new(&ev, eo, dir, stem, path_out, cap, err);
    free(labels);
    return rc;
}

/* Written through atomicfile.h: the target is replaced only by a finished
 * PNG, and one that is not a regular file (a device, a FIFO) is written into,
 * never removed or renamed over. Errors name path, not the temporary file. */
int export_png_view(const ExportView *ev, const ExportOptions *eo, const char *path,
                    EngineError *err) {
    if (!path[0] || !strcmp(path, "-"))
        return engine_fail(err, "%s: an export is a PNG file; HINT: name a file such as head.png", path);
    AtomicFile af;
    if (atomicfile_open(&af, path, err)) return -1;
    if (export__write(ev, eo, af.tmp, err)) {
        char *at = strstr(err->msg, af.tmp);
        if (at) {
            char rest[ENGINE_ERROR_SIZE];
            snprintf(rest, sizeof rest, "%s", at + strlen(af.tmp));
            engine_fail(err, "%s%s", path, rest);
        }
        atomicfile_abort(&af);
        return -1;
    }
    return atomicfile_commit(&af, err);
}

int export_png_view_new(const ExportView *ev, const ExportOptions *eo, const char *dir,
                        const char *stem, char *path_out, size_t cap, EngineError *err) {
    char tmp[1100], path[1400];
    if (path_out && cap) path_out[0] = '\0';
    if (export__temp(dir, tmp, sizeof tmp, err)) return -1;
    int rc = export__write(ev, eo, tmp, err);
    for (int n = 1; rc == 0; n++) {
        if (n == 1) snprintf(path, sizeof path, "%s/%s.png", dir, stem);
        else snprintf(path, sizeof path, "%s/%s-%d.png", dir, stem, n);
        /* link, unlike rename, never replaces a file that exists */
        if (link(tmp, path) == 0) break;
        int e = errno;
        if (e != EEXIST && access(path, F_OK) != 0) {
            /* no hard links here (FAT, some network file systems): the name
               is free, move the finished file onto it */
            if (rename(tmp, path) == 0) break;
            e = errno;
        } else if (n < 100000) {
            continue;
        }
        rc = engine_fail(err, "%s: cannot write: %s; HINT: choose a folder that exists "
                         "and is writable", path, strerror(e));
    }
    unlink(tmp);
    if (rc == 0 && path_out && cap) snprintf(path_out, cap, "%s", path);
    return rc;
}
