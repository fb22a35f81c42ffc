/* app.c — the attnscope window: event handling, the immediate-mode frame,
 * the main loop, screenshots and the interactive benchmark.
 *
 * Every frame is rebuilt from App (appstate.h). Input events only change
 * state and mark the app dirty; the loop sleeps in SDL_WaitEvent until the
 * next event (the worker posts one when a forward pass finishes), so an idle
 * app uses no CPU.
 */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/png.h"
#include "engine/atomicfile.h"
#include "engine/mapguard.h"


/* The starter text: a sentence, then the same sentence again, so an
 * induction head (second copy -> the token after the first) shows at once. */
static const char app_default_text[] =
    "Mr. Darcy walked into the room and smiled at Elizabeth. "
    "Mr. Darcy walked into the room and smiled at Elizabeth.";

double app_now_ms(void) {
    return (double)SDL_GetPerformanceCounter() * 1000.0 /
           (double)SDL_GetPerformanceFrequency();
}

void app__say(App *app, bool error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->msg, sizeof app->msg, fmt, ap);
    va_end(ap);
    app->msg_error = error;
    app->dirty = true;
}

void app_say(App *app, bool error, const char *msg) {
    app__say(app, error, "%s", msg);
}

static void app__act(App *app, const ViewEvent *e);

/* ------------------------------------------------------------------ */
/* state changes                                                        */

void app_rerun(App *app) {
    app->dirty = true;
    size_t n = app->edit.len + 1;
    if (n > app->posted_cap) {
        char *p = realloc(app->posted_text, n);
        if (p) {
            app->posted_text = p;
            app->posted_cap = n;
        }
    }
    if (app->posted_text && n <= app->posted_cap) memcpy(app->posted_text, app->edit.buf, n);
    if (!app->worker) return;
    if (app->posted_gen == app->shown_gen) app->pending_since_ms = app_now_ms();
    if (!app->mt) worker_set_focus(app->worker, app->hover_q >= 0 ? app->hover_q : app->pin_q); /* its predictions first */
    app->posted_gen = app->mt ? app_mt_post(app)
                              : worker_post(app->worker, app->edit.buf, &app->ro, &app->wm);
}

/* The user changed the text: a text that shares no prefix with the last one
 * (a new text, not an edit of it) starts with a fresh view: zoom and pin
 * reset. Then re-runs. */
static void app__text_changed(App *app) {
    const char *old = app->posted_text ? app->posted_text : "";
    if (old[0] != app->edit.buf[0]) {
        app->hv.cam.zoom = 1.0f;
        app->hv.cam.off_q = app->hv.cam.off_k = 0;
        app->hv.cam.pan_active = false;
        app->pin_q = app->pin_k = -1;
        app->hover_q = app->hover_k = -1;
    }
    wordmask_edit(&app->wm, old, app->edit.buf); /* masked words move with the edit */
    app_rerun(app);
}

/* Milliseconds left to hold the frame for a run in flight (0 = draw now):
 * a keystroke then costs one frame with the new trace instead of a stale
 * frame (that competes with the forward pass for the cores) and a second
 * one. Bounded from the oldest pending request, so fast typing still shows. */
static int app__hold_ms(const App *app) {
    if (!app->worker || app->posted_gen == app->shown_gen) return 0;
    double left = APP_HOLD_MS - (app_now_ms() - app->pending_since_ms);
    return left > 0 ? (int)ceil(left) : 0;
}

