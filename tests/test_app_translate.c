/* test_app_translate.c — the translation mode of the headless app on the
 * random Marian checkpoint of tests/oracle/marian_oracle.py: the folder opens
 * in that mode, the target chips are `attnscope translate`'s output, the
 * cross-attention map is target rows x source columns and its pixels are the
 * trace's, the kind switch changes the map, a hovered target chip tints the
 * source chips by its cross-attention, exports name both texts, and a
 * run-option change acts on the shown kind only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/appstate.h"
#include "app/colormap.h"
#include "app/png.h"
#include "app_drive.h"
#include "check.h"

static App *app;

static bool settle(void) { return drive_settle(app); }
static void motion(int x, int y) { drive_mouse(app, SDL_MOUSEMOTION, x, y, 0); }

static const MtResult *mt(void) { return app->res ? app->res->mt : NULL; }

static uint32_t rgb24(Rgb c) { return ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b; }

/* `attnscope translate` of text on model, into out (newline cut). */
static int cli_translate(const char *model, const char *text, char *out, size_t cap) {
    const char *bin = getenv("ATTNSCOPE_BIN") ? getenv("ATTNSCOPE_BIN") : "build/attnscope";
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s translate --model '%s' --text '%s'", bin, model, text);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    if (n > 0 && out[n - 1] == '\n') out[n - 1] = '\0';
    return pclose(p) == 0 ? 0 : -1;
}

