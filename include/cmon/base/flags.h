/* flags: Go's flag syntax (-f, --f, -f=v, -f v; bools take -f=false), so
 * command lines written for go tool pprof and expvarmon work unchanged.
 * Flags and positional arguments may be interleaved; "--" ends the flags. */
#ifndef CMON_FLAGS_H
#define CMON_FLAGS_H

#include <stdbool.h>
#include <stdio.h>

enum cm_flag_kind {
	CM_FLAG_BOOL,
	CM_FLAG_STRING,
	CM_FLAG_INT,
	CM_FLAG_DOUBLE,
	CM_FLAG_SIZE,
	CM_FLAG_LIST, /* a string each time the flag is given, kept in order */
};

/* A CM_FLAG_LIST's values (pointing into argv); one given more than
 * CM_FLAG_LIST_MAX times is an error. */
#define CM_FLAG_LIST_MAX 32
struct cm_flag_list {
	const char *v[CM_FLAG_LIST_MAX];
	size_t n;
};

struct cm_flag {
	const char *name;
	enum cm_flag_kind kind;
	void *target;     /* bool*, const char**, int*, double*, unsigned long long*,
			   * struct cm_flag_list* */
	const char *arg;  /* placeholder in help, e.g. "regex" */
	const char *help; /* NULL: an alias, left out of the listing */
};

/* Parses argv[0..argc) (no program name). Positional arguments are moved to
 * the front of argv in order and their count returned; -1 on a bad flag, with
 * a message quoting it in err. Strings point into argv. */
int cm_flags_parse(const struct cm_flag *flags, size_t nflags, int argc, char **argv,
		   char *err, size_t errlen);

/* Prints one line per flag with help: "  -name arg   help". */
void cm_flags_print(const struct cm_flag *flags, size_t nflags, FILE *out);

#endif
