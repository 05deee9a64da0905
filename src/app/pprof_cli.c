/* pprof_cli: `cmon pprof [flags] SOURCE...`: load, merge, diff, report. */
#include "cmon/app/pprof_cli.h"
#include "cmon/app/pprof_symbolize.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmon/base/arena.h"
#include "cmon/base/flags.h"
#include "cmon/base/pathutil.h"
#include "cmon/base/strbuf.h"
#include "cmon/base/url.h"
#include "cmon/net/pprof_remote.h"
#include "cmon/net/pprof_source.h"
#include "cmon/profile/names.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/profile_ops.h"
#include "cmon/profile/report.h"
#include "go_objtool.h"
#include "pprof_save.h"
#include "pview_app.h"
#include "report_out.h"

struct pprof_args {
	bool top, traces, tags, folded, cum, flat, help;
	bool tree, raw, comments, proto, topproto;
	const char *add_comment;
	bool keep_labels; /* decode sample labels: a report, a filter or a merge reads them */
	bool compact_stacks; /* decode stacks as varints: nothing rewrites them */
	bool dot, callgrind;                /* graph reports */
	bool svg, png, pdf, ps, gif;        /* -dot through Graphviz's dot */
	const char *image;                  /* the one of them set: dot's -T format */
	const char *output;                 /* -output=FILE */
	bool interactive; /* no report flag: the viewer */
	bool g_functions, g_filefunctions, g_files, g_lines, g_addresses;
	/* go tool pprof's shorthands for -sample_index (and -mean) */
	bool total_delay, mean_delay, contentions, inuse_space, inuse_objects,
	     alloc_space, alloc_objects, mean;
	const char *list, *peek, *disasm;
	const char *tools; /* -tools: accepted; go tool pprof ignores it too */
	struct cm_objtool objtool;
	/* go tool pprof's browser and viewer outputs: answered in one line */
	const char *http, *weblist;
	bool web, eog, evince, gv, kcachegrind;
	const char *base, *diff_base;
	const char *symbolize;    /* -symbolize, parsed into sym */
	const char *module;       /* -module: the viewer's "my code" */
	struct cm_symbolize sym;
	bool normalize;        /* -normalize: scale the sources to the base's total */
	const char *exec_name; /* pprof's [binary] argument, or NULL */
	const char *buildid;   /* -buildid (or pprof's hex first argument): the first mapping's */
	bool no_browser;       /* only with -http, which cmon refuses */
	int seconds, timeout;  /* -timeout: seconds for a fetch, <= 0 pprof's default */
	const char *tls_cert, *tls_key, *tls_ca;
	unsigned char **keep; /* set: load_one keeps a fetched body here (the viewer's w) */
	size_t *keep_len;
	unsigned long long max_inflated;
	struct cm_report_opts ro;
	const char *ssh, *ssh_opts;     /* -ssh, -ssh-opts */
	struct cm_pprof_remote *remote; /* the tunnels, NULL when no source needs one */
	int cancel_fd;                  /* a signalfd while there are tunnels, else 0 */
};

#define FLAG(n, k, t, a, h) {n, k, t, a, h}
#define PPROF_MAX_FLAGS 160 /* room for every flag of go tool pprof */

