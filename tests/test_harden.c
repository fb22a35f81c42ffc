/* test_harden.c — the engine's guards against hostile files and lost writes,
 * unit by unit (issue 13):
 *   - engine_escape / engine_fail: control and invalid bytes become \n, \xNN;
 *     valid UTF-8 stays; a cut never splits an escape; one line always;
 *   - fileio: FIFOs, folders and devices refused without blocking; the size
 *     limit; model_check_files catches a shrunk, touched or replaced file;
 *   - mapguard: a SIGBUS from a truncated mapped model is caught on a guarded
 *     thread with one line naming the file; on an unguarded thread it ends the
 *     process with one line on stderr and exit status 1 (in a child), with
 *     the fatal hook run first;
 *   - atomicfile: commit replaces the target whole; a failed write keeps the
 *     old file and leaves nothing behind.
 * Uses a copy of the oracle's gpt2_f32 checkpoint ($BUILD/oracle).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "engine/atomicfile.h"
#include "engine/fileio.h"
#include "engine/forward.h"
#include "engine/mapguard.h"
#include "engine/model.h"

static char tmpdir[] = "/tmp/attnscope-harden-XXXXXX";

static void copy_file(const char *from, const char *to) {
    char *buf;
    size_t n;
    EngineError err;
    if (fileio_read_all(from, 1u << 30, "", &buf, &n, &err)) { printf("copy: %s\n", err.msg); return; }
    FILE *f = fopen(to, "wb");
    if (f) { fwrite(buf, 1, n, f); fclose(f); }
    free(buf);
}

static int one_line(const char *s) { return strchr(s, '\n') == NULL && strchr(s, '\x1b') == NULL; }

static void test_escape(void) {
    char out[64];
    engine_escape(out, sizeof out, "a\nb\x1b[31m\t\xff\xc3\xa9\x7f", 13);
    CHECK(!strcmp(out, "a\\nb\\x1B[31m\\t\\xFF\xc3\xa9\\x7F"), "escape: got %s", out);
    engine_escape(out, sizeof out, "\xc2\x9b" "x", 3); /* C1 CSI */
    CHECK(!strcmp(out, "\\xC2\\x9Bx"), "C1 control escaped: got %s", out);
    engine_escape(out, 6, "ab\ncd", 5); /* "ab\n" is 4 bytes; "c" fits, "d" not */
    CHECK(!strcmp(out, "ab\\nc"), "cut on a boundary: got %s", out);
    engine_escape(out, 5, "ab\x01", 3); /* the 4-byte escape does not fit */
    CHECK(!strcmp(out, "ab"), "never half an escape: got %s", out);
    EngineError err;
    engine_fail(&err, "%s: model_type \"%s\"", "cfg", "gp\nt2\x1b]0;x\x07");
    CHECK(one_line(err.msg) && strstr(err.msg, "gp\\nt2\\x1B]0;x\\x07"), "engine_fail escapes: %s", err.msg);
    char big[2000];
    memset(big, '\n', sizeof big - 1);
    big[sizeof big - 1] = 0;
    engine_fail(&err, "%s", big);
    CHECK(one_line(err.msg) && strlen(err.msg) < ENGINE_ERROR_SIZE, "a long message stays one line");
    /* A long quoted value (each byte escaped to 4) never pushes the HINT out:
       the fuzzers' first find (tests/fuzz/crashes/cli/). */
    memset(big, '\xff', sizeof big - 1);
    engine_fail(&err, "--mask %s: '%s' is bad; HINT: e.g. --mask keys:0,3", big, big);
    CHECK(one_line(err.msg) && strstr(err.msg, "...; HINT: e.g. --mask keys:0,3") && !strncmp(err.msg, "--mask \\xFF", 11),
          "the hint survives a long quote: %s", err.msg);
}

static void test_fileio(const char *dir) {
    char p[1200];
    EngineError err;
    char *buf;
    size_t n;
    snprintf(p, sizeof p, "%s/fifo", dir);
    mkfifo(p, 0600);
    CHECK(fileio_read_all(p, 100, "h", &buf, &n, &err) == -1 && strstr(err.msg, "FIFO"), "FIFO refused: %s", err.msg);
    CHECK(fileio_read_all(dir, 100, "h", &buf, &n, &err) == -1 && strstr(err.msg, "folder"), "folder refused: %s", err.msg);
    CHECK(fileio_read_all("/dev/zero", 100, "h", &buf, &n, &err) == -1 && strstr(err.msg, "device"), "device refused: %s", err.msg);
    snprintf(p, sizeof p, "%s/big", dir);
    FILE *f = fopen(p, "wb");
    fputs("0123456789", f);
    fclose(f);
    CHECK(fileio_read_all(p, 9, "h", &buf, &n, &err) == -1 && strstr(err.msg, "limit"), "limit: %s", err.msg);
    CHECK(fileio_read_all(p, 10, "h", &buf, &n, &err) == 0 && n == 10 && buf[10] == 0, "read at the limit");
    if (n == 10) free(buf);
}

