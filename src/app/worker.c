/* worker.c — see worker.h. */
#include "app/worker.h"

#include <SDL.h>
#include <string.h>

#include "engine/session.h"

struct Worker {
    const Model *m;
    int max_tokens;
    ForwardSession *session; /* the last run, reused by the next (worker thread only) */
    uint32_t event_type;
    SDL_Thread *thread;
    SDL_mutex *mu;
    SDL_cond *wake;        /* a request arrived, or quit */
    SDL_cond *done;        /* a result was published */
    bool quit;
    /* guarded by mu: */
    char *req_text;        /* queued request (owned), NULL = none */
    RunOptions req_ro;
    uint64_t req_gen;      /* generation of the queued request */
    uint64_t next_gen;     /* last generation handed out */
    uint64_t done_gen;     /* generation of the newest published result */
    WorkResult *ready;     /* published, not yet taken */
    WorkResult *spare;     /* recycled buffers for the next run */
};

void work_result_free(WorkResult *r) {
    if (!r) return;
    free(r->text);
    token_list_free(&r->tokens);
    free(r->labels);
    trace_free(r->tr);
    free(r);
}

/* A label of only spaces would be an empty-looking chip: show each space
 * as U+2423 (open box). */
static void worker__visible_spaces(char *lab, size_t cap) {
    size_t n = strlen(lab);
    if (n == 0 || strspn(lab, " ") != n || n * 3 + 1 > cap) return;
    for (size_t i = 0; i < n; i++) memcpy(lab + 3 * i, "\xE2\x90\xA3", 3);
    lab[3 * n] = '\0';
}

static double worker__now_ms(void) {
    return (double)SDL_GetPerformanceCounter() * 1000.0 /
           (double)SDL_GetPerformanceFrequency();
}

/* worker_run; with a session, only what changed since its last run is
 * recomputed. */
static int worker__run(const Model *m, ForwardSession *s, int max_tokens, const char *text,
                       const RunOptions *ro, WorkResult *r) {
    double t0 = worker__now_ms();
    EngineError err = {{0}};
    r->status = 0;
    r->err[0] = '\0';
    r->n_dropped = 0;
    r->ro = *ro;
    token_list_free(&r->tokens);
    char *copy = strdup(text ? text : "");
    if (!copy) goto oom;
    free(r->text);
    r->text = copy;
    /* llama2.c models were trained with BOS at position 0: prepend it as
       llama2.c's run.c does, so the trace (and every view) includes it */
    bool bos = m->config.arch == ARCH_LLAMA && tokenizer_bos_id(m->tokenizer) >= 0;
    if (tokenizer_encode(m->tokenizer, r->text, strlen(r->text), bos,
                         &r->tokens, &err) != 0) {
        r->status = -1;
        snprintf(r->err, sizeof r->err, "%s", err.msg);
        r->tokens.n = 0;
        return -1;
    }
    r->n_dropped = token_list_keep_last(&r->tokens, (size_t)max_tokens, bos);
    size_t n = r->tokens.n;
    char *labels = realloc(r->labels, (n ? n : 1) * WORKER_LABEL_CAP);
    if (!labels) goto oom;
    r->labels = labels;
    for (size_t i = 0; i < n; i++) {
        char *lab = r->labels + i * WORKER_LABEL_CAP;
        tokenizer_token_label(m->tokenizer, r->tokens.tokens[i].id, lab, WORKER_LABEL_CAP);
        worker__visible_spaces(lab, WORKER_LABEL_CAP);
    }
    if (n == 0) {
        r->run_ms = worker__now_ms() - t0;
        return 0; /* nothing to run: the views show a hint */
    }
    if (r->tr && r->tr->capacity < (int)n) {
        trace_free(r->tr);
        r->tr = NULL;
    }
    if (!r->tr) {
        int cap = ((int)n + 31) / 32 * 32 + 32; /* room to type on */
        if (cap > max_tokens) cap = max_tokens;
        r->tr = trace_create(m, cap);
        if (!r->tr) goto oom;
    }
    int *ids = malloc(n * sizeof *ids);
    if (!ids) goto oom;
    for (size_t i = 0; i < n; i++) ids[i] = r->tokens.tokens[i].id;
    /* with a session the attention and the last token's predictions come
       first; worker__main publishes them, then the other rows' */
    int rc = s ? forward_session_run_view(s, ids, NULL, (int)n, ro, -1, r->tr, &err)
               : forward_run(m, ids, (int)n, ro, r->tr, &err);
    free(ids);
    r->run_ms = worker__now_ms() - t0;
    if (rc != 0) {
        r->status = -1;
        snprintf(r->err, sizeof r->err, "%s", err.msg);
        trace_free(r->tr);
        r->tr = NULL;
        return -1;
    }
    return 0;
oom:
    r->status = -1;
    snprintf(r->err, sizeof r->err,
             "out of memory for %zu tokens; HINT: use a shorter text",
             r->tokens.n);
    trace_free(r->tr);
    r->tr = NULL;
    return -1;
}

