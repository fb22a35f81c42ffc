/* unicode.h — the Unicode properties and mappings BERT's BasicTokenizer uses:
 * general-category classes, lowercase (with Final_Sigma), and canonical
 * decomposition (NFD). Tables are generated from Python's unicodedata by
 * tools/unicode/gen_tables.py (see unicode_tables.h for the version).
 */
#ifndef ENGINE_UNICODE_H
#define ENGINE_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Property bits (the generator, tools/unicode/gen_tables.py, uses the same). */
#define UNI_CONTROL 1         /* general category C* (Cc Cf Cn Co Cs) */
#define UNI_ZS 2              /* space separator */
#define UNI_PUNCT 4           /* P* */
#define UNI_MN 8              /* nonspacing mark */
#define UNI_CASED 16          /* Cased, and not Case_Ignorable */
#define UNI_CASE_IGNORABLE 32 /* Case_Ignorable */

/* Property bits of one code point (UNI_CONTROL = category C*, UNI_ZS,
 * UNI_PUNCT = P*, UNI_MN, UNI_CASED, UNI_CASE_IGNORABLE). */
unsigned uni_flags(uint32_t cp);

/* Simple lowercase of cp (cp itself if none). U+0130 is the one code point
 * whose full lowercase is two (U+0069 U+0307); see uni_lower_full. */
uint32_t uni_lower(uint32_t cp);

/* Canonical decomposition of cp, fully recursive (NFD of one code point),
 * into out[0..cap), cap >= 4; returns the length (<= 4, 1 when cp has none). */
int uni_decompose(uint32_t cp, uint32_t *out, int cap);

/* Canonical combining class (0 for starters). */
int uni_ccc(uint32_t cp);

/* Decodes one UTF-8 sequence at s[0..n) (n >= 1, already validated): returns
 * its length and stores the code point. */
int uni_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encodes cp as UTF-8 into out (4 bytes of room); returns the length. */
int uni_encode(uint32_t cp, char *out);

#endif
