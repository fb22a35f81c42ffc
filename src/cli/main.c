/* attnscope — command-line front end over the engine, and the app launcher.
 *
 *   attnscope [app] [--model DIR] [--text TEXT] [--session FILE] [--fresh] ...
 *                                                    open the window
 *   attnscope info     --model DIR
 *   attnscope tokenize --model DIR --text TEXT
 *   attnscope dump     --model DIR --text TEXT [--scale S] [--mask M] [--ablate L.H,..]
 *                      [--vectors] [--out FILE]
 *   attnscope generate --model DIR --text TEXT -n N
 *   attnscope bench    --model DIR --tokens N [--append] [--option-change] [--keystroke]
 *   attnscope export   --model DIR --text TEXT --layer L --head H [--grid] --out FILE.png
 *   attnscope roles    --model DIR --text TEXT [--bos] [--out FILE]
 *   attnscope fill     --model BERT_DIR --text "The [MASK] sat." [--top K]
 *   attnscope translate --model MARIAN_DIR --text TEXT [-n N] [--beam B]
 *
 * BERT folders: the text gets [CLS] ... [SEP]; "A ||| B" is a sentence pair
 * (token types 0 and 1); the mask defaults to none (bidirectional).
 * --text - reads standard input. Errors print one line and exit 1.
 * One function per subcommand; each returns the exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/atlas.h"
#include "app/keymap.h"
#include "app/worker_bench.h"
#include "cli/args.h"
#include "cli/jsonout.h"
#include "cli/marian_cli.h"
#include "cli/roles_json.h"
#include "engine/atomicfile.h"
#include "engine/mapguard.h"
#include "engine/forward.h"
#include "engine/session.h"
#include "engine/model.h"
#include "engine/roles.h"
#include "engine/tokenizer.h"

static int cli_error(const EngineError *err) {
    fprintf(stderr, "attnscope: %s\n", err->msg);
    /* A model file shrank mid-run (mapguard.h): the pass was abandoned while
       BLAS and pool threads may still read the mapping, so nothing may be
       freed or unmapped now (a helper would then fault outside the guard):
       the one line is out, leave at once. */
    if (mapguard_fault_caught()) {
        fflush(stdout);
        _exit(1);
    }
    return 1;
}

