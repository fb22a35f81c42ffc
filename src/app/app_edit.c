/* app_edit.c — the text box: typed and pasted text, the editing keys, the
 * clipboard; a changed text re-runs the model. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include <stdlib.h>
#include <string.h>

/* The user changed the text: a text that shares no prefix with the last one
 * (a new text, not an edit of it) starts with a fresh view: zoom and pin
 * reset. Then re-runs. */
static void app__text_changed(App *app) {
    const char *old = app->posted_text ? app->posted_text : "";
    if (old[0] != app->edit.buf[0]) {
        app->hv.cam.zoom = 1.0f;
        app->hv.cam.off_q = app->hv.cam.off_k = 0;
        app->hv.cam.pan_active = false;
        app->pin_q = app->pin_k = -1;
        app->hover_q = app->hover_k = -1;
    }
    wordmask_edit(&app->wm, old, app->edit.buf); /* masked words move with the edit */
    app_rerun(app);
}

static void app__copy(App *app, bool cut) {
    char *s = textedit_copy(&app->edit);
    if (s) {
        SDL_SetClipboardText(s);
        free(s);
    }
    if (cut && textedit_has_selection(&app->edit) && textedit_backspace(&app->edit, false))
        app__text_changed(app);
}

/* Typed or pasted text into the box; says so when the text cap cut it. */
void app__insert(App *app, const char *s) {
    if (textedit_insert(&app->edit, s, strlen(s))) app__text_changed(app);
    if (app->edit.clipped) {
        app->edit.clipped = false;
        app__say(app, true, "the text is capped at %zu KiB: the rest was not inserted; "
                 "HINT: the model sees only its last tokens, paste less",
                 TEXTEDIT_MAX_BYTES >> 10);
    }
}

static void app__paste(App *app) {
    if (!SDL_HasClipboardText()) return;
    char *s = SDL_GetClipboardText();
    if (!s) return;
    app__insert(app, s);
    SDL_free(s);
}

/* A key while the text box has focus that no binding took: editing. */
void app__key_editing(App *app, const SDL_Keysym *k) {
    bool shift = (k->mod & KMOD_SHIFT) != 0, ctrl = (k->mod & KMOD_CTRL) != 0;
    TextEdit *te = &app->edit;
    bool changed = false;
    switch (k->sym) {
    case SDLK_LEFT: textedit_left(te, shift, ctrl); break;
    case SDLK_RIGHT: textedit_right(te, shift, ctrl); break;
    case SDLK_UP:
    case SDLK_DOWN:
        textedit_set_cursor(te, view_textbox_vertical(&app->d, te, &app->tv.lines, app->tv.box.w,
                                                      k->sym == SDLK_UP ? -1 : 1), shift);
        break;
    case SDLK_HOME: textedit_home(te, shift); break;
    case SDLK_END: textedit_end(te, shift); break;
    case SDLK_BACKSPACE: changed = textedit_backspace(te, ctrl); break;
    case SDLK_DELETE: changed = textedit_delete(te, ctrl); break;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: changed = textedit_insert(te, "\n", 1); break;
    case SDLK_a: if (ctrl) textedit_select_all(te); break;
    case SDLK_c: if (ctrl) app__copy(app, false); break;
    case SDLK_x: if (ctrl) app__copy(app, true); break;
    case SDLK_v: if (ctrl) app__paste(app); break;
    default: break;
    }
    if (changed) app__text_changed(app);
    app->dirty = true;
}
