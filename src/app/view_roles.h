/* view_roles.h — the heads sorted by a role score, in place of the
 * predictions while the grid is coloured by a role (ViewData.role >= 0).
 * One button per role chooses it; each row is a head (L1 H3, a bar of its
 * score with the uniform baseline marked, the number, its badge); a click
 * on a row selects that head; the wheel scrolls. */
#ifndef APP_VIEW_ROLES_H
#define APP_VIEW_ROLES_H

#include "app/view.h"

#define VIEW_ROLES_MAX_ROWS 64 /* rows drawn at once (a panel holds fewer) */

/* The list's state in the window, owned by the App. */
typedef struct {
    int first;                /* index of the top row (wheel scroll) */
    int n_rows;               /* rows shown last frame */
    SDL_Rect rows[VIEW_ROLES_MAX_ROWS];   /* their rects */
    int layer[VIEW_ROLES_MAX_ROWS], head[VIEW_ROLES_MAX_ROWS]; /* and heads */
} RolesView;

/* Draws the list in panel r; emits ACT_ROLE_SET (a role button, or
 * "thumbnails") and ACT_SELECT (a row). */
void view_roles_frame(ViewCtx *cx, SDL_Rect r, RolesView *st, ViewOut *out);

#endif