int worker_run(const Model *m, int max_tokens, const char *text,
               const RunOptions *ro, WorkResult *r) {
    return worker__run(m, NULL, max_tokens, text, ro, r);
}

/* r's request with every row's predictions, from the session, into d
 * (reusing its buffers). r stays as published: this only reads it. */
static int worker__complete(Worker *w, const WorkResult *r, WorkResult *d) {
    size_t n = r->tokens.n;
    char *text = strdup(r->text);
    Token *tokens = malloc(n * sizeof *tokens);
    char *labels = realloc(d->labels, n * WORKER_LABEL_CAP);
    if (labels) d->labels = labels;
    if (d->tr && d->tr->capacity < r->tr->capacity) {
        trace_free(d->tr);
        d->tr = NULL;
    }
    if (!d->tr) d->tr = trace_create(w->m, r->tr->capacity);
    if (!text || !tokens || !labels || !d->tr) {
        free(text);
        free(tokens);
        return -1;
    }
    free(d->text);
    d->text = text;
    token_list_free(&d->tokens);
    memcpy(tokens, r->tokens.tokens, n * sizeof *tokens);
    d->tokens.tokens = tokens;
    d->tokens.n = n;
    memcpy(d->labels, r->labels, n * WORKER_LABEL_CAP);
    d->n_dropped = r->n_dropped;
    d->ro = r->ro;
    d->status = r->status;
    d->gen = r->gen;
    double t0 = worker__now_ms();
    forward_session_complete(w->session, NULL);
    forward_session_publish(w->session, d->tr);
    d->run_ms = r->run_ms + worker__now_ms() - t0;
    return 0;
}

/* Hands r (may be NULL) to the UI; `final`: the request gen is done. Called
 * with mu held. */
static void worker__publish(Worker *w, WorkResult *r, uint64_t gen, bool final) {
    if (r) {
        if (w->ready) { /* the UI never took it: recycle */
            if (!w->spare) w->spare = w->ready;
            else work_result_free(w->ready);
        }
        w->ready = r;
    }
    if (final) {
        w->done_gen = gen;
        SDL_CondBroadcast(w->done);
    }
    if (r && w->event_type) {
        SDL_Event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = w->event_type;
        SDL_PushEvent(&ev);
    }
}

