/* atlas.h — the head-role atlas's shared pieces: each role's badge (a
 * letter in a colour), the legend under the grid, heads sorted by a role,
 * and the head the app opens on. The scores come from engine/roles.h,
 * computed on the worker from each finished trace (WorkResult.roles).
 *
 * A badge marks a head's dominant role (roles_dominant): the mass role
 * whose score lifts at least ROLES_DOMINANT_MIN_LIFT (0.3) of the way from
 * the uniform baseline to 1, lift = (score - uniform) / (1 - uniform), on
 * the current text. A head with no such role gets no badge.
 */
#ifndef APP_ATLAS_H
#define APP_ATLAS_H

#include <SDL.h>

#include "app/draw.h"
#include "engine/roles.h"

typedef struct {
    const char *glyph;  /* the badge's letter: "P", "S", "C", "D", "R", "I" */
    Rgb color;          /* the badge's fill */
    const char *label;  /* its name in the legend and the list: "prev-token" */
    const char *keys;   /* what the score sums: "the previous token" */
} AtlasRole;

/* The badge of mass role k (0 <= k < ROLE_N_ROLES). */
const AtlasRole *atlas_role(RoleKind k);

/* The mass role named name: its JSON key (roles_name: "induction"), its
 * label ("prev-token") or its letter ("I"); "off" or "none" = -1 (no role);
 * -2 when unknown. */
int atlas_find(const char *name);

/* Every head of r, best first by the score of mass role k (ties: lower
 * layer, then lower head; unmeasured scores last): layer[i], head[i] for
 * i < min(cap, n_layer * n_head). Returns that count. */
int atlas_sorted(const Roles *r, RoleKind k, int *layer, int *head, int cap);

/* The head to open on: the strongest induction head when its lift is at
 * least ROLES_DOMINANT_MIN_LIFT, else under the same rule the strongest
 * previous-token head, then duplicate-token, delimiter, current-token and
 * sink. Returns that role with *layer, *head set, or -1 (no role is clear
 * on this text; nothing set). */
int atlas_teaching_head(const Roles *r, int *layer, int *head);

/* A badge for role k in the top-right corner of cell c: the letter on the
 * role's colour when the cell has room, else a corner triangle of it. */
void atlas_badge(Draw *d, SDL_Rect c, RoleKind k);

/* The legend, wrapped into width w from (x, y): "badge: dominant role" then
 * each role's badge and name. Returns its height (draws nothing when dry). */
int atlas_legend(Draw *d, int x, int y, int w);

/* The colour of score s on the heatmaps' scale (0..1), as SDL_Color. */
SDL_Color atlas_score_color(const Draw *d, float s);

#endif
