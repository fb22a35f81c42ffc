/* app.c — the attnscope window: event handling, the immediate-mode frame,
 * the main loop, screenshots and the interactive benchmark.
 *
 * Every frame is rebuilt from App (appstate.h). Input events only change
 * state and mark the app dirty; the loop sleeps in SDL_WaitEvent until the
 * next event (the worker posts one when a forward pass finishes), so an idle
 * app uses no CPU.
 */
#include "app/appstate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "app/png.h"


static const char app_default_text[] =
    "Mr. Darcy walked into the room. Elizabeth looked at Mr. Darcy and smiled.";

static double app__now_ms(void) {
    return (double)SDL_GetPerformanceCounter() * 1000.0 /
           (double)SDL_GetPerformanceFrequency();
}

static void app__say(App *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void app__say(App *app, bool error, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->msg, sizeof app->msg, fmt, ap);
    va_end(ap);
    app->msg_error = error;
    app->dirty = true;
}

/* ------------------------------------------------------------------ */
/* state changes                                                        */

void app_rerun(App *app) {
    app->dirty = true;
    if (!app->worker) return;
    if (app->posted_gen == app->shown_gen) app->pending_since_ms = app__now_ms();
    app->posted_gen = worker_post(app->worker, app->edit.buf, &app->ro);
}

/* Milliseconds left to hold the frame for a run in flight (0 = draw now):
 * a keystroke then costs one frame with the new trace instead of a stale
 * frame (that competes with the forward pass for the cores) and a second
 * one. Bounded from the oldest pending request, so fast typing still shows. */
