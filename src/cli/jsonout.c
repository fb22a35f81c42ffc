/* jsonout.c — JSON output for the CLI, streamed: a trace can hold millions
 * of numbers. cJSON does the string escaping; every number goes through
 * json_number, which writes null for NaN or Inf, so the output is always
 * valid JSON. See jsonout.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonout.h"

/* Invalid UTF-8 becomes U+FFFD, cJSON escapes control characters (\n,
 * \u001b), so file or user bytes cannot break the JSON. */
void json_string(FILE *f, const char *s) {
    size_t clean_len;
    char *clean = utf8_sanitize(s, strlen(s), &clean_len);
    cJSON *str = cJSON_CreateString(clean ? clean : "");
    free(clean);
    char *p = str ? cJSON_PrintUnformatted(str) : NULL;
    fputs(p ? p : "\"\"", f);
    free(p);
    cJSON_Delete(str);
}

/* A token's text as valid UTF-8 (partial characters become U+FFFD). */
void json_token_text(FILE *f, const Tokenizer *tok, int id) {
    char buf[512];
    int n = tokenizer_decode_token(tok, id, buf, sizeof buf);
    if (n < 0) { fputs("null", f); return; }
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    size_t clean_len;
    char *clean = utf8_sanitize(buf, len, &clean_len);
    json_string(f, clean ? clean : "");
    free(clean);
}

void json_number(FILE *f, const char *fmt, double v) {
    if (isfinite(v)) fprintf(f, fmt, v);
    else fputs("null", f);
}

void json_float(FILE *f, float v) { json_number(f, "%.7g", v); }

/* [rows][cols] nested arrays of a row-major block. */
void json_matrix(FILE *f, const float *x, int rows, int cols) {
    fputc('[', f);
    for (int r = 0; r < rows; r++) {
        fputs(r ? ",[" : "[", f);
        for (int c = 0; c < cols; c++) {
            if (c) fputc(',', f);
            json_float(f, x[(size_t)r * cols + c]);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

/* [a][b][c][d] nested arrays of a row-major block. */
void json_tensor4(FILE *f, const float *x, int a, int b, int c, int d) {
    fputc('[', f);
    for (int i = 0; i < a; i++) {
        fputs(i ? ",[" : "[", f);
        for (int j = 0; j < b; j++) {
            if (j) fputc(',', f);
            json_matrix(f, x + ((size_t)i * b + j) * c * d, c, d);
        }
        fputc(']', f);
    }
    fputc(']', f);
}

