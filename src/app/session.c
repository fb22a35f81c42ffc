/* session.c — Session <-> JSON, atomic saves and the autosave path.
 * The format is documented in docs/session-format.md; keep the two in step.
 */
#include "app/session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app/colormap.h"
#include "engine/fileio.h"
#include "engine/tokenizer.h"

#define SESSION_FORMAT "attnscope-session"

int session_init(Session *s) {
    memset(s, 0, sizeof *s);
    s->version = SESSION_VERSION;
    s->text = calloc(1, 1);
    s->ro = run_options_default();
    s->pin_q = s->pin_k = -1;
    s->zoom = 1.0f;
    s->cmap = CMAP_VIRIDIS;
    return s->text ? 0 : -1;
}

void session_free(Session *s) {
    free(s->text);
    s->text = NULL;
    s->text_len = 0;
}

int session_set_text(Session *s, const char *text, size_t len) {
    char *t = malloc(len + 1);
    if (!t) return -1;
    if (len) memcpy(t, text, len);
    t[len] = '\0';
    free(s->text);
    s->text = t;
    s->text_len = len;
    return 0;
}

/* ------------------------------------------------------------------ */
/* base64 (RFC 4648, padded) for text that is not valid UTF-8           */

static const char session__b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *session__b64_encode(const unsigned char *p, size_t n) {
    char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        *o++ = session__b64[v >> 18];
        *o++ = session__b64[(v >> 12) & 63];
        *o++ = i + 1 < n ? session__b64[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? session__b64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

/* Decodes s (whitespace ignored, padding optional). Returns a heap buffer
 * with a final NUL, or NULL on a bad character or out of memory. */
static char *session__b64_decode(const char *s, size_t *out_len) {
    size_t n = strlen(s), o = 0;
    char *out = malloc(n / 4 * 3 + 4);
    if (!out) return NULL;
    uint32_t acc = 0;
    int bits = 0;
    bool pad = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
        if (c == '=') {
            pad = true;
            continue;
        }
        const char *at = strchr(session__b64, c);
        if (!at || !c || pad) { /* a character after padding is malformed too */
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)(at - session__b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if (bits >= 6) { /* a lone 6-bit group cannot end a byte stream */
        free(out);
        return NULL;
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* ------------------------------------------------------------------ */
/* writing                                                              */

static const char *session__scale_names[] = {"sqrt", "none", "temp"};
static const char *session__mask_names[] = {"causal", "none", "window"};

/* The shortest decimal that reads back as exactly f. */
static cJSON *session__float(float f) {
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f) break;
    }
    return cJSON_CreateRaw(buf);
}

static cJSON *session__pair(int a, int b) {
    int v[2] = {a, b};
    return cJSON_CreateIntArray(v, 2);
}

char *session_to_json(const Session *s) {
    cJSON *root = cJSON_CreateObject();
    char *b64 = NULL, *out = NULL;
    if (!root) return NULL;
    cJSON_AddStringToObject(root, "format", SESSION_FORMAT);
    cJSON_AddNumberToObject(root, "version", SESSION_VERSION);
    cJSON_AddStringToObject(root, "model", s->model_path);
    bool ok = true;
    if (utf8_first_invalid(s->text, s->text_len) == s->text_len &&
        !memchr(s->text, '\0', s->text_len)) {
        ok = cJSON_AddStringToObject(root, "text", s->text) != NULL;
    } else {
        b64 = session__b64_encode((const unsigned char *)s->text, s->text_len);
        ok = b64 && cJSON_AddStringToObject(root, "text_base64", b64);
    }
    /* run options: every field, also those the current modes ignore, so a
       mode switched back finds its old value */
    const RunOptions *ro = &s->ro;
    cJSON *r = cJSON_AddObjectToObject(root, "run");
    cJSON *keys = cJSON_CreateArray(), *abl = cJSON_CreateArray();
    ok = ok && r && keys && abl;
    if (ok) {
        cJSON_AddStringToObject(r, "scale", session__scale_names[ro->scale]);
        cJSON_AddItemToObject(r, "temperature", session__float(ro->temperature));
        cJSON_AddStringToObject(r, "mask", session__mask_names[ro->mask]);
        cJSON_AddNumberToObject(r, "window", ro->window);
        cJSON_AddNumberToObject(r, "top_k", ro->top_k);
        for (int k = 0; k < RUN_MAX_KEYS; k++)
            if (run_options_key_masked(ro, k)) cJSON_AddItemToArray(keys, cJSON_CreateNumber(k));
        for (int l = 0; l < MODEL_MAX_LAYERS; l++)
            for (int h = 0; h < MODEL_MAX_HEADS; h++)
                if (run_options_head_ablated(ro, l, h)) cJSON_AddItemToArray(abl, session__pair(l, h));
    }
    cJSON *words = cJSON_CreateArray(); /* "mask this word": byte spans of the text */
    for (int i = 0; ok && words && i < s->wm.n; i++)
        cJSON_AddItemToArray(words, session__pair((int)s->wm.span[i].start, (int)s->wm.span[i].end));
    if (!ok || !words || !cJSON_AddItemToObject(r, "masked_words", words)) cJSON_Delete(words);
    if (!ok || !cJSON_AddItemToObject(r, "masked_keys", keys)) cJSON_Delete(keys);
    if (!ok || !cJSON_AddItemToObject(r, "ablated_heads", abl)) cJSON_Delete(abl);
    /* the view */
    cJSON *v = cJSON_AddObjectToObject(root, "view");
    ok = ok && v;
    if (ok) {
        cJSON_AddNumberToObject(v, "layer", s->layer);
        cJSON_AddNumberToObject(v, "head", s->head);
        if (s->pin_q >= 0 && s->pin_k >= 0)
            cJSON_AddItemToObject(v, "pinned", session__pair(s->pin_q, s->pin_k));
        else
            cJSON_AddNullToObject(v, "pinned");
        cJSON_AddItemToObject(v, "zoom", session__float(s->zoom));
        cJSON_AddItemToObject(v, "zoom_origin", session__pair(s->zoom_row, s->zoom_col));
        cJSON_AddStringToObject(v, "colormap", colormap_name(s->cmap));
        cJSON_AddStringToObject(v, "theme", s->white ? "light" : "dark");
        cJSON_AddBoolToObject(v, "qk_before_rope", s->pre_rope);
        cJSON_AddNumberToObject(v, "pair_filter", s->seg_filter);
    }
    if (ok) out = cJSON_Print(root);
    cJSON_Delete(root);
    free(b64);
    if (out) { /* a text file ends in a newline */
        size_t n = strlen(out);
        char *nl = realloc(out, n + 2);
        if (!nl) {
            free(out);
            return NULL;
        }
        nl[n] = '\n';
        nl[n + 1] = '\0';
        out = nl;
    }
    return out;
}

/* ------------------------------------------------------------------ */
/* reading                                                              */

typedef struct {
    Session *s;
    SessionReport *rep;
    const char *name;   /* file, for messages */
    const char *group;  /* "", "run." or "view." */
} SessionReader;

static void session__report(SessionReader *rd, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void session__report(SessionReader *rd, const char *field, const char *fmt, ...) {
    if (!rd->rep) return;
    int i = rd->rep->n++;
    if (i >= SESSION_REPORT_MAX) return;
    char what[160], name[201], fld[65];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* the file name and a field name come from outside: one escaped line
       (a key may hold a newline), cut only between characters */
    engine_escape(name, sizeof name, rd->name, strlen(rd->name));
    engine_escape(fld, sizeof fld, field, strlen(field));
    snprintf(rd->rep->msg[i], sizeof rd->rep->msg[i],
             "%s: field %s%s: %s; HINT: fix or delete that field "
             "(docs/session-format.md)", name, rd->group, fld, what);
}

/* An integer in [lo, hi]; reports and returns false otherwise. */
static bool session__int(SessionReader *rd, const cJSON *it, const char *field, long lo,
                         long hi, int *out) {
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble)) {
        session__report(rd, field, "expected a whole number from %ld to %ld; skipped", lo, hi);
        return false;
    }
    if (it->valuedouble < (double)lo || it->valuedouble > (double)hi) {
        session__report(rd, field, "%.17g is out of range %ld..%ld; skipped",
                        it->valuedouble, lo, hi);
        return false;
    }
    *out = (int)it->valuedouble;
    return true;
}

static bool session__pair_in(SessionReader *rd, const cJSON *it, const char *field,
                             long hi0, long hi1, int *a, int *b) {
    char sub[64];
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2) {
        session__report(rd, field, "expected a pair [a, b]; skipped");
        return false;
    }
    snprintf(sub, sizeof sub, "%s[0]", field);
    if (!session__int(rd, cJSON_GetArrayItem(it, 0), sub, 0, hi0, a)) return false;
    snprintf(sub, sizeof sub, "%s[1]", field);
    return session__int(rd, cJSON_GetArrayItem(it, 1), sub, 0, hi1, b);
}

/* A string that must be one of names[0..n); returns its index or -1. */
static int session__enum(SessionReader *rd, const cJSON *it, const char *field,
                         const char *const *names, int n) {
    if (cJSON_IsString(it))
        for (int i = 0; i < n; i++)
            if (!strcmp(it->valuestring, names[i])) return i;
    char list[128] = "";
    for (int i = 0; i < n; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    session__report(rd, field, "expected one of %s; skipped", list);
    return -1;
}

static bool session__number(SessionReader *rd, const cJSON *it, const char *field,
                            double lo_excl, double hi, float *out) {
    if (!cJSON_IsNumber(it) || !(it->valuedouble > lo_excl) || !(it->valuedouble <= hi)) {
        session__report(rd, field, "expected a number > %g and <= %g; skipped", lo_excl, hi);
        return false;
    }
    *out = (float)it->valuedouble;
    return true;
}

static void session__read_run(SessionReader *rd, const cJSON *obj) {
    RunOptions *ro = &rd->s->ro;
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *f = it->string;
        int i, a, b;
        if (!strcmp(f, "scale")) {
            if ((i = session__enum(rd, it, f, session__scale_names, 3)) >= 0) ro->scale = (ScaleMode)i;
        } else if (!strcmp(f, "temperature")) {
            session__number(rd, it, f, 0.0, 1e4, &ro->temperature);
        } else if (!strcmp(f, "mask")) {
            if ((i = session__enum(rd, it, f, session__mask_names, 3)) >= 0) ro->mask = (MaskMode)i;
        } else if (!strcmp(f, "window")) {
            if (session__int(rd, it, f, 1, RUN_MAX_KEYS, &i)) ro->window = i;
        } else if (!strcmp(f, "top_k")) {
            if (session__int(rd, it, f, 1, TRACE_MAX_TOP_K, &i)) ro->top_k = i;
        } else if (!strcmp(f, "masked_keys")) {
            if (!cJSON_IsArray(it)) {
                session__report(rd, f, "expected an array of token positions; skipped");
                continue;
            }
            memset(ro->masked_keys, 0, sizeof ro->masked_keys);
            int n = 0;
            for (const cJSON *e = it->child; e; e = e->next, n++) {
                char sub[48];
                snprintf(sub, sizeof sub, "masked_keys[%d]", n);
                if (session__int(rd, e, sub, 0, RUN_MAX_KEYS - 1, &i))
                    run_options_set_key_masked(ro, i, true);
            }
        } else if (!strcmp(f, "masked_words")) {
            if (!cJSON_IsArray(it)) {
                session__report(rd, f, "expected an array of [start, end] byte spans; skipped");
                continue;
            }
            WordMask *wm = &rd->s->wm;
            wm->n = 0;
            int n = 0;
            for (const cJSON *e = it->child; e; e = e->next, n++) {
                char sub[48];
                snprintf(sub, sizeof sub, "masked_words[%d]", n);
                if (session__pair_in(rd, e, sub, INT_MAX - 1, INT_MAX, &a, &b) && a < b &&
                    !wordmask_covers(wm, (size_t)a, (size_t)b))
                    wordmask_toggle(wm, (size_t)a, (size_t)b);
            }
        } else if (!strcmp(f, "ablated_heads")) {
            if (!cJSON_IsArray(it)) {
                session__report(rd, f, "expected an array of [layer, head] pairs; skipped");
                continue;
            }
            memset(ro->ablated, 0, sizeof ro->ablated);
            int n = 0;
            for (const cJSON *e = it->child; e; e = e->next, n++) {
                char sub[48];
                snprintf(sub, sizeof sub, "ablated_heads[%d]", n);
                if (session__pair_in(rd, e, sub, MODEL_MAX_LAYERS - 1, MODEL_MAX_HEADS - 1, &a, &b))
                    run_options_set_head_ablated(ro, a, b, true);
            }
        } else {
            session__report(rd, f, "unknown field; skipped");
        }
    }
}

static void session__read_view(SessionReader *rd, const cJSON *obj) {
    Session *s = rd->s;
    static const char *themes[] = {"dark", "light"};
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *f = it->string;
        int i, a, b;
        if (!strcmp(f, "layer")) {
            if (session__int(rd, it, f, 0, MODEL_MAX_LAYERS - 1, &i)) s->layer = i;
        } else if (!strcmp(f, "head")) {
            if (session__int(rd, it, f, 0, MODEL_MAX_HEADS - 1, &i)) s->head = i;
        } else if (!strcmp(f, "pair_filter")) {
            if (session__int(rd, it, f, 0, 4, &i)) s->seg_filter = i;
        } else if (!strcmp(f, "pinned")) {
            if (cJSON_IsNull(it)) s->pin_q = s->pin_k = -1;
            else if (session__pair_in(rd, it, f, RUN_MAX_KEYS - 1, RUN_MAX_KEYS - 1, &a, &b)) {
                s->pin_q = a;
                s->pin_k = b;
            }
        } else if (!strcmp(f, "zoom")) {
            if (cJSON_IsNumber(it) && it->valuedouble >= 1.0 && it->valuedouble <= SESSION_ZOOM_MAX)
                s->zoom = (float)it->valuedouble;
            else
                session__report(rd, f, "expected a number from 1 to %g; skipped",
                                (double)SESSION_ZOOM_MAX);
        } else if (!strcmp(f, "zoom_origin")) {
            if (session__pair_in(rd, it, f, RUN_MAX_KEYS - 1, RUN_MAX_KEYS - 1, &a, &b)) {
                s->zoom_row = a;
                s->zoom_col = b;
            }
        } else if (!strcmp(f, "colormap")) {
            int c = cJSON_IsString(it) ? colormap_find(it->valuestring) : -1;
            if (c >= 0) s->cmap = c;
            else session__report(rd, f, "unknown colormap; skipped (viridis, magma, inferno, "
                                 "cividis, slides)");
        } else if (!strcmp(f, "theme")) {
            if ((i = session__enum(rd, it, f, themes, 2)) >= 0) s->white = i == 1;
        } else if (!strcmp(f, "qk_before_rope")) {
            if (cJSON_IsBool(it)) s->pre_rope = cJSON_IsTrue(it);
            else session__report(rd, f, "expected true or false; skipped");
        } else {
            session__report(rd, f, "unknown field; skipped");
        }
    }
}

