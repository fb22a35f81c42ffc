/* app_options.c — the run-option actions of keys and buttons: scaling,
 * temperature, masking (mode, window, single keys), head ablation, the
 * reset of every intervention, the vector view's RoPE side and the head
 * view's zoom steps. Each changes App.ro (and re-runs) or the view, and says
 * what it did, or why not, in the status line. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <math.h>
#include <string.h>

static void app__cycle_scale(App *app) {
    app->ro.scale = (ScaleMode)((app->ro.scale + 1) % 3);
    app_rerun(app);
}

static void app__cycle_mask(App *app) {
    app->ro.mask = (MaskMode)((app->ro.mask + 1) % 3);
    app_rerun(app);
}

static void app__window(App *app, int delta) {
    int w = app->ro.window + delta;
    if (w < 1) w = 1;
    if (w > app->max_tokens) w = app->max_tokens;
    app->ro.window = w;
    app->ro.mask = MASK_WINDOW;
    app_rerun(app);
}

static void app__set_temperature(App *app, float log10_t) {
    if (log10_t < -1.0f) log10_t = -1.0f;
    if (log10_t > 1.0f) log10_t = 1.0f;
    app->temp_slider = log10_t;
    app->ro.temperature = powf(10.0f, log10_t);
    app->ro.scale = SCALE_TEMP;
    app_rerun(app);
}

static void app__toggle_key_mask(App *app, int k) {
    if (k < 0 || k >= RUN_MAX_KEYS) return;
    bool on = !run_options_key_masked(&app->ro, k);
    run_options_set_key_masked(&app->ro, k, on);
    ViewData v = app_view_data(app); /* keys may be another text's (cross) */
    const char *lab = v.tr && k < trace_n_keys(v.tr) ? view_key_label(&v, k) : "?";
    app__say(app, false, "key %d \"%s\" %s", k, lab,
             on ? "masked for every query" : "unmasked");
    app_rerun(app);
}

static void app__toggle_ablate(App *app, int layer, int head) {
    if (!app->model || layer < 0 || head < 0 || layer >= app->model->config.n_layer ||
        head >= app->model->config.n_head)
        return;
    bool on = !run_options_head_ablated(&app->ro, layer, head);
    run_options_set_head_ablated(&app->ro, layer, head, on);
    app__say(app, false, "head L%d H%d %s", layer, head,
             on ? "ablated: its output is zeroed" : "restored");
    app_rerun(app);
}

static void app__reset_interventions(App *app) {
    memset(app->ro.masked_keys, 0, sizeof app->ro.masked_keys);
    memset(app->ro.ablated, 0, sizeof app->ro.ablated);
    bool words = app->wm.n > 0;
    app->wm.n = 0;
    app__say(app, false, "all keys unmasked, all heads restored%s",
             words ? ", every word runs as typed" : "");
    app_rerun(app);
}

/* Llama models only: GPT-2 has no RoPE, its q and k are what the score uses. */
bool app__has_rope(const App *app) {
    return app->model && app->model->config.arch == ARCH_LLAMA;
}

static void app__toggle_rope(App *app) {
    if (!app__has_rope(app)) return;
    app->pre_rope = !app->pre_rope;
    app__say(app, false, "vector view: q and k %s", app->pre_rope
             ? "before RoPE (the weight still comes from the rotated q\xC2\xB7k)"
             : "after RoPE, as the score uses them");
}

/* Zooms the head view one wheel step in (+1) or out (-1), keeping the
 * focused cell (or the middle of the view) in place. */
static void app__zoom_step(App *app, int dir) {
    HeadCam *c = &app->hv.cam;
    int T = app->res && app->res->tr ? app->res->tr->n_tokens : 0;
    if (T <= 0) return;
    float z0 = c->zoom, z = z0 * powf(1.25f, (float)dir);
    if (z < 1.0f) z = 1.0f;
    float n0 = (float)T / z0, n1 = (float)T / z;
    float cq = app->pin_q >= 0 ? (float)app->pin_q + 0.5f : (float)c->off_q + n0 / 2.0f;
    float ck = app->pin_k >= 0 ? (float)app->pin_k + 0.5f : (float)c->off_k + n0 / 2.0f;
    c->zoom = z; /* view_head_zoom clamps it and the offsets next frame */
    c->off_q = (int)lroundf(cq - n1 / 2.0f);
    c->off_k = (int)lroundf(ck - n1 / 2.0f);
}

void app__options_act(App *app, const ViewEvent *e) {
    switch (e->act) {
    case ACT_SCALE_SQRT: app->ro.scale = SCALE_SQRT; app_rerun(app); break;
    case ACT_SCALE_NONE: app->ro.scale = SCALE_NONE; app_rerun(app); break;
    case ACT_SCALE_TEMP: app->ro.scale = SCALE_TEMP; app_rerun(app); break;
    case ACT_SCALE_CYCLE: app__cycle_scale(app); break;
    case ACT_TEMP_SET: app__set_temperature(app, e->f); break;
    case ACT_TEMP_STEP: app__set_temperature(app, app->temp_slider + 0.1f * (float)e->a); break;
    case ACT_MASK_CAUSAL: app->ro.mask = MASK_CAUSAL; app_rerun(app); break;
    case ACT_MASK_NONE: app->ro.mask = MASK_NONE; app_rerun(app); break;
    case ACT_MASK_WINDOW: app->ro.mask = MASK_WINDOW; app_rerun(app); break;
    case ACT_MASK_CYCLE: app__cycle_mask(app); break;
    case ACT_WIN_STEP: app__window(app, e->a); break;
    case ACT_MASK_KEY: app__toggle_key_mask(app, e->a); break;
    case ACT_MASK_FOCUS: {
        ViewData v = app_view_data(app);
        if (v.k >= 0) app__toggle_key_mask(app, v.k);
        else app__say(app, false, "no focused key: click a cell of the head view first");
        break;
    }
    case ACT_ABLATE: /* a < 0: the selected head */
        app__toggle_ablate(app, e->a < 0 ? app->layer : e->a, e->a < 0 ? app->head : e->b);
        break;
    case ACT_RESET: app__reset_interventions(app); break;
    case ACT_ROPE: app__toggle_rope(app); break;
    case ACT_ZOOM_STEP: app__zoom_step(app, e->a); break;
    default: break;
    }
}
