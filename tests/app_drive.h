/* app_drive.h — synthetic input for the headless app tests: a key press,
 * typed text and a click, delivered through app_handle_event as SDL would;
 * SDL set up for a headless app; the path of a model in ../shared. */
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

/* A left click at (x, y): the motion, the press and the release. */
static inline void drive_click(App *a, int x, int y) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = x;
    e.motion.y = y;
    app_handle_event(a, &e);
    memset(&e, 0, sizeof e);
    e.button.x = x;
    e.button.y = y;
    e.button.button = SDL_BUTTON_LEFT;
    e.type = SDL_MOUSEBUTTONDOWN;
    app_handle_event(a, &e);
    e.type = SDL_MOUSEBUTTONUP;
    app_handle_event(a, &e);
}

/* SDL for headless apps (the dummy video driver, the software renderer).
 * Returns 0, or -1 after printing why. */
static inline int drive_sdl_init(void) {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) == 0) return 0;
    printf("SDL_Init: %s\n", SDL_GetError());
    return -1;
}

/* $ATTNSCOPE_SHARED (else ../shared) / rel into buf; whether it exists. */
static inline bool drive_shared_path(const char *rel, char *buf, size_t cap) {
    const char *shared = getenv("ATTNSCOPE_SHARED") ? getenv("ATTNSCOPE_SHARED") : "../shared";
    snprintf(buf, cap, "%s/%s", shared, rel);
    return access(buf, F_OK) == 0;
}

#endif
