/* fileio.c — see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fileio__kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

static void fileio__stamp(FileStamp *s, const char *path, const struct stat *sb) {
    snprintf(s->path, sizeof s->path, "%s", path);
    s->dev = (uint64_t)sb->st_dev;
    s->ino = (uint64_t)sb->st_ino;
    s->size = (int64_t)sb->st_size;
    s->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

int fileio_open_regular(const char *path, const char *hint, FileStamp *stamp, EngineError *err) {
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return engine_fail(err, "%s: cannot open: %s; HINT: %s", path, strerror(errno), hint);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return engine_fail(err, "%s: cannot stat: %s; HINT: %s", path, strerror(e), hint);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return engine_fail(err, "%s: is %s, not a regular file; HINT: %s", path, fileio__kind(sb.st_mode), hint);
    }
    /* Regular files never block; make reads plain again anyway. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    if (stamp) fileio__stamp(stamp, path, &sb);
    return fd;
}

int fileio_read_all(const char *path, size_t limit, const char *hint, char **out, size_t *len,
                    EngineError *err) {
    *out = NULL;
    if (len) *len = 0;
    FileStamp st;
    int fd = fileio_open_regular(path, hint, &st, err);
    if (fd < 0) return -1;
    if (st.size < 0 || (uint64_t)st.size > limit) {
        close(fd);
        return engine_fail(err, "%s: %lld bytes, over the limit of %zu MiB for this kind of file; HINT: %s",
                           path, (long long)st.size, limit >> 20, hint);
    }
    size_t size = (size_t)st.size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return engine_fail(err, "%s: out of memory for %zu bytes; HINT: %s", path, size, hint);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : 0;
            close(fd);
            free(buf);
            if (e) return engine_fail(err, "%s: read failed: %s; HINT: %s", path, strerror(e), hint);
            return engine_fail(err, "%s: the file shrank while being read; HINT: retry when nothing writes to it", path);
        }
        got += (size_t)n;
    }
    close(fd);
    buf[size] = '\0';
    *out = buf;
    if (len) *len = size;
    return 0;
}

int fileio_stamp_check(const FileStamp *s, EngineError *err) {
    if (!s->path[0]) return 0;
    struct stat sb;
    if (stat(s->path, &sb) != 0)
        return engine_fail(err, "%s: the file is gone since it was loaded (%s); HINT: restore it and reload the model",
                           s->path, strerror(errno));
    FileStamp now;
    fileio__stamp(&now, s->path, &sb);
    if (now.dev != s->dev || now.ino != s->ino)
        return engine_fail(err, "%s: the file was replaced since it was loaded; HINT: reload the model", s->path);
    if (now.size != s->size)
        return engine_fail(err, "%s: the file changed size since it was loaded (%lld -> %lld bytes); HINT: reload the model",
                           s->path, (long long)s->size, (long long)now.size);
    if (now.mtime_ns != s->mtime_ns)
        return engine_fail(err, "%s: the file was modified since it was loaded; HINT: reload the model", s->path);
    return 0;
}
