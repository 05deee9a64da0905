/* names: pprof's demangling (internal/symbolizer/symbolizer.go, Demangle)
 * on libiberty's C++ demangler, and pprof's ShortenFunctionName
 * (internal/graph/graph.go) written out as plain scans of its regexes. */
#include "cmon/profile/names.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "cmon/base/strbuf.h"

/* libiberty keeps two components per byte of the name on the stack (a
 * variable-length array): a hostile 1 MB name would overflow it. Longer
 * names are left mangled; real ones stay far below this. */
#define DEMANGLE_MAX_LEN 16384
/* Substitutions let a short mangled name expand without bound: a longer
 * result is not taken. */
#define DEMANGLED_MAX_LEN (1u << 20)

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Go's \w, ASCII only, whatever the locale. */
static bool is_word(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

/* ---- -symbolize ---- */

static bool option_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncmp(s, word, n);
}

void cm_symbolize_parse(const char *spec, struct cm_symbolize *out, char *warn, size_t warnlen)
{
	*out = (struct cm_symbolize){0};
	if (warnlen)
		warn[0] = '\0';
	if (!spec)
		return;
	char low[256];
	snprintf(low, sizeof(low), "%s", spec);
	for (char *c = low; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	for (const char *o = low, *end; ; o = end + 1) {
		end = strchr(o, ':');
		size_t n = end ? (size_t)(end - o) : strlen(o);
		const char *d = !strncmp(o, "demangle=", 9) && n >= 9 ? o + 9 : o;
		size_t dn = n - (size_t)(d - o);
		if (option_is(o, n, "none") || option_is(o, n, "no")) {
			out->off = true;
			return; /* pprof returns at once: later options do not matter */
		} else if (option_is(o, n, "force")) {
			out->force = true;
		} else if (option_is(d, dn, "full") || option_is(d, dn, "templates") ||
			   option_is(d, dn, "none")) {
			out->mode = *d == 'f' ? CM_DEMANGLE_FULL : *d == 't' ? CM_DEMANGLE_TEMPLATES
				  : CM_DEMANGLE_ALL;
			out->force = true;
		} else if (n && !option_is(o, n, "local") && !option_is(o, n, "fastlocal") &&
			   !option_is(o, n, "remote") && !option_is(d, dn, "default") && warnlen) {
			snprintf(warn, warnlen,
				 "ignoring unrecognized symbolization option: %s\n"
				 "expecting -symbolize=[local|fastlocal|remote|none][:force]"
				 "[:demangle=[none|full|templates|default]",
				 spec);
		}
		if (!end)
			return;
	}
}

/* ---- pprof's heuristics for names that are not mangled ---- */

/* looksLikeDemangledCPlusPlus: Java's "class.<init>" and Go's
 * "foo.(*Bar[...]).Method" are not C++. */
static bool looks_like_demangled_cpp(const char *s)
{
	if (strstr(s, ".<") || strstr(s, "])."))
		return false;
	return strpbrk(s, "<>[]") || strstr(s, "::");
}

/* removeMatching: removes nested start..end groups in place, exactly as
 * pprof does, including its early return (with the groups removed so far)
 * when an end comes without a start. */
static void remove_matching(char *name, char start, char end)
{
	size_t nesting = 0, first = 0;
	for (size_t cur = 0; name[cur]; cur++) {
		if (name[cur] == start) {
			if (++nesting == 1)
				first = cur;
		} else if (name[cur] == end) {
			if (nesting == 0)
				return;
			if (--nesting == 0) {
				memmove(name + first, name + cur + 1, strlen(name + cur + 1) + 1);
				cur = first - 1; /* wraps to SIZE_MAX at 0: cur++ makes it 0 */
			}
		}
	}
}

/* ---- libiberty ---- */

struct pieces {
	struct cm_strbuf *b;
	bool too_long;
};

static void add_piece(const char *s, size_t n, void *opaque)
{
	struct pieces *pc = opaque;
	if (pc->b->len + n > DEMANGLED_MAX_LEN)
		pc->too_long = true;
	else
		cm_strbuf_add(pc->b, s, n);
}

/* The operators whose names hold '<' or '>': kept whole when template
 * arguments are dropped. Longest first. */
static size_t operator_symbol_len(const char *s)
{
	static const char *ops[] = {"<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "->",
				    "<", ">"};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(s, ops[i], strlen(ops[i])))
			return strlen(ops[i]);
	return 0;
}

/* Drops template argument lists from a demangled name, in place, as
 * ianlancetaylor/demangle's NoTemplateParams does on its tree. Returns
 * false (name unchanged) when the brackets do not balance. */
static size_t operator_at(const char *name, size_t r)
{
	if (strncmp(name + r, "operator", 8) || (r > 0 && is_word(name[r - 1])))
		return 0;
	size_t op = operator_symbol_len(name + r + 8);
	return op ? 8 + op : 0;
}

/* One pass of drop_template_args; writes only when write is set (the
 * output never runs ahead of the input, so in place). */
