/* attnscope — command-line front end over the engine, and the app launcher.
 *
 *   attnscope [app] [--model DIR] [--text TEXT] [--session FILE] [--fresh] ...
 *                                                    open the window
 *   attnscope info     --model DIR
 *   attnscope tokenize --model DIR --text TEXT
 *   attnscope dump     --model DIR --text TEXT [--scale S] [--mask M] [--ablate L.H,..]
 *                      [--vectors] [--out FILE]
 *   attnscope generate --model DIR --text TEXT -n N
 *   attnscope bench    --model DIR --tokens N [--append] [--option-change]
 *   attnscope export   --model DIR --text TEXT --layer L --head H [--grid] --out FILE.png
 *   attnscope roles    --model DIR --text TEXT [--bos] [--out FILE]
 *   attnscope fill     --model BERT_DIR --text "The [MASK] sat." [--top K]
 *
 * BERT folders: the text gets [CLS] ... [SEP]; "A ||| B" is a sentence pair
 * (token types 0 and 1); the mask defaults to none (bidirectional).
 * --text - reads standard input. Errors print one line and exit 1.
 * One function per subcommand; each returns the exit status.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app/app.h"
#include "cli/roles_json.h"
#include "app/keymap.h"
#include "engine/forward.h"
#include "engine/session.h"
#include "engine/model.h"
#include "engine/roles.h"
#include "engine/tokenizer.h"
#include "jsonout.h"
#include "marian_cli.h"

typedef struct {
    const char *cmd;
    const char *model;      /* NULL = the shipped default */
    const char *tokenizer;
    const char *text;       /* NULL if not given */
    const char *out;
    bool bos, vectors, grid, white;
    bool bench_append, bench_option; /* bench --append, --option-change */
    int n_generate, bench_tokens, layer, head;
    const char *colormap;
    const char *role;         /* export --grid --role NAME */
    const char *mask_spec;  /* --mask as given; re-read once the model is known */
    const char *export_dir; /* app: where exports go */
    RunOptions run;
    bool run_given;         /* --scale, --mask or --ablate */
    const char *session;    /* app: open this session file */
    bool fresh;             /* app: without the autosaved session */
    const char *kind, *scale_spec, *ablate_spec; /* Marian: per-kind options (with mask_spec) */
    int beam;
    bool n_given;
} CliArgs;

static void cli_die_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void cli_die_usage(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "attnscope: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; HINT: run attnscope --help\n");
    va_end(ap);
    exit(2);
}

