/* marian_cli.c — translate, dump, info and tokenize on Marian models (see
 * marian_cli.h). A thin layer over engine/marian.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/mtrun.h"
#include "engine/atomicfile.h"
#include "engine/marian.h"
#include "jsonout.h"
#include "marian_cli.h"

static int mcli__fail(const EngineError *err) {
    fprintf(stderr, "attnscope: %s\n", err->msg);
    return 1;
}

bool marian_cli_handles(const char *cmd, const char *path) {
    if (!strcmp(cmd, "translate")) return true;
    if (strcmp(cmd, "dump") && strcmp(cmd, "info") && strcmp(cmd, "tokenize") && strcmp(cmd, "export")) return false;
    return path && marian_is_marian_folder(path);
}

/* The run options of --kind, --scale, --mask, --ablate. */
static int mcli__options(const MarianCliArgs *a, MarianRunOptions *ro, EngineError *err) {
    *ro = marian_run_options_default();
    const char *kind = a->kind ? a->kind : "cross";
    RunOptions *k = !strcmp(kind, "cross") ? &ro->cross : !strcmp(kind, "encoder") ? &ro->enc
                  : !strcmp(kind, "decoder") ? &ro->dec : NULL;
    if (!k)
        return engine_fail(err, "--kind %.40s: unknown attention kind; HINT: use cross, encoder or decoder", kind);
    if (a->scale && run_options_parse_scale(k, a->scale, err)) return -1;
    if (a->ablate && run_options_parse_ablate(k, a->ablate, err)) return -1;
    if (a->mask && !strncmp(a->mask, "keys:", 5) && k != &ro->dec) {
        RunOptions tmp = run_options_default();
        if (run_options_parse_mask(&tmp, a->mask, err)) return -1;
        for (int p = 0; p < RUN_MAX_KEYS; p++)
            if (run_options_key_masked(&tmp, p)) marian_run_options_mask_source(ro, p, true);
    } else if (a->mask && run_options_parse_mask(k, a->mask, err)) {
        return -1;
    }
    return 0;
}

/* --layer, --head and every --ablate head against the layers and heads of
 * the --kind they act on; --mask keys:a,b of kind encoder or cross against
 * the S source tokens (S = 0: not known yet, unchecked). */
static int mcli__ranges(const MarianCliArgs *a, const MarianModel *mm, const MarianRunOptions *ro, int S,
                        EngineError *err) {
    const MarianConfig *c = &mm->config;
    int kind = marian_kind_parse(a->kind ? a->kind : "cross");
    bool enc = kind == MARIAN_KIND_ENC;
    int L = enc ? c->n_enc_layer : c->n_dec_layer, H = enc ? c->n_enc_head : c->n_dec_head;
    const char *name = marian_kind_name((MarianKind)kind);
    if (a->layer >= L)
        return engine_fail(err, "--layer %d: the %s attention has %d layers, valid 0 to %d; HINT: layers are "
                           "zero-based", a->layer, name, L, L - 1);
    if (a->head >= H)
        return engine_fail(err, "--head %d: the %s attention has %d heads per layer, valid 0 to %d; HINT: heads "
                           "are zero-based", a->head, name, H, H - 1);
    const RunOptions *k = marian_run_options_kind((MarianRunOptions *)ro, (MarianKind)kind);
    for (int l = 0; l < MODEL_MAX_LAYERS; l++)
        for (int h = 0; h < MODEL_MAX_HEADS; h++)
            if (run_options_head_ablated(k, l, h) && (l >= L || h >= H))
                return engine_fail(err, "--ablate %d.%d: the %s attention has layers 0 to %d and heads 0 to %d; "
                                   "HINT: pass LAYER.HEAD, both zero-based", l, h, name, L - 1, H - 1);
    if (S > 0 && kind != MARIAN_KIND_DEC)
        for (int p = S; p < RUN_MAX_KEYS; p++)
            if (run_options_key_masked(&ro->enc, p) || run_options_key_masked(&ro->cross, p))
                return engine_fail(err, "--mask keys:%d: the source is %d tokens, valid positions 0 to %d; "
                                   "HINT: positions are zero-based and count </s>; see them with attnscope "
                                   "tokenize", p, S, S - 1);
    return 0;
}

/* --text, or all of stdin for "-" (at most MCLI_MAX_STDIN bytes, as for
 * the other models: far more than a source sentence the context holds). */