/* Shows the worker's newest result, if any. */
static void app__take_result(App *app) {
    if (!app->worker) return;
    WorkResult *r = worker_take(app->worker, app->res);
    if (!r) return;
    app->res = r;
    app->shown_gen = r->gen;
    app->dirty = true;
    if (r->status != 0) {
        app__say(app, true, "%s", r->err);
        return;
    }
    if (r->n_dropped > 0) {
        bool bos = r->tokens.n > 0 && r->tokens.tokens[0].end == 0 &&
                   r->tokens.tokens[0].id == tokenizer_bos_id(app->model->tokenizer);
        if (app__encoder(app) && (!app->truncation_noted || app->msg_error))
            app__say(app, false, "text truncated to %zu tokens: the longer segment lost its "
                     "last %zu (max_position_embeddings)", r->tokens.n, r->n_dropped);
        else if (!app->truncation_noted || app->msg_error) /* a good run replaces an error */
            app__say(app, false, "text truncated to %sthe last %zu tokens "
                     "(%zu dropped from the start)", bos ? "BOS + " : "",
                     r->tokens.n - (bos ? 1 : 0), r->n_dropped);
        app->truncation_noted = true;
    } else {
        if (app->truncation_noted && !app->msg_error) app->msg[0] = '\0';
        app->truncation_noted = false;
        if (app->msg_error && r->tr) { /* a good run clears errors */
            app->msg[0] = '\0';
            app->msg_error = false;
        }
    }
    app__roles_result(app);
    ViewData v = app_view_data(app); /* rows x keys of the trace shown */
    int T = v.tr ? v.tr->n_tokens : 0;
    if (app->pin_q >= T || app->pin_k >= (v.tr ? trace_n_keys(v.tr) : 0)) app->pin_q = app->pin_k = -1;
    if (app->auto_focus && T > 2 && r->tr) {
        /* the strongest long-range weight of the selected head: skips the
           first token (a common sink) and the last two positions */
        const float *att = trace_att(r->tr, app->layer, app->head); // (query, key)
        float best = -1.0f;
        for (int q = 2; q < T; q++)
            for (int k = 1; k < q - 1; k++)
                if (att[q * T + k] > best) {
                    best = att[q * T + k];
                    app->pin_q = q;
                    app->pin_k = k;
                }
        app->auto_focus = false;
        if (app->hv.cam.zoom > 1.0f && app->pin_q >= 0) { /* zoomed: center on it */
            int half = (int)((float)T / app->hv.cam.zoom / 2.0f);
            app->hv.cam.off_q = app->pin_q - half;
            app->hv.cam.off_k = app->pin_k - half;
        }
    }
}

bool app_wait_result(App *app, int timeout_ms) {
    if (!app->worker) return false;
    bool ok = worker_wait(app->worker, app->posted_gen, timeout_ms);
    app__take_result(app);
    return ok && app->shown_gen == app->posted_gen;
}

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
static bool app__has_rope(const App *app) {
    return app->model && app->model->config.arch == ARCH_LLAMA;
}

static void app__toggle_rope(App *app) {
    if (!app__has_rope(app)) return;
    app->pre_rope = !app->pre_rope;
    app__say(app, false, "vector view: q and k %s", app->pre_rope
             ? "before RoPE (the weight still comes from the rotated q\xC2\xB7k)"
             : "after RoPE, as the score uses them");
}

void app__set_theme(App *app) {
    app->d.th = app->white ? theme_light() : theme_dark();
    app->dirty = true;
}

void app__select(App *app, int layer, int head) {
    if (!app->model) return;
    const ModelConfig *c = &app->model->config;
    app->layer = layer < 0 ? 0 : layer >= c->n_layer ? c->n_layer - 1 : layer;
    app->head = head < 0 ? 0 : head >= c->n_head ? c->n_head - 1 : head;
    app->auto_head = false; /* a head chosen (by the user, a spec) wins */
    app->dirty = true;
}

static void app__copy(App *app, bool cut) {
    char *s = textedit_copy(&app->edit);
    if (s) {
        SDL_SetClipboardText(s);
        free(s);
    }
    if (cut && textedit_has_selection(&app->edit) && textedit_backspace(&app->edit, false))
        app__text_changed(app);
}

/* Typed or pasted text into the box; says so when the text cap cut it. */
static void app__insert(App *app, const char *s) {
    if (textedit_insert(&app->edit, s, strlen(s))) app__text_changed(app);
    if (app->edit.clipped) {
        app->edit.clipped = false;
        app__say(app, true, "the text is capped at %zu KiB: the rest was not inserted; "
                 "HINT: the model sees only its last tokens, paste less",
                 TEXTEDIT_MAX_BYTES >> 10);
    }
}

static void app__paste(App *app) {
    if (!SDL_HasClipboardText()) return;
    char *s = SDL_GetClipboardText();
    if (!s) return;
    app__insert(app, s);
    SDL_free(s);
}

