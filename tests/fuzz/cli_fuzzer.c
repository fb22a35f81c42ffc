/* cli_fuzzer.c — libFuzzer target for the CLI's option parsing
 * (src/cli/args.c) and the run-option specs it hands to the engine
 * (run_options_parse_scale/mask/ablate). The input is argv without argv[0]:
 * words separated by NUL bytes (at most 32).
 *
 * Must hold: cli_args_parse returns 0, 1 (help) or -1 with one escaped line
 * that has a HINT; parsed options pass cli_args_check against a 6x6 model
 * and 10 tokens or fail it the same way; every word, also given straight to
 * the three spec parsers, is accepted or refused with such a line; a
 * temperature that parses is within RUN_TEMP_MIN..RUN_TEMP_MAX.
 *
 * The app's parsers have their own targets: session_fuzzer.c (session
 * files) and spec_fuzzer.c (the state spec), linked with the app sources
 * named in FUZZ_APP_TARGETS in the Makefile.
 */
#include "cli/args.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return 0;
}

static void fuzz_check_msg(const char *msg) {
    /* args.c's lines carry no "attnscope: " prefix; the same contract */
    fuzz_check_error(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = 0;
    char *argv[34];
    int argc = 0;
    argv[argc++] = "attnscope";
    for (size_t i = 0; i <= size && argc < 33;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    CliArgs a;
    char msg[CLI_MSG_SIZE];
    msg[0] = 0;
    int rc = cli_args_parse(&a, argc, argv, msg, sizeof msg);
    FUZZ_REQUIRE(rc == 0 || rc == 1 || rc == -1);
    if (rc < 0) fuzz_check_msg(msg);
    if (rc == 0) {
        FUZZ_REQUIRE(cli_args_known_command(a.cmd));
        FUZZ_REQUIRE(a.run.scale != SCALE_TEMP ||
                     (a.run.temperature >= (float)RUN_TEMP_MIN && a.run.temperature <= (float)RUN_TEMP_MAX));
        ModelConfig c;
        memset(&c, 0, sizeof c);
        c.n_layer = 6;
        c.n_head = 6;
        c.arch = ARCH_GPT2;
        msg[0] = 0;
        if (cli_args_check(&a, &c, 10, msg, sizeof msg)) fuzz_check_msg(msg);
    }
    for (int i = 1; i < argc; i++) {
        RunOptions ro = run_options_default();
        EngineError err;
        if (run_options_parse_scale(&ro, argv[i], &err)) fuzz_check_error(err.msg);
        if (run_options_parse_mask(&ro, argv[i], &err)) fuzz_check_error(err.msg);
        if (run_options_parse_ablate(&ro, argv[i], &err)) fuzz_check_error(err.msg);
        char desc[128];
        run_options_describe(&ro, desc, sizeof desc);
    }
    free(copy);
    return 0;
}