#define MCLI_MAX_STDIN (16u << 20)
static char *mcli__text(const MarianCliArgs *a, size_t *len) {
    if (!a->text) {
        fprintf(stderr, "attnscope: --text is missing; HINT: pass --text \"En el principio\" or --text - to read "
                        "stdin\n");
        return NULL;
    }
    if (strcmp(a->text, "-")) {
        *len = strlen(a->text);
        return strdup(a->text);
    }
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
        if (n > MCLI_MAX_STDIN) { /* /dev/zero must not eat the memory */
            free(buf);
            fprintf(stderr, "attnscope: --text -: standard input is over %u MiB; HINT: pass a shorter text\n",
                    MCLI_MAX_STDIN >> 20);
            return NULL;
        }
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    if (!buf) {
        fprintf(stderr, "attnscope: stdin: out of memory\n");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Everything a command needs: model, options, source ids, and (with
 * decode) the greedy translation. */
typedef struct {
    MarianModel *mm;
    MarianRunOptions ro;
    char *text;
    size_t len;
    int *src, S;
    int *out, n_out;
} McliRun;

static void mcli__free(McliRun *r) {
    free(r->text);
    free(r->src);
    free(r->out);
    marian_free(r->mm);
}

static int mcli__prepare(const MarianCliArgs *a, McliRun *r, bool need_text, bool decode) {
    memset(r, 0, sizeof *r);
    EngineError err;
    if (mcli__options(a, &r->ro, &err) || marian_load(&r->mm, a->model, &err) ||
        mcli__ranges(a, r->mm, &r->ro, 0, &err))
        return mcli__fail(&err);
    if (!need_text) return 0;
    if (!(r->text = mcli__text(a, &r->len))) return 1;
    if (marian_encode_source(r->mm, r->text, r->len, &r->src, &r->S, &err) ||
        mcli__ranges(a, r->mm, &r->ro, r->S, &err))
        return mcli__fail(&err);
    if (!decode) return 0;
    int room = r->mm->config.n_ctx - 1;
    int n = a->n > 0 && a->n < room ? a->n : room;
    if (a->beam > 1 ? marian_beam(r->mm, r->src, r->S, n, a->beam, &r->ro, &r->out, &r->n_out, &err)
                    : marian_greedy(r->mm, r->src, r->S, n, &r->ro, &r->out, &r->n_out, &err))
        return mcli__fail(&err);
    return 0;
}

static int mcli__translate(const MarianCliArgs *a) {
    McliRun r;
    int rc = mcli__prepare(a, &r, true, true);
    if (!rc) {
        char *text = NULL;
        EngineError err;
        if (tokenizer_marian_decode(r.mm->target, r.out, (size_t)r.n_out, &text, NULL, &err)) rc = mcli__fail(&err);
        else printf("%s\n", text);
        free(text);
    }
    mcli__free(&r);
    return rc;
}

static void mcli__tokens(FILE *f, const Tokenizer *tok, const int *ids, int n) {
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s{\"id\":%d,\"text\":", i ? "," : "", ids[i]);
        json_token_text(f, tok, ids[i]);
        fputc('}', f);
    }
    fputc(']', f);
}

/* [layer][head][row][col] of one kind's vectors or matrices. */
static void mcli__kind(FILE *f, const char *name, const float *x, const AttnTrace *t, int rows, int cols) {
    fprintf(f, ",\n\"%s\":", name);
    json_tensor4(f, x, t->n_layer, t->n_head, rows, cols);
}

static int mcli__dump(const MarianCliArgs *a) {
    McliRun r;
    int rc = mcli__prepare(a, &r, true, true);
    MarianTrace *tr = NULL;
    FILE *f = NULL;
    AtomicFile af = {0};
    int *dec_in = NULL;
    char *text = NULL;
    EngineError err;
    if (rc) goto done;
    /* Row t of the decoder and cross-attention is the query that chose
       target token t: decoder input = start, then the target tokens but the last. */
    int T = r.n_out;
    dec_in = malloc((size_t)T * sizeof *dec_in);
    tr = marian_trace_create(r.mm, r.S, T);
    if (!dec_in || !tr) {
        fprintf(stderr, "attnscope: out of memory for the trace\n");
        rc = 1;
        goto done;
    }
    dec_in[0] = r.mm->config.decoder_start_id;
    for (int t = 1; t < T; t++) dec_in[t] = r.out[t - 1];
    if (marian_forward(r.mm, r.src, r.S, dec_in, T, &r.ro, tr, &err) ||
        tokenizer_marian_decode(r.mm->target, r.out, (size_t)r.n_out, &text, NULL, &err)) {
        rc = mcli__fail(&err);
        goto done;
    }
    if (atomicfile_open(&af, a->out, &err)) { /* a finished file or nothing */
        rc = mcli__fail(&err);
        goto done;
    }
    f = af.f;
    const MarianConfig *c = &r.mm->config;
    char de[128], dd[128], dc[128];
    run_options_describe(&r.ro.enc, de, sizeof de);
    run_options_describe(&r.ro.dec, dd, sizeof dd);
    run_options_describe(&r.ro.cross, dc, sizeof dc);
    fprintf(f, "{\"model\":");
    json_string(f, r.mm->base->name);
    fprintf(f, ",\"arch\":\"marian\",\"encoder_layers\":%d,\"decoder_layers\":%d,\"encoder_heads\":%d,"
               "\"decoder_heads\":%d,\"options\":{\"encoder\":", c->n_enc_layer, c->n_dec_layer, c->n_enc_head,
            c->n_dec_head);
    json_string(f, de);
    fprintf(f, ",\"decoder\":");
    json_string(f, dd);
    fprintf(f, ",\"cross\":");
    json_string(f, dc);
    fprintf(f, "},\n\"source_text\":");
    json_string(f, r.text);
    fprintf(f, ",\"translation\":");
    json_string(f, text);
    fprintf(f, ",\n\"source_tokens\":");
    mcli__tokens(f, r.mm->base->tokenizer, r.src, r.S);
    fprintf(f, ",\n\"target_tokens\":");
    mcli__tokens(f, r.mm->target, r.out, r.n_out);
    fprintf(f, ",\n\"decoder_input_tokens\":");
    mcli__tokens(f, r.mm->target, dec_in, T);
    mcli__kind(f, "encoder_attention", tr->enc.att, &tr->enc, r.S, r.S);
    mcli__kind(f, "decoder_attention", tr->dec.att, &tr->dec, T, T);
    mcli__kind(f, "cross_attention", tr->cross.att, &tr->cross, T, r.S);
    if (a->vectors) {
        const AttnTrace *k[3] = {&tr->enc, &tr->dec, &tr->cross};
        const char *names[3] = {"encoder", "decoder", "cross"};
        for (int i = 0; i < 3; i++) {
            char n[32];
            snprintf(n, sizeof n, "%s_q", names[i]);
            mcli__kind(f, n, k[i]->q, k[i], k[i]->nq, k[i]->d_head);
            snprintf(n, sizeof n, "%s_k", names[i]);
            mcli__kind(f, n, k[i]->k, k[i], k[i]->nk, k[i]->d_head);
            snprintf(n, sizeof n, "%s_v", names[i]);
            mcli__kind(f, n, k[i]->v, k[i], k[i]->nk, k[i]->d_head);
        }
    }
    fprintf(f, ",\n\"forward_ms\":");
    json_number(f, "%.3f", tr->forward_ms);
    fputs("}\n", f);
    if (atomicfile_commit(&af, &err)) rc = mcli__fail(&err);
    f = NULL;
done:
    if (f) atomicfile_abort(&af);
    free(text);
    free(dec_in);
    marian_trace_free(tr);
    mcli__free(&r);
    return rc;
}

static int mcli__info(const MarianCliArgs *a) {
    McliRun r;
    int rc = mcli__prepare(a, &r, false, false);
    if (!rc) {
        const MarianConfig *c = &r.mm->config;
        static const char *acts[] = {"swish", "gelu", "relu"};
        char name[512], path[4096]; /* from the user: escaped like an error line */
        engine_escape(name, sizeof name, r.mm->base->name, strlen(r.mm->base->name));
        engine_escape(path, sizeof path, r.mm->base->path, strlen(r.mm->base->path));
        printf("model:        %s\n", name);
        printf("path:         %s\n", path);
        printf("architecture: marian (encoder-decoder, post-LN, sinusoidal positions)\n");
        printf("parameters:   %zu (%.2f M)\n", r.mm->base->n_params, r.mm->base->n_params / 1e6);
        printf("dtype:        %s\n", r.mm->base->config.dtype);
        printf("encoder:      %d layers x %d heads, ffn %d\n", c->n_enc_layer, c->n_enc_head, c->d_ff_enc);
        printf("decoder:      %d layers x %d heads, ffn %d\n", c->n_dec_layer, c->n_dec_head, c->d_ff_dec);
        printf("d_model:      %d\n", c->d_model);
        printf("activation:   %s\n", acts[c->act]);
        printf("embeddings:   %s\n", c->scale_embedding ? "x sqrt(d_model)" : "unscaled");
        printf("context:      %d\n", c->n_ctx);
        printf("vocab:        %d (eos %d, pad %d, decoder start %d)\n", c->vocab_size, c->eos_id, c->pad_id,
               c->decoder_start_id);
        printf("tokenizer:    SentencePiece unigram (source.spm, target.spm) + vocab.json, %d tokens\n",
               tokenizer_vocab_size(r.mm->base->tokenizer));
    }
    mcli__free(&r);
    return rc;
}

static int mcli__tokenize(const MarianCliArgs *a) {
    McliRun r;
    int rc = mcli__prepare(a, &r, false, false); /* any length: no model run */
    if (!rc && !(r.text = mcli__text(a, &r.len))) rc = 1;
    if (!rc) {
        TokenList tl;
        EngineError err;
        if (tokenizer_encode(r.mm->base->tokenizer, r.text, r.len, false, &tl, &err)) {
            rc = mcli__fail(&err);
        } else {
            printf("{\"tokens\":[");
            for (size_t i = 0; i < tl.n; i++) {
                printf("%s{\"id\":%d,\"text\":", i ? "," : "", tl.tokens[i].id);
                json_token_text(stdout, r.mm->base->tokenizer, tl.tokens[i].id);
                printf(",\"start\":%zu,\"end\":%zu}", tl.tokens[i].start, tl.tokens[i].end);
            }
            printf(",{\"id\":%d,\"text\":\"</s>\",\"start\":%zu,\"end\":%zu}],\"truncated\":false}\n",
                   r.mm->config.eos_id, r.len, r.len);
            token_list_free(&tl);
        }
    }
    mcli__free(&r);
    return rc;
}

/* export --kind K: the PNG of one head (or the grid) of that kind, both
 * texts named. The translation is greedy, as the app's. */
static int mcli__export(const MarianCliArgs *a) {
    if (!a->out) {
        fprintf(stderr, "attnscope: export needs --out FILE.png; HINT: add --out head.png\n");
        return 1;
    }
    if (!a->grid && (a->layer < 0 || a->head < 0)) {
        fprintf(stderr, "attnscope: export needs --layer L --head H (or --grid); HINT: add --layer 0 --head 0\n");
        return 1;
    }
    McliRun r;
    int rc = mcli__prepare(a, &r, true, false);
    MtResult res;
    memset(&res, 0, sizeof res);
    int kind = marian_kind_parse(a->kind ? a->kind : "cross");
    if (!rc) {
        int room = r.mm->config.n_ctx - 1;
        if (mt_run(r.mm, r.text, &r.ro, a->n > 0 && a->n < room ? a->n : room, &res)) {
            fprintf(stderr, "attnscope: %s\n", res.err);
            rc = 1;
        }
    }
    if (!rc) {
        ExportView ev;
        char quote[4096];
        mt_export_view(&res, r.mm, (MarianKind)kind, &ev, quote, sizeof quote);
        ExportOptions eo = export_options_default();
        eo.layer = a->layer;
        eo.head = a->head;
        eo.grid = a->grid;
        eo.white_background = a->white;
        if (a->colormap) eo.colormap = a->colormap;
        EngineError err;
        if (export_png_view(&ev, &eo, a->out, &err)) rc = mcli__fail(&err);
        else fprintf(stderr, "wrote %s (%s attention, %d x %d)\n", a->out, marian_kind_name((MarianKind)kind),
                     ev.tr->n_tokens, trace_n_keys(ev.tr));
    }
    mt_result_free(&res);
    mcli__free(&r);
    return rc;
}

int marian_cli_run(const MarianCliArgs *a) {
    if (!strcmp(a->cmd, "translate")) return mcli__translate(a);
    if (!strcmp(a->cmd, "dump")) return mcli__dump(a);
    if (!strcmp(a->cmd, "info")) return mcli__info(a);
    if (!strcmp(a->cmd, "tokenize")) return mcli__tokenize(a);
    return mcli__export(a);
}
