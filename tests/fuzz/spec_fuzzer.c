/* spec_fuzzer.c — libFuzzer target for the app's state spec
 * ("layer=1;head=2;focus=5:3;...", src/app/spec.c): the input, up to its
 * first NUL, read item by item with spec_next; the run-option values
 * (scale=, mask=, ablate=) then go to the engine's parsers, as the app
 * applies them.
 *
 * Must hold: spec_next returns 1, 0 or -1 and always moves on (at most one
 * item per byte); a refusal is one escaped line with a HINT; every item's
 * numbers are in their documented ranges (positions below max_pos, the
 * zoom 1..1000, names resolved to valid enums); a value lies inside the
 * string and holds no ';'.
 */
#include <math.h>

#include "app/appstate.h"
#include "app/spec.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

static void fuzz_check_item(const SpecItem *it, int max_pos, const char *buf, size_t len) {
    switch (it->key) {
    case SPEC_LAYER: case SPEC_HEAD: FUZZ_REQUIRE(it->a >= -1000000 && it->a <= 1000000); break;
    case SPEC_FOCUS:
        FUZZ_REQUIRE(it->a >= 0 && it->a < max_pos && it->b >= 0 && it->b < max_pos);
        break;
    case SPEC_ROLE: FUZZ_REQUIRE(it->a >= -1 && it->a < ROLE_N_ROLES); break;
    case SPEC_ZOOM:
        FUZZ_REQUIRE(it->f >= 1.0f && it->f <= 1000.0f);
        FUZZ_REQUIRE(it->a >= 0 && it->a <= max_pos && it->b >= 0 && it->b <= max_pos);
        break;
    case SPEC_ROPE: FUZZ_REQUIRE(!strcmp(it->val, it->on ? "pre" : "post")); break;
    case SPEC_CMAP: FUZZ_REQUIRE(it->a >= 0 && it->a < CMAP_COUNT); break;
    case SPEC_MOUSE: FUZZ_REQUIRE(it->a >= 0 && it->a <= 100000 && it->b >= 0 && it->b <= 100000); break;
    case SPEC_MASKWORD: FUZZ_REQUIRE(it->a >= 0 && it->a < max_pos); break;
    case SPEC_PAIRS: FUZZ_REQUIRE(it->a >= 0 && it->a < SEG_FILTER_COUNT); break;
    case SPEC_KIND: FUZZ_REQUIRE(it->a >= 0 && it->a < MARIAN_KIND_COUNT); break;
    case SPEC_SCALE: case SPEC_MASK: case SPEC_ABLATE: {
        RunOptions ro = run_options_default();
        EngineError err;
        err.msg[0] = 0;
        int rc = it->key == SPEC_SCALE ? run_options_parse_scale(&ro, it->val, &err)
               : it->key == SPEC_MASK ? run_options_parse_mask(&ro, it->val, &err)
                                      : run_options_parse_ablate(&ro, it->val, &err);
        if (rc) fuzz_check_error(err.msg);
        else FUZZ_REQUIRE(ro.temperature >= (float)RUN_TEMP_MIN && ro.temperature <= (float)RUN_TEMP_MAX);
        break;
    }
    default: break;
    }
    FUZZ_REQUIRE(it->val >= buf && it->val <= buf + len);
    FUZZ_REQUIRE(!strchr(it->val, ';'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t len = strnlen((const char *)data, size);
    char *buf = malloc(len + 1);
    if (!buf) return 0;
    memcpy(buf, data, len);
    buf[len] = '\0';
    int max_pos = 1 + (int)(len % APP_MAX_TOKENS); /* small limits too */
    char *cur = buf;
    SpecItem it;
    EngineError err;
    int rc, n = 0;
    while ((rc = spec_next(&cur, max_pos, &it, &err)) == 1) {
        FUZZ_REQUIRE(++n <= (int)len);
        FUZZ_REQUIRE(cur > buf && cur <= buf + len);
        fuzz_check_item(&it, max_pos, buf, len);
    }
    FUZZ_REQUIRE(rc == 0 || rc == -1);
    if (rc) fuzz_check_error(err.msg);
    else FUZZ_REQUIRE(cur == buf + len);
    free(buf);
    return 0;
}