static void cli_usage(void) {
    printf("attnscope — see what every attention head does\n\n"
           "  attnscope [app] [--model DIR] [--text TEXT] [--export-dir DIR]\n"
           "                  [--scale ..] [--mask ..] [--ablate ..] [--session FILE] [--fresh]\n"
           "                                               open the window\n"
           "  attnscope info     --model DIR\n"
           "  attnscope tokenize --model DIR --text TEXT [--bos]\n"
           "  attnscope dump     --model DIR --text TEXT [--scale sqrt|none|temp:T]\n"
           "                     [--mask causal|none|window:W|keys:a,b] [--ablate L.H,...]\n"
           "                     [--vectors] [--top K] [--out FILE] [--bos]\n"
           "  attnscope generate --model DIR --text TEXT -n N\n"
           "  attnscope translate --model DIR --text TEXT [-n N] [--beam B]  (Marian encoder-decoder)\n"
           "  attnscope dump ... [--kind cross|encoder|decoder] [-n N] [--beam B]  on a Marian model\n"
           "  attnscope export ... [--kind cross|encoder|decoder] [-n N]          on a Marian model\n"
           "  attnscope bench    --model DIR --tokens N [--append] [--option-change] [--keystroke]\n"
           "  attnscope export   --model DIR --text TEXT --layer L --head H [--grid]\n"
           "                     [--white] [--colormap NAME] [--role NAME] [--scale ..] [--mask ..]\n"
           "                     [--ablate ..] --out FILE.png\n"
           "  attnscope roles    --model DIR --text TEXT [--bos] [--out FILE]\n"
           "                     [--scale ..] [--mask ..] [--ablate ..]   role scores per head (JSON)\n"
           "  attnscope fill     --model BERT_DIR --text \"The [MASK] sat.\" [--top K]\n\n"
           "--model accepts a Hugging Face GPT-2, Llama, BERT or Marian folder, or a llama2.c\n"
           ".bin (its tokenizer beside it, or --tokenizer FILE). Default: the shipped model.\n"
           "--text - reads standard input. temp:T takes T from 0.01 to 100. --top K takes\n"
           "1 to 16, --beam B 1 to 16. BERT: \"A ||| B\" is a sentence pair; the mask\n"
           "defaults to none and keys:a,b hides keys on top of it.\n"
           "The app saves PNG exports (Ctrl+E, Ctrl+Shift+E) as new files named by model,\n"
           "view and settings (attnscope-pd-gpt2-L4H3-sqrt-causal.png, then -2, -3 ...;\n"
           "never overwritten) in --export-dir DIR, else $ATTNSCOPE_EXPORT_DIR, else the\n"
           "current folder; Ctrl+D changes the folder in the window, and the status line\n"
           "names the folder after each export.\n"
           "Sessions (docs/session-format.md): the app saves the text, every run option\n"
           "and the view on quit (window closed, Ctrl+Q, SIGTERM) to\n"
           "$XDG_STATE_HOME/attnscope/last-session.json (~/.local/state/attnscope/) and\n"
           "restores it at the next start; --fresh starts without it. Ctrl+S saves a\n"
           "session to a file you name; --session FILE opens one. --model, --text and\n"
           "the run flags win over the session's.\n\n");
    keymap_print(stdout);
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

/* Loads the model and settles the run options that depend on it: an
 * encoder's mask defaults to none, and its keys:a,b go on top of none. */
static int cli_load_model(CliArgs *a, Model **m) {
    char def[1024];
    const char *path = a->model ? a->model : model_default_path(def, sizeof def);
    ModelLoadOptions lo = model_load_options_default();
    lo.tokenizer_path = a->tokenizer;
    EngineError err;
    if (model_load(m, path, &lo, &err)) return cli_error(&err);
    if ((*m)->config.encoder) {
        if (!a->mask_spec) a->run.mask = MASK_NONE;
        else run_options_parse_mask_model(&a->run, *m, a->mask_spec, &err); /* parsed once already */
    }
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
    int *types;   /* token types (BERT segments) */
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
    bool bos = a->bos || m->config.arch == ARCH_LLAMA || m->config.encoder; /* encoder: [CLS] .. [SEP] */
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
    if (m->config.encoder && n_text > ctx) { /* keep [CLS] A [SEP] (B [SEP]), cut the longer segment */
        if (!token_list_truncate_pair(&in->tokens, ctx)) {
            fprintf(stderr, "attnscope: text is %zu tokens, and max_position_embeddings %zu cannot hold its [CLS]/[SEP]; HINT: use a model with a longer context\n", n_text, ctx);
            return 1;
        }
        fprintf(stderr, "attnscope: warning: text is %zu tokens, over max_position_embeddings %zu; kept the first %zu (HINT: shorten the text)\n",
                n_text, ctx, ctx);
        in->truncated = true;
    } else if (token_list_keep_last(&in->tokens, ctx, bos)) {
        fprintf(stderr, "attnscope: warning: text is %zu tokens, over the context of %zu; kept the last %zu\n",
                n_text, ctx, ctx - (bos ? 1 : 0));
        in->truncated = true;
    }
    in->ids = malloc(in->tokens.n * sizeof(int));
    in->types = malloc(in->tokens.n * sizeof(int));
    if (!in->ids || !in->types) { fprintf(stderr, "attnscope: out of memory\n"); return 1; }
    for (size_t i = 0; i < in->tokens.n; i++) {
        in->ids[i] = in->tokens.tokens[i].id;
        in->types[i] = in->tokens.tokens[i].type;
    }
    return 0;
}

static void cli_input_free(CliInput *in) {
    free(in->text);
    free(in->ids);
    free(in->types);
    token_list_free(&in->tokens);
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

static int cmd_info(CliArgs *a) {
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
    TokenizerKind kind = tokenizer_kind(m->tokenizer);
    printf("tokenizer:    %s, %d tokens\n",
           kind == TOKENIZER_BYTE_BPE ? "byte-level BPE" : kind == TOKENIZER_WORDPIECE ? "WordPiece" : "SentencePiece-style BPE",
           tokenizer_vocab_size(m->tokenizer));
    if (c->encoder)
        printf("encoder:      bidirectional, post-LN, %d token types, %s\n", c->n_types,
               c->has_mlm_head ? "masked-LM head" : "no masked-LM head (BertModel)");
    model_free(m);
    return 0;
}

static int cmd_tokenize(CliArgs *a) {
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
            printf(",\"start\":%zu,\"end\":%zu", t->start, t->end);
            if (m->config.encoder) printf(",\"token_type\":%d", t->type);
            putchar('}');
        }
        printf("],\"truncated\":%s}\n", in.truncated ? "true" : "false");
    }
    cli_input_free(&in);
    model_free(m);
    return rc;
}

