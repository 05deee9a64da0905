/* gopkg: which Go package a function name belongs to, and whose code it
 * is: the standard library's, a dependency's, or the program's own (the
 * viewer's "my code"). Pure string work on names and file names as they
 * appear in profiles; nothing is read from disk. */
#ifndef CMON_GOPKG_H
#define CMON_GOPKG_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the package path that starts a Go function name:
 * "net/http.(*conn).serve" -> 8 ("net/http"), "main.main" -> 4,
 * "github.com/x/y.(*T[go.shape.int]).M" -> 14. Receivers and type
 * parameters are not looked into. 0 when the name has no package (a C or
 * C++ symbol, an address, ""). A package path with a dot in its last
 * element ("gopkg.in/yaml.v3.Marshal") is cut at that dot: "gopkg.in/yaml";
 * the classification below does not depend on that last element. */
size_t cm_go_package_len(const char *name);

/* True when the package (pkg[0..len)) is the standard library's: Go's rule
 * that no standard package path has a dot in its first element, except
 * "main", the program's own. Also the runtime's generated names
 * ("type..eq.main.T": package "type"). */
bool cm_go_package_is_std(const char *pkg, size_t len);

/* True when a source file name is a dependency's: under a module cache
 * (".../pkg/mod/..."), a vendor directory, or, in a -trimpath build, a
 * "module@version/" path. */
bool cm_go_file_is_dependency(const char *file);

enum cm_code_owner {
	CM_CODE_MINE,  /* the program's own module, or not a Go name at all */
	CM_CODE_STD,   /* the standard library (runtime included) */
	CM_CODE_DEP,   /* another module */
};

struct cm_profile;

/* Whose code each package of one profile is. Without a module path, the
 * function's files decide where they can: a file under the GOROOT that
 * the runtime's files show is the standard library's, a file under a
 * module cache, vendor/ or module@version/ a dependency's, another
 * absolute path the program's own (a module named "demo" has no dot); in
 * a -trimpath build, packages that share the first path element of
 * package main's files are the program's; packages with no telling file
 * follow cm_go_package_is_std. With a
 * module path (-module=PREFIX), package main and packages under it are
 * the program's, standard ones (as above) the library's, others
 * dependencies. Owns its memory; the profile need not outlive it. */
struct cm_code_owners {
	char **pkgs;                 /* sorted package paths */
	enum cm_code_owner *owner;   /* per pkgs[i] */
	size_t n;
	char *module;                /* NULL when none */
};

/* Builds o for p's functions. 0, or -1 when memory runs out (o is then
 * empty and may be freed). */
int cm_code_owners_build(struct cm_code_owners *o, const struct cm_profile *p, const char *module);
void cm_code_owners_free(struct cm_code_owners *o);

/* Whose code the function name is. */
enum cm_code_owner cm_code_owner_of(const struct cm_code_owners *o, const char *name);

/* A Go regex matching the names of every standard-library function of the
 * profile ("^(?:net/http|runtime|sync)\."), for -hide; NULL when there
 * are none, or when memory runs out (*oom set). The caller frees it. */
char *cm_code_owners_std_regex(const struct cm_code_owners *o, bool *oom);

#endif
