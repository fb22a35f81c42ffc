/* font.c — SDL2_ttf faces, fontconfig fallback and the string texture cache;
 * see font.h. */
#include "app/font.h"

#include <SDL_ttf.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#define FONT_CACHE_CAP 4096 /* open addressing; cleared when 3/4 full */
#define FONT_CP_CAP 1024    /* codepoint -> face, direct-mapped */
#define FONT_BLOCKS (0x110000 >> 8) /* 256-codepoint blocks of Unicode */

static const float font_points[FONT_COUNT] = {11.0f, 13.0f, 15.0f};

/* Font caches that initialized fontconfig: the last one to go calls FcFini,
 * which frees what fontconfig keeps for the process (LeakSanitizer counts it
 * otherwise). Caches live on the UI thread only. */
static int font_fc_users;

/* One font file. Face 0 is the primary (DejaVu); the others come from
 * fontconfig, one per script the primary lacks. */
typedef struct {
    char path[1024];
    int index;                 /* face index inside a .ttc */
    bool color;                /* a colour bitmap font (Noto Color Emoji):
                                  one fixed strike, scaled to the line */
    TTF_Font *f[FONT_COUNT];   /* opened on first use at the current scale */
    bool failed;               /* could not be opened: never tried again */
} FontFace;

typedef struct {
    uint64_t hash;   /* 0 = empty slot */
    int size;
    char *s;
    SDL_Texture *tex;      /* white glyphs, tinted per draw; NULL: none */
    SDL_Texture *tex_col;  /* colour glyphs, drawn as they are; NULL: none */
    SDL_Texture *up, *up_col; /* the same turned 90 degrees (h x w), made on
                                 first use: software renderers rotate slowly */
    int w, h;
    bool drawable;   /* false: remembered as unrenderable */
    size_t bytes;    /* pixel bytes of the textures above */
} FontEntry;

/* Measured widths, apart from the textures: layout measures many strings it
 * never draws (elision candidates, wrapped-line prefixes). */
typedef struct {
    uint64_t hash;   /* 0 = empty slot */
    int size;
    char *s;
    int w;
} FontWidth;

struct FontCache {
    SDL_Renderer *r;
    float scale;                  /* pixels per point */
    FontFace faces[FONT_MAX_FACES];
    int n_faces;
    bool fc_ready;                /* FcInit done */
    uint8_t no_font[FONT_BLOCKS / 8]; /* bit set: fontconfig found nothing
                                         for a codepoint of that block */
    struct { uint32_t cp; int8_t face; } cpmap[FONT_CP_CAP]; /* face -1: empty */
    FontEntry *entries;           /* (FONT_CACHE_CAP) */
    int n_entries;
    size_t bytes;                 /* sum of entries[].bytes */
    FontWidth *widths;            /* (FONT_CACHE_CAP) */
    int n_widths;
};