static int cli_error(const EngineError *err) {
    fprintf(stderr, "attnscope: %s\n", err->msg);
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
           "                     [--vectors] [--out FILE] [--bos]\n"
           "  attnscope generate --model DIR --text TEXT -n N\n"
           "  attnscope translate --model DIR --text TEXT [-n N]     (Marian encoder-decoder)\n"
           "  attnscope dump ... [--kind cross|encoder|decoder]      on a Marian model\n"
           "  attnscope export ... [--kind cross|encoder|decoder]    on a Marian model\n"
           "  attnscope bench    --model DIR --tokens N [--append] [--option-change]\n"
           "  attnscope export   --model DIR --text TEXT --layer L --head H [--grid]\n"
           "                     [--white] [--colormap NAME] [--role NAME] [--scale ..] [--mask ..]\n"
           "                     [--ablate ..] --out FILE.png\n"
           "  attnscope roles    --model DIR --text TEXT [--bos] [--out FILE]\n"
           "                     [--scale ..] [--mask ..] [--ablate ..]   role scores per head (JSON)\n"
           "  attnscope fill     --model BERT_DIR --text \"The [MASK] sat.\" [--top K]\n\n"
           "--model accepts a Hugging Face GPT-2, Llama or BERT folder, or a llama2.c .bin\n"
           "(its tokenizer beside it, or --tokenizer FILE). Default: the shipped model.\n"
           "--text - reads standard input. BERT: \"A ||| B\" is a sentence pair; the mask\n"
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

static int cli_parse_int(const char *flag, const char *s, int lo, int hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        cli_die_usage("%s %s: expected a whole number from %d to %d", flag, s, lo, hi);
    return (int)v;
}

static CliArgs cli_parse(int argc, char **argv) {
    CliArgs a;
    memset(&a, 0, sizeof a);
    a.run = run_options_default();
    a.n_generate = 32;
    a.bench_tokens = 64;
    a.layer = -1;
    a.head = -1;
    int i = 1;
    if (i < argc && argv[i][0] != '-') a.cmd = argv[i++];
    else a.cmd = "app";
    EngineError err;
    for (; i < argc; i++) {
        const char *f = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV() do { if (!v) cli_die_usage("%s needs a value", f); i++; } while (0)
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) { cli_usage(); exit(0); }
        else if (!strcmp(f, "--model")) { NEEDV(); a.model = v; }
        else if (!strcmp(f, "--tokenizer")) { NEEDV(); a.tokenizer = v; }
        else if (!strcmp(f, "--text")) { NEEDV(); a.text = v; }
        else if (!strcmp(f, "--out")) { NEEDV(); a.out = v; }
        else if (!strcmp(f, "--bos")) a.bos = true;
        else if (!strcmp(f, "--vectors")) a.vectors = true;
        else if (!strcmp(f, "--append")) a.bench_append = true;
        else if (!strcmp(f, "--option-change")) a.bench_option = true;
        else if (!strcmp(f, "--grid")) a.grid = true;
        else if (!strcmp(f, "--white")) a.white = true;
        else if (!strcmp(f, "--colormap")) { NEEDV(); a.colormap = v; }
        else if (!strcmp(f, "--role")) { NEEDV(); a.role = v; }
        else if (!strcmp(f, "--export-dir")) { NEEDV(); a.export_dir = v; }
        else if (!strcmp(f, "-n")) { NEEDV(); a.n_generate = cli_parse_int(f, v, 0, 100000); a.n_given = true; }
        else if (!strcmp(f, "--kind")) { NEEDV(); a.kind = v; }
        else if (!strcmp(f, "--beam")) { NEEDV(); a.beam = cli_parse_int(f, v, 1, 64); }
        else if (!strcmp(f, "--tokens")) { NEEDV(); a.bench_tokens = cli_parse_int(f, v, 1, RUN_MAX_KEYS); }
        else if (!strcmp(f, "--layer")) { NEEDV(); a.layer = cli_parse_int(f, v, 0, MODEL_MAX_LAYERS - 1); }
        else if (!strcmp(f, "--head")) { NEEDV(); a.head = cli_parse_int(f, v, 0, MODEL_MAX_HEADS - 1); }
        else if (!strcmp(f, "--session")) { NEEDV(); a.session = v; }
        else if (!strcmp(f, "--fresh")) a.fresh = true;
        else if (!strcmp(f, "--scale")) { NEEDV(); a.run_given = true; a.scale_spec = v; if (run_options_parse_scale(&a.run, v, &err)) exit(cli_error(&err)); }
        else if (!strcmp(f, "--mask")) { NEEDV(); a.run_given = true; if (run_options_parse_mask(&a.run, v, &err)) exit(cli_error(&err)); a.mask_spec = v; }
        else if (!strcmp(f, "--top")) { NEEDV(); a.run.top_k = cli_parse_int(f, v, 1, TRACE_MAX_TOP_K); }
        else if (!strcmp(f, "--ablate")) { NEEDV(); a.run_given = true; a.ablate_spec = v; if (run_options_parse_ablate(&a.run, v, &err)) exit(cli_error(&err)); }
        else cli_die_usage("unknown option %s", f);
#undef NEEDV
    }
    if ((a.session || a.fresh) && strcmp(a.cmd, "app"))
        cli_die_usage("%s only applies to attnscope app", a.session ? "--session" : "--fresh");
    return a;
}

/* Reads all of stdin for --text -. */
static char *cli_read_stdin(size_t *len) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
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
        if (!in->text) { fprintf(stderr, "attnscope: stdin: out of memory\n"); return 1; }
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