static int app__hold_ms(const App *app) {
    if (!app->worker || app->posted_gen == app->shown_gen) return 0;
    double left = APP_HOLD_MS - (app__now_ms() - app->pending_since_ms);
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
        if (!app->truncation_noted)
            app__say(app, false, "text truncated to %sthe last %zu tokens "
                     "(%zu dropped from the start)", bos ? "BOS + " : "",
                     r->tokens.n - (bos ? 1 : 0), r->n_dropped);
        app->truncation_noted = true;
    } else {
        if (app->truncation_noted && !app->msg_error) app->msg[0] = '\0';
        app->truncation_noted = false;
        if (app->msg_error && r->tr) app->msg[0] = '\0'; /* a good run clears errors */
    }
    int T = r->tr ? r->tr->n_tokens : 0;
    if (app->pin_q >= T || app->pin_k >= T) app->pin_q = app->pin_k = -1;
    if (app->auto_focus && T > 2) {
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
        if (app->head_zoom > 1.0f && app->pin_q >= 0) { /* zoomed: center on it */
            int half = (int)((float)T / app->head_zoom / 2.0f);
            app->head_off_q = app->pin_q - half;
            app->head_off_k = app->pin_k - half;
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
    const char *lab = app->res && app->res->tr && k < app->res->tr->n_tokens
                          ? work_result_label(app->res, k) : "?";
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
    app__say(app, false, "all keys unmasked, all heads restored");
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

static void app__set_theme(App *app) {
    app->d.th = app->white ? theme_light() : theme_dark();
    app->dirty = true;
}

static void app__select(App *app, int layer, int head) {
    if (!app->model) return;
    const ModelConfig *c = &app->model->config;
    app->layer = layer < 0 ? 0 : layer >= c->n_layer ? c->n_layer - 1 : layer;
    app->head = head < 0 ? 0 : head >= c->n_head ? c->n_head - 1 : head;
    app->dirty = true;
}

static void app__copy(App *app, bool cut) {
    char *s = textedit_copy(&app->edit);
    if (s) {
        SDL_SetClipboardText(s);
        free(s);
    }
    if (cut && textedit_has_selection(&app->edit) && textedit_backspace(&app->edit, false))
        app_rerun(app);
}

static void app__paste(App *app) {
    if (!SDL_HasClipboardText()) return;
    char *s = SDL_GetClipboardText();
    if (!s) return;
    if (textedit_insert(&app->edit, s, strlen(s))) app_rerun(app);
    SDL_free(s);
}

int app_export(App *app, bool grid, const char *path, char *path_out, size_t cap) {
    char buf[1024];
    if (!app->model || !app->res || !app->res->tr) {
        app__say(app, true, "export: nothing to export yet; HINT: wait for the "
                 "model or type some text");
        return -1;
    }
    if (!path) {
        const char *dir = getenv("ATTNSCOPE_EXPORT_DIR");
        if (grid)
            snprintf(buf, sizeof buf, "%s/attnscope-%s-grid.png", dir && *dir ? dir : ".",
                     app->model->name);
        else
            snprintf(buf, sizeof buf, "%s/attnscope-%s-L%dH%d.png", dir && *dir ? dir : ".",
                     app->model->name, app->layer, app->head);
        path = buf;
    }
    ExportOptions eo = export_options_default();
    eo.layer = app->layer;
    eo.head = app->head;
    eo.grid = grid;
    eo.white_background = app->white;
    eo.colormap = colormap_name(app->cmap);
    EngineError err = {{0}};
    int rc = export_png(app->model, app->res->text, &app->res->tokens, app->res->tr,
                        &app->res->ro, &eo, path, &err);
    if (rc) {
        app__say(app, true, "export failed: %s", err.msg);
    } else {
        snprintf(app->last_export, sizeof app->last_export, "%s", path);
        app__say(app, false, "saved %s", path);
    }
    if (path_out && cap) snprintf(path_out, cap, "%s", path);
    return rc;
}

/* ------------------------------------------------------------------ */
/* keyboard                                                             */

static void app__key_editing(App *app, const SDL_Keysym *k) {
    bool shift = (k->mod & KMOD_SHIFT) != 0, ctrl = (k->mod & KMOD_CTRL) != 0;
    TextEdit *te = &app->edit;
    bool changed = false;
    switch (k->sym) {
    case SDLK_LEFT: textedit_left(te, shift, ctrl); break;
    case SDLK_RIGHT: textedit_right(te, shift, ctrl); break;
    case SDLK_UP:
    case SDLK_DOWN:
        textedit_set_cursor(te, view_textbox_vertical(&app->d, te, app->text_box.w,
                                                      k->sym == SDLK_UP ? -1 : 1), shift);
        break;
    case SDLK_HOME: textedit_home(te, shift); break;
    case SDLK_END: textedit_end(te, shift); break;
    case SDLK_BACKSPACE: changed = textedit_backspace(te, ctrl); break;
    case SDLK_DELETE: changed = textedit_delete(te, ctrl); break;
    case SDLK_ESCAPE:
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
    case SDLK_TAB:
        app->editing = false;
        SDL_StopTextInput();
        break;
    case SDLK_a: if (ctrl) textedit_select_all(te); break;
    case SDLK_c: if (ctrl) app__copy(app, false); break;
    case SDLK_x: if (ctrl) app__copy(app, true); break;
    case SDLK_v: if (ctrl) app__paste(app); break;
    default: break;
    }
    if (changed) app_rerun(app);
    app->dirty = true;
}

static void app__key_command(App *app, const SDL_Keysym *k) {
    bool shift = (k->mod & KMOD_SHIFT) != 0;
    switch (k->sym) {
    case SDLK_s: app__cycle_scale(app); break;
    case SDLK_m: app__cycle_mask(app); break;
    case SDLK_c: app->cmap = (app->cmap + 1) % CMAP_COUNT; draw_set_colormap(&app->d, app->cmap);
        app__say(app, false, "colormap %s", colormap_name(app->cmap)); break;
    case SDLK_w: app->white = !app->white; app__set_theme(app); break;
    case SDLK_p: app_export(app, shift, NULL, NULL, 0); break;
    case SDLK_a: app__toggle_ablate(app, app->layer, app->head); break;
    case SDLK_r: app__toggle_rope(app); break;
    case SDLK_x: app__reset_interventions(app); break;
    case SDLK_LEFT: app__select(app, app->layer, app->head - 1); break;
    case SDLK_RIGHT: app__select(app, app->layer, app->head + 1); break;
    case SDLK_UP: app__select(app, app->layer - 1, app->head); break;
    case SDLK_DOWN: app__select(app, app->layer + 1, app->head); break;
    case SDLK_e:
    case SDLK_RETURN:
    case SDLK_TAB:
        app->editing = true;
        SDL_StartTextInput();
        break;
    case SDLK_ESCAPE:
        if (app->help) app->help = false;
        else app->pin_q = app->pin_k = -1;
        break;
    case SDLK_q: if (k->mod & KMOD_CTRL) app->quit = true; break;
    default: break;
    }
    app->dirty = true;
}

/* Characters that are commands when the text box is not focused. */
static void app__text_command(App *app, const char *s) {
    if (!strcmp(s, "?")) app->help = !app->help;
    else if (!strcmp(s, "+") || !strcmp(s, "=")) app__window(app, +1);
    else if (!strcmp(s, "-")) app__window(app, -1);
    else if (!strcmp(s, "]")) app__set_temperature(app, app->temp_slider + 0.1f);
    else if (!strcmp(s, "[")) app__set_temperature(app, app->temp_slider - 0.1f);
    else if (!strcmp(s, "0")) {
        app->head_zoom = 1.0f;
        app->head_off_q = app->head_off_k = 0;
    }
    app->dirty = true;
}

/* ------------------------------------------------------------------ */
/* the frame: layout, widgets, views                                    */

typedef struct {
    SDL_Rect bar, text, chips, grid, pred, head, vec, status;
} AppLayout;

enum {
    ACT_NONE, ACT_SCALE_SQRT, ACT_SCALE_NONE, ACT_SCALE_TEMP, ACT_TEMP_SLIDER,
    ACT_MASK_CAUSAL, ACT_MASK_NONE, ACT_MASK_WINDOW, ACT_WIN_MINUS, ACT_WIN_PLUS,
    ACT_RESET, ACT_CMAP, ACT_WHITE, ACT_EXPORT, ACT_EXPORT_GRID, ACT_HELP,
};

typedef struct {
    int act;            /* ACT_* ; ACT_NONE = a plain label */
    char label[48];
    bool on;            /* selected */
    const char *tip;    /* tooltip: what it does and its key */
    int w;              /* width in pixels */
    SDL_Rect r;         /* placed rect */
    bool group_end;     /* extra space after */
} AppCtl;

static int app__controls(App *app, AppCtl *c) {
    int n = 0;
    const RunOptions *ro = &app->ro;
#define CTL(A, ON, TIP, ...) do { c[n].act = (A); c[n].on = (ON); c[n].tip = (TIP); \
    c[n].group_end = false; snprintf(c[n].label, sizeof c[n].label, __VA_ARGS__); n++; } while (0)
    CTL(ACT_NONE, false, NULL, "Scaling");
    CTL(ACT_SCALE_SQRT, ro->scale == SCALE_SQRT, "scores = q\xC2\xB7k / \xE2\x88\x9A" "d_head, as trained.\nKey: S cycles scaling", "1/\xE2\x88\x9A" "d");
    CTL(ACT_SCALE_NONE, ro->scale == SCALE_NONE, "scores = q\xC2\xB7k, no scaling: softmax gets sharper.\nKey: S cycles scaling", "off");
    CTL(ACT_SCALE_TEMP, ro->scale == SCALE_TEMP, "scores = q\xC2\xB7k / (\xE2\x88\x9A" "d \xC3\x97 T).\nKeys: [ and ] change T", "temp");
    CTL(ACT_TEMP_SLIDER, ro->scale == SCALE_TEMP, "Temperature T, 0.1 to 10 (log scale).\nKeys: [ and ]", "T = %.2f", ro->temperature);
    c[n - 1].group_end = true;
    CTL(ACT_NONE, false, NULL, "Mask");
    CTL(ACT_MASK_CAUSAL, ro->mask == MASK_CAUSAL, "Query i sees keys j \xE2\x89\xA4 i, as trained.\nKey: M cycles masking", "causal");
    CTL(ACT_MASK_NONE, ro->mask == MASK_NONE, "Every query sees every key (also the future).\nKey: M cycles masking", "none");
    CTL(ACT_MASK_WINDOW, ro->mask == MASK_WINDOW, "Query i sees keys i-w < j \xE2\x89\xA4 i.\nKey: M cycles masking", "window");
    CTL(ACT_WIN_MINUS, false, "Narrower window. Key: -", "\xE2\x88\x92");
    CTL(ACT_NONE, false, NULL, "w=%d", ro->window);
    CTL(ACT_WIN_PLUS, false, "Wider window. Key: +", "+");
    c[n - 1].group_end = true;
    int n_masked = 0, n_abl = 0;
    for (int i = 0; i < RUN_MAX_KEYS; i++) n_masked += run_options_key_masked(ro, i);
    for (int l = 0; l < MODEL_MAX_LAYERS; l++) n_abl += __builtin_popcountll(ro->ablated[l]);
    CTL(ACT_RESET, false, "Unmask every key and restore every head.\nClick a key label or chip to mask it,\nright-click a grid head to ablate it. Key: X",
        "reset (%d masked, %d ablated)", n_masked, n_abl);
    c[n - 1].group_end = true;
    CTL(ACT_CMAP, false, "Next colormap. Key: C", "%s", colormap_name(app->cmap));
    CTL(ACT_WHITE, app->white, "White background, for slides. Key: W", "white");
    CTL(ACT_EXPORT, false, "Save the head view as a PNG (2x). Key: P", "export PNG");
    CTL(ACT_EXPORT_GRID, false, "Save the whole grid as a PNG (2x). Key: Shift+P", "grid PNG");
    CTL(ACT_HELP, app->help, "All controls and keys. Key: F1 or ?", "? help");
#undef CTL
    return n;
}

/* Places the controls left to right, wrapping; returns the bar height. */
static int app__place_controls(App *app, AppCtl *c, int n, SDL_Rect bar) {
    Draw *d = &app->d;
    int h = font_height(d->font, FONT_NORMAL) + draw_px(d, 10);
    int gap = draw_px(d, 4), group = draw_px(d, 16);
    int x = bar.x, y = bar.y;
    for (int i = 0; i < n; i++) {
        int w = c[i].act == ACT_NONE ? font_width(d->font, FONT_NORMAL, c[i].label) + draw_px(d, 6)
              : c[i].act == ACT_TEMP_SLIDER ? draw_px(d, 110)
              : ui_button_width(d, c[i].label);
        if (c[i].act == ACT_RESET) {
            int wmax = ui_button_width(d, "reset (00 masked, 00 ablated)");
            if (w < wmax) w = wmax;
        }
        if (x + w > bar.x + bar.w && x > bar.x) {
            x = bar.x;
            y += h + gap;
        }
        c[i].r = (SDL_Rect){x, y, w, h};
        c[i].w = w;
        x += w + (c[i].group_end ? group : gap);
    }
    return y + h - bar.y;
}

static void app__do(App *app, int act) {
    switch (act) {
    case ACT_SCALE_SQRT: app->ro.scale = SCALE_SQRT; app_rerun(app); break;
    case ACT_SCALE_NONE: app->ro.scale = SCALE_NONE; app_rerun(app); break;
    case ACT_SCALE_TEMP: app->ro.scale = SCALE_TEMP; app_rerun(app); break;
    case ACT_MASK_CAUSAL: app->ro.mask = MASK_CAUSAL; app_rerun(app); break;
    case ACT_MASK_NONE: app->ro.mask = MASK_NONE; app_rerun(app); break;
    case ACT_MASK_WINDOW: app->ro.mask = MASK_WINDOW; app_rerun(app); break;
    case ACT_WIN_MINUS: app__window(app, -1); break;
    case ACT_WIN_PLUS: app__window(app, +1); break;
    case ACT_RESET: app__reset_interventions(app); break;
    case ACT_CMAP: app->cmap = (app->cmap + 1) % CMAP_COUNT;
        draw_set_colormap(&app->d, app->cmap); break;
    case ACT_WHITE: app->white = !app->white; app__set_theme(app); break;
    case ACT_EXPORT: app_export(app, false, NULL, NULL, 0); break;
    case ACT_EXPORT_GRID: app_export(app, true, NULL, NULL, 0); break;
    case ACT_HELP: app->help = !app->help; break;
    default: break;
    }
    app->dirty = true;
}

ViewData app_view_data(const App *app) {
    ViewData v;
    memset(&v, 0, sizeof v);
    v.q = v.k = -1;
    v.layer = app->layer;
    v.head = app->head;
    v.ro = &app->ro;
    v.model_name = app->model ? app->model->name : "no model";
    v.pre_rope = app->pre_rope;
    v.tok = app->model ? app->model->tokenizer : NULL;
    v.label_cap = WORKER_LABEL_CAP;
    const WorkResult *r = app->res;
    if (r && r->tr) {
        v.tr = r->tr;
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
    return v;
}

static void app__help(App *app) {
    Draw *d = &app->d;
    static const char *lines[] = {
        "Text: click the text box (or E / Enter) to type; Esc leaves it.",
        "    arrows, Home/End, Backspace/Delete, Ctrl+A/C/X/V; Ctrl+arrows jump words",
        "Grid: click a head to select it; right-click to ablate it (A on the selected head)",
        "    arrow keys move the selection",
        "Head view: hover a cell for its weight and the vector view; click to pin it",
        "    click a key label (or a token chip) to mask that key for every query",
        "    mouse wheel zooms around the cursor, right-drag pans, 0 resets the zoom",
        "S  cycle scaling: 1/\xE2\x88\x9A" "d, off, temperature      [ ]  temperature down / up",
        "M  cycle masking: causal, none, window       - +  window size",
        "X  unmask all keys and restore all heads",
        "R  vector view: q and k before / after RoPE (Llama models)",
        "C  next colormap        W  white background (slides)",
        "P  export the head view as PNG      Shift+P  export the grid",
        "F1 or ?  this help      Ctrl+Q  quit",
        "Every control re-runs the real forward pass; predictions show the effect.",
    };
    int n = (int)(sizeof lines / sizeof *lines);
    int fn = font_height(d->font, FONT_NORMAL), pad = draw_px(d, 16);
    int w = 0;
    for (int i = 0; i < n; i++) {
        int lw = font_width(d->font, FONT_NORMAL, lines[i]);
        if (lw > w) w = lw;
    }
    SDL_Rect box = {0, 0, w + 2 * pad, n * (fn + draw_px(d, 4)) + 2 * pad + fn * 2};
    box.x = (app->out_w - box.w) / 2;
    box.y = (app->out_h - box.h) / 2;
    draw_fill(d, (SDL_Rect){0, 0, app->out_w, app->out_h}, draw_alpha(d->th.bg, 170));
    draw_fill(d, box, d->th.panel);
    draw_outline(d, box, d->th.accent, 2);
    draw_text(d, FONT_TITLE, box.x + pad, box.y + pad, d->th.text, "attnscope \xE2\x80\x94 controls");
    for (int i = 0; i < n; i++)
        draw_text(d, FONT_NORMAL, box.x + pad, box.y + pad + fn * 2 + i * (fn + draw_px(d, 4)),
                  lines[i][0] == ' ' ? d->th.text_dim : d->th.text, lines[i]);
}

static void app__status(App *app, SDL_Rect r) {
    Draw *d = &app->d;
    const Theme *th = &d->th;
    draw_fill(d, r, th->panel);
    draw_line(d, r.x, r.y, r.x + r.w, r.y, th->border);
    char s[512];
    int pad = draw_px(d, 8), fh = font_height(d->font, FONT_SMALL);
    int y = r.y + (r.h - fh) / 2;
    const WorkResult *res = app->res;
    int T = res && res->tr ? res->tr->n_tokens : 0;
    char kv[24] = "";
    if (app->model && app->model->config.n_kv_head < app->model->config.n_head)
        snprintf(kv, sizeof kv, " (%d KV)", app->model->config.n_kv_head);
    if (app->model)
        snprintf(s, sizeof s, "%s  %dL\xC3\x97%dH%s d=%d  \xC2\xB7  %d/%d tokens  \xC2\xB7  forward %.1f ms"
                 "  \xC2\xB7  render %.1f ms%s", app->model->name, app->model->config.n_layer,
                 app->model->config.n_head, kv, app->model->config.d_model, T, app->max_tokens,
                 res && res->tr ? res->tr->forward_ms : 0.0, app->render_ms,
                 app->posted_gen != app->shown_gen ? "  \xC2\xB7  computing\xE2\x80\xA6" : "");
    else
        snprintf(s, sizeof s, "no model loaded");
    int w = draw_text(d, FONT_SMALL, r.x + pad, y, th->text_dim, s);
    if (app->msg[0])
        draw_text_fit(d, FONT_SMALL, r.x + pad + w + draw_px(d, 24), y,
                      r.w - w - draw_px(d, 32) - pad, app->msg_error ? th->error : th->text,
                      app->msg);
}

/* The head view's zoom and pan (raylib-style camera in app state): the wheel
 * zooms around the cell under the cursor, a right-drag pans, 0 resets. */
static void app__head_view_transform(App *app) {
    Ui *ui = &app->ui;
    HeadLayout *hl = &app->head_layout;
    const SDL_Rect *m = &hl->map;
    bool over = !app->help && hl->T > 0 && ui->mx >= m->x && ui->mx < m->x + m->w &&
                ui->my >= m->y && ui->my < m->y + m->h;
    HeadLayout base = *hl;
    view_head_zoom(&app->d, hl, app->head_zoom, &app->head_off_q, &app->head_off_k);
    if (over && ui->wheel != 0) {
        /* the point under the cursor, in cells, stays under the cursor */
        float fx = (float)(ui->mx - m->x) / hl->cell, fy = (float)(ui->my - m->y) / hl->cell;
        float wk = (float)hl->off_k + fx, wq = (float)hl->off_q + fy;
        float z = app->head_zoom * powf(1.25f, (float)ui->wheel);
        *hl = base;
        int oq = 0, ok = 0;
        view_head_zoom(&app->d, hl, z, &oq, &ok); /* clamps z */
        app->head_zoom = hl->zoom;
        app->head_off_k = (int)lroundf(wk - (float)(ui->mx - m->x) / hl->cell);
        app->head_off_q = (int)lroundf(wq - (float)(ui->my - m->y) / hl->cell);
        *hl = base;
        view_head_zoom(&app->d, hl, app->head_zoom, &app->head_off_q, &app->head_off_k);
        app->dirty = true;
    }
    if (over && ui->pressed[2] && hl->zoom > 1.0f) {
        app->pan_active = true;
        app->pan_mx = ui->mx;
        app->pan_my = ui->my;
        app->pan_q0 = app->head_off_q;
        app->pan_k0 = app->head_off_k;
    }
    if (app->pan_active && !ui->down[2]) app->pan_active = false;
    if (app->pan_active) {
        int oq = app->pan_q0 - (int)lroundf((float)(ui->my - app->pan_my) / hl->cell);
        int ok = app->pan_k0 - (int)lroundf((float)(ui->mx - app->pan_mx) / hl->cell);
        if (oq != app->head_off_q || ok != app->head_off_k) {
            app->head_off_q = oq;
            app->head_off_k = ok;
            *hl = base;
            view_head_zoom(&app->d, hl, app->head_zoom, &app->head_off_q, &app->head_off_k);
        }
    }
}

/* One pass over the UI. Dry passes (on clicks) only act; wet ones draw. */
static void app__pass(App *app, bool dry) {
    Draw *d = &app->d;
    const Theme *th = &d->th;
    Ui *ui = &app->ui;
    d->dry = dry;
    ui_begin(ui);
    int pad = draw_px(d, 8), W = app->out_w, H = app->out_h;
    if (!dry) { /* a clear, not a fill: GL renderers clear without shading pixels */
        SDL_SetRenderDrawColor(d->r, th->bg.r, th->bg.g, th->bg.b, 255);
        SDL_RenderClear(d->r);
    }

    /* ---- layout ---- */
    AppCtl ctl[32];
    int n_ctl = app__controls(app, ctl);
    AppLayout lo;
    int bar_h = app__place_controls(app, ctl, n_ctl, (SDL_Rect){pad, pad, W - 2 * pad, 0});
    lo.bar = (SDL_Rect){pad, pad, W - 2 * pad, bar_h};
    int fn = font_height(d->font, FONT_NORMAL), fs = font_height(d->font, FONT_SMALL);
    int max_lines = H >= draw_px(d, 900) ? 4 : 3; /* long text wraps; more scrolls */
    lo.text = (SDL_Rect){pad, lo.bar.y + bar_h + pad, W - 2 * pad, 0};
    lo.text.h = view_textbox_height(d, &app->edit, lo.text.w, max_lines);
    int chip_h = fs + draw_px(d, 6);
    lo.chips = (SDL_Rect){pad, lo.text.y + lo.text.h + draw_px(d, 6), W - 2 * pad,
                          3 * chip_h + 2 * draw_px(d, 4)};
    {
        /* only as many chip rows as the tokens need (at most 3) */
        ViewData vm = app_view_data(app);
        Draw dm = *d;
        Ui um;
        memset(&um, 0, sizeof um);
        um.mx = um.my = -1;
        dm.dry = true;
        int hv, ck, used = view_chips(&dm, &um, lo.chips, &vm, &hv, &ck);
        if (used < chip_h) used = chip_h;
        if (used < lo.chips.h) lo.chips.h = used;
    }
    lo.status = (SDL_Rect){0, H - fs - draw_px(d, 10), W, fs + draw_px(d, 10)};
    int top = lo.chips.y + lo.chips.h + pad, bottom = lo.status.y - pad;
    int left_w = W * 27 / 100, right_w = W * 26 / 100;
    if (left_w < draw_px(d, 280)) left_w = draw_px(d, 280);
    if (right_w < draw_px(d, 280)) right_w = draw_px(d, 280);
    int mid_w = W - left_w - right_w - 4 * pad;
    int pred_h = fn * 2 + 6 * (fn + draw_px(d, 6)) + draw_px(d, 16);
    lo.grid = (SDL_Rect){pad, top, left_w, bottom - top - pred_h - pad};
    lo.pred = (SDL_Rect){pad, bottom - pred_h, left_w, pred_h};
    lo.head = (SDL_Rect){pad * 2 + left_w, top, mid_w, bottom - top};
    lo.vec = (SDL_Rect){pad * 3 + left_w + mid_w, top, right_w, bottom - top};

    ViewData v = app_view_data(app);
    const ModelConfig *cfg = app->model ? &app->model->config : NULL;
    if (v.gen != app->label_px_gen || d->s != app->label_px_scale) {
        app->label_px = view_max_label_px(d, &v);
        app->label_px_gen = v.gen;
        app->label_px_scale = d->s;
    }
    if (v.tr) {
        /* the head map is square and usually height-bound: the width it
           leaves over goes to the grid and the vector view */
        HeadLayout probe;
        SDL_Rect in = ui_panel(&(Draw){.r = d->r, .font = d->font, .s = d->s, .dry = true},
                               lo.head, "x");
        view_head_layout(d, in, v.tr->n_tokens, true, app->label_px, &probe);
        int need = probe.bar.x + probe.bar.w + draw_px(d, 12) +
                   font_width(d->font, FONT_SMALL, "0.00") + pad - lo.head.x;
        int title = font_width(d->font, FONT_TITLE, "pd-gpt2  \xC2\xB7  layer 10  \xC2\xB7  head 10  "
                               "\xC2\xB7  scale=sqrt mask=causal") + 2 * pad;
        if (need < title) need = title;
        int spare = lo.head.w - need;
        int grow_l = spare / 2, grow_r = spare - grow_l;
        if (grow_l > W * 36 / 100 - left_w) grow_l = W * 36 / 100 - left_w;
        if (grow_r > W * 32 / 100 - right_w) grow_r = W * 32 / 100 - right_w;
        if (spare > 0 && grow_l > 0 && grow_r > 0) {
            lo.grid.w += grow_l;
            lo.pred.w += grow_l;
            lo.head.x += grow_l;
            lo.head.w -= grow_l + grow_r;
            lo.vec.x -= grow_r;
            lo.vec.w += grow_r;
        }
    }

    /* ---- hit tests (before drawing, so every view sees this frame's focus) */
    SDL_Rect grid_in = ui_panel(&(Draw){.r = d->r, .font = d->font, .s = d->s, .dry = true},
                                lo.grid, "Heads");
    view_grid_layout(d, grid_in, cfg ? cfg->n_layer : 0, cfg ? cfg->n_head : 0,
                     cfg ? cfg->n_kv_head : 0, &app->grid_layout);
    if (cfg) {
        /* the grid is usually width-bound: give its spare height to the
           predictions panel below */
        const GridLayout *gl = &app->grid_layout;
        int used = gl->y0 + gl->L * (gl->cell + gl->gap) + pad - lo.grid.y;
        int spare = lo.grid.h - used;
        if (spare > 0) {
            lo.grid.h -= spare;
            lo.pred.y -= spare;
            lo.pred.h += spare;
        }
    }
    app->hover_layer = app->hover_head = -1;
    int gl_l, gl_h;
    if (!app->help && cfg && view_grid_hit(&app->grid_layout, ui->mx, ui->my, &gl_l, &gl_h)) {
        app->hover_layer = gl_l;
        app->hover_head = gl_h;
        if (gl_h < cfg->n_head) {
            if (ui->pressed[0]) app__select(app, gl_l, gl_h);
            if (ui->pressed[2]) app__toggle_ablate(app, gl_l, gl_h);
        }
    }
    v.layer = app->layer;
    v.head = app->head;
    SDL_Rect head_in = ui_panel(&(Draw){.r = d->r, .font = d->font, .s = d->s, .dry = true},
                                lo.head, "x");
    view_head_layout(d, head_in, v.tr ? v.tr->n_tokens : 0, true, app->label_px,
                     &app->head_layout);
    app__head_view_transform(app);
    int hq = -1, hk = -1;
    int hit = (!app->help && v.tr) ? view_head_hit(&app->head_layout, ui->mx, ui->my, &hq, &hk) : 0;
    app->hover_q = hit == 1 ? hq : -1;
    app->hover_k = hit == 1 ? hk : -1;
    if (hit == 1 && ui->pressed[0]) {
        app->pin_q = hq;
        app->pin_k = hk;
    }
    if (hit == 2 && ui->pressed[0]) app__toggle_key_mask(app, hk);
    v = app_view_data(app);

    /* ---- controls ---- */
    for (int i = 0; i < n_ctl; i++) {
        AppCtl *c = &ctl[i];
        if (c->act == ACT_NONE) {
            draw_text(d, FONT_NORMAL, c->r.x, c->r.y + (c->r.h - fn) / 2, th->text_dim, c->label);
            continue;
        }
        if (c->act == ACT_TEMP_SLIDER) {
            float t = app->temp_slider;
            if (ui_slider(ui, d, c->r, &t, -1.0f, 1.0f, c->label))
                app__set_temperature(app, t);
        } else if (ui_button(ui, d, c->r, c->label, c->on)) {
            app__do(app, c->act);
        }
        if (c->tip && ui_inside(ui, c->r) && !app->help) ui_tooltip(ui, c->r, c->tip);
    }

    /* ---- text and chips ---- */
    app->text_box = lo.text;
    if (view_textbox(d, ui, lo.text, &app->edit, app->editing, &app->text_first)) {
        if (!app->editing) {
            app->editing = true;
            SDL_StartTextInput();
        }
    } else if (ui->pressed[0] && app->editing && !ui_inside(ui, lo.text)) {
        app->editing = false;
        SDL_StopTextInput();
    }
    int chip_hover, chip_click;
    view_chips(d, ui, lo.chips, &v, &chip_hover, &chip_click);
    if (chip_click >= 0) app__toggle_key_mask(app, chip_click);
    if (chip_hover >= 0 && v.tokens) {
        const Token *t = &v.tokens[chip_hover];
        char tip[512], hex[200];
        size_t o = 0;
        hex[0] = '\0';
        for (size_t b = t->start; b < t->end && o + 4 < sizeof hex; b++)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%02x ", (unsigned char)v.text[b]);
        snprintf(tip, sizeof tip, "token %d: \"%s\"\nid %d \xC2\xB7 bytes %zu..%zu: %s\nclick to %s this key",
                 chip_hover, view_label(&v, chip_hover), t->id, t->start, t->end,
                 hex[0] ? hex : "(none)",
                 run_options_key_masked(v.ro, chip_hover) ? "unmask" : "mask");
        ui_tooltip(ui, lo.chips, tip);
    }

    /* ---- grid and predictions ---- */
    ui_panel(d, lo.grid, "Heads  (click: select \xC2\xB7 right-click: ablate)");
    view_grid_draw(d, &app->grid_layout, &v, app->hover_layer, app->hover_head);
    if (app->hover_layer >= 0 && cfg) {
        char tip[256];
        char kv[200] = "";
        if (cfg->n_kv_head > 0 && cfg->n_kv_head < cfg->n_head && app->hover_head < cfg->n_head
            && v.tr) {
            char group[160];
            int g = trace_kv_head(v.tr, app->hover_head);
            view_kv_group(v.tr, g, group, sizeof group);
            snprintf(kv, sizeof kv, "\nreads k, v of KV head %d (shared by %s)", g, group);
        }
        if (app->hover_head < cfg->n_head)
            snprintf(tip, sizeof tip, "layer %d head %d%s%s\nclick: select \xC2\xB7 right-click: %s",
                     app->hover_layer, app->hover_head,
                     run_options_head_ablated(&app->ro, app->hover_layer, app->hover_head) ? " (ablated)" : "",
                     kv,
                     run_options_head_ablated(&app->ro, app->hover_layer, app->hover_head) ? "restore" : "ablate");
        else
            snprintf(tip, sizeof tip, "layer %d: mean of its %d heads", app->hover_layer, cfg->n_head);
        ui_tooltip(ui, lo.grid, tip);
    }
    SDL_Rect pred_in = ui_panel(d, lo.pred, "Next-token predictions");
    view_predictions_draw(d, pred_in, &v, v.q >= 0 ? v.q : (v.tr ? v.tr->n_tokens - 1 : -1));

    /* ---- head view ---- */
    ui_panel(d, lo.head, "");
    if (!app->model) {
        draw_text_fit(d, FONT_NORMAL, head_in.x, head_in.y, head_in.w, th->error,
                      "No model loaded: see the status line.");
    } else if (!v.tr) {
        draw_text_fit(d, FONT_NORMAL, head_in.x, head_in.y, head_in.w, th->text_dim,
                      app->edit.len ? "Running the model\xE2\x80\xA6" : "Type some text to see attention.");
    }
    view_head_draw(d, &app->head_layout, &v);
    if (hit == 1) {
        const Trace *tr = v.tr;
        int T = tr->n_tokens;
        float sc = trace_scores(tr, v.layer, v.head)[hq * T + hk];
        char tip[512], scs[32];
        if (isinf(sc)) snprintf(scs, sizeof scs, "masked (-inf)");
        else snprintf(scs, sizeof scs, "%.4f", sc);
        snprintf(tip, sizeof tip, "query %d \"%s\" \xE2\x86\x92 key %d \"%s\"\nweight %.4f\n"
                 "raw score q\xC2\xB7k %.4f\nscaled score %s", hq, view_label(&v, hq), hk,
                 view_label(&v, hk), trace_att(tr, v.layer, v.head)[hq * T + hk],
                 trace_raw(tr, v.layer, v.head)[hq * T + hk], scs);
        ui_tooltip(ui, app->head_layout.map, tip);
    } else if (hit == 2) {
        char tip[256];
        snprintf(tip, sizeof tip, "key %d \"%s\"\nclick to %s it for every query", hk,
                 view_label(&v, hk), run_options_key_masked(v.ro, hk) ? "unmask" : "mask");
        ui_tooltip(ui, app->head_layout.cols, tip);
    }

    /* ---- vector view ---- */
    SDL_Rect vec_in = ui_panel(d, lo.vec, "Inside one weight: q, k, softmax, v");
    app->rope_button = (SDL_Rect){0, 0, 0, 0};
    if (app__has_rope(app)) {
        /* RoPE toggle, where its effect shows */
        int bh = fn + draw_px(d, 6);
        static const char lab[] = "before RoPE";
        SDL_Rect b = {vec_in.x + vec_in.w - ui_button_width(d, lab), vec_in.y,
                      ui_button_width(d, lab), bh};
        draw_text(d, FONT_SMALL, vec_in.x, b.y + (bh - fs) / 2, th->text_dim,
                  "q, k shown:");
        if (ui_button(ui, d, b, lab, app->pre_rope)) app__toggle_rope(app);
        if (ui_inside(ui, b) && !app->help)
            ui_tooltip(ui, b, "Show q and k as projected, before the rotary\n"
                       "position embedding rotates them. The weight\n"
                       "always comes from the rotated q\xC2\xB7k. Key: R");
        app->rope_button = b;
        vec_in.y += bh + draw_px(d, 6);
        vec_in.h -= bh + draw_px(d, 6);
        v.pre_rope = app->pre_rope;
    }
    view_vectors_draw(d, vec_in, &v, &app->vec_layout);

    app__status(app, lo.status);
    if (app->help) app__help(app);
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
    double t0 = app__now_ms();
    app->dirty = false;
    app__update_scale(app);
    app__pass(app, false);
    SDL_RenderPresent(app->ren);
    app->render_ms = app__now_ms() - t0;
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
    case SDL_WINDOWEVENT:
        app->dirty = true;
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        app__pass(app, true); /* act on the click now, draw later */
        app->dirty = true;
        break;
    case SDL_TEXTINPUT:
        if (app->editing) {
            if (textedit_insert(&app->edit, e->text.text, strlen(e->text.text))) app_rerun(app);
            app->dirty = true;
        } else {
            app__text_command(app, e->text.text);
        }
        break;
    case SDL_KEYDOWN: {
        const SDL_Keysym *k = &e->key.keysym;
        bool ctrl = (k->mod & KMOD_CTRL) != 0;
        if (k->sym == SDLK_F1) { app->help = !app->help; app->dirty = true; }
        else if (k->sym == SDLK_ESCAPE && app->help) { app->help = false; app->dirty = true; }
        else if (ctrl && k->sym == SDLK_p) app_export(app, (k->mod & KMOD_SHIFT) != 0, NULL, NULL, 0);
        else if (ctrl && k->sym == SDLK_q) app->quit = true;
        else if (app->editing) app__key_editing(app, k);
        else app__key_command(app, k);
        break;
    }
    default:
        if (changed) app->dirty = true;
        break;
    }
}

/* ------------------------------------------------------------------ */
/* create / destroy                                                     */

static int app__parse_int(const char *s, int *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s) return -1;
    *out = (int)v;
    return 0;
}

