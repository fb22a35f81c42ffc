/* atomicfile.c — see atomicfile.h. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *atomicfile__hint = "HINT: check free disk space and that the folder is writable";

int atomicfile_open(AtomicFile *af, const char *path, EngineError *err) {
    memset(af, 0, sizeof *af);
    if (!path || !strcmp(path, "-")) {
        snprintf(af->path, sizeof af->path, "stdout");
        af->f = stdout;
        af->to_stdout = true;
        return 0;
    }
    snprintf(af->path, sizeof af->path, "%s", path);
    snprintf(af->dest, sizeof af->dest, "%s", path);
    struct stat sb;
    mode_t mode = 0;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return engine_fail(err, "%s: is a folder; HINT: give a file name", path);
        if (!S_ISREG(sb.st_mode)) af->copy = true;
        else mode = sb.st_mode & 07777;
        char real[PATH_MAX];
        if (!af->copy && realpath(path, real)) snprintf(af->dest, sizeof af->dest, "%s", real);
    }
    if (af->copy) {
        const char *td = getenv("TMPDIR");
        snprintf(af->tmp, sizeof af->tmp, "%s/attnscope-out.tmp-XXXXXX", td && *td ? td : "/tmp");
    } else {
        const char *slash = strrchr(af->dest, '/');
        int dir_len = slash ? (int)(slash - af->dest + 1) : 0;
        snprintf(af->tmp, sizeof af->tmp, "%.*s.%s.tmp-XXXXXX", dir_len, af->dest,
                 slash ? slash + 1 : af->dest);
    }
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        af->tmp[0] = 0;
        return engine_fail(err, "%s: cannot write: %s; %s", path, strerror(errno), atomicfile__hint);
    }
    if (!mode) {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    if (!af->copy) fchmod(fd, mode);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        close(fd);
        unlink(af->tmp);
        af->tmp[0] = 0;
        return engine_fail(err, "%s: out of memory; %s", path, atomicfile__hint);
    }
    return 0;
}

/* Copies the finished temporary file into a non-regular target. */
static int atomicfile__copy(AtomicFile *af, EngineError *err) {
    FILE *in = fopen(af->tmp, "rb");
    FILE *out = in ? fopen(af->dest, "wb") : NULL;
    int rc = 0, e = 0;
    char buf[1 << 16];
    size_t n;
    if (!in || !out) { e = errno; rc = -1; }
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) { e = errno; rc = -1; }
    if (!rc && (ferror(in) || fflush(out) != 0)) { e = errno; rc = -1; }
    if (in) fclose(in);
    if (out && fclose(out) != 0 && !rc) { e = errno; rc = -1; }
    if (rc) return engine_fail(err, "%s: write failed: %s; %s", af->path, strerror(e ? e : EIO), atomicfile__hint);
    return 0;
}

int atomicfile_commit(AtomicFile *af, EngineError *err) {
    if (!af->f) return engine_fail(err, "%s: not open; HINT: this is a bug", af->path);
    if (af->to_stdout) {
        int bad = fflush(stdout) != 0 || ferror(stdout);
        int e = errno;
        af->f = NULL;
        if (bad) return engine_fail(err, "stdout: write failed: %s; %s", strerror(e ? e : EIO), atomicfile__hint);
        return 0;
    }
    int e = 0;
    if (fflush(af->f) != 0 || ferror(af->f)) e = errno ? errno : EIO;
    if (!e && fsync(fileno(af->f)) != 0 && errno != EINVAL) e = errno;
    if (fclose(af->f) != 0 && !e) e = errno ? errno : EIO;
    af->f = NULL;
    if (!e && af->copy && atomicfile__copy(af, err)) {
        atomicfile_abort(af);
        return -1;
    }
    if (!e && !af->copy && rename(af->tmp, af->dest) != 0) e = errno;
    if (e) {
        atomicfile_abort(af);
        return engine_fail(err, "%s: write failed: %s; %s", af->path, strerror(e), atomicfile__hint);
    }
    if (af->copy) unlink(af->tmp);
    af->tmp[0] = 0;
    return 0;
}

void atomicfile_abort(AtomicFile *af) {
    if (af->f && !af->to_stdout) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) unlink(af->tmp);
    af->tmp[0] = 0;
}
