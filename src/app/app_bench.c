/* app_bench.c — the interactive benchmark (ATTNSCOPE_APP_BENCH=1): the
 * latency of a keystroke to its updated frame, a grid frame at 64 tokens and
 * the idle CPU of the real event loop. */
#include "app/appstate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double bench__cpu_ms(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
           (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

static int bench__cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}


/* keystroke -> updated frame, grid frame time at 64 tokens, idle CPU. */
int app_bench(App *app) {
    if (!app->worker) {
        fprintf(stderr, "attnscope: bench: %s\n", app->msg);
        return 1;
    }
    app_wait_result(app, 10000);
    app_frame(app, true);
    app->editing = true;
    textedit_end(&app->edit, false);
    double t[40], tw[40];
    int n = 0;
    double cpu0 = bench__cpu_ms();
    for (int i = 0; i < 40; i++) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        double t0 = app_now_ms();
        if (i % 2 == 0) {
            e.type = SDL_TEXTINPUT;
            snprintf(e.text.text, sizeof e.text.text, "%s", "s");
        } else {
            e.type = SDL_KEYDOWN;
            e.key.keysym.sym = SDLK_BACKSPACE;
        }
        /* keystroke -> worker's forward pass done -> frame drawn and presented */
        app_handle_event(app, &e);
        if (!app_wait_result(app, 10000)) {
            fprintf(stderr, "attnscope: bench: the forward pass did not finish in 10 s\n");
            return 1;
        }
        double t1 = app_now_ms();
        if (!app_frame(app, false)) app_frame(app, true);
        t[n] = app_now_ms() - t0;
        tw[n++] = t1 - t0;
    }
    qsort(t, (size_t)n, sizeof *t, bench__cmp_double);
    qsort(tw, (size_t)n, sizeof *tw, bench__cmp_double);
    double key_cpu = (bench__cpu_ms() - cpu0) / n; /* all threads: load-independent */
    double key_ms = t[n / 2], key_run_ms = tw[n / 2], key_p90 = t[n * 9 / 10];
    int key_T = app->res && app->res->tr ? app->res->tr->n_tokens : 0;

    /* 64 tokens: a new trace each time, so every thumbnail re-uploads */
    char text[4096] = "";
    bool bos = app->model->config.arch == ARCH_LLAMA; /* as the worker encodes */
    for (;;) {
        EngineError err;
        TokenList tl;
        if (tokenizer_encode(app->model->tokenizer, text, strlen(text), bos, &tl, &err)) break;
        size_t nt = tl.n;
        if (nt > 64) text[tl.tokens[64].start] = '\0'; /* exactly 64 tokens */
        token_list_free(&tl);
        if (nt >= 64 || strlen(text) > sizeof text - 64) break;
        strcat(text, nt % 7 == 3 ? " Mr. Darcy smiled." : " the room");
    }
    textedit_set(&app->edit, text);
    app_rerun(app);
    app_wait_result(app, 10000);
    int T = app->res && app->res->tr ? app->res->tr->n_tokens : 0;
    n = 0;
    for (int i = 0; i < 20; i++) {
        app->ro.temperature = i % 2 ? 1.0f : 1.0001f; /* a new trace, same look */
        app->ro.scale = SCALE_TEMP;
        app_rerun(app);
        app_wait_result(app, 10000);
        double t0 = app_now_ms();
        app_frame(app, true);
        SDL_Renderer *r = app->ren;
        uint32_t px;
        SDL_RenderReadPixels(r, &(SDL_Rect){0, 0, 1, 1}, SDL_PIXELFORMAT_ARGB8888, &px, 4);
        t[n++] = app_now_ms() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, bench__cmp_double);
    double grid_ms = t[n / 2];

    /* idle: the real loop's wait, 3 s without input, after 0.5 s for the
       window system's own events to settle */
    double s0 = app_now_ms();
    while (app_now_ms() - s0 < 500.0) {
        SDL_Event ev;
        while (SDL_PollEvent(&ev)) app_handle_event(app, &ev);
        app_frame(app, false);
        SDL_Delay(10);
    }
    double c0 = bench__cpu_ms(), w0 = app_now_ms();
    while (app_now_ms() - w0 < 3000.0) {
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 3000 - (int)(app_now_ms() - w0)))
            app_handle_event(app, &e);
        app_frame(app, false);
    }
    double idle = 100.0 * (bench__cpu_ms() - c0) / (app_now_ms() - w0);
    SDL_RendererInfo ri;
    SDL_GetRendererInfo(app->ren, &ri);
    printf("model=%s renderer=%s size=%dx%d keystroke: %d tokens, forward done after "
           "%.2f ms, p90 %.2f ms, %.2f CPU-ms (all threads); grid: %d tokens\n",
           app->model->name, ri.name, app->out_w, app->out_h, key_T, key_run_ms, key_p90,
           key_cpu, T);
    printf("keystroke_ms=%.2f grid_frame_ms=%.2f idle_cpu_pct=%.2f\n", key_ms, grid_ms, idle);
    return 0;
}

