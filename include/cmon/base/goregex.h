/* goregex: Go regular expressions (RE2 syntax, as go tool pprof takes them
 * in -focus, -list and the rest), run by PCRE2 with Go's semantics. Only
 * match or no match is asked. */
#ifndef CMON_GOREGEX_H
#define CMON_GOREGEX_H

#include <stdbool.h>
#include <stddef.h>

struct cm_goregex;

/* Compiles pattern. Returns NULL with one line in err when Go refuses the
 * pattern (Go's message: "error parsing regexp: missing closing ): `(`"),
 * when it is longer than cmon accepts, when PCRE2 cannot hold it, or when
 * memory runs out. */
struct cm_goregex *cm_goregex_compile(const char *pattern, char *err, size_t errlen);

/* Whether Go's regexp.MatchString would say s matches. Bytes of s that are
 * not UTF-8 count as U+FFFD each, as in Go. A match that needs more than
 * PCRE2's match limits (a pathological pattern, backtracking
 * exponentially) counts as no match. */
bool cm_goregex_match(struct cm_goregex *re, const char *s);
/* The same for the n bytes at s (no NUL needed; a NUL byte is text). */
bool cm_goregex_match_n(struct cm_goregex *re, const char *s, size_t n);

/* Frees re (NULL is fine). */
void cm_goregex_free(struct cm_goregex *re);

/* The PCRE2 pattern re runs (for tests and debugging). */
const char *cm_goregex_pcre_pattern(const struct cm_goregex *re);

#endif
