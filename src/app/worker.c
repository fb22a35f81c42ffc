/* worker.c — see worker.h. */
#include "app/worker.h"

#include <SDL.h>
#include <string.h>

#include "engine/session.h"

struct Worker {
    const Model *m;
    const MarianModel *mm; /* an encoder-decoder: requests translate */
    int max_tokens;
    ForwardSession *session; /* the last run, reused by the next (worker thread only) */
    Trace *work;           /* the trace the session continues in place; each
                              result gets a copy (worker thread only) */
    uint32_t event_type;
    SDL_Thread *thread;
    SDL_mutex *mu;
    SDL_cond *wake;        /* a request arrived, or quit */
    SDL_cond *done;        /* a result was published */
    bool quit;
    /* guarded by mu: */
    char *req_text;        /* queued request (owned), NULL = none */
    RunOptions req_ro;
    MarianRunOptions req_mro; /* with mm */
    WordMask req_wm;       /* its "mask this word" spans */
    uint64_t req_gen;      /* generation of the queued request */
    uint64_t next_gen;     /* last generation handed out */
    uint64_t done_gen;     /* generation of the newest published result */
    uint64_t shown_gen;    /* generation of the newest result handed out,
                              partial (attention first) or final */
    int focus;             /* the row on view (worker_set_focus), -1 none */
    WorkResult *ready;     /* published, not yet taken */
    WorkResult *spare;     /* recycled buffers for the next run */
};

