/* attnscope — command-line front end over the engine, and the app launcher.
 *
 *   attnscope [app] [--model DIR] [--text TEXT]      open the window
 *   attnscope info     --model DIR
 *   attnscope tokenize --model DIR --text TEXT
 *   attnscope dump     --model DIR --text TEXT [--scale S] [--mask M] [--ablate L.H,..]
 *                      [--vectors] [--out FILE]
 *   attnscope generate --model DIR --text TEXT -n N
 *   attnscope bench    --model DIR --tokens N
 *   attnscope export   --model DIR --text TEXT --layer L --head H [--grid] --out FILE.png
 *
 * --text - reads standard input. Errors print one line and exit 1.
 * One function per subcommand; each returns the exit status.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app/app.h"
#include "cli/args.h"
#include "engine/atomicfile.h"
#include "engine/mapguard.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

static int cli_error(const EngineError *err) {
    fprintf(stderr, "attnscope: %s\n", err->msg);
    return 1;
}

static void cli_usage(void) {
    printf("attnscope — see what every attention head does\n\n"
           "  attnscope [app] [--model DIR] [--text TEXT]   open the window\n"
           "  attnscope info     --model DIR\n"
           "  attnscope tokenize --model DIR --text TEXT [--bos]\n"
           "  attnscope dump     --model DIR --text TEXT [--scale sqrt|none|temp:T]\n"
           "                     [--mask causal|none|window:W|keys:a,b] [--ablate L.H,...]\n"
           "                     [--vectors] [--out FILE] [--bos]\n"
           "  attnscope generate --model DIR --text TEXT -n N\n"
           "  attnscope bench    --model DIR --tokens N\n"
           "  attnscope export   --model DIR --text TEXT --layer L --head H [--grid]\n"
           "                     [--white] [--colormap NAME] [--scale ..] [--mask ..] [--ablate ..]\n"
           "                     --out FILE.png\n\n"
           "--model accepts a Hugging Face GPT-2 or Llama folder, or a llama2.c .bin\n"
           "(its tokenizer beside it, or --tokenizer FILE). Default: the shipped model.\n"
           "--text - reads standard input. temp:T takes T from 0.01 to 100.\n");
}

/* Checks the model-dependent ranges (args.h); prints the line on failure. */
static int cli_check(const CliArgs *a, const Model *m, int n_tokens) {
    char msg[CLI_MSG_SIZE];
    if (cli_args_check(a, &m->config, n_tokens, msg, sizeof msg) == 0) return 0;
    fprintf(stderr, "attnscope: %s\n", msg);
    return 1;
}

/* Text read from stdin is capped: tokens past the context are dropped
 * anyway, and /dev/zero must not eat the memory. */
#define CLI_MAX_STDIN (16u << 20)

/* Reads all of stdin for --text -; NULL when out of memory or over
 * CLI_MAX_STDIN (*len is then CLI_MAX_STDIN + 1). */
static char *cli_read_stdin(size_t *len) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    size_t got;
    *len = 0;
    while ((got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
        if (n > CLI_MAX_STDIN) {
            free(buf);
            *len = CLI_MAX_STDIN + 1;
            return NULL;
        }
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); return NULL; }
            buf = nb;
            cap *= 2;
        }
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int cli_load_model(const CliArgs *a, Model **m) {
    char def[1024];
    const char *path = a->model ? a->model : model_default_path(def, sizeof def);
    ModelLoadOptions lo = model_load_options_default();
    lo.tokenizer_path = a->tokenizer;
    EngineError err;
    if (model_load(m, path, &lo, &err)) return cli_error(&err);
    return 0;
}

/* The text of --text (or stdin), tokenized. Cuts to the last n_ctx tokens
 * with a warning (keeping a leading BOS). Llama models get BOS as in llama2.c;
 * GPT-2 only with --bos. allow_empty: generate may start from BOS alone. */
typedef struct {
    char *text;
    size_t len;
    TokenList tokens;
    int *ids;
    bool truncated;
} CliInput;