static size_t pprof_flags(struct pprof_args *a, struct cm_flag *f)
{
	struct cm_report_opts *o = &a->ro;
	const struct cm_flag table[] = {
		FLAG("top", CM_FLAG_BOOL, &a->top, NULL, "print the top entries (flat, cum) as text"),
		FLAG("text", CM_FLAG_BOOL, &a->top, NULL, "the same as -top"),
		FLAG("list", CM_FLAG_STRING, &a->list, "regex", "annotated source of functions matching regex"),
		FLAG("peek", CM_FLAG_STRING, &a->peek, "regex", "callers and callees of functions matching regex"),
		FLAG("traces", CM_FLAG_BOOL, &a->traces, NULL, "print every sample's stack"),
		FLAG("tags", CM_FLAG_BOOL, &a->tags, NULL, "print every label (tag) with its share of the total"),
		FLAG("tree", CM_FLAG_BOOL, &a->tree, NULL, "each node with its callers and callees, as text"),
		FLAG("folded", CM_FLAG_BOOL, &a->folded, NULL, "collapsed stacks, one line each (flamegraph.pl, inferno, speedscope)"),
		FLAG("raw", CM_FLAG_BOOL, &a->raw, NULL, "the profile itself as text (samples, locations, mappings)"),
		FLAG("comments", CM_FLAG_BOOL, &a->comments, NULL, "print the profile's comments"),
		FLAG("proto", CM_FLAG_BOOL, &a->proto, NULL, "the profile as gzipped protobuf (on a terminal: to a file)"),
		FLAG("topproto", CM_FLAG_BOOL, &a->topproto, NULL, "the top entries as a gzipped protobuf profile"),
		FLAG("dot", CM_FLAG_BOOL, &a->dot, NULL, "a call graph in DOT format (Graphviz)"),
		FLAG("callgrind", CM_FLAG_BOOL, &a->callgrind, NULL, "a call graph in callgrind format (kcachegrind)"),
		FLAG("svg", CM_FLAG_BOOL, &a->svg, NULL, "a call graph in SVG, made by Graphviz's dot"),
		FLAG("png", CM_FLAG_BOOL, &a->png, NULL, "a call graph image in PNG, made by Graphviz's dot"),
		FLAG("pdf", CM_FLAG_BOOL, &a->pdf, NULL, "a call graph in PDF, made by Graphviz's dot"),
		FLAG("ps", CM_FLAG_BOOL, &a->ps, NULL, "a call graph in PostScript, made by Graphviz's dot"),
		FLAG("gif", CM_FLAG_BOOL, &a->gif, NULL, "a call graph image in GIF, made by Graphviz's dot"),
		FLAG("output", CM_FLAG_STRING, &a->output, "file", "write the report to file (images and callgrind: not to a terminal)"),
		FLAG("call_tree", CM_FLAG_BOOL, &o->call_tree, NULL, "separate nodes per call path (-dot, -callgrind)"),
		FLAG("compact_labels", CM_FLAG_BOOL, &o->compact_labels, NULL, "show minimal headers"),
		FLAG("disasm", CM_FLAG_STRING, &a->disasm, "regex", "annotated assembly of functions matching regex (runs go tool objdump)"),
		FLAG("intel_syntax", CM_FLAG_BOOL, &o->intel_syntax, NULL, "Intel syntax for -disasm: refused, as go tool pprof refuses it"),
		FLAG("tools", CM_FLAG_STRING, &a->tools, "path", "object tools' path: ignored, as go tool pprof ignores it"),
		FLAG("cum", CM_FLAG_BOOL, &a->cum, NULL, "sort by cumulative value"),
		FLAG("flat", CM_FLAG_BOOL, &a->flat, NULL, "sort by flat value (default)"),
		FLAG("nodecount", CM_FLAG_INT, &o->node_count, "n", "show at most n nodes"),
		FLAG("nodefraction", CM_FLAG_DOUBLE, &o->node_fraction, "f", "hide nodes below f*total (0.005)"),
		FLAG("edgefraction", CM_FLAG_DOUBLE, &o->edge_fraction, "f", "hide edges below f*total (0.001)"),
		FLAG("sample_index", CM_FLAG_STRING, &o->sample_index, "name|n", "sample value to report"),
		FLAG("drop_negative", CM_FLAG_BOOL, &o->drop_negative, NULL, "hide nodes with negative values (diffs)"),
		FLAG("relative_percentages", CM_FLAG_BOOL, &o->relative_percentages, NULL, "percentages of what focus/ignore/hide/show keep"),
		FLAG("mean", CM_FLAG_BOOL, &a->mean, NULL, "average value per sample (block, mutex)"),
		FLAG("inuse_space", CM_FLAG_BOOL, &a->inuse_space, NULL, "same as -sample_index=inuse_space"),
		FLAG("inuse_objects", CM_FLAG_BOOL, &a->inuse_objects, NULL, "same as -sample_index=inuse_objects"),
		FLAG("alloc_space", CM_FLAG_BOOL, &a->alloc_space, NULL, "same as -sample_index=alloc_space"),
		FLAG("alloc_objects", CM_FLAG_BOOL, &a->alloc_objects, NULL, "same as -sample_index=alloc_objects"),
		FLAG("total_delay", CM_FLAG_BOOL, &a->total_delay, NULL, "same as -sample_index=delay"),
		FLAG("contentions", CM_FLAG_BOOL, &a->contentions, NULL, "same as -sample_index=contentions"),
		FLAG("mean_delay", CM_FLAG_BOOL, &a->mean_delay, NULL, "same as -mean -sample_index=delay"),
		FLAG("focus", CM_FLAG_STRING, &o->focus, "regex", "keep samples with a frame matching regex"),
		FLAG("ignore", CM_FLAG_STRING, &o->ignore, "regex", "drop samples with a frame matching regex"),
		FLAG("hide", CM_FLAG_STRING, &o->hide, "regex", "remove frames matching regex"),
		FLAG("show", CM_FLAG_STRING, &o->show, "regex", "keep only frames matching regex"),
		FLAG("tagfocus", CM_FLAG_STRING, &o->tagfocus, "[key=]regex|range", "keep samples with a label matching (range: 1kb:2mb, 32kb, :512, 4mb:)"),
		FLAG("tagignore", CM_FLAG_STRING, &o->tagignore, "[key=]regex|range", "drop samples with a label matching"),
		FLAG("tagshow", CM_FLAG_STRING, &o->tagshow, "regex", "keep only the labels whose key matches regex"),
		FLAG("taghide", CM_FLAG_STRING, &o->taghide, "regex", "drop the labels whose key matches regex"),
		FLAG("tagroot", CM_FLAG_STRING, &o->tagroot, "keys", "add frames of these label keys' values at the root"),
		FLAG("tagleaf", CM_FLAG_STRING, &o->tagleaf, "keys", "add frames of these label keys' values at the leaf"),
		FLAG("functions", CM_FLAG_BOOL, &a->g_functions, NULL, "aggregate by function (default)"),
		FLAG("filefunctions", CM_FLAG_BOOL, &a->g_filefunctions, NULL, "aggregate by function and file"),
		FLAG("files", CM_FLAG_BOOL, &a->g_files, NULL, "aggregate by source file"),
		FLAG("lines", CM_FLAG_BOOL, &a->g_lines, NULL, "aggregate by source line"),
		FLAG("addresses", CM_FLAG_BOOL, &a->g_addresses, NULL, "aggregate by instruction address"),
		FLAG("source_path", CM_FLAG_STRING, &o->source_path, "dirs", "where -list looks for sources (colon list)"),
		FLAG("trim_path", CM_FLAG_STRING, &o->trim_path, "prefixes", "path prefixes to strip from source names"),
		FLAG("base", CM_FLAG_STRING, &a->base, "source", "subtract this profile"),
		FLAG("diff_base", CM_FLAG_STRING, &a->diff_base, "source", "subtract it, percentages of its total"),
		FLAG("seconds", CM_FLAG_INT, &a->seconds, "n", "CPU profile length for URL sources"),
		FLAG("add_comment", CM_FLAG_STRING, &a->add_comment, "text", "add a comment to the profile (shown by reports, kept by -proto)"),
		FLAG("symbolize", CM_FLAG_STRING, &a->symbolize, "mode",
		     "none: names as the profile has them; demangle=full|templates|none, force: C++ names"),
		/* options: go tool pprof's remaining ones */
		FLAG("unit", CM_FLAG_STRING, &o->unit, "unit", "show values in this unit (ms, s, kb, mb, ...; minimum, auto)"),
		FLAG("noinlines", CM_FLAG_BOOL, &o->noinlines, NULL, "count inlined functions for their caller"),
		FLAG("divide_by", CM_FLAG_DOUBLE, &o->divide_by, "f", "divide the values shown by f (1)"),
		FLAG("normalize", CM_FLAG_BOOL, &a->normalize, NULL, "scale the profile to the -base profile's total"),
		FLAG("trim", CM_FLAG_BOOL, &o->trim, NULL, "honour nodecount/nodefraction/edgefraction (true; -trim=false: all)"),
		FLAG("show_from", CM_FLAG_STRING, &o->show_from, "regex", "drop the frames above the highest match"),
		FLAG("prune_from", CM_FLAG_STRING, &o->prune_from, "regex", "drop the frames below the lowest match"),
		FLAG("timeout", CM_FLAG_INT, &a->timeout, "n", "give up fetching a URL source after n+5 s (1.5*seconds, else 60)"),
		FLAG("tls_cert", CM_FLAG_STRING, &a->tls_cert, "file", "TLS client certificate (PEM) for URL sources"),
		FLAG("tls_key", CM_FLAG_STRING, &a->tls_key, "file", "TLS private key (PEM) of -tls_cert"),
		FLAG("tls_ca", CM_FLAG_STRING, &a->tls_ca, "file", "TLS CA certificates (PEM) to trust for URL sources"),
		FLAG("buildid", CM_FLAG_STRING, &a->buildid, "id", "override the build id of the first mapping"),
		FLAG("no_browser", CM_FLAG_BOOL, &a->no_browser, NULL, "with -http only, which cmon does not have"),
		FLAG("max_inflated", CM_FLAG_SIZE, &a->max_inflated, "bytes", "refuse profiles larger than this (1G)"),
		FLAG("ssh", CM_FLAG_STRING, &a->ssh, "[user@]host[:port]", "fetch URL sources through ssh, resolved on that host"),
		FLAG("ssh-opts", CM_FLAG_STRING, &a->ssh_opts, "opts", "extra ssh options, e.g. '-i key' (also $CMON_SSH_COMMAND)"),
		FLAG("module", CM_FLAG_STRING, &a->module, "path", "the viewer: the program's main module, for my code (m); default: told by file names"),
		FLAG("http", CM_FLAG_STRING, &a->http, "host:port", "pprof's web UI: not in cmon (says what to run)"),
		FLAG("web", CM_FLAG_BOOL, &a->web, NULL, "a graph in a browser: not in cmon (says what to run)"),
		FLAG("weblist", CM_FLAG_STRING, &a->weblist, "regex", "source in a browser: not in cmon (says what to run)"),
		FLAG("eog", CM_FLAG_BOOL, &a->eog, NULL, "a graph in a viewer: not in cmon (says what to run)"),
		FLAG("evince", CM_FLAG_BOOL, &a->evince, NULL, "the same as -eog"),
		FLAG("gv", CM_FLAG_BOOL, &a->gv, NULL, "the same as -eog"),
		FLAG("kcachegrind", CM_FLAG_BOOL, &a->kcachegrind, NULL, "the same as -eog"),
		FLAG("help", CM_FLAG_BOOL, &a->help, NULL, "show this help (also -h)"),
		FLAG("h", CM_FLAG_BOOL, &a->help, NULL, NULL),
	};
	size_t n = sizeof(table) / sizeof(table[0]);
	_Static_assert(sizeof(table) / sizeof(table[0]) <= PPROF_MAX_FLAGS, "raise PPROF_MAX_FLAGS");
	if (f)
		memcpy(f, table, sizeof(table));
	return n;
}

