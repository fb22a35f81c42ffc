/* app_spec.c — state specs: "layer=1;head=2;focus=5:3;..." set the app's
 * view for screenshots and tests (ATTNSCOPE_STATE); see appstate.h. */
#include "app/appstate.h"
#include "app/app_internal.h"
#include "app/atlas.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole number in [lo, hi] that ends at *s's end or at `stop`; -1
 * otherwise. *next (may be NULL) gets where it ended. */
static int spec__int_in(const char *s, int lo, int hi, char stop, int *out,
                             const char **next) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno || v < lo || v > hi || (*end && *end != stop)) return -1;
    *out = (int)v;
    if (next) *next = end;
    return 0;
}

static int spec__int(const char *s, int *out) {
    return spec__int_in(s, -1000000, 1000000, '\0', out, NULL);
}

/* "A:B", each in [lo, hi]. */
static int spec__pair(const char *s, int lo, int hi, int *a, int *b) {
    const char *p;
    if (spec__int_in(s, lo, hi, ':', a, &p) || *p != ':') return -1;
    return spec__int_in(p + 1, lo, hi, '\0', b, NULL);
}

int app_apply_spec(App *app, const char *spec, EngineError *err) {
    if (!spec || !*spec) return 0;
    char *copy = strdup(spec);
    if (!copy) return engine_fail(err, "state: out of memory");
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) { rc = engine_fail(err, "state: \"%s\" is not key=value; HINT: e.g. layer=1;head=2", tok); break; }
        *eq = '\0';
        const char *k = tok, *val = eq + 1;
        int n;
        bool on = strcmp(val, "0") != 0;
        if (!strcmp(k, "layer") && !spec__int(val, &n)) app__select(app, n, app->head);
        else if (!strcmp(k, "head") && !spec__int(val, &n)) app__select(app, app->layer, n);
        else if (!strcmp(k, "focus") && !strcmp(val, "auto")) app->auto_focus = true;
        else if (!strcmp(k, "role")) {
            int r = atlas_find(val);
            if (r < -1) {
                rc = engine_fail(err, "state: role=%s; HINT: previous_token, first_token, "
                                 "current_token, delimiter, duplicate_token, induction or off", val);
                break;
            }
            app__act0(app, ACT_ROLE_SET, r, 0);
        }
        else if (!strcmp(k, "focus")) {
            if (spec__pair(val, 0, APP_MAX_TOKENS - 1, &app->pin_q, &app->pin_k)) {
                app->pin_q = app->pin_k = -1;
                rc = engine_fail(err, "state: focus=%s; HINT: focus=QUERY:KEY", val);
                break;
            }
        } else if (!strcmp(k, "help")) app->help = on;
        else if (!strcmp(k, "white")) { app->white = on; app__set_theme(app); }
        else if (!strcmp(k, "vec")) app->vec_open = on;
        else if (!strcmp(k, "edit")) app__act0(app, ACT_EDIT, on, 0);
        else if (!strcmp(k, "zoom")) {
            char *end;
            float z = strtof(val, &end);
            int oq = 0, ok = 0;
            if (end == val || !(z >= 1.0f && z <= 1000.0f) ||
                (*end && (*end != ':' || spec__pair(end + 1, 0, APP_MAX_TOKENS, &oq, &ok)))) {
                rc = engine_fail(err, "state: zoom=%s; HINT: zoom=Z or zoom=Z:ROW:COLUMN, 1 <= Z <= 1000", val);
                break;
            }
            app->hv.cam.zoom = z;
            app->hv.cam.off_q = oq;
            app->hv.cam.off_k = ok;
        } else if (!strcmp(k, "rope")) {
            if (strcmp(val, "pre") && strcmp(val, "post")) {
                rc = engine_fail(err, "state: rope=%s; HINT: rope=pre or rope=post", val);
                break;
            }
            app->pre_rope = !strcmp(val, "pre");
        }
        else if (!strcmp(k, "cmap")) {
            int c = colormap_find(val);
            if (c < 0) { rc = engine_fail(err, "state: cmap=%s unknown; HINT: viridis, magma, inferno, cividis, slides", val); break; }
            app->cmap = c;
            draw_set_colormap(&app->d, c);
        } else if (!strcmp(k, "scale")) {
            if ((rc = run_options_parse_scale(&app->ro, val, err))) break;
            if (app->ro.scale == SCALE_TEMP) app->temp_slider = log10f(app->ro.temperature);
        } else if (!strcmp(k, "mask")) {
            if ((rc = app->model ? run_options_parse_mask_model(&app->ro, app->model, val, err)
                                 : run_options_parse_mask(&app->ro, val, err))) break;
        } else if (!strcmp(k, "ablate")) {
            if ((rc = run_options_parse_ablate(&app->ro, val, err))) break;
        } else if (!strcmp(k, "mouse")) {
            int mx, my;
            if (spec__pair(val, 0, 100000, &mx, &my)) {
                rc = engine_fail(err, "state: mouse=%s; HINT: mouse=X:Y in window points, "
                                 "each 0 to 100000", val);
                break;
            }
            if (app->win) SDL_WarpMouseInWindow(app->win, mx, my);
            app->ui.mx = (int)lroundf((float)mx * app->hidpi);
            app->ui.my = (int)lroundf((float)my * app->hidpi);
        } else if (!strcmp(k, "text")) {
            textedit_set(&app->edit, val);
        } else if (!strcmp(k, "maskword")) { /* encoders: token N runs as [MASK] */
            if (spec__int_in(val, 0, APP_MAX_TOKENS - 1, '\0', &n, NULL)) {
                rc = engine_fail(err, "state: maskword=%s; HINT: maskword=TOKEN (a position)", val);
                break;
            }
            if (!app->posted_text || strcmp(app->posted_text, app->edit.buf)) app_rerun(app);
            app_wait_result(app, 10000); /* its offsets come from the run */
            app__word_mask(app, n);
        } else if (!strcmp(k, "pairs")) { /* encoders: the head view's pair filter */
            int f = 0;
            while (f < SEG_FILTER_COUNT && strcmp(val, view_segment_filter_name(f)) &&
                   strcmp(val, (const char *[]){"all", "AA", "AB", "BA", "BB"}[f]))
                f++;
            if (f == SEG_FILTER_COUNT) {
                rc = engine_fail(err, "state: pairs=%s; HINT: pairs=all, AA, AB, BA or BB", val);
                break;
            }
            app__seg_filter(app, f);
        } else if (!strcmp(k, "kind") && app->mt && marian_kind_parse(val) >= 0) {
            app_mt_set_kind(app, marian_kind_parse(val)); /* first: scale, mask act on it */
        } else {
            rc = engine_fail(err, "state: unknown key \"%s\"; HINT: layer, head, focus, help, "
                             "white, edit, vec, rope, zoom, cmap, scale, mask, ablate, mouse, text, maskword, pairs, role, kind (translation)", k);
            break;
        }
    }
    free(copy);
    app->dirty = true;
    app_rerun(app);
    return rc;
}

