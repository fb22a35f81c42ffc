/* frame_long.c — by-hand timing of the app's frames on a long text (issue 12
 * §4): a headless 1920x1080 app (software renderer) on MODEL with TOKENS
 * tokens of repeated English, then the median of
 *   cold   a frame after every heatmap was forgotten (draw_heat_invalidate):
 *          the grid thumbnails and the head map are rebuilt, as after a new
 *          trace, without running the model again;
 *   hover  a frame with the mouse on another cell of the head map;
 *   zoom   a frame after one wheel step over the head map (zooming in).
 * Not a test and not part of `make`: build and run by hand,
 *
 *   make -j2 build/libapp.a build/libengine.a
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc $(pkg-config --cflags sdl2 SDL2_ttf) \
 *      -I/usr/include/x86_64-linux-gnu/openblas-pthread tools/bench/frame_long.c \
 *      build/libapp.a build/libengine.a $(pkg-config --libs sdl2 SDL2_ttf libpng \
 *      fontconfig libcjson libpcre2-8) -lopenblas -lm -lpthread -o build/frame_long
 *   ./build/frame_long build/bench/gpt2-small-random 1024 [out.png]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/appstate.h"

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void mouse(App *a, int type_, int x, int y, int wheel) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = (Uint32)type_;
    if (type_ == SDL_MOUSEWHEEL) {
        e.wheel.y = wheel;
        a->ui.mx = x; /* the wheel zooms around the last motion's point */
        a->ui.my = y;
    } else {
        e.motion.x = x;
        e.motion.y = y;
    }
    app_handle_event(a, &e);
}

static double frame_ms(App *a) {
    double t0 = app_now_ms();
    app_frame(a, true);
    return app_now_ms() - t0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: frame_long MODEL_DIR TOKENS [SCREENSHOT.png]\n");
        return 2;
    }
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
        return 1;
    }
    int want = atoi(argv[2]);
    static const char para[] =
        " The old lighthouse keeper climbed the stairs every evening, counting the "
        "steps as his father had, and at the top he wiped the glass, lit the lamp and "
        "wrote the weather in the book: wind from the west, rain by morning, two ships.";
    size_t cap = (size_t)want * 8 + sizeof para;
    char *text = calloc(1, cap);
    while (strlen(text) + sizeof para < cap) strcat(text, para);
    AppArgs args = {.model_path = argv[1], .text = text, .fresh = true};
    EngineError err = {{0}};
    App *app = app_create(&args, NULL, 1920, 1080, &err);
    if (!app || !app->model) {
        fprintf(stderr, "frame_long: %s\n", app ? app->load_error : err.msg);
        return 1;
    }
    app_wait_result(app, 120000);
    app_frame(app, true);
    int T = app->res && app->res->tr ? app->res->tr->n_tokens : 0;
    const HeadLayout *hl = &app->hv.layout;
    printf("T=%d (cap %d), head map %dx%d px for %dx%d cells\n", T, app->max_tokens,
           hl->map.w, hl->map.h, hl->cols, hl->rows);
    enum { N = 9 };
    double cold[N], hover[N], zoom[N];
    for (int i = 0; i < N; i++) {
        draw_heat_invalidate(&app->d);
        cold[i] = frame_ms(app);
    }
    for (int i = 0; i < N; i++) {
        mouse(app, SDL_MOUSEMOTION, hl->map.x + 10 + 37 * i, hl->map.y + hl->map.h / 2 + 13 * i, 0);
        hover[i] = frame_ms(app);
    }
    if (argc > 3) { /* the screenshot: hovering, not zoomed */
        if (app_save_frame(app, argv[3], &err) != 0) fprintf(stderr, "frame_long: %s\n", err.msg);
    }
    for (int i = 0; i < N; i++) {
        mouse(app, SDL_MOUSEWHEEL, hl->map.x + hl->map.w / 3, hl->map.y + hl->map.h / 3, 1);
        zoom[i] = frame_ms(app);
    }
    qsort(cold, N, sizeof *cold, cmp);
    qsort(hover, N, sizeof *hover, cmp);
    qsort(zoom, N, sizeof *zoom, cmp);
    printf("frame_ms median (min-max): cold %.1f (%.1f-%.1f)  hover %.1f (%.1f-%.1f)  "
           "zoom %.1f (%.1f-%.1f)\n", cold[N / 2], cold[0], cold[N - 1], hover[N / 2], hover[0],
           hover[N - 1], zoom[N / 2], zoom[0], zoom[N - 1]);
    app_destroy(app);
    free(text);
    SDL_Quit();
    return 0;
}
