/* view_status.h — the status line (model, tokens, timings, the last
 * message) and the help overlay that lists every key. */
#ifndef APP_VIEW_STATUS_H
#define APP_VIEW_STATUS_H

#include "app/view.h"

/* What the status line reports besides cx->v. */
typedef struct {
    const char *model_name;   /* NULL: no model loaded */
    int n_layer, n_head, n_kv_head, d_model;
    int max_tokens;           /* the app's token cap */
    double forward_ms;        /* of the shown result */
    double render_ms;         /* of the last frame */
    bool computing;           /* a run is in flight */
    const char *msg;          /* last message; "" = none */
    bool msg_error;           /* msg is an error (red) */
} StatusInfo;

/* The status line in r, with "model…" and "export folder…" buttons at its
 * right end (emit ACT_OPEN_MODEL, ACT_EXPORT_DIR). */
void view_status_frame(ViewCtx *cx, SDL_Rect r, const StatusInfo *si, ViewOut *out);
/* The help overlay, centered on a w x h output. */
void view_help_frame(ViewCtx *cx, int w, int h);

/* A one-line question over the window (the export folder, a model to
 * open): title, the answer being typed in te with its caret, and a hint. */
void view_prompt_frame(ViewCtx *cx, int W, int H, const char *title, const char *hint,
                       const TextEdit *te);

#endif
