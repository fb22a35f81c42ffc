/* test_worker_focus.c — the app's worker computes the predictions of the row
 * on view first (worker_set_focus; issue 12 §2): after an edit near the
 * start, the first result of a request carries the attention and the
 * focused row's and the last row's predictions (tr->partial, tr->focus), the
 * final one every row's, each equal to a full forward pass. The final
 * result may overtake the first one before the test takes it; the request
 * is then repeated (a partial one must be seen at least once). Uses
 * models/pd-gpt2, else the oracle's gpt2_f32. */
#include "check.h"

#include "app/worker.h"
#include "engine/forward.h"

#define TOL 1e-4

/* Row t's top-k and loss in got against want (a full pass). */
static void check_row(const Trace *got, const Trace *want, int t, const char *what) {
    CHECK(!memcmp(got->top_ids + (size_t)t * got->top_k, want->top_ids + (size_t)t * want->top_k,
                  (size_t)got->top_k * sizeof(int)), "%s: top-k of row %d", what, t);
    CHECK(check_close(got->top_p[(size_t)t * got->top_k], want->top_p[(size_t)t * want->top_k], TOL),
          "%s: top p of row %d", what, t);
    CHECK(check_close(got->token_loss[t], want->token_loss[t], TOL), "%s: loss of row %d: %g, want %g", what, t,
          got->token_loss[t], want->token_loss[t]);
}

int main(void) {
    const char *path = "models/pd-gpt2";
    struct stat st;
    if (stat("models/pd-gpt2/model.safetensors", &st) != 0) path = "build/oracle/gpt2_f32";
    if (stat(path, &st) != 0) {
        SKIP("neither models/pd-gpt2 nor build/oracle/gpt2_f32; HINT: run tests/run_all.sh");
        return check_summary();
    }
    EngineError err;
    Model *m = NULL;
    ModelLoadOptions lo = model_load_options_default();
    if (model_load(&m, path, &lo, &err)) {
        CHECK(0, "model_load %s: %s", path, err.msg);
        return check_summary();
    }
    Worker *w = worker_create(m, m->config.n_ctx, 0, &err);
    CHECK(w != NULL, "worker_create: %s", err.msg);
    if (!w) {
        model_free(m);
        return check_summary();
    }
    RunOptions ro = run_options_for_model(m);
    ro.top_k = 10;
    const char *texts[2] = {"Once upon a time the cat sat on the mat and looked at the room.",
                            "Twice upon a time the cat sat on the mat and looked at the room."};
    WorkResult *cur = NULL;
    uint64_t gen = worker_post(w, texts[0], &ro, NULL);
    CHECK(worker_wait(w, gen, 30000), "first run");
    int partial_seen = 0;
    for (int attempt = 0; attempt < 20 && partial_seen < 3; attempt++) {
        WorkResult *r = worker_take(w, cur);
        if (r) cur = r;
        const char *text = texts[(attempt + 1) % 2];
        const int focus = 3; /* a row the edit at the start makes stale */
        worker_set_focus(w, focus);
        gen = worker_post(w, text, &ro, NULL);
        CHECK(worker_wait_shown(w, gen, 30000), "attempt %d: a result", attempt);
        if ((r = worker_take(w, cur))) cur = r;
        if (!cur || !cur->tr || cur->gen != gen) {
            CHECK(0, "attempt %d: no trace of generation %llu", attempt, (unsigned long long)gen);
            break;
        }
        Trace *full = trace_create(m, cur->tr->n_tokens);
        int *ids = malloc((size_t)cur->tr->n_tokens * sizeof *ids);
        if (!full || !ids) {
            CHECK(0, "out of memory");
            trace_free(full);
            free(ids);
            break;
        }
        memcpy(ids, cur->tr->ids, (size_t)cur->tr->n_tokens * sizeof *ids);
        CHECK(forward_run(m, ids, cur->tr->n_tokens, &ro, full, &err) == 0, "full pass: %s", err.msg);
        const int T = full->n_tokens;
        if (cur->tr->partial) {
            partial_seen++;
            CHECK(cur->tr->focus == focus, "attempt %d: partial result focused on row %d, want %d", attempt,
                  cur->tr->focus, focus);
            check_row(cur->tr, full, focus, "first result");
            check_row(cur->tr, full, T - 1, "first result");
            CHECK(worker_wait(w, gen, 30000), "attempt %d: the final result", attempt);
            if ((r = worker_take(w, cur))) cur = r;
            CHECK(cur->gen == gen && !cur->tr->partial, "attempt %d: the final result is complete", attempt);
        }
        for (int t = 0; t < T && cur->tr && !cur->tr->partial; t++) check_row(cur->tr, full, t, "final result");
        CHECK(cur->tr && check_close(cur->tr->loss, full->loss, TOL), "attempt %d: mean loss", attempt);
        trace_free(full);
        free(ids);
    }
    CHECK(partial_seen > 0, "a first result with the focused row's predictions was seen (%d)", partial_seen);
    worker_destroy(w);
    work_result_free(cur);
    model_free(m);
    return check_summary();
}
