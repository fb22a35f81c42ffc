/* appsession.c — sessions in the app: capture/apply, the Ctrl+S prompt,
 * autosave and restore, the quit signals; see appsession.h. */
#include "app/appsession.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/appstate.h"
#include "app/colormap.h"
#include "engine/mapguard.h"

/* ------------------------------------------------------------------ */
/* App <-> Session                                                      */

int appsession_capture(const App *app, Session *s) {
    char abs[PATH_MAX];
    const char *mp = app->model_path;
    if (realpath(mp, abs) && strlen(abs) < sizeof s->model_path) mp = abs;
    size_t n = strlen(mp);
    if (n >= sizeof s->model_path) return -2; /* a cut path would name another folder */
    memcpy(s->model_path, mp, n + 1);
    if (session_set_text(s, app->edit.buf, app->edit.len)) return -1;
    s->ro = app->ro;
    s->layer = app->layer;
    s->head = app->head;
    s->pin_q = app->pin_q >= 0 && app->pin_k >= 0 ? app->pin_q : -1;
    s->pin_k = s->pin_q >= 0 ? app->pin_k : -1;
    const HeadCam *cam = &app->hv.cam;
    s->zoom = cam->zoom >= 1.0f ? fminf(cam->zoom, SESSION_ZOOM_MAX) : 1.0f;
    s->zoom_row = cam->off_q > 0 ? cam->off_q : 0;
    s->zoom_col = cam->off_k > 0 ? cam->off_k : 0;
    s->cmap = app->cmap;
    s->white = app->white;
    s->pre_rope = app->pre_rope;
    s->wm = app->wm;
    s->seg_filter = app->seg_filter;
    return 0;
}

void appsession_apply(App *app, const Session *s, bool keep_text, bool keep_run) {
    if (!keep_text) textedit_set(&app->edit, s->text); /* stops at a NUL byte */
    if (!keep_run) {
        app->ro = s->ro;
        if (app->ro.top_k < 10) app->ro.top_k = 10; /* as app_create: the panel's rows */
        app->temp_slider = fmaxf(-1.0f, fminf(1.0f, log10f(app->ro.temperature)));
    }
    app->layer = s->layer;
    app->head = s->head;
    app->auto_head = false; /* the session's head wins over the teaching head */
    if (app->model) { /* a session of a bigger model: the nearest head */
        const ModelConfig *c = &app->model->config;
        if (app->layer >= c->n_layer) app->layer = c->n_layer - 1;
        if (app->head >= c->n_head) app->head = c->n_head - 1;
    }
    if (!keep_text) app->wm = s->wm; /* spans of the session's text */
    app->seg_filter = s->seg_filter;
    app->pin_q = s->pin_q;
    app->pin_k = s->pin_k;
    app->hv.cam.zoom = s->zoom;
    app->hv.cam.off_q = s->zoom_row;
    app->hv.cam.off_k = s->zoom_col;
    app->cmap = s->cmap;
    draw_set_colormap(&app->d, s->cmap);
    app->white = s->white;
    app->d.th = app->white ? theme_light() : theme_dark();
    app->pre_rope = s->pre_rope;
    app->dirty = true;
    app_rerun(app);
}

/* ------------------------------------------------------------------ */
/* start and quit                                                       */

static bool appsession__exists(const char *path) {
    return access(path, F_OK) == 0;
}