/* A key while the text box has focus that no binding took: editing. */
static void app__key_editing(App *app, const SDL_Keysym *k) {
    bool shift = (k->mod & KMOD_SHIFT) != 0, ctrl = (k->mod & KMOD_CTRL) != 0;
    TextEdit *te = &app->edit;
    bool changed = false;
    switch (k->sym) {
    case SDLK_LEFT: textedit_left(te, shift, ctrl); break;
    case SDLK_RIGHT: textedit_right(te, shift, ctrl); break;
    case SDLK_UP:
    case SDLK_DOWN:
        textedit_set_cursor(te, view_textbox_vertical(&app->d, te, &app->tv.lines, app->tv.box.w,
                                                      k->sym == SDLK_UP ? -1 : 1), shift);
        break;
    case SDLK_HOME: textedit_home(te, shift); break;
    case SDLK_END: textedit_end(te, shift); break;
    case SDLK_BACKSPACE: changed = textedit_backspace(te, ctrl); break;
    case SDLK_DELETE: changed = textedit_delete(te, ctrl); break;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: changed = textedit_insert(te, "\n", 1); break;
    case SDLK_a: if (ctrl) textedit_select_all(te); break;
    case SDLK_c: if (ctrl) app__copy(app, false); break;
    case SDLK_x: if (ctrl) app__copy(app, true); break;
    case SDLK_v: if (ctrl) app__paste(app); break;
    default: break;
    }
    if (changed) app__text_changed(app);
    app->dirty = true;
}

/* A key press: a binding of keymap.c in any focus state, else editing.
 * Characters never come from here: they are SDL_TEXTINPUT (app_handle_event),
 * and only the focused text box takes them. */
static void app__key(App *app, const SDL_Keysym *k) {
    app->swallow_text = false;
    if (app->prompt && app__prompt_key(app, k)) return;
    const KeyBinding *b = keymap_find(k->sym, k->mod, app->editing);
    if (b) {
        /* an Alt chord can also arrive as text on X11: drop that text */
        app->swallow_text = (k->mod & (KMOD_ALT | KMOD_CTRL)) != 0;
        ViewEvent e = {b->act, b->a, b->b, 0.0f};
        app__act(app, &e);
        if (b->act == ACT_CMAP) app__say(app, false, "colormap %s", colormap_name(app->cmap));
    } else if (app->editing) {
        app__key_editing(app, k);
    }
    app->dirty = true;
}

/* Whether act needs a model; without one it says how to open one. */
static bool app__needs_model(App *app, Act act) {
    if (app->model) return false;
    switch (act) {
    case ACT_HELP: case ACT_HELP_CLOSE: case ACT_ESCAPE: case ACT_EDIT: case ACT_EDIT_TOGGLE:
    case ACT_CARET: case ACT_CMAP: case ACT_WHITE: case ACT_QUIT: case ACT_EXPORT_DIR:
    case ACT_OPEN_MODEL: case ACT_HOVER: case ACT_HOVER_HEAD: case ACT_VEC_TAB: case ACT_NONE:
    case ACT_SAVE_SESSION:
        return false;
    default:
        app__say(app, true, "no model loaded; HINT: Ctrl+O opens a model folder or .bin "
                 "(or drop one on the window)");
        return true;
    }
}

/* ------------------------------------------------------------------ */
/* actions: every key, button and view event ends here                  */

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

