/* worker_bench.c — see worker_bench.h. */
#include "app/worker_bench.h"

#include <SDL.h>
#include <stdlib.h>
#include <string.h>

#include "app/appstate.h"
#include "app/worker.h"

static int wbench__cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double wbench__now_ms(void) {
    return (double)SDL_GetPerformanceCounter() * 1000.0 / (double)SDL_GetPerformanceFrequency();
}

/* A text of exactly `tokens` tokens as the worker encodes it (BOS counted
 * for Llama), from app_bench's phrases; malloc'd, NULL when out of memory. */
static char *wbench__text(const Model *m, int tokens, EngineError *err) {
    size_t cap = 64 + (size_t)tokens * 24;
    char *text = calloc(1, cap);
    bool bos = m->config.arch == ARCH_LLAMA;
    while (text) {
        TokenList tl;
        if (tokenizer_encode(m->tokenizer, text, strlen(text), bos, &tl, err)) {
            free(text);
            return NULL;
        }
        size_t nt = tl.n;
        if (nt > (size_t)tokens) text[tl.tokens[tokens].start] = '\0';
        token_list_free(&tl);
        if (nt >= (size_t)tokens) break;
        if (strlen(text) + 32 > cap) { /* the tokenizer packs more per token than thought */
            char *p = realloc(text, cap * 2);
            if (!p) break;
            memset(p + cap, 0, cap);
            text = p;
            cap *= 2;
        }
        strcat(text, nt % 7 == 3 ? " Mr. Darcy smiled." : " the room");
    }
    if (!text) engine_fail(err, "out of memory for a %d-token text", tokens);
    return text;
}

int worker_bench_keystrokes(const Model *m, int tokens, int keys, WorkerBench *out, EngineError *err) {
    const int n_ctx = m->config.n_ctx, max_tokens = n_ctx < APP_MAX_TOKENS ? n_ctx : APP_MAX_TOKENS;
    if (tokens < 1 || tokens + 2 > max_tokens || keys < 1)
        return engine_fail(err, "keystroke bench at %d tokens: want 1..%d; HINT: use a smaller --tokens", tokens,
                           max_tokens - 2);
    char *text = wbench__text(m, tokens, err);
    if (!text) return -1;
    size_t len = strlen(text);
    char *typed = malloc(len + 2);
    double *t_att = malloc(4 * (size_t)keys * sizeof(double)), *t_all = t_att ? t_att + keys : NULL;
    double *t_run = t_att ? t_att + 2 * keys : NULL, *t_pass = t_att ? t_att + 3 * keys : NULL;
    Worker *w = typed && t_att ? worker_create(m, max_tokens, 0, err) : NULL;
    if (!w) {
        if (!typed || !t_att) engine_fail(err, "out of memory for the keystroke bench");
        free(text);
        free(typed);
        free(t_att);
        return -1;
    }
    memcpy(typed, text, len);
    memcpy(typed + len, "s", 2);
    RunOptions ro = run_options_for_model(m);
    if (ro.top_k < 10) ro.top_k = 10; /* as app_create: the panel's rows */
    WorkResult *cur = NULL;
    int rc = 0;
    /* the text as it stands, then keystrokes at its end */
    uint64_t gen = worker_post(w, text, &ro, NULL);
    if (!worker_wait(w, gen, 60000)) rc = engine_fail(err, "the first run did not finish in 60 s");
    for (int i = 0; !rc && i < keys; i++) {
        WorkResult *r = worker_take(w, cur); /* as the UI: take, give the old one back */
        if (r) cur = r;
        double t0 = wbench__now_ms();
        gen = worker_post(w, i % 2 == 0 ? typed : text, &ro, NULL);
        if (!worker_wait_shown(w, gen, 60000)) {
            rc = engine_fail(err, "a keystroke's run did not finish in 60 s");
            break;
        }
        t_att[i] = wbench__now_ms() - t0;
        if ((r = worker_take(w, cur))) cur = r; /* the UI draws the attention */
        t_run[i] = cur ? cur->run_ms : 0;
        t_pass[i] = cur && cur->tr ? cur->tr->forward_ms : 0;
        if (!worker_wait(w, gen, 60000)) {
            rc = engine_fail(err, "a keystroke's predictions did not finish in 60 s");
            break;
        }
        t_all[i] = wbench__now_ms() - t0;
        if (cur && cur->status) rc = engine_fail(err, "%s", cur->err);
    }
    if (!rc) {
        WorkResult *r = worker_take(w, cur);
        if (r) cur = r;
        out->tokens = cur && cur->tr ? cur->tr->n_tokens : 0;
        out->keystrokes = keys;
        qsort(t_att, (size_t)keys, sizeof *t_att, wbench__cmp);
        qsort(t_all, (size_t)keys, sizeof *t_all, wbench__cmp);
        qsort(t_run, (size_t)keys, sizeof *t_run, wbench__cmp);
        qsort(t_pass, (size_t)keys, sizeof *t_pass, wbench__cmp);
        out->run_ms = t_run[keys / 2];
        out->pass_ms = t_pass[keys / 2];
        out->attention_ms = t_att[keys / 2];
        out->predictions_ms = t_all[keys / 2];
        out->attention_p90 = t_att[keys * 9 / 10];
        out->predictions_p90 = t_all[keys * 9 / 10];
    }
    worker_destroy(w);
    work_result_free(cur);
    free(text);
    free(typed);
    free(t_att);
    return rc;
}