const char *font_resolve_path(EngineError *err) {
    static const char *candidates[] = {
        "assets/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    };
    struct stat st;
    const char *env = getenv("ATTNSCOPE_FONT");
    if (env && *env) {
        if (stat(env, &st) == 0) return env;
        engine_fail(err, "ATTNSCOPE_FONT=%s: no such file; HINT: point it at "
                    "a .ttf file or unset it", env);
        return NULL;
    }
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
        if (stat(candidates[i], &st) == 0) return candidates[i];
    engine_fail(err, "DejaVuSans.ttf: font not found; HINT: apt-get install "
                "fonts-dejavu-core, or set ATTNSCOPE_FONT to a .ttf file");
    return NULL;
}

/* ------------------------------------------------------------------ */
/* the caches                                                           */

static void font__entry_free(FontEntry *e) {
    SDL_Texture *t[4] = {e->tex, e->tex_col, e->up, e->up_col};
    for (int i = 0; i < 4; i++)
        if (t[i]) SDL_DestroyTexture(t[i]);
    free(e->s);
    memset(e, 0, sizeof *e);
}

static void font__clear_widths(FontCache *fc) {
    for (int i = 0; fc->widths && i < FONT_CACHE_CAP; i++) {
        free(fc->widths[i].s);
        memset(&fc->widths[i], 0, sizeof fc->widths[i]);
    }
    fc->n_widths = 0;
}

static void font__clear(FontCache *fc) {
    for (int i = 0; fc->entries && i < FONT_CACHE_CAP; i++)
        if (fc->entries[i].hash) font__entry_free(&fc->entries[i]);
    fc->n_entries = 0;
    fc->bytes = 0;
    font__clear_widths(fc);
}

static void font__close_faces(FontCache *fc) {
    for (int i = 0; i < fc->n_faces; i++)
        for (int j = 0; j < FONT_COUNT; j++)
            if (fc->faces[i].f[j]) {
                TTF_CloseFont(fc->faces[i].f[j]);
                fc->faces[i].f[j] = NULL;
            }
}

/* The face i at size, opened on first use. NULL when it cannot be opened
 * (fallback faces only: the primary is opened up front). */
static TTF_Font *font__face(FontCache *fc, int i, FontSize size) {
    FontFace *f = &fc->faces[i];
    if (f->f[size] || f->failed) return f->f[size];
    int px = (int)lroundf(font_points[size] * fc->scale);
    /* a bitmap font takes a strike index, not a size (SDL_ttf clamps it):
       the one strike is scaled to the line when drawn */
    f->f[size] = TTF_OpenFontIndex(f->path, f->color ? 0 : px < 4 ? 4 : px, f->index);
    if (!f->f[size]) {
        f->failed = i > 0;
        return NULL;
    }
    if (!f->color) TTF_SetFontHinting(f->f[size], TTF_HINTING_LIGHT);
    return f->f[size];
}

static int font__open_primary(FontCache *fc, EngineError *err) {
    for (int i = 0; i < FONT_COUNT; i++)
        if (!font__face(fc, 0, (FontSize)i))
            return engine_fail(err, "%s: cannot open font: %s; HINT: "
                               "reinstall fonts-dejavu-core", fc->faces[0].path,
                               TTF_GetError());
    return 0;
}

FontCache *font_create(SDL_Renderer *r, EngineError *err) {
    const char *path = font_resolve_path(err);
    if (!path) return NULL;
    if (TTF_Init() != 0) {
        engine_fail(err, "SDL2_ttf: %s; HINT: apt-get install libsdl2-ttf-2.0-0",
                    TTF_GetError());
        return NULL;
    }
    FontCache *fc = calloc(1, sizeof *fc);
    if (fc) fc->entries = calloc(FONT_CACHE_CAP, sizeof *fc->entries);
    if (fc) fc->widths = calloc(FONT_CACHE_CAP, sizeof *fc->widths);
    if (!fc || !fc->entries || !fc->widths) {
        if (fc) free(fc->entries);
        free(fc);
        TTF_Quit();
        engine_fail(err, "font cache: out of memory; HINT: close other programs");
        return NULL;
    }
    fc->r = r;
    fc->scale = 1.0f;
    for (int i = 0; i < FONT_CP_CAP; i++) fc->cpmap[i].face = -1;
    snprintf(fc->faces[0].path, sizeof fc->faces[0].path, "%s", path);
    fc->n_faces = 1;
    if (font__open_primary(fc, err)) {
        font_free(fc);
        return NULL;
    }
    return fc;
}

void font_free(FontCache *fc) {
    if (!fc) return;
    font__clear(fc);
    free(fc->entries);
    free(fc->widths);
    font__close_faces(fc);
    if (fc->fc_ready && --font_fc_users == 0) FcFini();
    free(fc);
    TTF_Quit();
}

void font_set_scale(FontCache *fc, float px_per_pt) {
    if (px_per_pt <= 0.0f || fabsf(px_per_pt - fc->scale) < 1e-3f) return;
    fc->scale = px_per_pt;
    font__clear(fc);
    font__close_faces(fc);
    EngineError err;
    font__open_primary(fc, &err); /* the same file opened before: cannot fail
                                     short of running out of memory */
}

float font_scale(const FontCache *fc) { return fc->scale; }

int font_height(FontCache *fc, FontSize size) {
    return fc->faces[0].f[size] ? TTF_FontHeight(fc->faces[0].f[size]) : 0;
}

size_t font_cache_bytes(const FontCache *fc) { return fc->bytes; }

/* ------------------------------------------------------------------ */
/* fallback: which face draws a codepoint                               */

/* Decodes one UTF-8 character at s; *n gets its length (an invalid byte is
 * U+FFFD of length 1). */
static uint32_t font__decode(const unsigned char *s, int *n) {
    unsigned c = s[0];
    int k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = k == 1 ? c : k == 2 ? (c & 0x1F) : k == 3 ? (c & 0x0F) : (c & 0x07);
    for (int i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) { k = 0; break; }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *n = k ? k : 1;
    return k ? cp : 0xFFFD;
}

/* Characters drawn by the run they follow: combining marks, joiners,
 * variation selectors, emoji modifiers and tags. */
static bool font__joins(uint32_t cp) {
    return (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F);
}

/* Pictographs that should look like emoji: a colour font goes first. */
static bool font__emoji(uint32_t cp) {
    return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF);
}

