/* spm_fuzzer.c — libFuzzer target for the SentencePiece .spm reader
 * (spm.h: pbwire.c, spm_model.c, spm_normalize.c, spm_encode.c, spm_bpe.c).
 *
 * Inputs whose first byte is 0x0A (a ModelProto starts with field 1, the
 * pieces) are a .spm: loaded with spm_load_memory; a model that loads must
 * encode and decode fixed texts (whitespace, NFKC-relevant characters,
 * invalid UTF-8). Every other input is text for the committed
 * tests/tokenizer/spm_nfkc_bytes.model. These must hold, else abort():
 *   - a refused model leaves no model and a one-line error with a HINT;
 *   - every piece lies inside the pieces buffer and has an id in range;
 *   - input ranges are ordered and inside the text;
 *   - with byte fallback no piece is <unk>;
 *   - decoding the ids succeeds, with valid UTF-8 for the committed model
 *     (a fuzzed model's charsmap or unk_surface may hold any bytes).
 *
 * Built and run by `make fuzz` (fuzz_common.h) from tests/fuzz/corpus/spm/
 * (a small .spm, texts); run from the repo root, as make does, for the
 * committed model.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/spm.h"
#include "engine/tokenizer.h"
#include "fuzz_common.h"

static SpmModel *fuzz_model;


int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    EngineError err;
    if (spm_load(&fuzz_model, "tests/tokenizer/spm_nfkc_bytes.model", &err)) {
        fprintf(stderr, "spm_fuzzer: %s (run from the repo root)\n", err.msg);
        exit(1);
    }
    return 0;
}

/* Encodes text with m and checks the pieces, then decodes them. */
static void fuzz_encode(const SpmModel *m, const char *text, size_t len) {
    SpmPieces ps;
    EngineError err;
    if (spm_encode(m, text, len, &ps, &err)) return; /* out of memory only */
    int *ids = malloc((ps.n + 1) * sizeof *ids);
    FUZZ_REQUIRE(ids != NULL);
    size_t prev_start = 0;
    for (size_t i = 0; i < ps.n; i++) {
        const SpmPiece *p = &ps.items[i];
        FUZZ_REQUIRE(p->off + p->len <= ps.text_len && p->len > 0);
        FUZZ_REQUIRE(p->id >= 0 && p->id < spm_piece_count(m));
        FUZZ_REQUIRE(p->start <= p->end && p->end <= len && p->start >= prev_start);
        FUZZ_REQUIRE(!spm_byte_fallback(m) || p->id != spm_unk_id(m));
        prev_start = p->start;
        ids[i] = p->id;
    }
    char *dec;
    size_t dn;
    if (spm_decode_ids(m, ids, ps.n, &dec, &dn, &err) == 0) {
        FUZZ_REQUIRE(dec[dn] == '\0' && (m != fuzz_model || utf8_first_invalid(dec, dn) == dn));
        free(dec);
    }
    free(ids);
    spm_pieces_free(&ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 0 && data[0] == 0x0A) {
        SpmModel *m = NULL;
        EngineError err;
        if (spm_load_memory(&m, data, size, "fuzz.spm", &err) == 0) {
            static const char *texts[] = {"", "   ", "Y fu\xC3\xA9 la luz.", "\xEF\xBC\xA8\xEF\xBD\x85 \xEF\xAC\x81",
                                          "a\xFF\xC3", "  a  b\t\n c  "};
            for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) fuzz_encode(m, texts[i], strlen(texts[i]));
            spm_free(m);
        } else {
            FUZZ_REQUIRE(m == NULL);
            fuzz_check_error(err.msg);
        }
        return 0;
    }
    fuzz_encode(fuzz_model, (const char *)data, size);
    return 0;
}
