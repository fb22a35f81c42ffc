/* test_app_storm.c — a seeded random-event storm on the real app (issue 13
 * §3): a window of SDL's dummy video driver, so resizes go through the same
 * SDL_WINDOWEVENT path as on a desktop, driven through appstate.h's API.
 *
 * Events, drawn from one xorshift stream (STORM_SEED, default 1):
 *   - mouse moves, clicks (left, middle, right), wheel and drags at random
 *     points, some outside the window;
 *   - every key and chord of the key table (keymap.c: what F1 and --help
 *     list), and any key (letters, digits, punctuation, F1-F12, Esc, Enter,
 *     Tab, arrows, Home/End, PgUp/PgDn, Backspace, Delete) with no modifier,
 *     Shift, Ctrl, Alt, Ctrl+Shift and Ctrl+Alt, each followed by its
 *     SDL_TEXTINPUT as X11 sends it for a printable key (Ctrl: none);
 *     prompts they open (Ctrl+S, Ctrl+O, Ctrl+D) get typed into and closed;
 *   - random UTF-8 text input, including invalid bytes, and pastes of up to
 *     4 KB (sometimes 64 KB) through the clipboard and Ctrl+V;
 *   - exports (the API's app_export) into a temp folder;
 *   - window resizes down to 50x50; an emptied text (Ctrl+A, Backspace);
 *   - switching models by dropping a model folder on the window
 *     (SDL_DROPFILE: a GPT-2 and a Llama with grouped-query attention, and
 *     now and then a path that is no model); Ctrl+Q quits, and the app is
 *     opened again with the text it held, as its autosave would restore it.
 * STORM_EVENTS events (default 5000; `make asan` and `make tsan` run
 * 100,000).
 *
 * Checks:
 *   - the text the app holds never changes except through an editing event
 *     sent while the text box had focus (typing, Backspace/Delete, Enter,
 *     Ctrl+X/V/Z/Y), and typing into the focused text box (no prompt open)
 *     is never dropped while the text is small;
 *   - a reopened app holds exactly the text it was given;
 *   - resident memory grows by at most 100 MB after the warm-up (the first
 *     tenth of the events); under ASan/TSan the live heap does (see
 *     mem_bytes);
 *   - the app keeps drawing frames and its worker keeps answering.
 * Uses the numpy oracle's random checkpoints (build/oracle); skips when they
 * are absent. Prints the seed, events, RSS and time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include "app/appstate.h"
#include "app/keymap.h"
#include "check.h"

#define STORM_RSS_LIMIT (100.0 * 1024 * 1024)
#define STORM_SMALL_TEXT 16384 /* below this, typing into the box must land */
#define STORM_CLEAR_AT 24576   /* the storm empties a text longer than this */

static App *app;
static SDL_Window *win;
static uint64_t rng_state;
static long n_event;          /* the event being sent, for messages */
static int text_failures;     /* reported ones (the rest only counted) */
static long n_edits;          /* events that changed the text (all allowed) */
static long n_kept;           /* events sent with the box focused that kept it */

