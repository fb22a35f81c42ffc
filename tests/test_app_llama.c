/* test_app_llama.c — the app on a real Llama model (../shared's stories260K:
 * 5 layers, 8 query heads sharing 4 KV heads, RoPE), headless (SDL dummy
 * driver, software renderer):
 *   - BOS is prepended as llama2.c does, and every index (chips, key labels,
 *     hover, masking, truncation) counts it as position 0;
 *   - grouped-query attention is shown: KV brackets in the grid, the sharing
 *     heads named in the vector view;
 *   - the "before RoPE" toggle (key R and button) swaps the vector view's
 *     q and k for the trace's pre-RoPE ones, checked on the drawn pixels.
 * Skips when ../shared (or $ATTNSCOPE_SHARED) is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/appstate.h"
#include "app_drive.h"
#include "check.h"

static App *app;

static void key(SDL_Keycode sym) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    app_handle_event(app, &e);
}

static void mouse(int type_, int x, int y) { drive_mouse(app, type_, x, y, SDL_BUTTON_LEFT); }

static void click(int x, int y) { drive_click(app, x, y, SDL_BUTTON_LEFT); }

static bool settle(void) { return drive_settle(app); }

static const Trace *tr(void) { return app->res ? app->res->tr : NULL; }

/* Pixel (x, y) of the last frame, 0xRRGGBB. */
static uint32_t frame_px(int x, int y) { return drive_px(app, x, y); }

static uint32_t rgb24(Rgb c) { return ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b; }
static uint32_t col24(SDL_Color c) { return ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b; }

static double norm(const float *x, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
    return sqrt(s);
}

/* The strip cell i of r drawn for value x under scale holds x's color. */
static int strip_cells_match(SDL_Rect r, const float *x, int n, float scale) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
        int px = r.x + (int)(((float)i + 0.5f) * (float)r.w / (float)n);
        uint32_t want = rgb24(colormap_diverging(x[i] / scale, app->d.th.neutral));
        ok += frame_px(px, r.y + r.h / 2) == want;
    }
    return ok;
}

static float maxabs2(const float *a, const float *b, int n) {
    float m = 0;
    for (int i = 0; i < n; i++) m = fmaxf(m, fmaxf(fabsf(a[i]), fabsf(b[i])));
    return m;
}

