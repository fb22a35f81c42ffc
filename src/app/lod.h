/* lod.h — level of detail for long attention maps: a (rows, cols) map with
 * more cells than the pixels it is drawn in is max-pooled into blocks, one
 * pixel each, so a sharp diagonal (a previous-token head at 1024 tokens)
 * stays visible where nearest sampling would skip most of its cells. Pure C,
 * no SDL: the views colour the pooled values.
 *
 *     int oh = lod_blocks(T, map_h_px), ow = lod_blocks(S, map_w_px);
 *     lod_pool_max(att, S, T, S, oh, ow, pooled); // pooled: (oh, ow)
 *
 * Block b of n cells split into m blocks covers cells
 * [lod_block_start(n, m, b), lod_block_start(n, m, b + 1)): every cell is in
 * exactly one block and no block is empty (m <= n).
 */
#ifndef APP_LOD_H
#define APP_LOD_H

#include <stddef.h>
#include <stdint.h>

/* Blocks for n cells drawn in px pixels: n when they fit (one block per
 * cell, nothing pooled), else px; at least 1 for n >= 1, 0 for n <= 0. */
int lod_blocks(int n, int px);

/* First cell of block b of n cells cut into m blocks (0 <= b <= m; b == m
 * gives n). */
static inline int lod_block_start(int n, int m, int b) {
    return (int)((int64_t)b * n / m);
}

/* dst (out_rows, out_cols) = the max of each block of src (rows, cols),
 * row stride ld floats (ld >= cols); src values are finite (probabilities).
 * Requires 1 <= out_rows <= rows and 1 <= out_cols <= cols. With vis (same
 * layout and stride as src, nonzero = visible; NULL = all visible) only the
 * visible cells count and a block with none gets `masked` instead. Returns
 * 0, or -1 when out of memory (dst untouched). */
int lod_pool_max(const float *src, size_t ld, int rows, int cols, const uint8_t *vis,
                 float masked, int out_rows, int out_cols, float *dst);

/* dst (out_rows, out_cols) = 1 where the block of vis (rows, cols), stride
 * ld, has a nonzero cell, else 0: which pooled blocks show anything. Same
 * requirements as lod_pool_max. */
void lod_pool_any(const uint8_t *vis, size_t ld, int rows, int cols, int out_rows,
                  int out_cols, uint8_t *dst);

#endif
