/* app.c — the attnscope window: the main loop, the immediate-mode frame
 * and the dispatch of every event and action. What an action does lives in
 * its module: app_options.c (scaling, masking, ablation), app_edit.c (the
 * text box), app_encoder.c, app_translate.c and app_roles.c (per mode),
 * app_model.c (prompts, opening a model), app_export.c; app_create.c makes
 * and frees the App.
 *
 * Every frame is rebuilt from App (appstate.h). Input events only change
 * state and mark the app dirty; the loop sleeps in SDL_WaitEvent until the
 * next event (the worker posts one when a forward pass finishes), so an idle
 * app uses no CPU.
 */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <stdlib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/mapguard.h"

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
                     "(%zu dropped from the start; %s)", bos ? "BOS + " : "",
                     r->tokens.n - (bos ? 1 : 0), r->n_dropped,
                     app->max_tokens < app->model->config.n_ctx
                         ? "the app's memory cap for this model" : "the model's context");
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

/* Applies one action. */
static void app__act(App *app, const ViewEvent *e) {
    if (app__needs_model(app, e->act)) return;
    ViewData mode = app_view_data(app);
    const char *off = view_act_off(&mode, e->act); /* not for this model */
    if (off) {
        app__say(app, true, "%s; HINT: Ctrl+O opens another model", off);
        return;
    }
    switch (e->act) {
    case ACT_SCALE_SQRT: case ACT_SCALE_NONE: case ACT_SCALE_TEMP: case ACT_SCALE_CYCLE:
    case ACT_TEMP_SET: case ACT_TEMP_STEP: case ACT_MASK_CAUSAL: case ACT_MASK_NONE:
    case ACT_MASK_WINDOW: case ACT_MASK_CYCLE: case ACT_WIN_STEP: case ACT_MASK_KEY:
    case ACT_MASK_FOCUS: case ACT_ABLATE: case ACT_RESET: case ACT_ROPE: case ACT_ZOOM_STEP:
        app__options_act(app, e);
        break;
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
    case ACT_VEC_TAB:
        app->vec_open = !app->vec_open;
        if (!app->vec_tab) /* this layout has no tab: the key changes nothing you see */
            app__say(app, false, "the vector view is always shown at this window size; F4 "
                     "opens and closes its tab in narrow windows");
        break;
    case ACT_ESCAPE:
        if (app->prompt) app__prompt_close(app);
        else if (app->help) app->help = false;
        else if (app->editing) app__act0(app, ACT_EDIT, 0, 0);
        else app->pin_q = app->pin_k = -1;
        break;
    case ACT_EDIT_TOGGLE: app__act0(app, ACT_EDIT, !app->editing, 0); break;
    case ACT_EXPORT_DIR:
    case ACT_OPEN_MODEL:
    case ACT_SAVE_SESSION: app__prompt_open(app, e->act); break;
    case ACT_MT_KIND: app_mt_set_kind(app, e->a); break;
    case ACT_MT_HOVER:
        if (!app_mt_hover(app, e->a)) return; /* unchanged: no redraw */
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
void app__update_scale(App *app) {
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
