/* app_export.c — the app's PNG exports: a new, descriptively named file
 * in the export folder each time; see appstate.h. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The export folder: set in the app (Ctrl+D) or by --export-dir, else
 * $ATTNSCOPE_EXPORT_DIR, else the current folder. */
const char *app_export_dir(const App *app) {
    const char *env = getenv("ATTNSCOPE_EXPORT_DIR");
    if (app->export_dir[0]) return app->export_dir;
    return env && *env ? env : ".";
}

/* "pd-gpt2-L4H3-sqrt-causal-masked2-ablated1-white-magma": model, view and a
 * short settings tag, for file names. */
static void app__export_stem(const App *app, bool grid, char *buf, size_t cap) {
    const RunOptions *ro = app->mt ? &app->ro : &app->res->ro;
    char model[64], scale[24], mask[24];
    size_t j = 0;
    for (const char *p = app->model->name; *p && j + 1 < sizeof model; p++)
        model[j++] = (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.') ? *p : '_';
    model[j] = '\0';
    if (ro->scale == SCALE_SQRT) snprintf(scale, sizeof scale, "sqrt");
    else if (ro->scale == SCALE_NONE) snprintf(scale, sizeof scale, "noscale");
    else snprintf(scale, sizeof scale, "T%.2f", ro->temperature);
    if (ro->mask == MASK_CAUSAL) snprintf(mask, sizeof mask, "causal");
    else if (ro->mask == MASK_NONE) snprintf(mask, sizeof mask, "nomask");
    else snprintf(mask, sizeof mask, "window%d", ro->window);
    int n_masked = 0, n_abl = 0;
    for (int i = 0; i < RUN_MAX_KEYS; i++) n_masked += run_options_key_masked(ro, i);
    for (int l = 0; l < MODEL_MAX_LAYERS; l++) n_abl += __builtin_popcountll(ro->ablated[l]);
    char view[32], extra[96] = "";
    if (grid && app->role >= 0) snprintf(view, sizeof view, "grid-%s", roles_name((RoleKind)app->role));
    else if (grid) snprintf(view, sizeof view, "grid");
    else snprintf(view, sizeof view, "L%dH%d", app->layer, app->head);
    size_t o = 0;
    if (n_masked) o += (size_t)snprintf(extra + o, sizeof extra - o, "-masked%d", n_masked);
    if (n_abl) o += (size_t)snprintf(extra + o, sizeof extra - o, "-ablated%d", n_abl);
    static const char *pairs[] = {"", "-AA", "-AB", "-BA", "-BB"}; /* the pair filter */
    if (!grid && app->seg_filter > 0 && app->seg_filter < 5)
        o += (size_t)snprintf(extra + o, sizeof extra - o, "%s", pairs[app->seg_filter]);
    if (app->white) o += (size_t)snprintf(extra + o, sizeof extra - o, "-white");
    if (app->cmap != CMAP_VIRIDIS)
        snprintf(extra + o, sizeof extra - o, "-%s", colormap_name(app->cmap));
    snprintf(buf, cap, "attnscope-%s-%s-%s-%s%s", model, view, scale, mask, extra);
}

int app_export(App *app, bool grid, const char *path, char *path_out, size_t cap) {
    if (path_out && cap) path_out[0] = '\0';
    if (!app->model || !app->res || (!app->res->tr && !app->mt)) {
        app__say(app, true, "export: nothing to export yet; HINT: %s",
                 app->model ? "type some text" : "open a model first (Ctrl+O)");
        return -1;
    }
    ExportOptions eo = export_options_default();
    eo.layer = app->layer;
    eo.head = app->head;
    eo.grid = grid;
    eo.roles = app->res->roles;
    eo.role = grid && app->role >= 0 ? roles_name((RoleKind)app->role) : NULL;
    eo.white_background = app->white;
    eo.colormap = colormap_name(app->cmap);
    eo.pair_filter = app->seg_filter;
    EngineError err = {{0}};
    char written[1400];
    const char *dir = app_export_dir(app);
    int rc;
    if (app->mt) {
        char stem[256];
        app__export_stem(app, grid, stem, sizeof stem);
        rc = app_mt_export(app, &eo, path, dir, stem, written, sizeof written, &err);
    } else if (path) {
        rc = export_png(app->model, app->res->text, &app->res->tokens, app->res->tr,
                        &app->res->ro, &eo, path, &err);
        snprintf(written, sizeof written, "%s", path);
    } else {
        char stem[256];
        app__export_stem(app, grid, stem, sizeof stem);
        rc = export_png_new(app->model, app->res->text, &app->res->tokens, app->res->tr,
                            &app->res->ro, &eo, dir, stem, written, sizeof written, &err);
    }
    if (rc) {
        app__say(app, true, "export failed: %s", err.msg);
        return rc;
    }
    snprintf(app->last_export, sizeof app->last_export, "%s", written);
    if (path_out && cap) snprintf(path_out, cap, "%s", written);
    const char *base = strrchr(written, '/');
    char abs[PATH_MAX];
    if (!path && realpath(dir, abs))
        app__say(app, false, "saved %s in %s  (Ctrl+D: another folder)", base ? base + 1 : written, abs);
    else
        app__say(app, false, "saved %s", written);
    return 0;
}

