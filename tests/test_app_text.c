/* test_app_text.c — text as people write it, and text that never freezes
 * the app. Headless (SDL dummy driver, software renderer).
 *
 * 1. The line index (textlines.h): after every random edit of a text with
 *    words, newlines, long words, CJK and emoji, the incremental lines equal
 *    a wrap from scratch, and every line fits the width.
 * 2. The app after a 1 MB paste and after 100 KB without spaces: the time of
 *    one keystroke (event + frame, the UI thread's work) is printed as
 *    keystroke_ms_*; the check is a generous bound that only a layout of the
 *    whole text would break. The text cap cuts a bigger paste, with a
 *    message in the status line.
 * 3. Token chips: a newline shows as U+21B5, a token holding part of a
 *    character names the character on hover.
 * The app parts use the numpy oracle's random GPT-2 checkpoint
 * (build/oracle/gpt2_f32) and skip when it is absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/appstate.h"
#include "app/textlines.h"
#include "app/worker.h"
#include "app/png.h"
#include "app_drive.h"
#include "check.h"

static App *app;

static void key(SDL_Keycode sym, Uint16 mod) { drive_key(app, sym, mod); }
static void type(const char *s) { drive_type(app, s); }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Pastes s (through the clipboard and Ctrl+V), then times n keystrokes
 * (typing and backspace in turn), each an event and a drawn frame. Returns
 * the median; *worst the slowest. */
