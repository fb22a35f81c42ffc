/* safetensors_fuzzer.c — libFuzzer target for st_open (safetensors.h).
 *
 * Every input is written to a private temporary file and opened with
 * st_open; when that succeeds, every tensor it accepted is looked up with
 * st_find, shape-checked against itself, and converted with st_read_f32 (or
 * read in place), so a header that passes validation but points outside the
 * mapping shows up as an ASan report. Not built by `make`.
 *
 * Build and run (from the repo root; seeds: any model.safetensors, e.g. the
 * oracle's, after `make test` or tests/oracle/gpt2_oracle.py build/oracle):
 *
 *   clang -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *       -fno-sanitize-recover=undefined \
 *       -Isrc tests/fuzz/safetensors_fuzzer.c \
 *       src/engine/safetensors.c src/engine/error.c -lcjson \
 *       -o build/safetensors_fuzzer
 *   mkdir -p build/fuzz-corpus
 *   cp build/oracle/gpt2_f16/model.safetensors build/fuzz-corpus/f16
 *   cp build/oracle/gpt2_prefixed/model.safetensors build/fuzz-corpus/prefixed
 *   ./build/safetensors_fuzzer -max_len=200000 -max_total_time=300 build/fuzz-corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/safetensors.h"

/* Largest tensor the target converts: bigger ones are only validated. */
#define FUZZ_MAX_ELEMS (1u << 20)

static char fuzz_path[64];

/* Replaces the temporary file's contents with data[0..size). */
static int fuzz_write(const uint8_t *data, size_t size) {
    if (!fuzz_path[0]) {
        snprintf(fuzz_path, sizeof fuzz_path, "/tmp/st-fuzz-XXXXXX");
        int fd = mkstemp(fuzz_path);
        if (fd < 0) abort();
        close(fd);
    }
    FILE *f = fopen(fuzz_path, "wb");
    if (!f) abort();
    size_t n = fwrite(data, 1, size, f);
    fclose(f);
    return n == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (fuzz_write(data, size)) return 0;
    SafeTensors st;
    EngineError err;
    err.msg[0] = '\0';
    if (st_open(&st, fuzz_path, &err) != 0) {
        /* A rejected file must say why, in one line. */
        if (!err.msg[0] || strchr(err.msg, '\n')) abort();
        return 0;
    }
    for (int i = 0; i < st.n_tensors; i++) {
        const StTensor *t = &st.tensors[i];
        if (st_find(&st, t->name) == NULL) abort();
        if (t->begin > t->end || t->end > st.data_size) abort();
        if (st_check_shape(&st, t, t->n_dims, t->shape, &err) != 0 && t->dtype != ST_OTHER) abort();
        if (t->dtype == ST_OTHER || t->n_elems > FUZZ_MAX_ELEMS) continue;
        const float *in_place = st_f32_in_place(&st, t);
        volatile float sink = 0;
        if (in_place) {
            for (size_t j = 0; j < t->n_elems; j++) sink += in_place[j];
            continue;
        }
        float *dst = malloc((t->n_elems ? t->n_elems : 1) * sizeof *dst);
        if (!dst) continue;
        if (st_read_f32(&st, t, dst, &err) == 0)
            for (size_t j = 0; j < t->n_elems; j++) sink += dst[j];
        free(dst);
        (void)sink;
    }
    st_close(&st);
    return 0;
}
