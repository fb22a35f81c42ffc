/* mapguard.c — see mapguard.h. */
#include "mapguard.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    _Atomic(uintptr_t) base;  /* 0 = free slot */
    size_t size;
    char path[1024];
    char line[1200];          /* the message, prepared outside the handler */
    size_t line_len;
} MapguardSlot;

static MapguardSlot mapguard__slots[MAPGUARD_MAX];
static _Thread_local MapGuard *mapguard__current;
static atomic_int mapguard__installed;
static atomic_int mapguard__caught_once;
static MapguardFatalHook mapguard__hook;
static void *mapguard__hook_ctx;
static struct sigaction mapguard__old;

static void mapguard__handler(int sig, siginfo_t *si, void *uctx) {
    (void)uctx;
    uintptr_t a = (uintptr_t)si->si_addr;
    int slot = -1;
    for (int i = 0; i < MAPGUARD_MAX; i++) {
        uintptr_t b = atomic_load(&mapguard__slots[i].base);
        if (b > 1 && a >= b && a - b < mapguard__slots[i].size) { slot = i; break; }
    }
    if (slot < 0) {
        /* Not ours: the previous action, re-raised when we return. */
        sigaction(sig, &mapguard__old, NULL);
        return;
    }
    MapGuard *g = mapguard__current;
    if (g) {
        g->slot = slot;
        atomic_store(&mapguard__caught_once, 1);
        siglongjmp(g->jb, 1);
    }
    if (atomic_load(&mapguard__caught_once)) {
        /* A guard already reported this; let its caller print and exit. */
        struct timespec ts = {2, 0};
        nanosleep(&ts, NULL);
        _exit(1);
    }
    MapguardSlot *s = &mapguard__slots[slot];
    if (mapguard__hook) mapguard__hook(s->line, mapguard__hook_ctx);
    ssize_t w = write(STDERR_FILENO, "attnscope: ", 11);
    w = write(STDERR_FILENO, s->line, s->line_len);
    w = write(STDERR_FILENO, "\n", 1);
    (void)w;
    _exit(1);
}

static void mapguard__install(void) {
    int expect = 0;
    if (!atomic_compare_exchange_strong(&mapguard__installed, &expect, 1)) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = mapguard__handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &mapguard__old);
}

void mapguard_register(const void *base, size_t size, const char *path) {
    if (!base || !size) return;
    mapguard__install();
    for (int i = 0; i < MAPGUARD_MAX; i++) {
        MapguardSlot *s = &mapguard__slots[i];
        uintptr_t expect = 0;
        /* Reserve the slot (1 never matches an address), fill it, publish. */
        if (!atomic_compare_exchange_strong(&s->base, &expect, (uintptr_t)1)) continue;
        s->size = size;
        snprintf(s->path, sizeof s->path, "%s", path);
        char raw[1200];
        snprintf(raw, sizeof raw, "%s: the file shrank while attnscope was reading it (SIGBUS); "
                 "HINT: do not change a model file in use, then reload the model", path);
        s->line_len = engine_escape(s->line, sizeof s->line, raw, strlen(raw));
        atomic_store(&s->base, (uintptr_t)base);
        return;
    }
}

void mapguard_unregister(const void *base) {
    if (!base) return;
    for (int i = 0; i < MAPGUARD_MAX; i++) {
        uintptr_t expect = (uintptr_t)base;
        if (atomic_compare_exchange_strong(&mapguard__slots[i].base, &expect, 0)) return;
    }
}

void mapguard_set_fatal_hook(MapguardFatalHook hook, void *ctx) {
    mapguard__hook_ctx = ctx;
    mapguard__hook = hook;
}

int mapguard_fault_caught(void) {
    return atomic_load(&mapguard__caught_once);
}

void mapguard__enter(MapGuard *g) {
    g->slot = -1;
    g->prev = mapguard__current;
    mapguard__current = g;
}

void mapguard__leave(MapGuard *g) {
    mapguard__current = g->prev;
}

int mapguard__caught(MapGuard *g, EngineError *err) {
    int slot = g->slot;
    const char *path = slot >= 0 && slot < MAPGUARD_MAX ? mapguard__slots[slot].path : "a model file";
    return engine_fail(err, "%s: the file shrank while attnscope was reading it (SIGBUS); "
                       "HINT: do not change a model file in use, then reload the model", path);
}