void cm_pprof_usage(FILE *out)
{
	struct pprof_args a;
	struct cm_flag flags[PPROF_MAX_FLAGS];
	size_t n = pprof_flags(&a, flags);
	fprintf(out,
		"usage: cmon pprof -top|-list=regex|-peek=regex|-traces|-tags|-disasm=regex|-tree|-raw\n"
		"                  |-comments|-proto|-topproto|-folded [flags] [BINARY] SOURCE...\n"
		"       cmon pprof [flags] SOURCE...   (the interactive viewer; ? lists its keys;\n"
		"                                      w writes the profile shown to a file; a URL's\n"
		"                                      CPU capture counts down, q/Esc/Ctrl-C cancel: 130)\n"
		"\n"
		"SOURCE is a profile file (gzip or raw protobuf), an http(s) URL, or\n"
		"host:port (meaning http://host:port/debug/pprof/profile). Several\n"
		"sources are merged. Output is identical to go tool pprof's. Of two\n"
		"arguments or more, a first that is an executable (ELF) is pprof's\n"
		"BINARY argument: it names the program and is not read as a profile.\n"
		"ssh://[user@]host[:port]/SOURCE (or -ssh) fetches it through ssh, as\n"
		"resolved on that host.\n"
		"\n"
		"flags:\n");
	cm_flags_print(flags, n, out);
}

static size_t read_file_chunk(void *ctx, unsigned char *buf, size_t len)
{
	size_t n = fread(buf, 1, len, ctx);
	return n == 0 && ferror((FILE *)ctx) ? SIZE_MAX : n;
}

