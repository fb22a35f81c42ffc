/* test_app_roles.c — the head-role atlas in the app, headless (SDL dummy
 * driver, software renderer), on ../shared's stories260K (a previous-token
 * head L1H3 scores about 0.6):
 *   - the worker's role scores equal roles_compute_model on a fresh forward
 *     pass of the same tokens;
 *   - the app opens on the starter text (a sentence said twice) and on the
 *     head atlas_teaching_head picks from those scores; a head set by a
 *     state spec or a restored session wins;
 *   - badges: the prev-token colour is drawn on L1H3's thumbnail and on no
 *     head without a clear role; the legend's six colours are in the grid
 *     export;
 *   - Ctrl+G (also while typing) and the "by role" button colour the grid by
 *     a role score (pixels change; a cell holds its score's colour);
 *   - the role list's order is the scores' order; a click on a row selects
 *     that head.
 * The choice of the opening head is also checked on hand-made scores.
 * Skips the model parts when ../shared (or $ATTNSCOPE_SHARED) is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/appstate.h"
#include "app/atlas.h"
#include "app/png.h"
#include "app_drive.h"
#include "check.h"

static App *app;

static void click(int x, int y) { drive_click(app, x, y, SDL_BUTTON_LEFT); }

static bool settle(App *a) {
    bool ok = app_wait_result(a, 20000);
    app_frame(a, true);
    return ok;
}

/* Pixel (x, y) of the last frame, 0xRRGGBB. */
static uint32_t frame_px(int x, int y) {
    SDL_Surface *s = app->surface;
    const uint32_t *row = (const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * s->pitch);
    return row[x] & 0xFFFFFF;
}

static uint32_t rgb24(Rgb c) { return ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b; }

/* Pixels of colour c in rect r of the last frame. */
static int count_px(SDL_Rect r, uint32_t c) {
    int n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) n += frame_px(x, y) == c;
    return n;
}

/* The opening head on hand-made scores: induction when clear, else
 * previous-token, else nothing. */
static void test_teaching_head(void) {
    Roles *r = roles_create(2, 3);
    CHECK(r != NULL, "roles_create");
    if (!r) return;
    const int LH = 2 * 3;
    for (int k = 0; k < ROLE_N_METRICS; k++) {
        r->baseline[k] = 0.1f;
        r->n_queries[k] = 10;
        for (int i = 0; i < LH; i++) r->score[k * LH + i] = 0.1f; /* uniform */
    }
    int l = -1, h = -1;
    CHECK(atlas_teaching_head(r, &l, &h) == -1 && l == -1, "all uniform: no teaching head");
    r->score[ROLE_PREVIOUS * LH + 1 * 3 + 2] = 0.9f; /* L1H2 */
    r->score[ROLE_PREVIOUS * LH + 0 * 3 + 1] = 0.5f;
    CHECK(atlas_teaching_head(r, &l, &h) == ROLE_PREVIOUS && l == 1 && h == 2,
          "a clear previous-token head: L1H2 (got %d, L%dH%d)", atlas_teaching_head(r, &l, &h), l, h);
    r->score[ROLE_INDUCTION * LH + 0 * 3 + 0] = 0.3f; /* lift 0.22 < 0.3: not clear */
    CHECK(atlas_teaching_head(r, &l, &h) == ROLE_PREVIOUS, "a weak induction head loses");
    r->score[ROLE_INDUCTION * LH + 0 * 3 + 0] = 0.5f; /* lift 0.44 */
    CHECK(atlas_teaching_head(r, &l, &h) == ROLE_INDUCTION && l == 0 && h == 0,
          "a clear induction head wins over previous-token (L%dH%d)", l, h);
    r->n_queries[ROLE_INDUCTION] = 0; /* no repeated token: unmeasured */
    for (int i = 0; i < LH; i++) r->score[ROLE_INDUCTION * LH + i] = NAN;
    CHECK(atlas_teaching_head(r, &l, &h) == ROLE_PREVIOUS, "unmeasured induction: previous-token");
    int ls[6], hs[6];
    CHECK(atlas_sorted(r, ROLE_PREVIOUS, ls, hs, 6) == 6 && ls[0] == 1 && hs[0] == 2 && ls[1] == 0 &&
          hs[1] == 1 && ls[2] == 0 && hs[2] == 0, "sorted: best, second, then ties by (layer, head)");
    CHECK(atlas_sorted(r, ROLE_INDUCTION, ls, hs, 6) == 6 && ls[0] == 0 && hs[0] == 0 && ls[5] == 1 &&
          hs[5] == 2, "all unmeasured: (layer, head) order");
    CHECK(atlas_find("induction") == ROLE_INDUCTION && atlas_find("prev-token") == ROLE_PREVIOUS &&
          atlas_find("S") == ROLE_FIRST && atlas_find("off") == -1 && atlas_find("bogus") == -2,
          "role names");
    roles_free(r);
}

