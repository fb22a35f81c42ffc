/* safetensors.c — see safetensors.h. Validates the whole header before any
 * tensor byte is read: a hostile or truncated file gets a one-line error. */
#include "safetensors.h"

#include "mapguard.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ST_MAX_HEADER (100u * 1024u * 1024u)

static size_t st__dtype_size(StDtype d) {
    switch (d) {
    case ST_F32: return 4;
    case ST_F16: return 2;
    case ST_BF16: return 2;
    default: return 0;
    }
}

static StDtype st__parse_dtype(const char *s) {
    if (!strcmp(s, "F32")) return ST_F32;
    if (!strcmp(s, "F16")) return ST_F16;
    if (!strcmp(s, "BF16")) return ST_BF16;
    return ST_OTHER;
}

static int st__cmp_begin(const void *a, const void *b) {
    const StTensor *x = a, *y = b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Parses one header entry into t; rejects everything the loader would
 * otherwise trust blindly. */
static int st__parse_entry(const SafeTensors *st, const cJSON *item, StTensor *t,
                           EngineError *err) {
    const char *name = item->string;
    if (strlen(name) >= sizeof t->name)
        return engine_fail(err, "%s: a tensor name is over %zu bytes; HINT: not a model file attnscope can read", st->path, sizeof t->name - 1);
    snprintf(t->name, sizeof t->name, "%s", name); /* engine_fail escapes it in errors */
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || !cJSON_IsArray(offs) ||
        cJSON_GetArraySize(offs) != 2)
        return engine_fail(err, "%s: header entry %s lacks dtype, shape or data_offsets; HINT: the file is not valid safetensors, re-export it", st->path, name);
    snprintf(t->dtype_name, sizeof t->dtype_name, "%s", dtype->valuestring);
    t->dtype = st__parse_dtype(dtype->valuestring);
    int nd = cJSON_GetArraySize(shape);
    if (nd > 8)
        return engine_fail(err, "%s: tensor %s has %d dims; HINT: not a GPT/Llama weight file", st->path, name, nd);
    t->n_dims = nd;
    size_t n = 1;
    for (int i = 0; i < nd; i++) {
        const cJSON *d = cJSON_GetArrayItem(shape, i);
        if (!cJSON_IsNumber(d) || d->valuedouble < 0 || d->valuedouble > 1e12 ||
            d->valuedouble != floor(d->valuedouble))
            return engine_fail(err, "%s: tensor %s has an invalid shape; HINT: the file is corrupt, re-export it", st->path, name);
        t->shape[i] = (int64_t)d->valuedouble;
        if (t->shape[i] && n > SIZE_MAX / (size_t)t->shape[i])
            return engine_fail(err, "%s: tensor %s is absurdly large; HINT: the file is corrupt", st->path, name);
        n *= (size_t)t->shape[i];
    }
    t->n_elems = n;
    const cJSON *b = cJSON_GetArrayItem(offs, 0), *e = cJSON_GetArrayItem(offs, 1);
    if (!cJSON_IsNumber(b) || !cJSON_IsNumber(e) || b->valuedouble < 0 ||
        e->valuedouble < b->valuedouble || b->valuedouble != floor(b->valuedouble) ||
        e->valuedouble != floor(e->valuedouble))
        return engine_fail(err, "%s: tensor %s has invalid data_offsets; HINT: the file is corrupt, re-export it", st->path, t->name);
    /* Compare as doubles first: casting a value beyond SIZE_MAX is undefined. */
    if (e->valuedouble > (double)st->data_size)
        return engine_fail(err, "%s: tensor %s data_offsets end at %.0f, past the end of the data (%zu bytes); HINT: the file is truncated or corrupt, download it again", st->path, t->name, e->valuedouble, st->data_size);
    t->begin = (size_t)b->valuedouble;
    t->end = (size_t)e->valuedouble;
    if (t->end > st->data_size)
        return engine_fail(err, "%s: tensor %s data_offsets [%zu, %zu) run past the end of the data (%zu bytes); HINT: the file is truncated or corrupt, download it again", st->path, name, t->begin, t->end, st->data_size);
    size_t es = st__dtype_size(t->dtype);
    if (es && t->n_elems > SIZE_MAX / es)
        return engine_fail(err, "%s: tensor %s is absurdly large; HINT: the file is corrupt", st->path, name);
    if (es && t->end - t->begin != t->n_elems * es)
        return engine_fail(err, "%s: tensor %s holds %zu bytes but its shape and dtype %s need %zu; HINT: the file is corrupt, re-export it", st->path, name, t->end - t->begin, t->dtype_name, t->n_elems * es);
    return 0;
}