/* Values of opposite signs (a delta profile) make merging depend on the
 * labels: pprof sums only samples with the same stack and labels, so a
 * profile decoded without them is read again with them. */
static struct cm_profile *with_labels_if_negative(struct cm_profile *p, FILE *f,
						  struct cm_decode_limits *lim, char *err,
						  size_t errlen)
{
	if (!p || !lim->drop_labels || !cm_profile_has_negative(p) || fseek(f, 0, SEEK_SET) != 0)
		return p;
	cm_profile_free(p);
	lim->drop_labels = false;
	return cm_profile_decode_stream(read_file_chunk, f, lim, err, errlen);
}

/* Decodes p from len bytes of data; with drop_labels, again with the
 * labels when some value is negative (as with_labels_if_negative). */
static struct cm_profile *decode_bytes(const unsigned char *data, size_t len,
				       struct cm_decode_limits *lim, char *err, size_t errlen,
				       bool *no_negative)
{
	struct cm_profile *p = cm_profile_decode(data, len, lim, err, errlen);
	if (p && lim->drop_labels) {
		if (cm_profile_has_negative(p)) {
			cm_profile_free(p);
			lim->drop_labels = false;
			p = cm_profile_decode(data, len, lim, err, errlen);
		} else {
			*no_negative = true; /* a scan less for merge_needed */
		}
	}
	return p;
}

/* Files of these sizes are read into huge pages (cm_huge_alloc) rather
 * than mapped: on a virtual machine each first touch of a 4 KiB page of
 * a mapping traps to the hypervisor. The mid benchmark profile (1.9 MB):
 * touching its mapping took 1.0-1.2 ms (MAP_POPULATE: 0.5 ms), reading it
 * into a huge page 0.3 ms, touching that 0.04 ms. A small file is a few
 * pages (a huge page would be 2 MiB of memory to zero and hold); bigger
 * ones stay mapped, so that their pages are given back as inflate passes
 * them (a copy would hold them whole). */
enum { READ_INTO_HUGE_MIN = 512 << 10, READ_INTO_HUGE_MAX = 8 << 20 };

/* The whole of a regular file of len bytes read into huge pages; NULL
 * when it cannot be (the caller maps it instead). */
static unsigned char *read_into_huge(int fd, size_t len)
{
	unsigned char *buf = cm_huge_alloc(len);
	size_t got = 0;
	while (buf && got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
		if (n == 0 || (n < 0 && errno != EINTR)) { /* shorter than it was, or an error */
			cm_huge_free(buf, len);
			return NULL;
		}
		got += n > 0 ? (size_t)n : 0;
	}
	return buf;
}

/* Decodes an open profile file. A regular file is read into huge pages
 * (READ_INTO_HUGE_MIN to _MAX) or mapped and decoded in place: its pages
 * come from the page cache, where reading it into malloc'd memory would
 * copy it into fresh 4 KiB pages the kernel must zero first (a fifth of
 * the time of a report on a 40 MB profile, issue 15). Anything else (a
 * pipe, a device, a failed mapping) is read as a stream. */
static struct cm_profile *decode_file(FILE *f, struct cm_decode_limits *lim, char *err,
				      size_t errlen, bool *no_negative)
{
	struct stat st;
	void *map = MAP_FAILED;
	bool regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		       (uint64_t)st.st_size <= SIZE_MAX;
	size_t len = regular ? (size_t)st.st_size : 0;
	bool huge = regular && len >= READ_INTO_HUGE_MIN && len <= READ_INTO_HUGE_MAX;
	unsigned char *copy = huge ? read_into_huge(fileno(f), len) : NULL;
	if (copy) {
		struct cm_profile *p = decode_bytes(copy, len, lim, err, errlen, no_negative);
		cm_huge_free(copy, len);
		return p;
	}
	if (regular)
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	if (map == MAP_FAILED) {
		struct cm_profile *p = cm_profile_decode_stream(read_file_chunk, f, lim, err, errlen);
		return with_labels_if_negative(p, f, lim, err, errlen);
	}
	madvise(map, len, MADV_SEQUENTIAL);
	lim->input_maps_file = true;
	struct cm_profile *p = decode_bytes(map, len, lim, err, errlen, no_negative);
	munmap(map, len);
	return p;
}

/* Reads and decodes one source; prints "cmon pprof: SRC: problem" on
 * failure. *no_negative is set when no value was found negative (else
 * left alone: not known). */
static struct cm_profile *load_one(const char *spec, const struct pprof_args *a,
				   bool *no_negative)
{
	char err[512];
	struct cm_decode_limits lim = {.max_inflated = a->max_inflated,
					.drop_labels = !a->keep_labels,
					.compact_stacks = a->compact_stacks};
	struct cm_profile *p;
	char shown[512]; /* spec with a URL's password hidden */
	cm_url_masked(spec, strlen(spec), shown, sizeof(shown));
	const char *src = cm_pprof_remote_source(spec); /* after "ssh://HOST/" */
	char *url = cm_source_url(src, a->seconds);
	if (!url) {
		FILE *f = fopen(spec, "rb");
		if (!f) {
			/* Go's words: "open PATH: no such file or directory" */
			char msg[256];
			fprintf(stderr, "cmon pprof: %s: open %s: %s\n", shown, shown,
				cm_go_strerror(errno, msg, sizeof(msg)));
			return NULL;
		}
		p = decode_file(f, &lim, err, sizeof(err), no_negative);
		fclose(f);
	} else {
		free(url);
		unsigned char *data;
		size_t len;
		struct cm_source_opts so = {.seconds = a->seconds, .max_bytes = a->max_inflated,
					    .unix_socket = cm_pprof_remote_socket(a->remote, spec),
					    .cancel_fd = a->cancel_fd, .timeout = a->timeout,
					    .tls_cert = a->tls_cert, .tls_key = a->tls_key, .tls_ca = a->tls_ca};
		if (cm_source_read(src, &so, &data, &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "cmon pprof: %s: %s\n", shown, err);
			return NULL;
		}
		p = cm_profile_decode(data, len, &lim, err, sizeof(err));
		/* go tool pprof keeps a copy of what it fetched */
		if (p && cm_pprof_save(data, len, p, a->exec_name) < 0) {
			cm_profile_free(p);
			free(data);
			return NULL;
		}
		if (p && a->keep) {
			*a->keep = data;
			*a->keep_len = len;
			data = NULL;
		}
		free(data);
	}
	if (!p)
		fprintf(stderr, "cmon pprof: %s: parsing profile: %s\n", shown, err);
	return p;
}

