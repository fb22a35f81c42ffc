/* error.h — how the engine reports failure.
 *
 * Library functions never print and never exit. A function that can fail
 * returns 0 on success and -1 on failure, and fills an EngineError with one
 * line that names the file or field at fault and ends with a hint:
 *
 *     "models/x/config.json: field n_head is missing; HINT: ..."
 *
 * The CLI prints that line and exits non-zero; the app shows it in its
 * status line and keeps running.
 */
#ifndef ENGINE_ERROR_H
#define ENGINE_ERROR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define ENGINE_ERROR_SIZE 512

typedef struct {
    char msg[ENGINE_ERROR_SIZE];
} EngineError;

/* Formats one line into err (if err is not NULL) and returns -1, so callers
 * can write `return engine_fail(err, "...", ...);`. The formatted text goes
 * through engine_escape, so bytes quoted from a file or from the user can
 * never split the line or reach a terminal as a control sequence. */
int engine_fail(EngineError *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* engine_fail with a va_list, for callers that format their own lines. */
int engine_vfail(EngineError *err, const char *fmt, va_list ap);

/* Copies src[0..len) into dst (NUL-terminated, at most cap - 1 bytes) as one
 * printable line: newline, CR and tab become \n, \r, \t; other control
 * bytes (C0, DEL, the C1 range U+0080..U+009F) and bytes that are not
 * well-formed UTF-8 become \xNN; valid UTF-8 is kept. Stops before an escape
 * or character that would not fit. Returns the length written. Use it for
 * every byte from a file or from the user that goes into a message. */
size_t engine_escape(char *dst, size_t cap, const char *src, size_t len);

/* Always-on invariant check: a failure is a bug in attnscope, not bad input. */
#define ENGINE_ASSERT(cond)                                                    \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "attnscope: internal error: %s:%d: %s\n",         \
                    __FILE__, __LINE__, #cond);                                \
            abort();                                                           \
        }                                                                      \
    } while (0)

#endif
