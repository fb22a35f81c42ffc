/* app_drive.h — synthetic input for the headless app tests: a key press and
 * typed text, delivered through app_handle_event as SDL would. */
#ifndef TESTS_APP_DRIVE_H
#define TESTS_APP_DRIVE_H

#include <stdio.h>
#include <string.h>

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

#endif
