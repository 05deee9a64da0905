/* test_encode: cm_profile_encode writes what the decoder reads back (every
 * committed profile, merged and numbered as -raw shows it, gives the same
 * -raw text after a round trip), refuses past its bound in one line; and
 * the merge details -raw exposes: a location moves with its mapping, and
 * cm_profile_number_as_merged numbers tables as pprof's Merge does. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cmon/profile/profile_encode.h"
#include "cmon/profile/profile_ops.h"
#include "cmon/profile/report.h"

static size_t read_chunk(void *ctx, unsigned char *buf, size_t len)
{
	return fread(buf, 1, len, ctx);
}

static struct cm_profile *load(const char *name)
{
	char path[512], err[256];
	snprintf(path, sizeof(path), "%s/%s", CM_TEST_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED};
	struct cm_profile *p = cm_profile_decode_stream(read_chunk, f, &lim, err, sizeof(err));
	fclose(f);
	CHECK_MSG(p != NULL, "%s: %s", name, err);
	return p;
}

/* The profile merged alone and numbered, as -raw and -proto see it. */
static struct cm_profile *merged(struct cm_profile *p)
{
	char err[256];
	struct cm_profile *m = cm_profile_merge(&p, 1, err, sizeof(err));
	if (m && cm_profile_number_as_merged(m) < 0) {
		cm_profile_free(m);
		m = NULL;
	}
	return m;
}

/* -raw's text of p (which it prepares: filters drop stackless samples). */
static char *raw_text(struct cm_profile *p)
{
	char *text = NULL, err[256];
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	struct cm_report_opts o;
	cm_report_opts_init(&o);
	o.kind = CM_REPORT_RAW;
	struct cm_report r;
	if (!mem || cm_report_prepare(&r, p, &o, err, sizeof(err)) < 0 ||
	    cm_report_write(&r, mem, err, sizeof(err)) < 0)
		CHECK_MSG(0, "raw: %s", err);
	if (mem)
		fclose(mem);
	return text;
}

static void round_trip(const char *name)
{
	struct cm_profile *p = load(name);
	if (!p || !(p = merged(p)))
		return;
	unsigned char *bytes = NULL;
	size_t len = 0;
	char err[256];
	int rc = cm_profile_encode(p, CM_DEFAULT_MAX_INFLATED, &bytes, &len, err, sizeof(err));
	CHECK_MSG(rc == 0, "%s: encode: %s", name, err);
	struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED};
	struct cm_profile *back = rc ? NULL : cm_profile_decode(bytes, len, &lim, err, sizeof(err));
	CHECK_MSG(rc || back, "%s: decoding the encoded profile: %s", name, err);
	if (back && (back = merged(back))) {
		char *want = raw_text(p), *got = raw_text(back);
		CHECK_MSG(want && got && !strcmp(want, got), "%s: -raw differs after a round trip", name);
		free(want);
		free(got);
		/* A bound under the protobuf's size is one error line. */
		CHECK(cm_profile_encode(p, 100, &bytes, &len, err, sizeof(err)) == -1 || !*name);
		CHECK_ERR(err, "too big to encode: more than 100 bytes", "encode bound");
	}
	free(bytes);
	cm_profile_free(back);
	cm_profile_free(p);
}

/* A profile of one mapping at start (file "/bin/x", 64 KiB), functions f
 * and g, locations 0x10 (f), 0x20 (g inlined into f) and 0x30 (g, used by
 * no sample) past start, and one sample [0x20, 0x10] worth v. */
static struct cm_profile *hand_made(uint64_t start, int64_t v)
{
	struct cm_profile *p = cm_profile_new();
	struct cm_arena *a = &p->arena;
	p->sample_types = cm_arena_array(a, 1, sizeof(*p->sample_types));
	p->sample_types[0] = (struct cm_value_type){"samples", "count"};
	p->nsample_types = 1;
	p->mappings = cm_arena_array(a, 1, sizeof(*p->mappings));
	p->mappings[0] = (struct cm_mapping){.id = 7, .start = start, .limit = start + 0x10000,
					     .file = "/bin/x", .build_id = "", .has_functions = true};
	p->nmappings = 1;
	p->functions = cm_arena_array(a, 2, sizeof(*p->functions));
	p->functions[0] = (struct cm_function){9, "f", "f", "f.go", 0};
	p->functions[1] = (struct cm_function){8, "g", "g", "g.go", 0};
	p->nfunctions = 2;
	struct cm_line *l = cm_arena_array(a, 4, sizeof(*l));
	l[0] = (struct cm_line){0, 1};
	l[1] = (struct cm_line){1, 2};
	l[2] = (struct cm_line){0, 3};
	l[3] = (struct cm_line){1, 4};
	p->locations = cm_arena_array(a, 3, sizeof(*p->locations));
	p->locations[0] = (struct cm_location){30, 0, 1, start + 0x10, &l[0], false};
	p->locations[1] = (struct cm_location){20, 0, 2, start + 0x20, &l[1], false};
	p->locations[2] = (struct cm_location){10, 0, 1, start + 0x30, &l[3], false};
	p->nlocations = 3;
	p->samples = cm_arena_array(a, 1, sizeof(*p->samples));
	uint16_t *locs = cm_arena_array(a, 2, sizeof(*locs));
	locs[0] = 1;
	locs[1] = 0;
	int64_t *vals = cm_arena_array(a, 1, sizeof(*vals));
	vals[0] = v;
	p->samples[0] = (struct cm_sample){.locs = locs, .nlocs = 2, .values = vals};
	p->nsamples = 1;
	return p;
}

static void merge_ids(void)
{
	/* the same binary loaded at another address by a second run */
	struct cm_profile *ps[2] = {hand_made(0x400000, 5), hand_made(0x7f0000, 3)};
	/* the second run's sample also passes through its unused 0x30 */
	((uint16_t *)ps[1]->samples[0].locs)[1] = 2;
	char err[256];
	struct cm_profile *m = cm_profile_merge(ps, 2, err, sizeof(err));
	CHECK(m != NULL);
	if (!m || cm_profile_number_as_merged(m) < 0) {
		cm_profile_free(m);
		return;
	}
	CHECK(m->nmappings == 1 && m->mappings[0].id == 1 && m->mappings[0].start == 0x400000);
	/* first sample's leaf first: 0x20, 0x10; then the second's 0x30,
	 * moved to the first run's mapping */
	CHECK(m->nlocations == 3);
	static const uint64_t want[3] = {0x400020, 0x400010, 0x400030};
	for (size_t i = 0; i < m->nlocations && i < 3; i++) {
		CHECK_MSG(m->locations[i].id == i + 1, "location %zu id %llu", i,
			  (unsigned long long)m->locations[i].id);
		CHECK_MSG(m->locations[i].address == want[i], "location %zu at %#llx", i,
			  (unsigned long long)m->locations[i].address);
	}
	/* functions in the order the locations' lines reach them: g, f */
	CHECK(m->nfunctions == 2 && !strcmp(m->functions[0].name, "g") && m->functions[0].id == 1);
	CHECK(m->nsamples == 2 && m->samples[1].nlocs == 2 && cm_sample_loc(&m->samples[1], 1) == 2);
	cm_profile_free(m);
}

int main(void)
{
	static const char *names[] = {"cpu.pb.gz", "heap.pb.gz", "heap_delta.pb.gz",
		"goroutine.pb.gz", "threadcreate.pb.gz", "block.pb.gz", "mutex.pb.gz",
		"extreme.pb.gz"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		round_trip(names[i]);
	merge_ids();
	return check_status("test_encode");
}