static uint64_t rng(void) {
    /* xorshift64*: small, seeded, the same on every machine */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static int rnd(int n) { return n > 0 ? (int)(rng() % (uint64_t)n) : 0; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The memory the check bounds: resident memory; under ASan or TSan the live
 * heap their allocator reports, since there RSS also holds the sanitizer's
 * shadow memory and its quarantine of freed blocks (hundreds of MB that say
 * nothing about the app). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* from the sanitizer runtime (sanitizer/allocator_interface.h, which Debian's
   gcc does not ship) */
size_t __sanitizer_get_current_allocated_bytes(void);
#define STORM_MEM_NAME "live heap"
static double mem_bytes(void) { return (double)__sanitizer_get_current_allocated_bytes(); }
#else
#define STORM_MEM_NAME "RSS"
static double rss_bytes(void);
static double mem_bytes(void) { return rss_bytes(); }
#endif

static double rss_bytes(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* Removes the PNG files in dir (exports pile up over a long storm). */
static void remove_pngs(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char path[1024];
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 4 && !strcmp(de->d_name + n - 4, ".png")) {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    }
    closedir(d);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* --- the text invariant ------------------------------------------------ */

static char *shadow;      /* the app's text after the last event */
static size_t shadow_len;

static void shadow_take(void) {
    free(shadow);
    shadow_len = app->edit.len;
    shadow = malloc(shadow_len + 1);
    if (!shadow) abort();
    memcpy(shadow, app->edit.buf, shadow_len);
    shadow[shadow_len] = 0;
}

static bool text_changed(void) {
    return app->edit.len != shadow_len || memcmp(app->edit.buf, shadow, shadow_len) != 0;
}

static void text_fail(const char *what) {
    text_failures++;
    if (text_failures <= 10) CHECK(0, "event %ld: %s (text %zu -> %zu bytes)", n_event, what,
                                   shadow_len, app->edit.len);
    else check_n_failed++;
}

/* Whether key k with modifiers mod may edit the text when the box has focus. */
static bool is_edit_key(SDL_Keycode k, Uint16 mod) {
    bool ctrl = (mod & KMOD_CTRL) != 0;
    switch (k) {
    case SDLK_BACKSPACE: case SDLK_DELETE: case SDLK_RETURN: case SDLK_KP_ENTER:
    case SDLK_TAB:
        return true;
    case SDLK_x: case SDLK_v: case SDLK_z: case SDLK_y:
        return ctrl;
    default:
        return false;
    }
}

/* Whether s holds something a text box must take: any byte but ASCII
 * control characters (X11 never sends those as text; Tab is a key). */
static bool has_text(const char *s) {
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c >= 0x20 && *c != 0x7F) return true;
    return false;
}

/* Sends one event and checks the text invariant. may_edit: this event is an
 * editing event if the box has focus; must_type: bytes typed into a focused
 * box that must show up in the text (NULL = no such duty). */
static void send(const SDL_Event *e, bool may_edit, const char *must_type) {
    bool editing = app->editing, prompt = app->prompt != ACT_NONE;
    n_event++;
    app_handle_event(app, e);
    if (!text_changed()) {
        if (editing) n_kept++;
        if (must_type && editing && !prompt && has_text(must_type) && shadow_len + strlen(must_type) < STORM_SMALL_TEXT) {
            char what[160], *w = what;
            w += sprintf(w, "typing \"");
            for (const unsigned char *c = (const unsigned char *)must_type; *c && w < what + 120; c++)
                w += (*c >= 32 && *c < 127) ? sprintf(w, "%c", *c) : sprintf(w, "\\x%02X", *c);
            sprintf(w, "\" into the focused text box was dropped");
            text_fail(what);
        }
        return;
    }
    if (!(may_edit && editing))
        text_fail(editing ? "the text changed on an event that does not edit"
                          : "the text changed while the text box had no focus");
    n_edits++;
    shadow_take();
}

/* Feeds the app what SDL queued (window events, worker results). */
static void pump(void) {
    SDL_Event e;
    while (SDL_PollEvent(&e)) send(&e, false, NULL);
}

/* --- event makers ------------------------------------------------------ */

static void mouse_xy(int *x, int *y) {
    int w, h;
    SDL_GetWindowSize(win, &w, &h);
    *x = rnd(w + 40) - 20;
    *y = rnd(h + 40) - 20;
}

static void ev_motion(int x, int y, Uint32 buttons) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = x;
    e.motion.y = y;
    e.motion.state = buttons;
    send(&e, false, NULL);
}

static void ev_button(Uint32 type, int x, int y, Uint8 button, Uint8 clicks) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.button.x = x;
    e.button.y = y;
    e.button.button = button;
    e.button.clicks = clicks;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    send(&e, false, NULL);
}

static void ev_click(int x, int y, Uint8 button) {
    ev_motion(x, y, 0);
    Uint8 clicks = (Uint8)(1 + (rnd(8) == 0));
    ev_button(SDL_MOUSEBUTTONDOWN, x, y, button, clicks);
    ev_button(SDL_MOUSEBUTTONUP, x, y, button, clicks);
}

static void ev_drag(void) {
    int x, y;
    mouse_xy(&x, &y);
    Uint8 button = rnd(3) == 0 ? SDL_BUTTON_RIGHT : SDL_BUTTON_LEFT;
    ev_motion(x, y, 0);
    ev_button(SDL_MOUSEBUTTONDOWN, x, y, button, 1);
    int steps = 2 + rnd(8);
    for (int i = 0; i < steps; i++) {
        x += rnd(121) - 60;
        y += rnd(121) - 60;
        ev_motion(x, y, SDL_BUTTON(button));
    }
    ev_button(SDL_MOUSEBUTTONUP, x, y, button, 1);
}