static bool template_pass(char *name, bool write)
{
	size_t w = 0, depth = 0, parens = 0;
	for (size_t r = 0; name[r]; r++) {
		size_t op = operator_at(name, r);
		/* libiberty parenthesizes expressions in template arguments:
		 * foo<((1)>(2))>; their '<' and '>' are no brackets */
		if (depth > 0 && (name[r] == '(' || (name[r] == ')' && parens > 0))) {
			parens += name[r] == '(' ? 1 : (size_t)-1;
		} else if (parens > 0) {
			continue;
		} else if (op) {
			if (depth == 0 && write)
				memmove(name + w, name + r, op);
			w += depth == 0 ? op : 0;
			r += op - 1;
		} else if (name[r] == '<') {
			/* "operator< <int>": libiberty's space goes with the list */
			if (depth++ == 0 && w > 0 && name[w - 1] == ' ' && write)
				w--;
		} else if (name[r] == '>') {
			if (depth-- == 0)
				return false;
		} else if (depth == 0) {
			if (write)
				name[w] = name[r];
			w++;
		}
	}
	if (write)
		name[w] = '\0';
	return depth == 0;
}

/* Drops template argument lists from a demangled name, in place, as
 * ianlancetaylor/demangle's NoTemplateParams does on its tree; the name
 * stays as it is when its brackets do not balance. */
static void drop_template_args(char *name)
{
	if (template_pass(name, false))
		template_pass(name, true);
}

/* Drops " [clone .cold]" suffixes (ianlancetaylor's NoClones). */
static void drop_clone_suffixes(char *name)
{
	char *c;
	while ((c = strstr(name, " [clone ")) && c[strlen(c) - 1] == ']')
		*c = '\0';
}

/* Demangles a C++ name with libiberty into out: 1, or 0 when it is not
 * one (or too long to demangle safely), -1 when memory runs out. */
static int demangle_cpp(const char *sys, enum cm_demangle_mode mode, struct cm_strbuf *out)
{
	if (strncmp(sys, "_Z", 2) && strncmp(sys, "_GLOBAL_", 8))
		return 0;
	if (strlen(sys) > DEMANGLE_MAX_LEN)
		return 0;
	int opts = DMGL_ANSI | (mode == CM_DEMANGLE_FULL || mode == CM_DEMANGLE_ALL ? DMGL_PARAMS : 0);
	struct pieces pc = {out, false};
	if (!cplus_demangle_v3_callback(sys, opts, add_piece, &pc) || pc.too_long || !out->s)
		return 0;
	if (out->oom)
		return -1;
	if (mode == CM_DEMANGLE_DEFAULT)
		drop_template_args(out->s);
	else if (mode == CM_DEMANGLE_FULL)
		drop_clone_suffixes(out->s);
	out->len = strlen(out->s);
	return 1;
}

/* demangleSingleFunction's name for sys into b (empty b: sys as it is).
 * False when memory runs out. */
static bool demangle_into(const char *sys, enum cm_demangle_mode mode, struct cm_strbuf *b)
{
	int d = demangle_cpp(sys, mode, b);
	if (d > 0 && strcmp(b->s, sys))
		return true;
	bool oom = d < 0;
	cm_strbuf_free(b);
	if (oom || !looks_like_demangled_cpp(sys) || mode == CM_DEMANGLE_FULL || mode == CM_DEMANGLE_ALL)
		return !oom;
	/* Not mangled, but looks like demangled C++: pprof simplifies it. */
	cm_strbuf_str(b, sys);
	if (b->oom)
		return false;
	remove_matching(b->s, '(', ')');
	if (mode == CM_DEMANGLE_DEFAULT)
		remove_matching(b->s, '<', '>');
	b->len = strlen(b->s);
	return true;
}

void cm_demangle_name(const char *sys, enum cm_demangle_mode mode, char *out, size_t outlen)
{
	if (!outlen)
		return;
	struct cm_strbuf b = {0};
	snprintf(out, outlen, "%s", demangle_into(sys, mode, &b) && b.s ? b.s : sys);
	cm_strbuf_free(&b);
}

int cm_profile_demangle(struct cm_profile *p, const struct cm_symbolize *s)
{
	if (s->off)
		return 0;
	struct cm_strbuf b = {0};
	for (size_t i = 0; i < p->nfunctions; i++) {
		struct cm_function *f = &p->functions[i];
		if (s->force && *f->name && *f->system_name)
			f->name = f->system_name;
		if (*f->name && strcmp(f->name, f->system_name))
			continue; /* demangled already by whoever wrote the profile */
		if (!demangle_into(f->system_name, s->mode, &b)) {
			cm_strbuf_free(&b);
			return -1;
		}
		const char *name = b.s ? cm_arena_strndup(&p->arena, b.s, b.len) : f->system_name;
		cm_strbuf_free(&b);
		if (!name)
			return -1;
		f->name = name;
	}
	return 0;
}
