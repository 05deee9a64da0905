/* gounicode: the tables of Go's unicode package that Go's regexp parser
 * consults, generated from the Go that go tool pprof is built with
 * (scripts/gen-gounicode.go writes src/base/gounicode.c), so that goregex
 * folds case and names classes exactly as Go does. */
#ifndef CMON_GOUNICODE_H
#define CMON_GOUNICODE_H

#include <stddef.h>
#include <stdint.h>

/* unicode.Version of the Go the tables come from. */
extern const char cm_go_unicode_version[];

/* {r, unicode.SimpleFold(r)} for every rune that folds, sorted by r. */
extern const uint32_t cm_go_fold_pairs[][2];
extern const size_t cm_go_fold_npairs;

/* The names of unicode.Categories and unicode.Scripts, NULL-terminated. */
extern const char *const cm_go_categories[];
extern const char *const cm_go_scripts[];

/* unicode.FoldCategory and unicode.FoldScript: the runes outside the named
 * table that fold into it. ranges holds n pairs lo, hi. The list ends with
 * a NULL name. */
struct cm_go_fold_table {
	const char *name;
	const uint32_t *ranges;
	size_t n;
};
extern const struct cm_go_fold_table cm_go_fold_tables[];

#endif