/* --out FILE, or stdout; NULL (after printing why) if it cannot be opened. */
static FILE *cli_open_out(const CliArgs *a) {
    FILE *f = a->out ? fopen(a->out, "w") : stdout;
    if (!f)
        fprintf(stderr, "attnscope: %s: cannot write: %s; HINT: choose a writable path for --out\n", a->out, strerror(errno));
    return f;
}

/* Closes what cli_open_out opened; 1 (after printing why) if writing failed. */
static int cli_close_out(const CliArgs *a, FILE *f) {
    if (ferror(f) || (f != stdout && fclose(f) != 0)) {
        fprintf(stderr, "attnscope: %s: write failed; HINT: check free disk space\n", a->out ? a->out : "stdout");
        return 1;
    }
    return 0;
}

static int cmd_info(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    const ModelConfig *c = &m->config;
    printf("model:        %s\n", m->name);
    printf("path:         %s\n", m->path);
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

static int cmd_dump(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, false, &in);
    Trace *tr = NULL;
    FILE *f = NULL;
    EngineError err;
    if (rc) goto done;
    int T = (int)in.tokens.n;
    tr = trace_create(m, T);
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace of %d tokens\n", T); rc = 1; goto done; }
    if (forward_run_typed(m, in.ids, in.types, T, &a->run, tr, &err)) { rc = cli_error(&err); goto done; }
    if (!(f = cli_open_out(a))) { rc = 1; goto done; }
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
            fprintf(f, ",\"p\":%.6g}", tr->top_p[(size_t)t * tr->top_k + j]);
        }
        fputc(']', f);
    }
    fprintf(f, "],\n\"loss\":");
    if (isfinite(tr->loss)) fprintf(f, "%.9g", tr->loss);
    else fputs("null", f);
    fprintf(f, ",\"truncated\":%s,\"forward_ms\":%.3f", in.truncated ? "true" : "false", tr->forward_ms);
    if (a->vectors) {
        fprintf(f, ",\n\"q\":");
        json_vectors(f, tr, trace_q);
        fprintf(f, ",\n\"k\":");
        json_vectors(f, tr, trace_k);
        fprintf(f, ",\n\"v\":");
        json_vectors(f, tr, trace_v);
    }
    fprintf(f, "}\n");
    rc = cli_close_out(a, f);
    f = NULL;
done:
    trace_free(tr);
    cli_input_free(&in);
    model_free(m);
    return rc;
}

/* Role scores of every head on the text (engine/roles.h), as JSON: the
 * tokens with the loss on each next token, the mean loss, then the roles. */
static int cmd_roles(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, false, &in);
    Trace *tr = NULL;
    Roles *r = NULL;
    FILE *f = NULL;
    EngineError err;
    if (rc) goto done;
    int T = (int)in.tokens.n;
    tr = trace_create(m, T);
    r = roles_create(m->config.n_layer, m->config.n_head);
    if (!tr || !r) { fprintf(stderr, "attnscope: out of memory for the trace of %d tokens\n", T); rc = 1; goto done; }
    if (forward_run_typed(m, in.ids, in.types, T, &a->run, tr, &err) || roles_compute_model(m, tr, r, &err)) {
        rc = cli_error(&err);
        goto done;
    }
    if (!(f = cli_open_out(a))) { rc = 1; goto done; }
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
    rc = cli_close_out(a, f);
done:
    roles_free(r);
    trace_free(tr);
    cli_input_free(&in);
    model_free(m);
    return rc;
}

static int cmd_generate(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    CliInput in;
    int rc = cli_input(a, m, true, &in);
    if (!rc && m->config.encoder) {
        fprintf(stderr, "attnscope: %s is a bidirectional encoder and cannot continue text; HINT: use attnscope fill with [MASK] in the text\n", m->name);
        rc = 1;
    }
    if (rc) { cli_input_free(&in); model_free(m); return rc; }
    const int ctx = m->config.n_ctx;
    int n = (int)in.tokens.n;
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
    int *ids = malloc(sizeof(int) * (size_t)(T + 1));
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
        printf("forward_ms=%.3f\n", med);
    }
    free(ids);
    model_free(m);
    return rc;
}

