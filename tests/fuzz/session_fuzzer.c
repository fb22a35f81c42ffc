/* session_fuzzer.c — libFuzzer target for attnscope session files
 * (src/app/session.c): the input is the file's bytes, read by
 * session_from_json (and, for every input whose size is a multiple of 8,
 * from a file by session_load).
 *
 * Must hold: a refused file gives one escaped line with a HINT; every
 * skipped field's report line is one escaped line with a HINT; whatever
 * loaded is in range (enums, layer and head, the pin, zoom and its origin,
 * window, top_k, temperature, sorted disjoint masked words, the text's
 * length and final NUL); and the session written back by session_to_json
 * reads again with no report into the same fields and text bytes.
 */
#include <math.h>

#include "app/colormap.h"
#include "app/session.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

static void fuzz_check_session(const Session *s) {
    FUZZ_REQUIRE(s->text && s->text[s->text_len] == '\0');
    FUZZ_REQUIRE(memchr(s->model_path, '\0', sizeof s->model_path) != NULL);
    const RunOptions *ro = &s->ro;
    FUZZ_REQUIRE(ro->scale >= 0 && ro->scale <= SCALE_TEMP);
    FUZZ_REQUIRE(ro->mask >= 0 && ro->mask <= MASK_WINDOW);
    FUZZ_REQUIRE(isfinite(ro->temperature) && ro->temperature > 0.0f && ro->temperature <= 1e4f);
    FUZZ_REQUIRE(ro->window >= 1 && ro->window <= RUN_MAX_KEYS);
    FUZZ_REQUIRE(ro->top_k >= 1 && ro->top_k <= TRACE_MAX_TOP_K);
    FUZZ_REQUIRE(s->layer >= 0 && s->layer < MODEL_MAX_LAYERS);
    FUZZ_REQUIRE(s->head >= 0 && s->head < MODEL_MAX_HEADS);
    FUZZ_REQUIRE((s->pin_q == -1 && s->pin_k == -1) ||
                 (s->pin_q >= 0 && s->pin_q < RUN_MAX_KEYS && s->pin_k >= 0 && s->pin_k < RUN_MAX_KEYS));
    FUZZ_REQUIRE(s->zoom >= 1.0f && s->zoom <= SESSION_ZOOM_MAX);
    FUZZ_REQUIRE(s->zoom_row >= 0 && s->zoom_row < RUN_MAX_KEYS);
    FUZZ_REQUIRE(s->zoom_col >= 0 && s->zoom_col < RUN_MAX_KEYS);
    FUZZ_REQUIRE(s->cmap >= 0 && s->cmap < CMAP_COUNT);
    FUZZ_REQUIRE(s->seg_filter >= 0 && s->seg_filter <= 4);
    FUZZ_REQUIRE(s->wm.n >= 0 && s->wm.n <= WORDMASK_MAX);
    for (int i = 0; i < s->wm.n; i++) {
        FUZZ_REQUIRE(s->wm.span[i].start < s->wm.span[i].end);
        FUZZ_REQUIRE(s->wm.span[i].end <= (size_t)INT32_MAX);
        if (i) FUZZ_REQUIRE(s->wm.span[i - 1].end <= s->wm.span[i].start);
    }
}

static void fuzz_check_report(const SessionReport *rep) {
    FUZZ_REQUIRE(rep->n >= 0);
    for (int i = 0; i < rep->n && i < SESSION_REPORT_MAX; i++) fuzz_check_error(rep->msg[i]);
}

/* Both sessions hold the same settings, view and text. */
static void fuzz_check_same(const Session *a, const Session *b) {
    FUZZ_REQUIRE(!strcmp(a->model_path, b->model_path));
    FUZZ_REQUIRE(a->text_len == b->text_len && !memcmp(a->text, b->text, a->text_len));
    FUZZ_REQUIRE(a->ro.scale == b->ro.scale && a->ro.mask == b->ro.mask);
    FUZZ_REQUIRE(a->ro.temperature == b->ro.temperature);
    FUZZ_REQUIRE(a->ro.window == b->ro.window && a->ro.top_k == b->ro.top_k);
    FUZZ_REQUIRE(!memcmp(a->ro.masked_keys, b->ro.masked_keys, sizeof a->ro.masked_keys));
    FUZZ_REQUIRE(!memcmp(a->ro.ablated, b->ro.ablated, sizeof a->ro.ablated));
    FUZZ_REQUIRE(a->wm.n == b->wm.n);
    for (int i = 0; i < a->wm.n; i++)
        FUZZ_REQUIRE(a->wm.span[i].start == b->wm.span[i].start && a->wm.span[i].end == b->wm.span[i].end);
    FUZZ_REQUIRE(a->layer == b->layer && a->head == b->head);
    FUZZ_REQUIRE(a->pin_q == b->pin_q && a->pin_k == b->pin_k);
    FUZZ_REQUIRE(a->zoom == b->zoom && a->zoom_row == b->zoom_row && a->zoom_col == b->zoom_col);
    FUZZ_REQUIRE(a->cmap == b->cmap && a->white == b->white && a->pre_rope == b->pre_rope);
    FUZZ_REQUIRE(a->seg_filter == b->seg_filter);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Session s;
    SessionReport rep;
    EngineError err;
    err.msg[0] = 0;
    int rc;
    if (size % 8 == 0) {
        rc = session_load(&s, fuzz_write("s.json", data, size), &rep, &err);
    } else {
        FUZZ_REQUIRE(session_init(&s) == 0);
        rc = session_from_json(&s, (const char *)data, size, "fuzz.json", &rep, &err);
    }
    FUZZ_REQUIRE(rc == 0 || rc == -1);
    if (rc) fuzz_check_error(err.msg);
    fuzz_check_report(&rep);
    fuzz_check_session(&s);

    char *json = session_to_json(&s);
    FUZZ_REQUIRE(json != NULL);
    Session back;
    FUZZ_REQUIRE(session_init(&back) == 0);
    SessionReport rep2;
    rc = session_from_json(&back, json, strlen(json), "again.json", &rep2, &err);
    if (rc || rep2.n) fprintf(stderr, "fuzz: round trip: %s\n", rc ? err.msg : rep2.msg[0]);
    FUZZ_REQUIRE(rc == 0 && rep2.n == 0);
    fuzz_check_same(&s, &back);
    free(json);
    session_free(&back);
    session_free(&s);
    return 0;
}