/* Applies one action. */
static void app__act(App *app, const ViewEvent *e) {
    if (app__needs_model(app, e->act)) return;
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
    case ACT_ABLATE: /* a < 0: the selected head */
        app__toggle_ablate(app, e->a < 0 ? app->layer : e->a, e->a < 0 ? app->head : e->b);
        break;
    case ACT_RESET: app__reset_interventions(app); break;
    case ACT_SELECT: app__select(app, e->a, e->b); break;
    case ACT_SELECT_STEP: app__select(app, app->layer + e->a, app->head + e->b); break;
    case ACT_HOVER: app->hover_q = e->a; app->hover_k = e->a >= 0 ? e->b : -1; break;
    case ACT_HOVER_HEAD: break; /* the grid keeps its own hover */
    case ACT_PIN: /* a click on the pinned cell unpins it */
        if (app->pin_q == e->a && app->pin_k == e->b) app->pin_q = app->pin_k = -1;
        else app->pin_q = e->a, app->pin_k = e->b;
        break;
    case ACT_UNPIN: app->pin_q = app->pin_k = -1; break;
    case ACT_ZOOM_RESET:
        app->hv.cam.zoom = 1.0f;
        app->hv.cam.off_q = app->hv.cam.off_k = 0;
        break;
    case ACT_EDIT:
        app->editing = e->a != 0;
        if (app->editing) SDL_StartTextInput();
        else SDL_StopTextInput();
        break;
    case ACT_CARET: textedit_set_cursor(&app->edit, (size_t)e->a, e->b != 0); break;
    case ACT_ROPE: app__toggle_rope(app); break;
    case ACT_CMAP:
        app->cmap = (app->cmap + 1) % CMAP_COUNT;
        draw_set_colormap(&app->d, app->cmap);
        break;
    case ACT_WHITE: app->white = !app->white; app__set_theme(app); break;
    case ACT_HELP: app->help = !app->help; break;
    case ACT_HELP_CLOSE: app->help = false; break;
    case ACT_EXPORT: app_export(app, false, NULL, NULL, 0); break;
    case ACT_EXPORT_GRID: app_export(app, true, NULL, NULL, 0); break;
    case ACT_QUIT: app->quit = true; break;
    case ACT_VEC_TAB: app->vec_open = !app->vec_open; break;
    case ACT_ESCAPE:
        if (app->prompt) app__prompt_close(app);
        else if (app->help) app->help = false;
        else if (app->editing) app__act0(app, ACT_EDIT, 0, 0);
        else app->pin_q = app->pin_k = -1;
        break;
    case ACT_EDIT_TOGGLE: app__act0(app, ACT_EDIT, !app->editing, 0); break;
    case ACT_ZOOM_STEP: app__zoom_step(app, e->a); break;
    case ACT_MASK_FOCUS: {
        ViewData v = app_view_data(app);
        if (v.k >= 0) app__toggle_key_mask(app, v.k);
        else app__say(app, false, "no focused key: click a cell of the head view first");
        break;
    }
    case ACT_EXPORT_DIR:
    case ACT_OPEN_MODEL:
    case ACT_SAVE_SESSION: app__prompt_open(app, e->act); break;
    case ACT_MT_KIND: app_mt_set_kind(app, e->a); break;
    case ACT_MT_HOVER:
        if (!app->mt || app->mt->hover_t == e->a) return;
        app->mt->hover_t = e->a;
        break;
    case ACT_WORD_MASK: app__word_mask(app, e->a); break;
    case ACT_SEG_FILTER: app__seg_filter(app, e->a); break;
    case ACT_ROLE_CYCLE: case ACT_ROLE_SET: case ACT_ROLE_TOGGLE: app__roles_act(app, e); break;
    case ACT_NONE:
    case ACT_COUNT: break;
    }
    app->dirty = true;
}

void app__act0(App *app, Act act, int a, int b) {
    ViewEvent e = {act, a, b, 0.0f};
    app__act(app, &e);
}

/* Applies and clears what the views reported. */
static void app__apply(App *app, ViewOut *out) {
    for (int i = 0; i < out->n; i++) app__act(app, &out->ev[i]);
    out->n = 0;
}

ViewData app_view_data(const App *app) {
    ViewData v;
    memset(&v, 0, sizeof v);
    v.q = v.k = -1;
    v.role = app->role;
    v.layer = app->layer;
    v.head = app->head;
    v.ro = v.ro_next = &app->ro;
    v.model_name = app->model ? app->model->name : "no model";
    v.pre_rope = app->pre_rope;
    v.has_rope = app__has_rope(app);
    v.tok = app->model ? app->model->tokenizer : NULL;
    v.label_cap = WORKER_LABEL_CAP;
    v.has_text = app->edit.len > 0;
    v.edit = &app->edit;
    v.lines = (TextLines *)&app->tv.lines; /* a cache of the text's layout:
                                               updating it changes no state */
    v.editing = app->editing;
    v.cmap = app->cmap;
    v.white = app->white;
    v.help = app->help;
    v.temp_log10 = app->temp_slider;
    v.model_error = app->model ? "" : app->load_error;
    v.encoder = app__encoder(app);
    v.mask_id = app->model ? tokenizer_mask_id(app->model->tokenizer) : -1;
    v.seg_filter = app->seg_filter;
    if (app->model) {
        v.n_layer = app->model->config.n_layer;
        v.n_head = app->model->config.n_head;
        v.n_kv_head = app->model->config.n_kv_head;
    }
    const WorkResult *r = app->res;
    if (r && r->tr) {
        v.tr = r->tr;
        v.roles = r->roles;
        v.labels = r->labels;
        v.tokens = r->tokens.tokens;
        v.text = r->text;
        v.ro = &r->ro;
        v.gen = r->gen;
        int T = r->tr->n_tokens;
        int q = app->hover_q >= 0 ? app->hover_q : app->pin_q;
        int k = app->hover_q >= 0 ? app->hover_k : app->pin_k;
        if (q >= 0 && q < T && k >= 0 && k < T) {
            v.q = q;
            v.k = k;
        }
    }
    if (app->mt) app_mt_view_data(app, &v);
    return v;
}

