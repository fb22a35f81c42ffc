/* test_app_golden.c — exported PNGs against committed golden images, with a
 * tolerance (font rasterization may differ by a few levels between FreeType
 * builds). The trace comes from the numpy oracle's random GPT-2 checkpoint
 * (fixed seed, rebuilt by `make test`); skips when it is absent.
 * On mismatch the got image and a diff image are saved into $BUILD.
 * ATTNSCOPE_UPDATE_GOLDEN=1 rewrites tests/golden/ instead of comparing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/png.h"
#include "check.h"

#define GOLDEN_CHANNEL_TOL 24     /* per channel, 0..255 */
#define GOLDEN_MAX_BAD_FRAC 0.005 /* of all pixels */

static void compare(const char *name, const char *got_path, const char *build) {
    char golden[512], diff_path[512];
    snprintf(golden, sizeof golden, "tests/golden/%s.png", name);
    snprintf(diff_path, sizeof diff_path, "%s/golden-%s-diff.png", build, name);
    EngineError err;
    if (getenv("ATTNSCOPE_UPDATE_GOLDEN")) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", got_path, golden);
        CHECK(system(cmd) == 0, "update %s", golden);
        return;
    }
    if (!check_path_exists(golden)) {
        SKIP("%s absent; HINT: ATTNSCOPE_UPDATE_GOLDEN=1 %s/tests/test_app_golden", golden, build);
        return;
    }
    uint32_t *a = NULL, *b = NULL;
    int aw, ah, bw, bh;
    if (png_read_argb(golden, &a, &aw, &ah, NULL, NULL, 0, &err) ||
        png_read_argb(got_path, &b, &bw, &bh, NULL, NULL, 0, &err)) {
        CHECK(0, "%s: %s", name, err.msg);
        free(a);
        return;
    }
    CHECK(aw == bw && ah == bh, "%s: size %dx%d, golden %dx%d", name, bw, bh, aw, ah);
    if (aw == bw && ah == bh) {
        uint32_t *d = malloc((size_t)aw * ah * 4);
        size_t bad = 0;
        int worst = 0;
        for (size_t i = 0; i < (size_t)aw * ah; i++) {
            int m = 0;
            for (int s = 0; s < 24; s += 8) {
                int x = (int)((a[i] >> s) & 255) - (int)((b[i] >> s) & 255);
                if (abs(x) > m) m = abs(x);
            }
            if (m > worst) worst = m;
            if (m > GOLDEN_CHANNEL_TOL) bad++;
            if (d) d[i] = m > GOLDEN_CHANNEL_TOL ? 0xFFFF0000u : (0xFF000000u | ((a[i] & 0xFEFEFE) >> 1));
        }
        double frac = (double)bad / ((double)aw * ah);
        CHECK(frac <= GOLDEN_MAX_BAD_FRAC, "%s: %.3f%% pixels differ by > %d (worst %d); see %s and %s",
              name, 100.0 * frac, GOLDEN_CHANNEL_TOL, worst, got_path, diff_path);
        if (frac > GOLDEN_MAX_BAD_FRAC && d)
            png_write_argb(diff_path, d, aw, ah, aw, NULL, 0, &err);
        free(d);
    }
    free(a);
    free(b);
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char model_path[512];
    snprintf(model_path, sizeof model_path, "%s/oracle/gpt2_f32", build);
    if (!check_path_exists(model_path)) {
        SKIP("%s absent: run the numpy oracle first (make test does)", model_path);
        return check_summary();
    }
    EngineError err = {{0}};
    Model *m = NULL;
    ModelLoadOptions mo = model_load_options_default();
    if (model_load(&m, model_path, &mo, &err)) {
        CHECK(0, "load: %s", err.msg);
        return check_summary();
    }
    const char *text = "Mr. Darcy walked in. Mr. Darcy smiled.";
    TokenList tl;
    CHECK(tokenizer_encode(m->tokenizer, text, strlen(text), false, &tl, &err) == 0, "encode: %s", err.msg);
    int T = (int)tl.n;
    if (T > m->config.n_ctx) T = m->config.n_ctx;
    int *ids = malloc((size_t)T * sizeof *ids);
    for (int i = 0; i < T; i++) ids[i] = tl.tokens[i].id;
    TokenList used = {tl.tokens, (size_t)T};
    Trace *tr = trace_create(m, T);
    RunOptions ro = run_options_default();
    run_options_set_key_masked(&ro, 2, true);
    CHECK(forward_run(m, ids, T, &ro, tr, &err) == 0, "forward: %s", err.msg);

    char got[512];
    ExportOptions eo = export_options_default();
    eo.layer = 1;
    eo.head = 0;
    eo.scale = 1;
    snprintf(got, sizeof got, "%s/golden-head-got.png", build);
    CHECK(export_png(m, text, &used, tr, &ro, &eo, got, &err) == 0, "export head: %s", err.msg);
    compare("head_gpt2_f32", got, build);

    eo.grid = true;
    eo.white_background = true;
    eo.colormap = "slides";
    snprintf(got, sizeof got, "%s/golden-grid-got.png", build);
    CHECK(export_png(m, text, &used, tr, &ro, &eo, got, &err) == 0, "export grid: %s", err.msg);
    compare("grid_gpt2_f32_white", got, build);

    /* the CLI-facing contract: an unwritable path is an error, not a crash */
    eo.grid = false;
    CHECK(export_png(m, text, &used, tr, &ro, &eo, "/nonexistent-dir/a.png", &err) == -1 &&
          strstr(err.msg, "/nonexistent-dir/a.png") && strstr(err.msg, "HINT"),
          "unwritable: %s", err.msg);
    eo.colormap = "rainbow";
    CHECK(export_png(m, text, &used, tr, &ro, &eo, got, &err) == -1 && strstr(err.msg, "rainbow"),
          "unknown colormap: %s", err.msg);

    trace_free(tr);
    free(ids);
    token_list_free(&tl);
    model_free(m);
    return check_summary();
}