static Model *load_copy(const char *oracle, const char *dir) {
    const char *files[] = {"config.json", "vocab.json", "merges.txt", "model.safetensors"};
    char a[1200], b[1200];
    for (int i = 0; i < 4; i++) {
        snprintf(a, sizeof a, "%s/%s", oracle, files[i]);
        snprintf(b, sizeof b, "%s/%s", dir, files[i]);
        copy_file(a, b);
    }
    Model *m = NULL;
    EngineError err;
    if (model_load(&m, dir, NULL, &err)) printf("load: %s\n", err.msg);
    return m;
}

/* Reads fd to EOF into buf (NUL-terminated). */
static void read_to_end(int fd, char *buf, size_t cap) {
    size_t o = 0;
    ssize_t k;
    while (o + 1 < cap && (k = read(fd, buf + o, cap - 1 - o)) > 0) o += (size_t)k;
    buf[o] = 0;
}

static volatile float sink;
static int sum_weights(const Model *m) {
    float s = 0;
    size_t n = (size_t)m->config.vocab_size * m->config.d_model;
    for (size_t i = 0; i < n; i += 64) s += m->weights.tok_emb[i];
    sink = s;
    return 0;
}

static void *unguarded_reader(void *arg) {
    sum_weights(arg);
    return NULL;
}

static void fatal_hook(const char *msg, void *ctx) {
    (void)ctx;
    ssize_t w = write(STDOUT_FILENO, "HOOK ", 5);
    w = write(STDOUT_FILENO, msg, strlen(msg));
    (void)w;
}

static void test_mapguard(const char *oracle, const char *dir) {
    Model *m = load_copy(oracle, dir);
    CHECK(m != NULL, "copy of %s loads", oracle);
    if (!m) return;
    EngineError err;
    CHECK(model_check_files(m, &err) == 0, "fresh model passes the check");
    char st[1200];
    snprintf(st, sizeof st, "%s/model.safetensors", dir);
    /* touched in place: same size, new mtime */
    struct timespec times[2] = {{0, UTIME_NOW}, {1, 0}};
    utimensat(AT_FDCWD, st, times, 0);
    CHECK(model_check_files(m, &err) == -1 && strstr(err.msg, "model.safetensors") && strstr(err.msg, "modified"),
          "touched file refused: %s", err.msg);
    Trace *tr = trace_create(m, 2);
    int ids[2] = {1, 2};
    RunOptions ro = run_options_default();
    CHECK(forward_run(m, ids, 2, &ro, tr, &err) == -1 && one_line(err.msg), "forward_run refuses: %s", err.msg);
    model_free(m);
    trace_free(tr);

    m = load_copy(oracle, dir);
    if (!m) return;
    CHECK(m->map_stamp.size > 4096, "weights are mapped in place (%lld bytes)", (long long)m->map_stamp.size);
    if (truncate(st, 0) != 0) printf("truncate: %s\n", strerror(errno));
    CHECK(model_check_files(m, &err) == -1 && strstr(err.msg, "changed size"), "shrunk file refused: %s", err.msg);
    int rc = 0;
    MAPGUARD_RUN(rc, &err, sum_weights(m));
    CHECK(rc == -1 && strstr(err.msg, st) && strstr(err.msg, "SIGBUS") && one_line(err.msg),
          "guarded read of a truncated mapping: rc %d, %s", rc, err.msg);
    CHECK(mapguard_fault_caught(), "the catch is recorded");

    /* An unguarded thread: the process ends, one line, exit 1, hook first. */
    int out[2], errp[2];
    if (pipe(out) || pipe(errp)) return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(errp[1], STDERR_FILENO);
        mapguard_set_fatal_hook(fatal_hook, NULL);
        pthread_t th;
        pthread_create(&th, NULL, unguarded_reader, m);
        pthread_join(th, NULL);
        _exit(0);
    }
    close(out[1]);
    close(errp[1]);
    char ob[2048] = "", eb[2048] = "";
    read_to_end(out[0], ob, sizeof ob);
    read_to_end(errp[0], eb, sizeof eb);
    int status = 0;
    waitpid(pid, &status, 0);
    /* The child inherited "caught once": a guard already reported, so it
       waits, then exits 1 quietly and leaves the one line to the caller. */
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1 && eb[0] == 0 && ob[0] == 0,
          "after a catch, an unguarded fault exits 1 quietly (status %d, stderr %s)", status, eb);
    close(out[0]);
    close(errp[0]);
    model_free(m);
}

/* Runs this binary as a child with args; collects its stdout, stderr and
 * wait status. */
