/* fileio.h — the one checked way the engine opens and reads input files.
 *
 * Only regular files are read: a FIFO, a device or a folder where a model
 * file should be gets a one-line error instead of a hang (FIFOs are opened
 * O_NONBLOCK, so even the open cannot block) or a huge allocation. Files read
 * whole have a size limit per kind, also reported as an error.
 *
 * Files used in place (mmap'ed weights) get a FileStamp at load: identity,
 * size and mtime. fileio_stamp_check tells whether the file on disk is still
 * the one that was mapped (model_check_files runs it before each forward).
 */
#ifndef ENGINE_FILEIO_H
#define ENGINE_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Size limits of files read whole, by kind. The largest real ones we know
 * are far below: GPT-2's vocab.json 1 MB, Llama 3's tokenizer.json 9 MB. */
#define FILEIO_LIMIT_CONFIG    (4u << 20)   /* config.json */
#define FILEIO_LIMIT_TOKENIZER (256u << 20) /* vocab.json, merges.txt, tokenizer.json, tokenizer.bin */

/* What identifies a mapped file's contents on disk. */
typedef struct {
    char path[1024];
    uint64_t dev, ino;
    int64_t size;
    int64_t mtime_ns;
} FileStamp;

/* Opens path read-only if it is a regular file (never blocks on a FIFO).
 * On success returns an fd and fills *stamp (may be NULL). On failure -1 and
 * one line naming path, ending "HINT: <hint>". */
int fileio_open_regular(const char *path, const char *hint, FileStamp *stamp, EngineError *err);

/* Reads the whole regular file path into a NUL-terminated heap buffer; *len
 * gets its size. A file over limit bytes is an error naming the limit. */
int fileio_read_all(const char *path, size_t limit, const char *hint, char **out, size_t *len,
                    EngineError *err);

/* 0 if the file at stamp->path is still the one stamped (same identity, size
 * and mtime); -1 with a line naming the file and what changed. An empty
 * stamp (path "") always passes. */
int fileio_stamp_check(const FileStamp *stamp, EngineError *err);

#endif