/* The badge colour's pixels in the top-right quarter of head (l, h). */
static int badge_px(int l, int h, RoleKind k) {
    SDL_Rect c = view_grid_cell(&app->gv.layout, l, h);
    return count_px((SDL_Rect){c.x + c.w / 2, c.y, c.w / 2, c.h / 2}, rgb24(atlas_role(k)->color));
}

int main(void) {
    test_teaching_head();
    char model[1024];
    if (!drive_shared_path("models/stories260K/stories260K.bin", model, sizeof model)) {
        SKIP("%s absent: the shared stories260K model is needed for the app's role atlas", model);
        return check_summary();
    }
    CHECK(drive_headless(), "SDL for a headless app");
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    args.run = run_options_default();
    EngineError err = {{0}};
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app && app->model, "app_create: %s", app ? app->msg : err.msg);
    if (!app || !app->model) return check_summary();
    CHECK(settle(app), "first run finishes");
    const Model *m = app->model;
    const Trace *tr = app->res ? app->res->tr : NULL;
    const Roles *wr = app->res ? app->res->roles : NULL;
    CHECK(tr && wr, "the result carries role scores");
    if (!tr || !wr) return check_summary();

    /* --- the starter text: one sentence, then the same again --- */
    const char *t = app->edit.buf;
    size_t n = app->edit.len, half = (n - 1) / 2;
    CHECK(n > 20 && t[half] == ' ' && !strncmp(t, t + half + 1, half),
          "starter text is a sentence said twice: \"%s\"", t);

    /* --- the worker's scores are roles_compute_model on the same tokens --- */
    int T = tr->n_tokens, L = m->config.n_layer, H = m->config.n_head;
    Trace *t2 = trace_create(m, T);
    Roles *r2 = roles_create(L, H);
    RunOptions ro = run_options_default();
    CHECK(t2 && r2 && forward_run(m, tr->ids, T, &ro, t2, &err) == 0 &&
          roles_compute_model(m, t2, r2, &err) == 0, "fresh forward + roles: %s", err.msg);
    float worst = 0.0f;
    for (int k = 0; k < ROLE_N_METRICS; k++)
        for (int l = 0; l < L; l++)
            for (int h = 0; h < H; h++) {
                float a = roles_score(wr, (RoleKind)k, l, h), b = roles_score(r2, (RoleKind)k, l, h);
                float d = isnan(a) && isnan(b) ? 0.0f : fabsf(a - b);
                if (!(d <= worst)) worst = isnan(d) ? INFINITY : d;
            }
    CHECK(worst <= 1e-5f, "worker roles == fresh roles (max |diff| %g)", worst);
    printf("stories260K on the starter text: prev-token L1H3 %.3f (uniform %.3f), induction best %.3f\n",
           roles_score(r2, ROLE_PREVIOUS, 1, 3), r2->baseline[ROLE_PREVIOUS],
           roles_score(r2, ROLE_INDUCTION, 0, 0));

    /* --- it opens on the teaching head of those scores --- */
    int tl, th, tk = atlas_teaching_head(r2, &tl, &th);
    CHECK(tk >= 0 && app->layer == tl && app->head == th,
          "opens on the teaching head: role %d L%dH%d (app at L%dH%d)", tk, tl, th, app->layer, app->head);
    CHECK(strstr(app->msg, atlas_role((RoleKind)(tk >= 0 ? tk : 0))->label) != NULL,
          "the status line names its role: %s", app->msg);

    /* --- badges: L1H3 is a clear previous-token head --- */
    CHECK(roles_dominant(r2, 1, 3) == ROLE_PREVIOUS, "L1H3's dominant role is previous-token");
    CHECK(badge_px(1, 3, ROLE_PREVIOUS) > 10, "L1H3 wears the prev-token badge (%d px)",
          badge_px(1, 3, ROLE_PREVIOUS));
    int no_role = 0, stray = 0;
    for (int l = 0; l < L; l++)
        for (int h = 0; h < H; h++)
            if (roles_dominant(r2, l, h) < 0) {
                no_role++;
                for (int k = 0; k < ROLE_N_ROLES; k++) stray += badge_px(l, h, (RoleKind)k);
            }
    CHECK(no_role > 0 && stray == 0, "no badge on the %d heads without a clear role (%d px)", no_role, stray);

    /* --- colour by role: Ctrl+G while typing --- */
    SDL_Rect grid = view_grid_cell(&app->gv.layout, 0, 0);
    SDL_Rect last = view_grid_cell(&app->gv.layout, L - 1, H);
    grid.w = last.x + last.w - grid.x;
    grid.h = last.y + last.h - grid.y;
    uint32_t *before = malloc((size_t)grid.w * grid.h * 4);
    for (int y = 0; y < grid.h; y++)
        for (int x = 0; x < grid.w; x++) before[y * grid.w + x] = frame_px(grid.x + x, grid.y + y);
    CHECK(app->editing && app->role == -1, "typing, thumbnails");
    drive_key(app, SDLK_g, KMOD_LCTRL);
    app_frame(app, true);
    CHECK(app->role == ROLE_PREVIOUS && app->editing, "Ctrl+G while typing: grid by prev-token");
    int changed = 0;
    for (int y = 0; y < grid.h; y++)
        for (int x = 0; x < grid.w; x++) changed += before[y * grid.w + x] != frame_px(grid.x + x, grid.y + y);
    free(before);
    CHECK(changed > grid.w * grid.h / 2, "colouring by role changes the grid (%d of %d px)", changed,
          grid.w * grid.h);
    SDL_Rect c13 = view_grid_cell(&app->gv.layout, 1, 3);
    CHECK(frame_px(c13.x + 2, c13.y + c13.h - 3) ==
              (draw_lut(&app->d, roles_score(r2, ROLE_PREVIOUS, 1, 3)) & 0xFFFFFF),
          "L1H3's cell holds its score's colour");

    /* --- the list: sorted as the scores, a click jumps --- */
    int *ls = malloc(sizeof(int) * (size_t)(L * H)), *hs = malloc(sizeof(int) * (size_t)(L * H));
    int ns = atlas_sorted(r2, ROLE_PREVIOUS, ls, hs, L * H);
    int bl, bh;
    roles_best(r2, ROLE_PREVIOUS, &bl, &bh);
    const RolesView *rv = &app->rv;
    int same = rv->n_rows >= 5 && ns == L * H && ls[0] == bl && hs[0] == bh;
    for (int i = 0; same && i < rv->n_rows; i++) {
        same = rv->layer[i] == ls[i] && rv->head[i] == hs[i];
        if (i > 0)
            same = same && roles_score(r2, ROLE_PREVIOUS, rv->layer[i - 1], rv->head[i - 1]) >=
                               roles_score(r2, ROLE_PREVIOUS, rv->layer[i], rv->head[i]);
    }
    CHECK(same, "the list shows %d heads in score order, roles_best first (L%dH%d)", rv->n_rows, bl, bh);
    if (rv->n_rows > 2) {
        int wl = rv->layer[2], wh = rv->head[2];
        click(rv->rows[2].x + rv->rows[2].w / 2, rv->rows[2].y + rv->rows[2].h / 2);
        app_frame(app, true);
        CHECK(app->layer == wl && app->head == wh, "a click on row 3 selects L%dH%d (at L%dH%d)", wl, wh,
              app->layer, app->head);
    }
    free(ls);
    free(hs);

    /* --- the cycle ends at thumbnails; the button toggles --- */
    for (int i = 1; i < ROLE_N_ROLES; i++) drive_key(app, SDLK_g, KMOD_LCTRL);
    CHECK(app->role == ROLE_INDUCTION, "Ctrl+G reaches induction (%d)", app->role);
    drive_key(app, SDLK_g, KMOD_LCTRL);
    CHECK(app->role == -1, "then thumbnails again");
    app_frame(app, true);
    SDL_Rect b = app->gv.role_button;
    click(b.x + b.w / 2, b.y + b.h / 2);
    CHECK(app->role == ROLE_INDUCTION, "'by role' turns the last role on (%d)", app->role);
    app_frame(app, true);
    click(b.x + b.w / 2, b.y + b.h / 2);
    CHECK(app->role == -1, "and off");

    /* --- the grid export: badges and the legend --- */
    char path[512];
    snprintf(path, sizeof path, "%s/roles-grid-%d.png", getenv("BUILD") ? getenv("BUILD") : "build",
             (int)getpid());
    CHECK(app_export(app, true, path, NULL, 0) == 0, "grid export: %s", app->msg);
    uint32_t *px = NULL;
    int w = 0, h = 0;
    if (png_read_argb(path, &px, &w, &h, NULL, NULL, 0, &err) == 0) {
        int missing = 0, prev_px = 0;
        for (int k = 0; k < ROLE_N_ROLES; k++) {
            uint32_t want = rgb24(atlas_role((RoleKind)k)->color);
            int cnt = 0;
            for (int i = 0; i < w * h; i++) cnt += (px[i] & 0xFFFFFF) == want;
            missing += cnt == 0;
            if (k == ROLE_PREVIOUS) prev_px = cnt;
        }
        CHECK(missing == 0, "the export's legend shows all %d badge colours (%d missing)", ROLE_N_ROLES, missing);
        CHECK(prev_px > 2000, "and the prev-token badges (%d px)", prev_px);
        free(px);
    } else {
        CHECK(0, "read %s: %s", path, err.msg);
    }
    unlink(path);

    /* --- a head chosen by a state spec or a restored session wins --- */
    Session s;
    session_init(&s);
    CHECK(app_apply_spec(app, "layer=0;head=1", &err) == 0, "spec: %s", err.msg);
    CHECK(appsession_capture(app, &s) == 0, "capture");
    app_destroy(app);
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app && app->model, "second app");
    if (app) {
        appsession_apply(app, &s, false, false);
        settle(app);
        CHECK(app->layer == 0 && app->head == 1, "the session's head L0H1 wins (L%dH%d)", app->layer,
              app->head);
        app_destroy(app);
    }
    session_free(&s);
    app = app_create(&args, NULL, 1280, 800, &err);
    if (app) {
        CHECK(app_apply_spec(app, "layer=2;head=5;role=induction", &err) == 0, "spec: %s", err.msg);
        settle(app);
        CHECK(app->layer == 2 && app->head == 5 && app->role == ROLE_INDUCTION,
              "a state spec's head wins, role=induction colours the grid (L%dH%d, role %d)", app->layer,
              app->head, app->role);
        CHECK(app_apply_spec(app, "role=bogus", &err) != 0 && strstr(err.msg, "HINT"),
              "an unknown role is one clear line: %s", err.msg);
        app_destroy(app);
    }
    trace_free(t2);
    roles_free(r2);
    SDL_Quit();
    return check_summary();
}
