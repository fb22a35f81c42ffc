/* app_create.c — the App's life: create (renderer, fonts, the model, the
 * first run), destroy, and a frame saved as PNG. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/png.h"
#include "engine/atomicfile.h"

/* The starter text: a sentence, then the same sentence again, so an
 * induction head (second copy -> the token after the first) shows at once. */
static const char app_default_text[] =
    "Mr. Darcy walked into the room and smiled at Elizabeth. "
    "Mr. Darcy walked into the room and smiled at Elizabeth.";

/* Whether r is an OpenGL renderer rasterizing on the CPU. The user's
 * SDL_RENDER_DRIVER choice is kept as it is. */
static bool app__cpu_gl(SDL_Renderer *r) {
    SDL_RendererInfo ri;
    const char *forced = getenv("SDL_RENDER_DRIVER");
    if ((forced && *forced) || SDL_GetRendererInfo(r, &ri) != 0 || strncmp(ri.name, "opengl", 6))
        return false;
    typedef const unsigned char *(*GetString)(unsigned int);
    GetString get = (GetString)SDL_GL_GetProcAddress("glGetString");
    const char *name = get ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
    return name && (strstr(name, "llvmpipe") || strstr(name, "softpipe") ||
                    strstr(name, "Software Rasterizer"));
}

App *app_create(const AppArgs *args, SDL_Window *win, int w, int h, EngineError *err) {
    App *app = calloc(1, sizeof *app);
    if (!app) {
        engine_fail(err, "app: out of memory");
        return NULL;
    }
    app->win = win;
    if (win) {
        app->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED);
        if (app->ren && app__cpu_gl(app->ren)) {
            /* GL on a CPU rasterizer (llvmpipe: VMs, Xvfb, no GPU driver) costs
               more than SDL's own software renderer for these 2D frames: 23 vs
               14 CPU-ms per keystroke at 1920x1080 (tools/bench/app_bench.sh) */
            SDL_DestroyRenderer(app->ren);
            SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
            app->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
        }
        if (!app->ren) app->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    } else {
        app->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (app->surface) app->ren = SDL_CreateSoftwareRenderer(app->surface);
        app->out_w = w;
        app->out_h = h;
    }
    if (!app->ren) {
        engine_fail(err, "renderer: %s; HINT: check the display (or SDL_VIDEODRIVER)",
                    SDL_GetError());
        if (app->surface) SDL_FreeSurface(app->surface);
        free(app);
        return NULL;
    }
    if (draw_init(&app->d, app->ren, err)) {
        SDL_DestroyRenderer(app->ren);
        if (app->surface) SDL_FreeSurface(app->surface);
        free(app);
        return NULL;
    }
    app->hidpi = 1.0f;
    app->ev_result = SDL_RegisterEvents(1);
    if (app->ev_result == (uint32_t)-1) app->ev_result = 0;
    app->hover_q = app->hover_k = app->pin_q = app->pin_k = -1;
    app->hv.cam.zoom = 1.0f;
    app->gv.hover_layer = app->gv.hover_head = -1;
    app->role = app->role_last = -1;
    app->ro = args->run;
    app->mask_given = args->mask_mode_given;
    if (app->ro.top_k < 10) app->ro.top_k = 10; /* as many as the panel has room for */
    if (!(app->ro.temperature > 0)) app->ro.temperature = 1.0f;
    if (app->ro.window < 1) app->ro.window = 4;
    app->temp_slider = log10f(app->ro.temperature);
    textedit_init(&app->edit, args->text ? args->text : app_default_text);
    app->editing = true; /* type at once; Esc leaves the box */
    if (args->export_dir) snprintf(app->export_dir, sizeof app->export_dir, "%s", args->export_dir);
    if (win) SDL_StartTextInput();
    snprintf(app->model_path, sizeof app->model_path, "%s",
             args->model_path ? args->model_path : MODEL_DEFAULT_PATH);
    if (textedit_init(&app->prompt_edit, "")) {
        engine_fail(err, "app: out of memory");
        app_destroy(app);
        return NULL;
    }
    app_open_model(app, app->model_path);
    app__update_scale(app);
    app->dirty = true;
    app_rerun(app);
    return app;
}

void app_destroy(App *app) {
    if (!app) return;
    worker_destroy(app->worker);
    if (app->mt) { /* the base model belongs to the Marian model */
        app_mt_free(app->mt);
        app->mt = NULL;
        app->model = NULL;
    }
    work_result_free(app->res);
    model_free(app->model);
    textedit_free(&app->edit);
    textedit_free(&app->prompt_edit);
    free(app->posted_text);
    textlines_free(&app->tv.lines);
    draw_free(&app->d);
    SDL_DestroyRenderer(app->ren);
    if (app->surface) SDL_FreeSurface(app->surface);
    free(app);
}

int app_save_frame(App *app, const char *path, EngineError *err) {
    app_frame(app, true);
    int w = app->out_w, h = app->out_h;
    uint32_t *px = malloc((size_t)w * h * 4);
    if (!px) return engine_fail(err, "%s: out of memory", path);
    if (SDL_RenderReadPixels(app->ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, w * 4) != 0) {
        free(px);
        return engine_fail(err, "%s: cannot read the frame: %s", path, SDL_GetError());
    }
    PngText texts[] = {{"Software", "attnscope"}, {"Description", app->edit.buf}};
    /* atomicfile.h: a finished PNG or nothing; a device is written into,
       never renamed over */
    AtomicFile af;
    if (atomicfile_open(&af, path, err)) {
        free(px);
        return -1;
    }
    int rc = png_write_argb(af.tmp, px, w, h, w, texts, 2, err); /* checks fclose */
    free(px);
    if (rc) {
        atomicfile_abort(&af);
        return rc;
    }
    return atomicfile_commit(&af, err);
}
