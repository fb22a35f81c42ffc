/* test_bert_mlm_accuracy.c — the shipped BERT's masked-word accuracy,
 * measured through attnscope's own tokenizer and forward pass on held-out
 * text, and printed.
 *
 * Model: models/pd-bert (tools/train_bert, `make model-bert`), or
 * $ATTNSCOPE_BERT_MODEL; SKIP when absent. Text: the last 1% of each English
 * corpus file in ../shared/corpus (inside the 2% the trainer holds out),
 * in 24 windows of whole lines (up to ~100 tokens) per file. In each window 15% of the
 * non-special positions (a fixed LCG) become [MASK]; top-1 and top-5 count
 * how often the MLM head's best guesses there are the original token.
 * Checks: enough masked tokens, and a top-1 above the best constant guess
 * (always predicting the most frequent masked token), which an untrained or
 * broken model does not reach.
 */
#include "check.h"
#include "engine/forward.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

static const char *const FILES[] = {"austen_emma.txt", "austen_persuasion.txt", "austen_prideprejudice.txt",
                                    "kjv.txt", "jargon.txt", "devil.txt", "cfi_en.txt", "wordnet_glosses.txt"};

int main(void) {
    const char *mpath = getenv("ATTNSCOPE_BERT_MODEL") ? getenv("ATTNSCOPE_BERT_MODEL") : "models/pd-bert";
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/config.json", mpath);
    if (!check_path_exists(cfg)) {
        SKIP("%s is absent: make model-bert trains it", mpath);
        return check_summary();
    }
    Model *m = NULL;
    EngineError err;
    CHECK(model_load(&m, mpath, NULL, &err) == 0, "%s loads: %s", mpath, err.msg);
    if (!m) return check_summary();
    CHECK(m->config.encoder && m->config.has_mlm_head, "%s is a masked-LM encoder", mpath);
    int mask_id = tokenizer_mask_id(m->tokenizer), V = m->config.vocab_size;
    int *count = calloc((size_t)V, sizeof *count);
    Trace *tr = trace_create(m, m->config.n_ctx);
    RunOptions ro = run_options_for_model(m);
    ro.top_k = 5;
    long n = 0, top1 = 0, top5 = 0;
    unsigned lcg = 12345;
    for (size_t f = 0; f < sizeof FILES / sizeof FILES[0]; f++) {
        char path[600];
        snprintf(path, sizeof path, "%s/corpus/%s", check_shared_dir(), FILES[f]);
        size_t len;
        char *text = check_read_file(path, &len);
        if (!text) {
            SKIP("%s is absent", path);
            continue;
        }
        size_t at = len - len / 100;
        while (at < len && text[at] != '\n') at++;
        for (int w = 0; w < 24 && at < len; w++) { /* one window: whole lines, at most ~400 bytes */
            size_t end = at + 1, stop = at + 400 < len ? at + 400 : len;
            for (size_t i = at + 1; i < stop; i++)
                if (text[i] == '\n') end = i;
            if (end <= at + 1) end = stop;
            size_t clean_len;
            char *win = utf8_sanitize(text + at, end - at, &clean_len);
            TokenList l;
            if (tokenizer_encode(m->tokenizer, win, clean_len, true, &l, &err) == 0) {
                if (l.n > (size_t)m->config.n_ctx) token_list_truncate_pair(&l, (size_t)m->config.n_ctx);
                int T = (int)l.n, *ids = malloc(sizeof(int) * (size_t)T), *orig = malloc(sizeof(int) * (size_t)T);
                char *chosen = calloc((size_t)T, 1);
                for (int t = 0; t < T; t++) {
                    orig[t] = ids[t] = l.tokens[t].id;
                    lcg = lcg * 1103515245u + 12345u;
                    if (t > 0 && t < T - 1 && (lcg >> 8) % 100 < 15) {
                        chosen[t] = 1;
                        ids[t] = mask_id;
                    }
                }
                if (T >= 3 && forward_run(m, ids, T, &ro, tr, &err) == 0) {
                    for (int t = 0; t < T; t++) {
                        if (!chosen[t]) continue;
                        const int *top = tr->top_ids + (size_t)t * tr->top_k;
                        n++;
                        count[orig[t]]++;
                        top1 += top[0] == orig[t];
                        for (int j = 0; j < tr->top_k; j++) top5 += top[j] == orig[t];
                    }
                }
                free(ids);
                free(orig);
                free(chosen);
                token_list_free(&l);
            }
            free(win);
            at = end;
        }
        free(text);
    }
    int best = 0;
    for (int i = 1; i < V; i++)
        if (count[i] > count[best]) best = i;
    double a1 = n ? (double)top1 / n : 0, a5 = n ? (double)top5 / n : 0, base = n ? (double)count[best] / n : 0;
    char label[64];
    tokenizer_token_label(m->tokenizer, best, label, sizeof label);
    printf("%s held-out MLM: top-1 %.3f, top-5 %.3f over %ld masked tokens (best constant guess '%s': %.3f)\n",
           m->name, a1, a5, n, label, base);
    CHECK(n >= 500, "%ld masked tokens measured", n);
    CHECK(a5 >= a1, "top-5 >= top-1");
    CHECK(a1 > base, "top-1 %.3f beats always guessing '%s' (%.3f)", a1, label, base);
    free(count);
    trace_free(tr);
    model_free(m);
    return check_summary();
}
