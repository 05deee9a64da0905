/* names: function names as pprof shows them. pprof's symbolizer demangles
 * C++ names (internal/symbolizer Demangle, through
 * github.com/ianlancetaylor/demangle); cmon uses libiberty's demangler
 * (binutils') for the same job and simplifies its output the same way.
 * Its graph views shorten names (internal/graph ShortenFunctionName). */
#ifndef CMON_NAMES_H
#define CMON_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/profile/profile.h"

/* What -symbolize asks of the demangler (pprof's demanglerMode). */
enum cm_demangle_mode {
	CM_DEMANGLE_DEFAULT,   /* no parameters, no template arguments */
	CM_DEMANGLE_TEMPLATES, /* "demangle=templates": no parameters */
	CM_DEMANGLE_FULL,      /* "demangle=full": everything but clone suffixes */
	CM_DEMANGLE_ALL,       /* "demangle=none": pprof passes no option, so
				* this is everything, clone suffixes too */
};

struct cm_symbolize {
	bool off;   /* -symbolize=none (or no): names are left as they are */
	bool force; /* ":force", or any demangle=: names that look demangled
		     * already are demangled again from their system name */
	enum cm_demangle_mode mode;
};

/* Parses pprof's -symbolize value (NULL or "" is the default). Options it
 * does not know are ignored, as pprof ignores them; then the two lines pprof
 * prints about it are written into warn (else warn is ""). */
void cm_symbolize_parse(const char *spec, struct cm_symbolize *out, char *warn, size_t warnlen);

/* pprof's Demangle over every function of p: a function with no Name, or
 * with Name equal to its SystemName, gets the demangled SystemName, or the
 * SystemName simplified when it already looks like demangled C++. New names
 * go into p's arena. Returns -1 when memory runs out. */
int cm_profile_demangle(struct cm_profile *p, const struct cm_symbolize *s);

/* The name pprof gives a function whose Name is empty or its SystemName,
 * into out (always NUL-terminated; a longer name is cut). */
void cm_demangle_name(const char *system_name, enum cm_demangle_mode mode, char *out,
		      size_t outlen);

#endif
