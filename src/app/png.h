/* png.h — PNG files through libpng: write an ARGB8888 image with tEXt
 * chunks, read one back (for tests and golden images). */
#ifndef APP_PNG_H
#define APP_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef struct {
    const char *key;   /* Latin-1 keyword, 1-79 bytes, e.g. "Title" */
    const char *text;  /* value (stored as bytes) */
} PngText;

/* Writes w x h pixels (0xAARRGGBB, pitch in pixels) as an RGB PNG with the
 * given text chunks. Returns 0, or -1 with a one-line error naming path. */
int png_write_argb(const char *path, const uint32_t *px, int w, int h,
                   int pitch, const PngText *texts, size_t n_texts,
                   EngineError *err);

/* Reads a PNG into a new 0xAARRGGBB buffer (*out, free() it). If texts is
 * non-NULL, the value of text chunk `want_key` is copied into it (cap
 * bytes; "" when absent). Returns 0 or -1 with err. */
int png_read_argb(const char *path, uint32_t **out, int *w, int *h,
                  const char *want_key, char *text, size_t cap,
                  EngineError *err);

#endif
