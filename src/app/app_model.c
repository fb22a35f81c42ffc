/* app_model.c — opening another model (Ctrl+O, a dropped folder or file)
 * and the one-line prompts that ask for a model or the export folder. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int app_token_cap(const Model *m) {
    int cap = m->config.n_ctx < APP_MAX_TOKENS ? m->config.n_ctx : APP_MAX_TOKENS;
    int floor = cap < 64 ? cap : 64;
    while (cap > floor && trace_bytes(m, cap) > APP_TRACE_BYTES)
        cap = cap - 64 > floor ? (cap - 1) / 64 * 64 : floor; /* 1000 -> 960, 1024 -> 960 */
    return cap;
}

int app_open_model(App *app, const char *path) {
    ModelLoadOptions mo = model_load_options_default();
    EngineError merr = {{0}};
    Model *m = NULL;
    Worker *w = NULL;
    AppTranslate *mt = NULL;
    int max_tokens = 0;
    if (marian_is_marian_folder(path)) { /* encoder-decoder: translation mode */
        if (app_mt_load(path, APP_MT_MAX_TOKENS, app->ev_result, &mt, &w, &merr) == 0) {
            m = mt->mm->base;
            max_tokens = m->config.n_ctx < APP_MT_MAX_TOKENS ? m->config.n_ctx : APP_MT_MAX_TOKENS;
        }
    } else if (model_load(&m, path, &mo, &merr) == 0) {
        max_tokens = app_token_cap(m);
        w = worker_create(m, max_tokens, app->ev_result, &merr);
        if (!w) {
            model_free(m);
            m = NULL;
        }
    }
    if (!m) {
        /* one line on stderr too (the window may not be seen), and the
           model in use, if any, stays */
        fprintf(stderr, "attnscope: %s\n", merr.msg);
        snprintf(app->load_error, sizeof app->load_error, "%s", merr.msg);
        if (app->model) app__say(app, true, "%s", merr.msg); /* else the head panel says it */
        return -1;
    }
    bool replacing = app->model != NULL; /* else the first: keep --mask keys:, --ablate */
    worker_destroy(app->worker);
    work_result_free(app->res);
    bool was_mt = app->mt != NULL;
    if (app->mt) app_mt_free(app->mt); /* frees its base, app->model */
    else model_free(app->model);
    app->mt = mt;
    app->model = m;
    app->worker = w;
    app->max_tokens = max_tokens;
    app->res = NULL;
    app->posted_gen = app->shown_gen = 0;
    app->label_px_gen = UINT64_MAX;
    if (path != app->model_path) /* app_create passes app->model_path itself */
        snprintf(app->model_path, sizeof app->model_path, "%s", path);
    app->load_error[0] = '\0';
    /* a new model: its heads and positions are not the old one's */
    if (replacing) {
        memset(app->ro.masked_keys, 0, sizeof app->ro.masked_keys);
        memset(app->ro.ablated, 0, sizeof app->ro.ablated);
    }
    app->layer = m->config.n_layer > 1 ? 1 : 0;
    app->head = 0;
    app->auto_head = true; /* then its teaching head, from the first result */
    app->pin_q = app->pin_k = app->hover_q = app->hover_k = -1;
    app->hv.cam = (HeadCam){.zoom = 1.0f};
    if (app->ro.window > max_tokens) app->ro.window = max_tokens;
    /* an encoder is bidirectional: mask none (a decoder: causal), unless the
       command line chose the mask for the first model */
    if (replacing || !app->mask_given) app->ro.mask = run_options_for_model(m).mask;
    app->seg_filter = 0;
    if (mt) { /* the controls start on cross-attention's options */
        app->ro = mt->mro.cross;
        app->role = -1; /* no role scores in translation (view_act_off) */
        app->layer = m->config.n_layer - 1; /* the last decoder layer aligns best */
    } else if (was_mt) { /* the options were a translation kind's */
        app->ro = run_options_for_model(m);
    }
    draw_heat_invalidate(&app->d); /* heatmap keys restart with the generations */
    if (replacing || app->msg_error) app__say(app, false, "opened %s (%s)", m->name, path);
    app_rerun(app); /* the typed text is kept */
    return 0;
}

void app__prompt_open(App *app, Act act) {
    app->prompt = act;
    char name[PATH_MAX + 300];
    textedit_set(&app->prompt_edit, act == ACT_EXPORT_DIR ? app_export_dir(app)
                 : act == ACT_SAVE_SESSION ? appsession_default_name(app, name, sizeof name)
                 : app->model_path);
    if (app->win) SDL_StartTextInput();
    app->dirty = true;
}

void app__prompt_close(App *app) {
    app->prompt = ACT_NONE;
    if (app->win && !app->editing) SDL_StopTextInput();
    app->dirty = true;
}

/* Sets the export folder if it is a writable folder. */
static void app__set_export_dir(App *app, const char *dir) {
    struct stat st;
    if (!*dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0) {
        app__say(app, true, "export folder %s: %s; HINT: give a folder that exists and "
                 "is writable", *dir ? dir : "\"\"", *dir && stat(dir, &st) != 0 ? strerror(errno)
                 : "not a writable folder");
        return;
    }
    snprintf(app->export_dir, sizeof app->export_dir, "%s", dir);
    char abs[PATH_MAX];
    app__say(app, false, "exports go to %s", realpath(dir, abs) ? abs : dir);
}

static void app__prompt_commit(App *app) {
    Act act = app->prompt;
    char *answer = strdup(app->prompt_edit.buf);
    app__prompt_close(app);
    if (!answer) return;
    if (act == ACT_EXPORT_DIR) app__set_export_dir(app, answer);
    else if (act == ACT_OPEN_MODEL) app_open_model(app, answer);
    else if (act == ACT_SAVE_SESSION && appsession_save_as(app, answer)) {
        app__prompt_open(app, act); /* asks again: replace? or what failed */
        textedit_set(&app->prompt_edit, answer);
    }
    free(answer);
}

/* Keys while a prompt is open: it edits one line; Enter answers, Esc
 * cancels. Returns false for the keys that still act (Ctrl+Q). */
bool app__prompt_key(App *app, const SDL_Keysym *k) {
    bool shift = (k->mod & KMOD_SHIFT) != 0, ctrl = (k->mod & KMOD_CTRL) != 0;
    TextEdit *te = &app->prompt_edit;
    switch (k->sym) {
    case SDLK_ESCAPE: app__prompt_close(app); break;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: app__prompt_commit(app); break;
    case SDLK_LEFT: textedit_left(te, shift, ctrl); break;
    case SDLK_RIGHT: textedit_right(te, shift, ctrl); break;
    case SDLK_HOME: textedit_home(te, shift); break;
    case SDLK_END: textedit_end(te, shift); break;
    case SDLK_BACKSPACE: textedit_backspace(te, ctrl); break;
    case SDLK_DELETE: textedit_delete(te, ctrl); break;
    case SDLK_a: if (ctrl) textedit_select_all(te); break;
    case SDLK_v:
        if (ctrl && SDL_HasClipboardText()) {
            char *c = SDL_GetClipboardText();
            if (c) textedit_insert(te, c, strcspn(c, "\n"));
            SDL_free(c);
        }
        break;
    case SDLK_q: if (ctrl) return false; break;
    default: break;
    }
    app->dirty = true;
    return true;
}