/* What dump, export and roles share: load the model, read and tokenize the
 * text, check the ranges against both, run it into a new trace. 0, or 1
 * after printing the line; free *m, *in and *tr with cli_run_free either way. */
static int cli_run(CliArgs *a, Model **m, CliInput *in, Trace **tr) {
    EngineError err;
    *m = NULL;
    *tr = NULL;
    memset(in, 0, sizeof *in);
    if (cli_load_model(a, m) || cli_input(a, *m, false, in)) return 1;
    int T = (int)in->tokens.n;
    if (cli_check(a, *m, T)) return 1;
    if (!(*tr = trace_create(*m, T))) {
        fprintf(stderr, "attnscope: out of memory for the trace of %d tokens\n", T);
        return 1;
    }
    if (forward_run_typed(*m, in->ids, in->types, T, &a->run, *tr, &err)) return cli_error(&err);
    return 0;
}

static void cli_run_free(Model *m, CliInput *in, Trace *tr) {
    trace_free(tr);
    cli_input_free(in);
    model_free(m);
}

static int cmd_dump(CliArgs *a) {
    Model *m;
    CliInput in;
    Trace *tr;
    int rc = cli_run(a, &m, &in, &tr);
    FILE *f = NULL;
    AtomicFile af = {0};
    EngineError err;
    if (rc) goto done;
    int T = (int)in.tokens.n;
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
        if (m->config.encoder) fprintf(f, ",\"token_type\":%d", in.types[i]);
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
    cli_run_free(m, &in, tr);
    return rc;
}

static int cmd_generate(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, true, &in);
    if (!rc && m->config.encoder) {
        char name[512];
        engine_escape(name, sizeof name, m->name, strlen(m->name));
        fprintf(stderr, "attnscope: %s is a bidirectional encoder and cannot continue text; HINT: use attnscope fill with [MASK] in the text\n", name);
        rc = 1;
    }
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
        /* SentencePiece (llama2.c): the piece right after BOS drops its leading
         * space, which only marks a word start; byte-level BPE spaces are text. */
        if (ids[n - 1] == bos && bos >= 0 && tokenizer_kind(m->tokenizer) == TOKENIZER_SENTENCEPIECE && len > 0 &&
            piece[0] == ' ') { p++; len--; }
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

/* The median of `runs` timings (sorts them). */
static double cli_median(double *times, int runs) {
    qsort(times, (size_t)runs, sizeof *times, cli_cmp_double);
    return times[runs / 2];
}

/* Times incremental passes of a session: --append runs T tokens then times
 * T + 1 (one token typed at the end; at the context limit T - 1, then T);
 * --option-change toggles ablation of head 0 in the middle layer and times
 * each rerun. */
