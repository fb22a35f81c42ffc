/* spm_normalize.c — SentencePiece's normalizer: the precompiled_charsmap
 * and the whitespace rules, as sentencepiece 0.1.97's normalizer.cc does it.
 *
 * precompiled_charsmap layout (little-endian):
 *     uint32 trie_size | trie_size bytes: darts-clone double array, uint32
 *     units | replacement strings, each NUL-terminated
 * A unit packs: bits 0-7 the label (bit 31 set on leaf units, so they never
 * match a byte), bit 8 "has a leaf child", bit 9 "offset shifted by 8",
 * bits 10-31 the offset to the children (XOR-ed into the position). A leaf
 * unit's low 31 bits are its value: here the byte offset of a replacement
 * string. Lookup walks the input's bytes from the root and keeps the longest
 * key that ends at a leaf (only the first 32 matches count, as upstream).
 * Every position is checked against the unit count, every value against the
 * strings, so a damaged table gives an error, never a wild read.
 *
 * Normalize(text):
 *   - each step takes the longest user-defined piece at the front (kept
 *     as is), else the longest charsmap key (replaced by its string), else one
 *     UTF-8 character (kept), else one invalid byte (-> U+FFFD);
 *   - remove_extra_whitespaces: leading spaces dropped, a run of spaces kept
 *     as one, trailing spaces dropped;
 *   - add_dummy_prefix: one space in front (at the end when
 *     treat_whitespace_as_suffix);
 *   - escape_whitespaces: every space written as U+2581.
 * norm_to_orig maps each normalized byte to the input byte its step began at.
 */
#include <string.h>

#include "pbwire.h"
#include "spm_internal.h"

#define SPM_MAX_TRIE_RESULTS 32 /* Normalizer::kMaxTrieResultsSize */

static const char SPM_SPACE[] = "\xE2\x96\x81"; /* U+2581 */
static const char SPM_FFFD[] = "\xEF\xBF\xBD";

size_t spm__char_len(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) return 0;
    if (s[0] < 0x80) return 1;
    size_t need;
    uint32_t cp, min;
    if ((s[0] & 0xE0) == 0xC0) need = 2, cp = s[0] & 0x1F, min = 0x80;
    else if ((s[0] & 0xF0) == 0xE0) need = 3, cp = s[0] & 0x0F, min = 0x800;
    else if ((s[0] & 0xF8) == 0xF0) need = 4, cp = s[0] & 0x07, min = 0x10000;
    else return 0;
    if (n < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) return 0;
    return need;
}

/* --------------------------------------------------------------- parsing */

int spm__normalizer_parse(SpmNormalizer *nz, const uint8_t *data, size_t len, const char *path,
                          const char *where, EngineError *err) {
    memset(nz, 0, sizeof *nz);
    nz->present = true;
    nz->add_dummy_prefix = nz->remove_extra_whitespaces = nz->escape_whitespaces = true;
    PbReader r = pb_reader(data, len);
    PbField f;
    const char *why = NULL;
    const uint8_t *map = NULL;
    size_t map_len = 0;
    int rc;
    while ((rc = pb_next(&r, &f, &why)) > 0) {
        bool flag = f.field >= 3 && f.field <= 5;
        if ((f.field == 1 || f.field == 2) && f.wire != PB_LEN) why = "a string field of the wrong wire type";
        if (flag && f.wire != PB_VARINT) why = "a bool field of the wrong wire type";
        if (why) break;
        if (f.field == 1) {
            free(nz->name);
            nz->name = strndup((const char *)f.data, f.len);
            if (!nz->name) return engine_fail(err, "%s: out of memory", path);
        } else if (f.field == 2) {
            map = f.data;
            map_len = f.len;
        } else if (f.field == 3) {
            nz->add_dummy_prefix = f.u != 0;
        } else if (f.field == 4) {
            nz->remove_extra_whitespaces = f.u != 0;
        } else if (f.field == 5) {
            nz->escape_whitespaces = f.u != 0;
        }
    }
    if (rc < 0 || why)
        return engine_fail(err, "%s: not a SentencePiece model: %s in %s; HINT: copy the .spm file again",
                           path, why, where);
    if (map_len == 0) return 0; /* no table: characters pass through */
    if (map_len <= 4)
        return engine_fail(err, "%s: %s.precompiled_charsmap is %zu bytes, too short; HINT: the .spm is "
                           "damaged, copy it again", path, where, map_len);
    uint32_t trie_size = (uint32_t)map[0] | (uint32_t)map[1] << 8 | (uint32_t)map[2] << 16 |
                         (uint32_t)map[3] << 24;
    if (trie_size > map_len - 4 || trie_size < 4)
        return engine_fail(err, "%s: %s.precompiled_charsmap: trie of %u bytes does not fit in %zu; HINT: "
                           "the .spm is damaged, copy it again", path, where, trie_size, map_len);
    nz->n_units = trie_size / 4;
    nz->strings_len = map_len - 4 - trie_size;
    nz->trie = malloc(nz->n_units * sizeof *nz->trie);
    nz->strings = malloc(nz->strings_len + 1);
    if (!nz->trie || !nz->strings) return engine_fail(err, "%s: out of memory", path);
    const uint8_t *u = map + 4;
    for (size_t i = 0; i < nz->n_units; i++, u += 4)
        nz->trie[i] = (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
    memcpy(nz->strings, map + 4 + trie_size, nz->strings_len);
    nz->strings[nz->strings_len] = '\0';
    return 0;
}

void spm__normalizer_free(SpmNormalizer *nz) {
    free(nz->name);
    free(nz->trie);
    free(nz->strings);
    memset(nz, 0, sizeof *nz);
}

/* ----------------------------------------------------------------- trie */

static size_t spm__unit_offset(uint32_t unit) { return (size_t)((unit >> 10) << ((unit & (1u << 9)) >> 6)); }

/* Darts commonPrefixSearch: the longest key that prefixes s[0..n) among the
 * first 32 found; its length (0: none) and value. */
static size_t spm__trie_longest(const SpmNormalizer *nz, const char *s, size_t n, uint32_t *value) {
    if (!nz->trie) return 0;
    size_t pos = spm__unit_offset(nz->trie[0]), best = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        pos ^= c;
        if (pos >= nz->n_units) break;
        uint32_t unit = nz->trie[pos];
        if ((unit & (0x80000000u | 0xFFu)) != c) break;
        pos ^= spm__unit_offset(unit);
        if ((unit >> 8) & 1) {
            if (pos >= nz->n_units) break;
            if (found++ < SPM_MAX_TRIE_RESULTS) {
                best = i + 1;
                *value = nz->trie[pos] & 0x7FFFFFFFu;
            }
        }
    }
    return best;
}

