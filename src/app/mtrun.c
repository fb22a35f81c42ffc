/* mtrun.c — see mtrun.h. */
#include "app/mtrun.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/worker.h"

void mt_result_free(MtResult *r) {
    free(r->text);
    token_list_free(&r->src);
    free(r->out);
    free(r->translation);
    free(r->src_labels);
    free(r->tgt_labels);
    free(r->dec_labels);
    marian_trace_free(r->tr);
    memset(r, 0, sizeof *r);
}

/* (n, WORKER_LABEL_CAP) labels of ids under tok into *buf (realloc'd). */
static int mt__labels(const Tokenizer *tok, const int *ids, int n, char **buf) {
    char *p = realloc(*buf, (size_t)(n > 0 ? n : 1) * WORKER_LABEL_CAP);
    if (!p) return -1;
    *buf = p;
    for (int i = 0; i < n; i++)
        worker_token_label(tok, ids[i], p + (size_t)i * WORKER_LABEL_CAP, WORKER_LABEL_CAP);
    return 0;
}

static int mt__fail(MtResult *r, const char *msg) {
    r->status = -1;
    snprintf(r->err, sizeof r->err, "%s", msg);
    r->T = 0;
    return -1;
}

int mt_run(const MarianModel *mm, const char *text, const MarianRunOptions *ro, int max_new,
           MtResult *r) {
    double t0 = (double)SDL_GetPerformanceCounter() * 1000.0 / (double)SDL_GetPerformanceFrequency();
    EngineError err = {{0}};
    r->status = 0;
    r->err[0] = '\0';
    r->ro = *ro;
    r->S = r->T = 0;
    token_list_free(&r->src);
    free(r->out);
    r->out = NULL;
    char *copy = strdup(text ? text : "");
    if (!copy) return mt__fail(r, "out of memory; HINT: use a shorter text");
    free(r->text);
    r->text = copy;
    size_t len = strlen(copy);
    /* the tokens with their offsets (the text view's chips), then </s> */
    if (tokenizer_encode(mm->base->tokenizer, copy, len, false, &r->src, &err)) return mt__fail(r, err.msg);
    if (r->src.n == 0) return 0; /* nothing to translate: no trace, a hint */
    int *src = NULL, S = 0;
    if (marian_encode_source(mm, copy, len, &src, &S, &err)) return mt__fail(r, err.msg);
    ENGINE_ASSERT((size_t)S == r->src.n + 1);
    Token *grown = realloc(r->src.tokens, (r->src.n + 1) * sizeof *grown);
    if (!grown) {
        free(src);
        return mt__fail(r, "out of memory; HINT: use a shorter text");
    }
    r->src.tokens = grown;
    r->src.tokens[r->src.n++] = (Token){.id = mm->config.eos_id, .start = len, .end = len};
    int room = mm->config.n_ctx - 1;
    int n_out = 0;
    if (marian_greedy(mm, src, S, max_new < room ? max_new : room, ro, &r->out, &n_out, &err)) {
        free(src);
        return mt__fail(r, err.msg);
    }
    int T = n_out;
    if (T == 0) { /* max_new 0: nothing produced, nothing to trace */
        free(src);
        return 0;
    }
    int *dec_in = malloc((size_t)T * sizeof *dec_in);
    if (r->tr && (r->tr->cap_s < S || r->tr->cap_t < T)) {
        marian_trace_free(r->tr);
        r->tr = NULL;
    }
    if (!r->tr) { /* room to type on */
        int n_ctx = mm->config.n_ctx;
        r->tr = marian_trace_create(mm, S + 32 < n_ctx ? S + 32 : n_ctx, T + 32 < n_ctx ? T + 32 : n_ctx);
    }
    if (!dec_in || !r->tr || mt__labels(mm->base->tokenizer, src, S, &r->src_labels) ||
        mt__labels(mm->target, r->out, T, &r->tgt_labels)) {
        free(src);
        free(dec_in);
        return mt__fail(r, "out of memory; HINT: use a shorter text");
    }
    dec_in[0] = mm->config.decoder_start_id;
    for (int t = 1; t < T; t++) dec_in[t] = r->out[t - 1];
    int rc = mt__labels(mm->target, dec_in, T, &r->dec_labels);
    if (rc == 0) rc = marian_forward(mm, src, S, dec_in, T, ro, r->tr, &err);
    free(src);
    free(dec_in);
    if (rc) return mt__fail(r, err.msg[0] ? err.msg : "out of memory; HINT: use a shorter text");
    free(r->translation);
    r->translation = NULL;
    if (tokenizer_marian_decode(mm->target, r->out, (size_t)T, &r->translation, NULL, &err))
        return mt__fail(r, err.msg);
    r->S = S;
    r->T = T;
    for (int k = 0; k < MARIAN_KIND_COUNT; k++) marian_trace_kind(r->tr, (MarianKind)k, &r->views[k]);
    r->run_ms = (double)SDL_GetPerformanceCounter() * 1000.0 / (double)SDL_GetPerformanceFrequency() - t0;
    return 0;
}

const char *mt_row_labels(const MtResult *r, MarianKind k) {
    return k == MARIAN_KIND_ENC ? r->src_labels : r->tgt_labels;
}

const char *mt_key_labels(const MtResult *r, MarianKind k) {
    return k == MARIAN_KIND_DEC ? r->dec_labels : r->src_labels;
}

void mt_export_view(const MtResult *r, const MarianModel *mm, MarianKind k, ExportView *ev,
                    char *quote, size_t cap) {
    snprintf(quote, cap, "\"%s\" \xE2\x86\x92 \"%s\"", r->text ? r->text : "",
             r->translation ? r->translation : "");
    *ev = (ExportView){
        .model_name = mm->base->name, .model_path = mm->base->path,
        .tr = r->T > 0 ? &r->views[k] : NULL,
        .labels = mt_row_labels(r, k), .key_labels = mt_key_labels(r, k),
        .kind = marian_kind_name(k),
        .ro = k == MARIAN_KIND_ENC ? &r->ro.enc : k == MARIAN_KIND_DEC ? &r->ro.dec : &r->ro.cross,
        .tok = k == MARIAN_KIND_ENC ? mm->base->tokenizer : mm->target,
        .description = quote, .quote = quote,
    };
}