/* Sets s->text from a "text" (JSON string) or "text_base64" item. Returns
 * true when it did. */
static bool session__read_text(SessionReader *rd, const cJSON *it, bool b64) {
    const char *f = b64 ? "text_base64" : "text";
    if (!cJSON_IsString(it)) {
        session__report(rd, f, "expected a string; skipped");
        return false;
    }
    size_t n = strlen(it->valuestring);
    char *dec = NULL;
    if (b64 && !(dec = session__b64_decode(it->valuestring, &n))) {
        session__report(rd, f, "not valid base64; skipped");
        return false;
    }
    bool ok = session_set_text(rd->s, dec ? dec : it->valuestring, n) == 0;
    if (!ok) session__report(rd, f, "out of memory; skipped");
    free(dec);
    return ok;
}

/* The end of the JSON string whose opening quote is at json[i] (the index
 * of its closing quote), or len when it is cut short. */
static size_t session__string_end(const char *json, size_t len, size_t i) {
    for (i++; i < len; i++) {
        if (json[i] == '\\') i++;
        else if (json[i] == '"') return i;
    }
    return len;
}

/* For a document cJSON rejects (cut short, or broken elsewhere): finds the
 * "text" or "text_base64" member by a lexical scan that steps over strings,
 * and decodes its value; a value cut short keeps what came before the cut.
 * Returns true when s->text was set. */
