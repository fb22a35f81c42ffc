/* pool.c — see pool.h. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t pool__mu = PTHREAD_MUTEX_INITIALIZER;   /* the job state */
static pthread_mutex_t pool__busy = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static pthread_cond_t pool__wake = PTHREAD_COND_INITIALIZER;   /* a job was posted */
static pthread_cond_t pool__done = PTHREAD_COND_INITIALIZER;   /* its last part ended */
static int pool__n;              /* threads a job may use; 0 = not yet decided */
static int pool__started;        /* helper threads running */
static unsigned long pool__gen;  /* job number */
static PoolFn pool__fn;
static void *pool__ctx;
static int pool__items, pool__parts, pool__next, pool__left;

int pool_threads(void) {
    pthread_mutex_lock(&pool__mu);
    if (pool__n == 0) {
        const char *env = getenv("OPENBLAS_NUM_THREADS");
        long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
        pool__n = n < 1 ? 1 : n > POOL_MAX_THREADS ? POOL_MAX_THREADS : (int)n;
    }
    int n = pool__n;
    pthread_mutex_unlock(&pool__mu);
    return n;
}

void pool_set_threads(int n) {
    if (n <= 0) return;
    pthread_mutex_lock(&pool__mu);
    pool__n = n > POOL_MAX_THREADS ? POOL_MAX_THREADS : n;
    pthread_mutex_unlock(&pool__mu);
}

/* Items of part p of a job of `items` in `parts`. */
static void pool__range(int items, int parts, int p, int *lo, int *hi) {
    *lo = (int)((long)items * p / parts);
    *hi = (int)((long)items * (p + 1) / parts);
}

static void *pool__main(void *arg) {
    (void)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool__mu);
    for (;;) {
        while (pool__gen == seen || pool__next >= pool__parts) {
            seen = pool__gen;
            pthread_cond_wait(&pool__wake, &pool__mu);
        }
        seen = pool__gen;
        int p = pool__next++, lo, hi;
        PoolFn fn = pool__fn;
        void *ctx = pool__ctx;
        pool__range(pool__items, pool__parts, p, &lo, &hi);
        pthread_mutex_unlock(&pool__mu);
        fn(ctx, lo, hi, p);
        pthread_mutex_lock(&pool__mu);
        if (--pool__left == 0) pthread_cond_signal(&pool__done);
    }
    return NULL;
}

void pool_for(int n, int grain, int max_parts, PoolFn fn, void *ctx) {
    if (n <= 0) return;
    int parts = pool_threads();
    if (max_parts > 0 && parts > max_parts) parts = max_parts;
    if (grain < 1) grain = 1;
    if (parts > n / grain) parts = n / grain;
    if (parts <= 1 || pthread_mutex_trylock(&pool__busy) != 0) {
        fn(ctx, 0, n, 0);
        return;
    }
    pthread_mutex_lock(&pool__mu);
    while (pool__started < parts - 1) { /* helpers start on first use, then sleep between jobs */
        pthread_t t;
        if (pthread_create(&t, NULL, pool__main, NULL) != 0) break;
        pthread_detach(t);
        pool__started++;
    }
    if (parts > pool__started + 1) parts = pool__started + 1;
    pool__fn = fn;
    pool__ctx = ctx;
    pool__items = n;
    pool__parts = parts;
    pool__next = 1; /* part 0 is the caller's */
    pool__left = parts - 1;
    pool__gen++;
    pthread_cond_broadcast(&pool__wake);
    pthread_mutex_unlock(&pool__mu);
    int lo, hi;
    pool__range(n, parts, 0, &lo, &hi);
    fn(ctx, lo, hi, 0);
    pthread_mutex_lock(&pool__mu);
    while (pool__left > 0) pthread_cond_wait(&pool__done, &pool__mu);
    pthread_mutex_unlock(&pool__mu);
    pthread_mutex_unlock(&pool__busy);
}
