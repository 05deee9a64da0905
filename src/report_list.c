/* report_list: `go tool pprof -list=REGEX`, after source.go's printSource,
 * getSourceFromFile and sourceReader.
 *
 * The graph is built on lines (cm_report_prepare forces the granularity)
 * with object names kept. Nodes whose function name matches the regex are
 * grouped by function name, then by file; each (function, file) prints a
 * ROUTINE header and the annotated source from the function's start line
 * (else the first hot line - 5) to the last hot line + 5, as far as the file
 * goes. Values are scaled one by one (the output unit stays "minimum"). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmon/graph.h"
#include "cmon/measure.h"
#include "cmon/pathutil.h"
#include "cmon/report.h"

/* ---- Go's path functions ---- */

static char *clean_dup(const char *path)
{
	size_t len = strlen(path) + 2;
	char *out = malloc(len);
	return out ? cm_path_clean(path, out, len) : NULL;
}

/* filepath.Join(dir, path). */
static char *path_join(const char *dir, const char *path)
{
	if (!*dir)
		return *path ? clean_dup(path) : strdup(""); /* Join("", "") is "" */
	size_t n = strlen(dir) + strlen(path) + 2;
	char *tmp = malloc(n);
	if (!tmp)
		return NULL;
	snprintf(tmp, n, "%s/%s", dir, path);
	char *out = clean_dup(tmp);
	free(tmp);
	return out;
}

/* filepath.Dir. */
static char *path_dir(const char *path)
{
	size_t i = strlen(path);
	while (i > 0 && path[i - 1] != '/')
		i--;
	char *tmp = malloc(i + 1);
	if (!tmp)
		return NULL;
	memcpy(tmp, path, i);
	tmp[i] = '\0';
	char *out = clean_dup(tmp);
	free(tmp);
	return out;
}

/* os.Getwd: $PWD when it names the current directory, else getcwd. */
static char *go_getwd(void)
{
	struct stat dot, pwd;
	if (stat(".", &dot) < 0)
		return NULL;
	const char *env = getenv("PWD");
	if (env && env[0] == '/' && stat(env, &pwd) == 0 && pwd.st_dev == dot.st_dev &&
	    pwd.st_ino == dot.st_ino)
		return strdup(env);
	return getcwd(NULL, 0);
}

/* Go's text for an errno: glibc's with a lower-case first letter. */
static void go_errno_text(int e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] + 32);
}

/* ---- the source reader ---- */

/* pprof reads sources with a bufio.Scanner: lines end at '\n', lose one
 * trailing '\r', and the scan stops (quietly) at a line of 64 KiB or more. */
#define SCAN_MAX_TOKEN 65536
/* Bounds of our own: the most read from one file, and kept over all files
 * (past it the cache is emptied and files are read again when needed). */
#define SOURCE_MAX_BYTES ((size_t)256 << 20)
#define CACHE_MAX_BYTES ((size_t)512 << 20)

struct src_file {
	char *key;   /* the file name as the node has it */
	bool loaded; /* read (or failed); false again after an eviction */
	char *error; /* why it could not be opened, or NULL */
	char *data;
	size_t size;
	size_t *start, *len; /* line k (1-based) is data[start[k-1]], len[k-1] bytes */
	size_t nlines;
	uint64_t need; /* lines the report prints at most: no use reading past them */
};

struct src_reader {
	const char *search_path, *trim_path;
	struct src_file **slots; /* open addressing on key */
	size_t cap, count;
	size_t cached_bytes;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ^ (h >> 31);
}

static void src_file_drop_data(struct src_file *f)
{
	free(f->data);
	free(f->start);
	free(f->len);
	f->data = NULL;
	f->start = f->len = NULL;
	f->size = f->nlines = 0;
}

static void reader_free(struct src_reader *r)
{
	for (size_t i = 0; i < r->cap; i++) {
		struct src_file *f = r->slots[i];
		if (!f)
			continue;
		src_file_drop_data(f);
		free(f->key);
		free(f->error);
		free(f);
	}
	free(r->slots);
}

static struct src_file *reader_entry(struct src_reader *r, const char *key)
{
	if ((r->count + 1) * 2 > r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct src_file **ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < r->cap; i++) {
			if (!r->slots[i])
				continue;
			size_t j = key_hash(r->slots[i]->key) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = r->slots[i];
		}
		free(r->slots);
		r->slots = ns;
		r->cap = ncap;
	}
	size_t j = key_hash(key) & (r->cap - 1);
	while (r->slots[j]) {
		if (!strcmp(r->slots[j]->key, key))
			return r->slots[j];
		j = (j + 1) & (r->cap - 1);
	}
	struct src_file *f = calloc(1, sizeof(*f));
	if (!f || !(f->key = strdup(key))) {
		free(f);
		return NULL;
	}
	r->slots[j] = f;
	r->count++;
	return f;
}

