/* roles_json.c — see roles_json.h. */
#include "roles_json.h"

#include "jsonout.h"

static void roles_json__float(FILE *f, float v) { json_number(f, "%.6g", v); }

void roles_json_write(FILE *f, const Roles *r) {
    fputc('{', f);
    for (int k = 0; k < ROLE_N_METRICS; k++) {
        fprintf(f, "%s\n\"%s\":{\"baseline\":", k ? "," : "", roles_name((RoleKind)k));
        roles_json__float(f, r->baseline[k]);
        fprintf(f, ",\"n_queries\":%d,\"scores\":[", r->n_queries[k]);
        for (int l = 0; l < r->n_layer; l++) {
            fputs(l ? ",[" : "[", f);
            for (int h = 0; h < r->n_head; h++) {
                if (h) fputc(',', f);
                roles_json__float(f, roles_score(r, (RoleKind)k, l, h));
            }
            fputc(']', f);
        }
        fputs("],\"best\":", f);
        int bl, bh;
        if (roles_best(r, (RoleKind)k, &bl, &bh) == 0) {
            fprintf(f, "{\"layer\":%d,\"head\":%d,\"score\":", bl, bh);
            roles_json__float(f, roles_score(r, (RoleKind)k, bl, bh));
            fputc('}', f);
        } else {
            fputs("null", f);
        }
        fputc('}', f);
    }
    fputs(",\n\"dominant\":[", f);
    for (int l = 0; l < r->n_layer; l++) {
        fputs(l ? ",[" : "[", f);
        for (int h = 0; h < r->n_head; h++) {
            int d = roles_dominant(r, l, h);
            fprintf(f, "%s%s%s%s", h ? "," : "", d >= 0 ? "\"" : "", d >= 0 ? roles_name((RoleKind)d) : "null",
                    d >= 0 ? "\"" : "");
        }
        fputc(']', f);
    }
    fputs("]}", f);
}