void work_result_free(WorkResult *r) {
    if (!r) return;
    free(r->text);
    token_list_free(&r->tokens);
    free(r->labels);
    trace_free(r->tr);
    if (r->mt) mt_result_free(r->mt);
    free(r->mt);
    roles_free(r->roles);
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

/* A newline in a token shows as U+21B5 (a return arrow) instead of the
 * tokenizer's "\n": only in a token with no backslash of its own, so that
 * every "\n" of its label stands for a newline. */
static void worker__newlines(const Tokenizer *tok, int id, char *lab, size_t cap) {
    char raw[256], out[WORKER_LABEL_CAP];
    int n = tokenizer_decode_token(tok, id, raw, sizeof raw);
    if (n <= 0 || (size_t)n >= sizeof raw || !memchr(raw, '\n', (size_t)n) ||
        memchr(raw, '\\', (size_t)n))
        return;
    size_t o = 0;
    for (const char *p = lab; *p;) {
        bool nl = p[0] == '\\' && p[1] == 'n';
        size_t k = 1;
        while (!nl && ((unsigned char)p[k] & 0xC0) == 0x80) k++;
        if (o + (nl ? 3 : k) >= sizeof out || o + (nl ? 3 : k) >= cap) break;
        memcpy(out + o, nl ? "\xE2\x86\xB5" : p, nl ? 3 : k);
        o += nl ? 3 : k;
        p += nl ? 2 : k;
    }
    out[o] = '\0';
    memcpy(lab, out, o + 1);
}

void worker_token_label(const Tokenizer *tok, int id, char *lab, size_t cap) {
    tokenizer_token_label(tok, id, lab, cap);
    worker__visible_spaces(lab, cap);
    worker__newlines(tok, id, lab, cap);
}

static double worker__now_ms(void) {
    return (double)SDL_GetPerformanceCounter() * 1000.0 /
           (double)SDL_GetPerformanceFrequency();
}

/* The role scores of r->tr into r->roles (kept across runs: the model's
 * shape does not change). Without memory for them the result has none: the
 * views then show no badges, the run itself still counts. */
static void worker__roles(const Model *m, WorkResult *r) {
    const Trace *tr = r->tr;
    if (r->roles && (r->roles->n_layer != tr->n_layer || r->roles->n_head != tr->n_head)) {
        roles_free(r->roles);
        r->roles = NULL;
    }
    if (!r->roles) r->roles = roles_create(tr->n_layer, tr->n_head);
    EngineError err;
    if (r->roles && roles_compute_model(m, tr, r->roles, &err)) {
        roles_free(r->roles);
        r->roles = NULL;
    }
}

/* The session's trace for n tokens in *work: kept while it holds them, else
 * one twice as large (room to type on; the session then runs in full). */
static Trace *worker__work(const Model *m, Trace **work, int n, int max_tokens) {
    if (*work && (*work)->capacity >= n) return *work;
    int cap = *work ? 2 * (*work)->capacity : 0;
    if (cap < n + 32) cap = (n + 31) / 32 * 32 + 32;
    if (cap > max_tokens) cap = max_tokens;
    trace_free(*work);
    *work = trace_create(m, cap);
    return *work;
}

/* worker_run; with a session (and its trace *work), only what changed since
 * its last run is recomputed, then copied into r. */
static int worker__run(const Model *m, ForwardSession *s, Trace **work, int max_tokens, const char *text,
                       const RunOptions *ro, const WordMask *wm, int focus, WorkResult *r) {
    double t0 = worker__now_ms();
    EngineError err = {{0}};
    /* the previous trace is only a buffer to reuse: r->tr is set again only
       when this run produces one (an empty text must not show an old trace) */
    Trace *keep = r->tr;
    r->tr = NULL;
    r->status = 0;
    r->err[0] = '\0';
    r->n_dropped = 0;
    r->ro = *ro;
    r->wm = wm ? *wm : (WordMask){0};
    token_list_free(&r->tokens);
    char *copy = strdup(text ? text : "");
    if (!copy) goto oom;
    free(r->text);
    r->text = copy;
    /* encoders: [CLS] A [SEP] (B [SEP]) and token types (wordmask.c) */
    if (wordmask_encode(m, r->text, max_tokens, &r->tokens, &r->n_dropped, &err) != 0) {
        r->status = -1;
        snprintf(r->err, sizeof r->err, "%s", err.msg);
        trace_free(keep);
        return -1;
    }
    size_t n = r->tokens.n;
    char *labels = realloc(r->labels, (n ? n : 1) * WORKER_LABEL_CAP);
    if (!labels) goto oom;
    r->labels = labels;
    for (size_t i = 0; i < n; i++) {
        char *lab = r->labels + i * WORKER_LABEL_CAP;
        const Token *t = &r->tokens.tokens[i];
        int mask_id = tokenizer_mask_id(m->tokenizer); /* a masked word shows as [MASK] */
        bool masked = mask_id >= 0 && wordmask_covers(&r->wm, t->start, t->end);
        worker_token_label(m->tokenizer, masked ? mask_id : t->id, lab, WORKER_LABEL_CAP);
    }
    if (n == 0) {
        trace_free(keep);
        r->run_ms = worker__now_ms() - t0;
        return 0; /* nothing to run: tr stays NULL, the views show a hint */
    }
    if (keep && keep->capacity < (int)n) {
        trace_free(keep);
        keep = NULL;
    }
    r->tr = keep;
    keep = NULL;
    if (!r->tr) {
        int cap = ((int)n + 31) / 32 * 32 + 32; /* room to type on */
        if (cap > max_tokens) cap = max_tokens;
        r->tr = trace_create(m, cap);
        if (!r->tr) goto oom;
    }
    int *ids = malloc(2 * n * sizeof *ids), *types = ids + n;
    if (!ids) goto oom;
    /* "mask this word": those tokens run as [MASK]; r->tokens keeps the typed ids */
    wordmask_ids(&r->wm, r->tokens.tokens, n, tokenizer_mask_id(m->tokenizer), ids);
    for (size_t i = 0; i < n; i++) types[i] = r->tokens.tokens[i].type;
    /* with a session the attention and the last token's predictions come
       first; worker__main publishes them, then the other rows' */
    const int *ty = m->config.encoder ? types : NULL;
    Trace *wt = s ? worker__work(m, work, (int)n, max_tokens) : NULL;
    if (s && !wt) {
        free(ids);
        goto oom;
    }
    /* the row on view first (the hovered one, else the last) */
    if (focus >= (int)n) focus = -1;
    int rc = s ? forward_session_run_view(s, ids, ty, (int)n, ro, focus, wt, &err)
               : forward_run_typed(m, ids, ty, (int)n, ro, r->tr, &err);
    if (s && rc == 0) trace_copy(r->tr, wt);
    free(ids);
    r->run_ms = worker__now_ms() - t0;
    if (rc != 0) {
        r->status = -1;
        snprintf(r->err, sizeof r->err, "%s", err.msg);
        trace_free(r->tr);
        r->tr = NULL;
        return -1;
    }
    worker__roles(m, r);
    r->run_ms = worker__now_ms() - t0;
    return 0;
oom:
    trace_free(keep);
    r->status = -1;
    snprintf(r->err, sizeof r->err,
             "out of memory for %zu tokens; HINT: use a shorter text",
             r->tokens.n);
    trace_free(r->tr);
    r->tr = NULL;
    return -1;
}

int worker_run(const Model *m, int max_tokens, const char *text,
               const RunOptions *ro, const WordMask *wm, WorkResult *r) {
    return worker__run(m, NULL, NULL, max_tokens, text, ro, wm, -1, r);
}

/* r's role scores into d (they read the attention only, which the complete
 * result shares with r); none when r has none or out of memory. */
static void worker__copy_roles(const WorkResult *r, WorkResult *d) {
    const Roles *a = r->roles;
    if (d->roles && (!a || d->roles->n_layer != a->n_layer || d->roles->n_head != a->n_head)) {
        roles_free(d->roles);
        d->roles = NULL;
    }
    if (!a) return;
    if (!d->roles) d->roles = roles_create(a->n_layer, a->n_head);
    if (!d->roles) return;
    memcpy(d->roles->score, a->score,
           (size_t)ROLE_N_METRICS * a->n_layer * a->n_head * sizeof *a->score);
    memcpy(d->roles->baseline, a->baseline, sizeof a->baseline);
    memcpy(d->roles->n_queries, a->n_queries, sizeof a->n_queries);
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
    d->wm = r->wm;
    worker__copy_roles(r, d);
    d->status = r->status;
    memcpy(d->err, r->err, sizeof d->err);
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
        if (gen > w->shown_gen) w->shown_gen = gen;
    }
    if (final) w->done_gen = gen;
    if (final || r) SDL_CondBroadcast(w->done);
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
        MarianRunOptions mro = w->req_mro;
        WordMask wm = w->req_wm;
        uint64_t gen = w->req_gen;
        int focus = w->focus;
        w->req_text = NULL;
        WorkResult *r = w->spare ? w->spare : calloc(1, sizeof *r);
        w->spare = NULL;
        SDL_UnlockMutex(w->mu);

        if (r && w->mm && !r->mt) r->mt = calloc(1, sizeof *r->mt);
        if (r && w->mm && r->mt) {
            mt_run(w->mm, text, &mro, w->max_tokens, r->mt);
            r->status = r->mt->status;
            snprintf(r->err, sizeof r->err, "%s", r->mt->err);
            r->run_ms = r->mt->run_ms;
            r->gen = gen;
        } else if (r && !w->mm) {
            worker__run(w->m, w->session, &w->work, w->max_tokens, text, &ro, &wm, focus, r);
            r->gen = gen;
        } else if (r) {
            r->status = -1;
            snprintf(r->err, sizeof r->err, "out of memory; HINT: close other programs");
            r->gen = gen;
        }
        free(text);
        bool pending = r && r->tr && !w->mm && w->session && forward_session_pending(w->session);

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
    w->focus = -1;
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
    trace_free(w->work);
    free(w);
}