static void ev_wheel(void) {
    int x, y;
    mouse_xy(&x, &y);
    ev_motion(x, y, 0);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = rnd(7) - 3;
    e.wheel.x = rnd(4) == 0 ? rnd(3) - 1 : 0;
    e.wheel.preciseY = (float)e.wheel.y;
    send(&e, false, NULL);
}

/* must: a focused box has to take this text (not the text X11 sends after
 * an Alt chord, which the app may swallow) */
static void ev_text(const char *s, bool must) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "%s", s);
    send(&e, true, must ? e.text.text : NULL);
}

static void ev_key(SDL_Keycode sym, Uint16 mod) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = sym;
    e.key.keysym.scancode = SDL_GetScancodeFromKey(sym);
    e.key.keysym.mod = mod;
    send(&e, is_edit_key(sym, mod), NULL);
    /* X11 follows a printable key without Ctrl with its text (Alt too) */
    if (sym >= 32 && sym < 127 && !(mod & KMOD_CTRL)) {
        char c[2] = {(char)sym, 0};
        if (mod & KMOD_SHIFT) {
            static const char lo[] = "`1234567890-=[]\\;',./";
            static const char hi[] = "~!@#$%^&*()_+{}|:\"<>?";
            const char *p = strchr(lo, c[0]);
            if (c[0] >= 'a' && c[0] <= 'z') c[0] = (char)(c[0] - 32);
            else if (p && *p) c[0] = hi[p - lo];
        }
        ev_text(c, !(mod & KMOD_ALT));
    }
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    send(&e, false, NULL);
}

static const SDL_Keycode storm_keys[] = {
    SDLK_F1, SDLK_F2, SDLK_F3, SDLK_F4, SDLK_F5, SDLK_F6, SDLK_F7, SDLK_F8, SDLK_F9,
    SDLK_F10, SDLK_F11, SDLK_F12, SDLK_ESCAPE, SDLK_RETURN, SDLK_KP_ENTER, SDLK_TAB,
    SDLK_LEFT, SDLK_RIGHT, SDLK_UP, SDLK_DOWN, SDLK_HOME, SDLK_END, SDLK_PAGEUP,
    SDLK_PAGEDOWN, SDLK_BACKSPACE, SDLK_DELETE, SDLK_SPACE, SDLK_KP_PLUS, SDLK_KP_MINUS,
    SDLK_MINUS, SDLK_EQUALS, SDLK_LEFTBRACKET, SDLK_RIGHTBRACKET, SDLK_SLASH,
    SDLK_BACKSLASH, SDLK_SEMICOLON, SDLK_QUOTE, SDLK_COMMA, SDLK_PERIOD, SDLK_BACKQUOTE,
};
static const Uint16 storm_mods[] = {
    KMOD_NONE, KMOD_LSHIFT, KMOD_LCTRL, KMOD_LALT, KMOD_LCTRL | KMOD_LSHIFT,
    KMOD_LCTRL | KMOD_LALT,
};

/* A key press: half the time a binding of the key table with its modifiers,
 * else any key with any modifiers. */
static void ev_random_key(void) {
    if (rnd(2) == 0) {
        int n;
        const KeyBinding *t = keymap_table(&n);
        const KeyBinding *b = &t[rnd(n)];
        if (b->sym != SDLK_UNKNOWN) {
            Uint16 mod = (Uint16)(((b->mods & KEY_CTRL) ? KMOD_LCTRL : 0) |
                                  ((b->mods & KEY_SHIFT) ? KMOD_LSHIFT : 0) |
                                  ((b->mods & KEY_ALT) ? KMOD_LALT : 0));
            if ((b->mods & KEY_ANY_SHIFT) && rnd(2)) mod |= KMOD_LSHIFT;
            ev_key(b->sym, mod);
            return;
        }
    }
    int n_named = (int)(sizeof storm_keys / sizeof *storm_keys);
    int i = rnd(n_named + 36);
    SDL_Keycode k = i < n_named ? storm_keys[i]
                  : i < n_named + 26 ? (SDL_Keycode)('a' + (i - n_named))
                                     : (SDL_Keycode)('0' + (i - n_named - 26));
    Uint16 mod = storm_mods[rnd((int)(sizeof storm_mods / sizeof *storm_mods))];
    ev_key(k, mod);
}

