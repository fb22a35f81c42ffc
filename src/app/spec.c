/* spec.c — the state spec's reader; see spec.h. */
#include "app/spec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/atlas.h"
#include "app/colormap.h"
#include "app/view_segment.h"
#include "engine/marian.h"

/* A whole number in [lo, hi] that ends at s's end or at `stop`; -1
 * otherwise. *next (may be NULL) gets where it ended. */
static int spec__int_in(const char *s, int lo, int hi, char stop, int *out, const char **next) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno || v < lo || v > hi || (*end && *end != stop)) return -1;
    *out = (int)v;
    if (next) *next = end;
    return 0;
}

/* "A:B", each in [lo, hi]. */
static int spec__pair(const char *s, int lo, int hi, int *a, int *b) {
    const char *p;
    if (spec__int_in(s, lo, hi, ':', a, &p) || *p != ':') return -1;
    return spec__int_in(p + 1, lo, hi, '\0', b, NULL);
}

/* The value of one key=value item k, val into it; 0 or -1 with err. */
static int spec__value(const char *k, const char *val, int max_pos, SpecItem *it,
                       EngineError *err) {
    it->val = val;
    it->on = strcmp(val, "0") != 0;
    if (!strcmp(k, "layer") || !strcmp(k, "head")) {
        it->key = k[0] == 'l' ? SPEC_LAYER : SPEC_HEAD;
        if (spec__int_in(val, -1000000, 1000000, '\0', &it->a, NULL))
            return engine_fail(err, "state: %s=%s; HINT: %s=N, a number", k, val, k);
    } else if (!strcmp(k, "focus") && !strcmp(val, "auto")) {
        it->key = SPEC_FOCUS_AUTO;
    } else if (!strcmp(k, "focus")) {
        it->key = SPEC_FOCUS;
        if (spec__pair(val, 0, max_pos - 1, &it->a, &it->b))
            return engine_fail(err, "state: focus=%s; HINT: focus=QUERY:KEY, positions below %d",
                               val, max_pos);
    } else if (!strcmp(k, "role")) {
        it->key = SPEC_ROLE;
        if ((it->a = atlas_find(val)) < -1)
            return engine_fail(err, "state: role=%s; HINT: previous_token, first_token, "
                               "current_token, delimiter, duplicate_token, induction or off", val);
    } else if (!strcmp(k, "help") || !strcmp(k, "white") || !strcmp(k, "vec") ||
               !strcmp(k, "edit")) {
        it->key = k[0] == 'h' ? SPEC_HELP : k[0] == 'w' ? SPEC_WHITE : k[0] == 'v' ? SPEC_VEC
                : SPEC_EDIT;
    } else if (!strcmp(k, "zoom")) {
        it->key = SPEC_ZOOM;
        char *end;
        it->f = strtof(val, &end);
        it->a = it->b = 0;
        if (end == val || !(it->f >= 1.0f && it->f <= 1000.0f) ||
            (*end && (*end != ':' || spec__pair(end + 1, 0, max_pos, &it->a, &it->b))))
            return engine_fail(err, "state: zoom=%s; HINT: zoom=Z or zoom=Z:ROW:COLUMN, "
                               "1 <= Z <= 1000", val);
    } else if (!strcmp(k, "rope")) {
        it->key = SPEC_ROPE;
        if (strcmp(val, "pre") && strcmp(val, "post"))
            return engine_fail(err, "state: rope=%s; HINT: rope=pre or rope=post", val);
        it->on = !strcmp(val, "pre");
    } else if (!strcmp(k, "cmap")) {
        it->key = SPEC_CMAP;
        if ((it->a = colormap_find(val)) < 0)
            return engine_fail(err, "state: cmap=%s unknown; HINT: viridis, magma, inferno, "
                               "cividis, slides", val);
    } else if (!strcmp(k, "scale")) {
        it->key = SPEC_SCALE;
    } else if (!strcmp(k, "mask")) {
        it->key = SPEC_MASK;
    } else if (!strcmp(k, "ablate")) {
        it->key = SPEC_ABLATE;
    } else if (!strcmp(k, "mouse")) {
        it->key = SPEC_MOUSE;
        if (spec__pair(val, 0, 100000, &it->a, &it->b))
            return engine_fail(err, "state: mouse=%s; HINT: mouse=X:Y in window points, "
                               "each 0 to 100000", val);
    } else if (!strcmp(k, "text")) {
        it->key = SPEC_TEXT;
    } else if (!strcmp(k, "maskword")) { /* encoders: token N runs as [MASK] */
        it->key = SPEC_MASKWORD;
        if (spec__int_in(val, 0, max_pos - 1, '\0', &it->a, NULL))
            return engine_fail(err, "state: maskword=%s; HINT: maskword=TOKEN (a position)", val);
    } else if (!strcmp(k, "pairs")) { /* encoders: the head view's pair filter */
        static const char *const ascii[SEG_FILTER_COUNT] = {"all", "AA", "AB", "BA", "BB"};
        it->key = SPEC_PAIRS;
        int f = 0;
        while (f < SEG_FILTER_COUNT && strcmp(val, view_segment_filter_name(f)) && strcmp(val, ascii[f]))
            f++;
        if (f == SEG_FILTER_COUNT)
            return engine_fail(err, "state: pairs=%s; HINT: pairs=all, AA, AB, BA or BB", val);
        it->a = f;
    } else if (!strcmp(k, "kind")) { /* translation models */
        it->key = SPEC_KIND;
        if ((it->a = marian_kind_parse(val)) < 0)
            return engine_fail(err, "state: kind=%s; HINT: kind=cross, encoder or decoder", val);
    } else {
        return engine_fail(err, "state: unknown key \"%s\"; HINT: layer, head, focus, help, "
                           "white, edit, vec, rope, zoom, cmap, scale, mask, ablate, mouse, text, "
                           "maskword, pairs, role, kind (translation)", k);
    }
    return 0;
}

int spec_next(char **cur, int max_pos, SpecItem *it, EngineError *err) {
    char *tok = *cur;
    while (*tok == ';') tok++;
    if (!*tok) {
        *cur = tok;
        return 0;
    }
    char *end = strchr(tok, ';');
    char *next = end ? end + 1 : tok + strlen(tok);
    if (end) *end = '\0';
    memset(it, 0, sizeof *it);
    char *eq = strchr(tok, '=');
    if (!eq) {
        *cur = tok;
        return engine_fail(err, "state: \"%s\" is not key=value; HINT: e.g. layer=1;head=2", tok);
    }
    *eq = '\0';
    if (spec__value(tok, eq + 1, max_pos, it, err)) {
        *cur = tok;
        return -1;
    }
    *cur = next;
    return 1;
}
