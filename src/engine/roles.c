/* roles.c — per-head role scores from a trace; definitions in roles.h. */
#include "roles.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const roles__names[ROLE_N_METRICS] = {
    "previous_token", "first_token", "current_token", "delimiter",
    "duplicate_token", "induction", "entropy", "distance"};
static const char *const roles__shorts[ROLE_N_METRICS] = {
    "prev", "sink", "self", "delim", "dup", "ind", "ent", "dist"};

Roles *roles_create(int n_layer, int n_head) {
    ENGINE_ASSERT(n_layer >= 1 && n_layer <= MODEL_MAX_LAYERS);
    ENGINE_ASSERT(n_head >= 1 && n_head <= MODEL_MAX_HEADS);
    Roles *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->n_layer = n_layer;
    r->n_head = n_head;
    r->score = malloc((size_t)ROLE_N_METRICS * (size_t)n_layer * (size_t)n_head * sizeof(float));
    if (!r->score) {
        free(r);
        return NULL;
    }
    for (size_t i = 0; i < (size_t)ROLE_N_METRICS * (size_t)n_layer * (size_t)n_head; i++)
        r->score[i] = NAN;
    for (int k = 0; k < ROLE_N_METRICS; k++) r->baseline[k] = NAN;
    return r;
}

void roles_free(Roles *r) {
    if (!r) return;
    free(r->score);
    free(r);
}

bool roles_token_is_delimiter(const Tokenizer *tok, int id) {
    char buf[64];
    int n = tokenizer_decode_token(tok, id, buf, sizeof buf);
    if (n <= 0) return false;
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1; /* long tokens: judged by their start */
    bool punct = false, other = false;
    for (int i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\n' || c == '\r') return true;
        if (c == ' ' || c == '\t') continue;
        if (memchr(".,;:!?", c, 6)) punct = true; /* memchr: strchr would match NUL */
        else if (c != '"' && c != '\'') other = true;
    }
    return punct && !other;
}

/* Head-independent facts about the tokens, shared by both passes. */
typedef struct {
    const float *vis;     /* (query, key) trace scores: -inf = not visible */
    int T;
    int *prev_occ;        /* (T) last earlier position of the same id, or -1 */
    int *delims;          /* (n_delims) delimiter positions, ascending */
    int n_delims;
} RolesText;

static bool roles__visible(const RolesText *x, int q, int key) {
    return !isinf(x->vis[(size_t)q * x->T + key]);
}

/* Sum over the visible keys of K(q) (roles.h) of row[key], or their count
 * when row is NULL: the one definition of each key set, used for the uniform
 * baseline (count / |visible|) and for the scores (attention mass). */
static double roles__set_sum(const RolesText *x, RoleKind k, int q, const float *row) {
#define W(key) (roles__visible(x, q, (key)) ? (row ? (double)row[key] : 1.0) : 0.0)
    double s = 0;
    switch (k) {
    case ROLE_PREVIOUS: return q >= 2 ? W(q - 1) : 0;
    case ROLE_FIRST: return q >= 1 ? W(0) : 0;
    case ROLE_CURRENT: return q >= 1 ? W(q) : 0;
    case ROLE_DELIMITER:
        if (q >= 1)
            for (int i = 0; i < x->n_delims; i++) s += W(x->delims[i]);
        return s;
    case ROLE_DUPLICATE: /* earlier occurrences j of ids[q] */
        for (int j = x->prev_occ[q]; j >= 0; j = x->prev_occ[j]) s += W(j);
        return s;
    case ROLE_INDUCTION: /* the token after each earlier occurrence j, if before q */
        for (int j = x->prev_occ[q]; j >= 0; j = x->prev_occ[j])
            if (j + 1 < q) s += W(j + 1);
        return s;
    default: ENGINE_ASSERT(!"not a mass role"); return 0;
    }
#undef W
}