static bool session__salvage_text(Session *s, const char *json, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (json[i] != '"') continue;
        size_t e = session__string_end(json, len, i);
        size_t klen = e - i - 1;
        bool is_text = klen == 4 && !memcmp(json + i + 1, "text", 4);
        bool is_b64 = klen == 11 && !memcmp(json + i + 1, "text_base64", 11);
        size_t j = e + 1;
        while (j < len && strchr(" \t\r\n", json[j])) j++;
        if ((is_text || is_b64) && j < len && json[j] == ':') {
            for (j++; j < len && strchr(" \t\r\n", json[j]); j++) {}
            if (j >= len || json[j] != '"') return false;
            size_t ve = session__string_end(json, len, j);
            /* re-parse the value alone; when cut, drop escapes until it parses */
            size_t n = ve - j - 1;
            char *lit = malloc(n + 3);
            if (!lit) return false;
            bool ok = false;
            for (int tries = 0; tries < 4 && !ok; tries++) {
                lit[0] = '"';
                memcpy(lit + 1, json + j + 1, n);
                lit[n + 1] = '"';
                lit[n + 2] = '\0';
                cJSON *v = cJSON_ParseWithLength(lit, n + 2);
                SessionReader rd = {s, NULL, "", ""};
                if (cJSON_IsString(v)) ok = session__read_text(&rd, v, is_b64);
                cJSON_Delete(v);
                if (ok || ve < len) break;
                /* cut inside an escape: retry without the last backslash on */
                size_t bs = n;
                while (bs > 0 && json[j + bs] != '\\') bs--; /* value byte bs - 1 */
                if (bs > 0) n = bs - 1;
                else if (is_b64 && n > 0) n--;
                else break;
            }
            free(lit);
            return ok;
        }
        i = e;
    }
    return false;
}

