/* atomicfile.h — checked output files that are never left half-written.
 *
 * Depends on nothing but libc and error.h, so the app (exports, sessions)
 * can use it as well as the CLI.
 *
 *     AtomicFile af;
 *     if (atomicfile_open(&af, "out.json", &err)) ...   // NULL or "-": stdout
 *     fprintf(af.f, ...);                               // or write af.tmp by name
 *     if (atomicfile_commit(&af, &err)) ...             // one line: what failed
 *
 * Writes go to a temporary file beside the target (".NAME.tmp-XXXXXX", the
 * target's mode or 0666 & ~umask), which commit flushes, fsyncs, closes
 * (each checked) and renames over the target. On any failure the temporary
 * file is removed and the target is untouched. A target that exists and is
 * not a regular file (/dev/full, a FIFO, /dev/stdout) cannot be replaced: the
 * temporary file is made in $TMPDIR and commit copies it in, checked. A
 * symlink is followed: its target is replaced.
 */
#ifndef ENGINE_ATOMICFILE_H
#define ENGINE_ATOMICFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

typedef struct {
    FILE *f;            /* where to write; stdout for "-" */
    char path[1024];    /* the target as given */
    char dest[4096];    /* the file rename replaces (symlinks resolved) */
    char tmp[4200];     /* the temporary file; "" for stdout */
    bool to_stdout;     /* f is stdout: commit only flushes */
    bool copy;          /* the target is not a regular file: copy into it */
} AtomicFile;

/* Starts writing path (NULL or "-": standard output). -1 with one line when
 * the folder is not writable. */
int atomicfile_open(AtomicFile *af, const char *path, EngineError *err);

/* Finishes: flush, fsync, close, rename (or copy); every step checked. On
 * failure -1 with one line naming the target and the cause, and nothing is
 * left behind. af is closed either way. */
int atomicfile_commit(AtomicFile *af, EngineError *err);

/* Gives up: closes and removes the temporary file. Safe after commit. */
void atomicfile_abort(AtomicFile *af);

#endif
