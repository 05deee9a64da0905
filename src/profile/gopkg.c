/* gopkg: a Go function name's package and whose code it is; see gopkg.h. */
#include "cmon/profile/gopkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/profile/profile.h"

size_t cm_go_package_len(const char *name)
{
	/* The package path ends at the first dot after its last slash; a
	 * receiver "(*T)" or type parameters "[...]" come after it and may
	 * hold dots and slashes of their own. */
	size_t end = strcspn(name, "([ ");
	size_t last_slash = 0;
	for (size_t i = 0; i < end; i++)
		if (name[i] == '/')
			last_slash = i + 1;
	const char *dot = memchr(name + last_slash, '.', end - last_slash);
	if (!dot || dot == name + last_slash)
		return 0;
	return (size_t)(dot - name);
}

bool cm_go_package_is_std(const char *pkg, size_t len)
{
	if (len == 0 || (len == 4 && !memcmp(pkg, "main", 4)))
		return false;
	const char *slash = memchr(pkg, '/', len);
	size_t first = slash ? (size_t)(slash - pkg) : len;
	/* the first element: no dot, and only what a package path holds */
	if (memchr(pkg, '.', first))
		return false;
	for (size_t i = 0; i < first; i++) {
		char c = pkg[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool cm_go_file_is_dependency(const char *file)
{
	if (!file || !*file)
		return false;
	if (strstr(file, "/pkg/mod/") || strstr(file, "/vendor/") || !strncmp(file, "vendor/", 7))
		return true;
	/* -trimpath: "github.com/x/y@v1.2.3/z.go" */
	const char *at = strchr(file, '@');
	return at && at[1] == 'v' && at[2] >= '0' && at[2] <= '9';
}

/* pkg[0..len) is module or under it ("example.com/svc/internal/x"). */
static bool under_module(const char *pkg, size_t len, const char *module)
{
	size_t ml = strlen(module);
	while (ml && module[ml - 1] == '/')
		ml--;
	return ml && len >= ml && !memcmp(pkg, module, ml) && (len == ml || pkg[ml] == '/');
}

/* The GOROOT source prefix ("/usr/lib/go-1.19/src/") a runtime function's
 * file shows, as a length into file, or 0. */
static size_t goroot_src_len(const char *name, const char *file)
{
	if (strncmp(name, "runtime.", 8) || !file)
		return 0;
	const char *hit = NULL;
	for (const char *s = file; (s = strstr(s, "/src/runtime/")); s++)
		hit = s;
	return hit ? (size_t)(hit - file) + 5 : 0;
}

/* What one function's file says of its package: -1 nothing, else an owner. */
static int file_owner(const char *file, const char *goroot, size_t glen)
{
	if (!file || !*file)
		return -1;
	if (cm_go_file_is_dependency(file))
		return CM_CODE_DEP;
	if (glen && !strncmp(file, goroot, glen))
		return CM_CODE_STD;
	if (glen && file[0] == '/')
		return CM_CODE_MINE;
	return -1;
}

struct pkg_entry {
	char *pkg;
	int owner; /* -1 until a file tells */
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pkg_entry *)a)->pkg, ((const struct pkg_entry *)b)->pkg);
}

static enum cm_code_owner by_rule(const char *pkg, size_t len, const char *module)
{
	if (len == 4 && !memcmp(pkg, "main", 4))
		return CM_CODE_MINE;
	if (cm_go_package_is_std(pkg, len))
		return CM_CODE_STD;
	if (module)
		return under_module(pkg, len, module) ? CM_CODE_MINE : CM_CODE_DEP;
	return CM_CODE_MINE;
}

/* The decided owner of a package whose files said owner (-1: nothing). */
static enum cm_code_owner decide(const char *pkg, int owner, const char *module)
{
	size_t len = strlen(pkg);
	if (module && ((len == 4 && !memcmp(pkg, "main", 4)) || under_module(pkg, len, module)))
		return CM_CODE_MINE;
	if (owner == CM_CODE_STD || (owner < 0 && cm_go_package_is_std(pkg, len)))
		return CM_CODE_STD;
	if (module)
		return CM_CODE_DEP;
	return owner < 0 ? by_rule(pkg, len, NULL) : (enum cm_code_owner)owner;
}

/* Sorts and folds e[0..n) to one entry a package (a file that tells wins
 * over one that does not; the first telling file wins over later ones). */
static size_t fold_entries(struct pkg_entry *e, size_t n)
{
	qsort(e, n, sizeof(*e), entry_cmp);
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		if (out && !strcmp(e[out - 1].pkg, e[i].pkg)) {
			if (e[out - 1].owner < 0)
				e[out - 1].owner = e[i].owner;
			free(e[i].pkg);
			continue;
		}
		e[out++] = e[i];
	}
	return out;
}