/* pprof merges even a single source (Merge compacts it). Skipped where it
 * cannot change the report, which saves a hash of every sample. */
static bool merge_needed_by_report(const struct pprof_args *a)
{
	/* -raw and -proto show Merge's ids */
	return a->traces || a->raw || a->proto || a->base || a->diff_base;
}

static bool merge_needed(struct cm_profile *p, const struct pprof_args *a, bool no_negative)
{
	/* Merge also keeps each comment once */
	return merge_needed_by_report(a) || p->ncomments > 1 ||
	       (!no_negative && cm_profile_has_negative(p));
}

static struct cm_profile *load_merged(char **specs, int n, const struct pprof_args *a)
{
	struct cm_profile **ps = calloc((size_t)n, sizeof(*ps));
	if (!ps)
		return NULL;
	bool no_negative = false, others = false; /* ps[0]'s known; the rest's unused */
	for (int i = 0; i < n; i++) {
		if (!(ps[i] = load_one(specs[i], a, i == 0 ? &no_negative : &others))) {
			for (int k = 0; k < i; k++)
				cm_profile_free(ps[k]);
			free(ps);
			return NULL;
		}
	}
	char err[512];
	if (n == 1 && !merge_needed(ps[0], a, no_negative)) {
		struct cm_profile *only = ps[0];
		free(ps);
		return only;
	}
	struct cm_profile *p = cm_profile_merge(ps, (size_t)n, err, sizeof(err));
	free(ps);
	if (!p)
		fprintf(stderr, "cmon pprof: %s\n", err);
	return p;
}

/* go tool pprof's [binary] argument: with two sources or more, a first one
 * that is an executable names the program and is never read as a profile.
 * Executables are recognised as ELF files (pprof's binutils also read
 * Mach-O and PE; Go profiles need no symbols, so only the name is used). */
static bool is_executable_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	unsigned char magic[4];
	bool elf = read(fd, magic, sizeof magic) == (ssize_t)sizeof magic &&
		   !memcmp(magic, "\x7f" "ELF", sizeof magic);
	close(fd);
	return elf;
}

/* As pprof does, the binary's path becomes the main mapping's file (the
 * report's "File:" line), and -buildid its build id. p keeps pointing at
 * them, which live as long as argv. */
static void name_executable(struct cm_profile *p, const struct pprof_args *a)
{
	if (p && a->exec_name && p->nmappings > 0)
		p->mappings[0].file = a->exec_name;
	if (p && a->buildid && *a->buildid && p->nmappings > 0)
		p->mappings[0].build_id = a->buildid;
}