static int cli_input(const CliArgs *a, const Model *m, bool allow_empty, CliInput *in) {
    memset(in, 0, sizeof *in);
    EngineError err;
    if (!a->text) {
        fprintf(stderr, "attnscope: --text is missing; HINT: pass --text \"some words\" or --text - to read stdin\n");
        return 1;
    }
    if (!strcmp(a->text, "-")) {
        in->text = cli_read_stdin(&in->len);
        if (!in->text && in->len > CLI_MAX_STDIN) {
            fprintf(stderr, "attnscope: --text -: standard input is over %u MiB; HINT: pass a shorter text (only the last "
                    "%d tokens are used)\n", CLI_MAX_STDIN >> 20, m->config.n_ctx);
            return 1;
        }
        if (!in->text) { fprintf(stderr, "attnscope: stdin: out of memory; HINT: pass a shorter text\n"); return 1; }
    } else {
        in->text = strdup(a->text);
        in->len = strlen(a->text);
    }
    bool bos = a->bos || m->config.arch == ARCH_LLAMA;
    if (in->len == 0 && !allow_empty) {
        fprintf(stderr, "attnscope: text is empty; HINT: pass some words with --text\n");
        return 1;
    }
    if (in->len == 0 && tokenizer_bos_id(m->tokenizer) >= 0) bos = true;
    if (tokenizer_encode(m->tokenizer, in->text, in->len, bos, &in->tokens, &err)) {
        fprintf(stderr, "attnscope: %s\n", err.msg);
        return 1;
    }
    if (in->tokens.n == 0) {
        fprintf(stderr, "attnscope: text gives no tokens; HINT: pass some words with --text\n");
        return 1;
    }
    size_t ctx = (size_t)m->config.n_ctx;
    size_t n_text = in->tokens.n;
    if (token_list_keep_last(&in->tokens, ctx, bos)) {
        fprintf(stderr, "attnscope: warning: text is %zu tokens, over the context of %zu; kept the last %zu\n",
                n_text, ctx, ctx - (bos ? 1 : 0));
        in->truncated = true;
    }
    in->ids = malloc(in->tokens.n * sizeof(int));
    for (size_t i = 0; i < in->tokens.n; i++) in->ids[i] = in->tokens.tokens[i].id;
    return 0;
}

static void cli_input_free(CliInput *in) {
    free(in->text);
    free(in->ids);
    token_list_free(&in->tokens);
}

/* --------------------------------------------------------------------- */
/* JSON output, streamed: a trace can hold millions of numbers. cJSON does
 * the string escaping; every number goes through json_float, which writes
 * null for NaN or Inf, so the output is always valid JSON. */

/* s as a JSON string: invalid UTF-8 becomes U+FFFD, cJSON escapes control
 * characters (\n, \u001b), so file or user bytes cannot break the JSON. */
static void json_string(FILE *f, const char *s) {
    size_t clean_len;
    char *clean = utf8_sanitize(s, strlen(s), &clean_len);
    cJSON *str = cJSON_CreateString(clean ? clean : "");
    free(clean);
    char *p = str ? cJSON_PrintUnformatted(str) : NULL;
    fputs(p ? p : "\"\"", f);
    free(p);
    cJSON_Delete(str);
}

/* A token's text as valid UTF-8 (partial characters become U+FFFD). */
static void json_token_text(FILE *f, const Tokenizer *tok, int id) {
    char buf[512];
    int n = tokenizer_decode_token(tok, id, buf, sizeof buf);
    if (n < 0) { fputs("null", f); return; }
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    size_t clean_len;
    char *clean = utf8_sanitize(buf, len, &clean_len);
    json_string(f, clean ? clean : "");
    free(clean);
}

static void json_number(FILE *f, const char *fmt, double v) {
    if (isfinite(v)) fprintf(f, fmt, v);
    else fputs("null", f);
}

static void json_float(FILE *f, float v) { json_number(f, "%.7g", v); }

