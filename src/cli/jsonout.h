/* jsonout.h — the CLI's streamed JSON writers (dump, tokenize). */
#ifndef CLI_JSONOUT_H
#define CLI_JSONOUT_H

#include <stdio.h>

#include "engine/tokenizer.h"

/* s as a JSON string literal; invalid UTF-8 becomes U+FFFD. */
void json_string(FILE *f, const char *s);
/* A token's text as valid UTF-8 (partial characters become U+FFFD). */
void json_token_text(FILE *f, const Tokenizer *tok, int id);
/* v printed with fmt (one double conversion), or null when not finite. */
void json_number(FILE *f, const char *fmt, double v);
/* A float (%.7g), or null when not finite. */
void json_float(FILE *f, float v);
/* [rows][cols] nested arrays of a row-major block. */
void json_matrix(FILE *f, const float *x, int rows, int cols);
/* [a][b][c][d] nested arrays of a row-major block. */
void json_tensor4(FILE *f, const float *x, int a, int b, int c, int d);

#endif
