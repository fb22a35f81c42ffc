/* worker_bench.h — the app's keystroke path, timed headless: a worker over a
 * model, a text of N tokens, then characters typed and erased at its end,
 * each posted as the app posts an edit (worker_post of the whole text, the
 * app's run options), timed to the first result the UI could draw (the
 * attention and the predictions on view) and to the final one (every row's
 * predictions). No window: the frame itself is app_bench's business
 * (ATTNSCOPE_APP_BENCH); on the default model it takes ~5 ms.
 *
 *     WorkerBench b;
 *     if (worker_bench_keystrokes(m, 64, 40, &b, &err) == 0)
 *         printf("%.1f %.1f\n", b.attention_ms, b.predictions_ms);
 */
#ifndef APP_WORKER_BENCH_H
#define APP_WORKER_BENCH_H

#include "engine/error.h"
#include "engine/model.h"

typedef struct {
    int tokens;            /* tokens of the text before the keystrokes */
    int keystrokes;        /* timed */
    double attention_ms;   /* median: post -> first result handed out */
    double predictions_ms; /* median: post -> every row's predictions */
    double attention_p90;  /* 90th percentiles of both */
    double predictions_p90;
    double run_ms;         /* median of the first results' run_ms (encode,
                              session run, copy, roles: the worker's part) */
    double pass_ms;        /* median of their tr->forward_ms (the session) */
} WorkerBench;

/* Times `keys` keystrokes (>= 1; "s" typed, then erased, alternately) at the
 * end of a text of `tokens` tokens (1 <= tokens < the model's context) on a
 * worker as the app creates it. Returns 0, or -1 with err. */
int worker_bench_keystrokes(const Model *m, int tokens, int keys, WorkerBench *out, EngineError *err);

#endif
