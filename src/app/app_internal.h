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
/* Updates the pixel scale from the drawable size (HiDPI, large windows). */
void app__update_scale(App *app);

/* Run options and the view (app_options.c): applies ACT_SCALE_*,
 * ACT_TEMP_*, ACT_MASK_*, ACT_WIN_STEP, ACT_ABLATE, ACT_RESET, ACT_ROPE and
 * ACT_ZOOM_STEP. */
void app__options_act(App *app, const ViewEvent *e);
/* Whether the model has RoPE (Llama): the vector view's pre/post switch. */
bool app__has_rope(const App *app);

/* The text box (app_edit.c): inserts typed or pasted text (says so when the
 * cap cut it); applies an editing key no binding took. Both re-run the
 * model when the text changed. */
void app__insert(App *app, const char *s);
void app__key_editing(App *app, const SDL_Keysym *k);

/* The head-role atlas (app_roles.c): after a new result, opens on the
 * teaching head when app->auto_head; applies ACT_ROLE_CYCLE, ACT_ROLE_SET
 * and ACT_ROLE_TOGGLE. */
void app__roles_result(App *app);
void app__roles_act(App *app, const ViewEvent *e);

/* Prompts (app_model.c): opens one for act (ACT_EXPORT_DIR,
 * ACT_OPEN_MODEL), closes it, and takes a key while one is open (false for
 * keys that still act, Ctrl+Q). */
void app__prompt_open(App *app, Act act);
void app__prompt_close(App *app);
bool app__prompt_key(App *app, const SDL_Keysym *k);

/* Encoder mode (app_encoder.c): runs token pos (-1: the focused query) as
 * [MASK] or as typed again; sets the head view's pair filter (-1: the next
 * one). Both say what they did, or why not, in the status line. */
void app__word_mask(App *app, int pos);
void app__seg_filter(App *app, int f);
/* Whether the loaded model is an encoder (BERT). */
bool app__encoder(const App *app);

#endif
