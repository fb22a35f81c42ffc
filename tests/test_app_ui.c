/* test_app_ui.c — drives the real app headless (SDL dummy video driver,
 * software renderer): scripted typing, paste, clicks, keys and hover; then
 * checks App state, the traces the worker produced, and exported pixels
 * read back with libpng. Uses the numpy oracle's random GPT-2 checkpoint
 * (build/oracle/gpt2_f32, n_ctx 32); skips when it is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/appstate.h"
#include "app/png.h"
#include "app_drive.h"
#include "check.h"

static App *app;

static void key(SDL_Keycode sym, Uint16 mod) { drive_key(app, sym, mod); }
static void type(const char *s) { drive_type(app, s); }

/* A key as X11 delivers it: SDL_KEYDOWN, then SDL_TEXTINPUT only while text
 * input is on (the text box has focus). */
static void stroke(SDL_Keycode sym, Uint16 mod, const char *text) {
    key(sym, mod);
    if (app->editing && text) type(text);
}

static int count_files(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -1 '%s' 2>/dev/null | wc -l", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1) n = -1;
        pclose(f);
    }
    return n;
}

static void mouse(int type_, int x, int y, Uint8 button) { drive_mouse(app, type_, x, y, button); }

static void click(int x, int y, Uint8 button) { drive_click(app, x, y, button); }

/* Lets the worker finish, shows the result, draws a frame. */
static bool settle(void) { return drive_settle(app); }

static const Trace *tr(void) { return app->res ? app->res->tr : NULL; }

/* Cell (q, k) center color of an exported head view. */
typedef struct {
    uint32_t *px;
    int w, h, x, y, n;
    float cell;
} Png;

static int load_export(const char *path, Png *p) {
    EngineError err;
    char geom[128];
    memset(p, 0, sizeof *p);
    if (png_read_argb(path, &p->px, &p->w, &p->h, "Heatmap", geom, sizeof geom, &err)) {
        printf("read %s: %s\n", path, err.msg);
        return -1;
    }
    if (sscanf(geom, "x=%d y=%d cell=%f n=%d", &p->x, &p->y, &p->cell, &p->n) != 4) return -1;
    return 0;
}

static uint32_t cell_px(const Png *p, int q, int k) {
    int x = p->x + (int)((float)k * p->cell + p->cell / 2);
    int y = p->y + (int)((float)q * p->cell + p->cell / 2);
    return p->px[(size_t)y * p->w + x] & 0xFFFFFF;
}

static uint32_t rgb24(Rgb c) { return ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b; }

/* app_token_cap on model shapes (only the config is read): the context
 * while one trace fits in APP_TRACE_BYTES, else the largest multiple of 64
 * that fits, never past APP_MAX_TOKENS. */
static void test_token_cap(void) {
    Model m;
    memset(&m, 0, sizeof m);
    ModelConfig *c = &m.config;
    *c = (ModelConfig){.arch = ARCH_GPT2, .n_layer = 12, .n_head = 12, .n_kv_head = 12,
                       .d_head = 64, .vocab_size = 50257, .n_ctx = 1024};
    CHECK(app_token_cap(&m) == 1024, "GPT-2 small: its whole context 1024 (got %d, a trace "
          "%.2f GiB)", app_token_cap(&m), (double)trace_bytes(&m, 1024) / (1 << 30));
    c->n_layer = 24; /* GPT-2 medium's heads: 24 x 16 */
    c->n_head = c->n_kv_head = 16;
    int cap = app_token_cap(&m);
    CHECK(cap < 1024 && cap % 64 == 0 && trace_bytes(&m, cap) <= APP_TRACE_BYTES &&
          trace_bytes(&m, cap + 64) > APP_TRACE_BYTES, "GPT-2 medium: the largest multiple of "
          "64 whose trace fits in 1 GiB (got %d)", cap);
    c->n_layer = c->n_head = c->n_kv_head = 2;
    c->n_ctx = 8192;
    CHECK(app_token_cap(&m) == APP_MAX_TOKENS, "a small model with n_ctx 8192: APP_MAX_TOKENS "
          "(got %d)", app_token_cap(&m));
    c->n_ctx = 100;
    CHECK(app_token_cap(&m) == 100, "n_ctx 100: 100 (got %d)", app_token_cap(&m));
}