static bool font__provides(FontCache *fc, int i, uint32_t cp) {
    TTF_Font *f = font__face(fc, i, FONT_NORMAL);
    return f && TTF_GlyphIsProvided32(f, cp);
}

/* Asks fontconfig for a font with cp (a colour one first for emoji; only a
 * colour one with color_only) and adds it as a face. Returns its index, or
 * -1. A block of 256 codepoints that found nothing is not asked again. */
static int font__find(FontCache *fc, uint32_t cp, bool color_only) {
    uint32_t block = cp >> 8;
    if (fc->n_faces >= FONT_MAX_FACES || block >= FONT_BLOCKS ||
        (fc->no_font[block / 8] >> (block % 8) & 1))
        return -1;
    if (!fc->fc_ready) {
        if (!FcInit()) return -1;
        fc->fc_ready = true;
        font_fc_users++;
    }
    int found = -1;
    for (int want_color = font__emoji(cp); want_color >= color_only && found < 0; want_color--) {
        FcPattern *p = FcPatternCreate();
        FcCharSet *cs = FcCharSetCreate();
        if (!p || !cs) {
            if (p) FcPatternDestroy(p);
            if (cs) FcCharSetDestroy(cs);
            return -1;
        }
        FcCharSetAddChar(cs, cp);
        FcPatternAddCharSet(p, FC_CHARSET, cs);
        if (want_color) FcPatternAddBool(p, FC_COLOR, FcTrue);
        FcConfigSubstitute(NULL, p, FcMatchPattern);
        FcDefaultSubstitute(p);
        FcResult res;
        FcFontSet *set = FcFontSort(NULL, p, FcFalse, NULL, &res);
        for (int j = 0; set && j < set->nfont && found < 0; j++) {
            FcPattern *m = set->fonts[j];
            FcChar8 *file = NULL;
            FcCharSet *mcs = NULL;
            FcBool color = FcFalse;
            int index = 0;
            if (FcPatternGetString(m, FC_FILE, 0, &file) != FcResultMatch ||
                FcPatternGetCharSet(m, FC_CHARSET, 0, &mcs) != FcResultMatch ||
                !FcCharSetHasChar(mcs, cp))
                continue;
            FcPatternGetBool(m, FC_COLOR, 0, &color);
            FcPatternGetInteger(m, FC_INDEX, 0, &index);
            if (want_color && !color) continue;
            bool known = false;
            for (int i = 0; i < fc->n_faces; i++)
                known |= strcmp(fc->faces[i].path, (const char *)file) == 0 &&
                         fc->faces[i].index == index;
            if (known) continue;
            FontFace *f = &fc->faces[fc->n_faces];
            memset(f, 0, sizeof *f);
            snprintf(f->path, sizeof f->path, "%s", (const char *)file);
            f->index = index;
            f->color = color;
            fc->n_faces++;
            if (font__provides(fc, fc->n_faces - 1, cp)) found = fc->n_faces - 1;
            else if (fc->n_faces >= FONT_MAX_FACES) break;
        }
        if (set) FcFontSetDestroy(set);
        FcCharSetDestroy(cs);
        FcPatternDestroy(p);
    }
    if (found < 0 && !color_only) fc->no_font[block / 8] |= (uint8_t)(1u << (block % 8));
    return found;
}

