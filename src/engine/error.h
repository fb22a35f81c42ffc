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

#include <stdio.h>
#include <stdlib.h>

#define ENGINE_ERROR_SIZE 512

typedef struct {
    char msg[ENGINE_ERROR_SIZE];
} EngineError;

/* Formats one line into err (if err is not NULL) and returns -1, so callers
 * can write `return engine_fail(err, "...", ...);`. */
int engine_fail(EngineError *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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
