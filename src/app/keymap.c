/* keymap.c — the app's keys; see keymap.h. */
#include "app/keymap.h"

#include <string.h>

#define ANY KEYS_ANY
#define CMD KEYS_COMMAND
#define TXT KEYS_TEXT

static const char k_help[] = "this help: every key",
    k_kind[] = "translation: show cross, encoder or decoder attention (next)",
    k_esc[] = "leave the text box; else close help or a prompt; else unpin the cell",
    k_tab[] = "enter / leave the text box",
    k_enter[] = "type in the text box",
    k_edit[] = "in the text box: move, delete (with Ctrl: by word)",
    k_clip[] = "in the text box: select all, copy, cut, paste",
    k_nl[] = "in the text box: a line break",
    k_scale[] = "cycle scaling: 1/\xE2\x88\x9A" "d, off, temperature",
    k_temp[] = "temperature down / up",
    k_mask[] = "cycle masking: causal, none, window",
    k_win[] = "window narrower / wider",
    k_maskkey[] = "hide / show the focused key from every query (attention mask)",
    k_wordmask[] = "encoders: run the focused word as [MASK] / as typed (fill-in predictions)",
    k_segfilter[] = "encoders: pair filter of the head view: all, A\xE2\x86\x92" "A, A\xE2\x86\x92" "B, B\xE2\x86\x92" "A, B\xE2\x86\x92" "B",
    k_ablate[] = "ablate / restore the selected head",
    k_reset[] = "unmask all keys, restore all heads",
    k_head[] = "select the previous / next head",
    k_layer[] = "select the layer above / below",
    k_zoom[] = "zoom the head view in / out (wheel: around the cursor)",
    k_zoom0[] = "reset the zoom",
    k_rope[] = "vector view: q, k before / after RoPE (Llama)",
    k_vtab[] = "open / close the vector view (its tab, in narrow windows)",
    k_role[] = "colour the grid by the next role, list the heads by it; then thumbnails",
    k_cmap[] = "next colormap",
    k_white[] = "white background (slides)",
    k_export[] = "export the head view as PNG",
    k_grid[] = "export the grid as PNG",
    k_session[] = "save a session (text, settings, view) to a file you name",
    k_dir[] = "set the export folder",
    k_open[] = "open another model (or drop a folder or file on the window)",
    k_quit[] = "quit";

