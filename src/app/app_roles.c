/* app_roles.c — the head-role atlas in the app: the role the grid is
 * coloured by (Ctrl+G, the "by role" button, the role list's buttons) and
 * the head the app opens on, chosen from the first result's role scores
 * (atlas_teaching_head). The scores themselves are computed on the worker. */
#include "app/appstate.h"
#include "app/app_internal.h"

#include "app/atlas.h"

void app__roles_result(App *app) {
    const WorkResult *r = app->res;
    if (!app->auto_head || !r || !r->tr || !r->roles) return;
    app->auto_head = false;
    int l, h, k = atlas_teaching_head(r->roles, &l, &h);
    if (k < 0) return; /* no head has a clear role on this text: stay */
    app__select(app, l, h);
    app->role_last = k;
    /* an induction head: pin its strongest copy (query -> the token after
       the earlier occurrence) so the head view shows it at once */
    if (k == ROLE_INDUCTION) app->auto_focus = true;
    app__say(app, false, "L%d H%d: the strongest %s head here (%.2f, uniform %.2f) "
             "\xC2\xB7 Ctrl+G: colour by role", l, h,
             atlas_role((RoleKind)k)->label, roles_score(r->roles, (RoleKind)k, l, h),
             r->roles->baseline[k]);
}

/* Sets the role the grid is coloured by (-1: thumbnails) and says so. */
static void app__role_set(App *app, int k) {
    if (k < -1 || k >= ROLE_N_ROLES) return;
    app->role = k;
    app->rv.first = 0;
    if (k < 0) {
        app__say(app, false, "grid: thumbnails (Ctrl+G: colour it by a role)");
        return;
    }
    app->role_last = k;
    app__say(app, false, "grid coloured by the %s score; the list sorts the heads by it "
             "(Ctrl+G: next role)", atlas_role((RoleKind)k)->label);
}

void app__roles_act(App *app, const ViewEvent *e) {
    switch (e->act) {
    case ACT_ROLE_CYCLE: app__role_set(app, app->role + 1 < ROLE_N_ROLES ? app->role + 1 : -1); break;
    case ACT_ROLE_SET: app__role_set(app, e->a); break;
    case ACT_ROLE_TOGGLE:
        app__role_set(app, app->role >= 0 ? -1 : app->role_last >= 0 ? app->role_last : ROLE_PREVIOUS);
        break;
    default: break;
    }
}
