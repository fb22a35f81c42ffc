/* mapguard.h — no silent death when a mapped model file shrinks in use.
 *
 * Weights are read in place from mmap'ed files. If such a file is truncated
 * while attnscope runs, touching a page past the new end raises SIGBUS, which
 * by default kills the process with no message (exit 135). The loaders
 * register every mapping here; a SIGBUS handler then finds the file the
 * faulting address belongs to and:
 *   - on a thread inside a guard (MAPGUARD_RUN, which forward_run uses),
 *     jumps back to the guard, which returns -1 with one line naming the file;
 *   - on any other thread (an OpenBLAS helper, code outside forward_run),
 *     calls the fatal hook, writes one line naming the file to stderr, and
 *     ends the process with exit status 1.
 * A fault outside every registered mapping is left to the default action.
 *
 * Limits, honestly:
 *   - the guard leaves the forward pass mid-way: its scratch buffer leaks and
 *     the trace holds partial results. BLAS may be left mid-call; if helper
 *     threads fault too they take the fatal path (or, when the guard already
 *     caught the fault, wait a moment and exit 1 quietly, so the caller's
 *     one line is the only one);
 *   - after a caught fault, BLAS helper threads may wait forever for the
 *     abandoned job, and OpenBLAS's exit handler joins them: a process that
 *     saw mapguard_fault_caught() should end with _exit, not exit;
 *   - the fatal hook runs inside a signal handler: only async-signal-safe
 *     work (write(2) of an already serialised session, for instance);
 *   - model_check_files (size and mtime before each run) catches almost all
 *     changes before any page is touched; the handler covers the race.
 */
#ifndef ENGINE_MAPGUARD_H
#define ENGINE_MAPGUARD_H

#include <setjmp.h>
#include <stddef.h>

#include "error.h"

/* Records that [base, base + size) maps path, and installs the SIGBUS handler
 * on first use. Up to MAPGUARD_MAX mappings at once; more are left
 * unguarded (the default action). */
#define MAPGUARD_MAX 32
void mapguard_register(const void *base, size_t size, const char *path);
void mapguard_unregister(const void *base);

/* Called (from the signal handler) before the process ends on an unguarded
 * thread. msg is the one line, without a newline. NULL clears it. */
typedef void (*MapguardFatalHook)(const char *msg, void *ctx);
void mapguard_set_fatal_hook(MapguardFatalHook hook, void *ctx);

/* Whether any guard has caught a fault in this process (see the limits). */
int mapguard_fault_caught(void);

/* A guard frame on the calling thread. Use through MAPGUARD_RUN. */
typedef struct MapGuard {
    sigjmp_buf jb;
    struct MapGuard *prev;
    volatile int slot;   /* the faulting mapping, set by the handler */
} MapGuard;

void mapguard__enter(MapGuard *g);
void mapguard__leave(MapGuard *g);
/* Fills err for a caught fault and returns -1. */
int mapguard__caught(MapGuard *g, EngineError *err);

/* rc = call, with a fault in a registered mapping turned into rc = -1 and a
 * one-line err naming the file. `call` must not keep resources it would
 * need to release on the way out (they leak). */
#define MAPGUARD_RUN(rc, err, call)                                            \
    do {                                                                       \
        MapGuard mapguard_g_;                                                  \
        if (sigsetjmp(mapguard_g_.jb, 1) == 0) {                               \
            mapguard__enter(&mapguard_g_);                                     \
            (rc) = (call);                                                     \
            mapguard__leave(&mapguard_g_);                                     \
        } else {                                                               \
            mapguard__leave(&mapguard_g_);                                     \
            (rc) = mapguard__caught(&mapguard_g_, (err));                      \
        }                                                                      \
    } while (0)

#endif
