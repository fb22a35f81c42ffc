/* args.c — see args.h. */
#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which subcommands take which flag: every command name is listed with
 * spaces around it, so " dump " finds dump and nothing else. */
typedef struct {
    const char *flag;
    bool takes_value;
    const char *cmds;
} CliFlag;

#define RUN_CMDS " app dump generate bench export roles fill translate "
static const CliFlag CLI_FLAGS[] = {
    {"--model", true, " app info tokenize dump generate bench export roles fill translate "},
    {"--tokenizer", true, " app info tokenize dump generate bench export roles fill "},
    {"--text", true, " app tokenize dump generate export roles fill translate "},
    {"--out", true, " dump export roles "},
    {"--bos", false, " tokenize dump generate export roles "},
    {"--vectors", false, " dump "},
    {"--grid", false, " export "},
    {"--white", false, " export "},
    {"--colormap", true, " export "},
    {"--role", true, " export "},
    {"--export-dir", true, " app "},
    {"--session", true, " app "},
    {"--fresh", false, " app "},
    {"-n", true, " generate translate dump export "},
    {"--beam", true, " translate dump "},
    {"--kind", true, " dump export translate "},
    {"--top", true, " dump fill "},
    {"--tokens", true, " bench "},
    {"--append", false, " bench "},
    {"--option-change", false, " bench "},
    {"--keystroke", false, " bench "},
    {"--layer", true, " export "},
    {"--head", true, " export "},
    {"--scale", true, RUN_CMDS},
    {"--mask", true, RUN_CMDS},
    {"--ablate", true, RUN_CMDS},
};
#define CLI_N_FLAGS (sizeof CLI_FLAGS / sizeof CLI_FLAGS[0])

static const char *const CLI_COMMANDS[] = {"app",    "info",  "tokenize", "dump", "generate", "bench",
                                           "export", "roles", "fill",     "translate", "help"};

bool cli_args_known_command(const char *cmd) {
    for (size_t i = 0; i < sizeof CLI_COMMANDS / sizeof CLI_COMMANDS[0]; i++)
        if (!strcmp(cmd, CLI_COMMANDS[i])) return true;
    return false;
}

/* One escaped line into msg; returns -1. */
static int cli__fail(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int cli__fail(char *msg, size_t cap, const char *fmt, ...) {
    EngineError e;
    va_list ap;
    va_start(ap, fmt);
    engine_vfail(&e, fmt, ap);
    va_end(ap);
    if (msg && cap) snprintf(msg, cap, "%s", e.msg);
    return -1;
}

static bool cli__takes(const CliFlag *f, const char *cmd) {
    char key[24];
    snprintf(key, sizeof key, " %s ", cmd);
    return strstr(f->cmds, key) != NULL;
}

/* The flags cmd takes, for the hint: "--model, --text, ...". */
static void cli__flags_of(const char *cmd, char *buf, size_t cap) {
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; i < CLI_N_FLAGS && o < cap; i++)
        if (cli__takes(&CLI_FLAGS[i], cmd))
            o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? " " : "", CLI_FLAGS[i].flag);
}

static int cli__int(const char *flag, const char *s, int lo, int hi, int *out, char *msg, size_t cap) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return cli__fail(msg, cap, "%s %s: expected a whole number from %d to %d; HINT: run attnscope --help",
                         flag, s, lo, hi);
    *out = (int)v;
    return 0;
}