int main(void) {
    const char *shared = getenv("ATTNSCOPE_SHARED") ? getenv("ATTNSCOPE_SHARED") : "../shared";
    char model[1024];
    snprintf(model, sizeof model, "%s/models/stories260K/stories260K.bin", shared);
    if (!check_path_exists(model)) {
        SKIP("%s absent: the shared stories260K model is needed for the Llama app test", model);
        return check_summary();
    }
    if (!drive_headless()) {
        CHECK(0, "SDL starts headless");
        return check_summary();
    }
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    args.text = "Once upon a time, there was a cat.";
    args.run = run_options_default();
    EngineError err = {{0}};
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app && app->model, "app_create: %s", app ? app->msg : err.msg);
    if (!app || !app->model) return check_summary();
    CHECK(settle(), "first run finishes");
    const Model *m = app->model;
    CHECK(m->config.arch == ARCH_LLAMA && m->config.n_kv_head < m->config.n_head,
          "stories260K is a GQA Llama (%d heads, %d KV heads)", m->config.n_head,
          m->config.n_kv_head);

    /* --- BOS at position 0, as llama2.c --- */
    int bos = tokenizer_bos_id(m->tokenizer);
    const TokenList *tl = &app->res->tokens;
    CHECK(bos == 1, "llama BOS id is 1 (%d)", bos);
    CHECK(tr() && tl->n == (size_t)tr()->n_tokens, "tokens == trace length");
    CHECK(tl->n > 1 && tl->tokens[0].id == bos && tr()->ids[0] == bos,
          "token 0 is BOS (id %d, trace id %d)", tl->n ? tl->tokens[0].id : -1,
          tr() ? tr()->ids[0] : -1);
    CHECK(tl->tokens[0].start == 0 && tl->tokens[0].end == 0, "BOS offsets 0..0");
    CHECK(!strcmp(work_result_label(app->res, 0), "<s>"), "BOS label: %s",
          work_result_label(app->res, 0));
    {
        TokenList plain;
        const char *t = app->res->text;
        CHECK(tokenizer_encode(m->tokenizer, t, strlen(t), false, &plain, &err) == 0, "encode");
        int same = plain.n + 1 == tl->n;
        for (size_t i = 0; same && i < plain.n; i++)
            same = plain.tokens[i].id == tl->tokens[i + 1].id &&
                   plain.tokens[i].start == tl->tokens[i + 1].start;
        CHECK(same, "after BOS come the text's own tokens, offsets unchanged");
        token_list_free(&plain);
    }
    int T = tr()->n_tokens;

    /* --- hover and key masking count BOS as position 0 --- */
    HeadLayout *hl = &app->hv.layout;
    mouse(SDL_MOUSEMOTION, hl->map.x + (int)(hl->cell / 2),
          hl->map.y + (int)(((float)T - 0.5f) * hl->cell));
    app_frame(app, false);
    CHECK(app->hover_q == T - 1 && app->hover_k == 0, "hover the BOS column: (%d,%d)",
          app->hover_q, app->hover_k);
    CHECK(strstr(app->ui.tip, "key 0 \"<s>\"") != NULL, "tooltip names key 0 <s>: %s", app->ui.tip);
    int fs = font_height(app->d.font, FONT_SMALL);
    int chip_y = app->tv.box.y + app->tv.box.h + draw_px(&app->d, 6) + fs / 2;
    click(app->tv.box.x + draw_px(&app->d, 4), chip_y); /* the first chip */
    CHECK(run_options_key_masked(&app->ro, 0) && strstr(app->msg, "key 0 \"<s>\""),
          "clicking the first chip masks key 0, BOS: %s", app->msg);
    settle();
    {
        float mx = 0;
        for (int q = 1; q < T; q++) mx = fmaxf(mx, trace_att(tr(), app->layer, app->head)[q * T]);
        CHECK(mx == 0.0f, "BOS masked: column 0 is zero for later queries (max %g)", mx);
    }
    key(SDLK_x);
    settle();

    /* --- chips too many for their rows scroll to show the focused query --- */
    {
        ViewData cv = app_view_data(app);
        SDL_Rect box = {0, 0, draw_px(&app->d, 200), 2 * (font_height(app->d.font, FONT_SMALL) + draw_px(&app->d, 10))};
        int seen_first[2] = {0, 0}, seen_last[2] = {0, 0};
        for (int pass = 0; pass < 2; pass++) {
            cv.q = pass == 0 ? -1 : T - 1;
            for (int y = 1; y < box.h; y += 3)
                for (int x = 1; x < box.w; x += 3) {
                    Draw dm = app->d;
                    dm.dry = true;
                    Ui um;
                    memset(&um, 0, sizeof um);
                    um.mx = x;
                    um.my = y;
                    int hv, ck;
                    view_chips(&dm, &um, box, &cv, &hv, &ck, NULL);
                    seen_first[pass] |= hv == 0;
                    seen_last[pass] |= hv == T - 1;
                }
        }
        CHECK(seen_first[0] && !seen_last[0], "no focus: the chips start at BOS, the end is cut");
        CHECK(!seen_first[1] && seen_last[1], "focus on the last query: the chips scroll to show it");
    }

    /* --- truncation keeps BOS --- */
    {
        WorkResult *r = calloc(1, sizeof *r);
        RunOptions ro = run_options_default();
        CHECK(r && worker_run(m, 6, "Once upon a time, there was a big dog.", &ro, NULL, r) == 0,
              "worker_run 6 tokens");
        if (r && r->tr) {
            CHECK(r->tr->n_tokens == 6 && r->tokens.tokens[0].id == bos && r->n_dropped > 0,
                  "truncated to BOS + last 5 (n %d, dropped %zu)", r->tr->n_tokens, r->n_dropped);
            CHECK(strstr(r->text + r->tokens.tokens[5].start, "."), "the last token is the text's end");
        }
        work_result_free(r);
    }

    /* --- grouped-query attention in the grid and vector view --- */
    int H = m->config.n_head, KV = m->config.n_kv_head, gs = H / KV;
    CHECK(app->gv.layout.KV == KV, "grid layout knows %d KV heads", app->gv.layout.KV);
    {
        char g[128];
        view_kv_group(tr(), 1, g, sizeof g);
        char want[128];
        snprintf(want, sizeof want, "H%d, H%d", gs, gs + 1);
        CHECK(gs == 2 && !strcmp(g, want), "KV head 1 is shared by %s (got %s)", want, g);
        CHECK(trace_kv_head(tr(), 3) == 1, "query head 3 reads KV head 1");
    }
    while (app->head != 3) key(app->head < 3 ? SDLK_RIGHT : SDLK_LEFT);
    app_frame(app, true);
    {
        /* bracket lines: the selected head's group in the accent color, others dim */
        GridLayout *gl = &app->gv.layout;
        int ym = gl->kv_y + fs / 2;
        SDL_Rect g0 = view_grid_cell(gl, 0, 0), g1 = view_grid_cell(gl, 0, gs);
        int x0 = g0.x + draw_px(&app->d, 1), x1 = g1.x + draw_px(&app->d, 1);
        CHECK(frame_px(x0, ym) == col24(app->d.th.text_dim), "kv0 bracket drawn dim (0x%06x)",
              frame_px(x0, ym));
        CHECK(frame_px(x1, ym) == col24(app->d.th.accent), "kv1 bracket (selected H3) in accent (0x%06x)",
              frame_px(x1, ym));
        CHECK(gl->y0 > gl->kv_y + fs, "thumbnails start below the bracket row");
    }

    /* --- the RoPE toggle --- */
    int fq = T - 1, fk = 2, D = tr()->d_head;
    mouse(SDL_MOUSEMOTION, hl->map.x + (int)(((float)fk + 0.5f) * hl->cell),
          hl->map.y + (int)(((float)fq + 0.5f) * hl->cell));
    app_frame(app, true);
    CHECK(app->hover_q == fq && app->hover_k == fk, "hover (%d,%d)", app->hover_q, app->hover_k);
    CHECK(app->vv.rope_button.w > 0, "the before-RoPE button is shown for Llama");
    CHECK(app->vv.layout.q.w > 0 && !app->vv.layout.pre_rope, "vector view shows post-RoPE q, k");
    ViewData v = app_view_data(app);
    const float *qpost = trace_q(tr(), v.layer, v.head) + (size_t)fq * D;
    const float *kpost = trace_k(tr(), v.layer, v.head) + (size_t)fk * D;
    CHECK(strip_cells_match(app->vv.layout.q, qpost, D, maxabs2(qpost, kpost, D)) == D,
          "q strip shows the trace's post-RoPE q");
    key(SDLK_r);
    CHECK(app->pre_rope, "R turns on before-RoPE");
    app_frame(app, true);
    v = app_view_data(app);
    const float *qpre, *kpre;
    CHECK(view_vectors_qk(&v, &qpre, &kpre) && app->vv.layout.pre_rope, "pre-RoPE vectors chosen");
    const float *qpre_trace = tr()->q_pre_rope +
        (((size_t)v.layer * tr()->n_head + v.head) * T + fq) * D;
    CHECK(qpre == qpre_trace, "q is the trace's q_pre_rope");
    CHECK(strip_cells_match(app->vv.layout.q, qpre, D, maxabs2(qpre, kpre, D)) == D &&
          strip_cells_match(app->vv.layout.k, kpre, D, maxabs2(qpre, kpre, D)) == D,
          "q and k strips show the pre-RoPE vectors");
    CHECK(memcmp(qpre, qpost, (size_t)D * sizeof *qpre) != 0, "RoPE rotated q at position %d", fq);
    CHECK_CLOSE(norm(qpre, D), norm(qpost, D), 1e-5, "RoPE is a rotation: |q| kept");
    {
        /* at position 0 the rotation is the identity */
        const float *q0pre = tr()->q_pre_rope + ((size_t)v.layer * tr()->n_head + v.head) * T * D;
        const float *q0 = trace_q(tr(), v.layer, v.head);
        float dmax = 0;
        for (int i = 0; i < D; i++) dmax = fmaxf(dmax, fabsf(q0[i] - q0pre[i]));
        CHECK(dmax < 1e-6f, "position 0: pre- and post-RoPE q equal (max diff %g)", dmax);
    }
    SDL_Rect b = app->vv.rope_button;
    click(b.x + b.w / 2, b.y + b.h / 2);
    CHECK(app->pre_rope, "clicking the chosen \"before RoPE\" keeps it (a choice, not a switch)");
    b = app->vv.rope_after;
    CHECK(b.w > 0 && b.x + b.w <= app->vv.rope_button.x,
          "an \"after RoPE\" choice sits beside it, so the off state is named");
    click(b.x + b.w / 2, b.y + b.h / 2);
    CHECK(!app->pre_rope, "clicking \"after RoPE\" turns it off again");
    key(SDLK_F1);
    app_frame(app, true);
    CHECK(app->help, "help overlay with the R line drawn");
    key(SDLK_F1);

    app_destroy(app);
    SDL_Quit();
    return check_summary();
}
