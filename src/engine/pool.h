/* pool.h — a small pthread pool for the forward pass's non-BLAS work
 * (softmax rows, GELU, bias adds, log-sum-exp and top-k rows, the per-head
 * attention products of short texts).
 *
 * One process-wide pool, sized like BLAS (forward_set_threads sets both, so
 * BLAS and the pool never run more threads than that: they take turns, the
 * pool's threads sleep on a condition variable while BLAS works). The
 * default is $OPENBLAS_NUM_THREADS, else the number of online cores. A job
 * splits [0, n) into contiguous parts, the caller running the first; each
 * item is computed exactly as a serial loop would, so results do not depend
 * on the thread count. One job at a time: a caller that finds the pool busy
 * (another forward pass on another thread) runs its job serially.
 */
#ifndef ENGINE_POOL_H
#define ENGINE_POOL_H

#define POOL_MAX_THREADS 16

/* fn(ctx, lo, hi, part): items [lo, hi), part in [0, pool_threads()). */
typedef void (*PoolFn)(void *ctx, int lo, int hi, int part);

/* Threads a job may use, the caller included (>= 1). */
int pool_threads(void);
/* Sets it (clamped to 1..POOL_MAX_THREADS); n <= 0 leaves it. */
void pool_set_threads(int n);
/* Runs fn over [0, n) in up to pool_threads() parts (and up to max_parts
 * when > 0) of at least `grain` items each; returns when all are done. */
void pool_for(int n, int grain, int max_parts, PoolFn fn, void *ctx);

#endif
