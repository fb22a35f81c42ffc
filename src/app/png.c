/* png.c — see png.h. libpng reports errors by longjmp; every libpng call
 * here is inside the setjmp scope of its function. */
#include "app/png.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* libpng's default error handler prints to stderr before it jumps; ours
 * only jumps, so the caller's one line is the only one. */
static void png__silent_error(png_structp png, png_const_charp msg) {
    (void)msg;
    png_longjmp(png, 1);
}

/* Removes a half-written path, but only a regular file: a device or FIFO
 * the caller named (/dev/full, as root /dev/sda) is never deleted. */
static void png__remove_partial(const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) remove(path);
}

int png_write_argb(const char *path, const uint32_t *px, int w, int h,
                   int pitch, const PngText *texts, size_t n_texts,
                   EngineError *err) {
    if (w <= 0 || h <= 0)
        return engine_fail(err, "%s: empty image (%dx%d); HINT: this is a bug", path, w, h);
    FILE *f = fopen(path, "wb");
    if (!f)
        return engine_fail(err, "%s: cannot write: %s; HINT: choose a folder "
                           "that exists and is writable", path, strerror(errno));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png__silent_error, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((size_t)w * 3);
    png_textp tx = calloc(n_texts ? n_texts : 1, sizeof *tx);
    if (!png || !info || !row || !tx) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(tx);
        fclose(f);
        return engine_fail(err, "%s: out of memory; HINT: export a smaller view", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(tx);
        fclose(f);
        png__remove_partial(path);
        return engine_fail(err, "%s: libpng failed while writing (disk full?); "
                           "HINT: free space or choose another folder", path);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    for (size_t i = 0; i < n_texts; i++) {
        tx[i].compression = strlen(texts[i].text) > 256 ? PNG_TEXT_COMPRESSION_zTXt
                                                        : PNG_TEXT_COMPRESSION_NONE;
        tx[i].key = (png_charp)texts[i].key;
        tx[i].text = (png_charp)texts[i].text;
        tx[i].text_length = strlen(texts[i].text);
    }
    if (n_texts) png_set_text(png, info, tx, (int)n_texts);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        const uint32_t *src = px + (size_t)y * pitch;
        for (int x = 0; x < w; x++) {
            row[3 * x] = (uint8_t)(src[x] >> 16);
            row[3 * x + 1] = (uint8_t)(src[x] >> 8);
            row[3 * x + 2] = (uint8_t)src[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    free(tx);
    if (fclose(f) != 0) {
        png__remove_partial(path);
        return engine_fail(err, "%s: cannot finish writing: %s; HINT: free disk "
                           "space", path, strerror(errno));
    }
    return 0;
}

int png_read_argb(const char *path, uint32_t **out, int *w, int *h,
                  const char *want_key, char *text, size_t cap,
                  EngineError *err) {
    *out = NULL;
    if (text && cap) text[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return engine_fail(err, "%s: cannot read: %s; HINT: check the path", path,
                           strerror(errno));
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint32_t *volatile px = NULL;
    uint8_t *volatile row = NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(f);
        return engine_fail(err, "%s: out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(px);
        free(row);
        fclose(f);
        return engine_fail(err, "%s: not a readable PNG; HINT: re-export it", path);
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_set_strip_16(png);
    png_set_palette_to_rgb(png);
    png_set_gray_to_rgb(png);
    png_set_expand_gray_1_2_4_to_8(png);
    png_set_strip_alpha(png);
    png_read_update_info(png, info);
    int W = (int)png_get_image_width(png, info), Hh = (int)png_get_image_height(png, info);
    px = malloc((size_t)W * Hh * 4);
    row = malloc(png_get_rowbytes(png, info));
    if (!px || !row) png_error(png, "out of memory");
    for (int y = 0; y < Hh; y++) {
        png_read_row(png, row, NULL);
        for (int x = 0; x < W; x++)
            px[(size_t)y * W + x] = 0xFF000000u | ((uint32_t)row[3 * x] << 16) |
                                    ((uint32_t)row[3 * x + 1] << 8) | row[3 * x + 2];
    }
    png_read_end(png, info);
    if (want_key && text && cap) {
        png_textp tx;
        int n = 0;
        png_get_text(png, info, &tx, &n);
        for (int i = 0; i < n; i++)
            if (strcmp(tx[i].key, want_key) == 0)
                snprintf(text, cap, "%s", tx[i].text);
    }
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    fclose(f);
    *out = px;
    *w = W;
    *h = Hh;
    return 0;
}
