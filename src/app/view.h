/* view.h — what every view shares: the data it draws (ViewData), the context
 * of one frame (ViewCtx) and what the user did in it (ViewOut).
 *
 * Each view is its own module, src/app/view_NAME.c:
 *     view_text (text box, token chips)    view_grid (layers x heads)
 *     view_head (the (query, key) matrix)  view_vector (inside one weight)
 *     view_pred (next-token predictions)   view_controls (the button bar)
 *     view_status (status line, help)
 *     view_segment (encoders: sentence-pair colours and filter, masked words)
 *     view_status (status line, help)   view_roles (heads sorted by a role)
 *     view_translate (encoder-decoder: the kind switch, source and target
 *         chips; the head view, grid and vector view show the chosen kind as
 *         a rows x cols Trace: cross-attention is target x source)
 * and a new mode (an encoder, two texts, arcs) is a new one.
 * A view gets a rect from layout.c, reads ViewData (never App), keeps its own
 * last layout for hit tests in a struct the App owns, and reports input as
 * ViewEvents. It never changes application state: app.c applies the events
 * (app__apply), so the keyboard (keymap.c), the buttons and the views share
 * one list of actions (Act). The shape of a view:
 *
 *     void view_NAME_input(ViewCtx *cx, SDL_Rect r, NameView *st, ViewOut *out);
 *         optional: hit tests that must run before anything draws (hover
 *         and focus, so every view draws this frame's focus)
 *     void view_NAME_frame(ViewCtx *cx, SDL_Rect r, NameView *st, ViewOut *out);
 *         draws (nothing when cx->d->dry: a pass that only hit-tests, run on
 *         clicks between frames) and reports clicks
 *
 * Views also used by PNG export take a Draw and ViewData only. A new mode
 * adds its module, its Acts (at the end of the enum), its keys in keymap.c
 * and its rect in layout.c; app.c only applies the new Acts.
 */
#ifndef APP_VIEW_H
#define APP_VIEW_H

#include <SDL.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/draw.h"
#include "app/textedit.h"
#include "app/textlines.h"
#include "app/ui.h"
#include "engine/forward.h"
#include "engine/roles.h"
#include "engine/tokenizer.h"

struct MtResult;

typedef struct {
    const Trace *tr;          /* NULL: nothing computed yet */
    const Roles *roles;       /* tr's role scores (badges, the role list);
                                 NULL: none */
    int role;                 /* the grid is coloured by this role's score
                                 and the role list sorts by it (RoleKind of
                                 a mass role); -1: thumbnails, predictions */
    const char *labels;       /* (T, label_cap) printable token labels */
    const char *key_labels;   /* (keys, label_cap) the keys' labels when they
                                 are other tokens (cross-attention: the
                                 source); NULL = labels */
    const char *kind;         /* the attention kind shown ("cross",
                                 "encoder", "decoder"); NULL = the model's one */
    size_t label_cap;
    const Token *tokens;      /* (T) ids and byte offsets into text */
    const char *text;         /* the text the offsets index */
    const RunOptions *ro;     /* options tr was computed with */
    const RunOptions *ro_next;/* options the controls edit (the next run);
                                 NULL = ro */
    const Tokenizer *tok;     /* for prediction labels */
    const char *model_name;
    bool pre_rope;            /* vector view: q, k before RoPE (needs
                                 tr->q_pre_rope) */
    bool has_rope;            /* the model rotates q, k (Llama) */
    bool has_text;            /* the text box is not empty */
    const TextEdit *edit;     /* the text being typed (window only) */
    TextLines *lines;         /* its wrapped lines, a cache the text view
                                 keeps up to date (window only) */
    bool editing;             /* the text box has keyboard focus */
    /* display settings the controls show */
    int cmap;                 /* CmapId */
    bool white;               /* light theme */
    bool help;                /* help overlay shown */
    float temp_log10;         /* temperature slider, log10(T) */
    uint64_t gen;             /* changes whenever tr's contents change */
    int layer, head;          /* selected head */
    int q, k;                 /* focused cell; -1 = none */
    int n_layer, n_head, n_kv_head; /* the model's shape; 0 without a model */
    const char *model_error;  /* why no model is loaded ("" = none tried) */
    /* encoder mode (view_segment.h) */
    bool encoder;             /* bidirectional (BERT): fill-in predictions,
                                 [CLS]/[SEP], masked words, sentence pairs */
    int mask_id;              /* the [MASK] id; -1 = none */
    int seg_filter;           /* SegFilter: the pair blocks the head view shows */
    /* translation mode (encoder-decoder models; view_translate.c) */
    const struct MtResult *mt;/* the run shown; NULL: not in that mode */
    int mt_hover;             /* target chip under the mouse; -1 = none */
} ViewData;

static inline const char *view_label(const ViewData *v, int i) {
    return v->labels + (size_t)i * v->label_cap;
}
/* The label of key k (column k of the head view). */
static inline const char *view_key_label(const ViewData *v, int k) {
    return (v->key_labels ? v->key_labels : v->labels) + (size_t)k * v->label_cap;
}

