/* spm_internal.h — what spm_model.c, spm_normalize.c and spm_encode.c share.
 * Not for the app. */
#ifndef ENGINE_SPM_INTERNAL_H
#define ENGINE_SPM_INTERNAL_H

#include "spm.h"

/* A NormalizerSpec with its precompiled_charsmap decoded. */
typedef struct {
    bool present;
    char *name;                 /* "" when absent */
    uint32_t *trie;             /* (n_units) darts-clone double-array units */
    size_t n_units;
    char *strings;              /* (strings_len + 1) replacement strings, NUL-separated,
                                   with one NUL more appended by us */
    size_t strings_len;
    bool add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
} SpmNormalizer;

struct SpmModel {
    int n;                      /* number of pieces */
    char *bytes;                /* all pieces, back to back */
    size_t *off;                /* (n + 1) piece i is bytes[off[i] .. off[i+1]) */
    float *score;               /* (n) */
    uint8_t *type;              /* (n) SpmPieceType */
    uint64_t *hash_key;         /* (hash_cap) piece hash per slot */
    int *hash_id;               /* (hash_cap) piece id per slot, -1 empty */
    size_t hash_cap;            /* a power of two */

    SpmModelType model_type;
    bool byte_fallback;
    bool ws_suffix;             /* trainer_spec.treat_whitespace_as_suffix */
    char *unk_surface;          /* what <unk> decodes to */
    int unk_id;
    int byte_id[256];           /* <0xNN> piece per byte, or -1 */
    float min_score, max_score; /* over NORMAL pieces, as unigram::Model */
    size_t max_len;             /* longest NORMAL/USER_DEFINED/UNUSED piece, bytes */
    size_t max_user_len;        /* longest USER_DEFINED piece, 0 if none */
    SpmNormalizer norm, denorm;
};

/* The id of piece s[0..n) (any type), or -1. */
int spm__find(const SpmModel *m, const char *s, size_t n);

/* The same with h, the piece's FNV-1a hash: SPM_HASH_SEED stepped by each
 * byte with spm__hash_step, so a caller trying ever longer prefixes hashes
 * each byte once. */
#define SPM_HASH_SEED 1469598103934665603ull
uint64_t spm__hash_step(uint64_t h, char c);
int spm__find_hashed(const SpmModel *m, const char *s, size_t n, uint64_t h);

/* s[0..n) for an error message: at most cap-1 bytes, control bytes as '?'
 * so the message stays one line. Returns buf. */
const char *spm__printable(char *buf, size_t cap, const char *s, size_t n);

/* <0xNN> (upper-case hex) -> NN, else -1. */
int spm__byte_of_piece(const char *p, size_t n);

/* Length of the valid UTF-8 character at s[0..n) as sentencepiece's
 * DecodeUTF8 decides (no overlongs, surrogates, > U+10FFFF), or 0. */
size_t spm__char_len(const char *s, size_t n);

/* Decodes a NormalizerSpec message; where names it in errors. */
int spm__normalizer_parse(SpmNormalizer *nz, const uint8_t *data, size_t len, const char *path,
                          const char *where, EngineError *err);
void spm__normalizer_free(SpmNormalizer *nz);

/* sentencepiece's Normalizer::Normalize with spec nz (user-defined pieces of
 * m kept whole when with_matcher). Fills *out (NUL-terminated) and *map
 * (out_len + 1 entries). */
int spm__normalize_with(const SpmModel *m, const SpmNormalizer *nz, bool with_matcher, bool ws_suffix,
                        const char *text, size_t len, char **out, size_t *out_len, size_t **map,
                        EngineError *err);

/* One piece of a segmentation: id and normalized byte range. */
typedef struct {
    int id;
    size_t start, end;
} SpmSpan;

/* spm_bpe.c: BPE segmentation of normalized[0..n) into spans (room for n),
 * *count of them. -1 only when out of memory. */
int spm__bpe(const SpmModel *m, const char *normalized, size_t n, SpmSpan *spans, size_t *count);

#endif
