/* test_app_bert.c — the app's encoder mode (issue 11 §4) on the numpy
 * oracle's random BertForMaskedLM ($BUILD/oracle/bert_mlm, from
 * tests/oracle/bert_oracle.py; 2 layers x 4 heads, 30-word vocabulary,
 * 16 positions), headless (SDL dummy driver, software renderer):
 *   - a BERT folder opens bidirectional: mask none, a full square map (the
 *     upper triangle is drawn as weights, not the masked grey), [CLS] and
 *     [SEP] as chips;
 *   - "mask this word" (Ctrl+M, Shift+M, right-click a chip, click a query
 *     label) runs the token as [MASK] while the typed text stays, and the
 *     predictions panel shows the MLM head's fill-ins there, equal to a
 *     forward pass of its own on the masked ids; the mask moves with edits;
 *     a masked word's chip looks unlike a key hidden from attention;
 *   - "A ||| B" is a pair: token types, the segment colours on chips and
 *     axes, and the head view's pair filter (Ctrl+G, G, its buttons): every
 *     cell outside A->A, A->B, B->A or B->B is drawn in the filtered colour;
 *   - F1 names both kinds of masking and the filter. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/appstate.h"
#include "app/png.h"
#include <unistd.h>
#include "app_drive.h"
#include "check.h"

static App *app;

static void mouse_btn(int type_, int x, int y, int button) { drive_mouse(app, type_, x, y, (Uint8)button); }

static void click_btn(int x, int y, int button) { drive_click(app, x, y, (Uint8)button); }

static bool settle(void) { return drive_settle(app); }

static const Trace *tr(void) { return app->res ? app->res->tr : NULL; }

static uint32_t frame_px(int x, int y) { return drive_px(app, x, y); }

static uint32_t col24(SDL_Color c) { return ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b; }

/* The centre pixel of head-view cell (q, k), 0xRRGGBB. */
static uint32_t cell_px(int q, int k) {
    HeadLayout *hl = &app->hv.layout;
    return frame_px(hl->map.x + (int)(((float)k + 0.5f) * hl->cell),
                    hl->map.y + (int)(((float)q + 0.5f) * hl->cell));
}

/* Where chip i is: hovers along the chip rows until the tooltip names token
 * i. Returns its left edge and top (the row's y), or -1. */
static int chip_find(int i, int *y_out) {
    Draw *d = &app->d;
    int fs = font_height(d->font, FONT_SMALL), ch = fs + draw_px(d, 6);
    int y0 = app->tv.box.y + app->tv.box.h + draw_px(d, 6);
    char want[32];
    snprintf(want, sizeof want, "token %d: ", i);
    for (int row = 0; row < 3; row++) {
        int y = y0 + row * (ch + draw_px(d, 4)) + ch / 2;
        int prev_in = 0;
        for (int x = app->tv.box.x; x < app->out_w - 8; x += 1) {
            mouse_btn(SDL_MOUSEMOTION, x, y, 0);
            app_frame(app, true);
            int in = strncmp(app->ui.tip, want, strlen(want)) == 0;
            if (in && !prev_in) {
                *y_out = y0 + row * (ch + draw_px(d, 4));
                return x;
            }
            prev_in = in;
            if (x % 2 == 0) x += 2; /* coarse steps, exact edge: step 3, then 1 */
        }
    }
    return -1;
}

