/* test_app_session.c — sessions through the real app, headless (SDL dummy
 * driver): a state set through the app's own handlers is autosaved, a new
 * App made from the autosave by the same path app_main takes has every field
 * equal and computes the same attention; --fresh, --text and run flags, a
 * corrupt autosave (kept as .bad, its text restored), a missing --session,
 * the Ctrl+S prompt (default name, Enter, Esc, asks before replacing) and a
 * failing autosave. Uses the numpy oracle's GPT-2 checkpoint (2 layers x 4
 * heads, n_ctx 32); skips when it is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/appstate.h"
#include "app/colormap.h"
#include "check.h"

static char tmp[512];

static void key(App *app, SDL_Keycode sym, Uint16 mod) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    app_handle_event(app, &e);
}

/* Types s as SDL does: TEXTINPUT events of at most 31 bytes. */
static void type(App *app, const char *s) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    for (size_t n = strlen(s), i = 0; i < n; i += 16) {
        snprintf(e.text.text, sizeof e.text.text, "%.16s", s + i);
        app_handle_event(app, &e);
    }
}

static bool settle(App *app) {
    bool ok = app_wait_result(app, 10000);
    app_frame(app, true);
    return ok;
}

/* The App the way app_main makes it: appsession_begin, app_create,
 * appsession_finish_start. NULL when begin refused (err). */
static App *start(AppArgs *args, EngineError *err) {
    AppSessionStart st;
    if (appsession_begin(args, &st, err)) return NULL;
    App *app = app_create(args, NULL, 1280, 800, err);
    if (app) appsession_finish_start(app, &st);
    session_free(&st.s);
    if (app) settle(app);
    return app;
}

static const char text[] = "Elizabeth said:\n\"\xE4\xB8\xAD\xE6\x96\x87\" ok";

/* A state set through the app's own handlers and spec. */
static void prepare(App *app) {
    textedit_set(&app->edit, text);
    EngineError err = {{0}};
    int rc = app_apply_spec(app, "layer=1;head=2;scale=temp:0.3;mask=keys:2;mask=window:3;"
                            "ablate=0.1;cmap=magma;white=1;zoom=2:1:1;focus=5:2;rope=pre", &err);
    CHECK(rc == 0, "spec: %s", err.msg);
    settle(app);
    key(app, SDLK_x, 0); /* a real key: reset, then mask and ablate again by key */
    settle(app);
    app_apply_spec(app, "mask=keys:2;mask=window:3;ablate=0.1", &err);
    settle(app);
}