/* Opens without blocking on a FIFO (pprof would wait for a writer forever). */
static int open_source(const char *path)
{
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/* openSourceFile: trim the name, then an absolute path must exist as is; a
 * relative one is tried under every search dir and each of its parents.
 * Returns a descriptor, or -1 with the message in *error. */
static int find_source(const struct src_reader *r, const char *name, char **error)
{
	const char *path = cm_path_trim(name, r->trim_path, r->search_path);
	char msg[256];
	if (path[0] == '/') {
		int fd = open_source(path);
		if (fd >= 0)
			return fd;
		go_errno_text(errno, msg, sizeof(msg));
		size_t n = strlen(path) + strlen(msg) + 16;
		if ((*error = malloc(n)))
			snprintf(*error, n, "open %s: %s", path, msg);
		return -1;
	}
	/* filepath.SplitList: nothing for "", else every ':'-separated part. */
	for (const char *sp = r->search_path; *r->search_path;) {
		const char *colon = strchr(sp, ':');
		size_t len = colon ? (size_t)(colon - sp) : strlen(sp);
		char *dir = strndup(sp, len);
		while (dir) {
			char *file = path_join(dir, path);
			int fd = file ? open_source(file) : -1;
			free(file);
			if (fd >= 0) {
				free(dir);
				return fd;
			}
			char *parent = path_dir(dir);
			if (!parent || !strcmp(parent, dir)) {
				free(parent);
				break;
			}
			free(dir);
			dir = parent;
		}
		free(dir);
		if (!colon)
			break;
		sp = colon + 1;
	}
	size_t n = strlen(path) + strlen(r->search_path) + 40;
	if ((*error = malloc(n)))
		snprintf(*error, n, "could not find file %s on path %s", path, r->search_path);
	return -1;
}

/* Reads what a Scanner would see: up to EOF, the first read error, or a
 * line too long for it (nothing after that one is used); and no further
 * than the first `need` lines. */
static int read_all(int fd, uint64_t need, char **data, size_t *size)
{
	size_t cap = 0, len = 0, line_start = 0;
	uint64_t lines = 0;
	char *buf = NULL;
	for (;;) {
		const char *nl;
		while (lines < need && line_start < len &&
		       (nl = memchr(buf + line_start, '\n', len - line_start))) {
			line_start = (size_t)(nl - buf) + 1;
			lines++;
		}
		if (lines >= need || len - line_start >= SCAN_MAX_TOKEN)
			break;
		if (len == cap) {
			if (cap >= SOURCE_MAX_BYTES)
				break;
			size_t ncap = cap ? cap * 2 : 16384;
			if (ncap > SOURCE_MAX_BYTES)
				ncap = SOURCE_MAX_BYTES;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF, or an error: the scan ends there */
		len += (size_t)n;
	}
	*data = buf;
	*size = len;
	return 0;
}

/* Splits data into Scanner lines. */
static int split_lines(struct src_file *f)
{
	size_t cap = 0;
	for (size_t pos = 0; pos < f->size;) {
		const char *nl = memchr(f->data + pos, '\n', f->size - pos);
		size_t end = nl ? (size_t)(nl - f->data) : f->size;
		if (end - pos >= SCAN_MAX_TOKEN)
			break; /* bufio.ErrTooLong, which pprof ignores */
		if (f->nlines == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			size_t *ns = realloc(f->start, ncap * sizeof(*ns));
			if (!ns)
				return -1;
			f->start = ns;
			size_t *nl2 = realloc(f->len, ncap * sizeof(*nl2));
			if (!nl2)
				return -1;
			f->len = nl2;
			cap = ncap;
		}
		size_t len = end - pos;
		if (len > 0 && f->data[end - 1] == '\r')
			len--;
		f->start[f->nlines] = pos;
		f->len[f->nlines] = len;
		f->nlines++;
		pos = nl ? end + 1 : end;
	}
	return 0;
}

static void reader_evict(struct src_reader *r)
{
	for (size_t i = 0; i < r->cap; i++) {
		struct src_file *f = r->slots[i];
		if (f && f->data) {
			src_file_drop_data(f);
			f->loaded = false;
		}
	}
	r->cached_bytes = 0;
}

/* The file behind name, read once. NULL when memory runs out. */
static struct src_file *reader_get(struct src_reader *r, const char *name)
{
	struct src_file *f = reader_entry(r, name);
	if (!f || f->loaded)
		return f;
	int fd = find_source(r, name, &f->error);
	if (fd < 0) {
		f->loaded = true;
		return f->error ? f : NULL;
	}
	struct src_file t = {0};
	int rc = read_all(fd, f->need, &t.data, &t.size);
	close(fd);
	if (rc < 0 || split_lines(&t) < 0) {
		src_file_drop_data(&t);
		return NULL;
	}
	size_t bytes = t.size + t.nlines * 2 * sizeof(size_t);
	if (r->cached_bytes > 0 && r->cached_bytes + bytes > CACHE_MAX_BYTES)
		reader_evict(r); /* forget the others; they are read again if needed */
	r->cached_bytes += bytes;
	f->data = t.data;
	f->size = t.size;
	f->start = t.start;
	f->len = t.len;
	f->nlines = t.nlines;
	f->loaded = true;
	return f;
}

/* ---- the report ---- */

/* Go's int arithmetic wraps; C's must not overflow. */
static const char *value_or_dot(const struct cm_report *r, int64_t v, char *buf, size_t len)
{
	if (v == 0)
		return ".";
	return cm_report_value(r, v, buf, len);
}

/* One function in one file (file NULL: the function has no source file). */
struct routine {
	const char *name, *file;
	const uint32_t *fns; /* its nodes */
	size_t n;
	int64_t start, end; /* lines to print, from getSourceFromFile */
	struct src_file *src;
};

/* getSourceFromFile's range, including its else-if: a node that moves the
 * start never moves the end. */
static void routine_range(const struct cm_nodes *nodes, struct routine *rt)
{
	enum { MARGIN = 5 };
	const struct cm_node_info *first = &nodes->info[rt->fns[0]];
	rt->start = first->start_line ? first->start_line : cm_add64(first->lineno, -MARGIN);
	rt->end = cm_add64(first->lineno, MARGIN);
	for (size_t i = 0; i < rt->n; i++) {
		const struct cm_node_info *ni = &nodes->info[rt->fns[i]];
		int64_t ns = ni->start_line ? ni->start_line : cm_add64(ni->lineno, -MARGIN);
		int64_t ne = cm_add64(ni->lineno, MARGIN);
		if (ns < rt->start)
			rt->start = ns;
		else if (ne > rt->end)
			rt->end = ne;
	}
	if (rt->start < 1)
		rt->start = 1;
}

struct line_weight {
	int64_t lineno, flat, cum;
};

static int line_weight_cmp(const void *a, const void *b)
{
	const struct line_weight *x = a, *y = b;
	return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static int print_routine(struct cm_report *r, struct src_reader *rd, const struct cm_graph *g,
			 const struct routine *rt, FILE *out)
{
	int64_t flat_sum = 0, cum_sum = 0;
	struct line_weight *lw = malloc(rt->n * sizeof(*lw));
	if (!lw)
		return -1;
	for (size_t i = 0; i < rt->n; i++) {
		uint32_t id = rt->fns[i];
		flat_sum = cm_add64(flat_sum, g->flat[id]);
		cum_sum = cm_add64(cum_sum, g->cum[id]);
		lw[i] = (struct line_weight){g->nodes->info[id].lineno, g->flat[id], g->cum[id]};
	}
	qsort(lw, rt->n, sizeof(*lw), line_weight_cmp);
	/* pprof opens the file on reading the first line of the range: with an
	 * empty range, only an earlier failure to open it shows. */
	struct src_file *f = rt->start <= rt->end ? reader_get(rd, rt->file) : rt->src;
	if (!f) {
		free(lw);
		return -1;
	}
	char a[64], b[64], pct[32];
	fprintf(out, "ROUTINE ======================== %s in %s\n", rt->name, rt->file);
	fprintf(out, "%10s %10s (flat, cum) %s of Total\n", cm_report_value(r, flat_sum, a, sizeof(a)),
		cm_report_value(r, cum_sum, b, sizeof(b)),
		cm_percentage(cum_sum, r->total, pct, sizeof(pct)));
	if (f->error) {
		fprintf(out, " Error: %s\n", f->error);
		free(lw);
		return 0;
	}
	if (!f->loaded) {
		free(lw);
		return 0;
	}
	size_t k = 0;
	for (int64_t ln = rt->start; ln <= rt->end && (uint64_t)ln <= f->nlines; ln++) {
		int64_t flat = 0, cum = 0;
		while (k < rt->n && lw[k].lineno < ln)
			k++;
		for (; k < rt->n && lw[k].lineno == ln; k++) {
			flat = cm_add64(flat, lw[k].flat);
			cum = cm_add64(cum, lw[k].cum);
		}
		fprintf(out, "%10s %10s %6" PRId64 ":", value_or_dot(r, flat, a, sizeof(a)),
			value_or_dot(r, cum, b, sizeof(b)), ln);
		fwrite(f->data + f->start[ln - 1], 1, f->len[ln - 1], out);
		fputc('\n', out);
	}
	free(lw);
	return 0;
}

/* Matched nodes in report order: function name, then file, then node id
 * (pprof's order among one function's nodes is its map order; the id order
 * only matters for the range of odd profiles, see routine_range). */
struct keyed_id {
	const char *name, *file;
	uint32_t id;
};

static int keyed_id_cmp(const void *a, const void *b)
{
	const struct keyed_id *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->file, y->file);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int sort_matched(const struct cm_nodes *nodes, uint32_t *ids, size_t n)
{
	struct keyed_id *k = malloc((n + 1) * sizeof(*k));
	if (!k)
		return -1;
	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyed_id){nodes->info[ids[i]].name, nodes->info[ids[i]].file, ids[i]};
	qsort(k, n, sizeof(*k), keyed_id_cmp);
	for (size_t i = 0; i < n; i++)
		ids[i] = k[i].id;
	free(k);
	return 0;
}

/* The routines to print, in order, each file's entry in the reader told how
 * many lines the report needs from it. */
static struct routine *plan_routines(const struct cm_nodes *nodes, const uint32_t *ids, size_t n,
				     struct src_reader *rd, size_t *count)
{
	struct routine *rts = malloc((n + 1) * sizeof(*rts));
	size_t nr = 0;
	if (!rts)
		return NULL;
	for (size_t i = 0; i < n;) {
		const char *name = nodes->info[ids[i]].name;
		size_t from = nr;
		for (; i < n && !strcmp(nodes->info[ids[i]].name, name);) {
			const char *file = nodes->info[ids[i]].file;
			size_t k = i;
			while (k < n && !strcmp(nodes->info[ids[k]].name, name) &&
			       !strcmp(nodes->info[ids[k]].file, file))
				k++;
			if (*file) {
				struct routine *rt = &rts[nr++];
				*rt = (struct routine){.name = name, .file = file, .fns = ids + i, .n = k - i};
				routine_range(nodes, rt);
				if (!(rt->src = reader_entry(rd, file))) {
					free(rts);
					return NULL;
				}
				if (rt->end >= rt->start && (uint64_t)rt->end > rt->src->need)
					rt->src->need = (uint64_t)rt->end;
			}
			i = k;
		}
		if (nr == from)
			rts[nr++] = (struct routine){.name = name};
	}
	*count = nr;
	return rts;
}

int cm_report_list(struct cm_report *r, FILE *out, char *err, size_t errlen)
{
	const char *pattern = r->opts.symbol ? r->opts.symbol : "";
	regex_t re;
	if (cm_report_symbol_regex(pattern, &re, err, errlen) < 0)
		return -1;
	int rc = -1;
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {true, r->opts.trim_path, r->opts.source_path};
	struct cm_graph g;
	uint32_t *matched = NULL;
	struct routine *rts = NULL;
	char *wd = NULL;
	struct src_reader rd = {0};
	memset(&g, 0, sizeof(g));
	if (cm_nodes_build(&nodes, r->p, &no) < 0) {
		regfree(&re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cm_graph_build(&g, r->p, &nodes, r->vi, NULL, false, false) < 0 ||
	    !(matched = malloc((g.nmembers + 1) * sizeof(*matched)))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	size_t nmatched = 0;
	for (size_t i = 0; i < g.nmembers; i++)
		if (regexec(&re, nodes.info[g.members[i]].name, 0, NULL, 0) == 0)
			matched[nmatched++] = g.members[i];
	if (nmatched == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", pattern);
		goto done;
	}

	if (r->opts.source_path && *r->opts.source_path) {
		rd.search_path = r->opts.source_path;
	} else {
		if (!(wd = go_getwd())) {
			char msg[128];
			go_errno_text(errno, msg, sizeof(msg));
			snprintf(err, errlen, "could not stat current dir: %s", msg);
			goto done;
		}
		rd.search_path = wd;
	}
	rd.trim_path = r->opts.trim_path ? r->opts.trim_path : "";

	size_t nrts = 0;
	if (sort_matched(&nodes, matched, nmatched) < 0 ||
	    !(rts = plan_routines(&nodes, matched, nmatched, &rd, &nrts))) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	char total[64];
	fprintf(out, "Total: %s\n", cm_report_value(r, r->total, total, sizeof(total)));
	for (size_t i = 0; i < nrts; i++) {
		if (!rts[i].file) {
			fprintf(out, "No source information for %s\n", rts[i].name);
		} else if (print_routine(r, &rd, &g, &rts[i], out) < 0) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
	}
	rc = 0;
done:
	free(rts);
	reader_free(&rd);
	free(wd);
	free(matched);
	cm_graph_free(&g);
	cm_nodes_free(&nodes);
	regfree(&re);
	return rc;
}