static const KeyBinding keymap__table[] = {
    {SDLK_F1, 0, ANY, ACT_HELP, 0, 0, "F1", k_help},
    {SDLK_SLASH, KEY_SHIFT, CMD, ACT_HELP, 0, 0, "?", k_help},
    {SDLK_QUESTION, KEY_ANY_SHIFT, CMD, ACT_HELP, 0, 0, NULL, k_help},
    {SDLK_ESCAPE, 0, ANY, ACT_ESCAPE, 0, 0, "Esc", k_esc},
    {SDLK_TAB, 0, ANY, ACT_EDIT_TOGGLE, 0, 0, "Tab", k_tab},
    {SDLK_RETURN, 0, CMD, ACT_EDIT, 1, 0, "Enter", k_enter},
    {SDLK_KP_ENTER, 0, CMD, ACT_EDIT, 1, 0, NULL, k_enter},
    {SDLK_e, 0, CMD, ACT_EDIT, 1, 0, "E", k_enter},
    {SDLK_UNKNOWN, 0, TXT, ACT_NONE, 0, 0, "Enter", k_nl},
    {SDLK_UNKNOWN, 0, TXT, ACT_NONE, 0, 0, "arrows, Home, End, Backspace, Delete", k_edit},
    {SDLK_UNKNOWN, 0, TXT, ACT_NONE, 0, 0, "Ctrl+A / C / X / V", k_clip},
    {SDLK_F2, 0, ANY, ACT_SCALE_CYCLE, 0, 0, "F2", k_scale},
    {SDLK_s, 0, CMD, ACT_SCALE_CYCLE, 0, 0, "S", k_scale},
    {SDLK_F5, 0, ANY, ACT_TEMP_STEP, -1, 0, "F5 / F6", k_temp},
    {SDLK_F6, 0, ANY, ACT_TEMP_STEP, +1, 0, NULL, k_temp},
    {SDLK_LEFTBRACKET, 0, CMD, ACT_TEMP_STEP, -1, 0, "[ / ]", k_temp},
    {SDLK_RIGHTBRACKET, 0, CMD, ACT_TEMP_STEP, +1, 0, NULL, k_temp},
    {SDLK_F3, 0, ANY, ACT_MASK_CYCLE, 0, 0, "F3", k_mask},
    {SDLK_m, 0, CMD, ACT_MASK_CYCLE, 0, 0, "M", k_mask},
    {SDLK_F7, 0, ANY, ACT_WIN_STEP, -1, 0, "F7 / F8", k_win},
    {SDLK_F8, 0, ANY, ACT_WIN_STEP, +1, 0, NULL, k_win},
    {SDLK_MINUS, 0, CMD, ACT_WIN_STEP, -1, 0, "- / +", k_win},
    {SDLK_KP_MINUS, 0, CMD, ACT_WIN_STEP, -1, 0, NULL, k_win},
    {SDLK_EQUALS, KEY_ANY_SHIFT, CMD, ACT_WIN_STEP, +1, 0, NULL, k_win},
    {SDLK_PLUS, KEY_ANY_SHIFT, CMD, ACT_WIN_STEP, +1, 0, NULL, k_win},
    {SDLK_KP_PLUS, 0, CMD, ACT_WIN_STEP, +1, 0, NULL, k_win},
    {SDLK_k, KEY_CTRL, ANY, ACT_MASK_FOCUS, 0, 0, "Ctrl+K", k_maskkey},
    {SDLK_k, 0, CMD, ACT_MASK_FOCUS, 0, 0, "K", k_maskkey},
    {SDLK_m, KEY_CTRL, ANY, ACT_WORD_MASK, -1, 0, "Ctrl+M", k_wordmask},
    {SDLK_m, KEY_SHIFT, CMD, ACT_WORD_MASK, -1, 0, "Shift+M", k_wordmask},
    {SDLK_b, KEY_CTRL, ANY, ACT_SEG_FILTER, -1, 0, "Ctrl+B", k_segfilter},
    {SDLK_b, 0, CMD, ACT_SEG_FILTER, -1, 0, "B", k_segfilter},
    {SDLK_F9, 0, ANY, ACT_ABLATE, -1, -1, "F9", k_ablate},
    {SDLK_a, 0, CMD, ACT_ABLATE, -1, -1, "A", k_ablate},
    {SDLK_F10, 0, ANY, ACT_RESET, 0, 0, "F10", k_reset},
    {SDLK_x, 0, CMD, ACT_RESET, 0, 0, "X", k_reset},
    {SDLK_LEFT, KEY_ALT, ANY, ACT_SELECT_STEP, 0, -1, "Alt+\xE2\x86\x90 / \xE2\x86\x92", k_head},
    {SDLK_RIGHT, KEY_ALT, ANY, ACT_SELECT_STEP, 0, +1, NULL, k_head},
    {SDLK_LEFT, 0, CMD, ACT_SELECT_STEP, 0, -1, "\xE2\x86\x90 / \xE2\x86\x92", k_head},
    {SDLK_RIGHT, 0, CMD, ACT_SELECT_STEP, 0, +1, NULL, k_head},
    {SDLK_UP, KEY_ALT, ANY, ACT_SELECT_STEP, -1, 0, "Alt+\xE2\x86\x91 / \xE2\x86\x93", k_layer},
    {SDLK_DOWN, KEY_ALT, ANY, ACT_SELECT_STEP, +1, 0, NULL, k_layer},
    {SDLK_UP, 0, CMD, ACT_SELECT_STEP, -1, 0, "\xE2\x86\x91 / \xE2\x86\x93", k_layer},
    {SDLK_DOWN, 0, CMD, ACT_SELECT_STEP, +1, 0, NULL, k_layer},
    {SDLK_EQUALS, KEY_CTRL | KEY_ANY_SHIFT, ANY, ACT_ZOOM_STEP, +1, 0, "Ctrl+= / Ctrl+-", k_zoom},
    {SDLK_PLUS, KEY_CTRL | KEY_ANY_SHIFT, ANY, ACT_ZOOM_STEP, +1, 0, NULL, k_zoom},
    {SDLK_KP_PLUS, KEY_CTRL, ANY, ACT_ZOOM_STEP, +1, 0, NULL, k_zoom},
    {SDLK_MINUS, KEY_CTRL, ANY, ACT_ZOOM_STEP, -1, 0, NULL, k_zoom},
    {SDLK_KP_MINUS, KEY_CTRL, ANY, ACT_ZOOM_STEP, -1, 0, NULL, k_zoom},
    {SDLK_0, KEY_CTRL, ANY, ACT_ZOOM_RESET, 0, 0, "Ctrl+0", k_zoom0},
    {SDLK_0, 0, CMD, ACT_ZOOM_RESET, 0, 0, "0", k_zoom0},
    {SDLK_r, KEY_CTRL, ANY, ACT_ROPE, 0, 0, "Ctrl+R", k_rope},
    {SDLK_r, 0, CMD, ACT_ROPE, 0, 0, "R", k_rope},
    {SDLK_F4, 0, ANY, ACT_VEC_TAB, 0, 0, "F4", k_vtab},
    {SDLK_v, 0, CMD, ACT_VEC_TAB, 0, 0, "V", k_vtab},
    {SDLK_g, KEY_CTRL, ANY, ACT_ROLE_CYCLE, 0, 0, "Ctrl+G", k_role},
    {SDLK_g, 0, CMD, ACT_ROLE_CYCLE, 0, 0, "G", k_role},
    {SDLK_F11, 0, ANY, ACT_CMAP, 0, 0, "F11", k_cmap},
    {SDLK_c, 0, CMD, ACT_CMAP, 0, 0, "C", k_cmap},
    {SDLK_F12, 0, ANY, ACT_WHITE, 0, 0, "F12", k_white},
    {SDLK_w, 0, CMD, ACT_WHITE, 0, 0, "W", k_white},
    {SDLK_e, KEY_CTRL, ANY, ACT_EXPORT, 0, 0, "Ctrl+E", k_export},
    {SDLK_p, KEY_CTRL, ANY, ACT_EXPORT, 0, 0, NULL, k_export},
    {SDLK_p, 0, CMD, ACT_EXPORT, 0, 0, "P", k_export},
    {SDLK_e, KEY_CTRL | KEY_SHIFT, ANY, ACT_EXPORT_GRID, 0, 0, "Ctrl+Shift+E", k_grid},
    {SDLK_p, KEY_CTRL | KEY_SHIFT, ANY, ACT_EXPORT_GRID, 0, 0, NULL, k_grid},
    {SDLK_p, KEY_SHIFT, CMD, ACT_EXPORT_GRID, 0, 0, "Shift+P", k_grid},
    {SDLK_s, KEY_CTRL, ANY, ACT_SAVE_SESSION, 0, 0, "Ctrl+S", k_session},
    {SDLK_d, KEY_CTRL, ANY, ACT_EXPORT_DIR, 0, 0, "Ctrl+D", k_dir},
    {SDLK_o, KEY_CTRL, ANY, ACT_OPEN_MODEL, 0, 0, "Ctrl+O", k_open},
    {SDLK_q, KEY_CTRL, ANY, ACT_QUIT, 0, 0, "Ctrl+Q", k_quit},
    {SDLK_t, KEY_CTRL, ANY, ACT_MT_KIND, -1, 0, "Ctrl+T", k_kind},
    {SDLK_t, 0, CMD, ACT_MT_KIND, -1, 0, "T", k_kind},
};

