/* fuzz_common.h — what every libFuzzer target in tests/fuzz/ shares.
 *
 * Each target is one <name>_fuzzer.c, built by `make fuzz-build` with
 * clang -fsanitize=fuzzer,address,undefined against the engine sources, run
 * by `make fuzz` (tools/fuzz.sh) from tests/fuzz/corpus/<name>/ and, briefly,
 * by tests/fuzz_test.sh in `make test`. A broken invariant aborts through
 * FUZZ_REQUIRE; memory errors show up as ASan reports.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/error.h"

#define FUZZ_REQUIRE(cond)                                                     \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                           \
        }                                                                      \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_path[64];

static int fuzz_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fuzz_dir_remove(void) {
    if (fuzz_dir_path[0]) nftw(fuzz_dir_path, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* A private folder for this fuzzing process, made on first use and removed
 * at exit. */
static inline const char *fuzz_dir(void) {
    if (!fuzz_dir_path[0]) {
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "/tmp/attnscope-fuzz-XXXXXX");
        if (!mkdtemp(fuzz_dir_path)) abort();
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* Writes data into fuzz_dir()/name; returns the path (static buffer per
 * call site is not needed: the caller copies or uses it at once). */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t size) {
    static char path[4][160];
    static int turn;
    char *p = path[turn++ & 3];
    snprintf(p, sizeof path[0], "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(p, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f) != 0) abort();
    return p;
}

/* The error contract of every rejected input: one line, a HINT, no raw
 * control bytes (engine_fail escapes everything it quotes). */
static inline void fuzz_check_error(const char *msg) {
    FUZZ_REQUIRE(msg[0] != '\0');
    FUZZ_REQUIRE(strstr(msg, "HINT") != NULL);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        FUZZ_REQUIRE(*p >= 0x20 && *p != 0x7F);
}

#endif
