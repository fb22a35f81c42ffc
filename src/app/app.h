/* app.h — the attnscope window, and PNG export of heatmaps.
 * The app knows the engine's API (model.h, forward.h), never file formats of
 * model files. */
#ifndef APP_APP_H
#define APP_APP_H

#include <stdbool.h>

#include "engine/error.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/roles.h"
#include "engine/tokenizer.h"

/* Zero-initialize, then set what you need: every zero field means "default".
 * The optional fields can also come from the environment (see app_main). */
typedef struct {
    const char *model_path;   /* model to open (already resolved) */
    const char *text;         /* initial text; NULL = the built-in example */
    RunOptions run;           /* initial run options */
    /* optional */
    int width, height;        /* window size in points; 0 = 1280 x 800 */
    const char *state;        /* view state spec, e.g. "layer=1;head=2;focus=9:3;
                                 help=1;white=1;cmap=magma;edit=1" */
    const char *screenshot;   /* save the first settled frame here and exit */
    int after_ms;             /* screenshot: wait at least this long */
    const char *export_dir;   /* folder for exports (else
                                 $ATTNSCOPE_EXPORT_DIR, else ".") */
    bool bench;               /* print keystroke_ms=, grid_frame_ms=,
                                 idle_cpu_pct= and exit */
    /* sessions (appsession.h): the last one is restored unless fresh */
    const char *session;      /* open this session file */
    bool fresh;               /* start without the autosaved session */
    bool model_given;         /* model_path came from --model: it wins */
    bool run_given;           /* run came from --scale/--mask/--ablate: it wins */
    bool mask_mode_given;     /* --mask chose the mode (causal, none, window):
                                 an encoder keeps it, else it gets none */
} AppArgs;

/* Opens the window and runs until the user quits. Returns the exit code.
 * Errors loading the model are shown in the window, not fatal. Restores
 * the autosaved session (or args->session) and autosaves on every quit:
 * window closed, Ctrl+Q, SIGTERM or SIGINT.
 * Unset optional fields are read from the environment: ATTNSCOPE_SIZE=WxH,
 * ATTNSCOPE_STATE=spec, ATTNSCOPE_SCREENSHOT=FILE, ATTNSCOPE_AFTER_MS=N,
 * ATTNSCOPE_APP_BENCH=1. */
int app_main(const AppArgs *args);

typedef struct {
    int layer, head;          /* the head to export (ignored with grid) */
    bool grid;                /* the whole layers x heads grid instead */
    bool white_background;    /* for slides */
    int scale;                /* 1 or 2 (2 = default, for slides) */
    const char *colormap;     /* "viridis" (default), ... ; NULL = default */
    int pair_filter;          /* encoders, sentence pairs: 0 all, 1 A->A, 2 A->B,
                                 3 B->A, 4 B->B (the head view's cells outside
                                 it in the filtered colour) */
    const char *role;         /* grid: colour each head by this role's score
                                 ("induction", atlas_find); NULL = thumbnails */
    const Roles *roles;       /* the trace's role scores if already computed
                                 (the app's worker did); NULL = computed here */
} ExportOptions;

ExportOptions export_options_default(void);

/* Writes a PNG of one head's attention (or the grid, with each head's role
 * badge and the legend) from a finished trace,
 * with token labels, a title (model, layer, head, settings) and the masked
 * keys (by token) and ablated heads (L.H), wrapped, never cut; a color bar;
 * the quoted text of exactly the tokens shown; and the text, model and
 * settings in PNG text chunks. Renders without a window. Writes a temp file
 * in path's folder, checks fclose, then renames it to path (replacing it).
 * Returns 0, or -1 with a one-line error (e.g. an unwritable folder). */
int export_png(const Model *m, const char *text, const TokenList *tokens,
               const Trace *tr, const RunOptions *ro, const ExportOptions *eo,
               const char *path, EngineError *err);
/* The same into folder dir as a new file: dir/stem.png, or dir/stem-2.png,
 * -3, ... when that exists. Never replaces a file (link(2) of a finished
 * temp file). path_out gets the path written. */
int export_png_new(const Model *m, const char *text, const TokenList *tokens,
                   const Trace *tr, const RunOptions *ro, const ExportOptions *eo,
                   const char *dir, const char *stem, char *path_out, size_t cap,
                   EngineError *err);

/* One export, from any model: a (rows, cols) trace and its axis labels.
 * export_png builds it for a decoder-only or BERT trace; the translation
 * mode for one attention kind of a Marian trace (mt_export_view). */
typedef struct {
    const Model *model;       /* the model of a single-text trace (role badges,
                                 encoder segments); NULL for a translation kind */
    const char *model_name, *model_path;
    const Trace *tr;          /* n_tokens rows (queries) x trace_n_keys columns */
    const char *labels;       /* (rows, WORKER_LABEL_CAP) query labels */
    const char *key_labels;   /* (cols, WORKER_LABEL_CAP); NULL = labels */
    const char *kind;         /* attention kind in title and settings; NULL = none */
    const RunOptions *ro;     /* the options tr was computed with */
    const Tokenizer *tok;
    const char *description;  /* the text(s), PNG Description chunk */
    const char *quote;        /* the footer's quoted text(s) */
} ExportView;

/* export_png and export_png_new of an ExportView. */
int export_png_view(const ExportView *ev, const ExportOptions *eo, const char *path,
                    EngineError *err);
int export_png_view_new(const ExportView *ev, const ExportOptions *eo, const char *dir,
                        const char *stem, char *path_out, size_t cap, EngineError *err);

#endif