int cli_args_parse(CliArgs *a, int argc, char **argv, char *msg, size_t cap) {
    memset(a, 0, sizeof *a);
    a->run = run_options_default();
    a->n_generate = 32;
    a->bench_tokens = 64;
    a->layer = -1;
    a->head = -1;
    int i = 1;
    if (i < argc && argv[i][0] != '-') a->cmd = argv[i++];
    else a->cmd = "app";
    if (!cli_args_known_command(a->cmd))
        return cli__fail(msg, cap, "unknown command %s; HINT: commands are app, info, tokenize, dump, generate, "
                         "bench, export, roles, fill, translate (run attnscope --help)", a->cmd);
    EngineError err;
    for (; i < argc; i++) {
        const char *f = argv[i];
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) return 1;
        const CliFlag *flag = NULL;
        for (size_t k = 0; k < CLI_N_FLAGS; k++)
            if (!strcmp(f, CLI_FLAGS[k].flag)) flag = &CLI_FLAGS[k];
        if (!flag)
            return cli__fail(msg, cap, "unknown option %s; HINT: run attnscope --help", f);
        if (!cli__takes(flag, a->cmd)) {
            char takes[400];
            cli__flags_of(a->cmd, takes, sizeof takes);
            return cli__fail(msg, cap, "%s is not an option of %s; HINT: %s takes %s", f, a->cmd, a->cmd,
                             takes[0] ? takes : "no options");
        }
        const char *v = NULL;
        if (flag->takes_value) {
            if (i + 1 >= argc)
                return cli__fail(msg, cap, "%s needs a value; HINT: run attnscope --help", f);
            v = argv[++i];
        }
        if (!strcmp(f, "--model")) a->model = v;
        else if (!strcmp(f, "--tokenizer")) a->tokenizer = v;
        else if (!strcmp(f, "--text")) a->text = v;
        else if (!strcmp(f, "--out")) a->out = v;
        else if (!strcmp(f, "--bos")) a->bos = true;
        else if (!strcmp(f, "--vectors")) a->vectors = true;
        else if (!strcmp(f, "--grid")) a->grid = true;
        else if (!strcmp(f, "--white")) a->white = true;
        else if (!strcmp(f, "--colormap")) a->colormap = v;
        else if (!strcmp(f, "--role")) a->role = v;
        else if (!strcmp(f, "--export-dir")) a->export_dir = v;
        else if (!strcmp(f, "--session")) a->session = v;
        else if (!strcmp(f, "--fresh")) a->fresh = true;
        else if (!strcmp(f, "--append")) a->bench_append = true;
        else if (!strcmp(f, "--option-change")) a->bench_option = true;
        else if (!strcmp(f, "--keystroke")) a->bench_keystroke = true;
        else if (!strcmp(f, "--kind")) {
            if (strcmp(v, "cross") && strcmp(v, "encoder") && strcmp(v, "decoder"))
                return cli__fail(msg, cap, "--kind %s: unknown attention kind; HINT: use cross, encoder or decoder", v);
            a->kind = v;
        }
        else if (!strcmp(f, "--beam")) { if (cli__int(f, v, 1, 16, &a->beam, msg, cap)) return -1; }
        else if (!strcmp(f, "--top")) { if (cli__int(f, v, 1, TRACE_MAX_TOP_K, &a->run.top_k, msg, cap)) return -1; }
        else if (!strcmp(f, "-n")) {
            if (cli__int(f, v, 0, 100000, &a->n_generate, msg, cap)) return -1;
            a->n_given = true;
        }
        else if (!strcmp(f, "--tokens")) { if (cli__int(f, v, 1, RUN_MAX_KEYS, &a->bench_tokens, msg, cap)) return -1; }
        else if (!strcmp(f, "--layer")) { if (cli__int(f, v, 0, MODEL_MAX_LAYERS - 1, &a->layer, msg, cap)) return -1; }
        else if (!strcmp(f, "--head")) { if (cli__int(f, v, 0, MODEL_MAX_HEADS - 1, &a->head, msg, cap)) return -1; }
        else {
            int rc = !strcmp(f, "--scale")  ? run_options_parse_scale(&a->run, v, &err)
                   : !strcmp(f, "--mask")   ? run_options_parse_mask(&a->run, v, &err)
                                            : run_options_parse_ablate(&a->run, v, &err);
            if (rc) return cli__fail(msg, cap, "%s", err.msg);
            a->run_set = true;
            if (!strcmp(f, "--scale")) a->scale_spec = v;
            else if (!strcmp(f, "--mask")) a->mask_spec = v;
            else a->ablate_spec = v;
        }
    }
    if (!strcmp(a->cmd, "export") && !a->out)
        return cli__fail(msg, cap, "export needs --out FILE.png; HINT: e.g. attnscope export --text hi --out head.png");
    return 0;
}

int cli_args_check(const CliArgs *a, const ModelConfig *c, int n_tokens, char *msg, size_t cap) {
    if (a->layer >= c->n_layer)
        return cli__fail(msg, cap, "--layer %d: the model has %d layers, valid 0 to %d; HINT: layers are zero-based",
                         a->layer, c->n_layer, c->n_layer - 1);
    if (a->head >= c->n_head)
        return cli__fail(msg, cap, "--head %d: the model has %d heads per layer, valid 0 to %d; HINT: heads are zero-based",
                         a->head, c->n_head, c->n_head - 1);
    for (int l = 0; l < MODEL_MAX_LAYERS; l++)
        for (int h = 0; h < MODEL_MAX_HEADS; h++)
            if (run_options_head_ablated(&a->run, l, h) && (l >= c->n_layer || h >= c->n_head))
                return cli__fail(msg, cap, "--ablate %d.%d: the model has layers 0 to %d and heads 0 to %d; "
                                 "HINT: pass LAYER.HEAD, both zero-based", l, h, c->n_layer - 1, c->n_head - 1);
    if (n_tokens > 0)
        for (int k = n_tokens; k < RUN_MAX_KEYS; k++)
            if (run_options_key_masked(&a->run, k))
                return cli__fail(msg, cap, "--mask keys:%d: %d tokens run, valid positions 0 to %d; "
                                 "HINT: positions are zero-based%s; see them with attnscope tokenize",
                                 k, n_tokens, n_tokens - 1, a->bos || c->arch == ARCH_LLAMA ? " and count BOS" : "");
    return 0;
}