/* ------------------------------------------------------------------ */
/* the frame: layout, then each view's input, then each view's drawing  */

/* One pass over the UI. Dry passes (on clicks) only act; wet ones draw. */
static void app__pass(App *app, bool dry) {
    Draw *d = &app->d;
    const Theme *th = &d->th;
    Ui *ui = &app->ui;
    d->dry = dry;
    ui_begin(ui);
    int W = app->out_w, H = app->out_h;
    if (!dry) { /* a clear, not a fill: GL renderers clear without shading pixels */
        SDL_SetRenderDrawColor(d->r, th->bg.r, th->bg.g, th->bg.b, 255);
        SDL_RenderClear(d->r);
    }
    ViewData v = app_view_data(app);
    ViewCtx cx = {d, ui, &v, !app->help && !app->prompt};
    ViewOut out = {.n = 0};
    if (v.gen != app->label_px_gen || d->s != app->label_px_scale) {
        app->hv.label_px = view_max_label_px(d, &v);
        app->label_px_gen = v.gen;
        app->label_px_scale = d->s;
    }
    PanelLayout lo;
    layout_panels(&cx, W, H, &app->cv, &app->gv, &app->hv, app->vec_open, &lo);

    /* input first, so every view draws this frame's focus */
    view_grid_input(&cx, &app->gv, &out);
    app__apply(app, &out);
    v = app_view_data(app);
    /* the open vector tab lies over the head view: no hover through it */
    ViewCtx hcx = cx;
    if (lo.vec_tab && app->vec_open && ui_inside(ui, lo.vec)) hcx.input = false;
    view_head_input(&hcx, lo.head, &app->hv, &out);
    app__apply(app, &out);
    v = app_view_data(app);

    view_controls_frame(&cx, &app->cv, &out);
    app__apply(app, &out);
    if (app->mt) { /* the source box without its chips; the strip has them */
        ViewData src = v;
        src.tr = NULL;
        ViewCtx scx = cx;
        scx.v = &src;
        view_text_frame(&scx, lo.text, (SDL_Rect){0, 0, 0, 0}, &app->tv, &out);
        view_translate_frame(&cx, lo.chips, &app->tlv, &out);
    } else {
        view_text_frame(&cx, lo.text, lo.chips, &app->tv, &out);
    }
    app__apply(app, &out);
    view_grid_frame(&cx, &app->gv);
    if (app->role >= 0) view_roles_frame(&cx, lo.pred, &app->rv, &out);
    else view_pred_frame(&cx, lo.pred);
    view_head_frame(&cx, &app->hv);
    view_segment_bar(&cx, lo.seg, &app->sv, &out);
    app->vv.layout = (VecLayout){{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, false};
    if (lo.vec.w > 0) view_vector_frame(&cx, lo.vec, &app->vv, &out);
    if (lo.vec_tab) view_vector_tab(&cx, lo.tab, app->vec_open, &out);
    app->vec_tab = lo.vec_tab;
    app__apply(app, &out);

    const ModelConfig *cfg = app->model ? &app->model->config : NULL;
    StatusInfo si = {
        .model_name = app->model ? app->model->name : NULL,
        .n_layer = cfg ? cfg->n_layer : 0, .n_head = cfg ? cfg->n_head : 0,
        .n_kv_head = cfg ? cfg->n_kv_head : 0, .d_model = cfg ? cfg->d_model : 0,
        .max_tokens = app->max_tokens,
        .forward_ms = v.tr ? v.tr->forward_ms : 0.0,
        .render_ms = app->render_ms,
        .computing = app->posted_gen != app->shown_gen,
        .msg = app->model ? app->msg : "", .msg_error = app->msg_error,
    };
    view_status_frame(&cx, lo.status, &si, &out);
    app__apply(app, &out);
    if (app->help) view_help_frame(&cx, W, H);
    if (app->prompt == ACT_EXPORT_DIR)
        view_prompt_frame(&cx, W, H, "Export folder (new PNGs go here):",
                          "Enter: use this folder \xC2\xB7 Esc: cancel", &app->prompt_edit);
    else if (app->prompt == ACT_OPEN_MODEL)
        view_prompt_frame(&cx, W, H, "Open a model: a Hugging Face folder or a llama2.c .bin",
                          "Enter: open (the text is kept) \xC2\xB7 Esc: cancel \xC2\xB7 "
                          "or drop a folder or file on the window", &app->prompt_edit);
    else if (app->prompt == ACT_SAVE_SESSION)
        view_prompt_frame(&cx, W, H, "Save the session (text, settings, view) as:",
                          "Enter: save \xC2\xB7 Esc: cancel \xC2\xB7 open it again with "
                          "attnscope app --session FILE", &app->prompt_edit);
    ui_end(ui, d);
    d->dry = false;
}

/* Updates the pixel scale from the drawable size: HiDPI ratio, and a zoom
 * that keeps text readable on large windows. */
static void app__update_scale(App *app) {
    int ww = app->out_w, wh = app->out_h;
    if (app->win) {
        SDL_GetWindowSize(app->win, &ww, &wh);
        SDL_GetRendererOutputSize(app->ren, &app->out_w, &app->out_h);
    }
    app->hidpi = ww > 0 ? (float)app->out_w / (float)ww : 1.0f;
    float zoom = fminf((float)ww / 1280.0f, (float)wh / 800.0f);
    if (zoom < 1.0f) zoom = 1.0f;
    if (zoom > 1.5f) zoom = 1.5f;
    draw_set_scale(&app->d, app->hidpi * zoom);
}

bool app_frame(App *app, bool force) {
    if (!app->dirty && !force) return false;
    double t0 = app_now_ms();
    app->dirty = false;
    app__update_scale(app);
    app__pass(app, false);
    SDL_RenderPresent(app->ren);
    app->render_ms = app_now_ms() - t0;
    return true;
}

void app_handle_event(App *app, const SDL_Event *e) {
    if (e->type == app->ev_result && app->ev_result != 0) {
        app__take_result(app);
        return;
    }
    bool changed = ui_input(&app->ui, e, app->hidpi);
    switch (e->type) {
    case SDL_QUIT:
        app->quit = true;
        break;
    case SDL_DROPFILE: /* a model folder or file dropped on the window */
        if (e->drop.file) {
            app_open_model(app, e->drop.file);
            SDL_free(e->drop.file);
        }
        break;
    case SDL_WINDOWEVENT:
        app->dirty = true;
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        app__pass(app, true); /* act on the click now, draw later */
        app->dirty = true;
        break;
    case SDL_TEXTINPUT:
        /* only the focused text box (or an open prompt) takes characters;
           never a command */
        if (app->prompt && strcmp(e->text.text, "\t")) {
            textedit_insert(&app->prompt_edit, e->text.text, strlen(e->text.text));
            app->dirty = true;
        } else if (app->editing && !app->swallow_text && strcmp(e->text.text, "\t")) {
            app__insert(app, e->text.text);
            app->dirty = true;
        }
        app->swallow_text = false;
        break;
    case SDL_KEYUP:
        /* a chord's own text, if any, comes before its key-up; text after
           it (an input method's commit) is typing again */
        app->swallow_text = false;
        break;
    case SDL_KEYDOWN:
        app__key(app, &e->key.keysym);
        break;
    default:
        if (changed) app->dirty = true;
        break;
    }
}

/* ------------------------------------------------------------------ */
/* create / destroy                                                     */

/* Whether r is an OpenGL renderer rasterizing on the CPU. The user's
 * SDL_RENDER_DRIVER choice is kept as it is. */
static bool app__cpu_gl(SDL_Renderer *r) {
    SDL_RendererInfo ri;
    const char *forced = getenv("SDL_RENDER_DRIVER");
    if ((forced && *forced) || SDL_GetRendererInfo(r, &ri) != 0 || strncmp(ri.name, "opengl", 6))
        return false;
    typedef const unsigned char *(*GetString)(unsigned int);
    GetString get = (GetString)SDL_GL_GetProcAddress("glGetString");
    const char *name = get ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
                    strstr(name, "Software Rasterizer"));
}