/* Everything the user can ask for, from a key, a button or a view. */
typedef enum {
    ACT_NONE,
    /* run options (each re-runs the model) */
    ACT_SCALE_SQRT, ACT_SCALE_NONE, ACT_SCALE_TEMP, ACT_SCALE_CYCLE,
    ACT_TEMP_SET,      /* f = log10(temperature) */
    ACT_TEMP_STEP,     /* a = +1 / -1: a tenth of a decade */
    ACT_MASK_CAUSAL, ACT_MASK_NONE, ACT_MASK_WINDOW, ACT_MASK_CYCLE,
    ACT_WIN_STEP,      /* a = +1 / -1 */
    ACT_MASK_KEY,      /* toggle key a masked for every query */
    ACT_ABLATE,        /* toggle head (layer a, head b) ablated */
    ACT_RESET,         /* unmask every key, restore every head */
    /* selection and focus */
    ACT_SELECT,        /* head (layer a, head b) */
    ACT_SELECT_STEP,   /* layer += a, head += b */
    ACT_HOVER,         /* head-view cell (query a, key b); a = -1 none */
    ACT_HOVER_HEAD,    /* grid thumbnail (layer a, head b); a = -1 none */
    ACT_PIN,           /* pin cell (query a, key b) */
    ACT_UNPIN,
    ACT_ZOOM_RESET,
    /* text */
    ACT_EDIT,          /* a = 1: focus the text box, 0: leave it */
    ACT_CARET,         /* caret to byte a, b = 1 extends the selection */
    /* display and files */
    ACT_ROPE, ACT_CMAP, ACT_WHITE, ACT_HELP, ACT_HELP_CLOSE,
    ACT_EXPORT, ACT_EXPORT_GRID, ACT_QUIT,
    /* keyboard */
    ACT_ESCAPE,        /* leave the text box, else close help / a prompt,
                          else unpin */
    ACT_EDIT_TOGGLE,   /* enter / leave the text box */
    ACT_ZOOM_STEP,     /* a = +1 / -1: zoom the head view around the focus */
    ACT_MASK_FOCUS,    /* toggle the focused cell's key masked */
    ACT_EXPORT_DIR,    /* ask for the export folder */
    ACT_OPEN_MODEL,    /* ask for a model to open */
    ACT_VEC_TAB,       /* narrow windows: open / close the vector view tab */
    ACT_SAVE_SESSION,  /* ask for a file name, save the session there */
    /* encoder mode */
    ACT_WORD_MASK,     /* token a (-1: the focused query) runs as [MASK] /
                          as typed again */
    ACT_SEG_FILTER,    /* pair filter a (SegFilter); -1 = the next one */
    ACT_ROLE_CYCLE,    /* colour the grid by the next role; after the last
                          one, thumbnails again */
    ACT_ROLE_SET,      /* a = the role (RoleKind), -1 = thumbnails */
    ACT_ROLE_TOGGLE,   /* role colours on (the last role) / off */
    ACT_MT_KIND,       /* translation: show kind a (MarianKind); -1 = next */
    ACT_MT_HOVER,      /* translation: target chip a under the mouse; -1 none */
    ACT_COUNT
} Act;

typedef struct {
    Act act;
    int a, b;
    float f;
} ViewEvent;

#define VIEW_OUT_MAX 16
typedef struct {
    ViewEvent ev[VIEW_OUT_MAX];
    int n;
} ViewOut;

/* Appends an event (dropped when out is full: one frame's input is small). */
static inline void view_emit(ViewOut *out, Act act, int a, int b, float f) {
    if (out && out->n < VIEW_OUT_MAX) out->ev[out->n++] = (ViewEvent){act, a, b, f};
}

typedef struct {
    Draw *d;                  /* d->dry: hit-test only */
    Ui *ui;                   /* input of this frame */
    const ViewData *v;
    bool input;               /* false while an overlay (help) takes input */
} ViewCtx;

/* ---- helpers shared by several views (view.c) ---- */

/* The widest label of v in FONT_SMALL pixels. */
int view_max_label_px(Draw *d, const ViewData *v);
/* A vertical color bar for weights 0 (bottom) to 1 (top) with ticks, and
 * under it the swatch of masked cells ("masked": not allowed to look). */
void view_colorbar(Draw *d, SDL_Rect bar);
/* "H2, H3": the query heads sharing KV head kv of tr, into buf. */
void view_kv_group(const Trace *tr, int kv, char *buf, size_t cap);
/* Draws s from (x, y) wrapped at spaces (or inside a word wider than w) onto
 * lines at most w pixels wide; a newline starts a line. Returns the height
 * used; draws nothing when d->dry (to measure). */
int view_text_wrapped(Draw *d, FontSize size, int x, int y, int w, SDL_Color c,
                      const char *s);
/* c as opaque ARGB8888. */
uint32_t view_argb(Rgb c);
/* Why act does nothing for the model v shows (one short line: the help
 * greys the key with it, the status line says it when the key is pressed,
 * the views hide the control), or NULL when it works. Per mode: RoPE needs
 * Llama, attention kinds a translation model, word masks and the pair
 * filter an encoder, head roles a single-text trace. NULL without a model. */
const char *view_act_off(const ViewData *v, Act act);

#endif