/* The face that draws cp: the primary when it has the glyph (or when no face
 * has it: its .notdef box then shows), else the first fallback that has it. */
static int font__face_for(FontCache *fc, uint32_t cp) {
    if (cp < 0x80) return 0;
    unsigned slot = cp % FONT_CP_CAP;
    if (fc->cpmap[slot].face >= 0 && fc->cpmap[slot].cp == cp) return fc->cpmap[slot].face;
    int face = -1;
    bool emoji = font__emoji(cp);
    for (int pass = emoji ? 0 : 1; pass < 2 && face < 0; pass++)
        for (int i = 0; i < fc->n_faces && face < 0; i++)
            if ((pass == 1 || fc->faces[i].color) && font__provides(fc, i, cp)) face = i;
    if (emoji && face >= 0 && !fc->faces[face].color) { /* a colour one? */
        int c = font__find(fc, cp, true);
        if (c >= 0) face = c;
    }
    if (face < 0) face = font__find(fc, cp, false);
    if (face < 0) face = 0;
    fc->cpmap[slot].cp = cp;
    fc->cpmap[slot].face = (int8_t)face;
    return face;
}

const char *font_face_path(FontCache *fc, uint32_t cp) {
    int i = font__face_for(fc, cp);
    return i > 0 || font__provides(fc, 0, cp) ? fc->faces[i].path : NULL;
}

/* The run of s that one face draws: returns its length in bytes, *face the
 * face. */
static size_t font__run(FontCache *fc, const char *s, int *face) {
    const unsigned char *p = (const unsigned char *)s;
    int n;
    *face = font__face_for(fc, font__decode(p, &n));
    size_t len = (size_t)n;
    while (p[len]) {
        uint32_t cp = font__decode(p + len, &n);
        if (!font__joins(cp) && font__face_for(fc, cp) != *face) break;
        len += (size_t)n;
    }
    return len;
}

/* ------------------------------------------------------------------ */
/* measuring and rendering                                              */

static uint64_t font__hash(FontSize size, const char *s) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)size;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

/* Width of one run: a colour face's strike is scaled to the line height. */
static int font__run_w(FontCache *fc, FontSize size, int face, const char *run) {
    TTF_Font *f = font__face(fc, face, size);
    int w = 0, h = 0;
    if (!f || TTF_SizeUTF8(f, run, &w, &h) != 0) return 0;
    if (fc->faces[face].color) {
        int fh = TTF_FontHeight(f);
        w = fh > 0 ? (int)lroundf((float)w * (float)font_height(fc, size) / (float)fh) : 0;
    }
    return w;
}

/* Calls fn for each run of s (a NUL-terminated copy in buf). Stops and
 * returns -1 when fn does. */
typedef int (*FontRunFn)(FontCache *fc, FontSize size, int face, const char *run, void *ctx);
static int font__each_run(FontCache *fc, FontSize size, const char *s, FontRunFn fn, void *ctx) {
    char small[256];
    while (*s) {
        int face;
        size_t n = font__run(fc, s, &face);
        char *buf = n < sizeof small ? small : malloc(n + 1);
        if (!buf) return -1;
        memcpy(buf, s, n);
        buf[n] = '\0';
        int rc = fn(fc, size, face, buf, ctx);
        if (buf != small) free(buf);
        if (rc) return -1;
        s += n;
    }
    return 0;
}

