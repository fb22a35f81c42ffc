/* roles_json.h — role scores (engine/roles.h) as JSON, for `attnscope roles`. */
#ifndef CLI_ROLES_JSON_H
#define CLI_ROLES_JSON_H

#include <stdio.h>

#include "engine/roles.h"

/* Writes one JSON object (no trailing newline):
 *   {"<metric>": {"baseline": b, "n_queries": n, "scores": [[layer][head]],
 *                 "best": {"layer": l, "head": h, "score": s} | null}, ...,
 *    "dominant": [[layer][head]] role name or null}
 * for every metric of roles.h, in RoleKind order; unmeasured numbers are null. */
void roles_json_write(FILE *f, const Roles *r);

#endif