static bool same_app(const App *a, const App *b, const char *what) {
    bool text_eq = a->edit.len == b->edit.len && !memcmp(a->edit.buf, b->edit.buf, a->edit.len);
    CHECK(text_eq, "%s: text \"%s\" vs \"%s\"", what, a->edit.buf, b->edit.buf);
    CHECK(a->ro.scale == b->ro.scale && a->ro.temperature == b->ro.temperature &&
          a->ro.mask == b->ro.mask && a->ro.window == b->ro.window && a->ro.top_k == b->ro.top_k,
          "%s: scale, temperature, mask, window, top_k", what);
    CHECK(!memcmp(a->ro.masked_keys, b->ro.masked_keys, sizeof a->ro.masked_keys),
          "%s: masked keys", what);
    CHECK(!memcmp(a->ro.ablated, b->ro.ablated, sizeof a->ro.ablated), "%s: ablated heads", what);
    CHECK(a->temp_slider == b->temp_slider, "%s: slider %g vs %g", what, a->temp_slider,
          b->temp_slider);
    CHECK(a->layer == b->layer && a->head == b->head, "%s: head L%dH%d vs L%dH%d", what,
          a->layer, a->head, b->layer, b->head);
    CHECK(a->pin_q == b->pin_q && a->pin_k == b->pin_k, "%s: pin %d:%d vs %d:%d", what,
          a->pin_q, a->pin_k, b->pin_q, b->pin_k);
    CHECK(a->hv.cam.zoom == b->hv.cam.zoom && a->hv.cam.off_q == b->hv.cam.off_q &&
          a->hv.cam.off_k == b->hv.cam.off_k, "%s: zoom %g:%d:%d vs %g:%d:%d", what,
          a->hv.cam.zoom, a->hv.cam.off_q, a->hv.cam.off_k, b->hv.cam.zoom, b->hv.cam.off_q,
          b->hv.cam.off_k);
    CHECK(a->cmap == b->cmap && a->d.cmap == b->d.cmap, "%s: colormap", what);
    CHECK(a->white == b->white && !memcmp(&a->d.th, &b->d.th, sizeof a->d.th), "%s: theme", what);
    CHECK(a->pre_rope == b->pre_rope, "%s: before-RoPE toggle", what);
    const Trace *ta = a->res ? a->res->tr : NULL, *tb = b->res ? b->res->tr : NULL;
    bool att_eq = ta && tb && ta->n_tokens == tb->n_tokens;
    for (int l = 0; att_eq && l < ta->n_layer; l++)
        for (int h = 0; h < ta->n_head; h++)
            att_eq = att_eq && !memcmp(trace_att(ta, l, h), trace_att(tb, l, h),
                                       sizeof(float) * (size_t)ta->n_tokens * ta->n_tokens);
    CHECK(att_eq, "%s: the same attention in every head (%d tokens)", what, ta ? ta->n_tokens : -1);
    return text_eq && att_eq;
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char model[1024], model_abs[4096];
    snprintf(model, sizeof model, "%s/oracle/gpt2_f32", build);
    if (!check_path_exists(model) || !realpath(model, model_abs)) {
        SKIP("%s absent: run the numpy oracle first (make test does)", model);
        return check_summary();
    }
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        CHECK(0, "SDL_Init: %s", SDL_GetError());
        return check_summary();
    }
    snprintf(tmp, sizeof tmp, "/tmp/attnscope-app-session-XXXXXX");
    if (!mkdtemp(tmp)) {
        CHECK(0, "mkdtemp");
        return check_summary();
    }
    char state[600], autosave[700], path[700];
    snprintf(state, sizeof state, "%s/state", tmp);
    snprintf(autosave, sizeof autosave, "%s/attnscope/last-session.json", state);
    setenv("XDG_STATE_HOME", state, 1);
    setenv("ATTNSCOPE_EXPORT_DIR", tmp, 1);
    EngineError err = {{0}};

    /* --- the first start: nothing to restore --- */
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    args.model_given = true;
    args.text = "ab";
    args.run = run_options_default();
    App *a = start(&args, &err);
    CHECK(a && a->model, "first app: %s", err.msg);
    if (!a) return check_summary();
    CHECK(!a->msg_error, "first start: no error (%s)", a->msg);
    prepare(a);
    CHECK(a->res && a->res->tr && a->res->tr->n_tokens > 6, "the prepared text runs");
    CHECK(a->pin_q == 5 && a->pin_k == 2 && a->hv.cam.zoom == 2.0f, "prepared pin and zoom");
    CHECK(run_options_key_masked(&a->ro, 2) && run_options_head_ablated(&a->ro, 0, 1) &&
          a->ro.mask == MASK_WINDOW && a->ro.scale == SCALE_TEMP, "prepared run options");
    CHECK(appsession_autosave(a) == 0 && check_path_exists(autosave), "autosave written: %s",
          a->msg);
    char *saved = check_read_file(autosave, NULL);

    /* --- the next start restores it; the model comes from the session --- */
    AppArgs next;
    memset(&next, 0, sizeof next);
    next.model_path = "/nonexistent/default-model"; /* not given: the session's wins */
    next.run = run_options_default();
    App *b = start(&next, &err);
    CHECK(b && b->model, "restored app: %s", err.msg);
    if (b) {
        CHECK(!strcmp(b->model_path, model_abs), "model from the session: %s", b->model_path);
        same_app(a, b, "autosave -> new app");
        CHECK(!b->msg[0] || !b->msg_error, "no error: %s", b->msg);
        /* and it saves back byte for byte */
        CHECK(appsession_autosave(b) == 0, "second autosave");
        char *again = check_read_file(autosave, NULL);
        CHECK(saved && again && !strcmp(saved, again), "the session file is stable:\n%s\n%s",
              saved, again);
        free(again);
        char prev[800];
        snprintf(prev, sizeof prev, "%s/attnscope/last-session.prev.json", state);
        again = check_read_file(prev, NULL);
        CHECK(saved && again && !strcmp(saved, again), "the one before is kept as .prev.json");
        free(again);
        /* quit paths all end the loop that autosaves */
        SDL_Event q;
        memset(&q, 0, sizeof q);
        q.type = SDL_QUIT;
        app_handle_event(b, &q);
        CHECK(b->quit, "SDL_QUIT (window closed, SIGTERM via SDL) quits");
        b->quit = false;
        key(b, SDLK_q, KMOD_LCTRL);
        CHECK(b->quit, "Ctrl+Q quits");
        app_destroy(b);
    }

    /* --- the command line wins over the session --- */
    memset(&next, 0, sizeof next);
    next.model_path = model;
    next.text = "from the command line";
    next.run = run_options_default();
    next.run_given = true;
    b = start(&next, &err);
    if (b) {
        CHECK(!strcmp(b->edit.buf, "from the command line"), "--text wins: %s", b->edit.buf);
        CHECK(b->ro.scale == SCALE_SQRT && b->ro.mask == MASK_CAUSAL &&
              !run_options_key_masked(&b->ro, 2), "run flags win");
        CHECK(b->layer == a->layer && b->head == a->head && b->cmap == a->cmap && b->white,
              "the view still comes from the session");
        app_destroy(b);
    }
    memset(&next, 0, sizeof next);
    next.model_path = model;
    next.fresh = true;
    b = start(&next, &err);
    if (b) {
        CHECK(strcmp(b->edit.buf, text) && b->cmap == CMAP_VIRIDIS && !b->white,
              "--fresh: not restored");
        app_destroy(b);
    }

    /* --- --session FILE; a missing one refuses to start --- */
    snprintf(path, sizeof path, "%s/copy.json", tmp);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(saved ? saved : "", f);
        fclose(f);
    }
    memset(&next, 0, sizeof next);
    next.model_path = "/nonexistent/default-model";
    next.session = path;
    b = start(&next, &err);
    if (b) {
        same_app(a, b, "--session FILE");
        app_destroy(b);
    }
    snprintf(path, sizeof path, "%s/missing.json", tmp);
    next.session = path;
    b = start(&next, &err);
    CHECK(!b && strstr(err.msg, "missing.json: cannot open") && strstr(err.msg, "HINT"),
          "missing --session: %s", err.msg);
    app_destroy(b);

    /* --- a bad field: named in the status line, the rest applies --- */
    snprintf(path, sizeof path, "%s/badfield.json", tmp);
    f = fopen(path, "wb");
    if (f) {
        fprintf(f, "{\"format\":\"attnscope-session\",\"version\":1,\"model\":\"%s\","
                "\"text\":\"kept text\",\"run\":{\"window\":-4,\"mask\":\"none\"},"
                "\"view\":{\"layer\":9,\"head\":1}}", model_abs);
        fclose(f);
    }
    next.session = path;
    b = start(&next, &err);
    if (b) {
        CHECK(strstr(b->msg, "field run.window"), "status names the field: %s",
              b->msg);
        CHECK(!strcmp(b->edit.buf, "kept text") && b->ro.mask == MASK_NONE && b->head == 1,
              "the other fields apply");
        CHECK(b->layer == 1, "layer 9 clamped to the 2-layer model: %d", b->layer);
        app_destroy(b);
    }

    /* --- a corrupt autosave: text restored, the file kept as .bad --- */
    f = fopen(autosave, "wb");
    if (f) {
        fputs("{\"format\":\"attnscope-session\",\"text\":\"typed before the crash\\nline 2", f);
        fclose(f);
    }
    memset(&next, 0, sizeof next);
    next.model_path = model;
    b = start(&next, &err);
    char bad[800];
    snprintf(bad, sizeof bad, "%s.bad", autosave);
    if (b) {
        CHECK(!strcmp(b->edit.buf, "typed before the crash\nline 2"), "text recovered: %s",
              b->edit.buf);
        CHECK(strstr(b->msg, "kept as") && strstr(b->msg, "text was recovered"),
              "says so: %s", b->msg);
        CHECK(check_path_exists(bad) && !check_path_exists(autosave), "kept as .bad");
        CHECK(appsession_autosave(b) == 0 && check_path_exists(bad), "quitting keeps the .bad");
        app_destroy(b);
    }

    /* --- Ctrl+S: the prompt (the app's one-line prompt, as Ctrl+D) --- */
    key(a, SDLK_s, KMOD_LCTRL);
    CHECK(a->prompt == ACT_SAVE_SESSION, "Ctrl+S opens the prompt");
    char want[4400], tmp_abs[4096];
    snprintf(want, sizeof want, "%s/attnscope-%s-session.json",
             realpath(tmp, tmp_abs) ? tmp_abs : tmp, a->model->name);
    CHECK(!strcmp(a->prompt_edit.buf, want), "default name in the export folder: %s",
          a->prompt_edit.buf);
    RunOptions before = a->ro;
    size_t len_before = a->edit.len;
    type(a, "sm"); /* into the name: not a command, not the text box */
    key(a, SDLK_s, 0);
    CHECK(a->ro.scale == before.scale && a->ro.mask == before.mask && a->edit.len == len_before,
          "typing in the prompt changes nothing else");
    app_frame(a, true); /* draws the prompt */
    key(a, SDLK_ESCAPE, 0);
    CHECK(a->prompt == ACT_NONE && !check_path_exists(want), "Esc cancels");
    key(a, SDLK_s, KMOD_LCTRL);
    key(a, SDLK_RETURN, 0);
    CHECK(a->prompt == ACT_NONE && check_path_exists(want) && strstr(a->msg, "session saved to"),
          "Enter saves: %s", a->msg);
    char *via_prompt = check_read_file(want, NULL);
    CHECK(saved && via_prompt && !strcmp(saved, via_prompt), "Ctrl+S writes the same session");
    free(via_prompt);
    key(a, SDLK_s, KMOD_LCTRL);
    CHECK(strstr(a->prompt_edit.buf, "-session-2.json") != NULL, "next default: %s",
          a->prompt_edit.buf);
    key(a, SDLK_a, KMOD_LCTRL);
    char typed[4500];
    snprintf(typed, sizeof typed, "%s", want);
    type(a, typed);
    key(a, SDLK_RETURN, 0);
    CHECK(a->prompt == ACT_SAVE_SESSION && !strcmp(a->prompt_edit.buf, want) &&
          strstr(a->msg, "exists: Enter again replaces it"), "an existing name asks first: %s",
          a->msg);
    key(a, SDLK_RETURN, 0);
    CHECK(a->prompt == ACT_NONE && !a->msg_error && strstr(a->msg, "session saved"),
          "Enter again replaces it: %s", a->msg);
    key(a, SDLK_s, KMOD_LCTRL);
    key(a, SDLK_a, KMOD_LCTRL);
    snprintf(typed, sizeof typed, "%s/no-such-folder/x.json", tmp);
    type(a, typed);
    key(a, SDLK_RETURN, 0);
    CHECK(a->prompt == ACT_SAVE_SESSION && a->msg_error && strstr(a->msg, "does not exist"),
          "a bad folder: the prompt stays, the status line says why: %s", a->msg);
    key(a, SDLK_ESCAPE, 0);
    a->quit = false;
    key(a, SDLK_s, KMOD_LCTRL); /* Ctrl+Q still quits with a prompt open */
    key(a, SDLK_q, KMOD_LCTRL);
    CHECK(a->quit, "Ctrl+Q quits from the prompt");
    key(a, SDLK_ESCAPE, 0);

    /* --- an autosave that cannot be written says so --- */
    snprintf(path, sizeof path, "%s/plainfile", tmp);
    f = fopen(path, "wb");
    if (f) fclose(f);
    setenv("XDG_STATE_HOME", path, 1);
    CHECK(appsession_autosave(a) == -1, "autosave under a file fails");

    free(saved);
    app_destroy(a);
    SDL_Quit();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) printf("note: could not remove %s\n", tmp);
    return check_summary();
}
