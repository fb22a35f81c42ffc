/* app_translate.h — the app's translation mode: what an open encoder-decoder
 * (Marian) model adds to App. The worker translates the source text and
 * traces the translation (WorkResult.mt); the views show one attention kind
 * at a time as a Trace view (rows x columns), and the run-option controls
 * (App.ro) edit the shown kind's options.
 *
 * App.model is then the MarianModel's base (name, path, source tokenizer),
 * its config describing the shown kind (layers, heads, d_head, n_ctx), so
 * every head selection and ablation is clamped to that kind's stack.
 */
#ifndef APP_APP_TRANSLATE_H
#define APP_APP_TRANSLATE_H

#include "app/app.h"
#include "app/view.h"
#include "app/worker.h"
#include "engine/marian.h"

struct App;

typedef struct AppTranslate {
    MarianModel *mm;          /* owned */
    MarianRunOptions mro;     /* every kind's options; the shown kind's are
                                 App.ro while shown, copied back on a switch */
    MarianKind kind;          /* the kind shown */
    int hover_t;              /* target chip under the mouse; -1 = none */
} AppTranslate;

/* Loads the Marian folder at path into *out with a worker that translates
 * up to max_new tokens (event: its result event). 0, or -1 with err. */
int app_mt_load(const char *path, int max_new, uint32_t event, AppTranslate **out,
                Worker **worker, EngineError *err);
void app_mt_free(AppTranslate *mt);

/* Shows kind k (-1: the next one): App.ro becomes its options, the head
 * selection is clamped to its stack, the status line says what the
 * controls now act on. Nothing re-runs: the result holds every kind. */
void app_mt_set_kind(struct App *app, int k);
/* The target row the pointer is on (-1: none), which the strip highlights.
 * Returns whether it changed (then the frame must be drawn again). */
bool app_mt_hover(struct App *app, int t);
/* Posts the text with every kind's options (App.ro for the shown kind). */
uint64_t app_mt_post(struct App *app);
/* Fills the mode's part of v from app->res->mt: the shown kind's Trace
 * view, its row and key labels, the source tokens and text. */
void app_mt_view_data(const struct App *app, ViewData *v);
/* Exports the shown kind (or its grid) naming both texts: to path, or a
 * new file in dir named stem. 0 or -1 with err. */
int app_mt_export(const struct App *app, const ExportOptions *eo, const char *path,
                  const char *dir, const char *stem, char *written, size_t cap, EngineError *err);

#endif