/* In a -trimpath build a file is named by its package's path
 * ("cmon/profgen/main.go"): the first element of package main's files is
 * the main module's, which may have no dot ("cmon"). Its length, or 0. */
static size_t trimmed_main_root(const struct cm_profile *p, const char **root)
{
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct cm_function *f = &p->functions[i];
		if (!f->name || strncmp(f->name, "main.", 5) || !f->filename || f->filename[0] == '/')
			continue;
		const char *slash = strchr(f->filename, '/');
		if (slash && slash != f->filename && !memchr(f->filename, '@', (size_t)(slash - f->filename))) {
			*root = f->filename;
			return (size_t)(slash - f->filename);
		}
	}
	return 0;
}

static int collect(struct pkg_entry *e, size_t *n, const struct cm_profile *p)
{
	const char *goroot = NULL, *root = NULL;
	size_t glen = 0, rlen = trimmed_main_root(p, &root);
	for (size_t i = 0; i < p->nfunctions && !glen; i++)
		if ((glen = goroot_src_len(p->functions[i].name, p->functions[i].filename)))
			goroot = p->functions[i].filename;
	for (size_t i = 0; i < p->nfunctions; i++) {
		const struct cm_function *f = &p->functions[i];
		size_t len = f->name ? cm_go_package_len(f->name) : 0;
		if (!len)
			continue;
		if (!(e[*n].pkg = strndup(f->name, len)))
			return -1;
		int owner = file_owner(f->filename, goroot, glen);
		if (owner < 0 && rlen && len >= rlen && !memcmp(f->name, root, rlen) &&
		    (len == rlen || f->name[rlen] == '/'))
			owner = CM_CODE_MINE;
		e[(*n)++].owner = owner;
	}
	return 0;
}

int cm_code_owners_build(struct cm_code_owners *o, const struct cm_profile *p, const char *module)
{
	memset(o, 0, sizeof(*o));
	if (module && *module && !(o->module = strdup(module)))
		return -1;
	struct pkg_entry *e = calloc(p->nfunctions ? p->nfunctions : 1, sizeof(*e));
	size_t n = 0;
	if (!e || collect(e, &n, p) < 0)
		goto oom;
	n = fold_entries(e, n);
	o->pkgs = malloc((n ? n : 1) * sizeof(*o->pkgs));
	o->owner = malloc((n ? n : 1) * sizeof(*o->owner));
	if (!o->pkgs || !o->owner)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		o->pkgs[i] = e[i].pkg;
		o->owner[i] = decide(e[i].pkg, e[i].owner, o->module);
	}
	o->n = n;
	free(e);
	return 0;
oom:
	for (size_t i = 0; e && i < n; i++)
		free(e[i].pkg);
	free(e);
	cm_code_owners_free(o);
	return -1;
}

void cm_code_owners_free(struct cm_code_owners *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->pkgs[i]);
	free(o->pkgs);
	free(o->owner);
	free(o->module);
	memset(o, 0, sizeof(*o));
}

enum cm_code_owner cm_code_owner_of(const struct cm_code_owners *o, const char *name)
{
	size_t len = cm_go_package_len(name);
	if (!len)
		return CM_CODE_MINE;
	size_t lo = 0, hi = o->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(o->pkgs[mid], name, len);
		if (c == 0 && o->pkgs[mid][len])
			c = 1;
		if (c == 0)
			return o->owner[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a name the profile's functions did not have (a node named by file) */
	return by_rule(name, len, o->module);
}

/* Appends s to buf (room checked by the caller's sizing), escaping what a
 * Go regex would read as syntax. */
static char *put_quoted(char *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\.+*?()|[]{}^$", *s))
			*out++ = '\\';
		*out++ = *s;
	}
	return out;
}

char *cm_code_owners_std_regex(const struct cm_code_owners *o, bool *oom)
{
	*oom = false;
	size_t room = sizeof("^(?:)\\.");
	size_t nstd = 0;
	for (size_t i = 0; i < o->n; i++)
		if (o->owner[i] == CM_CODE_STD) {
			room += 2 * strlen(o->pkgs[i]) + 1;
			nstd++;
		}
	if (!nstd)
		return NULL;
	char *re = malloc(room), *out = re;
	if (!re) {
		*oom = true;
		return NULL;
	}
	out += sprintf(out, "^(?:");
	for (size_t i = 0, k = 0; i < o->n; i++) {
		if (o->owner[i] != CM_CODE_STD)
			continue;
		if (k++)
			*out++ = '|';
		out = put_quoted(out, o->pkgs[i]);
	}
	strcpy(out, ")\\.");
	return re;
}
