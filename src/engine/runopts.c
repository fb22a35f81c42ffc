/* runopts.c — RunOptions: the live knobs of the attention math. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

RunOptions run_options_default(void) {
    RunOptions ro;
    memset(&ro, 0, sizeof ro);
    ro.scale = SCALE_SQRT;
    ro.temperature = 1.0f;
    ro.mask = MASK_CAUSAL;
    ro.window = 8;
    ro.top_k = 5;
    return ro;
}

RunOptions run_options_for_model(const Model *m) {
    RunOptions ro = run_options_default();
    if (m->config.encoder) ro.mask = MASK_NONE;
    return ro;
}

/* Parses a whole decimal integer in [lo, hi]; no trailing junk. */
static int runopts__int(const char *s, long lo, long hi, long *out) {
    if (!s || !*s || isspace((unsigned char)*s)) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int run_options_parse_scale(RunOptions *ro, const char *spec, EngineError *err) {
    if (!strcmp(spec, "sqrt")) {
        ro->scale = SCALE_SQRT;
        return 0;
    }
    if (!strcmp(spec, "none")) {
        ro->scale = SCALE_NONE;
        return 0;
    }
    if (!strncmp(spec, "temp:", 5)) {
        char *end;
        errno = 0;
        double t = strtod(spec + 5, &end);
        if (spec[5] && !*end && !errno && t >= RUN_TEMP_MIN && t <= RUN_TEMP_MAX) {
            ro->scale = SCALE_TEMP;
            ro->temperature = (float)t;
            return 0;
        }
        return engine_fail(err, "--scale %s: temperature must be a number from %g to %g; HINT: e.g. --scale temp:0.5", spec, RUN_TEMP_MIN, RUN_TEMP_MAX);
    }
    return engine_fail(err, "--scale %s: unknown; HINT: use sqrt, none or temp:T", spec);
}

int run_options_parse_mask(RunOptions *ro, const char *spec, EngineError *err) {
    long v;
    if (!strcmp(spec, "causal")) {
        ro->mask = MASK_CAUSAL;
        return 0;
    }
    if (!strcmp(spec, "none")) {
        ro->mask = MASK_NONE;
        return 0;
    }
    if (!strncmp(spec, "window:", 7)) {
        if (runopts__int(spec + 7, 1, RUN_MAX_KEYS, &v))
            return engine_fail(err, "--mask %s: window must be a whole number >= 1; HINT: e.g. --mask window:4", spec);
        ro->mask = MASK_WINDOW;
        ro->window = (int)v;
        return 0;
    }
    if (!strncmp(spec, "keys:", 5)) {
        ro->mask = MASK_CAUSAL;
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", spec + 5);
        char *save = NULL;
        int n = 0;
        for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (runopts__int(tok, 0, RUN_MAX_KEYS - 1, &v))
                return engine_fail(err, "--mask %s: '%s' is not a token position; HINT: e.g. --mask keys:0,3 (zero-based)", spec, tok);
            run_options_set_key_masked(ro, (int)v, true);
            n++;
        }
        if (!n) return engine_fail(err, "--mask %s: no positions given; HINT: e.g. --mask keys:0,3", spec);
        return 0;
    }
    return engine_fail(err, "--mask %s: unknown; HINT: use causal, none, window:W or keys:a,b", spec);
}

int run_options_parse_mask_model(RunOptions *ro, const Model *m, const char *spec, EngineError *err) {
    if (run_options_parse_mask(ro, spec, err)) return -1;
    if (m->config.encoder && !strncmp(spec, "keys:", 5)) ro->mask = MASK_NONE;
    return 0;
}

int run_options_parse_ablate(RunOptions *ro, const char *spec, EngineError *err) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    int n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *dot = strchr(tok, '.');
        long l, h;
        if (!dot) goto bad;
        *dot = 0;
        if (runopts__int(tok, 0, MODEL_MAX_LAYERS - 1, &l) ||
            runopts__int(dot + 1, 0, MODEL_MAX_HEADS - 1, &h))
            goto bad;
        run_options_set_head_ablated(ro, (int)l, (int)h, true);
        n++;
        continue;
    bad:
        return engine_fail(err, "--ablate %s: expected LAYER.HEAD pairs; HINT: e.g. --ablate 0.3,1.0 (zero-based)", spec);
    }
    if (!n) return engine_fail(err, "--ablate %s: no heads given; HINT: e.g. --ablate 0.3", spec);
    return 0;
}

bool run_options_key_masked(const RunOptions *ro, int pos) {
    if (pos < 0 || pos >= RUN_MAX_KEYS) return false;
    return (ro->masked_keys[pos >> 3] >> (pos & 7)) & 1;
}

void run_options_set_key_masked(RunOptions *ro, int pos, bool masked) {
    if (pos < 0 || pos >= RUN_MAX_KEYS) return;
    if (masked)
        ro->masked_keys[pos >> 3] |= (uint8_t)(1u << (pos & 7));
    else
        ro->masked_keys[pos >> 3] &= (uint8_t)~(1u << (pos & 7));
}

bool run_options_head_ablated(const RunOptions *ro, int layer, int head) {
    if (layer < 0 || layer >= MODEL_MAX_LAYERS || head < 0 || head >= MODEL_MAX_HEADS) return false;
    return (ro->ablated[layer] >> head) & 1u;
}

void run_options_set_head_ablated(RunOptions *ro, int layer, int head, bool on) {
    if (layer < 0 || layer >= MODEL_MAX_LAYERS || head < 0 || head >= MODEL_MAX_HEADS) return;
    if (on)
        ro->ablated[layer] |= (uint64_t)1 << head;
    else
        ro->ablated[layer] &= ~((uint64_t)1 << head);
}

void run_options_visible_range(const RunOptions *ro, int q, int T, int *lo, int *hi) {
    *lo = 0;
    *hi = ro->mask == MASK_NONE ? T : q + 1;
    if (ro->mask == MASK_WINDOW && q - ro->window + 1 > 0) *lo = q - ro->window + 1;
}

bool run_options_visible(const RunOptions *ro, int q, int k) {
    int lo, hi;
    run_options_visible_range(ro, q, k + 1, &lo, &hi);
    return k >= lo && k < hi && !run_options_key_masked(ro, k);
}

void run_options_describe(const RunOptions *ro, char *buf, size_t cap) {
    char scale[32], mask[32];
    if (ro->scale == SCALE_SQRT) snprintf(scale, sizeof scale, "sqrt");
    else if (ro->scale == SCALE_NONE) snprintf(scale, sizeof scale, "none");
    else snprintf(scale, sizeof scale, "temp:%g", ro->temperature);
    if (ro->mask == MASK_CAUSAL) snprintf(mask, sizeof mask, "causal");
    else if (ro->mask == MASK_NONE) snprintf(mask, sizeof mask, "none");
    else snprintf(mask, sizeof mask, "window:%d", ro->window);
    int n_masked = 0, n_ablated = 0;
    for (int i = 0; i < RUN_MAX_KEYS / 8; i++) n_masked += __builtin_popcount(ro->masked_keys[i]);
    for (int l = 0; l < MODEL_MAX_LAYERS; l++) n_ablated += __builtin_popcountll(ro->ablated[l]);
    snprintf(buf, cap, "scale=%s mask=%s", scale, mask);
    size_t len = strlen(buf);
    if (n_masked && len < cap) snprintf(buf + len, cap - len, " masked_keys=%d", n_masked);
    len = strlen(buf);
    if (n_ablated && len < cap) snprintf(buf + len, cap - len, " ablated=%d", n_ablated);
}
