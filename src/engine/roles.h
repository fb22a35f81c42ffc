/* roles.h — what kind of head is this? Role scores for every attention
 * head, computed from a finished Trace.
 *
 * Usage:
 *     Roles *r = roles_create(tr->n_layer, tr->n_head);
 *     if (roles_compute_model(model, tr, r, &err)) ...   // delimiters from the tokenizer
 *     float s = roles_score(r, ROLE_INDUCTION, layer, head);
 *     int best_l, best_h; roles_best(r, ROLE_PREVIOUS, &best_l, &best_h);
 *     int badge = roles_dominant(r, layer, head);         // a RoleKind or -1
 *     roles_free(r);
 *
 * Definitions. A = the head's attention (query q, key k), T tokens, ids the
 * trace's token ids. "Visible" keys of q are those whose score in the trace is
 * not -inf (the causal mask k <= q unless RunOptions changed it, every key
 * for a bidirectional encoder; the same for every head). Each score is a mean
 * over a set of queries Q; a query is in Q only if the role's key set K(q)
 * below has at least one visible key, so a head that does the role perfectly
 * scores 1. Mass roles score
 *     mean over q in Q of  sum over visible k in K(q) of A[q][k]      (0..1)
 *
 *   ROLE_PREVIOUS   previous-token: q >= 2, K(q) = {q-1}. (q = 1 is left out:
 *                   its previous token is token 0, which is the sink's key.)
 *   ROLE_FIRST      first-token / sink: q >= 1, K(q) = {0} (BOS, if any).
 *   ROLE_CURRENT    current-token (diagonal): q >= 1, K(q) = {q}.
 *   ROLE_DELIMITER  delimiter mass: q >= 1, K(q) = the delimiter tokens
 *                   (is_delim[k], see roles_token_is_delimiter).
 *   ROLE_DUPLICATE  duplicate-token: K(q) = {k < q : ids[k] == ids[q]}, the
 *                   earlier occurrences of the query's token.
 *   ROLE_INDUCTION  induction: K(q) = {k : 1 <= k < q, ids[k-1] == ids[q]},
 *                   the tokens that followed an earlier occurrence of the
 *                   query's token (the pattern [A][B] ... [A] -> attend to B).
 * Two descriptive statistics, over q >= 1 with at least one visible key:
 *   ROLE_ENTROPY    mean of -sum_k A[q][k] ln A[q][k]   (nats; low = sharp)
 *   ROLE_DISTANCE   mean of  sum_k A[q][k] |q - k|      (tokens)
 *
 * Uniform baseline: baseline[m] is the same mean for a head attending
 * uniformly over each query's visible keys (mass roles: |visible K(q)| /
 * |visible|; entropy: ln |visible|; distance: mean |q - k| over visible k),
 * on the same queries, so a score means something only next to it.
 * n_queries[m] = |Q|; when it is 0 the role cannot be measured on this text
 * (e.g. induction without a repeated token) and every score is NAN.
 */
#ifndef ENGINE_ROLES_H
#define ENGINE_ROLES_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "forward.h"
#include "model.h"
#include "tokenizer.h"

typedef enum {
    ROLE_PREVIOUS,
    ROLE_FIRST,
    ROLE_CURRENT,
    ROLE_DELIMITER,
    ROLE_DUPLICATE,
    ROLE_INDUCTION,
    ROLE_N_ROLES, /* the mass roles above, 0..1; the statistics follow */
    ROLE_ENTROPY = ROLE_N_ROLES,
    ROLE_DISTANCE,
    ROLE_N_METRICS
} RoleKind;

typedef struct {
    int n_layer, n_head;
    float *score;                   /* (metric, layer, head); NAN if n_queries[metric] == 0 */
    float baseline[ROLE_N_METRICS]; /* uniform attention, same queries; NAN if none */
    int n_queries[ROLE_N_METRICS];  /* |Q| */
} Roles;

/* A dominant role needs its lift (roles_lift) at least this high. */
#define ROLES_DOMINANT_MIN_LIFT 0.3f

/* Allocates scores for n_layer x n_head heads (all NAN). NULL when out of memory. */
Roles *roles_create(int n_layer, int n_head);
void roles_free(Roles *r);

/* Whether token id reads as a delimiter: its bytes contain a line break
 * ('\n' or '\r'), or, without spaces and tabs, they are non-empty, use only
 * . , ; : ! ? " ' and hold at least one of . , ; : ! ?  (".", ",\n", "?\"",
 * " ..." are delimiters; "\"" alone, "-", "<|endoftext|>" are not). */
bool roles_token_is_delimiter(const Tokenizer *tok, int id);

/* Fills r from trace tr; is_delim (T flags, 1 = delimiter) drives
 * ROLE_DELIMITER. r must have tr's layer and head counts. Fails only when
 * out of memory (scratch of about 9 T bytes). */
int roles_compute(const Trace *tr, const uint8_t *is_delim, Roles *r, EngineError *err);

/* roles_compute with the delimiters of the trace's tokens taken from m's
 * tokenizer. Fails only when out of memory. */
int roles_compute_model(const Model *m, const Trace *tr, Roles *r, EngineError *err);

/* Score of metric k for one head. */
float roles_score(const Roles *r, RoleKind k, int layer, int head);

/* Mass roles only: how far a head is from uniform towards perfect,
 * (score - baseline) / (1 - baseline); NAN when unmeasured or baseline 1. */
float roles_lift(const Roles *r, RoleKind k, int layer, int head);

/* The mass role with the highest lift for this head, or -1 when no lift
 * reaches ROLES_DOMINANT_MIN_LIFT. For badges. */
int roles_dominant(const Roles *r, int layer, int head);

/* The head with the highest score of k (lowest for ROLE_ENTROPY); ties go to
 * the lowest (layer, head). Returns 0, or -1 when k is unmeasured. */
int roles_best(const Roles *r, RoleKind k, int *layer, int *head);

/* "previous_token", "first_token", "current_token", "delimiter",
 * "duplicate_token", "induction", "entropy", "distance" (JSON keys). */
const char *roles_name(RoleKind k);
/* Short badge text: "prev", "sink", "self", "delim", "dup", "ind", "ent", "dist". */
const char *roles_short(RoleKind k);

#endif
