/* test_viewer: the profile viewer's model, headless, on the committed
 * profiles (tests/data) against the committed go tool pprof outputs
 * (tests/golden): top rows and headers, sort, sample index, granularity,
 * filters, diff; source and peek numbers; selection, search, the back
 * stack, pinning across refreshes. Runs from the source root (the golden
 * -list cases use -source_path=tests/profgen). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "read_all.h"
#include "viewer_file.h"
#include "cmon/profile/profile.h"
#include "cmon/viewer/viewer.h"

#define DATA CMON_SOURCE_DIR "/tests/data/"
#define GOLDEN CMON_SOURCE_DIR "/tests/golden/"

/* The golden file's lines (the buffer is cut in place). */
struct lines {
	char *buf;
	char *line[4096];
	size_t n;
};

static int read_lines(const char *name, struct lines *l)
{
	char path[512];
	size_t len;
	snprintf(path, sizeof(path), GOLDEN "%s.txt", name);
	memset(l, 0, sizeof(*l));
	if (!(l->buf = (char *)read_all(path, &len)))
		return -1;
	for (char *p = l->buf; *p && l->n < 4096;) {
		char *nl = strchr(p, '\n');
		l->line[l->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return 0;
}

static struct cm_viewer *open_viewer(const char *profile, const struct cm_viewer_opts *o)
{
	char err[512];
	struct cm_viewer *v = cm_viewer_new(o, err, sizeof(err));
	CHECK_MSG(v != NULL, "cm_viewer_new: %s", err);
	if (v)
		viewer_load_file(v, profile);
	return v;
}

/* Header, headings and rows against the golden -top output. */
static void check_top_golden(struct cm_viewer *v, const char *golden)
{
	struct lines want;
	if (read_lines(golden, &want) < 0) {
		CHECK_MSG(0, "golden %s missing", golden);
		return;
	}
	size_t nh = cm_viewer_header_count(v), nr = cm_viewer_top_count(v);
	CHECK_MSG(nh + 1 + nr == want.n, "%s: %zu header + %zu rows, golden has %zu lines", golden,
		  nh, nr, want.n);
	size_t k = 0, bad = 0;
	for (size_t i = 0; i < nh && k < want.n; i++, k++)
		if (strcmp(cm_viewer_header(v, i), want.line[k]) && bad++ < 3)
			CHECK_STR(cm_viewer_header(v, i), want.line[k], golden);
	if (k < want.n)
		CHECK_STR(cm_viewer_top_headings(), want.line[k++], golden);
	char buf[1024];
	for (size_t i = 0; i < nr && k < want.n; i++, k++)
		if (strcmp(cm_viewer_top_text(v, i, buf, sizeof(buf)), want.line[k]) && bad++ < 3)
			CHECK_STR(buf, want.line[k], golden);
	CHECK_MSG(bad == 0, "%s: %zu lines differ", golden, bad);
	free(want.buf);
}

static void test_golden_top(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	char err[512];

	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	check_top_golden(v, "cpu.top");
	cm_viewer_toggle_sort(v, 0);
	CHECK(cm_viewer_cum_sort(v));
	check_top_golden(v, "cpu.top_cum");
	cm_viewer_toggle_sort(v, 0);
	check_top_golden(v, "cpu.top");
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_FOCUS, "main\\.compute$", 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_focus");
	/* a bad regex: an error, nothing changes */
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_IGNORE, "a(b", 0, err, sizeof(err)) < 0);
	CHECK_ERR(err, "ignore", "bad regex message");
	CHECK(cm_viewer_filter(v, CM_VFILTER_IGNORE) == NULL);
	check_top_golden(v, "cpu.top_focus");
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_IGNORE, "sort\\.|sha256", 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_focus_ignore");
	cm_viewer_clear_filters(v, 0);
	CHECK(cm_viewer_filter(v, CM_VFILTER_FOCUS) == NULL);
	check_top_golden(v, "cpu.top");
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_HIDE, "runtime\\.", 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_hide");
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_HIDE, "", 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_lines");
	CHECK(cm_viewer_cycle_granularity(v, 1, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_granularity(v) == CM_GRAN_ADDRESSES);
	check_top_golden(v, "cpu.top_addresses");
	CHECK(cm_viewer_cycle_granularity(v, 1, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_functions");
	CHECK(cm_viewer_cycle_granularity(v, -1, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_cycle_granularity(v, -2, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_granularity_name(cm_viewer_granularity(v)), "files", "granularity");
	check_top_golden(v, "cpu.top_files");
	cm_viewer_free(v);

	/* sample indexes, cycling from the default (inuse_space) */
	v = open_viewer("heap.pb.gz", &o);
	CHECK(cm_viewer_sample_count(v) == 4);
	CHECK_STR(cm_viewer_sample_name(v, cm_viewer_sample_index(v)), "inuse_space", "default index");
	check_top_golden(v, "heap.top_inuse_space");
	CHECK(cm_viewer_cycle_sample(v, 1, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_sample_name(v, cm_viewer_sample_index(v)), "alloc_objects", "wraps");
	check_top_golden(v, "heap.top_alloc_objects");
	CHECK(cm_viewer_cycle_sample(v, 1, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "heap.top_alloc_space");
	CHECK(cm_viewer_cycle_sample(v, 2, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "heap.top_inuse_space");
	CHECK(cm_viewer_cycle_sample(v, -1, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "heap.top_inuse_objects");
	cm_viewer_free(v);

	o.ro.sample_index = "contentions";
	v = open_viewer("mutex.pb.gz", &o);
	check_top_golden(v, "mutex.top_contentions");
	cm_viewer_free(v);
}

/* States kept per sample type and granularity (switching back is a swap):
 * what comes back is sorted as the viewer is now, and a filter changed
 * meanwhile makes the kept ones stale. */
static void test_kept_states(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	char err[512];
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o); /* cpu, by flat */
	CHECK(cm_viewer_set_sample(v, 0, 0, err, sizeof(err)) == 0);
	cm_viewer_toggle_sort(v, 0);
	CHECK(cm_viewer_set_sample(v, 1, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_cum");
	cm_viewer_toggle_sort(v, 0);
	CHECK(cm_viewer_set_sample(v, 0, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_FOCUS, "main\\.compute$", 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_set_sample(v, 1, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_focus");
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	cm_viewer_clear_filters(v, 0);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FUNCTIONS, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top");
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top_lines");
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FUNCTIONS, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "cpu.top");
	cm_viewer_free(v);
}

/* Whether a and b show the same table: header, rows, sort. */
static bool same_table(struct cm_viewer *a, struct cm_viewer *b, const char *what)
{
	char ba[1024], bb[1024];
	size_t nh = cm_viewer_header_count(a), nr = cm_viewer_top_count(a);
	CHECK_MSG(nh == cm_viewer_header_count(b) && nr == cm_viewer_top_count(b),
		  "%s: %zu+%zu lines against %zu+%zu", what, nh, nr, cm_viewer_header_count(b),
		  cm_viewer_top_count(b));
	if (nh != cm_viewer_header_count(b) || nr != cm_viewer_top_count(b))
		return false;
	for (size_t i = 0; i < nh; i++)
		if (strcmp(cm_viewer_header(a, i), cm_viewer_header(b, i))) {
			CHECK_STR(cm_viewer_header(b, i), cm_viewer_header(a, i), what);
			return false;
		}
	for (size_t i = 0; i < nr; i++)
		if (strcmp(cm_viewer_top_text(a, i, ba, sizeof(ba)),
			   cm_viewer_top_text(b, i, bb, sizeof(bb)))) {
			CHECK_STR(bb, ba, what);
			return false;
		}
	return true;
}

/* The table of (vi, g) built at once, on opening. */
static struct cm_viewer *direct_viewer(const char *profile, size_t vi, enum cm_granularity g)
{
	struct cm_viewer_opts o;
	char si[32];
	cm_viewer_opts_init(&o);
	snprintf(si, sizeof(si), "%zu", vi);
	o.ro.sample_index = si;
	o.ro.granularity = g;
	o.ro.granularity_set = true;
	return open_viewer(profile, &o);
}

/* Steps v in slices of n samples until nothing is pending; how many. */
static size_t step_all(struct cm_viewer *v, size_t n)
{
	size_t steps = 0;
	while (cm_viewer_pending(v) && steps < 1000000) {
		cm_viewer_step(v, n, 0);
		steps++;
	}
	CHECK(!cm_viewer_pending(v));
	return steps;
}

/* issue 15: the tables built in slices (cm_viewer_step) are exactly the
 * ones a direct build gives, for every sample index and granularity,
 * whether built ahead or waited for by a switch; the heap profile's node
 * fraction makes the -top build take a second pass. */
static void test_stepped_builds(void)
{
	const char *profiles[] = {"heap.pb.gz", "cpu.pb.gz"};
	char err[512], what[128];
	for (int pi = 0; pi < 2; pi++) {
		struct cm_viewer_opts o;
		cm_viewer_opts_init(&o);
		o.background = true;
		struct cm_viewer *v = open_viewer(profiles[pi], &o);
		if (!v)
			continue;
		size_t ns = cm_viewer_sample_count(v);
		CHECK(cm_viewer_pending(v)); /* the neighbours, ahead */
		CHECK(step_all(v, 7) > 2);
		size_t waited = 0;
		for (size_t vi = 0; vi < ns; vi++) {
			for (int g = 0; g < 5; g++) {
				snprintf(what, sizeof(what), "%s %zu %s", profiles[pi], vi,
					 cm_viewer_granularity_name((enum cm_granularity)g));
				CHECK(cm_viewer_set_sample(v, vi, 0, err, sizeof(err)) == 0);
				CHECK(cm_viewer_set_granularity(v, (enum cm_granularity)g, 0, err,
								sizeof(err)) == 0);
				if (cm_viewer_building(v)) {
					waited++;
					while (cm_viewer_building(v))
						cm_viewer_step(v, 13, 0);
				}
				CHECK_MSG(cm_viewer_sample_index(v) == vi &&
						  cm_viewer_granularity(v) == (enum cm_granularity)g,
					  "%s: shows what was asked", what);
				struct cm_viewer *d = direct_viewer(profiles[pi], vi,
								    (enum cm_granularity)g);
				if (d)
					same_table(d, v, what);
				cm_viewer_free(d);
			}
		}
		CHECK_MSG(waited > 0, "%s: some switches waited for their build", profiles[pi]);
		cm_viewer_free(v);
	}
}

/* A generated profile: ns samples 3 to 12 frames deep over nloc
 * locations (every fifth with an inlined line) of nfn functions, two
 * sample types, a numeric label on every sample. The same for the same
 * arguments. */
static struct cm_profile *generated(size_t ns, uint32_t nloc, uint32_t nfn)
{
	struct cm_profile *p = cm_profile_new();
	struct cm_arena *a = &p->arena;
	char name[64];
	p->sample_types = cm_arena_array(a, 2, sizeof(*p->sample_types));
	p->sample_types[0] = (struct cm_value_type){"alloc_objects", "count"};
	p->sample_types[1] = (struct cm_value_type){"alloc_space", "bytes"};
	p->nsample_types = 2;
	p->functions = cm_arena_array(a, nfn, sizeof(*p->functions));
	for (uint32_t i = 0; i < nfn; i++) {
		int len = snprintf(name, sizeof(name), "pkg%u.f%u", i % 17, i);
		const char *nm = cm_arena_strndup(a, name, (size_t)len);
		len = snprintf(name, sizeof(name), "/src/pkg%u/f.go", i % 17);
		p->functions[i] = (struct cm_function){i + 1, nm, nm, cm_arena_strndup(a, name, (size_t)len), 1};
	}
	p->nfunctions = nfn;
	p->locations = cm_arena_array(a, nloc, sizeof(*p->locations));
	for (uint32_t i = 0; i < nloc; i++) {
		uint32_t nl = i % 5 ? 1 : 2;
		struct cm_line *l = cm_arena_array(a, nl, sizeof(*l));
		for (uint32_t k = 0; k < nl; k++)
			l[k] = (struct cm_line){(i * 7 + k * 13) % nfn, 10 + i % 50};
		p->locations[i] = (struct cm_location){i + 1, CM_NONE, nl, 0x1000 + 16 * (uint64_t)i, l, false};
	}
	p->nlocations = nloc;
	p->samples = cm_arena_array(a, ns, sizeof(*p->samples));
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < ns; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t depth = 3 + (uint32_t)(x % 10);
		uint16_t *locs = cm_arena_array(a, depth, sizeof(*locs));
		int64_t *vals = cm_arena_array(a, 2, sizeof(*vals));
		struct cm_label *lb = cm_arena_array(a, 1, sizeof(*lb));
		for (uint32_t k = 0; k < depth; k++)
			locs[k] = (uint16_t)((x >> (3 * k)) % nloc);
		vals[0] = 1 + (int64_t)(x >> 40) % 3;
		vals[1] = vals[0] * 512;
		*lb = (struct cm_label){"bytes", NULL, vals[1], ""};
		p->samples[i] = (struct cm_sample){.locs = locs, .nlocs = depth, .values = vals,
						   .labels = lb, .nlabels = 1};
	}
	p->nsamples = ns;
	return p;
}

/* Samples without frames (pprof leaves them out of every report): the
 * work copy of a build shares the pristine profile's sample array when
 * no option rewrites samples, so leaving them out must not write into it.
 * Later builds (another sample type, another granularity) then see the
 * profile as loaded: the table is a fresh viewer's (it was not: the
 * second build counted some samples twice, 2044.50kB of 2035kB). */
static struct cm_profile *frameless_profile(void)
{
	struct cm_profile *p = generated(2000, 300, 100);
	for (size_t i = 0; i < p->nsamples; i += 7)
		p->samples[i].nlocs = 0;
	return p;
}

static void test_frameless_samples(void)
{
	char err[512];
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err)), *fresh = NULL;
	if (!v || cm_viewer_load_profile(v, frameless_profile(), 0, err, sizeof(err)) < 0) {
		CHECK_MSG(0, "frameless: %s", err);
		cm_viewer_free(v);
		return;
	}
	/* three builds over the same loaded profile */
	CHECK(cm_viewer_set_sample(v, 1, 0, err, sizeof(err)) == 0);
	step_all(v, SIZE_MAX);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	step_all(v, SIZE_MAX);
	cm_viewer_opts_init(&o);
	o.ro.sample_index = "1";
	o.ro.granularity = CM_GRAN_LINES;
	o.ro.granularity_set = true;
	if ((fresh = cm_viewer_new(&o, err, sizeof(err))) &&
	    cm_viewer_load_profile(fresh, frameless_profile(), 0, err, sizeof(err)) == 0)
		same_table(v, fresh, "frameless samples, third build");
	cm_viewer_free(fresh);
	cm_viewer_free(v);
}

/* issue 15: no step of a background build goes over more than n samples
 * (the report's passes, the table's) plus one pass over the profile's
 * tables (the copy, the aggregation: locations and functions), and the
 * tables built so are a direct build's. */
static void test_bounded_steps(void)
{
	enum { NS = 300000, NLOC = 3000, NFN = 1000, N = 1024 };
	struct cm_viewer_opts o;
	char err[512];
	cm_viewer_opts_init(&o);
	o.background = true;
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err)), *d = NULL;
	if (!v || cm_viewer_load_profile(v, generated(NS, NLOC, NFN), 0, err, sizeof(err)) < 0) {
		CHECK_MSG(0, "generated profile: %s", err);
		cm_viewer_free(v);
		return;
	}
	CHECK(cm_viewer_set_sample(v, 0, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_building(v) != NULL);
	size_t steps = 0, most = 0, total = 0;
	while (cm_viewer_pending(v) && steps < 100000) {
		cm_viewer_step(v, N, 0);
		size_t w = cm_viewer_step_work(v);
		most = w > most ? w : most;
		total += w;
		steps++;
	}
	CHECK_MSG(most <= N + NLOC + NFN, "a step did %zu units (bound %d)", most, N + NLOC + NFN);
	CHECK_MSG(total > 10 * (size_t)NS, "%zu units in %zu steps: the builds were counted", total,
		  steps);
	cm_viewer_opts_init(&o);
	o.ro.sample_index = "0";
	if ((d = cm_viewer_new(&o, err, sizeof(err))) &&
	    cm_viewer_load_profile(d, generated(NS, NLOC, NFN), 0, err, sizeof(err)) == 0)
		same_table(d, v, "generated, built in steps");
	cm_viewer_free(d);
	cm_viewer_free(v);
}

/* issue 15: keys while a switch waits for its table: the table shown
 * stays and moves; another switch retargets the build; a switch back to
 * what shows ends the wait; an option changed during it (sort) is what
 * the table comes with; a filter drops the build and builds at once. */
static void test_key_during_build(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.background = true;
	char err[512];
	struct cm_viewer *v = open_viewer("heap.pb.gz", &o); /* inuse_space = 3 */
	if (!v)
		return;
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FILES, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_building(v) != NULL);
	CHECK(!strncmp(cm_viewer_building(v), "building inuse_space (files)... 0%", 40));
	cm_viewer_step(v, 500, 0); /* the copy: nothing summed yet */
	CHECK(cm_viewer_building(v) && strstr(cm_viewer_building(v), "... 0%"));
	cm_viewer_step(v, 500, 0); /* the report's passes, in steps */
	cm_viewer_step(v, 500, 0);
	CHECK_MSG(cm_viewer_building(v) && !strstr(cm_viewer_building(v), "... 0%"),
		  "progress: %s", cm_viewer_building(v) ? cm_viewer_building(v) : "none");
	CHECK(cm_viewer_granularity(v) == CM_GRAN_FUNCTIONS); /* the table shown stays */
	cm_viewer_move(v, 2, 0);
	CHECK(cm_viewer_level(v)->sel == 2);
	/* back to what shows: no wait */
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FUNCTIONS, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_building(v) == NULL);
	/* t, then T, then t twice while waiting: the last one counts */
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_cycle_sample(v, 1, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_cycle_sample(v, 1, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_building(v) && strstr(cm_viewer_building(v), "alloc_space (lines)"));
	cm_viewer_step(v, 100, 0);
	cm_viewer_toggle_sort(v, 0);
	while (cm_viewer_building(v))
		cm_viewer_step(v, 1000, 0);
	CHECK(cm_viewer_sample_index(v) == 1 && cm_viewer_granularity(v) == CM_GRAN_LINES);
	struct cm_viewer *d = direct_viewer("heap.pb.gz", 1, CM_GRAN_LINES);
	if (d) {
		cm_viewer_toggle_sort(d, 0);
		same_table(d, v, "sorted by cum during the build");
	}
	/* a filter during a wait: built at once, with the wanted type */
	CHECK(cm_viewer_set_sample(v, 0, 0, err, sizeof(err)) == 0);
	cm_viewer_step(v, 100, 0);
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_FOCUS, "main", 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_building(v) == NULL && cm_viewer_sample_index(v) == 0);
	cm_viewer_free(d);
	cm_viewer_free(v);
}

/* -diff_base and -base: the base set first, the profile loaded after. */
static void test_golden_diff(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	char err[512];
	size_t len;
	for (int labelled = 0; labelled < 2; labelled++) {
		struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
		unsigned char *b = read_all(DATA "heap.pb.gz", &len);
		/* with labels, as the viewer decodes its profiles (merging compares them) */
		struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED};
		struct cm_profile *base = cm_profile_decode(b, len, &lim, err, sizeof(err));
		free(b);
		CHECK(cm_viewer_set_base(v, base, labelled, err, sizeof(err)) == 0);
		unsigned char *d = read_all(DATA "heap2.pb.gz", &len);
		CHECK(cm_viewer_load(v, d, len, 0, err, sizeof(err)) == 0);
		free(d);
		CHECK(cm_viewer_is_diff(v));
		check_top_golden(v, labelled ? "heap.diff_base" : "heap.base");
		bool growth = false, shrink = false;
		for (size_t i = 0; i < cm_viewer_top_count(v); i++) {
			const struct cm_viewer_top_row *r = cm_viewer_top_row(v, i);
			growth |= r->change == CM_CHANGE_GROWTH;
			shrink |= r->change == CM_CHANGE_SHRINK;
			CHECK(r->change != CM_CHANGE_NONE || (r->flat == 0 && r->cum == 0));
		}
		CHECK(growth && shrink);
		cm_viewer_free(v);
	}

	/* b marks the base: the next profile shows as the difference */
	struct cm_viewer *v = open_viewer("heap.pb.gz", &o);
	CHECK(!cm_viewer_is_diff(v));
	CHECK(cm_viewer_mark_base(v, err, sizeof(err)) == 0);
	CHECK(cm_viewer_has_base(v) && !cm_viewer_is_diff(v));
	unsigned char *d = read_all(DATA "heap2.pb.gz", &len);
	CHECK(cm_viewer_load(v, d, len, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_is_diff(v));
	check_top_golden(v, "heap.diff_base");
	/* and the one after that too, until the base is cleared */
	CHECK(cm_viewer_load(v, d, len, 0, err, sizeof(err)) == 0);
	check_top_golden(v, "heap.diff_base");
	cm_viewer_clear_base(v);
	CHECK(!cm_viewer_has_base(v) && !cm_viewer_is_diff(v));
	check_top_golden(v, "heap2.top");
	free(d);
	cm_viewer_free(v);
}

/* The routine's block in a golden -list output: its summary line index. */
static size_t find_routine(const struct lines *l, const char *fn)
{
	char head[256];
	snprintf(head, sizeof(head), "ROUTINE ======================== %s in ", fn);
	for (size_t i = 0; i < l->n; i++)
		if (!strncmp(l->line[i], head, strlen(head)))
			return i;
	return SIZE_MAX;
}

static void check_source_golden(struct cm_viewer *v, const char *golden, const char *fn)
{
	struct lines want;
	CHECK(read_lines(golden, &want) == 0);
	size_t at = find_routine(&want, fn);
	CHECK_MSG(at != SIZE_MAX, "%s: no routine %s", golden, fn);
	if (at == SIZE_MAX) {
		free(want.buf);
		return;
	}
	const struct cm_viewer_level *l = cm_viewer_level(v);
	CHECK(l->kind == CM_VIEWER_SOURCE);
	CHECK_STR(l->title, fn, "source title");
	char head[512];
	snprintf(head, sizeof(head), "ROUTINE ======================== %s in %s", fn,
		 cm_viewer_src_file(v));
	CHECK_STR(head, want.line[at], "routine line");
	CHECK_STR(cm_viewer_src_summary(v), want.line[at + 1], "routine summary");
	size_t k = at + 2, bad = 0;
	for (size_t i = 0; i < l->nrows; i++, k++) {
		const struct cm_viewer_src_line *s = cm_viewer_src_line(v, i);
		char got[1024];
		snprintf(got, sizeof(got), "%10s %10s %6lld:%.*s", s->flat_s, s->cum_s,
			 (long long)s->lineno, (int)s->text_len, s->text);
		if (k >= want.n || (strcmp(got, want.line[k]) && bad++ < 3))
			CHECK_STR(got, k < want.n ? want.line[k] : "(end)", fn);
	}
	CHECK_MSG(bad == 0, "%s %s: %zu lines differ", golden, fn, bad);
	CHECK_MSG(k == want.n || !strncmp(want.line[k], "ROUTINE", 7), "%s: block longer", fn);
	free(want.buf);
}

/* Selects the TOP row named name; false when there is none. */
static bool select_name(struct cm_viewer *v, const char *name)
{
	for (size_t i = 0; i < cm_viewer_top_count(v); i++)
		if (!strcmp(cm_viewer_top_row(v, i)->name, name)) {
			cm_viewer_select(v, i, 0);
			return true;
		}
	return false;
}

static void test_source(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.ro.source_path = "tests/profgen";
	o.goroot = o.gomodcache = "";
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	const char *fns[] = {"main.fib", "main.hashLoop", "main.mix"};
	for (size_t i = 0; i < 3; i++) {
		CHECK(select_name(v, fns[i]));
		CHECK(cm_viewer_enter(v, 0));
		CHECK(cm_viewer_src_found(v));
		CHECK(cm_viewer_message(v) == NULL);
		check_source_golden(v, "cpu.list", fns[i]);
		CHECK(cm_viewer_back(v));
	}
	/* heat and ranks: rank 1 is the heaviest line, heat 1 */
	CHECK(select_name(v, "main.hashLoop") && cm_viewer_enter(v, 0));
	const struct cm_viewer_level *l = cm_viewer_level(v);
	const struct cm_viewer_src_line *s = cm_viewer_src_line(v, l->sel);
	CHECK(s && s->hot_rank == 1 && s->heat == 1.0);
	CHECK(s && s->lineno == 155); /* 30ms cum, opened on it */
	CHECK_STR(s ? s->callee : NULL, "main.mix", "callee of line 155");
	CHECK(cm_viewer_next_hot(v, 1, 0));
	s = cm_viewer_src_line(v, cm_viewer_level(v)->sel);
	CHECK(s && s->hot_rank == 2 && s->lineno == 154 && s->heat > 0 && s->heat < 1);
	CHECK(!cm_viewer_next_hot(v, 1, 0));
	CHECK(cm_viewer_next_hot(v, -1, 0));
	CHECK(cm_viewer_src_line(v, cm_viewer_level(v)->sel)->lineno == 155);
	/* Enter on the line drills into the callee, back restores the line */
	CHECK(cm_viewer_enter(v, 0));
	CHECK_STR(cm_viewer_level(v)->title, "main.mix", "drilled");
	CHECK(cm_viewer_level(v)->depth == 2);
	check_source_golden(v, "cpu.list", "main.mix");
	CHECK(cm_viewer_back(v));
	CHECK_STR(cm_viewer_level(v)->title, "main.hashLoop", "back");
	CHECK(cm_viewer_src_line(v, cm_viewer_level(v)->sel)->lineno == 155);
	/* search in the source text; Esc puts the selection back */
	size_t at = cm_viewer_level(v)->sel;
	CHECK(cm_viewer_search(v, "for i :=", 0));
	CHECK(cm_viewer_src_line(v, cm_viewer_level(v)->sel)->lineno == 154);
	cm_viewer_search_done(v, true);
	CHECK(cm_viewer_level(v)->sel == at);
	CHECK(cm_viewer_back(v));
	CHECK(!cm_viewer_back(v));
	CHECK_STR(cm_viewer_top_row(v, cm_viewer_level(v)->sel)->name, "main.hashLoop", "top sel");

	/* a granularity change leaves the levels above TOP */
	char err[512];
	CHECK(cm_viewer_enter(v, 0) && cm_viewer_level(v)->depth == 1);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FILES, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_TOP);
	/* files: the source of a whole file */
	CHECK(select_name(v, "main.go") && cm_viewer_enter(v, 0));
	CHECK_STR(cm_viewer_level(v)->title, "main.go", "file source");
	CHECK(cm_viewer_src_found(v) && cm_viewer_level(v)->nrows > 100);
	cm_viewer_free(v);

	/* not found: the message names the path and the flags; numbers stay */
	o.ro.source_path = "tests/nonexistent";
	v = open_viewer("cpu.pb.gz", &o);
	CHECK(select_name(v, "main.hashLoop") && cm_viewer_enter(v, 0));
	CHECK(!cm_viewer_src_found(v));
	const char *m = cm_viewer_message(v);
	CHECK(m && strstr(m, "main.go") && strstr(m, "tests/nonexistent") &&
	      strstr(m, "-source_path") && strstr(m, "-trim_path"));
	l = cm_viewer_level(v);
	CHECK(l->nrows == 2);
	s = cm_viewer_src_line(v, 0);
	CHECK(s && s->lineno == 154 && !strcmp(s->flat_s, "10ms") && !strcmp(s->cum_s, "10ms"));
	s = cm_viewer_src_line(v, 1);
	CHECK(s && s->lineno == 155 && !strcmp(s->flat_s, ".") && !strcmp(s->cum_s, "30ms"));
	cm_viewer_free(v);
}

/* issue 15: with background builds, Enter before the lines are built
 * answers at once with the SOURCE level empty and its progress; keys
 * work meanwhile, Esc returns at once; the rows that come in slices are
 * -list's, on the heaviest line; a switch of sample type waits for its
 * table, then for its lines. */
static void test_source_background(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.ro.source_path = "tests/profgen";
	o.goroot = o.gomodcache = "";
	o.background = true;
	char err[512];
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	if (!v)
		return;
	CHECK(cm_viewer_pending(v));
	CHECK(select_name(v, "main.hashLoop") && cm_viewer_enter(v, 0));
	const struct cm_viewer_level *l = cm_viewer_level(v);
	CHECK(l->kind == CM_VIEWER_SOURCE && l->nrows == 0 && cm_viewer_message(v) == NULL);
	CHECK_STR(cm_viewer_building(v), "annotating main.hashLoop... 0%", "progress");
	cm_viewer_move(v, 1, 0);
	CHECK(cm_viewer_level(v)->nrows == 0 && cm_viewer_level(v)->sel == 0);
	/* the copy, then the report's passes in steps: the progress moves */
	for (int i = 0; i < 10000 && strstr(cm_viewer_building(v), "... 0%"); i++)
		cm_viewer_step(v, 7, 0);
	CHECK(cm_viewer_building(v) && !strstr(cm_viewer_building(v), "... 0%"));
	/* Esc during the annotation: the table at once, on the same row */
	CHECK(cm_viewer_back(v));
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_TOP && cm_viewer_building(v) == NULL);
	CHECK_STR(cm_viewer_selected_name(v), "main.hashLoop", "back on the row");
	CHECK(cm_viewer_pending(v)); /* the lines go on building */
	CHECK(cm_viewer_enter(v, 0) && cm_viewer_level(v)->nrows == 0);
	size_t steps = 0;
	while (cm_viewer_building(v) && steps++ < 100000)
		CHECK(cm_viewer_step(v, 7, 0)); /* each a redraw: the progress, then the rows */
	check_source_golden(v, "cpu.list", "main.hashLoop");
	const struct cm_viewer_src_line *s = cm_viewer_src_line(v, cm_viewer_level(v)->sel);
	CHECK(s && s->lineno == 155 && s->hot_rank == 1); /* on the heaviest line */
	/* built: another function's source answers with its rows */
	CHECK(cm_viewer_back(v) && select_name(v, "main.mix") && cm_viewer_enter(v, 0));
	CHECK(cm_viewer_building(v) == NULL);
	check_source_golden(v, "cpu.list", "main.mix");
	/* t with the source shown: the table, then the lines, then the rows */
	CHECK(cm_viewer_set_sample(v, 0, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_building(v) && !strncmp(cm_viewer_building(v), "building samples", 16));
	while (cm_viewer_building(v) && !strncmp(cm_viewer_building(v), "building", 8))
		cm_viewer_step(v, 100, 0);
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_SOURCE && cm_viewer_sample_index(v) == 0);
	CHECK_STR(cm_viewer_building(v), "annotating main.mix... 0%", "the lines of samples");
	while (cm_viewer_building(v))
		cm_viewer_step(v, 100, 0);
	CHECK(cm_viewer_level(v)->nrows > 0 && cm_viewer_src_found(v));
	CHECK_STR(cm_viewer_level(v)->title, "main.mix", "still the source");
	cm_viewer_free(v);
}

/* A peek row as -peek prints it. */
static void peek_text(const struct cm_viewer_peek_row *r, char *buf, size_t len)
{
	if (r->role == CM_PEEK_SELF)
		snprintf(buf, len, "%10s %s %s %10s %s                | %s", r->flat_s, r->flat_pct,
			 "*", r->cum_s, r->cum_pct, r->name);
	else
		snprintf(buf, len, "%50s %s |   %s%s", r->weight_s, r->pct, r->name,
			 r->inline_call ? " (inline)" : "");
}

/* The golden block of fn (between separators) against the PEEK rows; the
 * own row's sum% is the golden's running sum, so it is not compared. */
static void check_peek_golden(struct cm_viewer *v, const char *golden, const char *fn)
{
	struct lines want;
	CHECK(read_lines(golden, &want) == 0);
	size_t self = SIZE_MAX;
	for (size_t i = 0; i < want.n; i++) {
		const char *bar = strstr(want.line[i], "                | ");
		if (bar && !strcmp(bar + 18, fn))
			self = i;
	}
	CHECK_MSG(self != SIZE_MAX, "%s: no block for %s", golden, fn);
	size_t from = self;
	while (from > 0 && want.line[from - 1][0] != '-')
		from--;
	const struct cm_viewer_level *l = cm_viewer_level(v);
	for (size_t i = 0; self != SIZE_MAX && i < l->nrows; i++) {
		char got[1024], w[1024];
		peek_text(cm_viewer_peek_row(v, i), got, sizeof(got));
		snprintf(w, sizeof(w), "%s", want.line[from + i]);
		if (from + i == self) /* sum% (columns 18-23) becomes "*" */
			snprintf(w, sizeof(w), "%.18s*%s", want.line[from + i], want.line[from + i] + 24);
		CHECK_STR(got, w, fn);
	}
	CHECK(self == SIZE_MAX || want.line[from + l->nrows][0] == '-');
	free(want.buf);
}

static void test_peek(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	CHECK(select_name(v, "main.mix"));
	CHECK(cm_viewer_peek(v, 0));
	const struct cm_viewer_level *l = cm_viewer_level(v);
	CHECK(l->kind == CM_VIEWER_PEEK && l->nrows == 4);
	CHECK(cm_viewer_peek_row(v, l->sel)->role == CM_PEEK_SELF);
	check_peek_golden(v, "cpu.peek", "main.mix");
	/* Enter on a caller moves peek to it; back returns */
	cm_viewer_select(v, 0, 0);
	CHECK(cm_viewer_enter(v, 0));
	CHECK_STR(cm_viewer_level(v)->title, "main.spin", "peek moved");
	CHECK(cm_viewer_back(v));
	CHECK_STR(cm_viewer_level(v)->title, "main.mix", "peek back");
	CHECK(cm_viewer_level(v)->sel == 0);
	/* Enter on the own row: its source */
	cm_viewer_select(v, 2, 0);
	CHECK(cm_viewer_enter(v, 0) && cm_viewer_level(v)->kind == CM_VIEWER_SOURCE);
	cm_viewer_free(v);

	v = open_viewer("heap.pb.gz", &o);
	CHECK(select_name(v, "main.build") && cm_viewer_peek(v, 0));
	check_peek_golden(v, "heap.peek", "main.build");
	cm_viewer_free(v);
}

static void test_navigation(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	const struct cm_viewer_level *l = cm_viewer_level(v);
	size_t n = l->nrows;
	CHECK(n > 10 && l->sel == 0 && l->kind == CM_VIEWER_TOP);
	cm_viewer_set_page(v, 5);
	cm_viewer_move(v, 1, 0);
	CHECK(l->sel == 1 && l->top == 0);
	cm_viewer_move(v, 6, 0);
	CHECK(l->sel == 7 && l->top == 3);
	cm_viewer_page(v, 1, 0);
	CHECK(l->sel == 11);
	cm_viewer_move(v, LONG_MAX, 0);
	CHECK(l->sel == n - 1 && l->top == n - 5);
	cm_viewer_move(v, LONG_MIN, 0);
	CHECK(l->sel == 0 && l->top == 0);
	cm_viewer_page(v, -1, 0);
	CHECK(l->sel == 0);

	/* sort keeps the selection on the same function */
	CHECK(select_name(v, "main.fib"));
	cm_viewer_toggle_sort(v, 0);
	CHECK_STR(cm_viewer_selected_name(v), "main.fib", "sort keeps selection");

	/* search: smart case, n/N wrap, Esc restores */
	cm_viewer_move(v, LONG_MIN, 0);
	CHECK(cm_viewer_search(v, "m", 0));
	CHECK(cm_viewer_search(v, "main.f", 0));
	CHECK_STR(cm_viewer_selected_name(v), cm_viewer_top_row(v, l->sel)->name, "sel");
	CHECK(strstr(cm_viewer_selected_name(v), "main.f") != NULL);
	CHECK(!cm_viewer_search(v, "main.fXYZ", 0));
	CHECK(l->sel == 0);
	CHECK(cm_viewer_search(v, "MAIN.FIB", 0) == false); /* a capital: case-sensitive */
	CHECK(cm_viewer_search(v, "main.fib", 0));
	size_t fib = l->sel;
	cm_viewer_search_done(v, false);
	CHECK_STR(cm_viewer_search_text(v), "main.fib", "kept");
	CHECK(cm_viewer_search_next(v, 1, 0) && l->sel == fib); /* the only match */
	CHECK(cm_viewer_search(v, "runtime.", 0));
	size_t first = l->sel;
	cm_viewer_search_done(v, false);
	CHECK(cm_viewer_search_next(v, 1, 0) && l->sel != first);
	CHECK(cm_viewer_search_next(v, -1, 0) && l->sel == first);
	CHECK(cm_viewer_search(v, "main.mix", 0));
	cm_viewer_search_done(v, true);
	CHECK(l->sel == first && !*cm_viewer_search_text(v));

	/* search in source text */
	CHECK(select_name(v, "main.fib"));
	cm_viewer_free(v);
}

/* The number of TOP rows whose name starts with prefix. */
static size_t count_prefix(struct cm_viewer *v, const char *prefix)
{
	size_t n = 0;
	for (size_t i = 0; i < cm_viewer_top_count(v); i++)
		n += !strncmp(cm_viewer_top_row(v, i)->name, prefix, strlen(prefix));
	return n;
}

/* `/` takes a Go regex, as the filters do; every matching row is marked. */
static void test_search_regex(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.ro.source_path = "tests/profgen";
	o.goroot = o.gomodcache = "";
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	const struct cm_viewer_level *l = cm_viewer_level(v);
	/* anchors: the whole name main.mix; no name starts with "ain." */
	CHECK(cm_viewer_search(v, "^main\\.mix$", 0));
	CHECK_STR(cm_viewer_selected_name(v), "main.mix", "anchored");
	CHECK(!cm_viewer_search(v, "^ain\\.mix", 0));
	CHECK(l->sel == 0 && !cm_viewer_search_matches(v, 0));
	/* every match is marked, and only matches */
	CHECK(cm_viewer_search(v, "^runtime\\.", 0));
	size_t marked = 0;
	for (size_t i = 0; i < l->nrows; i++)
		marked += cm_viewer_search_matches(v, i);
	CHECK_MSG(marked == count_prefix(v, "runtime.") && marked > 5, "%zu marked", marked);
	CHECK(cm_viewer_search_matches(v, l->sel));
	CHECK(!cm_viewer_search_matches(v, l->nrows)); /* past the end */
	/* alternation and classes, Go's syntax; a capital is no longer smart
	 * case, (?i) is */
	CHECK(cm_viewer_search(v, "^main\\.(fib|mix)$", 0));
	CHECK(cm_viewer_search(v, "(?i)^MAIN\\.FIB$", 0));
	CHECK_STR(cm_viewer_selected_name(v), "main.fib", "(?i)");
	/* half typed: said, not fatal; the selection waits at the start */
	size_t start = 0;
	CHECK(!cm_viewer_search(v, "main.(", 0));
	CHECK(l->sel == start);
	const char *m = cm_viewer_message(v);
	CHECK_MSG(m && strstr(m, "search:") && strstr(m, "missing closing )"), "message %s",
		  m ? m : "(none)");
	CHECK(!cm_viewer_search_matches(v, 0));
	CHECK_STR(cm_viewer_search_text(v), "main.(", "kept while typing");
	CHECK(cm_viewer_search(v, "main.(fib)", 0));
	CHECK(cm_viewer_message(v) == NULL);
	cm_viewer_search_done(v, false);
	/* n/N go from match to match */
	CHECK(cm_viewer_search(v, "^runtime\\.m", 0));
	cm_viewer_search_done(v, false);
	size_t first = l->sel;
	CHECK(cm_viewer_search_next(v, 1, 0) && l->sel > first && cm_viewer_search_matches(v, l->sel));
	CHECK(cm_viewer_search_next(v, -1, 0) && l->sel == first);
	cm_viewer_search_done(v, true);
	/* source: the text, with Go's \\s and anchors */
	CHECK(select_name(v, "main.hashLoop") && cm_viewer_enter(v, 0));
	CHECK(cm_viewer_search(v, "^\\s*for i :=", 0));
	CHECK(cm_viewer_src_line(v, l->sel)->lineno == 154);
	CHECK(cm_viewer_search_matches(v, l->sel));
	cm_viewer_search_done(v, true);
	cm_viewer_free(v);
}

/* The first TOP row whose name starts with prefix (after an address,
 * at addresses granularity), or SIZE_MAX. */
static size_t first_with_prefix(struct cm_viewer *v, const char *prefix)
{
	for (size_t i = 0; i < cm_viewer_top_count(v); i++) {
		const char *name = cm_viewer_top_row(v, i)->name;
		const char *sp = strchr(name, ' ');
		if (!strncmp(name, prefix, strlen(prefix)) ||
		    (cm_viewer_granularity(v) == CM_GRAN_ADDRESSES && sp &&
		     !strncmp(sp + 1, prefix, strlen(prefix))))
			return i;
	}
	return SIZE_MAX;
}

/* A change of granularity keeps the selected function selected (its
 * heaviest row in the sort), on screen, not the row number it had. */
static void test_granularity_keeps(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	struct cm_viewer *v = open_viewer("cpu.pb.gz", &o);
	const struct cm_viewer_level *l = cm_viewer_level(v);
	char err[512];
	cm_viewer_set_page(v, 8);
	CHECK(select_name(v, "main.mix"));
	size_t line = l->sel - l->top;
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FILEFUNCTIONS, 0, err, sizeof(err)) == 0);
	CHECK_MSG(l->sel == first_with_prefix(v, "main.mix "), "filefunctions: %s",
		  cm_viewer_selected_name(v));
	CHECK(l->sel - l->top == line);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	size_t heaviest = first_with_prefix(v, "main.mix ");
	CHECK_MSG(heaviest != SIZE_MAX && l->sel == heaviest, "lines: %s (row %zu, want %zu)",
		  cm_viewer_selected_name(v), l->sel, heaviest);
	CHECK(l->sel >= l->top && l->sel < l->top + 8);
	/* by cum the heaviest line is another order's first */
	cm_viewer_toggle_sort(v, 0);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_ADDRESSES, 0, err, sizeof(err)) == 0);
	CHECK_MSG(l->sel == first_with_prefix(v, "main.mix "), "addresses: %s",
		  cm_viewer_selected_name(v));
	/* back to functions: the function's one row */
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FUNCTIONS, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_selected_name(v), "main.mix", "functions again");
	/* files: main.mix's file; from a file, a function of it */
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FILES, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_selected_name(v), "cmon/profgen/main.go", "files");
	/* from the source level too: its function is kept */
	cm_viewer_set_granularity(v, CM_GRAN_FUNCTIONS, 0, err, sizeof(err));
	CHECK(select_name(v, "main.hashLoop") && cm_viewer_enter(v, 0));
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_LINES, 0, err, sizeof(err)) == 0);
	CHECK(l->kind == CM_VIEWER_TOP && l->sel == first_with_prefix(v, "main.hashLoop "));
	/* from a file to functions, whose rows name no file: the first row,
	 * not a stale row number */
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FILES, 0, err, sizeof(err)) == 0);
	cm_viewer_move(v, LONG_MAX, 0);
	CHECK(cm_viewer_set_granularity(v, CM_GRAN_FUNCTIONS, 0, err, sizeof(err)) == 0);
	CHECK(l->sel == 0 && l->top == 0);
	cm_viewer_free(v);
}