int main(void) {
    test_token_cap();
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char model[1024];
    snprintf(model, sizeof model, "%s/oracle/gpt2_f32", build);
    if (!check_path_exists(model)) {
        SKIP("%s absent: run the numpy oracle first (make test does)", model);
        return check_summary();
    }
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        CHECK(0, "SDL_Init: %s", SDL_GetError());
        return check_summary();
    }
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s/test-app", build);
    mkdir(tmp, 0755);
    setenv("ATTNSCOPE_EXPORT_DIR", tmp, 1);

    /* --- a bad model is a status-line error, not a crash --- */
    AppArgs bad;
    memset(&bad, 0, sizeof bad);
    bad.model_path = "/nonexistent/model";
    EngineError err = {{0}};
    app = app_create(&bad, NULL, 1280, 800, &err);
    CHECK(app != NULL, "app_create with a bad model: %s", err.msg);
    if (app) {
        ViewData bv = app_view_data(app);
        CHECK(app->model == NULL && strstr(bv.model_error, "/nonexistent/model") &&
              strstr(bv.model_error, "HINT"), "the load error reaches the window: %s", bv.model_error);
        CHECK(app_frame(app, true), "a frame without a model draws");
        CHECK(app_export(app, false, NULL, NULL, 0) == -1 && app->msg_error,
              "export without a trace is an error: %s", app->msg);
        /* controls that need a model are off: a click on "off" changes nothing */
        RunOptions ro0 = app->ro;
        for (int i = 0; i < app->cv.n; i++)
            if (app->cv.c[i].act == ACT_SCALE_NONE)
                click(app->cv.c[i].r.x + 3, app->cv.c[i].r.y + 3, SDL_BUTTON_LEFT);
        key(SDLK_F2, 0);
        CHECK(!memcmp(&ro0, &app->ro, sizeof ro0), "without a model the scaling controls do nothing");
        /* Ctrl+O opens another model; the typed text is kept */
        if (!app->editing) key(SDLK_TAB, 0);
        type(" kept");
        char typed[256];
        snprintf(typed, sizeof typed, "%s", app->edit.buf);
        key(SDLK_o, KMOD_LCTRL);
        CHECK(app->prompt == ACT_OPEN_MODEL, "Ctrl+O asks for a model");
        key(SDLK_a, KMOD_LCTRL);
        type("/still/not/there");
        key(SDLK_RETURN, 0);
        CHECK(!app->model && strstr(app->load_error, "/still/not/there"), "a second bad path: %s",
              app->load_error);
        key(SDLK_o, KMOD_LCTRL);
        key(SDLK_a, KMOD_LCTRL);
        type(model);
        key(SDLK_RETURN, 0);
        CHECK(app->model && !strcmp(app->edit.buf, typed), "Ctrl+O loaded %s and kept the text: %s",
              model, app->edit.buf);
        CHECK(settle() && tr() != NULL, "the new model runs on the kept text");
        /* a model dropped on the window opens too */
        SDL_Event drop;
        memset(&drop, 0, sizeof drop);
        drop.type = SDL_DROPFILE;
        drop.drop.file = SDL_strdup("/dropped/nowhere");
        app_handle_event(app, &drop);
        CHECK(app->model && app->msg_error && strstr(app->msg, "/dropped/nowhere"),
              "a bad drop keeps the loaded model and says why: %s", app->msg);
        drop.drop.file = SDL_strdup(model);
        app_handle_event(app, &drop);
        CHECK(app->model && !app->msg_error && settle(), "dropping a model folder opens it: %s", app->msg);
        app_destroy(app);
    }

    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    args.text = "ab";
    args.run = run_options_default();
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app && app->model, "app_create: %s", app ? app->msg : err.msg);
    if (!app || !app->model) return check_summary();
    CHECK(settle(), "first run finishes");
    CHECK(tr() && app->res->tokens.n >= 1 && !strcmp(app->res->text, "ab"),
          "first trace for \"ab\"");

    /* --- typing and editing --- */
    CHECK(app->editing, "the text box has focus at start");
    click(app->tv.box.x + app->tv.box.w - 5, app->tv.box.y + app->tv.box.h / 2, SDL_BUTTON_LEFT);
    CHECK(app->editing, "clicking the text box focuses it");
    CHECK(app->edit.cursor == 2, "click past the end puts the caret at the end (%zu)", app->edit.cursor);
    type("c");
    type("d");
    CHECK(!strcmp(app->edit.buf, "abcd"), "typed: %s", app->edit.buf);
    key(SDLK_HOME, 0);
    key(SDLK_DELETE, 0);
    CHECK(!strcmp(app->edit.buf, "bcd"), "Home, Delete: %s", app->edit.buf);
    key(SDLK_END, 0);
    key(SDLK_BACKSPACE, 0);
    CHECK(!strcmp(app->edit.buf, "bc"), "End, Backspace: %s", app->edit.buf);
    key(SDLK_LEFT, 0);
    type("\xC3\xA9"); /* é: two bytes */
    CHECK(!strcmp(app->edit.buf, "b\xC3\xA9" "c"), "insert UTF-8 mid-text: %s", app->edit.buf);
    key(SDLK_BACKSPACE, 0);
    CHECK(!strcmp(app->edit.buf, "bc") && app->edit.cursor == 1,
          "Backspace removes a whole UTF-8 character: %s", app->edit.buf);
    key(SDLK_a, KMOD_LCTRL);
    type("x");
    CHECK(!strcmp(app->edit.buf, "x"), "Ctrl+A then typing replaces all: %s", app->edit.buf);
    SDL_SetClipboardText(" hello world");
    key(SDLK_v, KMOD_LCTRL);
    CHECK(!strcmp(app->edit.buf, "x hello world"), "Ctrl+V pastes: %s", app->edit.buf);
    key(SDLK_a, KMOD_LCTRL);
    key(SDLK_c, KMOD_LCTRL);
    char *clip = SDL_GetClipboardText();
    CHECK(clip && !strcmp(clip, "x hello world"), "Ctrl+C copies: %s", clip ? clip : "(null)");
    SDL_free(clip);
    key(SDLK_END, 0);
    CHECK(settle(), "latest request finishes");
    CHECK(tr() && !strcmp(app->res->text, "x hello world"),
          "the trace is for the latest text (latest wins): %s", app->res ? app->res->text : "");
    CHECK(app->res->tokens.n == (size_t)tr()->n_tokens, "tokens == trace length");
    key(SDLK_ESCAPE, 0);
    CHECK(!app->editing, "Esc leaves the text box");

    /* --- the keyboard model: in the box every character is text --- */
    {
        key(SDLK_RETURN, 0);
        CHECK(app->editing, "Enter outside the box enters it");
        key(SDLK_END, 0);
        RunOptions ro0 = app->ro;
        int cmap0 = app->cmap, files0 = count_files(tmp);
        bool white0 = app->white;
        size_t len0 = app->edit.len;
        static const struct { SDL_Keycode sym; Uint16 mod; const char *ch; } ks[] = {
            {SDLK_s, 0, "s"}, {SDLK_m, 0, "m"}, {SDLK_c, 0, "c"}, {SDLK_w, 0, "w"},
            {SDLK_p, 0, "p"}, {SDLK_p, KMOD_LSHIFT, "P"}, {SDLK_a, 0, "a"}, {SDLK_r, 0, "r"},
            {SDLK_x, 0, "x"}, {SDLK_e, 0, "e"}, {SDLK_k, 0, "k"}, {SDLK_SLASH, KMOD_LSHIFT, "?"},
            {SDLK_LEFTBRACKET, 0, "["}, {SDLK_RIGHTBRACKET, 0, "]"}, {SDLK_EQUALS, KMOD_LSHIFT, "+"},
            {SDLK_MINUS, 0, "-"}, {SDLK_EQUALS, 0, "="}, {SDLK_0, 0, "0"}};
        char want[256];
        snprintf(want, sizeof want, "%s", app->edit.buf);
        for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
            stroke(ks[i].sym, ks[i].mod, ks[i].ch);
            strcat(want, ks[i].ch);
        }
        CHECK(!strcmp(app->edit.buf, want), "every shortcut letter typed in the box is text: %s",
              app->edit.buf);
        CHECK(!memcmp(&ro0, &app->ro, sizeof ro0) && app->cmap == cmap0 && app->white == white0 &&
              !app->help && count_files(tmp) == files0,
              "no typed character ran a command (run options, colormap, theme, help, exports)");
        key(SDLK_RETURN, 0);
        CHECK(app->editing && app->edit.buf[app->edit.len - 1] == '\n',
              "Enter in the box inserts a line break and keeps the focus");
        stroke(SDLK_s, KMOD_LSHIFT, "S");
        CHECK(app->editing && app->edit.buf[app->edit.len - 1] == 'S' && app->ro.scale == ro0.scale,
              "the letter after Enter is text, not a command");
        key(SDLK_F2, 0);
        CHECK(app->editing && app->ro.scale != ro0.scale && app->edit.buf[app->edit.len - 1] == 'S',
              "F2 cycles scaling while typing, without touching the text");
        key(SDLK_F2, 0);
        key(SDLK_F2, 0);
        int head0 = app->head;
        key(SDLK_RIGHT, KMOD_LALT);
        type("\xE2\x80\x9E"); /* the text X11 may send for Alt+Right: dropped */
        CHECK(app->head == head0 + 1 && app->edit.buf[app->edit.len - 1] == 'S',
              "Alt+Right selects the next head in the box; its text is dropped");
        key(SDLK_LEFT, KMOD_LALT);
        app->last_export[0] = '\0';
        key(SDLK_e, KMOD_LCTRL);
        CHECK(app->last_export[0] && app->editing && app->edit.buf[app->edit.len - 1] == 'S',
              "Ctrl+E exports while typing: %s", app->last_export);
        /* leaving and entering the box many times keeps the shortcuts working
           (they are keysyms, not text that SDL_StopTextInput turns off) */
        for (int i = 0; i < 3; i++) {
            key(SDLK_ESCAPE, 0);
            key(SDLK_TAB, 0);
        }
        key(SDLK_ESCAPE, 0);
        CHECK(!app->editing, "Esc leaves the box again");
        size_t len1 = app->edit.len;
        stroke(SDLK_s, 0, "s");
        CHECK(app->ro.scale == SCALE_NONE && app->edit.len == len1,
              "outside the box S is a command again, and types nothing");
        stroke(SDLK_s, 0, "s");
        stroke(SDLK_s, 0, "s");
        textedit_set(&app->edit, "x hello world");
        app_rerun(app);
        (void)len0;
        /* the README, F1 and --help come from one table: the README lists it */
        FILE *f = fopen("README.md", "r");
        char *readme = NULL;
        size_t rn = 0;
        if (f) {
            readme = calloc(1, 1 << 20);
            if (readme) rn = fread(readme, 1, (1 << 20) - 1, f);
            fclose(f);
        }
        if (!readme || rn == 0) {
            SKIP("README.md not readable from the current folder");
        } else {
            KeyRow rows[64];
            int nr = keymap_rows(rows, 64), missing = 0;
            for (int i = 0; i < nr; i++) {
                char line[1024];
                snprintf(line, sizeof line, "| %.96s | %.48s | %.300s |", rows[i].keys[0] ? rows[i].keys : "",
                         rows[i].cmd[0] ? rows[i].cmd : "", rows[i].what);
                if (!strstr(readme, line)) {
                    if (missing++ < 3) fprintf(stderr, "README lacks: %s\n", line);
                }
            }
            CHECK(missing == 0, "README's key table has all %d rows of the key map (%d missing)", nr,
                  missing);
        }
        free(readme);
        settle();
    }

    /* --- keys toggle scaling and masking; the forward pass reflects them --- */
    int T = tr()->n_tokens;
    key(SDLK_s, 0);
    CHECK(app->ro.scale == SCALE_NONE, "S: scaling off");
    settle();
    CHECK(app->res->ro.scale == SCALE_NONE, "trace computed without scaling");
    {
        const float *raw = trace_raw(tr(), 0, 0), *sc = trace_scores(tr(), 0, 0);
        CHECK_CLOSE(sc[(T - 1) * T], raw[(T - 1) * T], 1e-6, "unscaled score == q.k");
    }
    key(SDLK_s, 0);
    CHECK(app->ro.scale == SCALE_TEMP, "S again: temperature");
    stroke(SDLK_RIGHTBRACKET, 0, "]");
    CHECK(app->ro.temperature > 1.2f && app->ro.temperature < 1.3f, "] raises T: %f", app->ro.temperature);
    settle();
    {
        const float *raw = trace_raw(tr(), 0, 0), *sc = trace_scores(tr(), 0, 0);
        float want = raw[(T - 1) * T] / (sqrtf((float)tr()->d_head) * app->ro.temperature);
        CHECK_CLOSE(sc[(T - 1) * T], want, 1e-4, "temperature score");
    }
    key(SDLK_s, 0);
    CHECK(app->ro.scale == SCALE_SQRT, "S cycles back to 1/sqrt(d)");
    key(SDLK_m, 0);
    CHECK(app->ro.mask == MASK_NONE, "M: no mask");
    settle();
    CHECK(trace_att(tr(), 0, 0)[0 * T + T - 1] > 0.0f, "mask none: query 0 sees the last key");
    stroke(SDLK_MINUS, 0, "-");
    CHECK(app->ro.mask == MASK_WINDOW, "- switches to a window mask");
    int w = app->ro.window;
    stroke(SDLK_EQUALS, KMOD_LSHIFT, "+");
    CHECK(app->ro.window == w + 1, "+ widens the window");
    key(SDLK_m, 0);
    CHECK(app->ro.mask == MASK_CAUSAL, "M cycles back to causal");
    settle();
    CHECK(trace_att(tr(), 0, 0)[0 * T + T - 1] == 0.0f, "causal: query 0 does not see the last key");

    /* --- select a head by click, ablate by right-click --- */
    SDL_Rect c = view_grid_cell(&app->gv.layout, 1, 2);
    click(c.x + c.w / 2, c.y + c.h / 2, SDL_BUTTON_LEFT);
    CHECK(app->layer == 1 && app->head == 2, "click selects L1 H2 (got L%d H%d)", app->layer, app->head);
    float p_before = tr()->top_p[(T - 1) * tr()->top_k];
    int id_before = tr()->top_ids[(T - 1) * tr()->top_k];
    c = view_grid_cell(&app->gv.layout, 0, 1);
    click(c.x + c.w / 2, c.y + c.h / 2, SDL_BUTTON_RIGHT);
    CHECK(run_options_head_ablated(&app->ro, 0, 1), "right-click ablates L0 H1");
    CHECK(app->layer == 1 && app->head == 2, "right-click does not change the selection");
    settle();
    {
        const float *ho = trace_head_out(tr(), 0, 1);
        float m = 0;
        for (int i = 0; i < T * tr()->d_head; i++) m = fmaxf(m, fabsf(ho[i]));
        CHECK(m == 0.0f, "ablated head output is zero (max %g)", m);
        float p_after = tr()->top_p[(T - 1) * tr()->top_k];
        CHECK(p_after != p_before || tr()->top_ids[(T - 1) * tr()->top_k] != id_before,
              "ablation changes the predictions (%g -> %g)", p_before, p_after);
        /* the vector view of the ablated head does not call its sum the output */
        ViewData av = app_view_data(app);
        av.layer = 0;
        av.head = 1;
        av.q = T - 1;
        av.k = 0;
        char note[256];
        view_vectors_output_note(&av, 1.0f, note, sizeof note);
        CHECK(!strstr(note, "= head output") && strstr(note, "ablated"),
              "ablated head's vector note tells the truth: %s", note);
        av.head = 0;
        view_vectors_output_note(&av, 1.0f, note, sizeof note);
        CHECK(strstr(note, "= head output at query") != NULL, "a live head's note: %s", note);
    }
    click(c.x + c.w / 2, c.y + c.h / 2, SDL_BUTTON_RIGHT);
    CHECK(!run_options_head_ablated(&app->ro, 0, 1), "right-click again restores");

    /* --- hover a cell: focus, tooltip --- */
    settle();
    HeadLayout *hl = &app->hv.layout;
    int hq = T - 1, hk = 1;
    mouse(SDL_MOUSEMOTION, hl->map.x + (int)((float)hk * hl->cell + hl->cell / 2),
          hl->map.y + (int)((float)hq * hl->cell + hl->cell / 2), 0);
    app_frame(app, false);
    CHECK(app->hover_q == hq && app->hover_k == hk, "hover (%d,%d) got (%d,%d)", hq, hk,
          app->hover_q, app->hover_k);
    ViewData v = app_view_data(app);
    CHECK(v.q == hq && v.k == hk, "the vector view follows the hover");
    {
        int cx_ = hl->map.x + (int)((float)hk * hl->cell + hl->cell / 2);
        int cy_ = hl->map.y + (int)((float)hq * hl->cell + hl->cell / 2);
        click(cx_, cy_, SDL_BUTTON_LEFT);
        CHECK(app->pin_q == hq && app->pin_k == hk, "a click pins the cell");
        click(cx_, cy_, SDL_BUTTON_LEFT);
        CHECK(app->pin_q == -1 && app->pin_k == -1, "a click on the pinned cell unpins it");
    }

    /* --- click a key label: that key is masked for every query --- */
    int mk = 1;
    click(hl->map.x + (int)((float)mk * hl->cell + hl->cell / 2), hl->map.y - 10, SDL_BUTTON_LEFT);
    CHECK(run_options_key_masked(&app->ro, mk), "clicking key label %d masks it", mk);
    settle();
    {
        float m = 0;
        for (int q = 0; q < T; q++) m = fmaxf(m, trace_att(tr(), app->layer, app->head)[q * T + mk]);
        CHECK(m == 0.0f, "masked key column is zero (max %g)", m);
    }

    /* --- export: pixels --- */
    char path[1024];
    CHECK(app_export(app, false, NULL, path, sizeof path) == 0, "P export: %s", app->msg);
    CHECK(strstr(path, "gpt2_f32") && strstr(path, "L1H2"), "file name has model, layer, head: %s", path);
    CHECK(!app->msg_error && strstr(app->msg, strrchr(path, '/') + 1) && strstr(app->msg, "/test-app"),
          "status line shows the file and the folder: %s", app->msg);
    {
        /* exports never overwrite: a second one gets a new name; their text
           chunks name the settings, the masked keys by token and the shown text */
        char path2[1024];
        CHECK(app_export(app, false, NULL, path2, sizeof path2) == 0 && strcmp(path, path2) &&
              check_path_exists(path) && strstr(path2, "-L1H2-sqrt-causal-masked1-"),
              "a second export is a new file beside the first: %s", path2);
        char settings[2048], shown[2048];
        uint32_t *px = NULL;
        int pw, ph;
        EngineError pe;
        if (png_read_argb(path2, &px, &pw, &ph, "Settings", settings, sizeof settings, &pe) == 0) {
            char want[128], lab[64];
            worker_token_label(app->model->tokenizer, app->res->tokens.tokens[mk].id, lab, sizeof lab);
            snprintf(want, sizeof want, "masked keys: %d \"%s\"", mk, lab);
            CHECK(strstr(settings, "scale=sqrt") && strstr(settings, want),
                  "Settings names the scaling and the masked key by its token: %s", settings);
            free(px);
        }
        if (png_read_argb(path2, &px, &pw, &ph, "Shown text", shown, sizeof shown, &pe) == 0) {
            const TokenList *tl = &app->res->tokens;
            size_t a = tl->tokens[0].start, b = tl->tokens[tl->n - 1].end;
            char want[2048];
            snprintf(want, sizeof want, "%s\"%.*s\"", a > 0 ? "\xE2\x80\xA6" : "", (int)(b - a),
                     app->res->text + a);
            CHECK(!strcmp(shown, want), "the caption quotes exactly the tokens shown: %s", shown);
            free(px);
        }
        remove(path2);
    }
    Png p;
    if (load_export(path, &p) == 0) {
        CHECK(p.n == T, "exported %d tokens", p.n);
        /* masked cells (causal triangle, masked key) are a grey outside the
           colormap, never the colour of weight 0 */
        uint32_t zero = app->d.masked & 0xFFFFFFu, wzero = rgb24(colormap_rgb(CMAP_VIRIDIS, 0.0f));
        CHECK(zero != wzero && (zero >> 16 & 255) == (zero & 255) && (zero >> 8 & 255) == (zero & 255),
              "the masked colour 0x%06x is a grey, not weight 0's 0x%06x", zero, wzero);
        int upper_ok = 0, upper = 0, lower_colored = 0, lower = 0, col_ok = 0;
        const float *att = trace_att(tr(), 1, 2);
        for (int q = 0; q < T; q++)
            for (int k = 0; k < T; k++) {
                uint32_t px = cell_px(&p, q, k);
                if (k > q) { upper++; upper_ok += px == zero; }
                else if (k != mk) { lower++; lower_colored += px == rgb24(colormap_rgb(CMAP_VIRIDIS, roundf(att[q * T + k] * 255.0f) / 255.0f)); }
                if (k == mk) col_ok += px == zero;
            }
        CHECK(upper > 0 && upper_ok == upper, "causal map is lower-triangular: %d/%d upper cells in the masked grey", upper_ok, upper);
        CHECK(lower_colored == lower, "visible cells carry their weight's color: %d/%d", lower_colored, lower);
        CHECK(col_ok == T, "masked key column is in the masked grey: %d/%d", col_ok, T);
        char desc[256];
        uint32_t *px2;
        int w2, h2;
        png_read_argb(path, &px2, &w2, &h2, "Description", desc, sizeof desc, &err);
        CHECK(!strcmp(desc, "x hello world"), "text in a PNG text chunk: %s", desc);
        free(px2);
        char settings[256];
        png_read_argb(path, &px2, &w2, &h2, "Settings", settings, sizeof settings, &err);
        CHECK(strstr(settings, "layer 1 head 2") && strstr(settings, "viridis"),
              "settings chunk: %s", settings);
        free(px2);
        free(p.px);
    } else {
        CHECK(0, "exported PNG readable with a Heatmap chunk");
    }
    /* white background, another colormap, the grid */
    key(SDLK_w, 0);
    key(SDLK_c, 0);
    CHECK(app->white && app->cmap == CMAP_MAGMA, "W and C: white, magma");
    key(SDLK_p, KMOD_LSHIFT);
    CHECK(!app->msg_error && strstr(app->last_export, "-grid-"), "Shift+P exports the grid: %s", app->msg);
    if (load_export(app->last_export, &p) == 0) {
        CHECK(p.px[0] == 0xFFFFFFFFu, "white background export (0x%08x)", p.px[0]);
        free(p.px);
    }
    /* an unwritable folder: one-line error, the app keeps running */
    CHECK(app_export(app, false, "/nonexistent-dir/x.png", NULL, 0) == -1, "unwritable path fails");
    CHECK(app->msg_error && strstr(app->msg, "/nonexistent-dir/x.png") && strstr(app->msg, "HINT")
          && !strchr(app->msg, '\n'), "one-line error: %s", app->msg);
    CHECK(app_frame(app, true), "still drawing after the failed export");

    /* --- text longer than the context: truncated with a message --- */
    key(SDLK_e, 0);
    key(SDLK_a, KMOD_LCTRL);
    for (int i = 0; i < 16; i++) type("the quick brown fox ");
    settle();
    CHECK(tr() && tr()->n_tokens == app->model->config.n_ctx && app->res->n_dropped > 0,
          "truncated to n_ctx=%d (got %d)", app->model->config.n_ctx, tr() ? tr()->n_tokens : 0);
    CHECK(strstr(app->msg, "truncated to the last") && strstr(app->msg, "the model's context") &&
          !strchr(app->msg, '\n'), "one truncation line naming the cap: %s", app->msg);
    CHECK(app->edit.len == 16 * strlen("the quick brown fox "), "the text box keeps all the "
          "text past the cap (%zu bytes)", app->edit.len);
    CHECK(app->max_tokens == app_token_cap(app->model) && app->max_tokens == app->model->config.n_ctx,
          "a small model's cap is its context %d (got %d)", app->model->config.n_ctx, app->max_tokens);

    /* --- long text wraps onto lines at word boundaries --- */
    {
        Draw *d = &app->d;
        int fn = font_height(d->font, FONT_NORMAL), inner = app->tv.box.w - 2 * draw_px(d, 8);
        size_t st[32];
        TextLines *tl = &app->tv.lines;
        textlines_update(tl, d->font, FONT_NORMAL, app->edit.buf, app->edit.len, inner);
        int n = tl->n < 32 ? tl->n : 32;
        memcpy(st, tl->starts, (size_t)n * sizeof *st);
        CHECK(n >= 2 && app->tv.box.h >= 2 * fn, "320 characters wrap: %d lines, box %d px", n,
              app->tv.box.h);
        int ok = 1;
        for (int i = 0; i < n; i++) {
            size_t e = i + 1 < n ? st[i + 1] : app->edit.len;
            while (e > st[i] && app->edit.buf[e - 1] == ' ') e--; /* spaces hang */
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(e - st[i]), app->edit.buf + st[i]);
            if (font_width(d->font, FONT_NORMAL, line) > inner) ok = 0;
            if (i > 0 && (app->edit.buf[st[i] - 1] != ' ' || app->edit.buf[st[i]] == ' ')) ok = 0;
        }
        CHECK(ok, "every line fits the box and breaks between words");
        key(SDLK_HOME, 0);
        key(SDLK_DOWN, 0);
        CHECK(app->edit.cursor == st[1], "Down from the start goes to line 2's start (%zu, want %zu)",
              app->edit.cursor, st[1]);
        key(SDLK_UP, 0);
        CHECK(app->edit.cursor == 0, "Up comes back (%zu)", app->edit.cursor);
        app_frame(app, true);
        int vis = (app->tv.box.h - draw_px(d, 14)) / fn;
        int y0 = app->tv.box.y + (app->tv.box.h - vis * fn) / 2;
        click(app->tv.box.x + draw_px(d, 8) + 1, y0 + fn + fn / 2, SDL_BUTTON_LEFT);
        CHECK(app->edit.cursor == st[1], "a click at the start of line 2 puts the caret there (%zu, want %zu)",
              app->edit.cursor, st[1]);
        key(SDLK_END, 0);
    }

    /* --- the head view zooms around the cursor, pans by right-drag, 0 resets --- */
    {
        key(SDLK_ESCAPE, 0);
        settle();
        HeadLayout *h = &app->hv.layout;
        int zq = 20, zk = 10;
        int zx = h->map.x + (int)(((float)zk + 0.5f) * h->cell), zy = h->map.y + (int)(((float)zq + 0.5f) * h->cell);
        mouse(SDL_MOUSEMOTION, zx, zy, 0);
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_MOUSEWHEEL;
        e.wheel.y = 3;
        app_handle_event(app, &e);
        app_frame(app, false);
        CHECK(app->hv.cam.zoom > 1.9f && app->hv.cam.zoom < 2.0f, "3 wheel steps zoom 1.25^3 (%g)", app->hv.cam.zoom);
        CHECK(app->hover_q == zq && app->hover_k == zk, "the cell under the cursor stays put: (%d,%d)",
              app->hover_q, app->hover_k);
        CHECK(h->off_q > 0 && h->off_k > 0 && h->n_q < tr()->n_tokens, "zoomed view starts at (%d,%d), %d rows",
              h->off_q, h->off_k, h->n_q);
        int oq = h->off_q, ok_ = h->off_k;
        mouse(SDL_MOUSEBUTTONDOWN, zx, zy, SDL_BUTTON_RIGHT);
        app_frame(app, false);
        mouse(SDL_MOUSEMOTION, zx + (int)(3 * h->cell), zy + (int)(2 * h->cell), 0);
        app_frame(app, false);
        mouse(SDL_MOUSEBUTTONUP, zx + (int)(3 * h->cell), zy + (int)(2 * h->cell), SDL_BUTTON_RIGHT);
        app_frame(app, false);
        CHECK(h->off_k == ok_ - 3 && h->off_q == oq - 2, "right-drag pans by the cells dragged: (%d,%d) -> (%d,%d)",
              oq, ok_, h->off_q, h->off_k);
        stroke(SDLK_0, 0, "0");
        app_frame(app, false);
        CHECK(app->hv.cam.zoom == 1.0f && h->off_q == 0 && h->n_q == tr()->n_tokens, "0 resets the zoom");
    }

    /* --- help overlay, reset --- */
    key(SDLK_F1, 0);
    CHECK(app->help, "F1 shows help");
    app_frame(app, true);
    key(SDLK_F1, 0);
    key(SDLK_ESCAPE, 0);
    /* GPT-2 has no RoPE and no grouped KV heads: no toggle, no brackets */
    key(SDLK_r, 0);
    app_frame(app, true);
    CHECK(!app->pre_rope && app->vv.rope_button.w == 0, "R and the before-RoPE button are off for GPT-2");
    CHECK(app->gv.layout.KV == app->model->config.n_head &&
          app->gv.layout.y0 - app->gv.layout.area.y < 2 * font_height(app->d.font, FONT_SMALL),
          "no KV bracket row for plain multi-head attention");
    key(SDLK_x, 0);
    CHECK(!run_options_key_masked(&app->ro, mk), "X unmasks keys");

    /* --- issue 8 / 13 bugs --- */
    {
        /* empty text: an explicit empty state, never the old trace (issue 13:
           the next frame read token labels past a buffer; ASan build) */
        key(SDLK_TAB, 0);
        CHECK(app->editing, "Tab enters the box");
        key(SDLK_a, KMOD_LCTRL);
        type("One two three");
        settle();
        type(" four");
        settle();
        CHECK(tr() != NULL, "a trace before clearing");
        key(SDLK_a, KMOD_LCTRL);
        key(SDLK_BACKSPACE, 0);
        settle();
        CHECK(app->edit.len == 0 && app->res && app->res->tokens.n == 0 && tr() == NULL,
              "cleared text: no trace shown (tokens %zu, trace %s)",
              app->res ? app->res->tokens.n : 0, tr() ? "stale" : "none");
        ViewData ev = app_view_data(app);
        CHECK(ev.tr == NULL && !ev.has_text, "the views get the empty state");
        CHECK(app_frame(app, true), "the empty frame draws");
        type("Back again");
        settle();
        CHECK(tr() && !strcmp(app->res->text, "Back again"), "typing after clearing runs again");

        /* the temperature slider drags: press, move, the value follows */
        SDL_Rect sr = {0, 0, 0, 0};
        for (int i = 0; i < app->cv.n; i++)
            if (app->cv.c[i].act == ACT_TEMP_SET) sr = app->cv.c[i].r;
        CHECK(sr.w > 0, "the slider is placed");
        app_frame(app, true);
        mouse(SDL_MOUSEBUTTONDOWN, sr.x + sr.w / 2, sr.y + sr.h / 2, SDL_BUTTON_LEFT);
        app_frame(app, false);
        float t_mid = app->ro.temperature;
        mouse(SDL_MOUSEMOTION, sr.x + sr.w - 2, sr.y + sr.h / 2, 0);
        app_frame(app, false);
        float t_drag = app->ro.temperature;
        mouse(SDL_MOUSEMOTION, sr.x + 1, sr.y + sr.h / 2, 0);
        app_frame(app, false);
        float t_left = app->ro.temperature;
        mouse(SDL_MOUSEBUTTONUP, sr.x + 1, sr.y + sr.h / 2, SDL_BUTTON_LEFT);
        app_frame(app, false);
        CHECK(fabsf(t_mid - 1.0f) < 0.05f && t_drag > 8.0f && t_left < 0.12f,
              "dragging the slider moves T: %.2f -> %.2f -> %.2f", t_mid, t_drag, t_left);
        app->ro = run_options_default();
        app->ro.top_k = 10;
        app->temp_slider = 0.0f;
        app_rerun(app);
        settle();

        /* an edit keeps zoom and pin; a new text resets them */
        CHECK(!app->editing, "a press on the slider left the text box");
        key(SDLK_TAB, 0);
        key(SDLK_END, 0);
        app->hv.cam.zoom = 2.0f;
        app->pin_q = 1;
        app->pin_k = 0;
        type("!");
        CHECK(app->hv.cam.zoom == 2.0f && app->pin_q == 1, "typing on keeps the zoom and the pin");
        key(SDLK_a, KMOD_LCTRL);
        type("Zebras graze");
        CHECK(app->hv.cam.zoom == 1.0f && app->pin_q == -1 && app->pin_k == -1,
              "a new text resets the zoom and the pin (zoom %.1f, pin %d)", app->hv.cam.zoom,
              app->pin_q);
        settle();

        /* panel widths do not depend on the text */
        app_frame(app, true);
        SDL_Rect g0 = app->gv.panel, h0 = app->hv.panel;
        static const char *texts[] = {"a", "Supercalifragilistic expialidocious words here",
                                      "x y z. The cat sat on the mat, and then the cat sat again on it."};
        int moved = 0;
        for (int i = 0; i < 3; i++) {
            textedit_set(&app->edit, texts[i]);
            app_rerun(app);
            settle();
            app_frame(app, true);
            moved += app->gv.panel.w != g0.w || app->hv.panel.x != h0.x || app->hv.panel.w != h0.w;
        }
        CHECK(moved == 0, "grid and head panel widths stay put as the text changes (%d moved)", moved);

        /* the error flag clears with the message after a good run (issue 13) */
        setenv("ATTNSCOPE_EXPORT_DIR", "/nonexistent/dir", 1);
        CHECK(app_export(app, false, NULL, NULL, 0) == -1 && app->msg_error,
              "an export into a missing folder is an error: %s", app->msg);
        setenv("ATTNSCOPE_EXPORT_DIR", tmp, 1);
        if (!app->editing) key(SDLK_TAB, 0);
        type("?");
        settle();
        CHECK(!strstr(app->msg, "export failed") && !app->msg_error,
              "a good run clears the error message and its flag (flag %d): %s", app->msg_error, app->msg);

        /* state-spec numbers out of range are errors, not overflows (issue 13) */
        EngineError se = {{0}};
        CHECK(app_apply_spec(app, "mouse=2147483647:5", &se) != 0 && strstr(se.msg, "mouse"),
              "mouse=INT_MAX is refused: %s", se.msg);
        CHECK(app_apply_spec(app, "focus=99999999999:1", &se) != 0, "focus overflow is refused");
        CHECK(app_apply_spec(app, "zoom=2:2147483647:0", &se) != 0, "zoom offset overflow is refused");
        CHECK(app_apply_spec(app, "mouse=10:20", &se) == 0 && app->ui.mx == 10, "mouse=10:20 is fine");
        settle();
    }

    /* --- the export folder, set in the app (Ctrl+D) --- */
    {
        char sub[400], before[256];
        snprintf(sub, sizeof sub, "%s/sub", tmp);
        mkdir(sub, 0755);
        snprintf(before, sizeof before, "%s", app->edit.buf);
        key(SDLK_d, KMOD_LCTRL);
        CHECK(app->prompt == ACT_EXPORT_DIR, "Ctrl+D asks for the export folder");
        app_frame(app, true);
        key(SDLK_a, KMOD_LCTRL);
        type(sub);
        key(SDLK_RETURN, 0);
        CHECK(!app->prompt && !strcmp(app->export_dir, sub) && !strcmp(app->edit.buf, before),
              "Enter sets it; the text is untouched: %s (%s)", app->export_dir, app->msg);
        char out[1024];
        CHECK(app_export(app, true, NULL, out, sizeof out) == 0 && strstr(out, "/sub/attnscope-"),
              "exports go there: %s", out);
        key(SDLK_d, KMOD_LCTRL);
        key(SDLK_a, KMOD_LCTRL);
        type("/nonexistent/folder");
        key(SDLK_RETURN, 0);
        CHECK(app->msg_error && !strcmp(app->export_dir, sub), "a missing folder is refused: %s", app->msg);
        key(SDLK_d, KMOD_LCTRL);
        key(SDLK_ESCAPE, 0);
        CHECK(!app->prompt, "Esc cancels the prompt");
        /* the folder and the model prompts have buttons too, at the right
           end of the status line (export folder..., then model... left of it) */
        int sy = app->out_h - font_height(app->d.font, FONT_SMALL) / 2 - draw_px(&app->d, 5);
        click(app->out_w - draw_px(&app->d, 8) - 4, sy, SDL_BUTTON_LEFT);
        CHECK(app->prompt == ACT_EXPORT_DIR, "the export folder button opens its prompt");
        key(SDLK_ESCAPE, 0);
        int fw = font_width(app->d.font, FONT_SMALL, "export folder\xE2\x80\xA6") + 2 * draw_px(&app->d, 6);
        click(app->out_w - draw_px(&app->d, 8) - fw - draw_px(&app->d, 4) - 6, sy, SDL_BUTTON_LEFT);
        CHECK(app->prompt == ACT_OPEN_MODEL, "the model button opens its prompt");
        key(SDLK_ESCAPE, 0);
        app->export_dir[0] = '\0';
    }

    /* --- small screens: the head view keeps priority --- */
    {
        App *big = app;
        static const int sizes[3][2] = {{800, 600}, {1024, 768}, {1280, 800}};
        for (int i = 0; i < 3; i++) {
            int W = sizes[i][0], H = sizes[i][1];
            args.text = "Mr. Darcy walked into the room. Elizabeth looked at Mr. Darcy and smiled.";
            app = app_create(&args, NULL, W, H, &err);
            if (!app) break;
            settle();
            app_apply_spec(app, "focus=5:2", &err);
            settle();
            int hw = app->hv.panel.w, vw = app->vv.layout.q.w;
            if (W < 1180) {
                CHECK(app->vec_tab && vw == 0 && hw * 100 >= W * 55,
                      "%dx%d: vector view folded into a tab, head view %d px of %d", W, H, hw, W);
                key(SDLK_F4, 0);
                app_frame(app, true);
                CHECK(app->vv.layout.q.w > 0, "%dx%d: F4 opens the vector view (%d px)", W, H,
                      app->vv.layout.q.w);
                key(SDLK_F4, 0);
                app_frame(app, true);
                CHECK(app->vv.layout.q.w == 0, "%dx%d: F4 folds it again", W, H);
            } else {
                CHECK(!app->vec_tab && vw > 0, "%dx%d: three columns, vector view shown", W, H);
            }
            CHECK(app->hv.layout.map.w >= (H < 700 ? 250 : 350), "%dx%d: head map %d px", W, H,
                  app->hv.layout.map.w);
            app_destroy(app);
        }
        app = big;
        args.text = "ab";
    }

    /* --- latest wins: a burst of posts ends on the last text --- */
    key(SDLK_e, 0);
    for (int i = 0; i < 20; i++) type("z");
    settle();
    CHECK(app->res->gen == app->posted_gen && app->res->text[strlen(app->res->text) - 1] == 'z',
          "after a burst the shown trace is the newest (gen %llu of %llu)",
          (unsigned long long)app->res->gen, (unsigned long long)app->posted_gen);

    app_destroy(app);
    SDL_Quit();
    return check_summary();
}