static int cli_bench_session(const Model *m, const RunOptions *ro, int *ids, int T, bool append,
                             double *median_ms, double *all_ms) {
    EngineError err;
    if (append && T + 1 > m->config.n_ctx) T--;
    ForwardSession *s = forward_session_create(m, T + (append ? 1 : 0), &err);
    Trace *tr = s ? trace_create(m, T + (append ? 1 : 0)) : NULL;
    if (!s || !tr) {
        forward_session_free(s);
        if (!tr && s) fprintf(stderr, "attnscope: out of memory for the trace\n");
        return s ? 1 : cli_error(&err);
    }
    RunOptions opt = *ro;
    const int mid = m->config.n_layer / 2;
    double times[64], all[64];
    int runs = 0, rc = 0;
    double start = cli_now_ms();
    if (forward_session_run(s, ids, NULL, T, &opt, tr, &err)) rc = cli_error(&err);
    while (!rc && runs < 64 && (runs < 5 || cli_now_ms() - start < 3000)) {
        if (append && runs > 0 && forward_session_run(s, ids, NULL, T, &opt, tr, &err)) {
            rc = cli_error(&err);
            break;
        }
        if (!append) run_options_set_head_ablated(&opt, mid, 0, !run_options_head_ablated(&opt, mid, 0));
        /* as the app's worker: the attention and the last row's predictions
           first (published), then the other rows' predictions */
        double t0 = cli_now_ms();
        if (forward_session_run_view(s, ids, NULL, append ? T + 1 : T, &opt, -1, tr, &err)) {
            rc = cli_error(&err);
            break;
        }
        times[runs] = cli_now_ms() - t0;
        forward_session_complete(s, tr);
        all[runs++] = cli_now_ms() - t0;
    }
    if (!rc) {
        *median_ms = cli_median(times, runs);
        *all_ms = cli_median(all, runs);
    }
    trace_free(tr);
    forward_session_free(s);
    return rc;
}

static int cmd_bench(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    int T = a->bench_tokens;
    if (T > m->config.n_ctx || (a->bench_append && T < 2)) {
        fprintf(stderr, "attnscope: --tokens %d: want 1..%d (2.. with --append); HINT: use a smaller --tokens\n", T,
                m->config.n_ctx);
        model_free(m);
        return 1;
    }
    if (cli_check(a, m, T)) {
        model_free(m);
        return 1;
    }
    int *ids = malloc(sizeof(int) * (size_t)(T + 1)); /* T + 1: --append types one more */
    if (!ids) {
        fprintf(stderr, "attnscope: out of memory for %d token ids\n", T + 1);
        model_free(m);
        return 1;
    }
    unsigned s = 12345;
    for (int i = 0; i <= T; i++) { s = s * 1103515245u + 12345u; ids[i] = (int)((s >> 8) % (unsigned)m->config.vocab_size); }
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
    trace_free(tr);
    double append_ms = 0, option_ms = 0, append_all = 0, option_all = 0;
    if (!rc && a->bench_append) rc = cli_bench_session(m, &a->run, ids, T, true, &append_ms, &append_all);
    if (!rc && a->bench_option) rc = cli_bench_session(m, &a->run, ids, T, false, &option_ms, &option_all);
    WorkerBench kb; /* the app's worker: a character typed at the end of T tokens */
    if (!rc && a->bench_keystroke && worker_bench_keystrokes(m, T, 20, &kb, &err)) rc = cli_error(&err);
    if (!rc) {
        double med = cli_median(times, runs);
        printf("model=%s tokens=%d runs=%d trace_mb=%.1f blas=%s\n", m->name, T, runs,
               trace_bytes(m, T) / 1048576.0, forward_blas_kernel());
        printf("min_ms=%.3f max_ms=%.3f\n", times[0], times[runs - 1]);
        /* to the published view (attention + the last row's predictions);
           then with every row's predictions */
        if (a->bench_append) printf("append_ms=%.3f append_all_ms=%.3f\n", append_ms, append_all);
        if (a->bench_option)
            printf("option_ms=%.3f option_all_ms=%.3f (%.0f%% and %.0f%% of a full pass)\n", option_ms, option_all,
                   100.0 * option_ms / med, 100.0 * option_all / med);
        if (a->bench_keystroke)
            printf("keystroke_attention_ms=%.3f keystroke_predictions_ms=%.3f (p90 %.1f, %.1f; %d keystrokes at %d "
                   "tokens through the app's worker: its run %.1f ms, of which the session %.1f ms)\n",
                   kb.attention_ms, kb.predictions_ms, kb.attention_p90, kb.predictions_p90, kb.keystrokes,
                   kb.tokens, kb.run_ms, kb.pass_ms);
        printf("forward_ms=%.3f\n", med);
    }
    free(ids);
    model_free(m);
    return rc;
}

