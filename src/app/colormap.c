/* colormap.c — tables and interpolation; see colormap.h.
 *
 * viridis, magma, inferno and cividis: 33 evenly spaced samples of the
 * published 256-entry tables (matplotlib's _cm_listed, CC0), rounded to 8 bit;
 * linear interpolation between neighbours stays within 1-2 levels of the
 * full tables. slides: computed by us in CIELAB: L* falls linearly from 100
 * to 20 (so equal steps in t look equal), chroma 58*sin(0.62*pi*t), hue
 * 250 -> 300 degrees; every sample is inside the sRGB gamut.
 */
#include "app/colormap.h"

#include <math.h>
#include <string.h>

#define CMAP_SAMPLES 33

static const uint8_t cmap_tables[CMAP_COUNT][CMAP_SAMPLES][3] = {
    [CMAP_VIRIDIS] = {
        {68,1,84}, {71,13,96}, {72,24,106}, {72,35,116}, {71,45,123}, {69,55,129},
        {66,64,134}, {62,73,137}, {59,82,139}, {55,91,141}, {51,99,141}, {47,107,142},
        {44,114,142}, {41,122,142}, {38,130,142}, {35,137,142}, {33,145,140}, {31,152,139},
        {31,160,136}, {34,167,133}, {40,174,128}, {50,182,122}, {63,188,115}, {78,195,107},
        {94,201,98}, {112,207,87}, {132,212,75}, {152,216,62}, {173,220,48}, {194,223,35},
        {216,226,25}, {236,229,27}, {253,231,37},
    },
    [CMAP_MAGMA] = {
        {0,0,4}, {3,3,18}, {10,8,34}, {19,13,52}, {29,17,71}, {41,17,90},
        {54,16,107}, {68,15,118}, {81,18,124}, {93,23,127}, {106,28,129}, {118,33,129},
        {131,38,129}, {144,42,129}, {156,46,127}, {170,51,125}, {183,55,121}, {196,60,117},
        {208,65,111}, {220,72,105}, {231,82,99}, {239,93,94}, {245,107,92}, {249,121,93},
        {252,137,97}, {253,152,105}, {254,167,114}, {254,182,124}, {254,196,136}, {254,211,149},
        {253,226,163}, {252,240,178}, {252,253,191},
    },
    [CMAP_INFERNO] = {
        {0,0,4}, {4,3,18}, {11,7,36}, {21,11,55}, {33,12,74}, {47,10,91},
        {61,9,101}, {74,12,107}, {87,16,110}, {100,21,110}, {113,25,110}, {125,30,109},
        {138,34,106}, {151,39,102}, {163,44,97}, {176,49,91}, {188,55,84}, {199,62,76},
        {210,70,68}, {219,80,59}, {228,90,49}, {235,102,40}, {241,115,29}, {246,128,19},
        {249,142,9}, {251,157,7}, {252,172,17}, {251,188,33}, {249,203,53}, {245,219,76},
        {242,234,105}, {243,246,138}, {252,255,164},
    },
    [CMAP_CIVIDIS] = {
        {0,34,78}, {0,40,91}, {0,46,106}, {5,51,113}, {26,56,111}, {39,62,110},
        {50,67,109}, {59,73,108}, {67,78,108}, {75,84,108}, {83,90,109}, {90,95,110},
        {97,101,111}, {104,106,113}, {111,112,115}, {118,118,118}, {125,124,120}, {132,130,121},
        {140,136,120}, {147,142,120}, {155,148,118}, {163,154,116}, {171,160,114}, {180,167,111},
        {188,174,108}, {196,180,104}, {205,187,99}, {213,194,94}, {222,201,88}, {231,209,80},
        {240,216,70}, {249,224,58}, {254,232,56},
    },
    [CMAP_SLIDES] = {
        {255,255,255}, {242,249,254}, {230,242,253}, {217,236,253}, {205,229,252}, {193,223,251},
        {182,216,250}, {170,209,249}, {159,203,248}, {148,196,247}, {137,189,245}, {127,182,243},
        {117,175,241}, {107,168,238}, {97,161,236}, {88,154,232}, {80,147,229}, {72,140,225},
        {64,133,220}, {57,126,215}, {51,118,210}, {46,111,204}, {42,104,198}, {38,97,192},
        {36,90,185}, {35,83,178}, {34,77,170}, {34,70,162}, {34,63,154}, {34,57,145},
        {34,50,136}, {34,44,127}, {34,37,118},
    },
};

static const char *cmap_names[CMAP_COUNT] = {
    "viridis", "magma", "inferno", "cividis", "slides",
};

const char *colormap_name(int id) {
    if (id < 0 || id >= CMAP_COUNT) return "?";
    return cmap_names[id];
}

int colormap_find(const char *name) {
    if (!name) return CMAP_VIRIDIS;
    for (int i = 0; i < CMAP_COUNT; i++)
        if (strcmp(name, cmap_names[i]) == 0) return i;
    return -1;
}

Rgb colormap_rgb(int id, float t) {
    if (id < 0 || id >= CMAP_COUNT) id = CMAP_VIRIDIS;
    if (!(t > 0.0f)) t = 0.0f; /* also NaN */
    if (t > 1.0f) t = 1.0f;
    float x = t * (CMAP_SAMPLES - 1);
    int i = (int)x;
    if (i >= CMAP_SAMPLES - 1) i = CMAP_SAMPLES - 2;
    float f = x - (float)i;
    const uint8_t *a = cmap_tables[id][i], *b = cmap_tables[id][i + 1];
    Rgb c;
    c.r = (uint8_t)lroundf(a[0] + f * (b[0] - a[0]));
    c.g = (uint8_t)lroundf(a[1] + f * (b[1] - a[1]));
    c.b = (uint8_t)lroundf(a[2] + f * (b[2] - a[2]));
    return c;
}

void colormap_lut(int id, uint32_t lut[256]) {
    for (int i = 0; i < 256; i++) {
        Rgb c = colormap_rgb(id, (float)i / 255.0f);
        lut[i] = 0xFF000000u | ((uint32_t)c.r << 16) | ((uint32_t)c.g << 8) | c.b;
    }
}

Rgb colormap_diverging(float t, Rgb zero) {
    static const Rgb neg = {59, 130, 246}, pos = {249, 115, 22};
    if (!(t == t)) t = 0.0f;
    if (t < -1.0f) t = -1.0f;
    if (t > 1.0f) t = 1.0f;
    Rgb end = t < 0 ? neg : pos;
    float f = fabsf(t);
    f = sqrtf(f); /* small values stay visible against the neutral color */
    Rgb c;
    c.r = (uint8_t)lroundf(zero.r + f * (end.r - zero.r));
    c.g = (uint8_t)lroundf(zero.g + f * (end.g - zero.g));
    c.b = (uint8_t)lroundf(zero.b + f * (end.b - zero.b));
    return c;
}