/* Random bytes for text: ASCII, valid 2/3/4-byte UTF-8 (accents, CJK,
 * emoji), and invalid sequences (lone continuation bytes, overlong forms,
 * surrogates, bytes past U+10FFFF, truncated sequences). No NUL. */
static size_t random_utf8(char *out, size_t cap) {
    static const char *pieces[] = {
        "a", "e", " ", "the ", "\n", ".", "?", "0", "\xC3\xA9", "\xC3\xB1", "\xE4\xB8\xAD",
        "\xE6\x96\x87", "\xF0\x9F\x99\x82", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD", "\x80", "\xBF",
        "\xC0\x80", "\xC3", "\xE4\xB8", "\xED\xA0\x80", "\xF5\x80\x80\x80", "\xFF", "\xFE",
        "\xF0\x9F\x99", "\t", "\x7F", "\x1B[31m",
    };
    size_t n = 0;
    while (n + 16 < cap) {
        const char *p = pieces[rnd((int)(sizeof pieces / sizeof *pieces))];
        size_t l = strlen(p);
        if (rnd(3) == 0) { out[n++] = (char)('a' + rnd(26)); continue; }
        memcpy(out + n, p, l);
        n += l;
        if (rnd(4) == 0) break;
    }
    out[n] = 0;
    return n;
}

static void ev_random_text(void) {
    char buf[SDL_TEXTINPUTEVENT_TEXT_SIZE];
    random_utf8(buf, sizeof buf);
    ev_text(buf, true);
}

static void ev_paste(size_t len) {
    char *buf = malloc(len + 64);
    if (!buf) abort();
    size_t n = 0;
    while (n + 48 < len) n += random_utf8(buf + n, 48);
    buf[n] = 0;
    SDL_SetClipboardText(buf);
    free(buf);
    ev_key(SDLK_v, KMOD_LCTRL);
}

/* Focuses the text box with the E key, as both the keyboard model before
 * issue 8 and the one after it read it (a key press alone: its text would
 * be typed). Random clicks land in the box too. */
static void focus_text(void) {
    if (app->editing) return;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = SDLK_e;
    e.key.keysym.scancode = SDL_SCANCODE_E;
    send(&e, false, NULL);
    e.type = SDL_KEYUP;
    e.key.state = SDL_RELEASED;
    send(&e, false, NULL);
}

static void ev_empty_text(void) {
    for (int i = 0; i < 3 && app->prompt != ACT_NONE; i++) ev_key(SDLK_ESCAPE, KMOD_NONE);
    focus_text();
    if (!app->editing || app->prompt != ACT_NONE) return;
    ev_key(SDLK_a, KMOD_LCTRL);
    ev_key(SDLK_BACKSPACE, KMOD_NONE);
    CHECK(!app->editing || app->edit.len == 0, "event %ld: Ctrl+A, Backspace leaves %zu bytes",
          n_event, app->edit.len);
}

static void ev_resize(void) {
    int w = 50 + rnd(1871), h = 50 + rnd(1031);
    if (rnd(4) == 0) { w = 50 + rnd(100); h = 50 + rnd(100); }
    SDL_SetWindowSize(win, w, h);
    pump();
}

/* --- models: dropped on the window, or the app opened again ------------- */

static const char *models[2];
static int model_i;
static int reopened;

static App *open_app(const char *text, int *fails) {
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = models[model_i];
    args.text = text;
    args.run = run_options_default();
    EngineError err = {{0}};
    int w, h;
    SDL_GetWindowSize(win, &w, &h);
    App *a = app_create(&args, win, w, h, &err);
    if (!a) {
        (*fails)++;
        CHECK(0, "app_create on %s: %s", models[model_i], err.msg);
    }
    return a;
}

/* Drops the other model's folder on the window (now and then a path that
 * is no model): the text must stay as it is (send checks). */
static void ev_drop_model(void) {
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_DROPFILE;
    bool bad = rnd(5) == 0;
    if (!bad) model_i ^= 1;
    e.drop.file = SDL_strdup(bad ? "/nonexistent/attnscope-storm-model" : models[model_i]);
    e.drop.windowID = SDL_GetWindowID(win);
    if (!e.drop.file) abort();
    send(&e, false, NULL); /* the app frees e.drop.file */
}

