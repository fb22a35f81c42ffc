/* spm_model.c — reads a SentencePiece ModelProto (see spm.h).
 *
 * The fields we read (sentencepiece_model.proto, proto2):
 *   ModelProto       1 pieces (repeated SentencePiece), 2 trainer_spec,
 *                    3 normalizer_spec, 5 denormalizer_spec
 *   SentencePiece    1 piece (string), 2 score (float), 3 type (enum,
 *                    default NORMAL)
 *   TrainerSpec      3 model_type (default UNIGRAM), 24
 *                    treat_whitespace_as_suffix, 35 byte_fallback,
 *                    44 unk_surface (default " \u2047 ")
 *   NormalizerSpec   spm_normalize.c
 * Every other field is skipped. The checks are sentencepiece's own
 * (ModelInterface::InitializePieces): no empty or repeated piece, exactly one
 * UNKNOWN piece, BYTE pieces only with byte_fallback and then all 256.
 */
#include <errno.h>
#include <float.h>
#include <string.h>

#include "pbwire.h"
#include "spm_internal.h"
#include "tokenizer_internal.h"

static const char SPM_HINT_FILE[] = "a Marian folder's source.spm / target.spm is the .model file that "
                                    "spm_train writes; copy it again";

/* ------------------------------------------------------------ piece table */

static uint64_t spm__hash(const char *s, size_t n) {
    uint64_t h = SPM_HASH_SEED;
    for (size_t i = 0; i < n; i++) h = spm__hash_step(h, s[i]);
    return h;
}

int spm__find(const SpmModel *m, const char *s, size_t n) { return spm__find_hashed(m, s, n, spm__hash(s, n)); }

uint64_t spm__hash_step(uint64_t h, char c) { return (h ^ (unsigned char)c) * 1099511628211ull; }

int spm__find_hashed(const SpmModel *m, const char *s, size_t n, uint64_t h) {
    for (size_t i = h & (m->hash_cap - 1);; i = (i + 1) & (m->hash_cap - 1)) {
        int id = m->hash_id[i];
        if (id < 0) return -1;
        size_t len = m->off[id + 1] - m->off[id];
        if (m->hash_key[i] == h && len == n && !memcmp(m->bytes + m->off[id], s, n)) return id;
    }
}

/* Inserts piece id; returns the id of an equal piece already there, or -1. */
static int spm__insert(SpmModel *m, int id) {
    const char *s = m->bytes + m->off[id];
    size_t n = m->off[id + 1] - m->off[id];
    int dup = spm__find(m, s, n);
    if (dup >= 0) return dup;
    uint64_t h = spm__hash(s, n);
    size_t i = h & (m->hash_cap - 1);
    while (m->hash_id[i] >= 0) i = (i + 1) & (m->hash_cap - 1);
    m->hash_key[i] = h;
    m->hash_id[i] = id;
    return -1;
}

int spm__byte_of_piece(const char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    if (n != 6 || memcmp(p, "<0x", 3) || p[5] != '>' || !p[3] || !p[4]) return -1;
    const char *hi = memchr(hex, p[3], 16), *lo = memchr(hex, p[4], 16);
    if (!hi || !lo) return -1;
    return (int)((hi - hex) * 16 + (lo - hex));
}

