/* appstate.h — the app's whole state in one struct, and the API that drives
 * it without a window loop (used by app_main, the tests and the bench).
 *
 *     App *app = app_create(&args, NULL, 1280, 800, &err); // headless
 *     app_handle_event(app, &ev);      // any SDL event
 *     app_wait_result(app, 5000);      // let the worker finish the latest run
 *     app_frame(app);                  // draws when something changed
 *     app_destroy(app);
 *
 * Headless apps render with the software renderer into an SDL_Surface; the
 * caller must have done SDL_Init(SDL_INIT_VIDEO) (any driver, e.g. dummy).
 */
#ifndef APP_APPSTATE_H
#define APP_APPSTATE_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/app_translate.h"
#include "app/appsession.h"
#include "app/draw.h"
#include "app/keymap.h"
#include "app/textedit.h"
#include "app/layout.h"
#include "app/ui.h"
#include "app/view.h"
#include "app/view_controls.h"
#include "app/view_grid.h"
#include "app/view_head.h"
#include "app/view_pred.h"
#include "app/view_segment.h"
#include "app/view_roles.h"
#include "app/view_status.h"
#include "app/view_text.h"
#include "app/view_translate.h"
#include "app/view_vector.h"
#include "app/wordmask.h"
#include "app/worker.h"

/* The app's token cap is the model's context n_ctx (1024 for GPT-2 small),
 * bounded twice (app_token_cap): by APP_MAX_TOKENS, because the views' work
 * per new trace (the grid pools every head's T x T map, lod.h) and a trace's
 * memory grow as T^2; and by APP_TRACE_BYTES for one trace
 * (trace_bytes), because the app can hold three at once (the result shown,
 * the worker's next run and its completed predictions): 1 GiB, the lean
 * trace's target at T = 1024 for GPT-2 small (0.90 GiB there), so models
 * with more layers or heads get fewer tokens instead of running out of
 * memory. Spec positions (app_spec.c) range below APP_MAX_TOKENS. */
#define APP_MAX_TOKENS 2048
#define APP_TRACE_BYTES ((size_t)1 << 30)
#define APP_MT_MAX_TOKENS 512 /* translation: tokens to generate (opus-mt's n_ctx) */
#define APP_HOLD_MS 33     /* a frame waits this long for a run in flight */

typedef struct App {
    /* platform */
    SDL_Window *win;          /* NULL when headless */
    SDL_Renderer *ren;        /* window renderer or software on `surface` */
    SDL_Surface *surface;     /* headless render target; NULL with a window */
    float hidpi;              /* drawable pixels per window coordinate */
    int out_w, out_h;         /* drawable size in pixels */
    Draw d;                   /* drawing context (font, theme, heatmaps) */
    Ui ui;                    /* mouse/keyboard state for the widgets */
    uint32_t ev_result;       /* SDL user event: the worker has a result */
    /* model and engine */
    Model *model;             /* NULL when loading failed (see msg) */
    char model_path[1024];    /* what we tried to load */
    char load_error[512];     /* why the last load failed ("" = it did not) */
    Worker *worker;           /* NULL without a model */
    AppTranslate *mt;         /* an encoder-decoder model: the translation
                                 mode (model is then mt->mm->base); NULL else */
    int max_tokens;           /* app_token_cap of the model */
    /* text */
    TextEdit edit;            /* the text and its caret */
    bool editing;             /* the text box has keyboard focus (at start) */
    bool swallow_text;        /* drop the text event of a key chord */
    /* the run options the controls edit; every change re-runs */
    RunOptions ro;
    bool mask_given;          /* ro.mask came from the command line: an
                                 encoder keeps it (else it gets none) */
    WordMask wm;              /* encoders: spans of the text run as [MASK]
                                 ("mask this word"); the text is untouched */
    int seg_filter;           /* SegFilter of the head view (sentence pairs) */
    float temp_slider;        /* log10(temperature), slider position */
    uint64_t posted_gen;      /* newest request sent to the worker */
    char *posted_text;        /* the text of the newest request (owned) */
    size_t posted_cap;        /* bytes allocated for it */
    double pending_since_ms;  /* when the oldest unanswered request was sent */
    WorkResult *res;          /* newest result shown; NULL before the first */
    uint64_t shown_gen;       /* res->gen, 0 before the first */
    bool truncation_noted;    /* message shown for the current truncation */
    /* selection and focus */
    int layer, head;          /* selected head */
    int hover_q, hover_k;     /* head-view cell under the mouse; -1 = none */
    int pin_q, pin_k;         /* cell clicked in the head view; -1 = none */
    bool auto_focus;          /* pin the strongest long-range cell of the
                                 next result (state spec focus=auto) */
    bool auto_head;           /* select the teaching head of the next result
                                 (a new model; cleared by any selection and
                                 by a restored session) */
    int role;                 /* the grid is coloured by this role (RoleKind),
                                 the role list shown; -1 = thumbnails */
    int role_last;            /* the role "by role" turns on; -1 = none yet */
    /* display */
    int cmap;                 /* CmapId of the heatmaps */
    bool white;               /* light theme (slides) */
    bool help;                /* help overlay shown */
    Act prompt;               /* open prompt: ACT_EXPORT_DIR, ACT_OPEN_MODEL,
                                 ACT_SAVE_SESSION; ACT_NONE = none */
    TextEdit prompt_edit;     /* its answer */
    bool pre_rope;            /* vector view shows q, k before RoPE (Llama) */
    bool vec_tab;             /* the window is narrow: the vector view is a tab */
    bool vec_open;            /* that tab is open (over the head view) */
    /* status line */
    char msg[512];            /* last message */
    bool msg_error;           /* msg is an error (drawn in red) */
    char last_export[1400];   /* path of the last PNG written */
    char export_dir[1024];    /* set by --export-dir or Ctrl+D; "" = see
                                 app_export_dir */
    char session_replace[4096]; /* an existing session file that the next
                                 Enter in the Ctrl+S prompt replaces */
    double render_ms;         /* time of the last frame */
    /* loop */
    bool dirty;               /* something changed: draw a frame */
    bool quit;                /* the user asked to quit */
    /* each view's own state: its last layout (hit tests), hover, camera */
    ControlsView cv;          /* button bar */
    TextView tv;              /* text box and chips (tv.box: the text box) */
    GridView gv;              /* grid (gv.layout, gv.hover_*) */
    HeadView hv;              /* head view (hv.layout, hv.cam: zoom, pan) */
    VecView vv;               /* vector view (vv.layout, vv.rope_button) */
    TranslateView tlv;        /* translation strip (kind switch, chips) */
    SegView sv;               /* pair filter row (encoders, sentence pairs) */
    RolesView rv;             /* role list (rv.first: scroll, rv.rows) */
    uint64_t label_px_gen;    /* result generation hv.label_px was measured on */
    float label_px_scale;     /* pixel scale it was measured at */
} App;