/* Closes the app and opens it again with the same text (a quit and restart
 * with the autosave), on the other model when switch_model. */
static bool reopen(bool switch_model) {
    char *text = strdup(app->edit.buf);
    if (!text) abort();
    size_t len = app->edit.len;
    app_destroy(app);
    app = NULL;
    if (switch_model) model_i ^= 1;
    int fails = 0;
    app = open_app(text, &fails);
    if (!app) { free(text); return false; }
    if (app->edit.len != len || memcmp(app->edit.buf, text, len) != 0)
        text_fail("reopening the app did not keep its text");
    free(text);
    shadow_take();
    reopened++;
    return true;
}

int main(void) {
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    long n_events = getenv("STORM_EVENTS") ? atol(getenv("STORM_EVENTS")) : 5000;
    uint64_t seed = getenv("STORM_SEED") ? strtoull(getenv("STORM_SEED"), NULL, 0) : 1;
    if (n_events < 100) n_events = 100;
    /* line by line: a sanitizer's exit report must not swallow the count */
    setvbuf(stdout, NULL, _IOLBF, 0);
    char gpt2[1024], llama[1024], cwd[512];
    if (!getcwd(cwd, sizeof cwd)) return 1;
    snprintf(gpt2, sizeof gpt2, "%s%s%s/oracle/gpt2_f32", build[0] == '/' ? "" : cwd,
             build[0] == '/' ? "" : "/", build);
    snprintf(llama, sizeof llama, "%s%s%s/oracle/llama/gqa_tied/hf", build[0] == '/' ? "" : cwd,
             build[0] == '/' ? "" : "/", build);
    if (!check_path_exists(gpt2) || !check_path_exists(llama)) {
        SKIP("%s or %s absent: run the numpy oracles first (make test does)", gpt2, llama);
        return check_summary();
    }
    models[0] = gpt2;
    models[1] = llama;
    rng_state = seed ? seed : 1;

    /* Everything the app may write (exports, sessions, typed file names)
       lands in a temp folder of its own. */
    char tmp[] = "/tmp/attnscope-storm.XXXXXX";
    if (!mkdtemp(tmp)) return 1;
    char exports[600];
    snprintf(exports, sizeof exports, "%s/exports", tmp);
    mkdir(exports, 0755);
    setenv("ATTNSCOPE_EXPORT_DIR", exports, 1);
    setenv("HOME", tmp, 1);
    setenv("XDG_STATE_HOME", tmp, 1);
    setenv("XDG_CONFIG_HOME", tmp, 1);
    if (chdir(tmp) != 0) return 1;

    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        CHECK(0, "SDL_Init: %s", SDL_GetError());
        return check_summary();
    }
    win = SDL_CreateWindow("attnscope storm", 0, 0, 1280, 800, SDL_WINDOW_RESIZABLE);
    if (!win) {
        CHECK(0, "SDL_CreateWindow (dummy): %s", SDL_GetError());
        return check_summary();
    }
    int fails = 0;
    app = open_app("The storm begins here.", &fails);
    if (!app) return check_summary();
    shadow_take();

    printf("storm: seed %llu, %ld events\n", (unsigned long long)seed, n_events);
    double t0 = now_s(), rss0 = 0, rss_max = 0, rss_start = mem_bytes();
    long warm = n_events / 10, frames = 0, exports_made = 0, pastes = 0, empties = 0;
    long resizes = 0, quits = 0, drops = 0, next_clean = 500;
    double slowest_frame = 0;
    long slow_event = 0;      /* where the slowest frame was drawn */
    int slow_w = 0, slow_h = 0;
    size_t slow_len = 0;
    n_event = 0;
    while (n_event < n_events) {
        int op = rnd(1000);
        if (op < 250) {
            int x, y;
            mouse_xy(&x, &y);
            ev_motion(x, y, 0);
        } else if (op < 380) {
            int x, y;
            mouse_xy(&x, &y);
            static const Uint8 buttons[] = {SDL_BUTTON_LEFT, SDL_BUTTON_LEFT, SDL_BUTTON_RIGHT,
                                            SDL_BUTTON_MIDDLE};
            ev_click(x, y, buttons[rnd(4)]);
        } else if (op < 430) {
            ev_wheel();
        } else if (op < 470) {
            ev_drag();
        } else if (op < 700) {
            ev_random_key();
        } else if (op < 850) {
            if (rnd(3) == 0) focus_text();
            ev_random_text();
        } else if (op < 870) {
            focus_text();
            ev_paste(rnd(50) == 0 ? 65536 : (size_t)(16 + rnd(4096)));
            pastes++;
        } else if (op < 880) {
            char path[128];
            bool grid = rnd(2) == 0;
            /* NULL: the app names the file in the export folder; an error
               (no result yet, tiny window) is a message, not a crash */
            app_export(app, grid, NULL, path, sizeof path);
            n_event++;
            exports_made++;
        } else if (op < 890) {
            ev_resize();
            resizes++;
        } else if (op < 895) {
            ev_empty_text();
            empties++;
        } else if (op < 897) {
            ev_drop_model();
            drops++;
        } else if (op < 898) {
            if (!reopen(true)) break;
        } else if (op < 900) {
            ev_key(rnd(2) ? SDLK_q : SDLK_w, KMOD_LCTRL); /* quit, maybe */
        } else {
            pump();
            if (rnd(4) == 0) app_wait_result(app, 200);
            double f0 = now_s();
            if (app_frame(app, rnd(10) == 0)) frames++;
            double f = now_s() - f0;
            if (f > slowest_frame) {
                slowest_frame = f;
                slow_event = n_event;
                slow_len = app->edit.len;
                SDL_GetWindowSize(win, &slow_w, &slow_h);
            }
        }
        if (app->quit) { /* the user quit: start again, as with a session */
            quits++;
            if (!reopen(false)) break;
        }
        if (app->edit.len > STORM_CLEAR_AT) { ev_empty_text(); empties++; }
        if (n_event >= next_clean) {
            remove_pngs(exports);
            remove_pngs(tmp);
            next_clean += 500;
        }
        if (n_event >= warm && rss0 == 0) rss0 = mem_bytes();
        if (rss0 > 0 && n_event % 50 < 5) {
            double r = mem_bytes();
            if (r > rss_max) rss_max = r;
        }
    }
    /* The worker still answers, and a last frame draws. */
    pump();
    bool answered = app_wait_result(app, 20000);
    CHECK(answered || app->worker == NULL, "the worker answers after the storm");
    CHECK(app_frame(app, true), "a frame draws after the storm");
    double rss_end = mem_bytes();
    if (rss_end > rss_max) rss_max = rss_end;
    double secs = now_s() - t0;
    printf("storm: %ld events in %.1f s; %ld frames (slowest %.0f ms), %ld exports, %ld pastes, "
           "%ld emptied, %ld resizes, %ld models dropped, %d reopened (%ld quits); text now %zu bytes\n",
           n_event, secs, frames, slowest_frame * 1e3, exports_made, pastes, empties, resizes,
           drops, reopened, quits, app->edit.len);
    printf("storm: the slowest frame (%.0f ms) came at event %ld, window %dx%d, text %zu bytes\n",
           slowest_frame * 1e3, slow_event, slow_w, slow_h, slow_len);
    printf("storm: " STORM_MEM_NAME " %.1f MB at start, %.1f MB after warm-up (%ld events), "
           "max %.1f MB after: growth %.1f MB (limit %.0f); RSS now %.1f MB\n",
           rss_start / 1048576.0, rss0 / 1048576.0, warm, rss_max / 1048576.0,
           (rss_max - rss0) / 1048576.0, STORM_RSS_LIMIT / 1048576.0, rss_bytes() / 1048576.0);
    CHECK(rss_max - rss0 <= STORM_RSS_LIMIT, STORM_MEM_NAME " grew %.1f MB after the warm-up, limit 100 MB",
          (rss_max - rss0) / 1048576.0);
    printf("storm: %ld events edited the text, %ld more were sent to the focused text box\n",
           n_edits, n_kept);
    CHECK(n_edits > n_events / 50, "the storm edited the text (%ld events)", n_edits);
    CHECK(text_failures == 0, "the typed text was kept through %ld events (%d failures)", n_event,
          text_failures);
    CHECK(n_event >= n_events, "all %ld events were sent (%ld)", n_events, n_event);

    app_destroy(app);
    free(shadow);
    SDL_DestroyWindow(win);
    SDL_Quit();
    if (nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0) printf("could not remove %s\n", tmp);
    return check_summary();
}