static double paste_and_time(const char *s, int n, double *worst) {
    key(SDLK_a, KMOD_LCTRL);
    SDL_SetClipboardText(s);
    key(SDLK_v, KMOD_LCTRL);
    app_frame(app, true);
    double t[64];
    for (int i = 0; i < n && i < 64; i++) {
        double t0 = app_now_ms();
        if (i % 2 == 0) type("s");
        else key(SDLK_BACKSPACE, 0);
        app_frame(app, true);
        t[i] = app_now_ms() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    *worst = t[n - 1];
    return t[n / 2];
}

static unsigned rng = 12345;
static unsigned rnd(unsigned n) {
    rng = rng * 1103515245u + 12345u;
    return (rng >> 8) % n;
}

/* Appends a random piece of text: words, spaces, newlines, a long word, CJK,
 * an emoji. */
static size_t random_piece(char *out) {
    static const char *pieces[] = {
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "a ", "lazy ", "dog. ",
        "\n", "\n\n", "  ", "Mr. Darcy ", "\xE4\xB8\xAD\xE6\x96\x87 ", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
        "\xF0\x9F\xA6\x80 ", "caf\xC3\xA9 ", "supercalifragilisticexpialidocious",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    };
    const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
    strcpy(out, p);
    return strlen(p);
}

static void test_lines(FontCache *fc) {
    char *text = calloc(1, 1 << 16);
    size_t len = 0;
    while (len < 3000) len += random_piece(text + len);
    TextLines inc = {0};
    bool same = true, fits = true;
    int rewrapped_max = 0, edits = 400, last_w = 0;
    for (int it = 0; it < edits; it++) {
        int w = it % 50 == 0 ? 120 + (int)rnd(3) * 150 : last_w; /* a new width now
                                                                   and then: a full wrap */
        /* an edit: insert a piece or delete a span, at a random character */
        size_t at = rnd((unsigned)len + 1);
        while (at > 0 && at < len && ((unsigned char)text[at] & 0xC0) == 0x80) at--;
        if (rnd(2) && len < 60000) {
            char piece[128];
            size_t n = random_piece(piece);
            memmove(text + at + n, text + at, len - at + 1);
            memcpy(text + at, piece, n);
            len += n;
        } else {
            size_t e = at + rnd(40);
            if (e > len) e = len;
            while (e < len && ((unsigned char)text[e] & 0xC0) == 0x80) e++;
            memmove(text + at, text + e, len - e + 1);
            len -= e - at;
        }
        textlines_update(&inc, fc, FONT_NORMAL, text, len, w);
        if (w == last_w && inc.rewrapped > rewrapped_max) rewrapped_max = inc.rewrapped;
        last_w = w;
        TextLines full = {0};
        textlines_update(&full, fc, FONT_NORMAL, text, len, w);
        if (full.n != inc.n || memcmp(full.starts, inc.starts, (size_t)full.n * sizeof *full.starts)) {
            if (same) printf("edit %d: incremental %d lines, from scratch %d\n", it, inc.n, full.n);
            same = false;
        }
        for (int i = 0; i < full.n && fits; i++) {
            size_t a = full.starts[i], e = textlines_stop(&full, i);
            while (e > a && text[e - 1] == ' ') e--; /* spaces hang */
            char line[4096];
            snprintf(line, sizeof line, "%.*s", (int)(e - a), text + a);
            bool one_char = e <= a + 4 && e == a + (size_t)strlen(line);
            if (font_width(fc, FONT_NORMAL, line) > w + 1 && !one_char) {
                printf("edit %d line %d (%d px > %d): \"%s\"\n", it, i,
                       font_width(fc, FONT_NORMAL, line), w, line);
                fits = false;
            }
        }
        textlines_free(&full);
    }
    CHECK(same, "after %d random edits the incremental lines equal a wrap from scratch", edits);
    CHECK(fits, "every wrapped line fits its width");
    CHECK(rewrapped_max > 0 && rewrapped_max < 40, "an edit re-wraps a few lines, not the text "
          "(at most %d lines of ~%d)", rewrapped_max, inc.n);
    /* typing at the end of 1 MB re-wraps a line or two */
    char *big = malloc(1000001);
    size_t bl = 0;
    while (bl < 1000000 - 200) bl += random_piece(big + bl);
    big[bl] = '\0';
    double t0 = app_now_ms();
    textlines_update(&inc, fc, FONT_NORMAL, big, bl, 900);
    double full_ms = app_now_ms() - t0;
    big[bl++] = 's';
    t0 = app_now_ms();
    textlines_update(&inc, fc, FONT_NORMAL, big, bl, 900);
    double key_ms = app_now_ms() - t0;
    printf("wrap_1mb_full_ms=%.2f wrap_1mb_keystroke_ms=%.3f lines=%d rewrapped=%d\n", full_ms,
           key_ms, inc.n, inc.rewrapped);
    CHECK(inc.rewrapped <= 3, "a keystroke at the end of 1 MB re-wraps %d lines", inc.rewrapped);
    textlines_free(&inc);
    free(big);
    free(text);
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        CHECK(0, "SDL_Init: %s", SDL_GetError());
        return check_summary();
    }
    {
        SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 64, 64, 32, SDL_PIXELFORMAT_ARGB8888);
        SDL_Renderer *r = SDL_CreateSoftwareRenderer(s);
        EngineError err = {{0}};
        FontCache *fc = font_create(r, &err);
        CHECK(fc != NULL, "font_create: %s", err.msg);
        if (fc) test_lines(fc);
        font_free(fc);
        SDL_DestroyRenderer(r);
        SDL_FreeSurface(s);
    }

    char model[1024];
    snprintf(model, sizeof model, "%s/oracle/gpt2_f32", build);
    if (!check_path_exists(model)) {
        SKIP("%s absent: run the numpy oracle first (make test does)", model);
        return check_summary();
    }
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = model;
    args.text = "ab";
    args.run = run_options_default();
    EngineError err = {{0}};
    app = app_create(&args, NULL, 1280, 800, &err);
    CHECK(app && app->model, "app_create: %s", app ? app->msg : err.msg);
    if (!app || !app->model) return check_summary();
    app_wait_result(app, 10000);
    app_frame(app, true);
    CHECK(app->editing, "the text box has focus at start");

    /* --- chips: a newline is U+21B5; a token cutting a character says which --- */
    {
        const char *txt = "one\ntwo caf\xC3\xA9 \xF0\x9F\xA6\x80\xE4\xB8\xAD";
        key(SDLK_a, KMOD_LCTRL);
        type(txt);
        CHECK(app_wait_result(app, 10000) && app->res && app->res->tr, "the model runs on \"%s\"", txt);
        app_frame(app, true);
        const WorkResult *r = app->res;
        int T = r && r->tr ? r->tr->n_tokens : 0, nl = -1, cut = -1, escaped = 0;
        for (int i = 0; i < T; i++) {
            const char *lab = r->labels + (size_t)i * WORKER_LABEL_CAP;
            const Token *t = &r->tokens.tokens[i];
            if (memchr(r->text + t->start, '\n', t->end - t->start)) nl = i;
            if (strstr(lab, "\\n")) escaped++;
            bool cuts = (((unsigned char)r->text[t->start] & 0xC0) == 0x80) ||
                        (((unsigned char)r->text[t->end] & 0xC0) == 0x80);
            if (cuts && cut < 0) cut = i;
        }
        CHECK(nl >= 0 && strstr(r->labels + (size_t)nl * WORKER_LABEL_CAP, "\xE2\x86\xB5") && !escaped,
              "the newline token's label shows \xE2\x86\xB5 (%s)", nl >= 0 ? r->labels + (size_t)nl * WORKER_LABEL_CAP : "none");
        CHECK(cut >= 0, "the byte-level tokenizer cuts a character of \"%s\" into tokens", txt);
        /* hover along the chip row until the tooltip names that token */
        Draw *d = &app->d;
        int fs = font_height(d->font, FONT_SMALL);
        int cy = app->tv.box.y + app->tv.box.h + draw_px(d, 6) + (fs + draw_px(d, 6)) / 2;
        char want[32], tip[512] = "";
        snprintf(want, sizeof want, "token %d:", cut);
        for (int x = app->tv.box.x + 2; cut >= 0 && x < app->tv.box.x + app->tv.box.w; x += 3) {
            SDL_Event e;
            memset(&e, 0, sizeof e);
            e.type = SDL_MOUSEMOTION;
            e.motion.x = x;
            e.motion.y = cy;
            app_handle_event(app, &e);
            app_frame(app, true);
            if (strncmp(app->ui.tip, want, strlen(want)) == 0) {
                snprintf(tip, sizeof tip, "%s", app->ui.tip);
                break;
            }
        }
        const Token *t = cut >= 0 ? &r->tokens.tokens[cut] : NULL;
        char part[64] = "";
        if (t) { /* the character the token's first cut byte belongs to */
            size_t p = ((unsigned char)r->text[t->start] & 0xC0) == 0x80 ? t->start : t->end - 1;
            size_t cs = p;
            while (((unsigned char)r->text[cs] & 0xC0) == 0x80) cs--;
            size_t n = (unsigned char)r->text[cs] >= 0xF0 ? 4 : (unsigned char)r->text[cs] >= 0xE0 ? 3 : 2;
            snprintf(part, sizeof part, "part of \"%.*s\" (byte", (int)n, r->text + cs);
        }
        CHECK(tip[0] && strstr(tip, part) && strstr(tip, " of "), "hovering token %d's chip names its character "
              "(want '%s'): %s", cut, part, tip[0] ? tip : "(no tooltip found)");
        printf("tooltip: %s\n", tip);

        /* an export's caption breaks the quoted text at its newlines */
        ExportOptions eo = export_options_default();
        eo.scale = 1;
        char p1[512], p2[512];
        snprintf(p1, sizeof p1, "%s/test-text-caption1.png", build);
        snprintf(p2, sizeof p2, "%s/test-text-caption3.png", build);
        int h1 = 0, h3 = 0, w;
        uint32_t *px = NULL;
        char geom[128];
        if (r && r->tr && export_png(app->model, "one two three", &r->tokens, r->tr, &r->ro, &eo, p1, &err) == 0 &&
            png_read_argb(p1, &px, &w, &h1, "Heatmap", geom, sizeof geom, &err) == 0) free(px);
        px = NULL;
        if (r && r->tr && export_png(app->model, "one\ntwo\nthree", &r->tokens, r->tr, &r->ro, &eo, p2, &err) == 0 &&
            png_read_argb(p2, &px, &w, &h3, "Heatmap", geom, sizeof geom, &err) == 0) free(px);
        CHECK(h1 > 0 && h3 == h1 + 2 * font_height(app->d.font, FONT_SMALL) / (int)(app->d.s + 0.5f),
              "a caption of 3 lines is 2 rows taller (%d vs %d px)", h3, h1);
    }

    /* --- a 1 MB paste: words and lines (and a short text to compare) --- */
    double worst, med = paste_and_time("It is a truth universally acknowledged.", 30, &worst);
    printf("keystroke_ms_short=%.2f worst=%.2f (event + frame, UI thread)\n", med, worst);
    char *mb = malloc(1000001);
    size_t n = 0;
    while (n < 1000000 - 200) n += random_piece(mb + n);
    mb[n] = '\0';
    med = paste_and_time(mb, 30, &worst);
    CHECK(app->edit.len == n, "the 1 MB paste is kept whole (%zu of %zu bytes)", app->edit.len, n);
    printf("keystroke_ms_1mb=%.2f worst=%.2f (event + frame, UI thread)\n", med, worst);
    CHECK(app_wait_result(app, 60000) && app->res && app->res->tr, "the model runs on the 1 MB text");
    if (app->res) /* the worker tokenizes the whole text, then keeps the last n_ctx tokens */
        printf("worker_run_ms_1mb=%.1f (tokenize + forward, worker thread)\n", app->res->run_ms);
    /* generous bounds (the target is 33 ms; a loaded 2-core machine measured
       2-24 ms, worst 134), which the whole-text layout broke: its first
       keystroke took 1.6 s after 1 MB, 2.6 s after 100 KB without spaces */
    CHECK(med < 100.0 && worst < 1000.0, "a keystroke after a 1 MB paste takes %.1f ms "
          "(worst %.1f)", med, worst);

    /* --- 100 KB without a space --- */
    char *ns = malloc(100001);
    for (int i = 0; i < 100000; i++) ns[i] = (char)('a' + i % 26);
    ns[100000] = '\0';
    med = paste_and_time(ns, 30, &worst);
    printf("keystroke_ms_100kb_nospace=%.2f worst=%.2f\n", med, worst);
    CHECK(med < 100.0 && worst < 1000.0, "a keystroke after 100 KB without spaces takes "
          "%.1f ms (worst %.1f)", med, worst);

    /* --- the cap --- */
    char *huge = malloc(TEXTEDIT_MAX_BYTES + 5001);
    for (size_t i = 0; i < TEXTEDIT_MAX_BYTES + 5000; i++) huge[i] = i % 7 == 6 ? ' ' : 'x';
    memcpy(huge + TEXTEDIT_MAX_BYTES - 1, "\xC3\xA9", 2); /* a character across the cap */
    huge[TEXTEDIT_MAX_BYTES + 5000] = '\0';
    key(SDLK_a, KMOD_LCTRL);
    SDL_SetClipboardText(huge);
    key(SDLK_v, KMOD_LCTRL);
    CHECK(app->edit.len == TEXTEDIT_MAX_BYTES - 1, "a paste past the cap is cut at a character "
          "boundary (%zu bytes, cap %zu)", app->edit.len, TEXTEDIT_MAX_BYTES);
    CHECK(app->msg_error && strstr(app->msg, "capped at 1024 KiB") && !strchr(app->msg, '\n'),
          "the status line says the text was cut: %s", app->msg);
    CHECK(!app->edit.clipped, "the app cleared the clipped flag");
    app_frame(app, true);
    free(huge);
    free(ns);
    free(mb);

    app_destroy(app);
    SDL_Quit();
    return check_summary();
}
