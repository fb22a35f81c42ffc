/* session.h — a saved attnscope session: the model, the text, every run
 * option and the view, as a small JSON file (docs/session-format.md).
 *
 *     Session s;
 *     session_init(&s);                          // defaults, empty text
 *     session_set_text(&s, text, len);           // any bytes
 *     if (session_save(&s, path, &err)) ...      // atomic: all or nothing
 *     session_free(&s);
 *
 *     SessionReport rep;
 *     if (session_load(&s, path, &rep, &err)) ... // nothing usable (err)
 *     for (int i = 0; i < rep.n; i++) puts(rep.msg[i]); // fields skipped
 *
 * Loading is strict about what it keeps and forgiving about the rest: an
 * unknown field, a wrong type or a value out of range is reported (one line
 * naming the field) and skipped, and every other field still loads. A file
 * that is not JSON at all still gives back its text when the "text" field
 * can be found. Saving writes a temporary file in the same folder, fsyncs
 * it, closes it (checked) and renames it over the target, so a full disk or
 * a crash leaves the old file intact and no partial file behind.
 *
 * The text is kept as bytes: valid UTF-8 is stored as a JSON string, and
 * anything else (invalid UTF-8, NUL bytes) as base64 in "text_base64".
 *
 * Pure data: no SDL. Layer and head numbers are checked against the engine's
 * limits here; the app clamps them to the model it opens.
 */
#ifndef APP_SESSION_H
#define APP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/error.h"
#include "engine/forward.h"
#include "app/wordmask.h"

#define SESSION_VERSION 1           /* written in every file as "version" */
#define SESSION_MAX_BYTES (64u << 20) /* a larger file is refused */
#define SESSION_PATH_CAP 1024
#define SESSION_REPORT_MAX 8        /* problems kept in a SessionReport */
#define SESSION_ZOOM_MAX 64.0f      /* the head view never zooms further */

typedef struct {
    int version;                  /* of the file it came from; SESSION_VERSION when new */
    char model_path[SESSION_PATH_CAP]; /* as the app opened it; "" = unknown */
    char *text;                   /* owned; NUL-terminated, may hold NUL bytes */
    size_t text_len;              /* bytes of text, without the final NUL */
    RunOptions ro;                /* scale, temperature, mask, window, masked
                                     keys (token positions of text), ablated
                                     heads, top_k */
    int layer, head;              /* selected head, zero-based */
    int pin_q, pin_k;             /* pinned head-view cell; -1 = none */
    float zoom;                   /* head view zoom, 1 ..SESSION_ZOOM_MAX */
    int zoom_row, zoom_col;       /* first visible query row / key column */
    int cmap;                     /* CmapId */
    bool white;                   /* light theme (slides) */
    bool pre_rope;                /* vector view shows q, k before RoPE */
    WordMask wm;                  /* encoders: byte spans of text run as [MASK] */
    int seg_filter;               /* encoders: the head view's pair filter */
} Session;

/* What session_load skipped: one line per problem, naming the field. */
typedef struct {
    int n;                        /* problems found (may exceed SESSION_REPORT_MAX) */
    bool text_recovered;          /* the file was not JSON, but its text was found */
    char msg[SESSION_REPORT_MAX][ENGINE_ERROR_SIZE];
} SessionReport;

/* Fills s with the defaults: run_options_default(), layer 0 head 0, no pin,
 * zoom 1, viridis, dark theme, empty text. Any previous contents are not
 * freed (use on a fresh struct). Returns -1 when out of memory. */
int session_init(Session *s);
void session_free(Session *s);

/* Replaces the text with bytes text[0..len). Returns -1 when out of memory
 * (the old text is kept). */
int session_set_text(Session *s, const char *text, size_t len);

/* The session as a JSON document (heap string, caller frees), pretty
 * printed, ending in a newline. NULL when out of memory. */
char *session_to_json(const Session *s);

/* Parses a JSON document into s (initialized by the caller; fields absent
 * from json keep their value). Problems with single fields go to rep (may
 * be NULL) and the field is skipped. `name` labels messages (the file).
 * rep is cleared first. Returns 0 when json was a session object (possibly
 * with problems), -1 with err when it was not: then s->text still gets the
 * "text" field when it can be found (also cut short: a truncated file gives
 * the text up to the cut), and rep->text_recovered says so. */
int session_from_json(Session *s, const char *json, size_t len, const char *name,
                      SessionReport *rep, EngineError *err);

/* Reads path into s (session_init is done here; free s with session_free
 * either way). Returns 0 when the file was a session (rep lists skipped
 * fields), -1 with err when the file is missing, unreadable, too large or not
 * JSON; s then holds the defaults plus any text that could be recovered. */
int session_load(Session *s, const char *path, SessionReport *rep, EngineError *err);

/* Writes s to path atomically (temporary file in the same folder, fsync,
 * checked close, rename). On failure the old file at path is untouched, no
 * temporary file is left, and err names path and the reason (a full disk,
 * a missing or read-only folder) with a HINT. */
int session_save(const Session *s, const char *path, EngineError *err);

/* The autosave file: $XDG_STATE_HOME/attnscope/last-session.json, or
 * ~/.local/state/attnscope/last-session.json when XDG_STATE_HOME is unset,
 * empty or relative (as the XDG spec says). With create, the folders are
 * made (mode 0700) as needed. Returns 0, or -1 with err (no HOME, a folder
 * that cannot be made, a path longer than cap). */
int session_autosave_path(char *buf, size_t cap, bool create, EngineError *err);

#endif