App *app_create(const AppArgs *args, SDL_Window *win, int w, int h, EngineError *err) {
    App *app = calloc(1, sizeof *app);
    if (!app) {
        engine_fail(err, "app: out of memory");
        return NULL;
    }
    app->win = win;
    if (win) {
        app->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED);
        if (app->ren && app__cpu_gl(app->ren)) {
            /* GL on a CPU rasterizer (llvmpipe: VMs, Xvfb, no GPU driver) costs
               more than SDL's own software renderer for these 2D frames: 23 vs
               14 CPU-ms per keystroke at 1920x1080 (tools/bench/app_bench.sh) */
            SDL_DestroyRenderer(app->ren);
            SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
            app->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
        }
        if (!app->ren) app->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    } else {
        app->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (app->surface) app->ren = SDL_CreateSoftwareRenderer(app->surface);
        app->out_w = w;
        app->out_h = h;
    }
    if (!app->ren) {
        engine_fail(err, "renderer: %s; HINT: check the display (or SDL_VIDEODRIVER)",
                    SDL_GetError());
        if (app->surface) SDL_FreeSurface(app->surface);
        free(app);
        return NULL;
    }
    if (draw_init(&app->d, app->ren, err)) {
        SDL_DestroyRenderer(app->ren);
        if (app->surface) SDL_FreeSurface(app->surface);
        free(app);
        return NULL;
    }
    app->hidpi = 1.0f;
    app->ev_result = SDL_RegisterEvents(1);
    if (app->ev_result == (uint32_t)-1) app->ev_result = 0;
    app->hover_q = app->hover_k = app->pin_q = app->pin_k = -1;
    app->hv.cam.zoom = 1.0f;
    app->gv.hover_layer = app->gv.hover_head = -1;
    app->role = app->role_last = -1;
    app->ro = args->run;
    app->mask_given = args->mask_mode_given;
    if (app->ro.top_k < 10) app->ro.top_k = 10; /* as many as the panel has room for */
    if (!(app->ro.temperature > 0)) app->ro.temperature = 1.0f;
    if (app->ro.window < 1) app->ro.window = 4;
    app->temp_slider = log10f(app->ro.temperature);
    textedit_init(&app->edit, args->text ? args->text : app_default_text);
    app->editing = true; /* type at once; Esc leaves the box */
    if (args->export_dir) snprintf(app->export_dir, sizeof app->export_dir, "%s", args->export_dir);
    if (win) SDL_StartTextInput();
    snprintf(app->model_path, sizeof app->model_path, "%s",
             args->model_path ? args->model_path : MODEL_DEFAULT_PATH);
    if (textedit_init(&app->prompt_edit, "")) {
        engine_fail(err, "app: out of memory");
        app_destroy(app);
        return NULL;
    }
    app_open_model(app, app->model_path);
    app__update_scale(app);
    app->dirty = true;
    app_rerun(app);
    return app;
}