static int cmd_export(CliArgs *a) {
    if (!a->out) cli_die_usage("export needs --out FILE.png");
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
    eo.role = a->role;
    eo.layer = a->layer < 0 ? 0 : a->layer;
    eo.head = a->head < 0 ? 0 : a->head;
    if (eo.layer >= m->config.n_layer || eo.head >= m->config.n_head) {
        fprintf(stderr, "attnscope: --layer %d --head %d: the model has %d layers of %d heads; HINT: both are zero-based\n",
                eo.layer, eo.head, m->config.n_layer, m->config.n_head);
        rc = 1;
        goto done;
    }
    tr = trace_create(m, (int)in.tokens.n);
    if (!tr) { fprintf(stderr, "attnscope: out of memory for the trace\n"); rc = 1; goto done; }
    if (forward_run_typed(m, in.ids, in.types, (int)in.tokens.n, &a->run, tr, &err)) { rc = cli_error(&err); goto done; }
    if (export_png(m, in.text, &in.tokens, tr, &a->run, &eo, a->out, &err)) { rc = cli_error(&err); goto done; }
    fprintf(stderr, "attnscope: wrote %s\n", a->out);
done:
    trace_free(tr);
    cli_input_free(&in);
    model_free(m);
    return rc;
}

/* The MLM head's top predictions at every [MASK] of the text. */
static int cmd_fill(CliArgs *a) {
    Model *m;
    if (cli_load_model(a, &m)) return 1;
    int mask_id = tokenizer_mask_id(m->tokenizer);
    if (!m->config.encoder || !m->config.has_mlm_head || mask_id < 0) {
        fprintf(stderr, "attnscope: %s: fill needs a masked-language model (an MLM head and a [MASK] token); HINT: use a BertForMaskedLM folder (config.json model_type \"bert\" with cls.predictions.* weights)\n", m->path);
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

static int cmd_app(const CliArgs *a) {
    char def[1024];
    AppArgs args;
    memset(&args, 0, sizeof args);
    args.model_path = a->model ? a->model : model_default_path(def, sizeof def);
    args.text = a->text;
    args.run = a->run;
    args.export_dir = a->export_dir;
    args.run_given = a->run_given;
    args.model_given = a->model != NULL;
    /* "--mask keys:a,b" hides keys on top of the model's own mode (none for an encoder) */
    args.mask_mode_given = a->mask_spec && strncmp(a->mask_spec, "keys:", 5) != 0;
    args.session = a->session;
    args.fresh = a->fresh;
    return app_main(&args);
}

int main(int argc, char **argv) {
    CliArgs a = cli_parse(argc, argv);
    char def[1024];
    const char *path = a.model ? a.model : model_default_path(def, sizeof def);
    if (marian_cli_handles(a.cmd, path)) {
        MarianCliArgs ma = {.cmd = a.cmd, .model = path, .text = a.text, .out = a.out, .kind = a.kind,
                            .scale = a.scale_spec, .mask = a.mask_spec, .ablate = a.ablate_spec,
                            .n = a.n_given ? a.n_generate : 0, .beam = a.beam, .vectors = a.vectors,
                            .layer = a.layer, .head = a.head, .grid = a.grid, .white = a.white,
                            .colormap = a.colormap};
        return marian_cli_run(&ma);
    }
    if (!strcmp(a.cmd, "info")) return cmd_info(&a);
    if (!strcmp(a.cmd, "tokenize")) return cmd_tokenize(&a);
    if (!strcmp(a.cmd, "dump")) return cmd_dump(&a);
    if (!strcmp(a.cmd, "generate")) return cmd_generate(&a);
    if (!strcmp(a.cmd, "bench")) return cmd_bench(&a);
    if (!strcmp(a.cmd, "export")) return cmd_export(&a);
    if (!strcmp(a.cmd, "roles")) return cmd_roles(&a);
    if (!strcmp(a.cmd, "fill")) return cmd_fill(&a);
    if (!strcmp(a.cmd, "app")) return cmd_app(&a);
    if (!strcmp(a.cmd, "help")) { cli_usage(); return 0; }
    cli_die_usage("unknown command %s", a.cmd);
}
