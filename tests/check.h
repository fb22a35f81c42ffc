/* check.h — the test harness every tests/test_*.c includes.
 *
 *     CHECK(cond, "what, with %d", value);   // counts and reports one check
 *     CHECK_CLOSE(got, want, tol, "name");   // |got-want| <= tol*(1+|want|), no NaN
 *     SKIP("reason");                        // a whole file skipped with a reason
 *     return check_summary();                // prints "N passed, N failed"
 *
 * A test binary exits non-zero when any check failed.
 */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int check_n_passed, check_n_failed, check_n_skipped;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (cond) {                                                            \
            check_n_passed++;                                                  \
        } else {                                                               \
            check_n_failed++;                                                  \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                        \
            printf(__VA_ARGS__);                                               \
            printf("\n");                                                      \
        }                                                                      \
    } while (0)

/* abs + rel tolerance: |got - want| <= tol * (1 + |want|). */
static inline int check_close(double got, double want, double tol) {
    if (isnan(got) || isnan(want)) return isnan(got) && isnan(want);
    if (isinf(want)) return got == want;
    return fabs(got - want) <= tol * (1.0 + fabs(want));
}

#define CHECK_CLOSE(got, want, tol, ...)                                       \
    CHECK(check_close((got), (want), (tol)), __VA_ARGS__)

#define SKIP(...)                                                              \
    do {                                                                       \
        check_n_skipped++;                                                     \
        printf("SKIP: ");                                                      \
        printf(__VA_ARGS__);                                                   \
        printf("\n");                                                          \
    } while (0)

static inline int check_summary(void) {
    printf("%d passed, %d failed", check_n_passed, check_n_failed);
    if (check_n_skipped) printf(", %d skipped", check_n_skipped);
    printf("\n");
    return check_n_failed ? 1 : 0;
}

static inline int check_path_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* The whole file as a NUL-terminated heap string (len may be NULL), or NULL
 * if it cannot be read. */
static inline char *check_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        if (len) *len = (size_t)n;
    }
    return buf;
}

/* Hex digits to bytes: a NUL-terminated heap buffer, its length in *len. */
static inline char *check_from_hex(const char *hex, size_t *len) {
    size_t n = strlen(hex) / 2;
    char *out = malloc(n + 1);
    if (!out) abort();
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    out[n] = '\0';
    *len = n;
    return out;
}

/* ../shared beside the repo, or $ATTNSCOPE_SHARED. */
static inline const char *check_shared_dir(void) {
    const char *env = getenv("ATTNSCOPE_SHARED");
    return env ? env : "../shared";
}

#endif