/* ------------------------------------------------------------ normalize */

typedef struct {
    char *s;
    size_t *map;
    size_t n, cap;
} SpmBuf;

static int spm__put(SpmBuf *b, const char *s, size_t n, size_t orig) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) return -1;
        b->s = ns;
        size_t *nm = realloc(b->map, (cap + 1) * sizeof *nm);
        if (!nm) return -1;
        b->map = nm;
        b->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        b->s[b->n] = s[i];
        b->map[b->n++] = orig;
    }
    return 0;
}

/* NormalizePrefix: what the front of s[0..n) (n > 0) becomes (*out, *out_len)
 * and how many input bytes that takes (return value, >= 1; 0 on a damaged
 * table). */
static size_t spm__prefix(const SpmModel *m, const SpmNormalizer *nz, bool with_matcher, const char *s,
                          size_t n, const char **out, size_t *out_len) {
    if (with_matcher && m->max_user_len) {
        for (size_t l = n < m->max_user_len ? n : m->max_user_len; l > 0; l--) {
            int id = spm__find(m, s, l);
            if (id >= 0 && m->type[id] == SPM_USER_DEFINED) {
                *out = s;
                *out_len = l;
                return l;
            }
        }
    }
    uint32_t value = 0;
    size_t l = spm__trie_longest(nz, s, n, &value);
    if (l > 0) {
        if (value >= nz->strings_len) return 0;
        *out = nz->strings + value;
        *out_len = strlen(*out); /* bounded: strings ends with our own NUL */
        return l;
    }
    l = spm__char_len(s, n);
    if (l == 0) {
        *out = SPM_FFFD;
        *out_len = 3;
        return 1;
    }
    *out = s;
    *out_len = l;
    return l;
}

int spm__normalize_with(const SpmModel *m, const SpmNormalizer *nz, bool with_matcher, bool ws_suffix,
                        const char *text, size_t len, char **out, size_t *out_len, size_t **map,
                        EngineError *err) {
    *out = NULL;
    *map = NULL;
    *out_len = 0;
    SpmBuf b = {0};
    const char *p;
    size_t pn, consumed = 0;
    const char *space = nz->escape_whitespaces ? SPM_SPACE : " ";
    size_t space_len = nz->escape_whitespaces ? 3 : 1;
    if (nz->remove_extra_whitespaces) {
        while (consumed < len) {
            size_t k = spm__prefix(m, nz, with_matcher, text + consumed, len - consumed, &p, &pn);
            if (k == 0) goto bad_table;
            if (pn != 1 || p[0] != ' ') break;
            consumed += k;
        }
    }
    if (consumed < len) {
        if (!ws_suffix && nz->add_dummy_prefix && spm__put(&b, space, space_len, consumed)) goto oom;
        bool prev_space = nz->remove_extra_whitespaces;
        while (consumed < len) {
            size_t k = spm__prefix(m, nz, with_matcher, text + consumed, len - consumed, &p, &pn);
            if (k == 0) goto bad_table;
            while (prev_space && pn > 0 && p[0] == ' ') p++, pn--;
            if (pn > 0) {
                for (size_t i = 0; i < pn; i++) {
                    bool sp = nz->escape_whitespaces && p[i] == ' ';
                    if (spm__put(&b, sp ? SPM_SPACE : p + i, sp ? 3 : 1, consumed)) goto oom;
                }
                prev_space = p[pn - 1] == ' ';
            }
            consumed += k;
            if (!nz->remove_extra_whitespaces) prev_space = false;
        }
        if (nz->remove_extra_whitespaces) {
            while (b.n >= space_len && !memcmp(b.s + b.n - space_len, space, space_len)) {
                b.n -= space_len;
                consumed = b.map[b.n];
            }
        }
        if (ws_suffix && nz->add_dummy_prefix && spm__put(&b, space, space_len, consumed)) goto oom;
    }
    if (spm__put(&b, "", 0, 0)) goto oom; /* room for the NUL and the last map entry */
    b.s[b.n] = '\0';
    b.map[b.n] = consumed;
    *out = b.s;
    *out_len = b.n;
    *map = b.map;
    return 0;
oom:
    free(b.s);
    free(b.map);
    return engine_fail(err, "text: out of memory normalizing %zu bytes", len);
bad_table:
    free(b.s);
    free(b.map);
    return engine_fail(err, "precompiled_charsmap: an entry points past its strings; HINT: the .spm is "
                       "damaged, copy it again");
}

int spm_normalize(const SpmModel *m, const char *text, size_t len, char **out, size_t *out_len,
                  size_t **map, EngineError *err) {
    ENGINE_ASSERT(m && (text || len == 0));
    return spm__normalize_with(m, &m->norm, true, m->ws_suffix, text ? text : "", len, out, out_len, map,
                               err);
}
