#include "cmon/base/flags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct cm_flag *find_flag(const struct cm_flag *flags, size_t n,
				       const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(flags[i].name) == len && !strncmp(flags[i].name, name, len))
			return &flags[i];
	return NULL;
}

/* The edit distance (insertions, deletions, substitutions) between
 * a[0, an) and b, or a value above limit when it is above limit: names are
 * short, so one row of at most FLAG_NAME_MAX + 1 cells does. */
#define FLAG_NAME_MAX 32
static size_t edit_distance(const char *a, size_t an, const char *b, size_t limit)
{
	size_t bn = strlen(b);
	if (an > FLAG_NAME_MAX || bn > FLAG_NAME_MAX)
		return limit + 1;
	size_t row[FLAG_NAME_MAX + 1];
	for (size_t j = 0; j <= bn; j++)
		row[j] = j;
	for (size_t i = 1; i <= an; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= bn; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[bn];
}

/* The listed flag nearest to name[0, len) by edit distance, if it is near
 * enough to be a typo (at most a third of the name, at least 1, at most
 * 3), else NULL. Ties go to the first in the table. */
static const struct cm_flag *nearest_flag(const struct cm_flag *flags, size_t n,
					  const char *name, size_t len)
{
	size_t limit = len / 3 < 1 ? 1 : len / 3 > 3 ? 3 : len / 3;
	const struct cm_flag *best = NULL;
	size_t best_d = limit + 1;
	for (size_t i = 0; i < n; i++) {
		if (!flags[i].help) /* aliases are not suggested */
			continue;
		size_t d = edit_distance(name, len, flags[i].name, limit);
		if (d < best_d) {
			best = &flags[i];
			best_d = d;
		}
	}
	return best;
}

/* True when v is one of the space-separated words. */
static bool word_in(const char *v, const char *words)
{
	size_t n = strlen(v);
	for (const char *w = words; *w;) {
		const char *sp = strchr(w, ' ');
		size_t len = sp ? (size_t)(sp - w) : strlen(w);
		if (n && len == n && !strncmp(v, w, n))
			return true;
		if (!sp)
			break;
		w = sp + 1;
	}
	return false;
}

static int set_value(const struct cm_flag *f, const char *v, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	switch (f->kind) {
	case CM_FLAG_BOOL:
		/* strconv.ParseBool's spellings */
		if (word_in(v, "1 t T TRUE true True"))
			*(bool *)f->target = true;
		else if (word_in(v, "0 f F FALSE false False"))
			*(bool *)f->target = false;
		else
			goto bad;
		return 0;
	case CM_FLAG_STRING:
		*(const char **)f->target = v;
		return 0;
	case CM_FLAG_LIST: {
		struct cm_flag_list *l = f->target;
		if (l->n >= CM_FLAG_LIST_MAX) {
			snprintf(err, errlen, "flag -%s given more than %d times", f->name,
				 CM_FLAG_LIST_MAX);
			return -1;
		}
		l->v[l->n++] = v;
		return 0;
	}
	case CM_FLAG_INT: {
		long x = strtol(v, &end, 10);
		if (!*v || *end || errno || x < -2147483647L || x > 2147483647L)
			goto bad;
		*(int *)f->target = (int)x;
		return 0;
	}
	case CM_FLAG_DOUBLE: {
		double x = strtod(v, &end);
		if (!*v || *end || errno)
			goto bad;
		*(double *)f->target = x;
		return 0;
	}
	case CM_FLAG_SIZE: {
		if (*v < '0' || *v > '9')
			goto bad;
		unsigned long long x = strtoull(v, &end, 10);
		if (errno)
			goto bad;
		/* Accept a binary suffix: 512M, 2G. */
		unsigned long long mul = 1;
		if (*end == 'K' || *end == 'k')
			mul = 1ULL << 10;
		else if (*end == 'M' || *end == 'm')
			mul = 1ULL << 20;
		else if (*end == 'G' || *end == 'g')
			mul = 1ULL << 30;
		if (mul != 1)
			end++;
		if (*end || x > ~0ULL / mul)
			goto bad;
		*(unsigned long long *)f->target = x * mul;
		return 0;
	}
	}
bad: /* Go's flag package's words */
	if (f->kind == CM_FLAG_BOOL)
		snprintf(err, errlen, "invalid boolean value \"%s\" for -%s: parse error", v, f->name);
	else
		snprintf(err, errlen, "invalid value \"%s\" for flag -%s: %s", v, f->name,
			 errno == ERANGE || (f->kind == CM_FLAG_INT && *v && !*end) ? "value out of range"
										     : "parse error");
	return -1;
}

int cm_flags_parse(const struct cm_flag *flags, size_t nflags, int argc, char **argv,
		   char *err, size_t errlen)
{
	int npos = 0;
	bool only_positional = false;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (only_positional || a[0] != '-' || a[1] == '\0') {
			argv[npos++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_positional = true;
			continue;
		}
		const char *name = a + 1 + (a[1] == '-');
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct cm_flag *f = find_flag(flags, nflags, name, len);
		if (!f) {
			const struct cm_flag *near = nearest_flag(flags, nflags, name, len);
			snprintf(err, errlen, "flag provided but not defined: -%.*s%s%s%s", (int)len,
				 name, near ? " (did you mean -" : "", near ? near->name : "",
				 near ? "?)" : "");
			return -1;
		}
		const char *value;
		if (eq) {
			value = eq + 1;
		} else if (f->kind == CM_FLAG_BOOL) {
			value = "true";
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			snprintf(err, errlen, "flag needs an argument: -%s", f->name);
			return -1;
		}
		if (set_value(f, value, err, errlen) < 0)
			return -1;
	}
	return npos;
}

void cm_flags_print(const struct cm_flag *flags, size_t nflags, FILE *out)
{
	for (size_t i = 0; i < nflags; i++) {
		if (!flags[i].help)
			continue; /* an alias, named in its twin's help */
		char left[64];
		snprintf(left, sizeof(left), "-%s%s%s", flags[i].name, flags[i].arg ? " " : "",
			 flags[i].arg ? flags[i].arg : "");
		fprintf(out, "  %-24s %s\n", left, flags[i].help);
	}
}