const char *spm__printable(char *buf, size_t cap, const char *s, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* --------------------------------------------------------------- parsing */

/* Fails with the wire reader's reason and the byte offset in the file. */
static int spm__bad_wire(const char *path, const char *where, const char *why, const PbReader *r,
                         const uint8_t *base, EngineError *err) {
    return engine_fail(err, "%s: not a SentencePiece model: %s in %s at byte %zu; HINT: %s", path, why,
                       where, (size_t)(r->p - base), SPM_HINT_FILE);
}

static int spm__want(const char *path, const char *field, const PbField *f, int wire, EngineError *err) {
    if (f->wire == wire) return 0;
    return engine_fail(err, "%s: field %s has wire type %d, not %d: this is not a SentencePiece "
                       "ModelProto; HINT: %s", path, field, f->wire, wire, SPM_HINT_FILE);
}

static int spm__trainer(SpmModel *m, const uint8_t *data, size_t len, const char *path, EngineError *err) {
    PbReader r = pb_reader(data, len);
    PbField f;
    const char *why = NULL;
    int rc;
    while ((rc = pb_next(&r, &f, &why)) > 0) {
        if (f.field == 3) {
            if (spm__want(path, "trainer_spec.model_type", &f, PB_VARINT, err)) return -1;
            m->model_type = (SpmModelType)(int)f.u;
        } else if (f.field == 24) {
            if (spm__want(path, "trainer_spec.treat_whitespace_as_suffix", &f, PB_VARINT, err)) return -1;
            m->ws_suffix = f.u != 0;
        } else if (f.field == 35) {
            if (spm__want(path, "trainer_spec.byte_fallback", &f, PB_VARINT, err)) return -1;
            m->byte_fallback = f.u != 0;
        } else if (f.field == 44) {
            if (spm__want(path, "trainer_spec.unk_surface", &f, PB_LEN, err)) return -1;
            char *s = strndup((const char *)f.data, f.len);
            if (!s) return engine_fail(err, "%s: out of memory", path);
            free(m->unk_surface);
            m->unk_surface = s;
        }
    }
    return rc < 0 ? spm__bad_wire(path, "trainer_spec", why, &r, data, err) : 0;
}

/* One SentencePiece message: piece, score, type. */
static int spm__piece_msg(const uint8_t *data, size_t len, const uint8_t **s, size_t *n, float *score,
                          int *type, const char **why) {
    PbReader r = pb_reader(data, len);
    PbField f;
    int rc;
    *s = NULL;
    *n = 0;
    *score = 0;
    *type = SPM_NORMAL;
    while ((rc = pb_next(&r, &f, why)) > 0) {
        if (f.field == 1 && f.wire == PB_LEN) {
            *s = f.data;
            *n = f.len;
        } else if (f.field == 2 && f.wire == PB_I32) {
            *score = pb_float(&f);
        } else if (f.field == 3 && f.wire == PB_VARINT) {
            *type = f.u > 100 ? 100 : (int)f.u;
        } else if (f.field <= 3) {
            *why = "a piece field of the wrong wire type";
            return -1;
        }
    }
    return rc;
}

/* Walks the top-level fields twice: to size the piece table, then to fill it. */
static int spm__parse(SpmModel *m, const uint8_t *data, size_t len, const char *path, EngineError *err) {
    size_t n_pieces = 0, n_bytes = 0;
    for (int pass = 0; pass < 2; pass++) {
        PbReader r = pb_reader(data, len);
        PbField f;
        const char *why = NULL;
        int rc;
        size_t k = 0, o = 0;
        while ((rc = pb_next(&r, &f, &why)) > 0) {
            if (f.field == 1) {
                if (spm__want(path, "pieces", &f, PB_LEN, err)) return -1;
                const uint8_t *s;
                size_t n;
                float score;
                int type;
                if (spm__piece_msg(f.data, f.len, &s, &n, &score, &type, &why) < 0)
                    return spm__bad_wire(path, "pieces", why, &r, data, err);
                if (n == 0)
                    return engine_fail(err, "%s: pieces[%zu] is empty; HINT: %s", path, k, SPM_HINT_FILE);
                if (type < SPM_NORMAL || type > SPM_BYTE)
                    return engine_fail(err, "%s: pieces[%zu] has unknown type %d; HINT: %s", path, k, type,
                                       SPM_HINT_FILE);
                if (pass == 0) {
                    if (n > SIZE_MAX / 2 - n_bytes)
                        return engine_fail(err, "%s: pieces too large; HINT: %s", path, SPM_HINT_FILE);
                    n_bytes += n;
                } else {
                    memcpy(m->bytes + o, s, n);
                    m->off[k] = o;
                    m->score[k] = score;
                    m->type[k] = (uint8_t)type;
                    o += n;
                }
                k++;
            } else if (pass == 1 && f.field == 2) {
                if (spm__want(path, "trainer_spec", &f, PB_LEN, err) ||
                    spm__trainer(m, f.data, f.len, path, err))
                    return -1;
            } else if (pass == 1 && (f.field == 3 || f.field == 5)) {
                const char *where = f.field == 3 ? "normalizer_spec" : "denormalizer_spec";
                SpmNormalizer *nz = f.field == 3 ? &m->norm : &m->denorm;
                if (spm__want(path, where, &f, PB_LEN, err)) return -1;
                spm__normalizer_free(nz);
                if (spm__normalizer_parse(nz, f.data, f.len, path, where, err)) return -1;
            }
        }
        if (rc < 0) return spm__bad_wire(path, "ModelProto", why, &r, data, err);
        if (pass == 0) {
            if (k == 0)
                return engine_fail(err, "%s: not a SentencePiece model: no pieces; HINT: %s", path,
                                   SPM_HINT_FILE);
            if (k > (1u << 24))
                return engine_fail(err, "%s: %zu pieces is too many; HINT: %s", path, k, SPM_HINT_FILE);
            n_pieces = k;
            m->n = (int)k;
            m->bytes = calloc(n_bytes + 1, 1);
            m->off = calloc(n_pieces + 1, sizeof *m->off);
            m->score = calloc(n_pieces, sizeof *m->score);
            m->type = calloc(n_pieces, 1);
            m->hash_cap = 16;
            while (m->hash_cap < 2 * n_pieces) m->hash_cap *= 2;
            m->hash_key = calloc(m->hash_cap, sizeof *m->hash_key);
            m->hash_id = malloc(m->hash_cap * sizeof *m->hash_id);
            if (!m->bytes || !m->off || !m->score || !m->type || !m->hash_key || !m->hash_id)
                return engine_fail(err, "%s: out of memory for %zu pieces", path, n_pieces);
            memset(m->hash_id, 0xFF, m->hash_cap * sizeof *m->hash_id);
        } else {
            m->off[k] = o;
        }
    }
    return 0;
}

/* sentencepiece's InitializePieces checks and unigram::Model's score range. */
static int spm__index(SpmModel *m, const char *path, EngineError *err) {
    if (m->model_type != SPM_UNIGRAM && m->model_type != SPM_BPE) {
        const char *names[] = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};
        int t = m->model_type;
        return engine_fail(err, "%s: trainer_spec.model_type is %s; HINT: attnscope encodes unigram and "
                           "BPE SentencePiece models (spm_train --model_type=unigram or bpe)", path,
                           t >= 1 && t <= 4 ? names[t] : "unknown");
    }
    char show[48];
    m->unk_id = -1;
    for (int b = 0; b < 256; b++) m->byte_id[b] = -1;
    m->min_score = FLT_MAX;
    m->max_score = FLT_MIN; /* as sentencepiece: the smallest positive float */
    for (int i = 0; i < m->n; i++) {
        size_t n;
        const char *s = spm_piece(m, i, &n);
        int dup = spm__insert(m, i);
        if (dup >= 0)
            return engine_fail(err, "%s: pieces[%d] \"%s\" repeats pieces[%d]; HINT: %s", path, i,
                               spm__printable(show, sizeof show, s, n), dup, SPM_HINT_FILE);
        switch (m->type[i]) {
        case SPM_UNKNOWN:
            if (m->unk_id >= 0)
                return engine_fail(err, "%s: pieces[%d] is a second unknown piece (first: pieces[%d]); "
                                   "HINT: %s", path, i, m->unk_id, SPM_HINT_FILE);
            m->unk_id = i;
            break;
        case SPM_BYTE: {
            int b = spm__byte_of_piece(s, n);
            if (!m->byte_fallback)
                return engine_fail(err, "%s: pieces[%d] is a byte piece but trainer_spec.byte_fallback is "
                                   "false; HINT: %s", path, i, SPM_HINT_FILE);
            if (b < 0)
                return engine_fail(err, "%s: pieces[%d] \"%s\" is typed BYTE but is not <0xNN>; HINT: %s",
                                   path, i, spm__printable(show, sizeof show, s, n), SPM_HINT_FILE);
            m->byte_id[b] = i;
            break;
        }
        case SPM_NORMAL:
            if (m->score[i] < m->min_score) m->min_score = m->score[i];
            if (m->score[i] > m->max_score) m->max_score = m->score[i];
            /* fall through */
        case SPM_UNUSED:
        case SPM_USER_DEFINED:
            if (n > m->max_len) m->max_len = n;
            if (m->type[i] == SPM_USER_DEFINED && n > m->max_user_len) m->max_user_len = n;
            break;
        default:
            break;
        }
    }
    if (m->unk_id < 0)
        return engine_fail(err, "%s: no piece has type UNKNOWN; HINT: %s", path, SPM_HINT_FILE);
    if (m->byte_fallback)
        for (int b = 0; b < 256; b++)
            if (m->byte_id[b] < 0)
                return engine_fail(err, "%s: trainer_spec.byte_fallback is true but piece <0x%02X> is "
                                   "missing; HINT: %s", path, b, SPM_HINT_FILE);
    return 0;
}

