/* marian_cli.h — the CLI's commands on encoder–decoder (Marian) models:
 *
 *   attnscope translate --model DIR --text TEXT [-n N] [--beam B]   the translation
 *   attnscope dump      --model DIR --text TEXT [--kind K] [--scale S]
 *                       [--mask M] [--ablate L.H,..] [--vectors] [--out FILE]
 *   attnscope info      --model DIR
 *   attnscope tokenize  --model DIR --text TEXT
 *   attnscope export    --model DIR --text TEXT [--kind K] --layer L --head H
 *                       [--grid] [--white] [--colormap C] ... --out FILE.png
 *
 * --kind cross|encoder|decoder (default cross) names the attention kind that
 * --scale, --mask and --ablate act on. --mask keys:a,b hides source
 * positions from the encoder and from cross-attention (kind encoder or
 * cross), or target positions from the decoder (kind decoder). dump with
 * --beam traces the output beam search chose.
 */
#ifndef CLI_MARIAN_CLI_H
#define CLI_MARIAN_CLI_H

#include <stdbool.h>

typedef struct {
    const char *cmd;     /* translate | dump | info | tokenize | export */
    const char *model;   /* a Marian folder */
    const char *text;    /* NULL if not given; "-" = stdin */
    const char *out;     /* dump: NULL = stdout */
    const char *kind, *scale, *mask, *ablate; /* NULL = not given */
    int n;               /* most target tokens; <= 0: as many as fit */
    int beam;            /* 0 or 1: greedy; else beam search of that width */
    bool vectors;
    /* export */
    int layer, head;     /* -1 = not given */
    bool grid, white;
    const char *colormap;
} MarianCliArgs;

/* Whether main should hand cmd on path to marian_cli_run: always for
 * translate, and for the other commands when path is a Marian folder. */
bool marian_cli_handles(const char *cmd, const char *path);

/* Runs one command; prints one error line and returns non-zero on failure. */
int marian_cli_run(const MarianCliArgs *a);

#endif