/* [rows][cols] nested arrays of a row-major block. */
static void json_matrix(FILE *f, const float *x, int rows, int cols) {
    fputc('[', f);
    for (int r = 0; r < rows; r++) {
        fputs(r ? ",[" : "[", f);
        for (int c = 0; c < cols; c++) {
            if (c) fputc(',', f);
            json_float(f, x[(size_t)r * cols + c]);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

/* [a][b][c][d] nested arrays of a row-major block. */
static void json_tensor4(FILE *f, const float *x, int a, int b, int c, int d) {
    fputc('[', f);
    for (int i = 0; i < a; i++) {
        fputs(i ? ",[" : "[", f);
        for (int j = 0; j < b; j++) {
            if (j) fputc(',', f);
            json_matrix(f, x + ((size_t)i * b + j) * c * d, c, d);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

/* q, k or v for every query head: [layer][head][token][d_head]; k and v
 * repeat a shared KV head for each query head that reads it. */
static void json_vectors(FILE *f, const Trace *tr, float *(*get)(const Trace *, int, int)) {
    fputc('[', f);
    for (int l = 0; l < tr->n_layer; l++) {
        fputs(l ? ",[" : "[", f);
        for (int h = 0; h < tr->n_head; h++) {
            if (h) fputc(',', f);
            json_matrix(f, get(tr, l, h), tr->n_tokens, tr->d_head);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

/* --------------------------------------------------------------------- */

static int cmd_info(const CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    const ModelConfig *c = &m->config;
    char name[512], path[4096]; /* from the user: escaped like an error line */
    engine_escape(name, sizeof name, m->name, strlen(m->name));
    engine_escape(path, sizeof path, m->path, strlen(m->path));
    printf("model:        %s\n", name);
    printf("path:         %s\n", path);
    printf("architecture: %s\n", model_arch_name(c->arch));
    printf("parameters:   %zu (%.2f M)\n", m->n_params, m->n_params / 1e6);
    printf("dtype:        %s\n", c->dtype);
    printf("layers:       %d\n", c->n_layer);
    printf("heads:        %d (key/value heads: %d)\n", c->n_head, c->n_kv_head);
    printf("d_model:      %d\n", c->d_model);
    printf("d_head:       %d\n", c->d_head);
    printf("d_ff:         %d\n", c->d_ff);
    printf("context:      %d\n", c->n_ctx);
    printf("vocab:        %d\n", c->vocab_size);
    printf("tokenizer:    %s, %d tokens\n",
           tokenizer_kind(m->tokenizer) == TOKENIZER_BYTE_BPE ? "byte-level BPE" : "SentencePiece-style BPE",
           tokenizer_vocab_size(m->tokenizer));
    model_free(m);
    return 0;
}

static int cmd_tokenize(const CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, false, &in);
    if (!rc) {
        printf("{\"tokens\":[");
        for (size_t i = 0; i < in.tokens.n; i++) {
            const Token *t = &in.tokens.tokens[i];
            printf("%s{\"id\":%d,\"text\":", i ? "," : "", t->id);
            json_token_text(stdout, m->tokenizer, t->id);
            printf(",\"start\":%zu,\"end\":%zu}", t->start, t->end);
        }
        printf("],\"truncated\":%s}\n", in.truncated ? "true" : "false");
    }
    cli_input_free(&in);
    model_free(m);
    return rc;
}

static int cmd_dump(const CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, false, &in);
    Trace *tr = NULL;
    FILE *f = NULL;
    AtomicFile af = {0};
    EngineError err;
    if (rc) goto done;
    int T = (int)in.tokens.n;
    if ((rc = cli_check(a, m, T))) goto done;
    tr = trace_create(m, T);
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace of %d tokens\n", T); rc = 1; goto done; }
    if (forward_run(m, in.ids, T, &a->run, tr, &err)) { rc = cli_error(&err); goto done; }
    if (atomicfile_open(&af, a->out, &err)) { rc = cli_error(&err); goto done; }
    f = af.f;
    char desc[128];
    run_options_describe(&a->run, desc, sizeof desc);
    fprintf(f, "{\"model\":");
    json_string(f, m->name);
    fprintf(f, ",\"arch\":\"%s\",\"n_layer\":%d,\"n_head\":%d,\"n_kv_head\":%d,\"d_head\":%d,\"options\":",
            model_arch_name(m->config.arch), tr->n_layer, tr->n_head, tr->n_kv_head, tr->d_head);
    json_string(f, desc);
    fprintf(f, ",\n\"tokens\":[");
    for (int i = 0; i < T; i++) {
        fprintf(f, "%s{\"id\":%d,\"text\":", i ? "," : "", in.ids[i]);
        json_token_text(f, m->tokenizer, in.ids[i]);
        fputc('}', f);
    }
    fprintf(f, "],\n\"attention\":");
    json_tensor4(f, tr->att, tr->n_layer, tr->n_head, T, T);
    fprintf(f, ",\n\"top_k\":[");
    for (int t = 0; t < T; t++) {
        fputs(t ? ",[" : "[", f);
        for (int j = 0; j < tr->top_k; j++) {
            int id = tr->top_ids[(size_t)t * tr->top_k + j];
            fprintf(f, "%s{\"id\":%d,\"text\":", j ? "," : "", id);
            json_token_text(f, m->tokenizer, id);
            fputs(",\"p\":", f);
            json_number(f, "%.6g", tr->top_p[(size_t)t * tr->top_k + j]);
            fputc('}', f);
        }
        fputc(']', f);
    }
    fprintf(f, "],\n\"loss\":");
    json_number(f, "%.9g", tr->loss);
    fprintf(f, ",\"truncated\":%s,\"forward_ms\":", in.truncated ? "true" : "false");
    json_number(f, "%.3f", tr->forward_ms);
    if (a->vectors) {
        fprintf(f, ",\n\"q\":");
        json_vectors(f, tr, trace_q);
        fprintf(f, ",\n\"k\":");
        json_vectors(f, tr, trace_k);
        fprintf(f, ",\n\"v\":");
        json_vectors(f, tr, trace_v);
    }
    fprintf(f, "}\n");
    if (atomicfile_commit(&af, &err)) rc = cli_error(&err);
    f = NULL;
done:
    if (f) atomicfile_abort(&af);
    trace_free(tr);
    cli_input_free(&in);
    model_free(m);
    return rc;
}

static int cmd_generate(const CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, true, &in);
    const int ctx = m->config.n_ctx;
    int n = (int)in.tokens.n;
    /* masked keys may name tokens still to come, up to the context */
    if (!rc) rc = cli_check(a, m, n + a->n_generate < ctx ? n + a->n_generate : ctx);
    if (rc) { cli_input_free(&in); model_free(m); return rc; }
    int *ids = malloc(sizeof(int) * (size_t)(n + a->n_generate + 1));
    memcpy(ids, in.ids, sizeof(int) * (size_t)n);
    Trace *tr = trace_create(m, ctx);
    RunOptions ro = a->run;
    ro.top_k = 1;
    EngineError err;
    fwrite(in.text, 1, in.len, stdout);
    int bos = tokenizer_bos_id(m->tokenizer), eos = tokenizer_eos_id(m->tokenizer);
    for (int step = 0; step < a->n_generate && tr; step++) {
        int start = n > ctx ? n - ctx : 0;
        if (forward_run(m, ids + start, n - start, &ro, tr, &err)) { rc = cli_error(&err); break; }
        int next = tr->top_ids[(size_t)(n - start - 1) * tr->top_k];
        if ((next == eos && eos >= 0) || (next == bos && bos >= 0)) break;
        char piece[512];
        int len = tokenizer_decode_token(m->tokenizer, next, piece, sizeof piece);
        if (len > (int)sizeof piece - 1) len = (int)sizeof piece - 1;
        const char *p = piece;
        /* llama2.c: the piece right after BOS drops its leading space */
        if (ids[n - 1] == bos && bos >= 0 && m->config.arch == ARCH_LLAMA && len > 0 && piece[0] == ' ') { p++; len--; }
        if (len > 0) fwrite(p, 1, (size_t)len, stdout);
        fflush(stdout);
        ids[n++] = next;
    }
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace\n"); rc = 1; }
    printf("\n");
    trace_free(tr);
    free(ids);
    cli_input_free(&in);
    model_free(m);
    return rc;
}

static double cli_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cli_cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static int cmd_bench(const CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    int T = a->bench_tokens;
    if (T > m->config.n_ctx) {
        fprintf(stderr, "attnscope: --tokens %d exceeds the context of %d; HINT: use a smaller --tokens\n", T, m->config.n_ctx);
        model_free(m);
        return 1;
    }
    if (cli_check(a, m, T)) {
        model_free(m);
        return 1;
    }
    int *ids = malloc(sizeof(int) * (size_t)T);
    unsigned s = 12345;
    for (int i = 0; i < T; i++) { s = s * 1103515245u + 12345u; ids[i] = (int)((s >> 8) % (unsigned)m->config.vocab_size); }
    Trace *tr = trace_create(m, T);
    EngineError err;
    double times[64];
    int runs = 0, rc = 0;
    double start = cli_now_ms();
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace\n"); rc = 1; }
    /* one warm-up, then at least 5 runs and up to ~3 s or 64 runs */
    if (!rc && forward_run(m, ids, T, &a->run, tr, &err)) rc = cli_error(&err);
    while (!rc && runs < 64 && (runs < 5 || cli_now_ms() - start < 3000)) {
        double t0 = cli_now_ms();
        if (forward_run(m, ids, T, &a->run, tr, &err)) { rc = cli_error(&err); break; }
        times[runs++] = cli_now_ms() - t0;
    }
    if (!rc) {
        qsort(times, (size_t)runs, sizeof *times, cli_cmp_double);
        printf("model=%s tokens=%d runs=%d trace_mb=%.1f\n", m->name, T, runs, trace_bytes(m, T) / 1048576.0);
        printf("min_ms=%.3f max_ms=%.3f\n", times[0], times[runs - 1]);
        printf("forward_ms=%.3f\n", times[runs / 2]);
    }
    trace_free(tr);
    free(ids);
    model_free(m);
    return rc;
}

static int cmd_export(const CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, false, &in);
    Trace *tr = NULL;
    EngineError err;
    if (rc) goto done;
    ExportOptions eo = export_options_default();
    eo.grid = a->grid;
    eo.white_background = a->white;
    if (a->colormap) eo.colormap = a->colormap;
    eo.layer = a->layer < 0 ? 0 : a->layer;
    eo.head = a->head < 0 ? 0 : a->head;
    if ((rc = cli_check(a, m, (int)in.tokens.n))) goto done;
    tr = trace_create(m, (int)in.tokens.n);
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace\n"); rc = 1; goto done; }
    if (forward_run(m, in.ids, (int)in.tokens.n, &a->run, tr, &err)) { rc = cli_error(&err); goto done; }
    /* export_png writes by name: give it the temporary file, then commit. */
    AtomicFile af;
    if (atomicfile_open(&af, a->out, &err)) { rc = cli_error(&err); goto done; }
    if (export_png(m, in.text, &in.tokens, tr, &a->run, &eo, af.tmp, &err)) {
        /* its message names the temporary file: name the target instead */
        char *at = strstr(err.msg, af.tmp);
        if (at) {
            char rest[ENGINE_ERROR_SIZE];
            snprintf(rest, sizeof rest, "%s", at + strlen(af.tmp));
            engine_fail(&err, "%s%s", a->out, rest);
        }
        atomicfile_abort(&af);
        rc = cli_error(&err);
        goto done;
    }
    if (atomicfile_commit(&af, &err)) { rc = cli_error(&err); goto done; }
    fprintf(stderr, "attnscope: wrote %s\n", a->out);
done:
    trace_free(tr);
    cli_input_free(&in);
    model_free(m);
    return rc;
}

/* Everything printed on stdout is checked once at the end: a full disk or a
 * closed pipe is an error, never a silent exit 0. */
static int cli_finish(int rc) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == 0) fprintf(stderr, "attnscope: stdout: write failed: %s; HINT: check free disk space\n", strerror(errno ? errno : EIO));
        if (rc == 0) rc = 1;
    }
    /* A model file shrank mid-run (mapguard.h): BLAS helpers may still wait
       for the abandoned job and exit() would join them forever. */
    if (mapguard_fault_caught()) _exit(rc);
    return rc;
}

static int cmd_app(const CliArgs *a) {
    char def[1024];
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = a->model ? a->model : model_default_path(def, sizeof def);
    if (a->run_set) {
        /* Check ablations against the model now; a model that does not load
           is the window's to report. Masked keys depend on text the user may
           still edit, so they are not checked here. */
        Model *m = NULL;
        EngineError err;
        ModelLoadOptions lo = model_load_options_default();
        lo.tokenizer_path = a->tokenizer;
        if (model_load(&m, args.model_path, &lo, &err) == 0) {
            int rc = cli_check(a, m, 0);
            model_free(m);
            if (rc) return rc;
        }
    }
    args.text = a->text;
    args.run = a->run;
    return app_main(&args);
}

int main(int argc, char **argv) {
    CliArgs a;
    char msg[CLI_MSG_SIZE];
    int parsed = cli_args_parse(&a, argc, argv, msg, sizeof msg);
    if (parsed > 0 || (parsed == 0 && !strcmp(a.cmd, "help"))) { cli_usage(); return cli_finish(0); }
    if (parsed < 0) {
        fprintf(stderr, "attnscope: %s\n", msg);
        return 2;
    }
    int rc = 1;
    if (!strcmp(a.cmd, "info")) rc = cmd_info(&a);
    else if (!strcmp(a.cmd, "tokenize")) rc = cmd_tokenize(&a);
    else if (!strcmp(a.cmd, "dump")) rc = cmd_dump(&a);
    else if (!strcmp(a.cmd, "generate")) rc = cmd_generate(&a);
    else if (!strcmp(a.cmd, "bench")) rc = cmd_bench(&a);
    else if (!strcmp(a.cmd, "export")) rc = cmd_export(&a);
    else if (!strcmp(a.cmd, "app")) rc = cmd_app(&a);
    return cli_finish(rc);
}
