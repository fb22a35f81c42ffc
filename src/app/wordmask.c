/* wordmask.c — see wordmask.h. */
#include "app/wordmask.h"

#include <assert.h>
#include <string.h>

bool wordmask_covers(const WordMask *wm, size_t start, size_t end) {
    if (!wm || end <= start) return false;
    for (int i = 0; i < wm->n; i++)
        if (start < wm->span[i].end && end > wm->span[i].start) return true;
    return false;
}

int wordmask_toggle(WordMask *wm, size_t start, size_t end) {
    if (end <= start) return -1;
    int kept = 0;
    bool removed = false;
    for (int i = 0; i < wm->n; i++) {
        if (start < wm->span[i].end && end > wm->span[i].start) removed = true;
        else wm->span[kept++] = wm->span[i];
    }
    wm->n = kept;
    if (removed) return 0;
    if (wm->n == WORDMASK_MAX) return -1;
    int at = wm->n;
    while (at > 0 && wm->span[at - 1].start > start) {
        wm->span[at] = wm->span[at - 1];
        at--;
    }
    wm->span[at] = (WordSpan){start, end};
    wm->n++;
    return 1;
}

void wordmask_edit(WordMask *wm, const char *old, const char *new_text) {
    size_t lo = strlen(old), ln = strlen(new_text);
    /* the edit replaced old[p, lo - s) by new_text[p, ln - s) */
    size_t p = 0;
    while (p < lo && p < ln && old[p] == new_text[p]) p++;
    size_t s = 0;
    while (s < lo - p && s < ln - p && old[lo - 1 - s] == new_text[ln - 1 - s]) s++;
    size_t old_end = lo - s;
    int kept = 0;
    for (int i = 0; i < wm->n; i++) {
        WordSpan sp = wm->span[i];
        if (sp.end <= p) {
            wm->span[kept++] = sp;                   /* before the edit */
        } else if (sp.start >= old_end) {
            sp.start = sp.start - old_end + (ln - s); /* after it: moves */
            sp.end = sp.end - old_end + (ln - s);
            wm->span[kept++] = sp;
        }                                            /* touched: dropped */
    }
    wm->n = kept;
}

int wordmask_ids(const WordMask *wm, const Token *tokens, size_t n, int mask_id, int *ids) {
    int masked = 0;
    for (size_t i = 0; i < n; i++) {
        bool m = mask_id >= 0 && wordmask_covers(wm, tokens[i].start, tokens[i].end);
        ids[i] = m ? mask_id : tokens[i].id;
        masked += m;
    }
    return masked;
}

int wordmask_encode(const Model *m, const char *text, int max_tokens, TokenList *out,
                    size_t *n_dropped, EngineError *err) {
    assert(max_tokens >= 1);
    *n_dropped = 0;
    bool enc = m->config.encoder;
    /* llama2.c models were trained with BOS at position 0; an encoder's
       "BOS" is [CLS] ... [SEP] (and "A ||| B" a pair) */
    bool bos = enc || (m->config.arch == ARCH_LLAMA && tokenizer_bos_id(m->tokenizer) >= 0);
    if (!*text && enc) bos = false; /* nothing typed: nothing to run */
    if (tokenizer_encode(m->tokenizer, text, strlen(text), bos, out, err) != 0) {
        out->n = 0;
        return -1;
    }
    if (enc) *n_dropped = token_list_truncate_pair(out, (size_t)max_tokens);
    if (enc && out->n > (size_t)max_tokens) /* too short for [CLS] A [SEP] B [SEP] */
        *n_dropped += token_list_keep_last(out, (size_t)max_tokens, false);
    else if (!enc)
        *n_dropped = token_list_keep_last(out, (size_t)max_tokens, bos);
    return 0;
}