int appsession_begin(AppArgs *args, AppSessionStart *st, EngineError *err) {
    memset(st, 0, sizeof *st);
    st->keep_text = args->text != NULL;
    st->keep_run = args->run_given;
    char path[SESSION_PATH_CAP];
    bool autosave = false;
    if (args->session) {
        snprintf(path, sizeof path, "%s", args->session);
    } else if (args->fresh || args->screenshot || args->bench) {
        return 0;
    } else {
        EngineError e2;
        if (session_autosave_path(path, sizeof path, false, &e2) || !appsession__exists(path))
            return 0; /* the first start, or no HOME: nothing to restore */
        autosave = true;
    }
    SessionReport rep;
    EngineError lerr = {{0}};
    int rc = session_load(&st->s, path, &rep, &lerr);
    if (rc && args->session && !appsession__exists(path)) {
        session_free(&st->s);
        return engine_fail(err, "%s", lerr.msg);
    }
    if (rc) {
        fprintf(stderr, "attnscope: %s\n", lerr.msg);
        snprintf(st->msg, sizeof st->msg, "%s", lerr.msg);
        if (autosave) { /* keep it for the user: quitting would overwrite it */
            char bad[SESSION_PATH_CAP + 8];
            snprintf(bad, sizeof bad, "%s.bad", path);
            if (rename(path, bad) == 0) {
                fprintf(stderr, "attnscope: kept the unreadable autosave as %s\n", bad);
                snprintf(st->msg, sizeof st->msg, "the last session could not be read "
                         "(kept as %.300s)%s", bad, rep.text_recovered ? "; its text was recovered" : "");
            }
        }
        if (!rep.text_recovered) {
            session_free(&st->s);
            return 0;
        }
        st->have = true;
        st->keep_run = true; /* only the text came back */
        return 0;
    }
    st->have = true;
    for (int i = 0; i < rep.n && i < SESSION_REPORT_MAX; i++)
        fprintf(stderr, "attnscope: %s\n", rep.msg[i]);
    if (rep.n > SESSION_REPORT_MAX)
        fprintf(stderr, "attnscope: %s: %d more problems\n", path, rep.n - SESSION_REPORT_MAX);
    if (rep.n) {
        snprintf(st->msg, sizeof st->msg, "%.480s%s", rep.msg[0],
                 rep.n > 1 ? " (more on stderr)" : "");
    }
    if (!args->model_given && st->s.model_path[0]) {
        if (appsession__exists(st->s.model_path)) {
            snprintf(st->model_path, sizeof st->model_path, "%s", st->s.model_path);
            args->model_path = st->model_path;
        } else {
            fprintf(stderr, "attnscope: %s: its model %s is gone; opening %s\n", path,
                    st->s.model_path, args->model_path ? args->model_path : MODEL_DEFAULT_PATH);
            snprintf(st->msg, sizeof st->msg, "the session's model %.300s is gone; HINT: open "
                     "it with --model", st->s.model_path);
        }
    }
    return 0;
}

void appsession_finish_start(App *app, AppSessionStart *st) {
    /* a model that failed to load says more than a note on the session */
    if (st->msg[0] && !(app->msg[0] && app->msg_error)) app_say(app, false, st->msg);
    if (st->have) appsession_apply(app, &st->s, st->keep_text, st->keep_run);
    session_free(&st->s);
    st->have = false;
}

int appsession_save(App *app, const char *path) {
    Session s;
    EngineError err = {{0}};
    int rc = session_init(&s) ? -1 : appsession_capture(app, &s);
    if (rc == -2)
        engine_fail(&err, "%s: the model path is longer than %zu bytes; HINT: move the model to a shorter path",
                    path, sizeof s.model_path - 1);
    else if (rc) engine_fail(&err, "%s: out of memory", path);
    else rc = session_save(&s, path, &err);
    session_free(&s);
    if (rc) {
        app_say(app, true, err.msg);
        return -1;
    }
    char abs[PATH_MAX];
    char msg[PATH_MAX + 32];
    snprintf(msg, sizeof msg, "session saved to %s", realpath(path, abs) ? abs : path);
    app_say(app, false, msg);
    return 0;
}

int appsession_autosave(App *app) {
    char path[SESSION_PATH_CAP];
    EngineError err = {{0}};
    if (session_autosave_path(path, sizeof path, true, &err)) {
        fprintf(stderr, "attnscope: autosave: %s\n", err.msg);
        app_say(app, true, err.msg);
        return -1;
    }
    /* the one before stays as last-session.prev.json (a hard link, so the
       autosave itself is replaced in one rename): a --fresh demo does not
       cost the prepared session */
    char prev[SESSION_PATH_CAP + 16];
    snprintf(prev, sizeof prev, "%.*s.prev.json", (int)(strlen(path) - 5), path);
    if (appsession__exists(path)) {
        unlink(prev);
        (void)link(path, prev); /* best effort: without hard links, no copy */
    }
    int rc = appsession_save(app, path);
    if (rc) fprintf(stderr, "attnscope: autosave: %s\n", app->msg);
    return rc;
}