void app_destroy(App *app) {
    if (!app) return;
    worker_destroy(app->worker);
    if (app->mt) { /* the base model belongs to the Marian model */
        app_mt_free(app->mt);
        app->mt = NULL;
        app->model = NULL;
    }
    work_result_free(app->res);
    model_free(app->model);
    textedit_free(&app->edit);
    textedit_free(&app->prompt_edit);
    free(app->posted_text);
    textlines_free(&app->tv.lines);
    draw_free(&app->d);
    SDL_DestroyRenderer(app->ren);
    if (app->surface) SDL_FreeSurface(app->surface);
    free(app);
}

int app_save_frame(App *app, const char *path, EngineError *err) {
    app_frame(app, true);
    int w = app->out_w, h = app->out_h;
    uint32_t *px = malloc((size_t)w * h * 4);
    if (!px) return engine_fail(err, "%s: out of memory", path);
    if (SDL_RenderReadPixels(app->ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, w * 4) != 0) {
        free(px);
        return engine_fail(err, "%s: cannot read the frame: %s", path, SDL_GetError());
    }
    PngText texts[] = {{"Software", "attnscope"}, {"Description", app->edit.buf}};
    /* atomicfile.h: a finished PNG or nothing; a device is written into,
       never renamed over */
    AtomicFile af;
    if (atomicfile_open(&af, path, err)) {
        free(px);
        return -1;
    }
    int rc = png_write_argb(af.tmp, px, w, h, w, texts, 2, err); /* checks fclose */
    free(px);
    if (rc) {
        atomicfile_abort(&af);
        return rc;
    }
    return atomicfile_commit(&af, err);
}

/* ------------------------------------------------------------------ */
/* main loop, screenshot and bench                                      */

static void app__drain(App *app) {
    SDL_Event e;
    while (SDL_PollEvent(&e)) app_handle_event(app, &e);
}