int app_apply_spec(App *app, const char *spec, EngineError *err) {
    if (!spec || !*spec) return 0;
    char *copy = strdup(spec);
    if (!copy) return engine_fail(err, "state: out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) { rc = engine_fail(err, "state: \"%s\" is not key=value; HINT: e.g. layer=1;head=2", tok); break; }
        *eq = '\0';
        const char *k = tok, *val = eq + 1;
        int n;
        bool on = strcmp(val, "0") != 0;
        if (!strcmp(k, "layer") && !app__parse_int(val, &n)) app__select(app, n, app->head);
        else if (!strcmp(k, "head") && !app__parse_int(val, &n)) app__select(app, app->layer, n);
        else if (!strcmp(k, "focus") && !strcmp(val, "auto")) app->auto_focus = true;
        else if (!strcmp(k, "focus")) {
            if (sscanf(val, "%d:%d", &app->pin_q, &app->pin_k) != 2) {
                rc = engine_fail(err, "state: focus=%s; HINT: focus=QUERY:KEY", val);
                break;
            }
        } else if (!strcmp(k, "help")) app->help = on;
        else if (!strcmp(k, "white")) { app->white = on; app__set_theme(app); }
        else if (!strcmp(k, "edit")) app->editing = on;
        else if (!strcmp(k, "zoom")) {
            float z;
            int oq = 0, ok = 0;
            if (sscanf(val, "%f:%d:%d", &z, &oq, &ok) < 1 || !(z >= 1.0f)) {
                rc = engine_fail(err, "state: zoom=%s; HINT: zoom=Z or zoom=Z:ROW:COLUMN, Z >= 1", val);
                break;
            }
            app->head_zoom = z;
            app->head_off_q = oq;
            app->head_off_k = ok;
        } else if (!strcmp(k, "rope")) {
            if (strcmp(val, "pre") && strcmp(val, "post")) {
                rc = engine_fail(err, "state: rope=%s; HINT: rope=pre or rope=post", val);
                break;
            }
            app->pre_rope = !strcmp(val, "pre");
        }
        else if (!strcmp(k, "cmap")) {
            int c = colormap_find(val);
            if (c < 0) { rc = engine_fail(err, "state: cmap=%s unknown; HINT: viridis, magma, inferno, cividis, slides", val); break; }
            app->cmap = c;
            draw_set_colormap(&app->d, c);
        } else if (!strcmp(k, "scale")) {
            if ((rc = run_options_parse_scale(&app->ro, val, err))) break;
            if (app->ro.scale == SCALE_TEMP) app->temp_slider = log10f(app->ro.temperature);
        } else if (!strcmp(k, "mask")) {
            if ((rc = run_options_parse_mask(&app->ro, val, err))) break;
        } else if (!strcmp(k, "ablate")) {
            if ((rc = run_options_parse_ablate(&app->ro, val, err))) break;
        } else if (!strcmp(k, "mouse")) {
            int mx, my;
            if (sscanf(val, "%d:%d", &mx, &my) != 2) {
                rc = engine_fail(err, "state: mouse=%s; HINT: mouse=X:Y in window points", val);
                break;
            }
            if (app->win) SDL_WarpMouseInWindow(app->win, mx, my);
            app->ui.mx = (int)lroundf((float)mx * app->hidpi);
            app->ui.my = (int)lroundf((float)my * app->hidpi);
        } else if (!strcmp(k, "text")) {
            textedit_set(&app->edit, val);
        } else {
            rc = engine_fail(err, "state: unknown key \"%s\"; HINT: layer, head, focus, help, "
                             "white, edit, rope, zoom, cmap, scale, mask, ablate, mouse, text", k);
            break;
        }
    }
    free(copy);
    app->dirty = true;
    app_rerun(app);
    return rc;
}

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
    app->head_zoom = 1.0f;
    app->hover_layer = app->hover_head = -1;
    app->ro = args->run;
    if (app->ro.top_k < 10) app->ro.top_k = 10; /* as many as the panel has room for */
    if (!(app->ro.temperature > 0)) app->ro.temperature = 1.0f;
    if (app->ro.window < 1) app->ro.window = 4;
    app->temp_slider = log10f(app->ro.temperature);
    textedit_init(&app->edit, args->text ? args->text : app_default_text);
    snprintf(app->model_path, sizeof app->model_path, "%s",
             args->model_path ? args->model_path : MODEL_DEFAULT_PATH);
    ModelLoadOptions mo = model_load_options_default();
    EngineError merr = {{0}};
    if (model_load(&app->model, app->model_path, &mo, &merr) != 0) {
        app->model = NULL;
        app__say(app, true, "%s", merr.msg);
    } else {
        int n_ctx = app->model->config.n_ctx;
        app->max_tokens = n_ctx < APP_MAX_TOKENS ? n_ctx : APP_MAX_TOKENS;
        app->worker = worker_create(app->model, app->max_tokens, app->ev_result, &merr);
        if (!app->worker) app__say(app, true, "%s", merr.msg);
        app->layer = app->model->config.n_layer > 1 ? 1 : 0;
    }
    app__update_scale(app);
    app->dirty = true;
    app_rerun(app);
    return app;
}

