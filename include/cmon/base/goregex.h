/* goregex: compiles a Go regular expression (RE2 syntax, as go tool pprof
 * takes in -focus, -list and the rest) into a POSIX regex_t that matches the
 * same names. Only match or no match is supported (REG_NOSUB). */
#ifndef CMON_GOREGEX_H
#define CMON_GOREGEX_H

#include <regex.h>
#include <stddef.h>

/* Returns 0 with re compiled (regfree it), or -1 with one line in err naming
 * what is wrong with the pattern, in Go's words where we can. */
int cm_goregex_compile(regex_t *re, const char *pattern, char *err, size_t errlen);

#endif