static int font__add_w(FontCache *fc, FontSize size, int face, const char *run, void *ctx) {
    *(int *)ctx += font__run_w(fc, size, face, run);
    return 0;
}

/* Width of s measured now, without the width cache. */
int font_measure(FontCache *fc, FontSize size, const char *s) {
    int face, w = 0, h = 0;
    if (!s || !*s || !fc->faces[0].f[size]) return 0;
    if (font__run(fc, s, &face) == strlen(s) && !fc->faces[face].color) {
        TTF_Font *f = font__face(fc, face, size);
        return f && TTF_SizeUTF8(f, s, &w, &h) == 0 ? w : 0; /* one run: no copy */
    }
    font__each_run(fc, size, s, font__add_w, &w);
    return w;
}

int font_width(FontCache *fc, FontSize size, const char *s) {
    if (!s || !*s || !fc->faces[0].f[size]) return 0;
    uint64_t hs = font__hash(size, s);
    unsigned i = (unsigned)(hs % FONT_CACHE_CAP);
    for (;;) {
        FontWidth *e = &fc->widths[i];
        if (!e->hash) break;
        if (e->hash == hs && e->size == (int)size && strcmp(e->s, s) == 0) return e->w;
        i = (i + 1) % FONT_CACHE_CAP;
    }
    int w = font_measure(fc, size, s);
    if (fc->n_widths >= FONT_CACHE_CAP * 3 / 4) { /* start over: cheap to refill */
        font__clear_widths(fc);
        i = (unsigned)(hs % FONT_CACHE_CAP);
    }
    FontWidth *e = &fc->widths[i];
    e->s = strdup(s);
    if (!e->s) return w;
    e->hash = hs;
    e->size = size;
    e->w = w;
    fc->n_widths++;
    return w;
}

/* Where the runs go: two ARGB surfaces of the whole string, white glyphs
 * (mono) and colour glyphs (col), each created on first use. */
typedef struct {
    int w, h, x, ascent;   /* size, pen x, the primary's baseline */
    SDL_Surface *mono, *col;
    bool failed;
} FontCanvas;

