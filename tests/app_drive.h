/* app_drive.h — synthetic input for the headless app tests: a key press,
 * typed text and the mouse, delivered through app_handle_event as SDL would;
 * waiting for the worker; reading the last frame's pixels; the path of a
 * model in ../shared. */
#ifndef TESTS_APP_DRIVE_H
#define TESTS_APP_DRIVE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/appstate.h"

static inline void drive_key(App *a, SDL_Keycode sym, Uint16 mod) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    app_handle_event(a, &e);
}

static inline void drive_type(App *a, const char *s) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "%s", s);
    app_handle_event(a, &e);
}

/* SDL for a headless app: the dummy video driver, the software renderer.
 * Returns false (with SDL's error printed) when SDL cannot start. */
static inline bool drive_headless(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) == 0) return true;
    printf("SDL_Init: %s\n", SDL_GetError());
    return false;
}

/* A mouse event: SDL_MOUSEMOTION (button ignored) or a button down / up. */
static inline void drive_mouse(App *a, int type_, int x, int y, Uint8 button) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = (Uint32)type_;
    if (type_ == SDL_MOUSEMOTION) {
        e.motion.x = x;
        e.motion.y = y;
    } else {
        e.button.x = x;
        e.button.y = y;
        e.button.button = button;
    }
    app_handle_event(a, &e);
}

/* Moves to (x, y) and clicks button there. */
static inline void drive_click(App *a, int x, int y, Uint8 button) {
    drive_mouse(a, SDL_MOUSEMOTION, x, y, 0);
    drive_mouse(a, SDL_MOUSEBUTTONDOWN, x, y, button);
    drive_mouse(a, SDL_MOUSEBUTTONUP, x, y, button);
}

/* Lets the worker finish the newest run, shows it, draws a frame. */
static inline bool drive_settle(App *a) {
    bool ok = app_wait_result(a, 10000);
    app_frame(a, true);
    return ok;
}

/* Pixel (x, y) of a headless app's last frame, 0xRRGGBB. */
static inline uint32_t drive_px(const App *a, int x, int y) {
    const SDL_Surface *s = a->surface;
    const uint32_t *row = (const uint32_t *)((const uint8_t *)s->pixels + (size_t)y * s->pitch);
    return row[x] & 0xFFFFFF;
}

/* $ATTNSCOPE_SHARED (else ../shared) / rel into buf; whether it exists. */
static inline bool drive_shared_path(const char *rel, char *buf, size_t cap) {
    const char *shared = getenv("ATTNSCOPE_SHARED") ? getenv("ATTNSCOPE_SHARED") : "../shared";
    snprintf(buf, cap, "%s/%s", shared, rel);
    return access(buf, F_OK) == 0;
}

#endif
