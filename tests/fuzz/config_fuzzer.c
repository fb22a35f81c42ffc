/* config_fuzzer.c — libFuzzer target for config.json through the public
 * model_load: the input is config.json, in a folder whose weights and
 * tokenizer are the oracle's gpt2_f32 ($FUZZ_MODEL_DIR, default
 * build/oracle/gpt2_f32; without it the folder has config.json only, and
 * only the config parsing and the missing-file errors run).
 *
 * Must hold: a rejected config gives one escaped line with a HINT; a config
 * that loads gives a model whose forward pass over 2 tokens yields finite
 * logits.
 */
#include <limits.h>
#include <math.h>
#include <sys/stat.h>

#include "engine/forward.h"
#include "engine/model.h"
#include "fuzz_common.h"

static char fuzz_model_dir[1100];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *src = getenv("FUZZ_MODEL_DIR");
    if (!src) src = "build/oracle/gpt2_f32";
    snprintf(fuzz_model_dir, sizeof fuzz_model_dir, "%s/model", fuzz_dir());
    if (mkdir(fuzz_model_dir, 0700) != 0) abort();
    const char *files[] = {"model.safetensors", "vocab.json", "merges.txt"};
    char abs[4096], from[4200], to[1200];
    if (!realpath(src, abs)) {
        fprintf(stderr, "config_fuzzer: %s is missing: config.json alone\n", src);
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/%s", abs, files[i]);
        snprintf(to, sizeof to, "%s/%s", fuzz_model_dir, files[i]);
        if (symlink(from, to) != 0) abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[1200];
    snprintf(path, sizeof path, "%s/config.json", fuzz_model_dir);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    Model *m = NULL;
    EngineError err;
    err.msg[0] = 0;
    if (model_load(&m, fuzz_model_dir, NULL, &err)) {
        FUZZ_REQUIRE(m == NULL);
        fuzz_check_error(err.msg);
        return 0;
    }
    Trace *tr = trace_create(m, 2);
    if (tr && m->config.n_ctx >= 2) {
        int ids[2] = {1, 2};
        RunOptions ro = run_options_default();
        if (forward_run(m, ids, 2, &ro, tr, &err) == 0)
            for (size_t i = 0; i < (size_t)2 * m->config.vocab_size; i++) FUZZ_REQUIRE(isfinite(tr->logits[i]));
        else
            fuzz_check_error(err.msg);
    }
    trace_free(tr);
    model_free(m);
    return 0;
}