static int font__put_run(FontCache *fc, FontSize size, int face, const char *run, void *ctx) {
    FontCanvas *cv = ctx;
    TTF_Font *f = font__face(fc, face, size);
    SDL_Color white = {255, 255, 255, 255};
    SDL_Surface *s = f ? TTF_RenderUTF8_Blended(f, run, white) : NULL;
    SDL_Surface *s32 = s ? SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
    SDL_FreeSurface(s);
    if (!s32) {
        cv->failed = true;
        return -1;
    }
    int w = font__run_w(fc, size, face, run), y = cv->ascent - TTF_FontAscent(f);
    bool color = fc->faces[face].color;
    if (color) { /* the strike, scaled to the line height */
        SDL_Surface *sc = SDL_CreateRGBSurfaceWithFormat(0, w > 0 ? w : 1, cv->h, 32,
                                                         SDL_PIXELFORMAT_ARGB8888);
        if (sc && SDL_SoftStretchLinear(s32, NULL, sc, NULL) != 0) {
            SDL_FreeSurface(sc);
            sc = NULL;
        }
        SDL_FreeSurface(s32);
        if (!(s32 = sc)) {
            cv->failed = true;
            return -1;
        }
        y = 0;
    }
    SDL_Surface **dst = color ? &cv->col : &cv->mono;
    if (!*dst) {
        *dst = SDL_CreateRGBSurfaceWithFormat(0, cv->w, cv->h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (*dst) SDL_FillRect(*dst, NULL, 0);
    }
    if (*dst) {
        SDL_SetSurfaceBlendMode(s32, SDL_BLENDMODE_BLEND);
        SDL_Rect at = {cv->x, y < 0 ? 0 : y, s32->w, s32->h};
        SDL_Rect src = {0, y < 0 ? -y : 0, s32->w, s32->h};
        SDL_BlitSurface(s32, &src, *dst, &at);
    }
    SDL_FreeSurface(s32);
    cv->x += w;
    return *dst ? 0 : -1;
}

/* Renders s into cv (both surfaces NULL on failure). */
static void font__render(FontCache *fc, FontSize size, const char *s, FontCanvas *cv) {
    memset(cv, 0, sizeof *cv);
    int face;
    if (font__run(fc, s, &face) == strlen(s) && !fc->faces[face].color) {
        SDL_Color white = {255, 255, 255, 255};
        TTF_Font *f = font__face(fc, face, size);
        SDL_Surface *one = f ? TTF_RenderUTF8_Blended(f, s, white) : NULL;
        cv->mono = one ? SDL_ConvertSurfaceFormat(one, SDL_PIXELFORMAT_ARGB8888, 0) : NULL;
        SDL_FreeSurface(one);
        if (cv->mono) {
            cv->w = cv->mono->w;
            cv->h = cv->mono->h;
        }
        return;
    }
    cv->w = font_measure(fc, size, s);
    cv->h = font_height(fc, size);
    cv->ascent = TTF_FontAscent(fc->faces[0].f[size]);
    if (cv->w <= 0 || cv->h <= 0 || font__each_run(fc, size, s, font__put_run, cv) || cv->failed) {
        SDL_FreeSurface(cv->mono);
        SDL_FreeSurface(cv->col);
        cv->mono = cv->col = NULL;
    }
}

/* A quarter turn counter-clockwise: pixel (i, j) of the w x h surface goes to
 * (j, w - 1 - i) of the h x w one. Frees src. */
static SDL_Surface *font__turn(SDL_Surface *src) {
    if (!src) return NULL;
    SDL_Surface *up = SDL_CreateRGBSurfaceWithFormat(0, src->h, src->w, 32, SDL_PIXELFORMAT_ARGB8888);
    for (int j = 0; up && j < src->h; j++) {
        const uint32_t *row = (const uint32_t *)((const uint8_t *)src->pixels + (size_t)j * src->pitch);
        for (int i = 0; i < src->w; i++)
            ((uint32_t *)((uint8_t *)up->pixels + (size_t)(src->w - 1 - i) * up->pitch))[j] = row[i];
    }
    SDL_FreeSurface(src);
    return up;
}

static SDL_Texture *font__texture(FontCache *fc, SDL_Surface *s, size_t *bytes) {
    if (!s) return NULL;
    SDL_Texture *t = SDL_CreateTextureFromSurface(fc->r, s);
    if (t) {
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
        *bytes += (size_t)s->w * (size_t)s->h * 4;
    }
    SDL_FreeSurface(s);
    return t;
}

/* Makes e's textures (upright or turned) from s. */
static void font__fill(FontCache *fc, FontEntry *e, FontSize size, const char *s, bool turned) {
    FontCanvas cv;
    font__render(fc, size, s, &cv);
    e->drawable = cv.mono || cv.col;
    if (!e->drawable) return;
    e->w = cv.w;
    e->h = cv.h;
    if (turned) {
        e->up = font__texture(fc, font__turn(cv.mono), &e->bytes);
        e->up_col = font__texture(fc, font__turn(cv.col), &e->bytes);
    } else {
        e->tex = font__texture(fc, cv.mono, &e->bytes);
        e->tex_col = font__texture(fc, cv.col, &e->bytes);
    }
}

/* The cached entry for s with the textures asked for, rendering them on a
 * miss. A string too big for the byte budget is rendered into *tmp, which
 * the caller frees after drawing. NULL for "" or what cannot be drawn. */
static FontEntry *font__get(FontCache *fc, FontSize size, const char *s, bool turned,
                            FontEntry *tmp) {
    if (!s || !*s || !fc->faces[0].f[size]) return NULL;
    uint64_t h = font__hash(size, s);
    unsigned i = (unsigned)(h % FONT_CACHE_CAP);
    FontEntry *e = NULL;
    for (;; i = (i + 1) % FONT_CACHE_CAP) {
        FontEntry *x = &fc->entries[i];
        if (!x->hash) break;
        if (x->hash == h && x->size == (int)size && strcmp(x->s, s) == 0) {
            e = x;
            break;
        }
    }
    if (e && (!e->drawable || (turned ? e->up || e->up_col : e->tex || e->tex_col)))
        return e->drawable ? e : NULL;
    /* a miss: never let the pixel bytes pass the budget */
    size_t need = 2 * (size_t)(font_measure(fc, size, s) + 1) * (size_t)(font_height(fc, size) + 1) * 4;
    if (need > FONT_CACHE_MAX_BYTES / 8) {
        memset(tmp, 0, sizeof *tmp);
        font__fill(fc, tmp, size, s, turned);
        return tmp->drawable ? tmp : NULL;
    }
    if (fc->bytes + need > FONT_CACHE_MAX_BYTES ||
        (!e && fc->n_entries >= FONT_CACHE_CAP * 3 / 4)) {
        font__clear(fc); /* start over: a frame's text is far below the cap */
        return font__get(fc, size, s, turned, tmp);
    }
    if (!e) {
        e = &fc->entries[i];
        e->s = strdup(s);
        if (!e->s) return NULL;
        e->hash = h;
        e->size = size;
        fc->n_entries++;
    }
    size_t before = e->bytes;
    font__fill(fc, e, size, s, turned);
    fc->bytes += e->bytes - before;
    return e->drawable ? e : NULL;
}

static void font__copy(FontCache *fc, SDL_Texture *t, SDL_Color c, bool tint, SDL_Rect dst) {
    if (!t) return;
    if (tint) SDL_SetTextureColorMod(t, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(t, c.a);
    SDL_RenderCopy(fc->r, t, NULL, &dst);
}

int font_draw(FontCache *fc, FontSize size, int x, int y, SDL_Color c,
              const char *s) {
    FontEntry tmp;
    FontEntry *e = font__get(fc, size, s, false, &tmp);
    if (!e) return 0;
    SDL_Rect dst = {x, y, e->w, e->h};
    font__copy(fc, e->tex, c, true, dst);
    font__copy(fc, e->tex_col, c, false, dst);
    int w = e->w;
    if (e == &tmp) font__entry_free(&tmp);
    return w;
}

void font_draw_up(FontCache *fc, FontSize size, int x, int bottom_y,
                  SDL_Color c, const char *s) {
    FontEntry tmp;
    FontEntry *e = font__get(fc, size, s, true, &tmp);
    if (!e) return;
    SDL_Rect dst = {x - e->h / 2, bottom_y - e->w, e->h, e->w};
    font__copy(fc, e->up, c, true, dst);
    font__copy(fc, e->up_col, c, false, dst);
    if (e == &tmp) font__entry_free(&tmp);
}

char *font_elide(FontCache *fc, FontSize size, const char *s, int max_w,
                 char *out, size_t cap) {
    if (cap == 0) return out;
    snprintf(out, cap, "%s", s ? s : "");
    if (font_width(fc, size, out) <= max_w) return out;
    static const char ell[] = "\xE2\x80\xA6"; /* U+2026 */
    size_t n = strlen(out);
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80) n--;
        if (n + sizeof ell > cap) continue;
        memcpy(out + n, ell, sizeof ell);
        if (font_width(fc, size, out) <= max_w) return out;
    }
    snprintf(out, cap, "%s", font_width(fc, size, ell) <= max_w ? ell : "");
    return out;
}
