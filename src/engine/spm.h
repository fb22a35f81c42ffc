/* spm.h — SentencePiece models (.spm / .model files), read and run exactly
 * as the sentencepiece library (0.1.97) does.
 *
 * A .spm file is a serialized protobuf ModelProto: the pieces (string, score,
 * type), a TrainerSpec (model type, byte_fallback, ...), a NormalizerSpec
 * (precompiled_charsmap, add_dummy_prefix, remove_extra_whitespaces,
 * escape_whitespaces) and an optional denormalizer. We read it with our own
 * wire-format reader (pbwire.h).
 *
 * Encode = normalize, then Viterbi over the unigram lattice:
 *   - spm_model.c:     ModelProto parsing, piece table, checks
 *   - spm_normalize.c: the precompiled_charsmap (a darts-clone double-array
 *                      trie over UTF-8 bytes whose values point at
 *                      NUL-terminated replacement strings), whitespace rules
 *   - spm_encode.c:    unigram Viterbi, unknown runs / byte fallback, decode
 *   - spm_bpe.c:       BPE segmentation
 *
 * Unigram and BPE models encode (spm_bpe.c: merges by piece score); WORD
 * and CHAR models load-fail with a hint.
 *
 * Invalid UTF-8 is not an error here: as in sentencepiece, each byte that does
 * not start a valid character normalizes to U+FFFD (and then is unknown or
 * byte-fallback like any other character). tokenizer_encode() (tokenizer.h)
 * still rejects invalid UTF-8 first, as for every tokenizer.
 *
 *     SpmModel *m;
 *     if (spm_load(&m, "source.spm", &err)) ... err.msg ...
 *     SpmPieces ps;
 *     if (spm_encode(m, text, len, &ps, &err)) ...
 *     for (size_t i = 0; i < ps.n; i++) ps.items[i].id, spm_pieces_text(&ps, i, &n) ...
 *     spm_pieces_free(&ps);
 *     spm_free(m);
 */
#ifndef ENGINE_SPM_H
#define ENGINE_SPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum {
    SPM_NORMAL = 1,
    SPM_UNKNOWN = 2,
    SPM_CONTROL = 3,
    SPM_USER_DEFINED = 4,
    SPM_UNUSED = 5,
    SPM_BYTE = 6
} SpmPieceType;

typedef enum { SPM_UNIGRAM = 1, SPM_BPE = 2, SPM_WORD = 3, SPM_CHAR = 4 } SpmModelType;

typedef struct SpmModel SpmModel;

/* One encoded piece. The piece's bytes are text[off, off + len) of the
 * SpmPieces buffer; [start, end) is the range of the input it came from
 * (byte-fallback pieces but the last of a character have start == end). */
typedef struct {
    int id;              /* .spm id */
    size_t off, len;     /* the piece string in SpmPieces.text */
    size_t start, end;   /* input byte range */
} SpmPiece;

typedef struct {
    SpmPiece *items; /* (n) */
    size_t n;
    char *text;      /* every piece's bytes, back to back */
    size_t text_len;
} SpmPieces;

/* Loads a .spm file. Errors name the path and the field ("pieces[12]",
 * "normalizer_spec.precompiled_charsmap", ...) with a HINT. */
int spm_load(SpmModel **out, const char *path, EngineError *err);

/* The same from bytes in memory; name is used in error messages. */
int spm_load_memory(SpmModel **out, const void *data, size_t len, const char *name,
                    EngineError *err);

void spm_free(SpmModel *m);

/* Encodes len bytes (any bytes) as sentencepiece's Encode(): the pieces as
 * EncodeAsPieces gives them (runs of unknown characters merged into one
 * piece, or split into <0xNN> pieces with byte fallback) with their ids.
 * Empty or all-whitespace text gives n == 0. On success *out owns heap
 * memory: free with spm_pieces_free. */
int spm_encode(const SpmModel *m, const char *text, size_t len, SpmPieces *out, EngineError *err);

void spm_pieces_free(SpmPieces *ps);

/* Decodes pieces as sentencepiece's DecodePieces(): each piece's id is looked
 * up (unknown pieces count as <unk>), control pieces vanish, <unk> becomes
 * unk_surface (" \u2047 "), runs of <0xNN> become their bytes (invalid UTF-8
 * -> U+FFFD per byte), U+2581 becomes a space, and the leading space of the
 * text is dropped. pieces[i] has lens[i] bytes. *out is a NUL-terminated heap
 * string (free()) of *out_len bytes. */
int spm_decode_pieces(const SpmModel *m, const char *const *pieces, const size_t *lens, size_t n,
                      char **out, size_t *out_len, EngineError *err);

/* DecodeIds(): the pieces of ids, then spm_decode_pieces. Ids out of range
 * are an error. */
int spm_decode_ids(const SpmModel *m, const int *ids, size_t n, char **out, size_t *out_len,
                   EngineError *err);

int spm_piece_count(const SpmModel *m);
/* Piece id's bytes (*len of them), or NULL for an id out of range. */
const char *spm_piece(const SpmModel *m, int id, size_t *len);
SpmPieceType spm_piece_type(const SpmModel *m, int id);
/* The id of piece s[0..n), or -1 when the model has no such piece. */
int spm_piece_id(const SpmModel *m, const char *s, size_t n);
int spm_unk_id(const SpmModel *m);
bool spm_byte_fallback(const SpmModel *m);
/* The normalizer's name ("nmt_nfkc", "identity", ...; "" if unnamed). */
const char *spm_normalizer_name(const SpmModel *m);

/* The normalized text as sentencepiece's Normalize() makes it (spaces as
 * U+2581), with norm_to_orig (normalized byte -> input byte; one entry more
 * than the text). For tests and the fuzzer. Free *out and *map. */
int spm_normalize(const SpmModel *m, const char *text, size_t len, char **out, size_t *out_len,
                  size_t **map, EngineError *err);

#endif
