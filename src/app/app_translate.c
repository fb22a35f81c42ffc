/* app_translate.c — the translation mode's state changes; see
 * app_translate.h. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* App.model (the base) describes kind k: its layers, heads and context. */
static void app_mt__describe(AppTranslate *mt) {
    const MarianConfig *c = &mt->mm->config;
    ModelConfig *b = &mt->mm->base->config;
    bool enc = mt->kind == MARIAN_KIND_ENC;
    b->n_layer = enc ? c->n_enc_layer : c->n_dec_layer;
    b->n_head = b->n_kv_head = enc ? c->n_enc_head : c->n_dec_head;
    b->d_model = c->d_model;
    b->d_head = c->d_model / b->n_head;
    b->n_ctx = c->n_ctx;
}

int app_mt_load(const char *path, int max_new, uint32_t event, AppTranslate **out,
                Worker **worker, EngineError *err) {
    *out = NULL;
    *worker = NULL;
    AppTranslate *mt = calloc(1, sizeof *mt);
    if (!mt) return engine_fail(err, "%s: out of memory; HINT: close other programs", path);
    if (marian_load(&mt->mm, path, err)) {
        free(mt);
        return -1;
    }
    mt->mro = marian_run_options_default();
    mt->kind = MARIAN_KIND_CROSS;
    mt->hover_t = -1;
    app_mt__describe(mt);
    *worker = worker_create_marian(mt->mm, max_new, event, err);
    if (!*worker) {
        app_mt_free(mt);
        return -1;
    }
    *out = mt;
    return 0;
}

void app_mt_free(AppTranslate *mt) {
    if (!mt) return;
    marian_free(mt->mm);
    free(mt);
}

void app_mt_set_kind(App *app, int k) {
    AppTranslate *mt = app->mt;
    if (!mt) return;
    if (k < 0 || k >= MARIAN_KIND_COUNT) k = (mt->kind + 1) % MARIAN_KIND_COUNT;
    *marian_run_options_kind(&mt->mro, mt->kind) = app->ro;
    mt->kind = (MarianKind)k;
    app->ro = *marian_run_options_kind(&mt->mro, mt->kind);
    app_mt__describe(mt);
    app__select(app, app->layer, app->head);
    app->pin_q = app->pin_k = app->hover_q = app->hover_k = -1;
    app->hv.cam = (HeadCam){.zoom = 1.0f};
    app->label_px_gen = UINT64_MAX; /* other labels: measure again */
    char desc[160];
    run_options_describe(&app->ro, desc, sizeof desc);
    app__say(app, false, "showing %s attention: scale, mask and ablate now act on it (%s)",
             marian_kind_name(mt->kind), desc);
}

bool app_mt_hover(App *app, int t) {
    if (!app->mt || app->mt->hover_t == t) return false;
    app->mt->hover_t = t;
    return true;
}

uint64_t app_mt_post(App *app) {
    AppTranslate *mt = app->mt;
    *marian_run_options_kind(&mt->mro, mt->kind) = app->ro;
    /* a masked source token hides from the encoder and from cross-attention */
    if (mt->kind != MARIAN_KIND_DEC)
        for (int p = 0; p < RUN_MAX_KEYS; p++)
            marian_run_options_mask_source(&mt->mro, p, run_options_key_masked(&app->ro, p));
    return worker_post_marian(app->worker, app->edit.buf, &mt->mro);
}

void app_mt_view_data(const App *app, ViewData *v) {
    const AppTranslate *mt = app->mt;
    v->kind = marian_kind_name(mt->kind);
    v->tok = mt->kind == MARIAN_KIND_ENC ? mt->mm->base->tokenizer : mt->mm->target;
    v->mt_hover = mt->hover_t;
    const WorkResult *r = app->res;
    if (!r || !r->mt) return;
    const MtResult *m = r->mt;
    v->mt = m;
    v->text = m->text;
    v->tokens = m->src.tokens;
    v->ro = marian_run_options_kind((MarianRunOptions *)&m->ro, mt->kind);
    v->gen = r->gen * MARIAN_KIND_COUNT + (uint64_t)mt->kind; /* heatmaps per kind */
    if (mt->hover_t >= m->T) v->mt_hover = -1;
    if (!m->tr || m->T == 0) return;
    v->tr = &m->views[mt->kind];
    v->labels = mt_row_labels(m, mt->kind);
    v->key_labels = mt_key_labels(m, mt->kind);
    int q = app->hover_q >= 0 ? app->hover_q : app->pin_q;
    int k = app->hover_q >= 0 ? app->hover_k : app->pin_k;
    if (q >= 0 && q < v->tr->n_tokens && k >= 0 && k < trace_n_keys(v->tr)) {
        v->q = q;
        v->k = k;
    }
}

int app_mt_export(const App *app, const ExportOptions *eo, const char *path, const char *dir,
                  const char *stem, char *written, size_t cap, EngineError *err) {
    const MtResult *m = app->res ? app->res->mt : NULL;
    if (!m || !m->tr || m->T == 0)
        return engine_fail(err, "nothing to export yet; HINT: type a sentence to translate");
    ExportView ev;
    char quote[4096];
    mt_export_view(m, app->mt->mm, app->mt->kind, &ev, quote, sizeof quote);
    if (path) {
        snprintf(written, cap, "%s", path);
        return export_png_view(&ev, eo, path, err);
    }
    char kstem[300];
    snprintf(kstem, sizeof kstem, "%s-%s", stem, marian_kind_name(app->mt->kind));
    return export_png_view_new(&ev, eo, dir, kstem, written, cap, err);
}