int spm_load_memory(SpmModel **out, const void *data, size_t len, const char *name, EngineError *err) {
    ENGINE_ASSERT(out && name);
    *out = NULL;
    SpmModel *m = calloc(1, sizeof *m);
    if (!m) return engine_fail(err, "%s: out of memory", name);
    m->model_type = SPM_UNIGRAM;
    m->norm.add_dummy_prefix = m->norm.remove_extra_whitespaces = m->norm.escape_whitespaces = true;
    m->unk_surface = strdup(" \xE2\x81\x87 ");
    if (!m->unk_surface || spm__parse(m, data, len, name, err) || spm__index(m, name, err)) {
        if (!m->unk_surface) engine_fail(err, "%s: out of memory", name);
        spm_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

int spm_load(SpmModel **out, const char *path, EngineError *err) {
    ENGINE_ASSERT(out && path);
    *out = NULL;
    size_t len = 0;
    char *data = tokenizer_read_file(path, &len, SPM_HINT_FILE, err);
    if (!data) return -1;
    int rc = spm_load_memory(out, data, len, path, err);
    free(data);
    return rc;
}

void spm_free(SpmModel *m) {
    if (!m) return;
    free(m->bytes);
    free(m->off);
    free(m->score);
    free(m->type);
    free(m->hash_key);
    free(m->hash_id);
    free(m->unk_surface);
    spm__normalizer_free(&m->norm);
    spm__normalizer_free(&m->denorm);
    free(m);
}

/* -------------------------------------------------------------- accessors */

int spm_piece_count(const SpmModel *m) { return m->n; }

const char *spm_piece(const SpmModel *m, int id, size_t *len) {
    if (id < 0 || id >= m->n) {
        *len = 0;
        return NULL;
    }
    *len = m->off[id + 1] - m->off[id];
    return m->bytes + m->off[id];
}

SpmPieceType spm_piece_type(const SpmModel *m, int id) {
    ENGINE_ASSERT(id >= 0 && id < m->n);
    return (SpmPieceType)m->type[id];
}

int spm_piece_id(const SpmModel *m, const char *s, size_t n) { return spm__find(m, s, n); }
int spm_unk_id(const SpmModel *m) { return m->unk_id; }
bool spm_byte_fallback(const SpmModel *m) { return m->byte_fallback; }
const char *spm_normalizer_name(const SpmModel *m) { return m->norm.name ? m->norm.name : ""; }
