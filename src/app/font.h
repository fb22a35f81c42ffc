/* font.h — text through SDL2_ttf, with font fallback and a per-renderer
 * texture cache.
 *
 * Strings are rendered once in white (TTF_RenderUTF8_Blended), kept as
 * textures keyed by (size, string) and tinted with SDL_SetTextureColorMod,
 * so drawing the same labels every frame costs one copy each. A FontCache
 * belongs to one SDL_Renderer (textures cannot move between renderers).
 * Sizes are in points; font_set_scale sets pixels per point (HiDPI, 2x
 * export).
 *
 * Fallback: DejaVu Sans draws what it has. A character it lacks is drawn
 * with a font fontconfig finds for it (CJK: fonts-wqy-microhei); a string is
 * split into runs, one per font, by codepoint coverage
 * (TTF_GlyphIsProvided32). Emoji prefer a colour font (fonts-noto-color-emoji,
 * whose one 109 px bitmap strike SDL_ttf 2.20 draws in colour; it is scaled
 * to the line height and drawn untinted), then any font that has them
 * (DejaVu's own monochrome emoticons, fonts-symbola). Combining marks,
 * joiners and variation selectors stay with the run they follow; there is no
 * shaping across runs (ZWJ sequences show as their parts). A character no
 * font has shows DejaVu's .notdef box.
 *
 * The texture cache is bounded by pixel bytes (FONT_CACHE_MAX_BYTES) as well
 * as by count; a string too big for it is drawn without being kept.
 *
 * Usage:
 *     FontCache *fc = font_create(renderer, &err);
 *     font_set_scale(fc, 2.0f);
 *     font_draw(fc, FONT_NORMAL, x, y, color, "hello");
 *     font_free(fc);
 */
#ifndef APP_FONT_H
#define APP_FONT_H

#include <SDL.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

typedef enum {
    FONT_SMALL,  /* axis labels, chips, tooltips */
    FONT_NORMAL, /* controls and panels */
    FONT_TITLE,  /* panel titles */
    FONT_COUNT
} FontSize;

typedef struct FontCache FontCache;

#define FONT_MAX_FACES 8                  /* the primary + fallbacks */
#define FONT_CACHE_MAX_BYTES (48u << 20)  /* cached text pixels, ARGB */

/* The TTF file: $ATTNSCOPE_FONT, assets/DejaVuSans.ttf, or Debian's
 * fonts-dejavu-core. Returns NULL (err filled) when none exists. */
const char *font_resolve_path(EngineError *err);

/* Opens the font for renderer r. Returns NULL with err filled on failure. */
FontCache *font_create(SDL_Renderer *r, EngineError *err);
void font_free(FontCache *fc);

/* Pixels per point; reopens the faces when it changes. */
void font_set_scale(FontCache *fc, float px_per_pt);
float font_scale(const FontCache *fc);

/* Line height in pixels. */
int font_height(FontCache *fc, FontSize size);
/* Width in pixels of s (UTF-8). */
int font_width(FontCache *fc, FontSize size, const char *s);

/* The same measured now, bypassing the width cache: for strings measured
 * once (wrapped lines), which would only crowd the cache. */
int font_measure(FontCache *fc, FontSize size, const char *s);

/* Draws s with its top-left at (x, y). Returns the width drawn. */
int font_draw(FontCache *fc, FontSize size, int x, int y, SDL_Color c,
              const char *s);
/* Draws s rotated 90 degrees counter-clockwise (reads bottom to top), its
 * first character at bottom y, centered on column x. */
void font_draw_up(FontCache *fc, FontSize size, int x, int bottom_y,
                  SDL_Color c, const char *s);

/* Writes into out (cap bytes) s cut at a UTF-8 boundary plus an ellipsis so
 * that it fits max_w pixels; s itself when it fits. Returns out. */
/* Pixel bytes the cached text textures hold now (<= FONT_CACHE_MAX_BYTES). */
size_t font_cache_bytes(const FontCache *fc);
/* The font file that draws codepoint cp (fallbacks are found and opened on
 * demand), or NULL when no font has it. */
const char *font_face_path(FontCache *fc, uint32_t cp);

char *font_elide(FontCache *fc, FontSize size, const char *s, int max_w,
                 char *out, size_t cap);

#endif