/* Checks that the exported head view's cells carry the trace's weights. */
static void check_export_pixels(const char *path, const Trace *t, int layer, int head, const char *src,
                                const char *translation) {
    uint32_t *px = NULL;
    int w, h, x0, y0, n, keys;
    float cell;
    char geom[160], desc[2048];
    EngineError err;
    if (png_read_argb(path, &px, &w, &h, "Heatmap", geom, sizeof geom, &err) ||
        sscanf(geom, "x=%d y=%d cell=%f n=%d keys=%d", &x0, &y0, &cell, &n, &keys) != 5) {
        CHECK(0, "export %s readable with its geometry: %s", path, err.msg);
        free(px);
        return;
    }
    CHECK(n == t->n_tokens && keys == trace_n_keys(t), "the export is %d rows x %d columns (trace %d x %d)", n,
          keys, t->n_tokens, trace_n_keys(t));
    const float *att = trace_att(t, layer, head); // (query, key)
    const float *sc = trace_scores(t, layer, head); // -inf: hidden, drawn in the masked grey
    int ok = 0, all = 0;
    for (int q = 0; q < n; q++)
        for (int k = 0; k < keys; k++) {
            int x = x0 + (int)((float)k * cell + cell / 2), y = y0 + (int)((float)q * cell + cell / 2);
            uint32_t got = px[(size_t)y * w + x] & 0xFFFFFF;
            float a = att[q * keys + k];
            all++;
            ok += sc[q * keys + k] == -INFINITY ? got == (app->d.masked & 0xFFFFFF)
                                                : got == rgb24(colormap_rgb(CMAP_VIRIDIS, roundf(a * 255.0f) / 255.0f));
        }
    CHECK(all > 0 && ok == all, "every exported cell has its weight's colour (or the masked grey): %d/%d", ok, all);
    free(px);
    px = NULL;
    if (png_read_argb(path, &px, &w, &h, "Description", desc, sizeof desc, &err) == 0)
        CHECK(strstr(desc, src) && strstr(desc, translation), "the export names both texts: %s", desc);
    else
        CHECK(0, "Description chunk: %s", err.msg);
    free(px);
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char model[1024];
    snprintf(model, sizeof model, "%s/oracle/marian_f32", build);
    if (!check_path_exists(model)) {
        SKIP("%s absent: run tests/oracle/marian_oracle.py first (make test does)", model);
        return check_summary();
    }
    if (!drive_headless()) {
        CHECK(0, "SDL starts headless");
        return check_summary();
    }
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s/test-app-translate", build);
    mkdir(tmp, 0755);
    setenv("ATTNSCOPE_EXPORT_DIR", tmp, 1);

    static const char src[] = "hola mundo, qu\xC3\xA9 tal";
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    args.text = src;
    args.run = run_options_default();
    EngineError err = {{0}};
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app != NULL, "app_create: %s", err.msg);
    if (!app) return check_summary();
    CHECK(app->mt != NULL && app->model && !app->load_error[0], "a Marian folder opens in translation mode (%s)",
          app->load_error);
    CHECK(settle() && mt() && mt()->status == 0 && mt()->tr, "the worker translated and traced: %s",
          mt() ? mt()->err : "no result");
    if (!app->mt || !mt() || !mt()->tr) return check_summary();
    const MtResult *r = mt();
    ViewData v = app_view_data(app);

    /* --- the target chips are the translation of `attnscope translate` --- */
    char want[8192];
    CHECK(cli_translate(model, src, want, sizeof want) == 0, "attnscope translate ran");
    CHECK(!strcmp(r->translation, want), "the app's translation is the CLI's: \"%s\" vs \"%s\"", r->translation,
          want);
    int same = 0;
    for (int t = 0; t < r->T; t++) {
        char lab[WORKER_LABEL_CAP];
        worker_token_label(app->mt->mm->target, r->out[t], lab, sizeof lab);
        same += !strcmp(lab, r->tgt_labels + (size_t)t * WORKER_LABEL_CAP);
    }
    CHECK(r->T > 0 && same == r->T, "each target chip is the label of its translated token (%d/%d)", same, r->T);
    CHECK(app->tlv.n_tgt > 0 && app->tlv.tgt_chip[0].w > 0, "target chips drawn: %d", app->tlv.n_tgt);
    CHECK(app->tlv.n_src == r->S, "one source chip per source token (+ </s>): %d of %d", app->tlv.n_src, r->S);

    /* --- cross-attention: a rectangular map, target rows x source columns --- */
    CHECK(v.kind && !strcmp(v.kind, "cross") && v.tr == &r->views[MARIAN_KIND_CROSS], "cross-attention shown first");
    CHECK(v.tr->n_tokens == r->T && trace_n_keys(v.tr) == r->S && r->S != r->T,
          "the cross map is %d target rows x %d source columns", v.tr->n_tokens, trace_n_keys(v.tr));
    CHECK(app->hv.layout.rows == r->T && app->hv.layout.cols == r->S &&
              app->hv.layout.map.w < app->hv.layout.map.h,
          "the head view lays out %d x %d cells, %d x %d px", app->hv.layout.rows, app->hv.layout.cols,
          app->hv.layout.map.w, app->hv.layout.map.h);
    {
        /* its cells in the window are the trace's weights */
        const HeadLayout *hl = &app->hv.layout;
        const float *att = trace_att(v.tr, v.layer, v.head);
        int ok = 0, all = 0;
        for (int q = 0; q < hl->n_q && q < 12; q++)
            for (int k = 0; k < hl->n_k; k++) {
                int x = hl->map.x + (int)((float)k * hl->cell + hl->cell / 2);
                int y = hl->map.y + (int)((float)q * hl->cell + hl->cell / 2);
                uint32_t got = drive_px(app, x, y);
                all++;
                ok += got == (draw_lut(&app->d, att[q * r->S + k]) & 0xFFFFFF);
            }
        CHECK(all > 0 && ok == all, "window cells carry the cross weights: %d/%d", ok, all);
    }
    char path[1400];
    CHECK(app_export(app, false, NULL, path, sizeof path) == 0 && strstr(path, "-cross"),
          "Ctrl+E exports the cross map: %s (%s)", path, app->msg);
    check_export_pixels(path, v.tr, v.layer, v.head, src, r->translation);

    /* --- a hovered target chip tints the source chips by its cross weights --- */
    int t = r->T > 2 ? 2 : 0;
    SDL_Rect chip = app->tlv.tgt_chip[t];
    motion(chip.x + chip.w / 2, chip.y + chip.h / 2);
    app_frame(app, true);
    CHECK(app->mt->hover_t == t, "hovering target chip %d (hover %d)", t, app->mt->hover_t);
    {
        v = app_view_data(app);
        float w[256];
        char what[48];
        CHECK(view_translate_weights(&v, t, w, what, sizeof what) && !strcmp(what, "cross L1 H0"),
              "the tints come from the selected head: %s", what);
        const float *row = trace_att(v.tr, v.layer, v.head) + (size_t)t * r->S;
        int ok = 0, tinted = 0;
        for (int k = 0; k < r->S && k < app->tlv.n_src; k++) {
            ok += w[k] == row[k];
            SDL_Rect c = app->tlv.src_chip[k];
            tinted += drive_px(app, c.x + 1, c.y + 1) == (draw_lut(&app->d, w[k]) & 0xFFFFFF);
        }
        CHECK(ok == r->S && tinted == app->tlv.n_src, "source chip k is tinted by weight[%d][k]: %d/%d weights, %d/%d "
              "chips", t, ok, r->S, tinted, app->tlv.n_src);
    }
    motion(2, 790);
    app_frame(app, true);
    CHECK(app->mt->hover_t == -1, "leaving the chips clears the hover");

    /* --- the kind switch: encoder and decoder self-attention --- */
    drive_key(app, SDLK_ESCAPE, 0); /* command keys */
    drive_key(app, SDLK_t, 0);
    app_frame(app, true);
    v = app_view_data(app);
    CHECK(v.kind && !strcmp(v.kind, "encoder") && v.tr == &r->views[MARIAN_KIND_ENC] && v.tr->n_tokens == r->S &&
              trace_n_keys(v.tr) == r->S, "T shows encoder self-attention, %d x %d", v.tr ? v.tr->n_tokens : 0,
          v.tr ? trace_n_keys(v.tr) : 0);
    CHECK(app->hv.layout.rows == r->S && app->hv.layout.cols == r->S, "the head view is now square, %d x %d",
          app->hv.layout.rows, app->hv.layout.cols);
    CHECK(strstr(app->msg, "encoder") && strstr(app->msg, "act on"), "the status says what the controls act on: %s",
          app->msg);
    /* a click on the decoder button */
    SDL_Rect b = app->tlv.kind_btn[MARIAN_KIND_DEC];
    drive_click(app, b.x + 3, b.y + 3, SDL_BUTTON_LEFT);
    app_frame(app, true);
    v = app_view_data(app);
    CHECK(v.kind && !strcmp(v.kind, "decoder") && v.tr->n_tokens == r->T && trace_n_keys(v.tr) == r->T,
          "the decoder button shows decoder self-attention, %d x %d", v.tr->n_tokens, trace_n_keys(v.tr));
    {
        /* decoder self-attention is causal: the upper triangle is masked */
        const float *sc = trace_scores(v.tr, v.layer, v.head);
        int upper = 0;
        for (int q = 0; q < r->T; q++)
            for (int k = q + 1; k < r->T; k++) upper += sc[q * r->T + k] == -INFINITY;
        CHECK(upper == r->T * (r->T - 1) / 2, "the decoder map is causal (%d masked cells)", upper);
    }
    CHECK(app_export(app, false, NULL, path, sizeof path) == 0 && strstr(path, "-decoder"),
          "the decoder map exports: %s", path);
    check_export_pixels(path, v.tr, v.layer, v.head, src, r->translation);

    /* --- a run option acts on the shown kind only --- */
    drive_key(app, SDLK_t, 0); /* decoder -> cross */
    drive_key(app, SDLK_t, 0); /* cross -> encoder */
    drive_key(app, SDLK_s, 0); /* scaling: sqrt -> off */
    CHECK(settle() && mt() && mt()->status == 0, "re-ran");
    r = mt();
    CHECK(r->ro.enc.scale == SCALE_NONE && r->ro.cross.scale == SCALE_SQRT && r->ro.dec.scale == SCALE_SQRT,
          "scaling off reaches the encoder only (enc %d, cross %d, dec %d)", r->ro.enc.scale, r->ro.cross.scale,
          r->ro.dec.scale);
    {
        const Trace *en = &r->views[MARIAN_KIND_ENC], *cr = &r->views[MARIAN_KIND_CROSS];
        float dh = sqrtf((float)cr->d_head);
        const float *raw = trace_raw(en, 0, 0), *sc = trace_scores(en, 0, 0);
        const float *craw = trace_raw(cr, 0, 0), *csc = trace_scores(cr, 0, 0);
        CHECK(fabsf(sc[1] - raw[1]) < 1e-6f && fabsf(csc[1] - craw[1] / dh) < 1e-5f,
              "encoder scores are q.k (%g = %g), cross scores still q.k/sqrt(d) (%g = %g)", sc[1], raw[1], csc[1],
              craw[1] / dh);
    }
    v = app_view_data(app);
    char title[512];
    view_head_title(&v, title, sizeof title);
    CHECK(strstr(title, "encoder") && strstr(title, "scale=none"), "the head title names the kind and its options: %s",
          title);
    drive_key(app, SDLK_t, 0); /* encoder -> decoder: its own options again */
    CHECK(app->ro.scale == SCALE_SQRT && app->ro.mask == MASK_CAUSAL, "the decoder's controls show its options");

    /* --- an empty source: no trace, a hint, an export error; then back --- */
    char before[8192];
    snprintf(before, sizeof before, "%s", mt()->translation);
    drive_key(app, SDLK_RETURN, 0); /* into the text box */
    drive_key(app, SDLK_a, KMOD_LCTRL);
    drive_key(app, SDLK_BACKSPACE, 0);
    CHECK(settle() && mt() && mt()->status == 0 && mt()->T == 0 && !app_view_data(app).tr,
          "an empty source runs to no trace");
    CHECK(app_export(app, false, NULL, path, sizeof path) == -1 && app->msg_error && strstr(app->msg, "HINT"),
          "exporting nothing says what to do: %s", app->msg);
    drive_type(app, src);
    CHECK(settle() && mt() && mt()->T > 0 && !strcmp(mt()->translation, before), "typing it again translates it again");

    /* --- only controls that work: no role atlas in translation (issue: the
       "by role" button and the badge legend showed without role scores) --- */
    drive_key(app, SDLK_ESCAPE, 0); /* out of the text box: G is a command key */
    drive_key(app, SDLK_g, KMOD_LCTRL);
    CHECK(app->role == -1 && app->msg_error && strstr(app->msg, "no head roles in translation"),
          "Ctrl+G in translation colours nothing and says why: %s", app->msg);
    drive_key(app, SDLK_g, 0);
    CHECK(app->role == -1, "nor does G");
    app_frame(app, true);
    CHECK(app->gv.role_button.w == 0, "no \"by role\" button in translation");
    v = app_view_data(app);
    CHECK(view_act_off(&v, ACT_ROLE_TOGGLE) && view_act_off(&v, ACT_ROPE) && view_act_off(&v, ACT_WORD_MASK) &&
          view_act_off(&v, ACT_SEG_FILTER) && !view_act_off(&v, ACT_MT_KIND) && !view_act_off(&v, ACT_ABLATE),
          "translation: roles, RoPE, word masks and the pair filter are off; kinds and ablation work");
    drive_key(app, SDLK_r, KMOD_LCTRL);
    CHECK(!app->pre_rope && app->msg_error && strstr(app->msg, "Llama models only"),
          "Ctrl+R says RoPE is for Llama: %s", app->msg);
    MarianKind k0 = app->mt->kind;
    drive_key(app, SDLK_t, KMOD_LCTRL);
    CHECK(app->mt->kind == (MarianKind)((k0 + 1) % MARIAN_KIND_COUNT) && !app->msg_error,
          "Ctrl+T still switches the kind: %s", app->msg);
    for (int i = 1; i < MARIAN_KIND_COUNT; i++) drive_key(app, SDLK_t, KMOD_LCTRL);
    CHECK(app->mt->kind == k0, "and round to where it was");

    /* --- another model leaves the mode --- */
    char gpt2[1024];
    snprintf(gpt2, sizeof gpt2, "%s/oracle/gpt2_f32", build);
    if (check_path_exists(gpt2)) {
        CHECK(app_open_model(app, gpt2) == 0 && !app->mt && app->ro.mask == MASK_CAUSAL && app->ro.scale == SCALE_SQRT,
              "a GPT-2 folder leaves translation mode with its own options");
        CHECK(settle() && app->res && app->res->tr && !app->res->mt, "and runs as before");
        v = app_view_data(app);
        CHECK(!v.kind && !v.mt && trace_n_keys(v.tr) == v.tr->n_tokens, "square again, no kind");
        drive_key(app, SDLK_t, KMOD_LCTRL);
        CHECK(app->msg_error && strstr(app->msg, "translation models only"), "Ctrl+T on GPT-2 says why not: %s", app->msg);
        drive_key(app, SDLK_g, KMOD_LCTRL);
        app_frame(app, true);
        CHECK(app->role == 0 && app->gv.role_button.w > 0, "GPT-2 has the role atlas and its button again");
    }
    app_destroy(app);
    SDL_Quit();
    return check_summary();
}