static int run_child(char *const args[], char *ob, char *eb, size_t cap) {
    int out[2], errp[2];
    if (pipe(out) || pipe(errp)) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(errp[1], STDERR_FILENO);
        execv("/proc/self/exe", args);
        _exit(99);
    }
    close(out[1]);
    close(errp[1]);
    read_to_end(out[0], ob, cap);
    read_to_end(errp[0], eb, cap);
    close(out[0]);
    close(errp[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

/* A fresh process (no catch before): the unguarded fault runs the hook,
 * prints one line naming the file and exits 1. */
static void test_unguarded_fresh(const char *oracle, const char *dir) {
    char ob[2048], eb[2048];
    char *args[] = {"test_harden", "--unguarded-child", (char *)oracle, (char *)dir, NULL};
    int status = run_child(args, ob, eb, sizeof ob);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1, "unguarded fault: exit 1 (status %d; stderr %s)", status, eb);
    CHECK(!strncmp(eb, "attnscope: ", 11) && strstr(eb, "model.safetensors") && strstr(eb, "SIGBUS") &&
          strchr(eb, '\n') == eb + strlen(eb) - 1, "unguarded fault: one line naming the file: %s", eb);
    CHECK(!strncmp(ob, "HOOK ", 5) && strstr(ob, "model.safetensors"), "the fatal hook ran first: %s", ob);
}

static int unguarded_child(const char *oracle, const char *dir) {
    Model *m = load_copy(oracle, dir);
    if (!m) return 3;
    char st[1200];
    snprintf(st, sizeof st, "%s/model.safetensors", dir);
    if (truncate(st, 0)) return 4;
    mapguard_set_fatal_hook(fatal_hook, NULL);
    fflush(stdout);
    pthread_t th;
    pthread_create(&th, NULL, unguarded_reader, m);
    pthread_join(th, NULL);
    return 0; /* not reached: the fault ends the process */
}

static void test_atomicfile(const char *dir) {
    char p[1200];
    EngineError err;
    snprintf(p, sizeof p, "%s/out.txt", dir);
    FILE *f = fopen(p, "w");
    fputs("OLD", f);
    fclose(f);
    AtomicFile af;
    CHECK(atomicfile_open(&af, p, &err) == 0, "open: %s", err.msg);
    fputs("NEW CONTENT", af.f);
    CHECK(atomicfile_commit(&af, &err) == 0, "commit: %s", err.msg);
    char *buf = NULL;
    size_t n;
    CHECK(fileio_read_all(p, 100, "", &buf, &n, &err) == 0 && !strcmp(buf, "NEW CONTENT"), "replaced whole");
    free(buf);
    /* a write that fails part-way (file size limit): old file kept */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    CHECK(atomicfile_open(&af, p, &err) == 0, "open again");
    for (int i = 0; i < 10000; i++) fputs("0123456789", af.f);
    int rc = atomicfile_commit(&af, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(rc == -1 && strstr(err.msg, "out.txt") && one_line(err.msg), "failed commit reported: %s", err.msg);
    CHECK(fileio_read_all(p, 100, "", &buf, &n, &err) == 0 && !strcmp(buf, "NEW CONTENT"), "old file kept");
    free(buf);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "ls -A %s | grep -c tmp", dir);
    FILE *ls = popen(cmd, "r");
    int left = -1;
    if (ls) { if (fscanf(ls, "%d", &left) != 1) left = -1; pclose(ls); }
    CHECK(left == 0, "no temporary file left (%d)", left);
    CHECK(atomicfile_open(&af, "/dev/full", &err) == 0, "open /dev/full");
    fputs("x", af.f);
    CHECK(atomicfile_commit(&af, &err) == -1 && strstr(err.msg, "/dev/full"), "/dev/full: %s", err.msg);
    struct stat sb;
    CHECK(stat("/dev/full", &sb) == 0 && S_ISCHR(sb.st_mode), "/dev/full is still a device");
    snprintf(p, sizeof p, "%s/no/such/folder/x", dir);
    CHECK(atomicfile_open(&af, p, &err) == -1 && one_line(err.msg), "missing folder: %s", err.msg);
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "--unguarded-child")) return unguarded_child(argv[2], argv[3]);
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char oracle[512];
    snprintf(oracle, sizeof oracle, "%s/oracle/gpt2_f32", build);
    if (!mkdtemp(tmpdir)) return 1;
    test_escape();
    test_fileio(tmpdir);
    test_atomicfile(tmpdir);
    if (check_path_exists(oracle)) {
        test_mapguard(oracle, tmpdir);
        test_unguarded_fresh(oracle, tmpdir);
    } else {
        SKIP("%s is missing (tests/oracle/gpt2_oracle.py makes it)", oracle);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {}
    return check_summary();
}
