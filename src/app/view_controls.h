/* view_controls.h — the bar of buttons over the views: scaling, temperature
 * slider, mask, window, reset, colormap, theme, export, help. Each button
 * emits its Act; tooltips name its key. */
#ifndef APP_VIEW_CONTROLS_H
#define APP_VIEW_CONTROLS_H

#include "app/view.h"

#define VIEW_CONTROLS_MAX 32

typedef struct {
    Act act;            /* ACT_NONE = a plain label */
    int a;              /* the event's argument (ACT_WIN_STEP: -1 / +1) */
    char label[48];
    bool on;            /* selected */
    const char *tip;    /* tooltip: what it does and its key */
    SDL_Rect r;         /* placed rect */
    bool group_end;     /* extra space after */
} ViewControl;

/* The bar's state in the window, owned by the App. */
typedef struct {
    ViewControl c[VIEW_CONTROLS_MAX];
    int n;
    float slider;             /* the temperature slider's value while
                                 dragged (its address is its ui id) */
} ControlsView;

/* Builds the controls for cx->v and places them left to right in bar's
 * width, wrapping. Returns the height used. */
int view_controls_place(ViewCtx *cx, SDL_Rect bar, ControlsView *cv);
/* Draws the placed controls; emits the act of a clicked button and
 * ACT_TEMP_SET (f = log10 T) while the slider moves. */
void view_controls_frame(ViewCtx *cx, ControlsView *cv, ViewOut *out);

#endif
