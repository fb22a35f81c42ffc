/* test_lod.c — max-pooled level of detail for long maps (src/app/lod.c).
 *
 * 1. lod_blocks and the block bounds: every cell in exactly one block, no
 *    block empty, for many (n, m).
 * 2. A 1024-token identity and a previous-token diagonal pooled to 64 and
 *    200 pixels: every diagonal cell lands in a pixel of value 1, every row
 *    and column of pixels has one, and nothing off the diagonal band lights
 *    up. Nearest sampling at 200 pixels (what drawing 1024 cells into 200
 *    did before) loses most of the previous-token diagonal: the reason for
 *    pooling.
 * 3. Max, not mean: one 0.9 cell in a block of 0.001s pools to 0.9.
 * 4. Every pooled value equals a brute-force max with independently computed
 *    bounds, on random maps, square and not (cross-attention: target x
 *    source), with a row stride wider than the map.
 * 5. A visibility mask (causal): a block with no visible cell gets the masked
 *    value, a visible block ignores its masked cells' values; lod_pool_any
 *    marks the same blocks.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/lod.h"
#include "check.h"

/* Block of cell i of n cells cut into m blocks, found by walking the bounds. */
static int block_of(int n, int m, int i) {
    for (int b = 0; b < m; b++)
        if (i >= lod_block_start(n, m, b) && i < lod_block_start(n, m, b + 1)) return b;
    return -1;
}

static void test_bounds(void) {
    CHECK(lod_blocks(0, 64) == 0, "no cells, no blocks");
    CHECK(lod_blocks(10, 64) == 10, "10 cells fit in 64 px: one block each");
    CHECK(lod_blocks(1024, 64) == 64, "1024 cells in 64 px: 64 blocks");
    CHECK(lod_blocks(1024, 0) == 1, "no pixels: one block, got %d", lod_blocks(1024, 0));
    int bad = 0;
    for (int n = 1; n <= 300; n += 7)
        for (int m = 1; m <= n; m += 3) {
            if (lod_block_start(n, m, 0) != 0 || lod_block_start(n, m, m) != n) bad++;
            for (int b = 0; b < m; b++)
                if (lod_block_start(n, m, b + 1) <= lod_block_start(n, m, b)) bad++; /* empty */
        }
    CHECK(bad == 0, "block bounds cover every cell once, none empty (%d bad)", bad);
}

/* A (T, T) map with 1 at (i, i - shift) (row i < shift: at column 0). */
static float *diagonal(int T, int shift) {
    float *a = calloc((size_t)T * T, sizeof *a);
    for (int i = 0; i < T; i++) a[(size_t)i * T + (i >= shift ? i - shift : 0)] = 1.0f;
    return a;
}

static void test_diagonal(int T, int shift, int px) {
    float *a = diagonal(T, shift);
    int m = lod_blocks(T, px);
    float *p = malloc((size_t)m * m * sizeof *p);
    CHECK(lod_pool_max(a, (size_t)T, T, T, NULL, -1.0f, m, m, p) == 0, "pooled");
    int lost = 0, stray = 0, empty_rows = 0, empty_cols = 0;
    for (int i = 0; i < T; i++) {
        int k = i >= shift ? i - shift : 0;
        if (p[(size_t)block_of(T, m, i) * m + block_of(T, m, k)] != 1.0f) lost++;
    }
    for (int y = 0; y < m; y++) {
        int n = 0;
        for (int x = 0; x < m; x++) {
            float v = p[(size_t)y * m + x];
            if (v == 1.0f) n++;
            if (v != 0.0f && v != 1.0f) stray++;
            /* a diagonal one block wide (two where a block edge cuts it) */
            if (v == 1.0f && (x > y || x < y - shift)) stray++;
        }
        if (n == 0) empty_rows++;
    }
    for (int x = 0; x < m; x++) {
        int n = 0;
        for (int y = 0; y < m; y++) n += p[(size_t)y * m + x] == 1.0f;
        if (n == 0) empty_cols++;
    }
    CHECK(m == px, "T=%d in %d px pools to %d blocks", T, px, m);
    CHECK(lost == 0, "T=%d shift %d to %d px: %d diagonal cells lost", T, shift, px, lost);
    CHECK(empty_rows == 0 && empty_cols == 0, "T=%d shift %d to %d px: %d pixel rows, %d "
          "columns without the diagonal", T, shift, px, empty_rows, empty_cols);
    CHECK(stray == 0, "T=%d shift %d to %d px: %d pixels lit off the diagonal", T, shift, px, stray);
    if (shift == 1 && px == 200) {
        /* the premise: nearest sampling (pixel -> cell floor(x * T / px))
           shows only the diagonal cells whose row and column are both sampled */
        int shown = 0;
        for (int y = 0; y < px; y++)
            for (int x = 0; x < px; x++)
                shown += a[(size_t)(y * T / px) * T + (x * T / px)] == 1.0f;
        CHECK(shown < px / 2, "nearest sampling shows %d of %d pixel rows' diagonal", shown, px);
    }
    free(p);
    free(a);
}

