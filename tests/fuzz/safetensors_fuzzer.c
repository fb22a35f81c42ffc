/* safetensors_fuzzer.c — libFuzzer target for st_open (safetensors.h).
 *
 * Every input is written to a private temporary file and opened with
 * st_open; when that succeeds, every tensor it accepted is looked up with
 * st_find, shape-checked against itself, and converted with st_read_f32 (or
 * read in place), so a header that passes validation but points outside the
 * mapping shows up as an ASan report. A rejected file must give one escaped
 * line with a HINT. Built and run by `make fuzz` (fuzz_common.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/safetensors.h"
#include "fuzz_common.h"

/* Largest tensor the target converts: bigger ones are only validated. */
#define FUZZ_MAX_ELEMS (1u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_write("model.safetensors", data, size);
    SafeTensors st;
    EngineError err;
    err.msg[0] = '\0';
    if (st_open(&st, path, &err) != 0) {
        fuzz_check_error(err.msg);
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
