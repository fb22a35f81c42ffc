/* ui.h — tiny immediate-mode widgets in the spirit of microui.
 *
 * The Ui holds only input state (mouse, buttons, what is being dragged) and
 * the tooltip to show this frame; it never owns application data. Each widget
 * draws itself from the values passed in and returns what happened.
 *
 *     ui_input(&ui, &event, scale);           // for every SDL event
 *     ui_begin(&ui);
 *     if (ui_button(&ui, d, rect, "Causal", ro.mask == MASK_CAUSAL)) ...;
 *     ui_end(&ui, d);                         // tooltip on top, clears clicks
 */
#ifndef APP_UI_H
#define APP_UI_H

#include <SDL.h>
#include <stdbool.h>

#include "app/draw.h"

typedef struct {
    int mx, my;            /* mouse in pixels; -1 when outside the window */
    bool down[3];          /* held: left, middle, right */
    bool pressed[3];       /* went down since the last ui_end */
    bool released[3];      /* went up since the last ui_end */
    int wheel;             /* wheel steps since the last ui_end */
    bool shift, ctrl;      /* modifier state at the last event */
    const void *active;    /* widget being dragged (its value's address) */
    char tip[512];         /* tooltip text for this frame; "" = none */
    SDL_Rect tip_anchor;   /* the thing the tooltip describes */
} Ui;

/* Feeds one SDL event; px_per_pt converts window to pixel coordinates.
 * Returns true when it changed input state. */
bool ui_input(Ui *ui, const SDL_Event *e, float px_per_pt);
void ui_begin(Ui *ui);
/* Draws the tooltip and clears per-frame input. */
void ui_end(Ui *ui, Draw *d);

bool ui_inside(const Ui *ui, SDL_Rect r);
/* Clicked (left button released) inside r after being pressed inside it. */
bool ui_clicked(const Ui *ui, SDL_Rect r, int button);
void ui_tooltip(Ui *ui, SDL_Rect anchor, const char *text);

/* A push button; `on` draws it as selected. Returns true when clicked. */
bool ui_button(Ui *ui, Draw *d, SDL_Rect r, const char *label, bool on);
/* A horizontal slider over [lo, hi] showing label; *v changes while
 * dragging. Returns true when *v changed. */
bool ui_slider(Ui *ui, Draw *d, SDL_Rect r, float *v, float lo, float hi,
               const char *label);
/* A panel background with a title; returns the content rect inside it. */
SDL_Rect ui_panel(Draw *d, SDL_Rect r, const char *title);

/* Width a button needs for label. */
int ui_button_width(Draw *d, const char *label);

#endif
