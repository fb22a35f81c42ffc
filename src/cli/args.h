/* args.h — the command line of attnscope, parsed and checked without
 * exiting, so main.c decides what to print and the CLI fuzzer
 * (tests/fuzz/cli_fuzzer.c) can drive it.
 *
 * Each subcommand accepts only its own flags (CLI_FLAGS in args.c): a flag
 * another subcommand takes is an error naming the flag, not silently
 * ignored. Ranges that depend on the model (layers, heads, ablated heads,
 * masked key positions) are checked by cli_args_check once the model and the
 * text are known.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/forward.h"
#include "engine/model.h"

typedef struct {
    const char *cmd;
    const char *model;      /* NULL = the shipped default */
    const char *tokenizer;
    const char *text;       /* NULL if not given */
    const char *out;
    bool bos, vectors, grid, white;
    bool bench_append, bench_option; /* bench --append, --option-change */
    bool bench_keystroke;            /* bench --keystroke */
    int n_generate, bench_tokens, layer, head;  /* layer, head: -1 = not given */
    const char *colormap;
    const char *role;       /* export --grid --role NAME */
    const char *export_dir; /* app: where exports go */
    const char *session;    /* app: open this session file */
    bool fresh;             /* app: without the autosaved session */
    RunOptions run;
    bool run_set;           /* --scale, --mask or --ablate given */
    const char *mask_spec;  /* --mask as given; re-read once the model is known */
    const char *kind, *scale_spec, *ablate_spec; /* Marian: per-kind options (with mask_spec) */
    int beam;               /* translate/dump on Marian: 0 = greedy */
    bool n_given;           /* -n given */
} CliArgs;

#define CLI_MSG_SIZE ENGINE_ERROR_SIZE

/* Parses argv into a. Returns 0 on success, 1 when --help was asked for, and
 * -1 with one line in msg (no "attnscope: " prefix, escaped, with a HINT)
 * for an unknown command, an unknown flag, a flag the subcommand does not
 * take, a missing value or a value out of its fixed range. */
int cli_args_parse(CliArgs *a, int argc, char **argv, char *msg, size_t cap);

/* Checks what depends on the model: --layer and --head, every --ablate head,
 * and --mask keys against n_tokens (the tokens that will run; 0 = no text
 * yet, keys unchecked). 0, or -1 with one line naming the flag and the valid
 * range. */
int cli_args_check(const CliArgs *a, const ModelConfig *c, int n_tokens, char *msg, size_t cap);

/* Whether subcommand cmd is one attnscope knows. */
bool cli_args_known_command(const char *cmd);

#endif