static void test_max_not_mean(void) {
    enum { N = 64 };
    float a[N * N];
    for (int i = 0; i < N * N; i++) a[i] = 0.001f;
    a[5 * N + 9] = 0.9f;   /* in block (0, 0) of 4 x 4 blocks of 16 */
    a[40 * N + 50] = 0.3f; /* in block (2, 3) */
    float p[16];
    lod_pool_max(a, N, N, N, NULL, -1.0f, 4, 4, p);
    CHECK(p[0] == 0.9f, "block (0, 0) is its max 0.9, got %g (mean would be ~0.0045)", p[0]);
    CHECK(p[2 * 4 + 3] == 0.3f, "block (2, 3) is its max 0.3, got %g", p[2 * 4 + 3]);
    CHECK(p[1] == 0.001f && p[15] == 0.001f, "flat blocks keep 0.001: %g %g", p[1], p[15]);
}

static uint32_t rng = 12345;
static float frand(void) {
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / 16777216.0f;
}

/* Brute force with the bounds computed in double: floor(b * n / m). */
static int bound(int n, int m, int b) { return (int)floor((double)b * n / m + 1e-9); }

static void test_random(int rows, int cols, int ld, int orows, int ocols) {
    float *a = malloc((size_t)rows * ld * sizeof *a);
    for (size_t i = 0; i < (size_t)rows * ld; i++) a[i] = frand();
    float *p = malloc((size_t)orows * ocols * sizeof *p);
    lod_pool_max(a, (size_t)ld, rows, cols, NULL, -1.0f, orows, ocols, p);
    int bad = 0;
    for (int y = 0; y < orows; y++)
        for (int x = 0; x < ocols; x++) {
            float m = -1.0f;
            for (int r = bound(rows, orows, y); r < bound(rows, orows, y + 1); r++)
                for (int c = bound(cols, ocols, x); c < bound(cols, ocols, x + 1); c++)
                    if (a[(size_t)r * ld + c] > m) m = a[(size_t)r * ld + c];
            if (p[(size_t)y * ocols + x] != m) bad++;
        }
    CHECK(bad == 0, "(%d, %d) stride %d pooled to (%d, %d): %d pixels differ from the "
          "brute-force max", rows, cols, ld, orows, ocols, bad);
    free(p);
    free(a);
}

/* Cross-attention, target 37 x source 1024: a sharp alignment (target t
 * reads source t * 1024 / 37) keeps one lit pixel per row at its place. */
static void test_alignment(void) {
    enum { TT = 37, S = 1024, PX = 100 };
    float *a = calloc((size_t)TT * S, sizeof *a);
    for (int t = 0; t < TT; t++) a[(size_t)t * S + t * S / TT] = 0.8f;
    int oh = lod_blocks(TT, 300), ow = lod_blocks(S, PX);
    float p[TT * PX];
    lod_pool_max(a, S, TT, S, NULL, -1.0f, oh, ow, p);
    int bad = 0;
    for (int t = 0; t < TT; t++)
        for (int x = 0; x < ow; x++) {
            bool want = x == block_of(S, ow, t * S / TT);
            if ((p[t * ow + x] == 0.8f) != want) bad++;
        }
    CHECK(oh == TT && ow == PX, "37 x 1024 in 300 x 100 px: %d x %d blocks", oh, ow);
    CHECK(bad == 0, "alignment: %d pixels wrong", bad);
    free(a);
}

static void test_masked(void) {
    enum { N = 40, M = 8 }; /* blocks of 5 */
    float a[N * N];
    uint8_t vis[N * N];
    for (int q = 0; q < N; q++)
        for (int k = 0; k < N; k++) {
            vis[q * N + k] = k <= q;         /* causal */
            a[q * N + k] = k <= q ? 0.1f : 0.7f; /* junk where masked */
        }
    a[7 * N + 6] = 0.5f; /* visible, in the diagonal block (1, 1) */
    float p[M * M];
    lod_pool_max(a, N, N, N, vis, -2.0f, M, M, p);
    int bad = 0;
    for (int y = 0; y < M; y++)
        for (int x = 0; x < M; x++) {
            float want = x > y ? -2.0f : (y == 1 && x == 1) ? 0.5f : 0.1f;
            if (p[y * M + x] != want) bad++;
        }
    CHECK(bad == 0, "causal mask: %d blocks wrong (masked blocks -2, visible ones the max "
          "of their visible cells only)", bad);
    uint8_t any[M * M];
    lod_pool_any(vis, N, N, N, M, M, any);
    bad = 0;
    for (int i = 0; i < M * M; i++) bad += any[i] != (p[i] != -2.0f);
    CHECK(bad == 0, "lod_pool_any: %d blocks disagree with the masked ones", bad);
}

int main(void) {
    test_bounds();
    int px[2] = {64, 200};
    for (int i = 0; i < 2; i++) {
        test_diagonal(1024, 0, px[i]); /* identity (current token) */
        test_diagonal(1024, 1, px[i]); /* previous token */
    }
    test_max_not_mean();
    test_random(1024, 1024, 1024, 200, 200);
    test_random(37, 1024, 1024, 37, 100);   /* cross-attention, columns pooled */
    test_random(300, 50, 64, 120, 50);      /* rows pooled, a wider stride */
    test_random(97, 61, 61, 97, 61);        /* fits: a copy */
    test_alignment();
    test_masked();
    return check_summary();
}