/* pprof's isBuildID: a first argument of hex digits only is a build id. */
static bool is_build_id(const char *s)
{
	return strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

/* -base / -diff_base: the base is negated and merged in, so equal stacks cancel. */
static struct cm_profile *apply_base(struct cm_profile *p, const struct pprof_args *a)
{
	const char *spec = a->diff_base ? a->diff_base : a->base;
	char *specs[1] = {(char *)spec};
	struct cm_profile *b = load_merged(specs, 1, a);
	if (!b) {
		cm_profile_free(p);
		return NULL;
	}
	if (a->diff_base && cm_profile_add_label(b, "pprof::base", "true") < 0) {
		cm_profile_free(p);
		cm_profile_free(b);
		return NULL;
	}
	char err[512];
	if (a->normalize && cm_profile_normalize(p, b, err, sizeof(err)) < 0) {
		fprintf(stderr, "cmon pprof: %s\n", err);
		cm_profile_free(p);
		cm_profile_free(b);
		return NULL;
	}
	if (cm_profile_negate(b) < 0) {
		fprintf(stderr, "cmon pprof: out of memory\n");
		cm_profile_free(p);
		cm_profile_free(b);
		return NULL;
	}
	struct cm_profile *both[2] = {p, b};
	struct cm_profile *m = cm_profile_merge(both, 2, err, sizeof(err));
	char shown[512]; /* spec with a URL's password hidden */
	cm_url_masked(spec, strlen(spec), shown, sizeof(shown));
	if (!m)
		fprintf(stderr, "cmon pprof: -base %s: %s\n", shown, err);
	return m;
}

/* -http, -web, -weblist and the graph viewers open a window: one line
 * saying what cmon does instead. 0 when none is set. */
static int refuse_windows(const struct pprof_args *a)
{
	const char *flag = a->http ? "-http" : a->web ? "-web" : a->weblist ? "-weblist"
			 : a->eog ? "-eog" : a->evince ? "-evince" : a->gv ? "-gv"
			 : a->kcachegrind ? "-kcachegrind" : NULL;
	if (!flag)
		return 0;
	fprintf(stderr, "cmon pprof: %s opens a %s; cmon is a terminal tool: run cmon pprof SOURCE "
			"for the interactive viewer, or -top, -list, -peek, -traces for text\n",
		flag, a->http || a->web || a->weblist ? "browser" : "graph viewer");
	return -2;
}

static int pick_report(struct pprof_args *a)
{
	/* pprof reads an empty string flag as unset: -list= is no -list */
	if (a->list && !*a->list)
		a->list = NULL;
	if (a->peek && !*a->peek)
		a->peek = NULL;
	if (a->disasm && !*a->disasm)
		a->disasm = NULL;
	if (refuse_windows(a) < 0)
		return -2;
	if (a->no_browser) {
		fprintf(stderr, "cmon pprof: -no_browser only makes sense with -http\n");
		return -1;
	}
	const char *images[] = {"svg", "png", "pdf", "ps", "gif"};
	bool image_set[] = {a->svg, a->png, a->pdf, a->ps, a->gif};
	int kinds = a->top + a->traces + a->tags + (a->list != NULL) + (a->peek != NULL) +
		    (a->disasm != NULL) + a->dot + a->callgrind + a->tree + a->raw + a->comments +
		    a->proto + a->topproto + a->folded;
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++)
		if (image_set[i]) {
			kinds++;
			a->image = images[i];
		}
	if (kinds > 1) { /* go tool pprof's words */
		fprintf(stderr, "cmon pprof: must set at most one output format\n");
		return -1;
	}
	if (kinds == 0) {
		/* the viewer: a terminal or nothing (exit 2, a usage error) */
		if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
			fprintf(stderr, "cmon pprof: the interactive viewer needs a terminal and standard "
					"%s is not one; use -top (or -list, -peek, -traces) for text\n",
				isatty(STDOUT_FILENO) ? "input" : "output");
			return -2;
		}
		a->interactive = true;
	}
	a->ro.kind = a->top ? CM_REPORT_TOP : a->traces ? CM_REPORT_TRACES
		   : a->tags ? CM_REPORT_TAGS : a->list ? CM_REPORT_LIST
		   : a->disasm ? CM_REPORT_DISASM : a->tree ? CM_REPORT_TREE
		   : a->callgrind ? CM_REPORT_CALLGRIND : a->dot || a->image ? CM_REPORT_DOT
		   : a->raw ? CM_REPORT_RAW : a->comments ? CM_REPORT_COMMENTS
		   : a->folded ? CM_REPORT_FOLDED
		   : a->proto ? CM_REPORT_PROTO : a->topproto ? CM_REPORT_TOPPROTO
		   : CM_REPORT_PEEK; /* -peek, or the viewer */
	a->ro.max_encoded = a->max_inflated;
	a->ro.symbol = a->list ? a->list : a->disasm ? a->disasm : a->peek;
	cm_go_objtool_init(&a->objtool);
	a->ro.objtool = &a->objtool;
	if (a->cum && a->flat) {
		fprintf(stderr, "cmon pprof: conflicting options set: [cum flat]\n");
		return -1;
	}
	a->ro.cum_sort = a->cum;
	static const char *gnames[] = {"functions", "filefunctions", "files", "lines", "addresses"};
	bool *g[] = {&a->g_functions, &a->g_filefunctions, &a->g_files, &a->g_lines, &a->g_addresses};
	int set = -1;
	for (int i = 0; i < 5; i++) {
		if (!*g[i])
			continue;
		if (set >= 0) {
			fprintf(stderr, "cmon pprof: conflicting options set: [%s %s]\n", gnames[set], gnames[i]);
			return -1;
		}
		set = i;
		a->ro.granularity = (enum cm_granularity)i;
		a->ro.granularity_set = true;
	}
	/* The shorthands, in pprof's order; the first one set wins. */
	struct { bool on; const char *index; } shorthand[] = {
		{a->total_delay, "delay"}, {a->mean_delay, "delay"}, {a->contentions, "contentions"},
		{a->inuse_space, "inuse_space"}, {a->inuse_objects, "inuse_objects"},
		{a->alloc_space, "alloc_space"}, {a->alloc_objects, "alloc_objects"},
	};
	for (size_t i = 0; i < sizeof(shorthand) / sizeof(shorthand[0]); i++)
		if (shorthand[i].on && !a->ro.sample_index)
			a->ro.sample_index = shorthand[i].index;
	a->ro.mean = a->mean || a->mean_delay;
	return 0;
}

/* The signals that end cmon pprof, held while ssh runs (see remote_begin);
 * one that cmon was started ignoring (nohup's SIGHUP) stays ignored. */
static sigset_t stop_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&set, sigs[i]);
	}
	return set;
}

static bool any_ssh_source(char **argv, int nsrc, const struct pprof_args *a)
{
	for (int i = 0; i < nsrc; i++)
		if (!strncasecmp(argv[i], "ssh://", 6))
			return true;
	const char *bases[2] = {a->base, a->diff_base};
	for (int i = 0; i < 2; i++)
		if (bases[i] && !strncasecmp(bases[i], "ssh://", 6))
			return true;
	return false;
}

