/* keymap.h — every key of the app in one table: the key handler, the F1
 * help, `attnscope --help` and the README's table all come from it.
 *
 * The keyboard model (issue 8):
 *   - the text box has focus at start; while it has focus every typed
 *     character is text (SDL_TEXTINPUT) and Enter inserts a line break;
 *   - Esc or a click elsewhere leaves the box; Enter, Tab or a click enters it;
 *   - every command has a key that works in any focus state: a function key,
 *     a Ctrl chord or an Alt+arrow, read from SDL_KEYDOWN keysyms, never from
 *     SDL_TEXTINPUT (which SDL turns off with SDL_StopTextInput on X11);
 *   - outside the box, single keys (S, M, [ ...) are shortcuts too, read from
 *     keysyms as well; the text box shows which state the keyboard is in.
 * Ctrl+S, Ctrl+O and Ctrl+Q are for sessions, opening a model and quitting.
 */
#ifndef APP_KEYMAP_H
#define APP_KEYMAP_H

#include <SDL.h>
#include <stdbool.h>
#include <stdio.h>

#include "app/view.h"

/* Modifier requirements of a binding (left and right count the same). */
enum { KEY_CTRL = 1, KEY_SHIFT = 2, KEY_ALT = 4, KEY_ANY_SHIFT = 8 };

typedef enum {
    KEYS_ANY,        /* works in any focus state */
    KEYS_COMMAND,    /* only while the text box does not have focus */
    KEYS_TEXT,       /* text editing, while the box has focus (listed only) */
} KeyScope;

typedef struct {
    SDL_Keycode sym;      /* SDLK_UNKNOWN: a listed-only row */
    int mods;             /* KEY_* */
    KeyScope scope;
    Act act;
    int a, b;
    const char *keys;     /* as shown, e.g. "Ctrl+E" (NULL: same row as above) */
    const char *what;     /* what it does */
} KeyBinding;

/* The table, n entries. */
const KeyBinding *keymap_table(int *n);
/* The binding for a key press, given whether the text box has focus; NULL
 * when none (the key then goes to the text box, or nowhere). */
const KeyBinding *keymap_find(SDL_Keycode sym, Uint16 mod, bool editing);
/* The rows of the help: "keys" and "what" per line, merging bindings that
 * share a description. Writes up to cap rows; returns how many. */
typedef struct {
    char keys[96];        /* keys that work in any state (or, for text
                             editing rows, in the box) */
    char cmd[48];         /* single keys outside the text box; "" = none */
    const char *what;
    KeyScope scope;       /* of the first binding of the row */
    Act act;              /* of the first binding of the row (the help greys
                             it when view_act_off says it does nothing) */
} KeyRow;
int keymap_rows(KeyRow *rows, int cap);
/* Prints the key table as plain text (for --help). */
void keymap_print(FILE *f);

#endif
