/* pbwire.h — a minimal, bounds-checked protobuf wire-format reader.
 *
 * Enough to walk a proto2 message field by field (the SentencePiece
 * ModelProto in spm_model.c): varints, 32- and 64-bit fixed values and
 * length-delimited bytes (strings, sub-messages). Groups (wire types 3, 4)
 * are refused; nothing in ModelProto uses them. Every length is checked
 * against the bytes left before it is used, so a truncated or hostile
 * buffer gives an error, never a read past the end.
 *
 *     PbReader r = pb_reader(buf, len);
 *     PbField f;
 *     int rc;
 *     while ((rc = pb_next(&r, &f, &why)) > 0) {
 *         if (f.field == 1 && f.wire == PB_LEN) ... f.data, f.len ...
 *     }
 *     if (rc < 0) ... why names the problem ...
 */
#ifndef ENGINE_PBWIRE_H
#define ENGINE_PBWIRE_H

#include <stddef.h>
#include <stdint.h>

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_I32 = 5 };

typedef struct {
    const uint8_t *p, *end; /* unread bytes [p, end) */
} PbReader;

typedef struct {
    uint32_t field;        /* field number, >= 1 */
    int wire;              /* PB_VARINT, PB_I64, PB_LEN or PB_I32 */
    uint64_t u;            /* the value of VARINT, I64 and I32 fields */
    const uint8_t *data;   /* PB_LEN: the payload, len bytes inside the buffer */
    size_t len;
} PbField;

PbReader pb_reader(const void *data, size_t len);

/* Reads the next field into *f. Returns 1 when a field was read, 0 at the
 * clean end of the buffer, -1 on malformed input with *why set to a short
 * static phrase ("truncated varint", "length past the end", ...). */
int pb_next(PbReader *r, PbField *f, const char **why);

/* The float stored in a PB_I32 field (IEEE 754, little-endian on the wire). */
float pb_float(const PbField *f);

#endif