Worker *worker_create_marian(const MarianModel *mm, int max_new, uint32_t event_type,
                             EngineError *err) {
    /* the thread only reads mm for a request, and none is queued yet */
    Worker *w = worker_create(mm->base, max_new, event_type, err);
    if (!w) return NULL;
    SDL_LockMutex(w->mu);
    w->mm = mm;
    SDL_UnlockMutex(w->mu);
    return w;
}

uint64_t worker_post_marian(Worker *w, const char *text, const MarianRunOptions *ro) {
    SDL_LockMutex(w->mu);
    w->req_mro = *ro;
    SDL_UnlockMutex(w->mu);
    return worker_post(w, text, &ro->cross, NULL);
}

uint64_t worker_post(Worker *w, const char *text, const RunOptions *ro, const WordMask *wm) {
    char *copy = strdup(text ? text : "");
    SDL_LockMutex(w->mu);
    uint64_t gen = ++w->next_gen;
    if (copy) {
        free(w->req_text);
        w->req_text = copy;
        w->req_ro = *ro;
        w->req_wm = wm ? *wm : (WordMask){0};
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

void worker_set_focus(Worker *w, int row) {
    SDL_LockMutex(w->mu);
    w->focus = row < 0 ? -1 : row;
    SDL_UnlockMutex(w->mu);
}

/* Waits on w->done until *field >= gen or timeout_ms passes. */
static bool worker__wait_for(Worker *w, const uint64_t *field, uint64_t gen, int timeout_ms) {
    Uint32 start = SDL_GetTicks();
    SDL_LockMutex(w->mu);
    while (*field < gen) {
        Uint32 spent = SDL_GetTicks() - start;
        if ((int)spent >= timeout_ms) break;
        SDL_CondWaitTimeout(w->done, w->mu, (Uint32)timeout_ms - spent);
    }
    bool ok = *field >= gen;
    SDL_UnlockMutex(w->mu);
    return ok;
}

bool worker_wait(Worker *w, uint64_t gen, int timeout_ms) {
    return worker__wait_for(w, &w->done_gen, gen, timeout_ms);
}

bool worker_wait_shown(Worker *w, uint64_t gen, int timeout_ms) {
    return worker__wait_for(w, &w->shown_gen, gen, timeout_ms);
}