/* Creates the app on window win (with its renderer), or headless on a
 * w x h software surface when win is NULL. Loads args->model_path; a load
 * failure is shown in the status line, not fatal. NULL only when SDL or the
 * font fail (err filled). */
App *app_create(const AppArgs *args, SDL_Window *win, int w, int h,
                EngineError *err);
void app_destroy(App *app);

/* Handles one SDL event (input, window, worker results). */
void app_handle_event(App *app, const SDL_Event *e);
/* Draws a frame if anything changed (or always with force). Returns true
 * when it drew. */
bool app_frame(App *app, bool force);
/* Waits up to timeout_ms for the newest posted run and shows its result.
 * Returns true when the shown result is the newest. */
bool app_wait_result(App *app, int timeout_ms);

/* Opens the model at path (a folder or a .bin) in place of the current one,
 * keeping the text; run options that name heads or keys are reset. On
 * failure the current model stays and the one-line error goes to the status
 * line and stderr. Returns 0 or -1. */
int app_open_model(App *app, const char *path);
/* The most tokens the app runs model m on: n_ctx, at most APP_MAX_TOKENS,
 * and lowered in steps of 64 until one trace fits in APP_TRACE_BYTES (never
 * below min(n_ctx, 64)). */
int app_token_cap(const Model *m);
/* Re-runs the model on the current text and options (latest wins). */
void app_rerun(App *app);
/* Exports the head view (or grid) as Ctrl+E does. Without path: a new file
 * in app_export_dir named by model, view and settings (attnscope-pd-gpt2-
 * L4H3-sqrt-causal.png, then -2, -3, ...: never overwrites). Returns 0 or -1
 * (message in the status line either way). path_out gets the path. */
int app_export(App *app, bool grid, const char *path, char *path_out, size_t cap);
/* The folder exports go to: Ctrl+D's or --export-dir's choice, else
 * $ATTNSCOPE_EXPORT_DIR, else ".". */
const char *app_export_dir(const App *app);
/* Saves the current frame as a PNG (screenshots). */
int app_save_frame(App *app, const char *path, EngineError *err);
/* Applies a state spec "layer=1;head=2;focus=5:3;help=1;white=1;vec=1;cmap=magma;
 * edit=1;rope=pre;zoom=3:10:5;scale=none;mask=window:3;ablate=0.1;mouse=X:Y;text=..." (for
 * screenshots and tests); focus=auto pins the strongest long-range cell.
 * Encoders: maskword=N runs token N as [MASK], pairs=AB (all, AA, AB, BA,
 * BB) filters the head view of a sentence pair. role=induction colours the
 * grid by that role's scores. Translation models: kind=cross|encoder|decoder
 * shows that attention kind (first: the options after it act on it). */
int app_apply_spec(App *app, const char *spec, EngineError *err);

/* Shows msg in the status line (in red when error). */
void app_say(App *app, bool error, const char *msg);
/* Milliseconds on a monotonic clock. */
double app_now_ms(void);
/* The interactive benchmark (app_bench.c): prints keystroke_ms=,
 * grid_frame_ms= and idle_cpu_pct=; returns the exit code. */
int app_bench(App *app);

/* The ViewData of the current result (tr NULL when there is none). */
ViewData app_view_data(const App *app);

#endif
