/* wordmask.h — "mask this word": tokens the model sees as [MASK] while the
 * typed text stays as it is, and the input an encoder runs on.
 *
 * A WordMask is a set of byte spans over the text (a plain value, copied to
 * the worker with each request). Every token whose bytes overlap a span is
 * run as [MASK]; the text, the token offsets and the token ids of the
 * TokenList are untouched, so the chips still know the typed word. Edits of
 * the text move the spans after the edit and drop the ones it touched.
 *
 *     WordMask wm = {0};
 *     wordmask_toggle(&wm, tok.start, tok.end);    // mask one token's bytes
 *     wordmask_edit(&wm, old_text, new_text);      // after the user typed
 *     wordmask_ids(&wm, list.tokens, list.n, mask_id, ids);
 *
 * No SDL: the worker, the app and the session all use it.
 */
#ifndef APP_WORDMASK_H
#define APP_WORDMASK_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/error.h"
#include "engine/model.h"
#include "engine/tokenizer.h"

#define WORDMASK_MAX 64

typedef struct {
    size_t start, end;        /* bytes [start, end) of the text; start < end */
} WordSpan;

typedef struct {
    int n;
    WordSpan span[WORDMASK_MAX]; /* sorted by start, disjoint */
} WordMask;

/* Whether bytes [start, end) overlap a span (an empty range never does:
 * [CLS] and [SEP] have no bytes and cannot be masked). */
bool wordmask_covers(const WordMask *wm, size_t start, size_t end);
/* Unmasks every span overlapping [start, end) if there is one, else masks
 * [start, end). Returns 1 masked, 0 unmasked, -1 when full or the range is
 * empty. */
int wordmask_toggle(WordMask *wm, size_t start, size_t end);
/* The text changed from old to new (NUL-terminated): spans after the edited
 * bytes move with them, spans the edit touched are dropped. */
void wordmask_edit(WordMask *wm, const char *old, const char *new_text);
/* ids[i] = mask_id for each of the n tokens that wordmask_covers, else
 * tokens[i].id. mask_id < 0 (no [MASK]): the ids as they are. Returns how
 * many tokens were masked. */
int wordmask_ids(const WordMask *wm, const Token *tokens, size_t n, int mask_id, int *ids);

/* Encodes text as the app runs it on model m: BOS first for Llama (as
 * llama2.c), [CLS] A [SEP] (B [SEP]) with token types for an encoder, and
 * at most max_tokens: an encoder cuts the longer segment's end (Hugging
 * Face's longest_first), a decoder keeps the last tokens (BOS kept).
 * *n_dropped gets how many were cut. Returns 0, or -1 with err. */
int wordmask_encode(const Model *m, const char *text, int max_tokens, TokenList *out,
                    size_t *n_dropped, EngineError *err);

#endif