static int vocab_id(const Tokenizer *tok, const char *word) {
    for (int id = 0; id < tokenizer_vocab_size(tok); id++) {
        char b[64];
        tokenizer_decode_token(tok, id, b, sizeof b);
        if (!strcmp(b, word)) return id;
    }
    return -1;
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char model[1024];
    snprintf(model, sizeof model, "%s/oracle/bert_mlm/config.json", build);
    if (!check_path_exists(model)) {
        SKIP("%s absent: run tests/oracle/bert_oracle.py %s/oracle (make test does)", model, build);
        return check_summary();
    }
    snprintf(model, sizeof model, "%s/oracle/bert_mlm", build);
    if (!drive_headless()) {
        CHECK(0, "SDL starts headless");
        return check_summary();
    }
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    const char *text = "the cat sat on the mat .";
    args.text = text;
    args.run = run_options_default(); /* causal, as the CLI gives before it knows the model */
    EngineError err = {{0}};
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app && app->model, "app_create: %s", app ? app->msg : err.msg);
    if (!app || !app->model) return check_summary();
    CHECK(settle(), "first run finishes");
    const Model *m = app->model;
    const Tokenizer *tok = m->tokenizer;
    int mask_id = tokenizer_mask_id(tok), cat = vocab_id(tok, "cat");
    CHECK(m->config.encoder && mask_id >= 0 && cat >= 0, "an MLM encoder with [MASK] (%d), cat (%d)",
          mask_id, cat);

    /* --- bidirectional, full square maps, [CLS] and [SEP] --- */
    CHECK(app->ro.mask == MASK_NONE, "an encoder opens with mask none (%d)", app->ro.mask);
    int T = tr() ? tr()->n_tokens : 0;
    CHECK(T == 9, "[CLS] the cat sat on the mat . [SEP]: 9 tokens (%d)", T);
    if (T != 9) return check_summary();
    CHECK(!strcmp(work_result_label(app->res, 0), "[CLS]") &&
          !strcmp(work_result_label(app->res, T - 1), "[SEP]"), "labels [CLS] ... [SEP]: %s %s",
          work_result_label(app->res, 0), work_result_label(app->res, T - 1));
    {
        int upper = 0, grey = 0;
        for (int h = 0; h < m->config.n_head; h++) {
            const float *att = trace_att(tr(), app->layer, h);
            for (int q = 0; q < T; q++)
                for (int k = q + 1; k < T; k++) upper += att[q * T + k] > 0.0f;
        }
        CHECK(upper == m->config.n_head * T * (T - 1) / 2, "every upper-triangle weight > 0 (%d)", upper);
        for (int q = 0; q < T; q++)
            for (int k = q + 1; k < T; k++) grey += cell_px(q, k) == (app->d.masked & 0xFFFFFF);
        CHECK(grey == 0, "no upper-triangle cell is drawn masked (%d)", grey);
    }
    int y0, y1;
    CHECK(chip_find(0, &y0) >= 0 && strstr(app->ui.tip, "\"[CLS]\""), "a [CLS] chip: %s", app->ui.tip);
    CHECK(chip_find(T - 1, &y1) >= 0 && strstr(app->ui.tip, "\"[SEP]\""), "a [SEP] chip: %s", app->ui.tip);

    /* --- mask this word: Ctrl+M on the focused query --- */
    app->pin_q = 2;
    app->pin_k = 2;
    app->editing = true; /* Ctrl+M works while typing */
    drive_key(app, SDLK_m, KMOD_LCTRL);
    CHECK(settle(), "the masked run finishes");
    CHECK(tr()->ids[2] == mask_id && app->res->tokens.tokens[2].id == cat,
          "Ctrl+M: the model sees [MASK] at 2 (id %d), the token keeps cat (%d)", tr()->ids[2],
          app->res->tokens.tokens[2].id);
    CHECK(!strcmp(app->edit.buf, text), "the typed text is unchanged: %s", app->edit.buf);
    CHECK(!strcmp(work_result_label(app->res, 2), "[MASK]"), "its label is [MASK] (%s)",
          work_result_label(app->res, 2));
    app->pin_q = app->pin_k = -1;
    app_frame(app, true);
    {
        ViewData v = app_view_data(app);
        CHECK(view_pred_position(&v) == 2, "no focus: the predictions show the masked word (%d)",
              view_pred_position(&v));
        /* the fill-ins are the MLM head's on the masked input */
        int ids[16], types[16] = {0};
        for (int i = 0; i < T; i++) ids[i] = tr()->ids[i];
        CHECK(ids[2] == mask_id, "run ids");
        Trace *own = trace_create(m, T);
        CHECK(own && forward_run_typed(m, ids, types, T, &app->res->ro, own, &err) == 0, "own run: %s", err.msg);
        int same = 0;
        for (int j = 0; own && j < tr()->top_k && j < own->top_k; j++)
            same += own->top_ids[2 * own->top_k + j] == tr()->top_ids[2 * tr()->top_k + j];
        CHECK(own && same == (own->top_k < tr()->top_k ? own->top_k : tr()->top_k),
              "the panel's fill-ins at 2 are a [MASK] forward pass's (%d same)", same);
        trace_free(own);
    }
    /* a masked word's chip is filled in the mask colour; a hidden key's is not */
    int cx2, cy2, cx3, cy3;
    cx2 = chip_find(2, &cy2);
    mouse_btn(SDL_MOUSEMOTION, app->out_w - 1, app->out_h - 1, 0);
    app_frame(app, true);
    CHECK(cx2 >= 0 && frame_px(cx2 + 2, cy2 + 2) == col24(view_segment_mask_color(&app->d)),
          "the [MASK] chip is filled in the mask colour (0x%06x)", cx2 >= 0 ? frame_px(cx2 + 2, cy2 + 2) : 0);
    run_options_set_key_masked(&app->ro, 4, true);
    app_rerun(app);
    settle();
    cx3 = chip_find(4, &cy3);
    mouse_btn(SDL_MOUSEMOTION, app->out_w - 1, app->out_h - 1, 0);
    app_frame(app, true);
    CHECK(cx3 >= 0 && frame_px(cx3 + 2, cy3 + 2) == col24(app->d.th.control) &&
          frame_px(cx3, cy3 + 2) == col24(app->d.th.warn),
          "a key hidden from attention keeps the plain fill, a warn outline (0x%06x 0x%06x)",
          cx3 >= 0 ? frame_px(cx3 + 2, cy3 + 2) : 0, cx3 >= 0 ? frame_px(cx3, cy3 + 2) : 0);
    CHECK(tr()->ids[4] != mask_id, "hiding a key does not change the input");
    run_options_set_key_masked(&app->ro, 4, false);

    /* Ctrl+M again on the same word: as typed */
    app->pin_q = app->pin_k = 2;
    drive_key(app, SDLK_m, KMOD_LCTRL);
    settle();
    CHECK(tr()->ids[2] == cat && app->wm.n == 0, "Ctrl+M again: cat runs as typed (%d)", tr()->ids[2]);
    app->pin_q = app->pin_k = -1;

    /* right-click a chip; Shift+M outside the text box */
    app_frame(app, true);
    int cx = chip_find(3, &cy3);
    if (cx >= 0) click_btn(cx + 3, cy3 + 3, SDL_BUTTON_RIGHT);
    settle();
    CHECK(cx >= 0 && tr()->ids[3] == mask_id, "right-click on chip 3 (\"sat\") masks it (%d)",
          tr()->ids[3]);
    /* an edit before it moves the mask with the word */
    app->editing = true;
    textedit_set_cursor(&app->edit, 5, false);
    drive_key(app, SDLK_HOME, 0); /* a plain key: the text event after it is text */
    drive_type(app, "a ");
    settle();
    CHECK(!strcmp(app->edit.buf, "a the cat sat on the mat .") && tr()->ids[4] == mask_id &&
          tr()->ids[3] == cat, "typing before it: \"sat\" (now 4) is still [MASK] (%d %d)",
          tr()->ids[3], tr()->ids[4]);
    drive_key(app, SDLK_ESCAPE, 0);
    app->pin_q = app->pin_k = 1;
    drive_key(app, SDLK_m, KMOD_LSHIFT);
    settle();
    CHECK(!app->editing && tr()->ids[1] == mask_id, "Shift+M outside the box masks the focus (%d)",
          tr()->ids[1]);
    app->pin_q = app->pin_k = 0;
    drive_key(app, SDLK_m, KMOD_LSHIFT);
    CHECK(strstr(app->msg, "cannot be masked") != NULL, "[CLS] cannot be masked: %s", app->msg);
    drive_key(app, SDLK_x, 0); /* reset: every word as typed */
    settle();
    CHECK(app->wm.n == 0 && tr()->ids[1] != mask_id && tr()->ids[4] != mask_id, "X: every word as typed");
    app->pin_q = app->pin_k = -1;

    /* --- sentence pairs: types, colours, the four filters --- */
    CHECK(app_apply_spec(app, "text=the cat sat . ||| the dog ran .", &err) == 0, "spec: %s", err.msg);
    settle();
    T = tr()->n_tokens;
    CHECK(T == 11, "[CLS] the cat sat . [SEP] the dog ran . [SEP]: 11 tokens (%d)", T);
    if (T != 11) return check_summary();
    int seg[11];
    for (int i = 0; i < T; i++) seg[i] = i >= 6;
    int types_ok = 0;
    for (int i = 0; i < T; i++) types_ok += tr()->types[i] == seg[i];
    CHECK(types_ok == T, "token types 0 for [CLS] A [SEP], 1 for B [SEP] (%d/11)", types_ok);
    {
        HeadLayout *hl = &app->hv.layout;
        int sx = hl->map.x - draw_px(&app->d, 1) - 2, ok = 0;
        for (int i = 0; i < T; i++) {
            int y = hl->map.y + (int)(((float)i + 0.5f) * hl->cell);
            ok += frame_px(sx, y) == col24(view_segment_color(&app->d, seg[i]));
        }
        CHECK(ok == T, "the query axis is striped in the segments' colours (%d/%d)", ok, T);
        int sy = hl->map.y + hl->map.h + draw_px(&app->d, 1) + 1;
        ok = 0;
        for (int i = 0; i < T; i++) {
            int x = hl->map.x + (int)(((float)i + 0.5f) * hl->cell);
            ok += frame_px(x, sy) == col24(view_segment_color(&app->d, seg[i]));
        }
        CHECK(ok == T, "the key axis too (%d/%d)", ok, T);
        int a_y, b_y, ax = chip_find(1, &a_y), bx = chip_find(7, &b_y);
        int ch = font_height(app->d.font, FONT_SMALL) + draw_px(&app->d, 6);
        mouse_btn(SDL_MOUSEMOTION, app->out_w - 1, app->out_h - 1, 0);
        app_frame(app, true);
        CHECK(ax >= 0 && bx >= 0 &&
              frame_px(ax + 3, a_y + ch - 2) == col24(view_segment_color(&app->d, 0)) &&
              frame_px(bx + 3, b_y + ch - 2) == col24(view_segment_color(&app->d, 1)),
              "chip 1 has segment A's stripe, chip 7 segment B's");
    }
    CHECK(app->sv.r[SEG_AB].w > 0, "the pair filter's buttons are shown");
    uint32_t filtered = view_segment_filtered_argb(&app->d) & 0xFFFFFF;
    /* queries and keys: 1, 2 in A; 7, 8 in B */
    static const char *names[SEG_FILTER_COUNT] = {"all", "A->A", "A->B", "B->A", "B->B"};
    for (int f = 1; f <= SEG_FILTER_COUNT; f++) {
        int want = f % SEG_FILTER_COUNT;
        drive_key(app, SDLK_b, f % 2 ? KMOD_LCTRL : 0); /* Ctrl+B and B */
        app_frame(app, true);
        CHECK(app->seg_filter == want, "%s G: filter %s (%d)", f % 2 ? "Ctrl+" : "", names[want],
              app->seg_filter);
        int right = 0, n = 0;
        for (int q = 0; q < T; q++)
            for (int k = 0; k < T; k++) {
                bool shown = want == SEG_ALL ||
                             (seg[q] == (want == SEG_BA || want == SEG_BB) &&
                              seg[k] == (want == SEG_AB || want == SEG_BB));
                right += (cell_px(q, k) == filtered) == !shown;
                n++;
            }
        CHECK(right == n, "%s: exactly the cells outside it are drawn filtered (%d/%d)", names[want],
              right, n);
    }
    {
        SDL_Rect b = app->sv.r[SEG_BA];
        click_btn(b.x + b.w / 2, b.y + b.h / 2, SDL_BUTTON_LEFT);
        app_frame(app, true);
        CHECK(app->seg_filter == SEG_BA, "clicking B->A selects it (%d)", app->seg_filter);
        CHECK(cell_px(8, 1) != filtered && cell_px(1, 8) == filtered, "B->A shows (8,1), not (1,8)");
    }

    /* --- Ctrl+E exports the filtered head view as on screen --- */
    {
        char dir[] = "/tmp/attnscope-bert-XXXXXX", path[1400];
        CHECK(mkdtemp(dir) != NULL, "temp dir");
        snprintf(app->export_dir, sizeof app->export_dir, "%s", dir);
        CHECK(app_export(app, false, NULL, path, sizeof path) == 0 && strstr(path, "-BA"),
              "exported %s (the filter in its name)", path);
        uint32_t *px = NULL;
        int w = 0, h = 0;
        CHECK(png_read_argb(path, &px, &w, &h, NULL, NULL, 0, &err) == 0, "read back: %s", err.msg);
        /* the filtered colour covers the picture's A->A, A->B and B->B blocks:
           more than a third of T x T cells at 2x */
        size_t nf = 0;
        for (size_t i = 0; px && i < (size_t)w * h; i++) nf += (px[i] & 0xFFFFFF) == filtered;
        CHECK(px && nf > (size_t)w * h / 20, "the export draws filtered cells (%zu px of %d)", nf, w * h);
        free(px);
        unlink(path);
        rmdir(dir);
    }

    /* --- a session keeps the masked words (byte spans) and the filter --- */
    {
        app->pin_q = app->pin_k = 8; /* "dog" */
        drive_key(app, SDLK_m, KMOD_LCTRL);
        settle();
        CHECK(tr()->ids[8] == mask_id, "dog masked for the session");
        Session se, back;
        CHECK(session_init(&se) == 0 && appsession_capture(app, &se) == 0, "capture");
        char *json = session_to_json(&se);
        SessionReport rep;
        session_init(&back);
        CHECK(json && session_from_json(&back, json, strlen(json), "mem", &rep, &err) == 0 &&
              rep.n == 0, "the session parses back (%d problems)", rep.n);
        CHECK(json && strstr(json, "\"masked_words\"") && back.wm.n == 1 &&
              back.wm.span[0].start == app->wm.span[0].start &&
              back.wm.span[0].end == app->wm.span[0].end && back.seg_filter == SEG_BA,
              "masked_words [%zu, %zu] and pair_filter %d round-trip", back.wm.n ? back.wm.span[0].start : 0,
              back.wm.n ? back.wm.span[0].end : 0, back.seg_filter);
        app->wm.n = 0;
        app->seg_filter = 0;
        appsession_apply(app, &back, false, false);
        app_rerun(app);
        settle();
        CHECK(tr()->ids[8] == mask_id && app->seg_filter == SEG_BA && !strcmp(app->edit.buf,
              "the cat sat . ||| the dog ran ."), "applied: dog is [MASK] again, B->A, text as typed");
        free(json);
        session_free(&se);
        session_free(&back);
    }

    /* --- F1 names both maskings and the filter --- */
    {
        KeyRow rows[64];
        int n = keymap_rows(rows, 64), word = 0, key = 0, pairs = 0;
        for (int i = 0; i < n; i++) {
            word |= strstr(rows[i].what, "[MASK]") && strstr(rows[i].keys, "Ctrl+M");
            key |= strstr(rows[i].what, "attention mask") && strstr(rows[i].keys, "Ctrl+K");
            pairs |= strstr(rows[i].what, "pair filter") && strstr(rows[i].keys, "Ctrl+B");
        }
        CHECK(word && key && pairs, "help rows: [MASK] word (Ctrl+M), attention mask (Ctrl+K), "
              "pair filter (Ctrl+B): %d %d %d", word, key, pairs);
    }
    /* --- another model: a decoder goes back to causal, no [MASK] --- */
    {
        char gpt2[1024];
        snprintf(gpt2, sizeof gpt2, "%s/oracle/gpt2_f32", build);
        if (check_path_exists(gpt2)) {
            CHECK(app_open_model(app, gpt2) == 0, "open %s", gpt2);
            CHECK(app->ro.mask == MASK_CAUSAL, "a decoder after an encoder: causal (%d)", app->ro.mask);
            app->pin_q = app->pin_k = 0;
            drive_key(app, SDLK_m, KMOD_LCTRL);
            CHECK(strstr(app->msg, "needs an encoder") != NULL, "Ctrl+M on GPT-2 says why not: %s", app->msg);
            CHECK(app_open_model(app, model) == 0 && app->ro.mask == MASK_NONE,
                  "and BERT again: none (%d)", app->ro.mask);
        }
        /* the command line's --mask mode wins; keys: alone goes on top of none */
        args.mask_mode_given = true;
        args.run.mask = MASK_WINDOW;
        App *b = app_create(&args, NULL, 640, 480, &err);
        CHECK(b && b->ro.mask == MASK_WINDOW, "--mask window on a BERT is kept (%d)", b ? (int)b->ro.mask : -1);
        app_destroy(b);
    }
    app_destroy(app);
    SDL_Quit();
    return check_summary();
}
