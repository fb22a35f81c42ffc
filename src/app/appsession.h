/* appsession.h — sessions in the app: what of the App a session holds
 * (session.h is the file format), saving from the Ctrl+S prompt, the autosave
 * on quit and its restore at the next start, and the quit signals.
 *
 * In app_main:
 *     AppSessionStart st;
 *     if (appsession_begin(&args, &st, &err)) ...   // --session FILE unreadable
 *     App *app = app_create(&args, ...);            // the session's model
 *     appsession_finish_start(app, &st);            // text, options, view
 *     appsession_signals_install();                 // SIGTERM/SIGINT quit
 *     while (!app->quit && !appsession_signalled()) ...
 *     appsession_autosave(app);                     // every way out
 */
#ifndef APP_APPSESSION_H
#define APP_APPSESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "app/app.h"
#include "app/session.h"

struct App;

/* What app_main found to restore, between appsession_begin and
 * appsession_finish_start. */
typedef struct {
    Session s;
    bool have;                /* s holds a session to apply */
    bool keep_text, keep_run; /* --text / run flags given: they win */
    char model_path[SESSION_PATH_CAP]; /* the model to open (args point here) */
    char msg[ENGINE_ERROR_SIZE]; /* a note for the status line; "" = none */
} AppSessionStart;

/* The App's state as a session: model path (absolute when it exists), the
 * text, the run options the controls edit, the selected head, the pin, the
 * head view's zoom, colormap, theme and the before-RoPE toggle. s must be
 * initialized (session_init). Returns -1 when out of memory, -2 when the
 * model's path does not fit the session's path field. */
int appsession_capture(const struct App *app, Session *s);

/* Sets the App from s: text (shown as UTF-8: invalid bytes become U+FFFD),
 * run options (unless keep_run), view; layer and head clamped to the model.
 * Starts a run. keep_text: the text box keeps its text. */
void appsession_apply(struct App *app, const Session *s, bool keep_text, bool keep_run);

/* Chooses what to restore before the App exists: args->session, else the
 * autosave (unless args->fresh, or a screenshot or bench run). Loads it,
 * prints each problem on stderr, and points args->model_path at the
 * session's model unless --model was given (the default model when the
 * session's is gone). An autosave that is not a session is renamed to
 * last-session.json.bad, so quitting does not overwrite it; its text, when
 * it can be recovered, is still restored. Returns -1 with err only when
 * args->session cannot be read at all (the CLI prints err and exits). */
int appsession_begin(AppArgs *args, AppSessionStart *st, EngineError *err);
/* Applies what appsession_begin found (if anything) and frees it. */
void appsession_finish_start(struct App *app, AppSessionStart *st);

/* Writes the App to path (a session file). Shows "session saved to PATH" or
 * the error in the status line. Returns 0 or -1. */
int appsession_save(struct App *app, const char *path);
/* Writes the autosave (see session_autosave_path); the previous one is
 * kept beside it as last-session.prev.json. Prints a failure on stderr as
 * well, since the window is closing. Returns 0 or -1. */
int appsession_autosave(struct App *app);

/* Ctrl+S: the name the prompt suggests, one that does not exist yet, in
 * the export folder (app_export_dir). Returns buf. */
const char *appsession_default_name(const struct App *app, char *buf, size_t cap);
/* Enter in that prompt: saves to name (~/ is the home folder). Returns 0
 * when saved; 1 when the prompt should open again on the same name: the
 * file exists (the status line says Enter again replaces it) or the save
 * failed (the status line says why). */
int appsession_save_as(struct App *app, const char *name);

/* SIGTERM and SIGINT: the handler only sets a flag and hands the signal on
 * to SDL's handler (installed by SDL_Init), which queues SDL_QUIT from the
 * event loop; the loop then quits and autosaves. (SDL_PushEvent takes locks:
 * not safe in a handler.) With SDL_NO_SIGNAL_HANDLERS=1 only the flag is
 * set, and the app quits at its next event. Call after SDL_Init. */
void appsession_signals_install(void);
/* Restores the handlers that were there before. */
void appsession_signals_restore(void);
/* Whether SIGTERM or SIGINT arrived. */
bool appsession_signalled(void);

#endif
