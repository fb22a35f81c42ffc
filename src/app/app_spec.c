/* app_spec.c — state specs: "layer=1;head=2;focus=5:3;..." set the app's
 * view for screenshots and tests (ATTNSCOPE_STATE); see appstate.h. The
 * items are read and checked by spec.c; here each is applied, in order. */
#include "app/appstate.h"
#include "app/app_internal.h"
#include "app/spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Applies one checked item; 0, or -1 with err (a value the model refuses). */
static int app__spec_item(App *app, const SpecItem *it, EngineError *err) {
    switch (it->key) {
    case SPEC_LAYER: app__select(app, it->a, app->head); break;
    case SPEC_HEAD: app__select(app, app->layer, it->a); break;
    case SPEC_FOCUS_AUTO: app->auto_focus = true; break;
    case SPEC_FOCUS: app->pin_q = it->a; app->pin_k = it->b; break;
    case SPEC_ROLE: app__act0(app, ACT_ROLE_SET, it->a, 0); break;
    case SPEC_HELP: app->help = it->on; break;
    case SPEC_WHITE: app->white = it->on; app__set_theme(app); break;
    case SPEC_VEC: app->vec_open = it->on; break;
    case SPEC_EDIT: app__act0(app, ACT_EDIT, it->on, 0); break;
    case SPEC_ZOOM:
        app->hv.cam.zoom = it->f;
        app->hv.cam.off_q = it->a;
        app->hv.cam.off_k = it->b;
        break;
    case SPEC_ROPE: app->pre_rope = it->on; break;
    case SPEC_CMAP:
        app->cmap = it->a;
        draw_set_colormap(&app->d, it->a);
        break;
    case SPEC_SCALE:
        if (run_options_parse_scale(&app->ro, it->val, err)) return -1;
        if (app->ro.scale == SCALE_TEMP) app->temp_slider = log10f(app->ro.temperature);
        break;
    case SPEC_MASK:
        return app->model ? run_options_parse_mask_model(&app->ro, app->model, it->val, err)
                          : run_options_parse_mask(&app->ro, it->val, err);
    case SPEC_ABLATE: return run_options_parse_ablate(&app->ro, it->val, err);
    case SPEC_MOUSE:
        if (app->win) SDL_WarpMouseInWindow(app->win, it->a, it->b);
        app->ui.mx = (int)lroundf((float)it->a * app->hidpi);
        app->ui.my = (int)lroundf((float)it->b * app->hidpi);
        break;
    case SPEC_TEXT: textedit_set(&app->edit, it->val); break;
    case SPEC_MASKWORD:
        if (!app->posted_text || strcmp(app->posted_text, app->edit.buf)) app_rerun(app);
        app_wait_result(app, 10000); /* its offsets come from the run */
        app__word_mask(app, it->a);
        break;
    case SPEC_PAIRS: app__seg_filter(app, it->a); break;
    case SPEC_KIND: /* first: scale, mask act on the kind shown */
        if (!app->mt)
            return engine_fail(err, "state: kind=%s needs a translation model; HINT: open a "
                               "Marian folder, or drop kind=", it->val);
        app_mt_set_kind(app, it->a);
        break;
    }
    return 0;
}

int app_apply_spec(App *app, const char *spec, EngineError *err) {
    if (!spec || !*spec) return 0;
    char *copy = strdup(spec);
    if (!copy) return engine_fail(err, "state: out of memory");
    int rc = 0, got;
    char *cur = copy;
    SpecItem it;
    while ((got = spec_next(&cur, APP_MAX_TOKENS, &it, err)) == 1)
        if ((rc = app__spec_item(app, &it, err))) break;
    if (got < 0) rc = -1;
    free(copy);
    app->dirty = true;
    app_rerun(app);
    return rc;
}