int st_open(SafeTensors *st, const char *path, EngineError *err) {
    memset(st, 0, sizeof *st);
    snprintf(st->path, sizeof st->path, "%s", path);
    int fd = fileio_open_regular(path, "check the model folder has model.safetensors", &st->stamp, err);
    if (fd < 0) return -1;
    size_t size = (size_t)st->stamp.size;
    if (size < 8) {
        close(fd);
        return engine_fail(err, "%s: file is %zu bytes, too short for a safetensors header; HINT: the file is truncated, download it again", path, size);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return engine_fail(err, "%s: cannot mmap: %s; HINT: check free memory and file permissions", path, strerror(errno));
    st->map = map;
    st->map_size = size;
    mapguard_register(map, size, path);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | st->map[i];
    if (hlen > size - 8 || hlen > ST_MAX_HEADER) {
        engine_fail(err, "%s: header length %llu runs past the end of the %zu-byte file; HINT: the file is truncated or not safetensors, download it again", path, (unsigned long long)hlen, size);
        st_close(st);
        return -1;
    }
    st->data = st->map + 8 + hlen;
    st->data_size = size - 8 - (size_t)hlen;
    cJSON *root = cJSON_ParseWithLength((const char *)st->map + 8, (size_t)hlen);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        engine_fail(err, "%s: the JSON header does not parse; HINT: the file is corrupt or not safetensors, re-export it", path);
        st_close(st);
        return -1;
    }
    int n = 0;
    for (const cJSON *it = root->child; it; it = it->next)
        if (strcmp(it->string, "__metadata__") != 0) n++;
    st->tensors = calloc(n ? (size_t)n : 1, sizeof *st->tensors);
    if (!st->tensors) {
        cJSON_Delete(root);
        st_close(st);
        return engine_fail(err, "%s: out of memory reading the header", path);
    }
    for (const cJSON *it = root->child; it; it = it->next) {
        if (!strcmp(it->string, "__metadata__")) continue;
        if (!cJSON_IsObject(it)) {
            engine_fail(err, "%s: header entry %.64s is not an object; HINT: the file is corrupt", path, it->string);
            goto fail;
        }
        if (st__parse_entry(st, it, &st->tensors[st->n_tensors], err)) goto fail;
        if (st_find(st, st->tensors[st->n_tensors].name)) {
            engine_fail(err, "%s: tensor %s appears twice in the header; HINT: the file is corrupt, re-export it", path, st->tensors[st->n_tensors].name);
            goto fail;
        }
        st->n_tensors++;
    }
    cJSON_Delete(root);
    root = NULL;
    /* No two tensors may share bytes. */
    StTensor *sorted = malloc((size_t)(st->n_tensors ? st->n_tensors : 1) * sizeof *sorted);
    if (!sorted) {
        engine_fail(err, "%s: out of memory", path);
        goto fail;
    }
    memcpy(sorted, st->tensors, (size_t)st->n_tensors * sizeof *sorted);
    qsort(sorted, (size_t)st->n_tensors, sizeof *sorted, st__cmp_begin);
    size_t max_end = 0; /* tensors sorted by begin: each must start past every earlier end */
    const char *max_name = "";
    for (int i = 0; i < st->n_tensors; i++) {
        if (sorted[i].end == sorted[i].begin) continue;
        if (sorted[i].begin < max_end) {
            engine_fail(err, "%s: tensors %s and %s overlap in the file; HINT: the file is corrupt, re-export it", path, max_name, sorted[i].name);
            free(sorted);
            goto fail;
        }
        max_end = sorted[i].end;
        max_name = sorted[i].name;
    }
    free(sorted);
    return 0;
fail:
    cJSON_Delete(root);
    st_close(st);
    return -1;
}

void st_close(SafeTensors *st) {
    if (st->map) {
        mapguard_unregister(st->map);
        munmap((void *)st->map, st->map_size);
    }
    free(st->tensors);
    st->map = NULL;
    st->tensors = NULL;
    st->n_tensors = 0;
}

const StTensor *st_find(const SafeTensors *st, const char *name) {
    for (int i = 0; i < st->n_tensors; i++)
        if (!strcmp(st->tensors[i].name, name)) return &st->tensors[i];
    return NULL;
}

int st_check_shape(const SafeTensors *st, const StTensor *t, int n_dims,
                   const int64_t *shape, EngineError *err) {
    char want[96] = "", got[96] = "";
    int ok = t->n_dims == n_dims;
    for (int i = 0; i < n_dims; i++) {
        if (ok && t->shape[i] != shape[i]) ok = 0;
        size_t l = strlen(want);
        snprintf(want + l, sizeof want - l, "%s%lld", i ? ", " : "", (long long)shape[i]);
    }
    if (ok) {
        if (t->dtype == ST_OTHER)
            return engine_fail(err, "%s: tensor %s has dtype %s; HINT: attnscope reads F32, F16 and BF16 weights, convert the checkpoint", st->path, t->name, t->dtype_name);
        return 0;
    }
    for (int i = 0; i < t->n_dims; i++) {
        size_t l = strlen(got);
        snprintf(got + l, sizeof got - l, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    }
    return engine_fail(err, "%s: tensor %s has shape (%s) but config.json implies (%s); HINT: config.json and model.safetensors do not belong together", st->path, t->name, got, want);
}

const float *st_f32_in_place(const SafeTensors *st, const StTensor *t) {
    const uint8_t *p = st->data + t->begin;
    if (t->dtype != ST_F32 || ((uintptr_t)p & 3u)) return NULL;
    return (const float *)p;
}

static float st__f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            exp = 127 - 15 + 1;
            while (!(mant & 0x400u)) { mant <<= 1; exp--; }
            mant &= 0x3ffu;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int st_read_f32(const SafeTensors *st, const StTensor *t, float *dst, EngineError *err) {
    const uint8_t *p = st->data + t->begin;
    switch (t->dtype) {
    case ST_F32:
        memcpy(dst, p, t->n_elems * 4);
        return 0;
    case ST_F16:
        for (size_t i = 0; i < t->n_elems; i++)
            dst[i] = st__f16_to_f32((uint16_t)(p[2 * i] | (p[2 * i + 1] << 8)));
        return 0;
    case ST_BF16:
        for (size_t i = 0; i < t->n_elems; i++) {
            uint32_t bits = (uint32_t)(p[2 * i] | (p[2 * i + 1] << 8)) << 16;
            memcpy(&dst[i], &bits, 4);
        }
        return 0;
    default:
        return engine_fail(err, "%s: tensor %s has dtype %s; HINT: attnscope reads F32, F16 and BF16 weights, convert the checkpoint", st->path, t->name, t->dtype_name);
    }
}