static int cmd_export(CliArgs *a) {
    Model *m;
    CliInput in;
    Trace *tr;
    int rc = cli_run(a, &m, &in, &tr);
    EngineError err;
    if (rc) goto done;
    ExportOptions eo = export_options_default();
    eo.grid = a->grid;
    eo.white_background = a->white;
    if (a->colormap) eo.colormap = a->colormap;
    eo.role = a->role;
    eo.layer = a->layer < 0 ? 0 : a->layer;
    eo.head = a->head < 0 ? 0 : a->head;
    /* export_png writes through atomicfile.h: a finished PNG or nothing */
    if (export_png(m, in.text, &in.tokens, tr, &a->run, &eo, a->out, &err)) { rc = cli_error(&err); goto done; }
    fprintf(stderr, "attnscope: wrote %s\n", a->out);
done:
    cli_run_free(m, &in, tr);
    return rc;
}

/* Role scores of every head on the text (engine/roles.h), as JSON: the
 * tokens with the loss on each next token, the mean loss, then the roles. */
static int cmd_roles(CliArgs *a) {
    Model *m;
    CliInput in;
    Trace *tr;
    int rc = cli_run(a, &m, &in, &tr);
    Roles *r = NULL;
    FILE *f = NULL;
    AtomicFile af = {0};
    EngineError err;
    if (rc) goto done;
    int T = (int)in.tokens.n;
    r = roles_create(m->config.n_layer, m->config.n_head);
    if (!r) { fprintf(stderr, "attnscope: out of memory for the role scores\n"); rc = 1; goto done; }
    if (roles_compute_model(m, tr, r, &err)) {
        rc = cli_error(&err);
        goto done;
    }
    if (atomicfile_open(&af, a->out, &err)) { rc = cli_error(&err); goto done; }
    f = af.f;
    fprintf(f, "{\"model\":");
    json_string(f, m->name);
    fprintf(f, ",\"n_layer\":%d,\"n_head\":%d,\n\"tokens\":[", tr->n_layer, tr->n_head);
    for (int i = 0; i < T; i++) {
        fprintf(f, "%s{\"id\":%d,\"text\":", i ? "," : "", in.ids[i]);
        json_token_text(f, m->tokenizer, in.ids[i]);
        fputs(",\"next_loss\":", f);
        if (i + 1 < T) json_float(f, tr->token_loss[i]);
        else fputs("null", f);
        fputc('}', f);
    }
    fputs("],\n\"loss\":", f);
    json_float(f, tr->loss);
    fprintf(f, ",\"truncated\":%s,\n\"roles\":", in.truncated ? "true" : "false");
    roles_json_write(f, r);
    fputs("}\n", f);
    if (atomicfile_commit(&af, &err)) rc = cli_error(&err);
    f = NULL;
done:
    if (f) atomicfile_abort(&af);
    roles_free(r);
    cli_run_free(m, &in, tr);
    return rc;
}