/* TOP's rows (not the header, whose filter text may differ) against the
 * last lines of a golden -top output. */
static void check_top_rows(struct cm_viewer *v, const char *golden)
{
	struct lines want;
	if (read_lines(golden, &want) < 0) {
		CHECK_MSG(0, "golden %s missing", golden);
		return;
	}
	size_t nr = cm_viewer_top_count(v), bad = 0;
	CHECK_MSG(nr > 0 && nr < want.n, "%s: %zu rows, golden %zu lines", golden, nr, want.n);
	char buf[1024];
	for (size_t i = 0; i < nr && nr < want.n; i++)
		if (strcmp(cm_viewer_top_text(v, i, buf, sizeof(buf)), want.line[want.n - nr + i]) &&
		    bad++ < 3)
			CHECK_STR(buf, want.line[want.n - nr + i], golden);
	CHECK_MSG(bad == 0, "%s: %zu rows differ", golden, bad);
	free(want.buf);
}

/* s with runs of spaces as one and no space at the ends, into out. */
static void squeeze(const char *s, char *out, size_t len)
{
	size_t o = 0;
	for (; *s && o + 1 < len; s++)
		if (*s != ' ' || (o > 0 && out[o - 1] != ' '))
			out[o++] = *s;
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* The LABELS level against go tool pprof's -tags output (golden): the
 * same keys, totals, values, amounts and shares, in the same order. */
static void check_labels_golden(struct cm_viewer *v, const char *golden)
{
	struct lines want;
	if (read_lines(golden, &want) < 0) {
		CHECK_MSG(0, "golden %s missing", golden);
		return;
	}
	const struct cm_viewer_level *l = cm_viewer_level(v);
	CHECK_MSG(l->kind == CM_VIEWER_LABELS, "%s: not at the labels level", golden);
	size_t k = 0, bad = 0;
	for (size_t i = 0; i < l->nrows; i++, k++) {
		while (k < want.n && !*want.line[k])
			k++;
		const struct cm_viewer_label_row *r = cm_viewer_label_row(v, i);
		char got[1024], line[1024], exp[1024];
		if (r->value)
			snprintf(line, sizeof(line), "%s (%s): %s", r->amount, r->pct, r->value);
		else
			snprintf(line, sizeof(line), "%s: %s", r->key, r->amount);
		squeeze(line, got, sizeof(got));
		squeeze(k < want.n ? want.line[k] : "(end)", exp, sizeof(exp));
		if (strcmp(got, exp) && bad++ < 3)
			CHECK_STR(got, exp, golden);
	}
	while (k < want.n && !*want.line[k])
		k++;
	CHECK_MSG(k == want.n, "%s: %zu rows, golden has more", golden, l->nrows);
	CHECK_MSG(bad == 0, "%s: %zu rows differ", golden, bad);
	free(want.buf);
}

/* Selects the LABELS row of key=value (value NULL: the key's row). */
static bool select_label(struct cm_viewer *v, const char *key, const char *value)
{
	for (size_t i = 0; i < cm_viewer_level(v)->nrows; i++) {
		const struct cm_viewer_label_row *r = cm_viewer_label_row(v, i);
		if (!strcmp(r->key, key) && (value ? r->value && !strcmp(r->value, value) : !r->value)) {
			cm_viewer_select(v, i, 0);
			return true;
		}
	}
	return false;
}

/* The labels level (=): -tags' numbers under the viewer's options; a value
 * chosen becomes a tag focus or ignore that every level honours. */
static void test_labels(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	char err[512];
	const char *plain[][2] = {{"labels.pb.gz", "labels.tags"}, {"heap.pb.gz", "labels.tags_heap"},
				  {"tagged.pb.gz", "labels.tags_tagged"},
				  {"goroutine.pb.gz", "labels.tags_goroutine"},
				  {"allocs.pb.gz", "labels.tags_allocs"}};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct cm_viewer *v = open_viewer(plain[i][0], &o);
		CHECK(cm_viewer_labels(v, 0));
		check_labels_golden(v, plain[i][1]);
		CHECK(!cm_viewer_labels(v, 0)); /* already there */
		cm_viewer_free(v);
	}
	/* the viewer's options apply: sample type, focus, tag filters */
	struct cm_viewer *v = open_viewer("heap.pb.gz", &o);
	CHECK(cm_viewer_labels(v, 0));
	CHECK(cm_viewer_set_sample(v, 2, 0, err, sizeof(err)) == 0); /* inuse_objects */
	check_labels_golden(v, "labels.tags_heap_inuse_objects");
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_TAGFOCUS, "bytes=1kb:", 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_set_sample(v, 3, 0, err, sizeof(err)) == 0);
	check_labels_golden(v, "labels.tags_tagfocus_ge");
	cm_viewer_free(v);
	v = open_viewer("labels.pb.gz", &o);
	CHECK(cm_viewer_set_filter(v, CM_VFILTER_FOCUS, "main\\.handle\\.func1\\.1$", 0, err,
				   sizeof(err)) == 0);
	CHECK(cm_viewer_labels(v, 0));
	check_labels_golden(v, "labels.tags_focus");
	cm_viewer_clear_filters(v, 0);
	check_labels_golden(v, "labels.tags");

	/* Enter on a value: a tag focus, and the labels are -tags' under it */
	CHECK(select_label(v, "user", "alice"));
	CHECK(cm_viewer_label_filter(v, false, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_filter(v, CM_VFILTER_TAGFOCUS), "user=^alice$", "tag focus");
	CHECK(cm_viewer_level(v)->kind == CM_VIEWER_LABELS);
	check_labels_golden(v, "labels.tags_tagfocus");
	CHECK(!select_label(v, "user", "bob"));
	CHECK(select_label(v, "user", NULL));
	CHECK(cm_viewer_label_filter(v, false, 0, err, sizeof(err)) < 0); /* a key row */
	/* a value of another key replaces it (-tagfocus takes one key), said */
	CHECK(select_label(v, "handler", "/api/search"));
	CHECK(cm_viewer_label_filter(v, false, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_filter(v, CM_VFILTER_TAGFOCUS), "handler=^/api/search$", "replaced");
	CHECK(cm_viewer_message(v) && strstr(cm_viewer_message(v), "replaced user=^alice$"));
	/* every level honours it: TOP's rows are go tool pprof's under
	 * -tagfocus=handler=upload (the same samples) */
	cm_viewer_clear_filters(v, 0);
	CHECK(select_label(v, "handler", "/api/upload"));
	CHECK(cm_viewer_label_filter(v, false, 0, err, sizeof(err)) == 0);
	CHECK(cm_viewer_back(v) && cm_viewer_level(v)->kind == CM_VIEWER_TOP);
	check_top_rows(v, "labels.top_tagfocus");
	/* i: a tag ignore; a second value of the same key: either is dropped */
	cm_viewer_clear_filters(v, 0);
	CHECK(cm_viewer_filter(v, CM_VFILTER_TAGFOCUS) == NULL);
	CHECK(cm_viewer_labels(v, 0) && select_label(v, "user", "carol"));
	CHECK(cm_viewer_label_filter(v, true, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_filter(v, CM_VFILTER_TAGIGNORE), "user=^carol$", "tag ignore");
	CHECK(cm_viewer_back(v));
	check_top_rows(v, "labels.top_tagignore");
	CHECK(cm_viewer_labels(v, 0) && select_label(v, "user", "bob"));
	CHECK(cm_viewer_label_filter(v, true, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_filter(v, CM_VFILTER_TAGIGNORE), "user=^carol$,^bob$", "either");
	CHECK(select_label(v, "user", "alice") && !select_label(v, "user", "bob"));
	CHECK(strstr(cm_viewer_label_row(v, cm_viewer_level(v)->sel)->pct, "100%") != NULL);
	/* UTF-8 values, as they are */
	cm_viewer_clear_filters(v, 0);
	CHECK(select_label(v, "region", "z\xc3\xbcrich"));
	CHECK(cm_viewer_label_filter(v, false, 0, err, sizeof(err)) == 0);
	CHECK(select_label(v, "region", "z\xc3\xbcrich"));
	CHECK(select_label(v, "user", "alice") && !select_label(v, "user", "carol"));
	cm_viewer_free(v);

	/* regex characters and commas in a value are quoted; numeric values
	 * focus on the numbers their row covers */
	v = open_viewer("tagged.pb.gz", &o);
	CHECK(cm_viewer_labels(v, 0) && select_label(v, "bytes", "400kB"));
	CHECK(cm_viewer_label_filter(v, false, 0, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_filter(v, CM_VFILTER_TAGFOCUS), "bytes=409600bytes", "numeric");
	CHECK(select_label(v, "bytes", "400kB") && cm_viewer_level(v)->nrows > 2);
	const struct cm_viewer_label_row *r = cm_viewer_label_row(v, cm_viewer_level(v)->sel);
	CHECK(r && strstr(r->pct, "100%") && r->numeric);
	cm_viewer_free(v);
}

/* A refresh keeps the selection on its function; during movement the old
 * order holds until hold seconds after the last move. */
static void test_pinning(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	o.hold = 1.0;
	char err[512];
	size_t len1, len2;
	unsigned char *h1 = read_all(DATA "heap.pb.gz", &len1);
	unsigned char *h2 = read_all(DATA "heap2.pb.gz", &len2);
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	CHECK(cm_viewer_load(v, h1, len1, 100, err, sizeof(err)) == 0);
	CHECK(cm_viewer_generation(v) == 1);
	size_t n1 = cm_viewer_top_count(v);
	char **before = calloc(n1, sizeof(char *));
	for (size_t i = 0; i < n1; i++)
		before[i] = strdup(cm_viewer_top_row(v, i)->name);
	cm_viewer_select(v, 3, 100);
	char *pick = strdup(cm_viewer_selected_name(v));

	/* no movement for long: the refresh re-sorts, selection follows the name */
	CHECK(cm_viewer_load(v, h2, len2, 200, err, sizeof(err)) == 0);
	CHECK(!cm_viewer_held(v));
	CHECK_STR(cm_viewer_selected_name(v), pick, "pinned after refresh");
	check_top_golden(v, "heap2.top");
	bool reordered = false;
	for (size_t i = 0; i < n1 && i < cm_viewer_top_count(v); i++)
		reordered |= strcmp(before[i], cm_viewer_top_row(v, i)->name) != 0;
	CHECK(reordered); /* else the test below proves nothing */

	/* back to the first profile, then a refresh while moving: held order */
	CHECK(cm_viewer_load(v, h1, len1, 300, err, sizeof(err)) == 0);
	cm_viewer_set_page(v, 5);
	cm_viewer_select(v, 20, 300);
	free(pick);
	pick = strdup(cm_viewer_selected_name(v));
	size_t line = cm_viewer_level(v)->sel - cm_viewer_level(v)->top;
	CHECK(line == 4);
	CHECK(cm_viewer_load(v, h2, len2, 300.5, err, sizeof(err)) == 0);
	CHECK(cm_viewer_held(v));
	CHECK_STR(cm_viewer_selected_name(v), pick, "held");
	CHECK(cm_viewer_level(v)->sel - cm_viewer_level(v)->top == line); /* same screen line */
	/* the old names that are still there come first, in their old order */
	size_t k = 0, kept = 0;
	for (size_t i = 0; i < n1; i++) {
		size_t at = SIZE_MAX;
		for (size_t j = 0; j < cm_viewer_top_count(v); j++)
			if (!strcmp(cm_viewer_top_row(v, j)->name, before[i]))
				at = j;
		if (at == SIZE_MAX)
			continue;
		CHECK_MSG(at == k, "%s held at %zu, want %zu", before[i], at, k);
		k++;
		kept++;
	}
	CHECK(kept > n1 / 2);
	CHECK(fabs(cm_viewer_next_tick(v) - 301) < 1e-9);
	CHECK(!cm_viewer_tick(v, 300.9));
	cm_viewer_move(v, 0, 300.9); /* moving again extends the hold */
	CHECK(!cm_viewer_tick(v, 301.5));
	CHECK(cm_viewer_tick(v, 301.95));
	CHECK(!cm_viewer_held(v) && cm_viewer_next_tick(v) < 0);
	CHECK_STR(cm_viewer_selected_name(v), pick, "after release");
	check_top_golden(v, "heap2.top");

	/* a bad profile: error, the old one stays */
	CHECK(cm_viewer_load(v, (const unsigned char *)"junk", 4, 400, err, sizeof(err)) < 0);
	CHECK_ERR(err, "parsing profile", "bad body");
	check_top_golden(v, "heap2.top");
	CHECK(cm_viewer_generation(v) == 4);

	/* the levels above keep their function across a refresh */
	CHECK(select_name(v, "main.build") && cm_viewer_peek(v, 0));
	CHECK(cm_viewer_load(v, h1, len1, 500, err, sizeof(err)) == 0);
	CHECK_STR(cm_viewer_level(v)->title, "main.build", "peek after refresh");
	check_peek_golden(v, "heap.peek", "main.build");
	CHECK(cm_viewer_back(v));
	CHECK_STR(cm_viewer_selected_name(v), "main.build", "top after refresh");
	for (size_t i = 0; i < n1; i++)
		free(before[i]);
	free(before);
	free(pick);
	free(h1);
	free(h2);
	cm_viewer_free(v);
}

static void test_empty(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	char err[512];
	o.ro.focus = "(";
	CHECK(cm_viewer_new(&o, err, sizeof(err)) == NULL);
	CHECK_ERR(err, "focus", "bad focus at start");
	o.ro.focus = NULL;
	struct cm_viewer *v = cm_viewer_new(&o, err, sizeof(err));
	CHECK(!cm_viewer_has_profile(v));
	CHECK(cm_viewer_level(v)->nrows == 0);
	cm_viewer_move(v, 1, 0);
	CHECK(!cm_viewer_enter(v, 0) && !cm_viewer_peek(v, 0) && !cm_viewer_back(v));
	CHECK(cm_viewer_mark_base(v, err, sizeof(err)) < 0);
	CHECK(cm_viewer_cycle_sample(v, 1, 0, err, sizeof(err)) < 0);
	cm_viewer_toggle_sort(v, 0);
	CHECK(!cm_viewer_search(v, "x", 0));
	cm_viewer_free(v);
}

/* C++ and Java names as go tool pprof shows them: demangled from the
 * system names by default, untouched with -symbolize=none. */
static void test_names(void)
{
	struct cm_viewer_opts o;
	cm_viewer_opts_init(&o);
	struct cm_viewer *v = open_viewer("foreign/cpp.pb.gz", &o);
	check_top_golden(v, "foreign.cpp.top");
	cm_viewer_free(v);
	v = open_viewer("foreign/java.pb.gz", &o);
	check_top_golden(v, "foreign.java.top");
	cm_viewer_free(v);
	cm_symbolize_parse("remote:demangle=full", &o.sym, NULL, 0);
	v = open_viewer("foreign/cpp.pb.gz", &o);
	check_top_golden(v, "foreign.cpp.top_demangle_full");
	cm_viewer_free(v);
	cm_symbolize_parse("none", &o.sym, NULL, 0);
	v = open_viewer("foreign/cpp.pb.gz", &o);
	check_top_golden(v, "foreign.cpp.top_symbolize_none");
	cm_viewer_free(v);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	if (chdir(CMON_SOURCE_DIR) != 0)
		return 1;
	test_golden_top();
	test_kept_states();
	test_stepped_builds();
	test_key_during_build();
	test_bounded_steps();
	test_frameless_samples();
	test_golden_diff();
	test_source();
	test_source_background();
	test_peek();
	test_navigation();
	test_granularity_keeps();
	test_search_regex();
	test_labels();
	test_pinning();
	test_empty();
	test_names();
	return check_status("test_viewer");
}