void app_destroy(App *app) {
    if (!app) return;
    worker_destroy(app->worker);
    work_result_free(app->res);
    model_free(app->model);
    textedit_free(&app->edit);
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
    int rc = png_write_argb(path, px, w, h, w, texts, 2, err);
    free(px);
    return rc;
}

/* ------------------------------------------------------------------ */
/* main loop, screenshot and bench                                      */

static double app__cpu_ms(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
           (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

static int app__cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void app__drain(App *app) {
    SDL_Event e;
    while (SDL_PollEvent(&e)) app_handle_event(app, &e);
}

/* keystroke -> updated frame, grid frame time at 64 tokens, idle CPU. */
static int app__bench(App *app) {
    if (!app->worker) {
        fprintf(stderr, "attnscope: bench: %s\n", app->msg);
        return 1;
    }
    app_wait_result(app, 10000);
    app_frame(app, true);
    app->editing = true;
    textedit_end(&app->edit, false);
    double t[40], tw[40];
    int n = 0;
    double cpu0 = app__cpu_ms();
    for (int i = 0; i < 40; i++) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        double t0 = app__now_ms();
        if (i % 2 == 0) {
            e.type = SDL_TEXTINPUT;
            snprintf(e.text.text, sizeof e.text.text, "%s", "s");
        } else {
            e.type = SDL_KEYDOWN;
            e.key.keysym.sym = SDLK_BACKSPACE;
        }
        /* keystroke -> worker's forward pass done -> frame drawn and presented */
        app_handle_event(app, &e);
        if (!app_wait_result(app, 10000)) {
            fprintf(stderr, "attnscope: bench: the forward pass did not finish in 10 s\n");
            return 1;
        }
        double t1 = app__now_ms();
        if (!app_frame(app, false)) app_frame(app, true);
        t[n] = app__now_ms() - t0;
        tw[n++] = t1 - t0;
    }
    qsort(t, (size_t)n, sizeof *t, app__cmp_double);
    qsort(tw, (size_t)n, sizeof *tw, app__cmp_double);
    double key_cpu = (app__cpu_ms() - cpu0) / n; /* all threads: load-independent */
    double key_ms = t[n / 2], key_run_ms = tw[n / 2], key_p90 = t[n * 9 / 10];
    int key_T = app->res && app->res->tr ? app->res->tr->n_tokens : 0;

    /* 64 tokens: a new trace each time, so every thumbnail re-uploads */
    char text[4096] = "";
    bool bos = app->model->config.arch == ARCH_LLAMA; /* as the worker encodes */
    for (;;) {
        EngineError err;
        TokenList tl;
        if (tokenizer_encode(app->model->tokenizer, text, strlen(text), bos, &tl, &err)) break;
        size_t nt = tl.n;
        if (nt > 64) text[tl.tokens[64].start] = '\0'; /* exactly 64 tokens */
        token_list_free(&tl);
        if (nt >= 64 || strlen(text) > sizeof text - 64) break;
        strcat(text, nt % 7 == 3 ? " Mr. Darcy smiled." : " the room");
    }
    textedit_set(&app->edit, text);
    app_rerun(app);
    app_wait_result(app, 10000);
    int T = app->res && app->res->tr ? app->res->tr->n_tokens : 0;
    n = 0;
    for (int i = 0; i < 20; i++) {
        app->ro.temperature = i % 2 ? 1.0f : 1.0001f; /* a new trace, same look */
        app->ro.scale = SCALE_TEMP;
        app_rerun(app);
        app_wait_result(app, 10000);
        double t0 = app__now_ms();
        app_frame(app, true);
        SDL_Renderer *r = app->ren;
        uint32_t px;
        SDL_RenderReadPixels(r, &(SDL_Rect){0, 0, 1, 1}, SDL_PIXELFORMAT_ARGB8888, &px, 4);
        t[n++] = app__now_ms() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, app__cmp_double);
    double grid_ms = t[n / 2];

    /* idle: the real loop's wait, 3 s without input, after 0.5 s for the
       window system's own events to settle */
    double s0 = app__now_ms();
    while (app__now_ms() - s0 < 500.0) {
        app__drain(app);
        app_frame(app, false);
        SDL_Delay(10);
    }
    double c0 = app__cpu_ms(), w0 = app__now_ms();
    while (app__now_ms() - w0 < 3000.0) {
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 3000 - (int)(app__now_ms() - w0)))
            app_handle_event(app, &e);
        app_frame(app, false);
    }
    double idle = 100.0 * (app__cpu_ms() - c0) / (app__now_ms() - w0);
    SDL_RendererInfo ri;
    SDL_GetRendererInfo(app->ren, &ri);
    printf("model=%s renderer=%s size=%dx%d keystroke: %d tokens, forward done after "
           "%.2f ms, p90 %.2f ms, %.2f CPU-ms (all threads); grid: %d tokens\n",
           app->model->name, ri.name, app->out_w, app->out_h, key_T, key_run_ms, key_p90,
           key_cpu, T);
    printf("keystroke_ms=%.2f grid_frame_ms=%.2f idle_cpu_pct=%.2f\n", key_ms, grid_ms, idle);
    return 0;
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
        return 1;
    }
    SDL_Window *win = SDL_CreateWindow("attnscope", SDL_WINDOWPOS_CENTERED,
                                       SDL_WINDOWPOS_CENTERED, w, h,
                                       SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!win) {
        fprintf(stderr, "attnscope: cannot open a window: %s; HINT: check $DISPLAY\n",
                SDL_GetError());
        SDL_Quit();
        return 1;
    }
    SDL_SetWindowMinimumSize(win, 900, 600);
    if (args.screenshot) /* keep the pointer off the views unless the state puts it there */
        SDL_WarpMouseInWindow(win, w - 1, h - 1);
    EngineError err = {{0}};
    App *app = app_create(&args, win, w, h, &err);
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
        rc = app__bench(app);
        app_destroy(app);
        SDL_DestroyWindow(win);
        SDL_Quit();
        return rc;
    }
    Uint32 start = SDL_GetTicks();
    while (!app->quit) {
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
                fprintf(stderr, "attnscope: wrote %s\n", args.screenshot);
            }
            break;
        }
    }
    app_destroy(app);
    SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}