/* Ends the tunnels, then lets a held signal end cmon as it would have. */
static void remote_end(struct pprof_args *a)
{
	cm_pprof_remote_close(a->remote);
	a->remote = NULL;
	if (a->cancel_fd > 0) {
		close(a->cancel_fd);
		a->cancel_fd = 0;
		sigset_t set = stop_signals();
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
}

/* -ssh and ssh:// sources: the tunnels are up before anything is read.
 * While they exist, SIGINT, SIGTERM and SIGHUP wait on a signalfd, which
 * also cuts a wait or a fetch short, so that ssh is ended and its sockets
 * removed before the signal ends cmon (remote_end). */
static int remote_begin(struct pprof_args *a, char **argv, int nsrc)
{
	if (!a->ssh && !any_ssh_source(argv, nsrc, a))
		return 0;
	sigset_t set = stop_signals();
	sigprocmask(SIG_BLOCK, &set, NULL);
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	a->cancel_fd = fd > 0 ? fd : 0;
	char **specs = calloc((size_t)nsrc + 2, sizeof(*specs));
	char err[768] = "out of memory";
	int rc = 1;
	if (specs) {
		memcpy(specs, argv, (size_t)nsrc * sizeof(*specs));
		specs[nsrc] = (char *)a->base;
		specs[nsrc + 1] = (char *)a->diff_base;
		rc = cm_pprof_remote_open(&a->remote, specs, (size_t)nsrc + 2, a->ssh, a->ssh_opts,
					  a->cancel_fd, err, sizeof(err));
		free(specs);
	}
	if (rc)
		fprintf(stderr, "cmon pprof: %s\n", err);
	return rc;
}

/* A copy of s for cmon to work on, s's password (in argv's own bytes)
 * overwritten with '*'. NULL when out of memory. */
static char *copy_hiding(const char *s)
{
	char *c = strdup(s);
	if (c)
		cm_url_hide_password((char *)s, strlen(s));
	return c;
}

/* ps shows cmon's argv to every user: cmon works on copies of the sources
 * (and -base, -diff_base), and their passwords in argv become '*'.
 * own[0..nsrc + 2) gets the copies, for the caller to free. -1 when out
 * of memory. */
static int copy_sources(char **argv, int nsrc, struct pprof_args *a, char **own)
{
	for (int i = 0; i < nsrc; i++)
		if (!(argv[i] = own[i] = copy_hiding(argv[i])))
			return -1;
	if (a->base && !(a->base = own[nsrc] = copy_hiding(a->base)))
		return -1;
	if (a->diff_base && !(a->diff_base = own[nsrc + 1] = copy_hiding(a->diff_base)))
		return -1;
	return 0;
}

static int load_and_report(struct pprof_args *a, char **argv, int nsrc);

int cm_pprof_main(int argc, char **argv)
{
	struct pprof_args a;
	memset(&a, 0, sizeof(a));
	cm_report_opts_init(&a.ro);
	a.max_inflated = CM_DEFAULT_MAX_INFLATED;
	a.timeout = -1;
	struct cm_flag flags[PPROF_MAX_FLAGS];
	size_t nflags = pprof_flags(&a, flags);
	char err[512];
	int nsrc = cm_flags_parse(flags, nflags, argc, argv, err, sizeof(err));
	if (nsrc < 0) { /* exit status 1, as go tool pprof's */
		fprintf(stderr, "cmon pprof: %s; cmon pprof -help lists the flags\n", err);
		return 1;
	}
	if (a.help) {
		cm_pprof_usage(stdout);
		return 0;
	}
	if (nsrc == 0) {
		fprintf(stderr, "cmon pprof: no profile source given\n");
		cm_pprof_usage(stderr);
		return 2;
	}
	if (nsrc > 1 && is_executable_file(argv[0])) {
		a.exec_name = argv[0];
		argv++;
		nsrc--;
	} else if (nsrc > 1 && !(a.buildid && *a.buildid) && is_build_id(argv[0])) {
		a.buildid = argv[0];
		argv++;
		nsrc--;
	}
	char warn[512];
	cm_symbolize_parse(a.symbolize, &a.sym, warn, sizeof(warn));
	if (*warn)
		fprintf(stderr, "%s\n", warn);
	int picked = pick_report(&a);
	if (picked < 0)
		return picked == -2 ? 2 : 1;
	if (a.base && a.diff_base) {
		fprintf(stderr, "cmon pprof: -base and -diff_base cannot both be set\n");
		return 2;
	}
	if (a.normalize && !a.base && !a.diff_base) {
		fprintf(stderr, "cmon pprof: must have base profile to normalize by\n");
		return 1;
	}
	/* Labels are a sixth of a heap profile's model: kept only when read.
	 * Merging reads them: pprof sums samples of equal stack AND labels;
	 * so does the viewer's labels level. */
	a.keep_labels = cm_report_opts_need_labels(&a.ro) || a.base || a.diff_base || nsrc > 1 ||
			a.interactive;
	/* Compact stacks are two thirds of the memory of fixed-width ones
	 * on a big profile. Whatever rewrites stacks (filters, merges)
	 * converts them back, so a report that will keeps fixed-width ones
	 * from the start. The viewer keeps them too: it builds graphs over
	 * the whole profile while a key waits (p's peek: 11 ms on the big
	 * benchmark profile, 15 ms reading varints, where every key must
	 * answer within 16). */
	a.compact_stacks = !a.interactive && nsrc == 1 && !a.base && !a.diff_base &&
			   !cm_report_opts_change_samples(&a.ro) && !merge_needed_by_report(&a);
	char **own = calloc((size_t)nsrc + 2, sizeof(*own));
	int rc = 1;
	if (!own || copy_sources(argv, nsrc, &a, own) < 0)
		fprintf(stderr, "cmon pprof: out of memory\n");
	else if ((rc = remote_begin(&a, argv, nsrc)) == 0)
		rc = load_and_report(&a, argv, nsrc);
	remote_end(&a);
	for (int i = 0; own && i < nsrc + 2; i++)
		free(own[i]);
	free(own);
	return rc;
}

/* True when the viewer can fetch the sources itself, in its loop with
 * the screen up (a CPU capture counts down there and q cancels it): URL
 * sources, without -tls_* (the first fetch checks them and words their
 * errors as go tool pprof does; r's fetches in the loop use them). */
static bool viewer_fetches(const struct pprof_args *a, char **argv, int nsrc)
{
	bool any_url = false;
	for (int i = 0; i < nsrc; i++) {
		char *url = cm_source_url(cm_pprof_remote_source(argv[i]), a->seconds);
		any_url |= url != NULL;
		free(url);
	}
	return any_url && !a->tls_cert && !a->tls_key && !a->tls_ca;
}

/* The viewer on the loaded sources (or on none yet: it fetches them);
 * the base goes to the viewer unmerged, so that r (re-fetch) shows the
 * difference again. */
static int run_viewer(struct pprof_args *a, char **argv, int nsrc)
{
	struct cm_pview_app_args va = {.specs = argv, .nspecs = nsrc, .seconds = a->seconds,
				       .max_inflated = a->max_inflated,
				       .diff_base = a->diff_base != NULL, .remote = a->remote,
				       .exec_name = a->exec_name, .buildid = a->buildid,
				       .timeout = a->timeout, .tls_cert = a->tls_cert,
				       .tls_key = a->tls_key, .tls_ca = a->tls_ca};
	cm_viewer_opts_init(&va.vo);
	va.vo.ro = a->ro;
	va.vo.sym = a->sym;
	va.vo.module = a->module;
	va.vo.max_inflated = a->max_inflated;
	const char *base = a->diff_base ? a->diff_base : a->base;
	char *bspec[1] = {(char *)base};
	if (base && !(va.base = load_merged(bspec, 1, a)))
		return 1;
	if (!viewer_fetches(a, argv, nsrc)) {
		if (nsrc == 1) {
			a->keep = &va.raw;
			a->keep_len = &va.raw_len;
		}
		va.profile = load_merged(argv, nsrc, a);
		a->keep = NULL;
		if (!va.profile) {
			cm_profile_free(va.base);
			free(va.raw);
			return 1;
		}
		name_executable(va.profile, a);
	}
	return cm_pview_app_run(&va);
}

static int render_report(void *ctx, FILE *out, char *err, size_t errlen)
{
	return cm_report_write(ctx, out, err, errlen);
}

/* The report where the flags send it (report_out.c): standard output,
 * -output's file, or through dot for the images. */
static int write_report(const struct pprof_args *a, struct cm_report *r, char *err, size_t errlen)
{
	struct cm_report_dest dest = {.output = a->output, .image = a->image};
	if (a->image)
		dest.binary_suffix = a->image;
	else if (a->callgrind)
		dest.binary_suffix = "callgraph.out";
	else if (a->proto || a->topproto)
		dest.binary_suffix = "pb.gz";
	return cm_report_out(&dest, render_report, r, err, errlen);
}

/* One line of stderr for each line of w. */
static void print_warning(const char *w)
{
	for (const char *nl; (nl = strchr(w, '\n')); w = nl + 1)
		fprintf(stderr, "cmon pprof: %.*s\n", (int)(nl - w), w);
	fprintf(stderr, "cmon pprof: %s\n", w);
}

/* -add_comment: appended after merging, as pprof's fetchProfiles does
 * (comments a source already has stay; this one may repeat one). */
static int add_comment(struct cm_profile *p, const char *comment)
{
	const char **c = cm_arena_array(&p->arena, p->ncomments + 1, sizeof(*c));
	if (!c)
		return -1;
	memcpy(c, p->comments, p->ncomments * sizeof(*c));
	c[p->ncomments++] = comment;
	p->comments = c;
	return 0;
}

/* What pprof does to the merged profile before any report: Merge's ids
 * (-raw, -proto show them), drop_frames, -add_comment. */
static int finish_profile(struct cm_profile *p, const struct pprof_args *a, char *err,
			  size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	if ((a->raw || a->proto) && cm_profile_number_as_merged(p) < 0)
		return -1;
	if (cm_profile_remove_uninteresting(p, err, errlen) < 0)
		return -1;
	if (a->add_comment && *a->add_comment && add_comment(p, a->add_comment) < 0)
		return -1;
	return 0;
}

/* Sources, merge, base, report (or the viewer): the exit status. */
static int load_and_report(struct pprof_args *a, char **argv, int nsrc)
{
	if (a->interactive)
		return run_viewer(a, argv, nsrc);
	char err[512];
	struct cm_profile *p = load_merged(argv, nsrc, a);
	name_executable(p, a);
	if (p && (a->base || a->diff_base))
		p = apply_base(p, a);
	if (!p)
		return 1;
	cm_pprof_symbolize_notes(p, stderr);
	int status = 1;
	struct cm_report r;
	if (cm_profile_demangle(p, &a->sym) < 0) {
		fprintf(stderr, "cmon pprof: out of memory\n");
		cm_profile_free(p);
		return 1;
	}
	if (finish_profile(p, a, err, sizeof(err)) < 0 ||
	    cm_report_prepare(&r, p, &a->ro, err, sizeof(err)) < 0) {
		fprintf(stderr, "cmon pprof: %s\n", err);
	} else {
		for (int i = 0; i < CM_REPORT_MAX_WARNINGS && r.warnings[i]; i++)
			print_warning(r.warnings[i]);
		if (write_report(a, &r, err, sizeof(err)) < 0)
			fprintf(stderr, "cmon pprof: %s\n", err);
		else
			status = 0;
	}
	cm_profile_free(p);
	return status; /* main flushes stdout, and says when that fails */
}