static void app__env_args(AppArgs *a) {
    const char *s;
    if (!a->width && (s = getenv("ATTNSCOPE_SIZE")) && sscanf(s, "%dx%d", &a->width, &a->height) != 2)
        a->width = a->height = 0;
    if (!a->state) a->state = getenv("ATTNSCOPE_STATE");
    if (!a->screenshot) a->screenshot = getenv("ATTNSCOPE_SCREENSHOT");
    if (!a->after_ms && (s = getenv("ATTNSCOPE_AFTER_MS"))) a->after_ms = atoi(s);
    if (!a->bench && (s = getenv("ATTNSCOPE_APP_BENCH"))) a->bench = strcmp(s, "0") != 0;
}

int app_main(const AppArgs *args_in) {
    AppArgs args = *args_in;
    app__env_args(&args);
    EngineError serr = {{0}};
    AppSessionStart st; /* the session to restore, before any window */
    if (appsession_begin(&args, &st, &serr)) {
        fprintf(stderr, "attnscope: %s\n", serr.msg);
        return 1;
    }
    /* One BLAS thread: the worker runs the forward pass on one core and the
       UI draws on the other. OpenBLAS helpers spin after every call and took
       the UI's core: 20-26 vs 12-14 CPU-ms per keystroke on 2 cores
       (tools/bench/app_bench.sh). OPENBLAS_NUM_THREADS still wins. */
    if (!getenv("OPENBLAS_NUM_THREADS")) forward_set_threads(1);
    int w = args.width > 0 ? args.width : 1280, h = args.height > 0 ? args.height : 800;
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        fprintf(stderr, "attnscope: cannot open a window: %s; HINT: run it in a desktop "
                "session, or use `attnscope export` without a window\n", SDL_GetError());
        session_free(&st.s);
        return 1;
    }
    SDL_Window *win = SDL_CreateWindow("attnscope", SDL_WINDOWPOS_CENTERED,
                                       SDL_WINDOWPOS_CENTERED, w, h,
                                       SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!win) {
        fprintf(stderr, "attnscope: cannot open a window: %s; HINT: check $DISPLAY\n",
                SDL_GetError());
        session_free(&st.s);
        SDL_Quit();
        return 1;
    }
    SDL_SetWindowMinimumSize(win, 640, 480);
    if (args.screenshot) /* keep the pointer off the views unless the state puts it there */
        SDL_WarpMouseInWindow(win, w - 1, h - 1);
    EngineError err = {{0}};
    App *app = app_create(&args, win, w, h, &err);
    if (app) appsession_finish_start(app, &st);
    session_free(&st.s);
    if (!app) {
        fprintf(stderr, "attnscope: %s\n", err.msg);
        SDL_DestroyWindow(win);
        SDL_Quit();
        return 1;
    }
    if (args.state && app_apply_spec(app, args.state, &err))
        app__say(app, true, "%s", err.msg);
    int rc = 0;
    if (args.bench) {
        rc = app_bench(app);
        app_destroy(app);
        SDL_DestroyWindow(win);
        SDL_Quit();
        return rc;
    }
    Uint32 start = SDL_GetTicks();
    appsession_signals_install();
    while (!app->quit && !appsession_signalled()) {
        SDL_Event e;
        int got, hold = app__hold_ms(app);
        if (args.screenshot) got = SDL_WaitEventTimeout(&e, 50);
        else if (hold > 0) got = SDL_WaitEventTimeout(&e, hold);
        else if (app->dirty) got = SDL_PollEvent(&e);
        else got = SDL_WaitEvent(&e);
        if (got) {
            app_handle_event(app, &e);
            app__drain(app);
        }
        if (app__hold_ms(app) == 0) app_frame(app, false);
        if (args.screenshot && SDL_GetTicks() - start >= (Uint32)args.after_ms &&
            (!app->worker || app->shown_gen == app->posted_gen)) {
            /* warm frames: the status line then shows a steady-state render
               time, not the first frame's font rasterization */
            app_frame(app, true);
            app_frame(app, true);
            if (app_save_frame(app, args.screenshot, &err)) {
                fprintf(stderr, "attnscope: %s\n", err.msg);
                rc = 1;
            } else {
                printf("attnscope: wrote %s\n", args.screenshot);
            }
            break;
        }
    }
    if (!args.screenshot && appsession_autosave(app)) rc = rc ? rc : 1;
    appsession_signals_restore();
    /* A model file shrank during a run (mapguard.h): the session is saved,
       but BLAS helpers may still wait for the abandoned job, so teardown
       and exit() could wait forever. */
    if (mapguard_fault_caught()) {
        fflush(NULL);
        _exit(rc ? rc : 1);
    }
    app_destroy(app);
    SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}