static int worker__main(void *arg) {
    Worker *w = arg;
    SDL_LockMutex(w->mu);
    for (;;) {
        while (!w->quit && !w->req_text) SDL_CondWait(w->wake, w->mu);
        if (w->quit) break;
        char *text = w->req_text;
        RunOptions ro = w->req_ro;
        uint64_t gen = w->req_gen;
        w->req_text = NULL;
        WorkResult *r = w->spare ? w->spare : calloc(1, sizeof *r);
        w->spare = NULL;
        SDL_UnlockMutex(w->mu);

        if (r) {
            worker__run(w->m, w->session, w->max_tokens, text, &ro, r);
            r->gen = gen;
        }
        free(text);
        bool pending = r && r->tr && w->session && forward_session_pending(w->session);

        SDL_LockMutex(w->mu);
        worker__publish(w, r, gen, !pending);
        /* then every row's predictions, unless a newer request waits (its
           run fills them: the session remembers) */
        if (pending && !w->req_text && !w->quit) {
            WorkResult *d = w->spare ? w->spare : calloc(1, sizeof *d);
            w->spare = NULL;
            SDL_UnlockMutex(w->mu);
            bool ok = d && worker__complete(w, r, d) == 0;
            SDL_LockMutex(w->mu);
            if (!ok && d) {
                if (!w->spare) w->spare = d;
                else work_result_free(d);
            }
            worker__publish(w, ok ? d : NULL, gen, true);
        } else if (pending) {
            worker__publish(w, NULL, gen, true);
        }
    }
    SDL_UnlockMutex(w->mu);
    return 0;
}

Worker *worker_create(const Model *m, int max_tokens, uint32_t event_type,
                      EngineError *err) {
    Worker *w = calloc(1, sizeof *w);
    if (!w) {
        engine_fail(err, "worker: out of memory; HINT: close other programs");
        return NULL;
    }
    w->m = m;
    w->max_tokens = max_tokens;
    w->event_type = event_type;
    w->session = forward_session_create(m, max_tokens, NULL); /* NULL: full passes */
    w->mu = SDL_CreateMutex();
    w->wake = SDL_CreateCond();
    w->done = SDL_CreateCond();
    if (w->mu && w->wake && w->done)
        w->thread = SDL_CreateThread(worker__main, "attnscope-worker", w);
    if (!w->thread) {
        engine_fail(err, "worker thread: %s; HINT: check ulimit -u",
                    SDL_GetError());
        if (w->mu) SDL_DestroyMutex(w->mu);
        if (w->wake) SDL_DestroyCond(w->wake);
        if (w->done) SDL_DestroyCond(w->done);
        forward_session_free(w->session);
        free(w);
        return NULL;
    }
    return w;
}

void worker_destroy(Worker *w) {
    if (!w) return;
    SDL_LockMutex(w->mu);
    w->quit = true;
    SDL_CondSignal(w->wake);
    SDL_UnlockMutex(w->mu);
    SDL_WaitThread(w->thread, NULL);
    free(w->req_text);
    work_result_free(w->ready);
    work_result_free(w->spare);
    SDL_DestroyMutex(w->mu);
    SDL_DestroyCond(w->wake);
    SDL_DestroyCond(w->done);
    forward_session_free(w->session);
    free(w);
}

uint64_t worker_post(Worker *w, const char *text, const RunOptions *ro) {
    char *copy = strdup(text ? text : "");
    SDL_LockMutex(w->mu);
    uint64_t gen = ++w->next_gen;
    if (copy) {
        free(w->req_text);
        w->req_text = copy;
        w->req_ro = *ro;
        w->req_gen = gen;
        SDL_CondSignal(w->wake);
    }
    SDL_UnlockMutex(w->mu);
    return gen;
}

WorkResult *worker_take(Worker *w, WorkResult *old) {
    SDL_LockMutex(w->mu);
    WorkResult *r = w->ready;
    w->ready = NULL;
    if (r && old) {
        if (!w->spare) w->spare = old;
        else work_result_free(old);
    }
    SDL_UnlockMutex(w->mu);
    return r;
}

bool worker_wait(Worker *w, uint64_t gen, int timeout_ms) {
    Uint32 start = SDL_GetTicks();
    SDL_LockMutex(w->mu);
    while (w->done_gen < gen) {
        Uint32 spent = SDL_GetTicks() - start;
        if ((int)spent >= timeout_ms) break;
        SDL_CondWaitTimeout(w->done, w->mu, (Uint32)timeout_ms - spent);
    }
    bool ok = w->done_gen >= gen;
    SDL_UnlockMutex(w->mu);
    return ok;
}