int roles_compute(const Trace *tr, const uint8_t *is_delim, Roles *r, EngineError *err) {
    ENGINE_ASSERT(tr && is_delim && r);
    ENGINE_ASSERT(r->n_layer == tr->n_layer && r->n_head == tr->n_head);
    const int T = tr->n_tokens, H = tr->n_head;
    const size_t LH = (size_t)tr->n_layer * (size_t)H;
    RolesText x = {.vis = trace_scores(tr, 0, 0), .T = T};
    /* in_q: (metric, query) 1 when the query counts for the metric. */
    uint8_t *in_q = calloc((size_t)ROLE_N_METRICS * (size_t)T, 1);
    x.prev_occ = malloc((size_t)T * sizeof(int));
    x.delims = malloc((size_t)T * sizeof(int));
    if (!in_q || !x.prev_occ || !x.delims) {
        free(in_q);
        free(x.prev_occ);
        free(x.delims);
        return engine_fail(err, "roles: out of memory for %d tokens; HINT: use a shorter text", T);
    }
    for (int t = 0; t < T; t++) {
        x.prev_occ[t] = -1;
        for (int j = t - 1; j >= 0; j--)
            if (tr->ids[j] == tr->ids[t]) { x.prev_occ[t] = j; break; }
        if (is_delim[t]) x.delims[x.n_delims++] = t;
    }

    /* Pass 1, head-independent: which queries count, and the uniform baseline. */
    double base[ROLE_N_METRICS] = {0};
    int nq[ROLE_N_METRICS] = {0};
    for (int q = 0; q < T; q++) {
        int n_vis = 0;
        double dist = 0;
        for (int key = 0; key < T; key++)
            if (roles__visible(&x, q, key)) {
                n_vis++;
                dist += abs(q - key);
            }
        if (n_vis == 0) continue; /* an all-zero row: nothing to score */
        for (int k = 0; k < ROLE_N_ROLES; k++) {
            double n_in = roles__set_sum(&x, (RoleKind)k, q, NULL);
            if (n_in == 0) continue;
            in_q[(size_t)k * T + q] = 1;
            nq[k]++;
            base[k] += n_in / n_vis;
        }
        if (q >= 1) {
            in_q[(size_t)ROLE_ENTROPY * T + q] = 1;
            nq[ROLE_ENTROPY]++;
            nq[ROLE_DISTANCE]++;
            base[ROLE_ENTROPY] += log((double)n_vis);
            base[ROLE_DISTANCE] += dist / n_vis;
        }
    }
    for (int k = 0; k < ROLE_N_METRICS; k++) {
        r->n_queries[k] = nq[k];
        r->baseline[k] = nq[k] ? (float)(base[k] / nq[k]) : NAN;
    }

    /* Pass 2, per head: the same sums over the head's attention. */
    for (size_t lh = 0; lh < LH; lh++) {
        const float *A = trace_att(tr, (int)(lh / H), (int)(lh % H)); /* (query, key) */
        double sum[ROLE_N_METRICS] = {0};
        for (int q = 0; q < T; q++) {
            const float *row = A + (size_t)q * T;
            for (int k = 0; k < ROLE_N_ROLES; k++)
                if (in_q[(size_t)k * T + q]) sum[k] += roles__set_sum(&x, (RoleKind)k, q, row);
            if (!in_q[(size_t)ROLE_ENTROPY * T + q]) continue;
            for (int key = 0; key < T; key++) {
                if (!roles__visible(&x, q, key)) continue;
                double p = row[key];
                if (p > 0) sum[ROLE_ENTROPY] -= p * log(p);
                sum[ROLE_DISTANCE] += p * abs(q - key);
            }
        }
        for (int k = 0; k < ROLE_N_METRICS; k++)
            r->score[(size_t)k * LH + lh] = nq[k] ? (float)(sum[k] / nq[k]) : NAN;
    }
    free(in_q);
    free(x.prev_occ);
    free(x.delims);
    return 0;
}

int roles_compute_model(const Model *m, const Trace *tr, Roles *r, EngineError *err) {
    uint8_t *is_delim = malloc((size_t)tr->n_tokens);
    if (!is_delim) return engine_fail(err, "roles: out of memory for %d tokens; HINT: use a shorter text", tr->n_tokens);
    for (int t = 0; t < tr->n_tokens; t++) is_delim[t] = roles_token_is_delimiter(m->tokenizer, tr->ids[t]);
    int rc = roles_compute(tr, is_delim, r, err);
    free(is_delim);
    return rc;
}

float roles_score(const Roles *r, RoleKind k, int layer, int head) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_METRICS);
    ENGINE_ASSERT(layer >= 0 && layer < r->n_layer && head >= 0 && head < r->n_head);
    return r->score[((size_t)k * r->n_layer + layer) * r->n_head + head];
}

float roles_lift(const Roles *r, RoleKind k, int layer, int head) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_ROLES);
    float s = roles_score(r, k, layer, head), b = r->baseline[k];
    if (isnan(s) || isnan(b) || b >= 1.0f) return NAN;
    return (s - b) / (1.0f - b);
}

int roles_dominant(const Roles *r, int layer, int head) {
    int best = -1;
    float best_lift = ROLES_DOMINANT_MIN_LIFT;
    for (int k = 0; k < ROLE_N_ROLES; k++) {
        float lift = roles_lift(r, (RoleKind)k, layer, head);
        if (!isnan(lift) && lift >= best_lift) {
            best = k;
            best_lift = lift;
        }
    }
    return best;
}

int roles_best(const Roles *r, RoleKind k, int *layer, int *head) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_METRICS);
    if (r->n_queries[k] == 0) return -1;
    float sign = k == ROLE_ENTROPY ? -1.0f : 1.0f, best = -INFINITY;
    for (int l = 0; l < r->n_layer; l++)
        for (int h = 0; h < r->n_head; h++) {
            float s = sign * roles_score(r, k, l, h);
            if (s > best) {
                best = s;
                *layer = l;
                *head = h;
            }
        }
    return isinf(best) ? -1 : 0;
}

const char *roles_name(RoleKind k) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_METRICS);
    return roles__names[k];
}

const char *roles_short(RoleKind k) {
    ENGINE_ASSERT(k >= 0 && k < ROLE_N_METRICS);
    return roles__shorts[k];
}
