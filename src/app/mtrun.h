/* mtrun.h — one translation run for the app and the CLI: source text ->
 * source tokens, greedy translation, the Marian trace of that translation,
 * labels for both sides, and a Trace view of each attention kind (rows x
 * columns: cross-attention is target x source).
 *
 *     MtResult r = {0};
 *     MarianRunOptions ro = marian_run_options_default();
 *     if (mt_run(mm, "En el principio", &ro, 64, &r) == 0)
 *         ... r.views[MARIAN_KIND_CROSS] is (r.T, r.S) ...
 *     mt_result_free(&r);
 *
 * Rows of the decoder and cross-attention are the queries that chose each
 * target token (decoder input: <pad>, then the target tokens but the last),
 * labelled by the token they chose; the decoder's keys are that decoder
 * input, labelled as such.
 */
#ifndef APP_MTRUN_H
#define APP_MTRUN_H

#include "app/app.h"
#include "engine/marian.h"
#include "engine/tokenizer.h"

typedef struct MtResult {
    char *text;               /* the source text as run (owned) */
    TokenList src;            /* (S) source tokens with byte offsets into
                                 text, </s> last (start == end == length) */
    int S, T;                 /* source and target lengths (T = 0: no trace) */
    int *out;                 /* (T) the translation's ids, </s> included
                                 when reached */
    char *translation;        /* the translation decoded (owned) */
    char *src_labels;         /* (S, WORKER_LABEL_CAP) */
    char *tgt_labels;         /* (T, WORKER_LABEL_CAP) the tokens produced */
    char *dec_labels;         /* (T, WORKER_LABEL_CAP) the decoder input */
    MarianTrace *tr;          /* NULL when there is no trace */
    MarianRunOptions ro;      /* options tr was computed with */
    Trace views[MARIAN_KIND_COUNT]; /* marian_trace_kind of tr */
    int status;               /* 0 = ok, -1 = failed (see err) */
    char err[ENGINE_ERROR_SIZE];
    double run_ms;            /* encode + decode + trace wall time */
} MtResult;

/* Runs text through mm under ro: greedy decoding of up to max_new tokens,
 * then one traced forward of the translation. Reuses r's buffers. An empty
 * text is not an error: T = S = 0 and tr NULL. Returns r->status. */
int mt_run(const MarianModel *mm, const char *text, const MarianRunOptions *ro, int max_new,
           MtResult *r);
/* Frees what r owns (not r). */
void mt_result_free(MtResult *r);

/* The view of kind k: rows, row labels, key labels. */
const char *mt_row_labels(const MtResult *r, MarianKind k);
const char *mt_key_labels(const MtResult *r, MarianKind k);

/* An export of kind k naming both texts: quote gets "source" → "target"
 * (cap bytes), the description both texts. */
void mt_export_view(const MtResult *r, const MarianModel *mm, MarianKind k, ExportView *ev,
                    char *quote, size_t cap);

#endif
