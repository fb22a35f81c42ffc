/* app_encoder.c — the app's encoder mode (issue 11): "mask this word" and the
 * head view's sentence-pair filter. The views draw them (view_segment.h,
 * view_text, view_head, view_pred); the worker runs masked words as [MASK]
 * (wordmask.h). */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <string.h>

bool app__encoder(const App *app) {
    return app->model && app->model->config.encoder;
}

void app__word_mask(App *app, int pos) {
    if (!app__encoder(app) || tokenizer_mask_id(app->model->tokenizer) < 0) {
        app__say(app, true, "mask this word needs an encoder with a [MASK] token; HINT: open a "
                 "BERT folder with Ctrl+O (right-click a chip there)");
        return;
    }
    const WorkResult *r = app->res;
    if (pos < 0) {
        ViewData v = app_view_data(app);
        pos = v.q;
    }
    if (!r || !r->tr || pos < 0 || pos >= (int)r->tokens.n) {
        app__say(app, false, "no focused word: click a cell of the head view, or right-click a chip");
        return;
    }
    if (strcmp(r->text, app->edit.buf) != 0) {
        app__say(app, false, "the model is still running on the new text: try again");
        return;
    }
    const Token *t = &r->tokens.tokens[pos];
    char lab[WORKER_LABEL_CAP];
    worker_token_label(app->model->tokenizer, t->id, lab, sizeof lab);
    int rc = wordmask_toggle(&app->wm, t->start, t->end);
    if (rc < 0) {
        app__say(app, true, t->end <= t->start
                 ? "token %d \"%s\" is not a typed word: it cannot be masked"
                 : "token %d \"%s\": too many masked words; HINT: F10 or X clears them",
                 pos, lab);
        return;
    }
    app__say(app, false, rc ? "token %d \"%s\" runs as [MASK]: its fill-ins are in the predictions; "
             "the text is unchanged" : "token %d \"%s\" runs as typed again", pos, lab);
    if (rc && app->pin_q != pos) { /* show its fill-ins */
        app->pin_q = pos;
        app->pin_k = pos;
    }
    app_rerun(app);
}

void app__seg_filter(App *app, int f) {
    if (!app__encoder(app)) {
        app__say(app, true, "the pair filter needs an encoder (BERT) and a text \"A ||| B\"");
        return;
    }
    app->seg_filter = f >= 0 && f < SEG_FILTER_COUNT ? f : (app->seg_filter + 1) % SEG_FILTER_COUNT;
    if (app->seg_filter != SEG_ALL && !strstr(app->edit.buf, TOKENIZER_PAIR_SEPARATOR))
        app__say(app, false, "pair filter %s: it shows once the text is a pair \"A ||| B\"",
                 view_segment_filter_name(app->seg_filter));
    else
        app__say(app, false, "head view: %s attention", app->seg_filter == SEG_ALL ? "all"
                 : view_segment_filter_name(app->seg_filter));
    app->dirty = true;
}