/* The MLM head's top predictions at every [MASK] of the text. */
static int cmd_fill(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    int mask_id = tokenizer_mask_id(m->tokenizer);
    if (!m->config.encoder || !m->config.has_mlm_head || mask_id < 0) {
        char path[4096];
        engine_escape(path, sizeof path, m->path, strlen(m->path));
        fprintf(stderr, "attnscope: %s: fill needs a masked-language model (an MLM head and a [MASK] token); HINT: use a BertForMaskedLM folder (config.json model_type \"bert\" with cls.predictions.* weights)\n", path);
        model_free(m);
        return 1;
    }
    CliInput in;
    int rc = cli_input(a, m, false, &in);
    Trace *tr = NULL;
    EngineError err;
    int n_mask = 0;
    if (rc) goto done;
    int T = (int)in.tokens.n;
    if ((rc = cli_check(a, m, T))) goto done;
    for (int t = 0; t < T; t++) n_mask += in.ids[t] == mask_id;
    if (!n_mask) {
        fprintf(stderr, "attnscope: --text has no [MASK]; HINT: write [MASK] (upper case, with brackets) where a word should be predicted\n");
        rc = 1;
        goto done;
    }
    tr = trace_create(m, T);
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace\n"); rc = 1; goto done; }
    if (forward_run_typed(m, in.ids, in.types, T, &a->run, tr, &err)) { rc = cli_error(&err); goto done; }
    for (int t = 0; t < T; t++) {
        if (in.ids[t] != mask_id) continue;
        const Token *tk = &in.tokens.tokens[t];
        printf("[MASK] at token %d (bytes %zu-%zu):\n", t, tk->start, tk->end);
        for (int j = 0; j < tr->top_k; j++) {
            char label[128];
            int id = tr->top_ids[(size_t)t * tr->top_k + j];
            tokenizer_token_label(m->tokenizer, id, label, sizeof label);
            printf("  %2d. %-16s %.4f\n", j + 1, label, tr->top_p[(size_t)t * tr->top_k + j]);
        }
    }
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
    args.export_dir = a->export_dir;
    args.run_given = a->run_set;
    args.model_given = a->model != NULL;
    /* "--mask keys:a,b" hides keys on top of the model's own mode (none for an encoder) */
    args.mask_mode_given = a->mask_spec && strncmp(a->mask_spec, "keys:", 5) != 0;
    args.session = a->session;
    args.fresh = a->fresh;
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
    char def[1024];
    const char *path = a.model ? a.model : model_default_path(def, sizeof def);
    if (marian_cli_handles(a.cmd, path)) {
        MarianCliArgs ma = {.cmd = a.cmd, .model = path, .text = a.text, .out = a.out, .kind = a.kind,
                            .scale = a.scale_spec, .mask = a.mask_spec, .ablate = a.ablate_spec,
                            .n = a.n_given ? a.n_generate : 0, .beam = a.beam, .vectors = a.vectors,
                            .layer = a.layer, .head = a.head, .grid = a.grid, .white = a.white,
                            .colormap = a.colormap};
        return cli_finish(marian_cli_run(&ma));
    }
    /* flags only a Marian model takes */
    const char *marian_only = a.kind ? "--kind" : a.beam ? "--beam" : a.n_given && strcmp(a.cmd, "generate") ? "-n" : NULL;
    if (marian_only) {
        char p[1024];
        engine_escape(p, sizeof p, path, strlen(path));
        fprintf(stderr, "attnscope: %s only applies to a Marian (translation) model, and %s is not one; HINT: drop %s or "
                "pass --model with a Marian folder\n", marian_only, p, marian_only);
        return 2;
    }
    if (a.role && atlas_find(a.role) < -1) {
        char r[256];
        engine_escape(r, sizeof r, a.role, strlen(a.role));
        fprintf(stderr, "attnscope: --role %s: unknown role; HINT: use previous_token, first_token, current_token, "
                "delimiter, duplicate_token, induction or off\n", r);
        return 2;
    }
    int rc = 1;
    if (!strcmp(a.cmd, "info")) rc = cmd_info(&a);
    else if (!strcmp(a.cmd, "tokenize")) rc = cmd_tokenize(&a);
    else if (!strcmp(a.cmd, "dump")) rc = cmd_dump(&a);
    else if (!strcmp(a.cmd, "generate")) rc = cmd_generate(&a);
    else if (!strcmp(a.cmd, "bench")) rc = cmd_bench(&a);
    else if (!strcmp(a.cmd, "export")) rc = cmd_export(&a);
    else if (!strcmp(a.cmd, "roles")) rc = cmd_roles(&a);
    else if (!strcmp(a.cmd, "fill")) rc = cmd_fill(&a);
    else if (!strcmp(a.cmd, "app")) rc = cmd_app(&a);
    return cli_finish(rc);
}
