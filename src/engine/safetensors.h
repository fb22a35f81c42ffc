/* safetensors.h — reads a .safetensors file: 8-byte little-endian header
 * length N, N bytes of JSON header {name: {dtype, shape, data_offsets}},
 * then raw little-endian tensor data (offsets relative to its start).
 *
 * The file is mmap'ed read-only. The header is validated before any tensor
 * is touched: N within the file, every [begin, end) within the data, sizes
 * equal to prod(shape) * sizeof(dtype), no two tensors overlapping.
 */
#ifndef ENGINE_SAFETENSORS_H
#define ENGINE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fileio.h"

typedef enum { ST_F32, ST_F16, ST_BF16, ST_OTHER } StDtype;

typedef struct {
    char name[160];
    StDtype dtype;
    char dtype_name[12];
    int n_dims;
    int64_t shape[8];
    size_t n_elems;
    size_t begin, end;   /* byte offsets into the data section */
} StTensor;

typedef struct {
    char path[1024];
    const uint8_t *map;  /* whole file, read-only */
    size_t map_size;
    const uint8_t *data; /* start of the data section */
    size_t data_size;
    StTensor *tensors;   /* (n_tensors) */
    FileStamp stamp;     /* the file as mapped */
    int n_tensors;
} SafeTensors;

/* Maps and validates path. On failure nothing is left mapped. */
int st_open(SafeTensors *st, const char *path, EngineError *err);
void st_close(SafeTensors *st);

/* The tensor called name, or NULL. */
const StTensor *st_find(const SafeTensors *st, const char *name);

/* Checks t has exactly the given shape (n_dims dims), naming the tensor and
 * file when it does not. */
int st_check_shape(const SafeTensors *st, const StTensor *t, int n_dims,
                   const int64_t *shape, EngineError *err);

/* Pointer to t's f32 data in place when dtype is F32 and the data are
 * 4-byte aligned; NULL otherwise (then use st_read_f32). */
const float *st_f32_in_place(const SafeTensors *st, const StTensor *t);

/* Converts t (F32, F16 or BF16) into dst (t->n_elems floats). */
int st_read_f32(const SafeTensors *st, const StTensor *t, float *dst,
                EngineError *err);

#endif
