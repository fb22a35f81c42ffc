/* app.h — the attnscope window, and PNG export of heatmaps.
 * The app knows the engine's API (model.h, forward.h), never file formats of
 * model files. */
#ifndef APP_APP_H
#define APP_APP_H

#include <stdbool.h>

#include "engine/error.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

typedef struct {
    const char *model_path;   /* model to open (already resolved) */
    const char *text;         /* initial text; NULL = the built-in example */
    RunOptions run;           /* initial run options */
} AppArgs;

/* Opens the window and runs until the user quits. Returns the exit code.
 * Errors loading the model are shown in the window, not fatal. */
int app_main(const AppArgs *args);

typedef struct {
    int layer, head;          /* the head to export (ignored with grid) */
    bool grid;                /* the whole layers x heads grid instead */
    bool white_background;    /* for slides */
    int scale;                /* 1 or 2 (2 = default, for slides) */
    const char *colormap;     /* "viridis" (default), ... ; NULL = default */
} ExportOptions;

ExportOptions export_options_default(void);

/* Writes a PNG of one head's attention (or the grid) from a finished trace,
 * with token labels, a title (model, layer, head, settings), a color bar, and
 * the text, model and settings in PNG text chunks. Renders without a window.
 * Returns 0, or -1 with a one-line error (e.g. an unwritable folder). */
int export_png(const Model *m, const char *text, const TokenList *tokens,
               const Trace *tr, const RunOptions *ro, const ExportOptions *eo,
               const char *path, EngineError *err);

#endif