/* ------------------------------------------------------------------ */
/* the Ctrl+S prompt                                                    */

const char *appsession_default_name(const App *app, char *buf, size_t cap) {
    char base[PATH_MAX];
    const char *dir = app_export_dir(app);
    if (!realpath(dir, base)) snprintf(base, sizeof base, "%s", dir);
    const char *model = app->model ? app->model->name : "text";
    for (int i = 1; i < 1000; i++) { /* a name that does not exist yet */
        if (i == 1) snprintf(buf, cap, "%s/attnscope-%s-session.json", base, model);
        else snprintf(buf, cap, "%s/attnscope-%s-session-%d.json", base, model, i);
        if (!appsession__exists(buf)) break;
    }
    return buf;
}

int appsession_save_as(App *app, const char *name) {
    char path[PATH_MAX];
    const char *home = getenv("HOME");
    while (*name == ' ') name++;
    if (!strncmp(name, "~/", 2) && home) snprintf(path, sizeof path, "%s/%s", home, name + 2);
    else snprintf(path, sizeof path, "%s", name);
    if (!path[0]) {
        app_say(app, true, "session: no file name; HINT: type one, or Esc to cancel");
        return 1;
    }
    if (appsession__exists(path) && strcmp(app->session_replace, path)) {
        char msg[PATH_MAX + 64];
        snprintf(msg, sizeof msg, "%s exists: Enter again replaces it", path);
        app_say(app, true, msg);
        snprintf(app->session_replace, sizeof app->session_replace, "%s", path);
        return 1;
    }
    app->session_replace[0] = '\0';
    return appsession_save(app, path) ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* quit signals                                                         */

static volatile sig_atomic_t appsession__signal;
static struct sigaction appsession__old_term, appsession__old_int;
static bool appsession__installed;

/* Async-signal-safe: a flag, then SDL's own handler, which only sets
 * SDL's flag for an SDL_QUIT that its event loop sends. */
static void appsession__on_signal(int sig) {
    appsession__signal = 1;
    const struct sigaction *old = sig == SIGTERM ? &appsession__old_term : &appsession__old_int;
    if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_DFL &&
        old->sa_handler != SIG_IGN && old->sa_handler)
        old->sa_handler(sig);
}

/* A model file shrank under a thread no guard covers (mapguard.h): the
 * process ends right after this, without the quit-time autosave. Only
 * write(2) here (async-signal-safe); mapguard prints the line naming the file
 * next. */
static void appsession__on_map_fault(const char *msg, void *ctx) {
    (void)msg;
    (void)ctx;
    static const char line[] = "attnscope: quitting without saving the session: a model file changed while "
                               "in use (the last saved session is kept); HINT: reopen the model once it is "
                               "rewritten\n";
    ssize_t w = write(STDERR_FILENO, line, sizeof line - 1);
    (void)w;
}

void appsession_signals_install(void) {
    if (appsession__installed) return;
    mapguard_set_fatal_hook(appsession__on_map_fault, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = appsession__on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, &appsession__old_term);
    /* an ignored SIGINT (a background job of a script) stays ignored */
    struct sigaction cur;
    if (sigaction(SIGINT, NULL, &cur) == 0 && cur.sa_handler != SIG_IGN)
        sigaction(SIGINT, &sa, &appsession__old_int);
    else
        appsession__old_int = cur;
    appsession__installed = true;
}

void appsession_signals_restore(void) {
    if (!appsession__installed) return;
    sigaction(SIGTERM, &appsession__old_term, NULL);
    sigaction(SIGINT, &appsession__old_int, NULL);
    mapguard_set_fatal_hook(NULL, NULL);
    appsession__installed = false;
}

bool appsession_signalled(void) {
    return appsession__signal != 0;
}
