/* spec.h — the state spec "layer=1;head=2;focus=5:3;..." (ATTNSCOPE_STATE,
 * --state, tests) read one item at a time, without an App: every value is
 * checked and converted here, app_spec.c only applies it.
 *
 *     char *copy = strdup(spec), *cur = copy;
 *     SpecItem it;
 *     int rc;
 *     while ((rc = spec_next(&cur, APP_MAX_TOKENS, &it, &err)) == 1) apply(&it);
 *     free(copy);                                 // it.val points into copy
 *
 * The keys are listed in appstate.h (app_apply_spec). Items are separated by
 * ';' (empty ones skipped), so a text= value cannot hold one.
 */
#ifndef APP_SPEC_H
#define APP_SPEC_H

#include <stdbool.h>

#include "engine/error.h"

typedef enum {
    SPEC_LAYER, SPEC_HEAD,       /* a = the number (clamped by the app) */
    SPEC_FOCUS_AUTO,             /* focus=auto */
    SPEC_FOCUS,                  /* a = query, b = key */
    SPEC_ROLE,                   /* a = RoleKind, -1 = off */
    SPEC_HELP, SPEC_WHITE, SPEC_VEC, SPEC_EDIT, /* on: the value is not "0" */
    SPEC_ZOOM,                   /* f = zoom, a = first row, b = first column */
    SPEC_ROPE,                   /* on: pre */
    SPEC_CMAP,                   /* a = CmapId */
    SPEC_SCALE, SPEC_MASK, SPEC_ABLATE, /* val: for the run-option parsers */
    SPEC_MOUSE,                  /* a = x, b = y in window points */
    SPEC_TEXT,                   /* val */
    SPEC_MASKWORD,               /* a = token position */
    SPEC_PAIRS,                  /* a = SegFilter */
    SPEC_KIND,                   /* a = MarianKind */
} SpecKey;

typedef struct {
    SpecKey key;
    int a, b;
    float f;
    bool on;
    const char *val;             /* the value as written (inside the string
                                    spec_next reads) */
} SpecItem;

/* Reads the next item of *cur (a writable, NUL-terminated string; ';' are
 * overwritten) and moves *cur past it. Positions (focus, zoom origin,
 * maskword) must be below max_pos. Returns 1 with *it, 0 at the end, or -1
 * with one line naming the item and a HINT (*cur then stays on it). */
int spec_next(char **cur, int max_pos, SpecItem *it, EngineError *err);

#endif
