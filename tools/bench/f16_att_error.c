/* f16_att_error.c — what storing attention probabilities as IEEE half
 * floats would cost (issue 12 §2, "f16 storage behind a flag"): runs the
 * real forward pass over a text and rounds every probability of every head
 * to _Float16 and back, reporting the largest absolute and relative error,
 * where the largest one sits, and the memory f16 would save. Measurement
 * only: the trace stores f32.
 *
 *     cc -O2 -std=c11 -D_GNU_SOURCE -Isrc tools/bench/f16_att_error.c build/libengine.a \
 *        $(pkg-config --libs libcjson libpcre2-8) -lopenblas -lm -lpthread -o build/f16_att_error
 *     build/f16_att_error MODEL TEXTFILE [MAX_TOKENS]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: f16_att_error MODEL TEXTFILE [MAX_TOKENS]\n");
        return 2;
    }
    EngineError err;
    Model *m = NULL;
    ModelLoadOptions lo = model_load_options_default();
    if (model_load(&m, argv[1], &lo, &err)) {
        fprintf(stderr, "f16_att_error: %s\n", err.msg);
        return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        fprintf(stderr, "f16_att_error: cannot open %s\n", argv[2]);
        return 1;
    }
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    int cap = argc > 3 ? atoi(argv[3]) : m->config.n_ctx;
    if (cap > m->config.n_ctx || cap < 2) cap = m->config.n_ctx;
    TokenList tl;
    if (tokenizer_encode(m->tokenizer, text, len, m->config.arch == ARCH_LLAMA, &tl, &err)) {
        fprintf(stderr, "f16_att_error: %s\n", err.msg);
        return 1;
    }
    int T = tl.n < (size_t)cap ? (int)tl.n : cap;
    int *ids = malloc((size_t)T * sizeof *ids);
    for (int i = 0; i < T; i++) ids[i] = tl.tokens[i].id;
    Trace *tr = trace_create(m, T);
    RunOptions ro = run_options_for_model(m);
    if (!tr || forward_run(m, ids, T, &ro, tr, &err)) {
        fprintf(stderr, "f16_att_error: %s\n", tr ? err.msg : "out of memory");
        return 1;
    }
    double max_abs = 0, max_rel = 0, sum_abs = 0, at_p = 0;
    size_t n = (size_t)tr->n_layer * tr->n_head * T * T, nz = 0, flushed = 0;
    for (size_t i = 0; i < n; i++) {
        float p = tr->att[i];
        float back = (float)(_Float16)p;
        double e = fabs((double)back - p);
        if (p > 0) {
            nz++;
            sum_abs += e;
            if (back == 0.0f) flushed++;
            if (e / p > max_rel) max_rel = e / p;
        }
        if (e > max_abs) {
            max_abs = e;
            at_p = p;
        }
    }
    printf("model=%s tokens=%d heads=%dx%d probabilities=%zu (non-zero %zu)\n", m->name, T, tr->n_layer,
           tr->n_head, n, nz);
    printf("f16 round trip: max_abs_err=%.3g (at p=%.4f) mean_abs_err=%.3g max_rel_err=%.3g flushed_to_zero=%zu\n",
           max_abs, at_p, nz ? sum_abs / nz : 0.0, max_rel, flushed);
    printf("attention bytes: f32 %.1f MiB, f16 %.1f MiB\n", n * 4 / 1048576.0, n * 2 / 1048576.0);
    trace_free(tr);
    free(ids);
    token_list_free(&tl);
    model_free(m);
    return 0;
}