int session_from_json(Session *s, const char *json, size_t len, const char *name,
                      SessionReport *rep, EngineError *err) {
    if (rep) memset(rep, 0, sizeof *rep);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        int line = 1;
        for (const char *p = json; end && p < end && p < json + len; p++) line += *p == '\n';
        bool got = session__salvage_text(s, json, len);
        if (rep) rep->text_recovered = got;
        return engine_fail(err, "%s: not valid JSON (line %d)%s; HINT: a session is a JSON "
                           "object (docs/session-format.md)", name, line,
                           got ? "; its text was recovered" : "");
    }
    SessionReader rd = {s, rep, name, ""};
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return engine_fail(err, "%s: not an attnscope session (the top level is not an "
                           "object); HINT: docs/session-format.md", name);
    }
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (fmt && !(cJSON_IsString(fmt) && !strcmp(fmt->valuestring, SESSION_FORMAT))) {
        cJSON_Delete(root);
        return engine_fail(err, "%s: not an attnscope session (\"format\" is not \"%s\"); "
                           "HINT: open a file saved with Ctrl+S", name, SESSION_FORMAT);
    }
    if (!fmt) session__report(&rd, "format", "missing; read as \"%s\"", SESSION_FORMAT);
    for (const char *p = end; p && p < json + len; p++)
        if (!strchr(" \t\r\n", *p)) {
            session__report(&rd, "(end)", "bytes after the closing brace; ignored");
            break;
        }
    for (const cJSON *it = root->child; it; it = it->next) {
        const char *f = it->string;
        rd.group = "";
        if (!strcmp(f, "format")) {
        } else if (!strcmp(f, "version")) {
            int v;
            if (session__int(&rd, it, f, 1, 1000000, &v)) {
                s->version = v;
                if (v > SESSION_VERSION)
                    session__report(&rd, f, "%d is newer than this attnscope's %d; fields it "
                                    "does not know are skipped", v, SESSION_VERSION);
            }
        } else if (!strcmp(f, "model")) {
            if (cJSON_IsString(it) && strlen(it->valuestring) < sizeof s->model_path)
                snprintf(s->model_path, sizeof s->model_path, "%s", it->valuestring);
            else
                session__report(&rd, f, "expected a path shorter than %d bytes; skipped",
                                SESSION_PATH_CAP);
        } else if (!strcmp(f, "text") || !strcmp(f, "text_base64")) {
            session__read_text(&rd, it, f[4] == '_');
        } else if (!strcmp(f, "run") || !strcmp(f, "view")) {
            if (!cJSON_IsObject(it)) {
                session__report(&rd, f, "expected an object; skipped");
                continue;
            }
            rd.group = f[0] == 'r' ? "run." : "view.";
            if (f[0] == 'r') session__read_run(&rd, it);
            else session__read_view(&rd, it);
        } else {
            session__report(&rd, f, "unknown field; skipped");
        }
    }
    cJSON_Delete(root);
    return 0;
}

