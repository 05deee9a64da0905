/* report_disasm: `go tool pprof -disasm=REGEX`, after report.go's
 * PrintAssembly with cmd/pprof's objTool (Go's own object tools, which
 * go tool pprof uses in place of binutils).
 *
 * The graph is built on addresses without inline frames (cm_report_prepare
 * forces both). Mappings with a node whose printable name matches the regex
 * are the binaries to read; their symbols matching the regex (and covering
 * the address, when the regex reads as a number) that hold sampled
 * addresses are printed, sorted by name, each with its instructions and the
 * samples summed per instruction. The binaries themselves are read by the
 * caller's struct cm_objtool: this file only parses what it returns. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/base/pathutil.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

/* ---- parsing the tools' output ---- */

/* The next line of text[*pos..len), without its '\n'; false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	if (*pos >= len)
		return false;
	const char *s = text + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	*n = nl ? (size_t)(nl - s) : len - *pos;
	*line = s;
	*pos += *n + (nl != NULL);
	return true;
}

/* strtoull over exactly s[0..n) in base; false unless all of it is digits
 * and the value fits 64 bits. */
static bool parse_u64(const char *s, size_t n, int base, uint64_t *v)
{
	if (n == 0 || n > 64)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0'
		      : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
		      : s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : 99;
		if (d >= base || x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	*v = x;
	return true;
}

static size_t skip_byte(const char *s, size_t i, size_t n, char c)
{
	while (i < n && s[i] == c)
		i++;
	return i;
}

static size_t span_until(const char *s, size_t i, size_t n, char c)
{
	while (i < n && s[i] != c)
		i++;
	return i;
}

/* One line "%8x %10d %c %s" (address blank for 'U'). */
static bool nm_line(const char *s, size_t n, struct cm_nm_sym *sym, size_t *name_at)
{
	size_t i = 0;
	bool blank = n >= 8 && !memcmp(s, "        ", 8);
	sym->addr = 0;
	if (!blank) {
		i = skip_byte(s, 0, n, ' ');
		size_t e = span_until(s, i, n, ' ');
		if (!parse_u64(s + i, e - i, 16, &sym->addr))
			return false;
		i = e;
	}
	i = skip_byte(s, i, n, ' ');
	size_t e = span_until(s, i, n, ' ');
	bool neg = e > i && s[i] == '-';
	uint64_t size;
	if (!parse_u64(s + i + neg, e - i - neg, 10, &size) || size > (uint64_t)INT64_MAX)
		return false;
	sym->size = neg ? -(int64_t)size : (int64_t)size;
	if (e + 3 > n || s[e] != ' ' || s[e + 2] != ' ')
		return false;
	sym->code = s[e + 1];
	*name_at = e + 3;
	return true;
}

/* An array with one element per line of text (and one more), or NULL. */
static void *per_line_array(const char *text, size_t len, struct cm_arena *a, size_t size)
{
	size_t pos = 0, n, count = 0;
	const char *line;
	while (next_line(text, len, &pos, &line, &n))
		count++;
	return cm_arena_array(a, count + 1, size);
}

long cm_nm_parse(const char *text, size_t len, struct cm_arena *a, struct cm_nm_sym **syms)
{
	size_t pos = 0, n;
	const char *line;
	if (!(*syms = per_line_array(text, len, a, sizeof(**syms))))
		return -1;
	long k = 0;
	while (next_line(text, len, &pos, &line, &n)) {
		struct cm_nm_sym *s = &(*syms)[k];
		size_t at;
		if (!nm_line(line, n, s, &at))
			continue;
		if (!(s->name = cm_arena_strndup(a, line + at, n - at)))
			return -1;
		k++;
	}
	return k;
}

/* "  FILE:LINE\t+0xADDR\t+HEX\t+TEXT\t*" */
static bool objdump_line(const char *s, size_t n, struct cm_asm_inst *in, size_t fl[2],
			 size_t tx[2])
{
	if (n < 3 || s[0] != ' ' || s[1] != ' ')
		return false;
	size_t tab = span_until(s, 2, n, '\t');
	size_t colon = tab;
	while (colon > 2 && s[colon - 1] != ':')
		colon--;
	if (colon == 2 || !parse_u64(s + colon, tab - colon, 10, (uint64_t *)&in->line) ||
	    in->line < 0)
		return false;
	fl[0] = 2, fl[1] = colon - 1;
	size_t i = skip_byte(s, tab, n, '\t');
	size_t e = span_until(s, i, n, '\t');
	if (e - i < 3 || s[i] != '0' || s[i + 1] != 'x' || !parse_u64(s + i + 2, e - i - 2, 16, &in->addr))
		return false;
	i = span_until(s, skip_byte(s, e, n, '\t'), n, '\t'); /* the bytes */
	i = skip_byte(s, i, n, '\t');
	e = n;
	while (e > i && s[e - 1] == '\t')
		e--;
	tx[0] = i, tx[1] = e;
	return true;
}

long cm_objdump_parse(const char *text, size_t len, uint64_t start, uint64_t end,
		      struct cm_arena *a, struct cm_asm_inst **insts)
{
	size_t pos = 0, n;
	const char *line;
	if (!(*insts = per_line_array(text, len, a, sizeof(**insts))))
		return -1;
	long k = 0;
	int blocks = 0;
	while (next_line(text, len, &pos, &line, &n)) {
		if (n >= 5 && !memcmp(line, "TEXT ", 5) && ++blocks > 1)
			break; /* the range's own symbol is the first */
		struct cm_asm_inst *in = &(*insts)[k];
		size_t fl[2], tx[2];
		if (!objdump_line(line, n, in, fl, tx) || in->addr < start || in->addr >= end)
			continue;
		if (!(in->file = cm_arena_strndup(a, line + fl[0], fl[1] - fl[0])) ||
		    !(in->text = cm_arena_strndup(a, line + tx[0], tx[1] - tx[0])))
			return -1;
		k++;
	}
	return k;
}

/* ---- the report ---- */

struct dsym {
	const char *name, *file; /* file: the mapping's, to disassemble */
	uint64_t start, end;     /* end: the last byte, as pprof's Sym.End */
	uint32_t *nodes;         /* sampled nodes in [start, end) */
	size_t nnodes;
};

struct disasm {
	struct cm_report *r;
	struct cm_nodes nodes;
	struct cm_graph g;
	struct cm_goregex *re;
	bool has_address;
	uint64_t address;
	struct cm_arena arena; /* symbols, tool output */
	struct dsym *syms;
	size_t nsyms, cap;
};

/* strconv.ParseUint(s, 0, 64) (without Go's digit separators). */
static bool regex_address(const char *s, uint64_t *v)
{
	size_t n = strlen(s);
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_u64(s + 2, n - 2, 16, v);
	if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		return parse_u64(s + 2, n - 2, 8, v);
	if (n > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return parse_u64(s + 2, n - 2, 2, v);
	if (n > 1 && s[0] == '0')
		return parse_u64(s + 1, n - 1, 8, v);
	return parse_u64(s, n, 10, v);
}

static bool matches(const struct disasm *d, const char *s)
{
	return cm_goregex_match(d->re, s);
}

/* nodesPerSymbol for one symbol: the graph's nodes in [start, end). */
static int collect_nodes(struct disasm *d, struct dsym *s)
{
	const struct cm_graph *g = &d->g;
	for (size_t i = 0; i < g->nmembers; i++) {
		uint64_t addr = d->nodes.info[g->members[i]].address;
		if (addr >= s->start && addr < s->end)
			s->nnodes++;
	}
	if (!s->nnodes)
		return 0;
	if (!(s->nodes = cm_arena_array(&d->arena, s->nnodes, sizeof(*s->nodes))))
		return -1;
	s->nnodes = 0;
	for (size_t i = 0; i < g->nmembers; i++) {
		uint64_t addr = d->nodes.info[g->members[i]].address;
		if (addr >= s->start && addr < s->end)
			s->nodes[s->nnodes++] = g->members[i];
	}
	return 0;
}

/* cmd/pprof's file.Symbols: the matching symbols of one binary (those
 * with samples kept). */
static int add_symbols(struct disasm *d, const char *file, const struct cm_nm_sym *ns, long n)
{
	for (long i = 0; i < n; i++) {
		const struct cm_nm_sym *s = &ns[i];
		uint64_t size = (uint64_t)s->size;
		if ((s->addr == 0 && size == 0) || !matches(d, s->name))
			continue;
		if (d->has_address && d->address &&
		    !(s->addr <= d->address && d->address < s->addr + size))
			continue;
		if (d->nsyms == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 16;
			struct dsym *m = realloc(d->syms, cap * sizeof(*m));
			if (!m)
				return -1;
			d->syms = m, d->cap = cap;
		}
		struct dsym *ds = &d->syms[d->nsyms];
		*ds = (struct dsym){s->name, file, s->addr, s->addr + size - 1, NULL, 0};
		if (collect_nodes(d, ds) < 0)
			return -1;
		if (ds->nnodes)
			d->nsyms++;
	}
	return 0;
}

/* symbolsFromBinaries: the mappings with matching samples (or holding the
 * address), their symbols through the objtool. Open failures print on out,
 * as pprof prints them. */
static int symbols_from_binaries(struct disasm *d, FILE *out, char *err, size_t errlen)
{
	const struct cm_profile *p = d->r->p;
	const struct cm_objtool *tool = d->r->opts.objtool;
	for (size_t m = 0; m < p->nmappings; m++) {
		const struct cm_mapping *mp = &p->mappings[m];
		bool sampled = false;
		for (size_t i = 0; i < d->g.nmembers && !sampled; i++) {
			const struct cm_node_info *ni = &d->nodes.info[d->g.members[i]];
			sampled = *ni->objfile && !strcmp(ni->objfile, mp->file) &&
				  matches(d, d->nodes.printable[d->g.members[i]]);
		}
		if (!sampled && !(d->has_address && mp->start <= d->address && d->address <= mp->limit))
			continue;
		char *text = NULL, msg[512];
		size_t len = 0;
		int rc = tool ? tool->symbols(tool->ctx, mp->file, &text, &len, msg, sizeof(msg)) : -1;
		if (rc == -2) {
			snprintf(err, errlen, "%s", msg);
			return -1;
		}
		if (rc == 1)
			fprintf(out, "%s\n", msg);
		if (rc != 0)
			continue;
		struct cm_nm_sym *ns;
		long n = cm_nm_parse(text, len, &d->arena, &ns);
		free(text);
		if (n < 0 || add_symbols(d, mp->file, ns, n) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct dsym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->start < y->start ? -1 : x->start > y->start;
}

static int node_addr_cmp(const void *ctx, uint32_t a, uint32_t b)
{
	const struct cm_nodes *n = ctx;
	uint64_t x = n->info[a].address, y = n->info[b].address;
	if (x != y)
		return x < y ? -1 : 1;
	return cm_node_info_cmp(&n->info[a], &n->info[b]);
}

/* One instruction of annotateAssembly, with its samples summed. */
struct ainst {
	const char *function, *file;
	int64_t line, flat, cum, flat_div, cum_div;
};

static void annotate(struct disasm *d, const struct cm_asm_inst *in, const struct dsym *s,
		     size_t *k, uint64_t next, struct ainst *a)
{
	const struct cm_graph *g = &d->g;
	*a = (struct ainst){"", in->file, in->line, 0, 0, 0, 0};
	for (; *k < s->nnodes; (*k)++) {
		uint32_t id = s->nodes[*k];
		const struct cm_node_info *ni = &d->nodes.info[id];
		if (ni->address >= next)
			break;
		a->flat = cm_add64(a->flat, g->flat[id]);
		a->cum = cm_add64(a->cum, g->cum[id]);
		if (g->flat_div) {
			a->flat_div = cm_add64(a->flat_div, g->flat_div[id]);
			a->cum_div = cm_add64(a->cum_div, g->cum_div[id]);
		}
		if (*ni->file && !*a->file) {
			size_t bn;
			const char *b = cm_path_base(ni->file, strlen(ni->file), &bn);
			a->file = cm_arena_strndup(&d->arena, b, bn);
			if (!a->file)
				a->file = "";
		}
		if (ni->lineno && !a->line)
			a->line = ni->lineno;
		if (*ni->name && !*a->function)
			a->function = ni->name;
	}
}

/* The location note: "function file:line", or "" when unchanged. */
static void loc_string(const struct ainst *a, struct ainst *last, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!strcmp(a->function, last->function) && !strcmp(a->file, last->file) &&
	    a->line == last->line)
		return;
	*last = *a;
	size_t off = 0;
	if (*a->function)
		off = (size_t)snprintf(buf, len, "%s ", a->function);
	if (*a->file && off < len) {
		if (a->line)
			snprintf(buf + off, len - off, "%s:%" PRId64, a->file, a->line);
		else
			snprintf(buf + off, len - off, "%s", a->file);
	}
}

static void print_inst(const struct cm_report *r, const struct ainst *a, const struct cm_asm_inst *in,
		       const char *loc, FILE *out)
{
	char f[64], c[64];
	int64_t flat = a->flat_div ? cm_div64(a->flat, a->flat_div) : a->flat;
	int64_t cum = a->cum_div ? cm_div64(a->cum, a->cum_div) : a->cum;
	cm_list_value(r, flat, f, sizeof(f));
	cm_list_value(r, cum, c, sizeof(c));
	const char *fv = flat ? f : ".", *cv = cum ? c : ".";
	if (!*loc)
		fprintf(out, "%10s %10s %10" PRIx64 ": %s\n", fv, cv, in->addr, in->text);
	else if (strlen(in->text) < 40) /* Go counts bytes too */
		fprintf(out, "%10s %10s %10" PRIx64 ": %-40s;%s\n", fv, cv, in->addr, in->text, loc);
	else
		fprintf(out, "%74s;%s\n%10s %10s %10" PRIx64 ": %s\n", "", loc, fv, cv, in->addr,
			in->text);
}

static int print_symbol(struct disasm *d, const struct dsym *s, FILE *out, char *err, size_t errlen)
{
	const struct cm_report *r = d->r;
	const struct cm_objtool *tool = r->opts.objtool;
	int64_t flat_sum = 0, cum_sum = 0;
	for (size_t i = 0; i < s->nnodes; i++) {
		flat_sum = cm_add64(flat_sum, d->g.flat[s->nodes[i]]);
		cum_sum = cm_add64(cum_sum, d->g.cum[s->nodes[i]]);
	}
	if (r->opts.intel_syntax) {
		snprintf(err, errlen, "printing assembly in Intel syntax is not supported");
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	if (tool->disasm(tool->ctx, s->file, s->start, s->end, &text, &len, err, errlen) < 0)
		return -1;
	struct cm_asm_inst *insts;
	long n = cm_objdump_parse(text, len, s->start, s->end, &d->arena, &insts);
	free(text);
	uint32_t *tmp = malloc((s->nnodes + 1) * sizeof(*tmp));
	if (n < 0 || !tmp) {
		free(tmp);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cm_sort_ids(s->nodes, tmp, s->nnodes, node_addr_cmp, &d->nodes);
	free(tmp);
	char a[64], b[64], pct[32];
	fprintf(out, "ROUTINE ======================== %s\n", s->name);
	fprintf(out, "%10s %10s (flat, cum) %s of Total\n", cm_report_value(r, flat_sum, a, sizeof(a)),
		cm_report_value(r, cum_sum, b, sizeof(b)), cm_percentage(cum_sum, r->total, pct, sizeof(pct)));
	struct ainst last = {"", "", 0, 0, 0, 0, 0}, ai;
	size_t k = 0;
	char loc[2048];
	for (long i = 0; i < n; i++) {
		annotate(d, &insts[i], s, &k, i + 1 < n ? insts[i + 1].addr : UINT64_MAX, &ai);
		loc_string(&ai, &last, loc, sizeof(loc));
		print_inst(r, &ai, &insts[i], loc, out);
	}
	return 0;
}

static int disasm_body(struct disasm *d, FILE *out, FILE *msgs, char *err, size_t errlen)
{
	char total[64];
	fprintf(out, "Total: %s\n", cm_report_value(d->r, d->r->total, total, sizeof(total)));
	if (symbols_from_binaries(d, msgs, err, errlen) < 0)
		return -1;
	if (d->nsyms == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", d->r->opts.symbol);
		return -1;
	}
	qsort(d->syms, d->nsyms, sizeof(*d->syms), sym_cmp);
	for (size_t i = 0; i < d->nsyms; i++)
		if (print_symbol(d, &d->syms[i], out, err, errlen) < 0)
			return -1;
	return 0;
}

int cm_report_disasm(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	struct disasm d = {.r = r};
	const char *pattern = r->opts.symbol ? r->opts.symbol : "";
	if (!(d.re = cm_report_symbol_regex(pattern, err, errlen)))
		return -1;
	d.has_address = regex_address(pattern, &d.address);
	cm_arena_init(&d.arena);
	struct cm_nodes_opts no = {.obj_names = true, .trim_path = r->opts.trim_path,
				   .source_path = r->opts.source_path};
	int rc = -1;
	/* pprof writes the report only when all of it worked; the messages
	 * of binaries it cannot open go out at once. */
	char *body = NULL;
	size_t blen = 0;
	FILE *mem = NULL;
	if (cm_nodes_build(&d.nodes, r->p, &no) < 0) {
		snprintf(err, errlen, "out of memory");
		goto free_re;
	}
	if (cm_graph_build(&d.g, r->p, &d.nodes, r->vi, NULL, false, r->opts.mean) < 0 ||
	    !(mem = open_memstream(&body, &blen))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (r->opts.drop_negative)
		cm_graph_drop_negative(&d.g);
	rc = disasm_body(&d, mem, out, err, errlen);
	if (fclose(mem) != 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (rc == 0)
		fwrite(body, 1, blen, out);
done:
	free(body);
	free(d.syms);
	cm_graph_free(&d.g);
	cm_nodes_free(&d.nodes);
free_re:
	cm_arena_free(&d.arena);
	cm_goregex_free(d.re);
	return rc;
}
