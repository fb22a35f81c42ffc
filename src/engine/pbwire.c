/* pbwire.c — see pbwire.h. The wire format: each field is a varint key
 * (field number << 3 | wire type) and a value; varints are little-endian
 * base-128 groups with the high bit as "more", at most 10 bytes. */
#include <string.h>

#include "pbwire.h"

PbReader pb_reader(const void *data, size_t len) {
    const uint8_t *p = data;
    return (PbReader){.p = p, .end = p + len};
}

static int pb__varint(PbReader *r, uint64_t *out, const char **why) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) {
            *why = "truncated varint";
            return -1;
        }
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1) {
            *why = "varint longer than 64 bits";
            return -1;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    *why = "varint longer than 10 bytes";
    return -1;
}

int pb_next(PbReader *r, PbField *f, const char **why) {
    memset(f, 0, sizeof *f);
    if (r->p >= r->end) return 0;
    uint64_t key;
    if (pb__varint(r, &key, why)) return -1;
    if ((key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF) {
        *why = "field number 0 or out of range";
        return -1;
    }
    f->field = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    size_t left = (size_t)(r->end - r->p);
    switch (f->wire) {
    case PB_VARINT:
        return pb__varint(r, &f->u, why) ? -1 : 1;
    case PB_I64:
    case PB_I32: {
        size_t n = f->wire == PB_I64 ? 8 : 4;
        if (left < n) {
            *why = "truncated fixed-size value";
            return -1;
        }
        for (size_t i = 0; i < n; i++) f->u |= (uint64_t)r->p[i] << (8 * i);
        r->p += n;
        return 1;
    }
    case PB_LEN: {
        uint64_t n;
        if (pb__varint(r, &n, why)) return -1;
        left = (size_t)(r->end - r->p);
        if (n > left) {
            *why = "length past the end of the data";
            return -1;
        }
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        return 1;
    }
    default:
        *why = "unsupported wire type (group or invalid)";
        return -1;
    }
}

float pb_float(const PbField *f) {
    uint32_t bits = (uint32_t)f->u;
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}