int session_load(Session *s, const char *path, SessionReport *rep, EngineError *err) {
    if (rep) memset(rep, 0, sizeof *rep);
    if (session_init(s)) return engine_fail(err, "%s: out of memory", path);
    /* the engine's checked reader: regular files only (a FIFO cannot
       block the start), at most SESSION_MAX_BYTES */
    char *buf;
    size_t got;
    if (fileio_read_all(path, SESSION_MAX_BYTES, "give the path of a session .json file", &buf, &got, err))
        return -1;
    int rc = session_from_json(s, buf, got, path, rep, err);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ */
/* saving                                                               */

/* One line for a failed save, with the reason and what to do. */
static int session__save_fail(EngineError *err, const char *path, const char *what, int e) {
    const char *hint = e == ENOSPC || e == EDQUOT || e == EFBIG
                           ? "free some disk space or save to another folder"
                     : e == ENOENT || e == ENOTDIR ? "the folder does not exist: create it or "
                                                     "choose another name"
                     : e == EACCES || e == EPERM || e == EROFS
                           ? "the folder is not writable: choose another folder"
                           : "choose another folder";
    return engine_fail(err, "%s: cannot save the session (%s: %s); HINT: %s; the previous "
                       "file, if any, is unchanged", path, what, strerror(e), hint);
}

int session_save(const Session *s, const char *path, EngineError *err) {
    /* rename would replace a device or FIFO of that name (as root, /dev/sda) */
    struct stat pst;
    if (lstat(path, &pst) == 0 && !S_ISREG(pst.st_mode) && !S_ISLNK(pst.st_mode))
        return engine_fail(err, "%s: not a regular file, so no session is saved over it; HINT: choose a "
                           "file name", path);
    char *json = session_to_json(s);
    if (!json) return engine_fail(err, "%s: out of memory", path);
    size_t len = strlen(json);
    /* the temporary file lives beside the target, so rename is atomic */
    char tmp[SESSION_PATH_CAP + 64];
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    int fd = -1, e = 0;
    static unsigned counter;
    for (int tries = 0; tries < 16 && fd < 0; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int n = snprintf(tmp, sizeof tmp, "%.*s.%s.%ld-%lx.tmp", dir_len, path,
                         path + dir_len, (long)getpid(),
                         (unsigned long)ts.tv_nsec ^ (unsigned long)++counter);
        if (n < 0 || (size_t)n >= sizeof tmp) {
            free(json);
            return engine_fail(err, "%s: path too long; HINT: choose a shorter name", path);
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        e = errno;
        if (fd < 0 && e != EEXIST) break;
    }
    if (fd < 0) {
        free(json);
        return session__save_fail(err, path, "create", e);
    }
    const char *what = NULL;
    for (size_t off = 0; off < len && !what;) {
        ssize_t w = write(fd, json + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            e = w < 0 ? errno : ENOSPC;
            what = "write";
        } else {
            off += (size_t)w;
        }
    }
    free(json);
    if (!what && fsync(fd)) {
        e = errno;
        what = "fsync";
    }
    if (close(fd) && !what) {
        e = errno;
        what = "close";
    }
    if (!what && rename(tmp, path)) {
        e = errno;
        what = "rename";
    }
    if (what) {
        unlink(tmp);
        return session__save_fail(err, path, what, e);
    }
    /* the rename itself is durable once the folder is synced (best effort) */
    char dir[SESSION_PATH_CAP + 2];
    snprintf(dir, sizeof dir, "%.*s", dir_len ? dir_len : 1, dir_len ? path : ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* mkdir -p with mode 0700 for the folders it makes. */
static int session__mkdirs(char *path, EngineError *err) {
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        struct stat st;
        if (mkdir(path, 0700) && errno != EEXIST) {
            int e = errno;
            engine_fail(err, "%s: cannot create the folder: %s; HINT: set XDG_STATE_HOME to "
                        "a writable folder", path, strerror(e));
            *p = c;
            return -1;
        }
        if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
            engine_fail(err, "%s: not a folder; HINT: set XDG_STATE_HOME to a writable folder",
                        path);
            *p = c;
            return -1;
        }
        *p = c;
        if (!c) return 0;
    }
}

int session_autosave_path(char *buf, size_t cap, bool create, EngineError *err) {
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char dir[SESSION_PATH_CAP];
    int n;
    if (state && state[0] == '/') n = snprintf(dir, sizeof dir, "%s/attnscope", state);
    else if (home && home[0] == '/') n = snprintf(dir, sizeof dir, "%s/.local/state/attnscope", home);
    else
        return engine_fail(err, "autosave: neither XDG_STATE_HOME nor HOME is an absolute "
                           "path; HINT: set HOME (or XDG_STATE_HOME)");
    if (n < 0 || (size_t)n >= sizeof dir || (size_t)n + sizeof "/last-session.json" > cap)
        return engine_fail(err, "autosave: the state folder path is too long; HINT: set "
                           "XDG_STATE_HOME to a shorter path");
    if (create && session__mkdirs(dir, err)) return -1;
    snprintf(buf, cap, "%s/last-session.json", dir);
    return 0;
}
