/* colormap.h — perceptually uniform colormaps for attention heatmaps.
 *
 * Sequential maps take t in [0, 1] (attention weight); t = 0 is the "zero
 * color" that masked cells show. The diverging map takes t in [-1, 1] for
 * signed vectors (q, k, v) and blends through a caller-chosen neutral color.
 * No global state: lookups interpolate small const tables.
 */
#ifndef APP_COLORMAP_H
#define APP_COLORMAP_H

#include <stdint.h>

typedef enum {
    CMAP_VIRIDIS,  /* default */
    CMAP_MAGMA,
    CMAP_INFERNO,
    CMAP_CIVIDIS,  /* also readable with color-vision deficiency */
    CMAP_SLIDES,   /* white -> deep blue: zero blends into a white slide */
    CMAP_COUNT
} CmapId;

typedef struct {
    uint8_t r, g, b;
} Rgb;

/* Lowercase name, e.g. "viridis". */
const char *colormap_name(int id);
/* The id for a name, or -1 when unknown. NULL gives the default. */
int colormap_find(const char *name);
/* The color for t (clamped to [0, 1]; NaN counts as 0). */
Rgb colormap_rgb(int id, float t);
/* Fills lut[256] with ARGB8888 (0xAARRGGBB, opaque) for t = i / 255. */
void colormap_lut(int id, uint32_t lut[256]);
/* Signed values: t in [-1, 1] from blue through `zero` to orange. */
Rgb colormap_diverging(float t, Rgb zero);

#endif
