/* lod.c — max-pooled level of detail for long maps; see lod.h. */
#include "app/lod.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

int lod_blocks(int n, int px) {
    if (n <= 0) return 0;
    if (px < 1) px = 1;
    return n <= px ? n : px;
}

/* acc[c] = max(acc[c], row[c]) for c < n (over the visible c only in
 * lod__max_vis). In chunks of 8 with restrict pointers so the compiler
 * vectorizes them at -O2 (half the time of a 1024-token grid). */
static void lod__max(float *restrict acc, const float *restrict row, int n) {
    int c = 0;
    for (; c + 8 <= n; c += 8)
        for (int j = 0; j < 8; j++) acc[c + j] = row[c + j] > acc[c + j] ? row[c + j] : acc[c + j];
    for (; c < n; c++) acc[c] = row[c] > acc[c] ? row[c] : acc[c];
}

static void lod__max_vis(float *restrict acc, const float *restrict row,
                         const uint8_t *restrict vis, int n) {
    int c = 0;
    for (; c + 8 <= n; c += 8)
        for (int j = 0; j < 8; j++)
            acc[c + j] = vis[c + j] && row[c + j] > acc[c + j] ? row[c + j] : acc[c + j];
    for (; c < n; c++) acc[c] = vis[c] && row[c] > acc[c] ? row[c] : acc[c];
}

int lod_pool_max(const float *src, size_t ld, int rows, int cols, const uint8_t *vis,
                 float masked, int out_rows, int out_cols, float *dst) {
    assert(src && dst && (size_t)cols <= ld);
    assert(out_rows >= 1 && out_rows <= rows && out_cols >= 1 && out_cols <= cols);
    /* a block row at a time: first the max down each column (an element-wise
       loop the CPU pipelines, no chain through one running max), then across
       each block's columns; -inf marks a column with no visible cell yet */
    float *acc = malloc((size_t)cols * sizeof *acc); // (cols)
    if (!acc) return -1;
    for (int by = 0; by < out_rows; by++) {
        int r0 = lod_block_start(rows, out_rows, by), r1 = lod_block_start(rows, out_rows, by + 1);
        for (int c = 0; c < cols; c++) acc[c] = -INFINITY;
        for (int r = r0; r < r1; r++) {
            if (vis) lod__max_vis(acc, src + (size_t)r * ld, vis + (size_t)r * ld, cols);
            else lod__max(acc, src + (size_t)r * ld, cols);
        }
        float *out = dst + (size_t)by * out_cols; // (out_cols)
        for (int bx = 0; bx < out_cols; bx++) {
            int c0 = lod_block_start(cols, out_cols, bx), c1 = lod_block_start(cols, out_cols, bx + 1);
            float m = -INFINITY;
            for (int c = c0; c < c1; c++) m = acc[c] > m ? acc[c] : m;
            out[bx] = m == -INFINITY ? masked : m;
        }
    }
    free(acc);
    return 0;
}

void lod_pool_any(const uint8_t *vis, size_t ld, int rows, int cols, int out_rows,
                  int out_cols, uint8_t *dst) {
    assert(vis && dst && (size_t)cols <= ld);
    assert(out_rows >= 1 && out_rows <= rows && out_cols >= 1 && out_cols <= cols);
    for (int by = 0; by < out_rows; by++) {
        int r0 = lod_block_start(rows, out_rows, by), r1 = lod_block_start(rows, out_rows, by + 1);
        for (int bx = 0; bx < out_cols; bx++) {
            int c0 = lod_block_start(cols, out_cols, bx), c1 = lod_block_start(cols, out_cols, bx + 1);
            uint8_t any = 0;
            for (int r = r0; r < r1 && !any; r++)
                for (int c = c0; c < c1; c++) any |= vis[(size_t)r * ld + c] != 0;
            dst[(size_t)by * out_cols + bx] = any;
        }
    }
}
