/* app_internal.h — what the app's own files (app*.c) share and
 * nothing else uses: the status line and a few state changes. */
#ifndef APP_APP_INTERNAL_H
#define APP_APP_INTERNAL_H

#include "app/appstate.h"

/* Sets the status-line message (error: drawn in red). */
void app__say(App *app, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Applies action act with arguments a, b (as a key or button would). */
void app__act0(App *app, Act act, int a, int b);
/* Selects head (layer, head), clamped to the model. */
void app__select(App *app, int layer, int head);
/* Applies app->white to the drawing theme. */
void app__set_theme(App *app);

/* Prompts (app_model.c): opens one for act (ACT_EXPORT_DIR,
 * ACT_OPEN_MODEL), closes it, and takes a key while one is open (false for
 * keys that still act, Ctrl+Q). */
void app__prompt_open(App *app, Act act);
void app__prompt_close(App *app);
bool app__prompt_key(App *app, const SDL_Keysym *k);

#endif