const KeyBinding *keymap_table(int *n) {
    *n = (int)(sizeof keymap__table / sizeof *keymap__table);
    return keymap__table;
}

const KeyBinding *keymap_find(SDL_Keycode sym, Uint16 mod, bool editing) {
    int have = ((mod & KMOD_CTRL) ? KEY_CTRL : 0) | ((mod & KMOD_SHIFT) ? KEY_SHIFT : 0) |
               ((mod & KMOD_ALT) ? KEY_ALT : 0);
    int n;
    const KeyBinding *t = keymap_table(&n);
    for (int i = 0; i < n; i++) {
        const KeyBinding *b = &t[i];
        if (b->sym == SDLK_UNKNOWN || b->sym != sym || b->scope == KEYS_TEXT) continue;
        if (b->scope == KEYS_COMMAND && editing) continue;
        int want = b->mods & (KEY_CTRL | KEY_SHIFT | KEY_ALT);
        int got = (b->mods & KEY_ANY_SHIFT) ? (have & ~KEY_SHIFT) : have;
        if (got == want) return b;
    }
    return NULL;
}

/* Appends keys to a ", "-separated column. */
static void keymap__append(char *col, size_t cap, const char *keys) {
    size_t n = strlen(col);
    snprintf(col + n, cap - n, "%s%s", n ? ", " : "", keys);
}

int keymap_rows(KeyRow *rows, int cap) {
    int n, m = 0;
    const KeyBinding *t = keymap_table(&n);
    for (int i = 0; i < n; i++) {
        const KeyBinding *b = &t[i];
        if (!b->keys) continue;
        int r = 0;
        while (r < m && strcmp(rows[r].what, b->what)) r++;
        if (r == m) {
            if (m == cap) break;
            memset(&rows[m], 0, sizeof rows[m]);
            rows[m].what = b->what;
            rows[m].scope = b->scope;
            rows[m].act = b->act;
            m++;
        }
        if (b->scope == KEYS_COMMAND)
            keymap__append(rows[r].cmd, sizeof rows[r].cmd, b->keys);
        else
            keymap__append(rows[r].keys, sizeof rows[r].keys, b->keys);
    }
    return m;
}

void keymap_print(FILE *f) {
    KeyRow rows[64];
    int n = keymap_rows(rows, 64);
    fprintf(f, "Keys in the window (F1 shows them too). The first column works in any\n"
               "focus state; the second only while the text box does not have focus.\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "  %-22s %-10s %s\n", rows[i].keys[0] ? rows[i].keys : "-",
                rows[i].cmd[0] ? rows[i].cmd : "-", rows[i].what);
}
