/* The profile decoder: a hand-built profile decoded through every entry
 * point (raw, gzip, streamed in odd pieces, labels kept or dropped) with
 * every field checked, then one broken profile per error path, each of which
 * must give NULL and a one-line message saying what is wrong. Also the
 * hand-written Sample decoder and cm_profile_sample_index. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "read_all.h"
#include "cmon/profile/profile.h"
#include "cmon/profile/profile_encode.h"
#include "cmon/profile/sample_wire.h"

/* ---- protobuf by hand ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void put_byte(struct buf *b, unsigned char c)
{
	put(b, &c, 1);
}

static void uv(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(b, (unsigned char)(v | 0x80));
		v >>= 7;
	}
	put_byte(b, (unsigned char)v);
}

static void key(struct buf *b, unsigned field, unsigned wt)
{
	uv(b, (uint64_t)field << 3 | wt);
}

/* Varint field. */
static void vf(struct buf *b, unsigned field, uint64_t v)
{
	key(b, field, 0);
	uv(b, v);
}

/* Length-delimited field. */
static void bf(struct buf *b, unsigned field, const void *data, size_t n)
{
	key(b, field, 2);
	uv(b, n);
	put(b, data, n);
}

/* A sub-message field; frees sub. */
static void mf(struct buf *b, unsigned field, struct buf *sub)
{
	bf(b, field, sub->p, sub->n);
	free(sub->p);
	*sub = (struct buf){0};
}

static void sf(struct buf *b, unsigned field, const char *s)
{
	bf(b, field, s, strlen(s));
}

static void packed(struct buf *b, unsigned field, const uint64_t *v, size_t n)
{
	struct buf sub = {0};
	for (size_t i = 0; i < n; i++)
		uv(&sub, v[i]);
	mf(b, field, &sub);
}

static struct buf gzip_level(const unsigned char *p, size_t n, int level)
{
	struct buf out = {0};
	z_stream z = {0};
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	size_t cap = deflateBound(&z, n) + 64;
	out.p = malloc(cap);
	out.cap = cap;
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = out.p;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	out.n = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static struct buf gzip_of(const unsigned char *p, size_t n)
{
	return gzip_level(p, n, 9);
}

/* ---- the reference profile ---- */

enum {
	S_EMPTY, S_SAMPLES, S_COUNT, S_CPU, S_NANOS, S_MAIN, S_MAINGO, S_LEAF, S_BIN,
	S_BUILDID, S_THREAD, S_WORKER, S_BYTES, S_DROP, S_KEEP, S_COMMENT, S_DOC,
	S_LEAFSYS, S_NSTRINGS
};
static const char *strings[S_NSTRINGS] = {
	"", "samples", "count", "cpu", "nanoseconds", "main.main", "main.go", "main.leaf",
	"/bin/app", "buildid123", "thread", "worker", "bytes", "drop.*", "keep.*",
	"a comment", "https://doc", "main.leaf_sys",
};

/* Knobs for building variants, broken or not. */
struct spec {
	bool strings_first;   /* string table and locations before samples */
	bool unpacked;        /* repeated scalars unpacked */
	bool unknown;         /* unknown fields everywhere */
	int64_t fn_name;      /* function 100's name index */
	uint64_t loc1_id, fn100_id, map7_id;
	uint64_t s1_loc;      /* sample 1's location id */
	uint64_t line_fn;     /* location 2's line's function id */
	uint64_t loc2_map;    /* location 2's mapping id */
	int nvalues1;         /* values in sample 1 */
	int64_t label_key;    /* key of sample 0's first label */
	const char *string0;
	bool dup_loc, dup_fn, dup_map;
	bool no_sample_types;
};

static struct spec ref(void)
{
	return (struct spec){
		.fn_name = S_LEAF, .loc1_id = 1, .fn100_id = 100, .map7_id = 7, .s1_loc = 2,
		.line_fn = 200, .loc2_map = 9, .nvalues1 = 2, .label_key = S_THREAD,
		.string0 = "",
	};
}

static void unknowns(struct buf *b)
{
	vf(b, 90, 12345);
	sf(b, 91, "unknown");
	key(b, 92, 1);
	put(b, "\1\2\3\4\5\6\7\x08", 8);
	key(b, 93, 5);
	put(b, "\1\2\3\4", 4);
}

static void repeated(struct buf *b, const struct spec *sp, unsigned field, const uint64_t *v,
		     size_t n)
{
	if (!sp->unpacked) {
		packed(b, field, v, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		vf(b, field, v[i]);
}

static void add_samples(struct buf *b, const struct spec *sp)
{
	struct buf s = {0}, l = {0};
	uint64_t locs0[] = {sp->loc1_id, 2};
	uint64_t vals0[] = {3, 30000000};
	repeated(&s, sp, 1, locs0, 2);
	repeated(&s, sp, 2, vals0, 2);
	vf(&l, 1, (uint64_t)sp->label_key);
	vf(&l, 2, S_WORKER);
	if (sp->unknown)
		unknowns(&l);
	mf(&s, 3, &l);
	vf(&l, 1, S_BYTES);
	vf(&l, 3, 4096);
	vf(&l, 4, S_BYTES);
	mf(&s, 3, &l);
	vf(&l, 1, S_THREAD); /* neither string nor number: dropped */
	mf(&s, 3, &l);
	if (sp->unknown)
		unknowns(&s);
	mf(b, 2, &s);

	uint64_t locs1[] = {sp->s1_loc};
	uint64_t vals1[] = {1, 10000000, 77};
	repeated(&s, sp, 1, locs1, 1);
	repeated(&s, sp, 2, vals1, (size_t)sp->nvalues1);
	mf(b, 2, &s);

	uint64_t vals2[] = {0, (uint64_t)-5};
	repeated(&s, sp, 2, vals2, 2); /* no locations, a negative value */
	mf(b, 2, &s);
}

static void add_mappings(struct buf *b, const struct spec *sp)
{
	struct buf m = {0};
	vf(&m, 1, sp->map7_id);
	vf(&m, 2, 0x400000);
	vf(&m, 3, 0x500000);
	vf(&m, 4, 0x1000);
	vf(&m, 5, S_BIN);
	vf(&m, 6, S_BUILDID);
	for (unsigned f = 7; f <= 10; f++)
		vf(&m, f, 1);
	if (sp->unknown)
		unknowns(&m);
	mf(b, 3, &m);
	vf(&m, 1, sp->dup_map ? sp->map7_id : 9);
	vf(&m, 2, 0x600000);
	vf(&m, 3, 0x700000);
	mf(b, 3, &m);
}

static void add_locations(struct buf *b, const struct spec *sp)
{
	struct buf l = {0}, ln = {0};
	vf(&l, 1, sp->loc1_id);
	vf(&l, 2, 7);
	vf(&l, 3, 0x401000);
	vf(&ln, 1, 100);
	vf(&ln, 2, 12);
	vf(&ln, 3, 4); /* column: read and ignored */
	if (sp->unknown)
		unknowns(&ln);
	mf(&l, 4, &ln);
	vf(&ln, 1, 200);
	vf(&ln, 2, 30);
	mf(&l, 4, &ln);
	vf(&l, 5, 1);
	if (sp->unknown)
		unknowns(&l);
	mf(b, 4, &l);

	vf(&l, 1, sp->dup_loc ? sp->loc1_id : 2);
	if (sp->loc2_map)
		vf(&l, 2, sp->loc2_map);
	vf(&l, 3, 0x602000);
	vf(&ln, 1, sp->line_fn);
	vf(&ln, 2, 20);
	mf(&l, 4, &ln);
	mf(b, 4, &l);

	vf(&l, 1, 3); /* no mapping, no lines, referenced by no sample */
	vf(&l, 3, 0x10);
	mf(b, 4, &l);
}

static void add_functions(struct buf *b, const struct spec *sp)
{
	struct buf f = {0};
	vf(&f, 1, sp->fn100_id);
	vf(&f, 2, (uint64_t)sp->fn_name);
	vf(&f, 3, S_LEAFSYS);
	vf(&f, 4, S_MAINGO);
	vf(&f, 5, 10);
	if (sp->unknown)
		unknowns(&f);
	mf(b, 5, &f);
	vf(&f, 1, sp->dup_fn ? sp->fn100_id : 200);
	vf(&f, 2, S_MAIN);
	vf(&f, 3, S_MAIN);
	vf(&f, 4, S_MAINGO);
	vf(&f, 5, 1);
	mf(b, 5, &f);
	vf(&f, 1, 300); /* a function with no name, referenced by nothing */
	mf(b, 5, &f);
}

static void add_strings(struct buf *b, const struct spec *sp)
{
	sf(b, 6, sp->string0);
	for (int i = 1; i < S_NSTRINGS; i++)
		sf(b, 6, strings[i]);
}

static struct buf build(const struct spec *sp)
{
	struct buf b = {0}, vt = {0};
	if (sp->strings_first) {
		add_strings(&b, sp);
		add_locations(&b, sp);
		add_functions(&b, sp);
	}
	if (!sp->no_sample_types) {
		vf(&vt, 1, S_SAMPLES);
		vf(&vt, 2, S_COUNT);
		if (sp->unknown)
			unknowns(&vt);
		mf(&b, 1, &vt);
	}
	if (sp->unknown)
		unknowns(&b);
	add_samples(&b, sp);
	if (!sp->no_sample_types) {
		vf(&vt, 1, S_CPU);
		vf(&vt, 2, S_NANOS);
		mf(&b, 1, &vt);
	}
	add_mappings(&b, sp);
	if (!sp->strings_first) {
		add_locations(&b, sp);
		add_functions(&b, sp);
		add_strings(&b, sp);
	}
	vf(&b, 7, S_DROP);
	vf(&b, 8, S_KEEP);
	vf(&b, 9, 1700000000000000000ULL);
	vf(&b, 10, 1000000000);
	vf(&vt, 1, S_CPU);
	vf(&vt, 2, S_NANOS);
	mf(&b, 11, &vt);
	vf(&b, 12, 10000000);
	if (sp->unpacked) {
		vf(&b, 13, S_COMMENT);
		vf(&b, 13, S_DOC);
	} else {
		uint64_t c[] = {S_COMMENT, S_DOC};
		packed(&b, 13, c, 2);
	}
	vf(&b, 14, S_CPU);
	vf(&b, 15, S_DOC);
	return b;
}

/* ---- decoding through every entry point ---- */

struct chunks {
	const unsigned char *p;
	size_t n, pos, turn;
	bool fail_at_end; /* report a read error instead of the end */
};

static size_t read_chunk(void *ctx, unsigned char *buf, size_t len)
{
	static const size_t sizes[] = {1, 5, 2, 300, 1, 70000, 3};
	struct chunks *c = ctx;
	size_t n = sizes[c->turn++ % (sizeof(sizes) / sizeof(sizes[0]))];
	if (n > len)
		n = len;
	if (n > c->n - c->pos)
		n = c->n - c->pos;
	if (n == 0 && c->fail_at_end)
		return SIZE_MAX;
	memcpy(buf, c->p + c->pos, n);
	c->pos += n;
	return n;
}

enum how { RAW, GZIP, STREAM_RAW, STREAM_GZIP, NHOW };
static const char *how_name[NHOW] = {"raw", "gzip", "stream raw", "stream gzip"};

static struct cm_profile *decode_how(const struct buf *b, enum how how,
				     const struct cm_decode_limits *lim, char *err, size_t errlen)
{
	struct buf gz = {0};
	const unsigned char *p = b->p;
	size_t n = b->n;
	if (how == GZIP || how == STREAM_GZIP) {
		gz = gzip_of(b->p, b->n);
		p = gz.p;
		n = gz.n;
	}
	struct cm_profile *prof;
	if (how == RAW || how == GZIP) {
		prof = cm_profile_decode(p, n, lim, err, errlen);
	} else {
		struct chunks c = {p, n, 0, 0, false};
		prof = cm_profile_decode_stream(read_chunk, &c, lim, err, errlen);
	}
	free(gz.p);
	return prof;
}

static bool streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* Checks every field of the decoded reference profile. */
static void check_reference(const struct cm_profile *p, bool labels, const char *what)
{
#define C(cond) CHECK_MSG(cond, "%s", what)
	C(p->nsample_types == 2);
	if (p->nsample_types == 2) {
		C(streq(p->sample_types[0].type, "samples") && streq(p->sample_types[0].unit, "count"));
		C(streq(p->sample_types[1].type, "cpu") && streq(p->sample_types[1].unit, "nanoseconds"));
	}
	C(p->nlocations == 3 && p->nfunctions == 3 && p->nmappings == 2);
	if (p->nlocations != 3 || p->nfunctions != 3 || p->nmappings != 2)
		return;

	/* Dense indices in order of first sight: samples name locations 1 and 2
	 * first; location 1's lines name functions 100 then 200. */
	const struct cm_location *l = p->locations;
	C(l[0].id == 1 && l[1].id == 2 && l[2].id == 3);
	C(l[0].address == 0x401000 && l[1].address == 0x602000 && l[2].address == 0x10);
	C(l[0].is_folded && !l[1].is_folded && !l[2].is_folded);
	C(l[0].nlines == 2 && l[1].nlines == 1 && l[2].nlines == 0);
	const struct cm_function *f = p->functions;
	C(f[0].id == 100 && f[1].id == 200 && f[2].id == 300);
	C(l[0].lines[0].function == 0 && l[0].lines[0].line == 12);
	C(l[0].lines[1].function == 1 && l[0].lines[1].line == 30);
	C(l[1].lines[0].function == 1 && l[1].lines[0].line == 20);
	C(streq(f[0].name, "main.leaf") && streq(f[0].system_name, "main.leaf_sys") &&
	  streq(f[0].filename, "main.go") && f[0].start_line == 10);
	C(streq(f[1].name, "main.main") && streq(f[1].system_name, "main.main") &&
	  f[1].start_line == 1);
	C(streq(f[2].name, "") && streq(f[2].system_name, "") && streq(f[2].filename, "") &&
	  f[2].start_line == 0);

	/* Mappings in file order; locations point at them. */
	const struct cm_mapping *m = p->mappings;
	C(m[0].id == 7 && m[0].start == 0x400000 && m[0].limit == 0x500000 && m[0].offset == 0x1000);
	C(streq(m[0].file, "/bin/app") && streq(m[0].build_id, "buildid123"));
	C(m[0].has_functions && m[0].has_filenames && m[0].has_line_numbers && m[0].has_inline_frames);
	C(m[1].id == 9 && m[1].start == 0x600000 && m[1].limit == 0x700000 && m[1].offset == 0);
	C(streq(m[1].file, "") && streq(m[1].build_id, ""));
	C(!m[1].has_functions && !m[1].has_filenames && !m[1].has_line_numbers &&
	  !m[1].has_inline_frames);
	C(l[0].mapping == 0 && l[1].mapping == 1 && l[2].mapping == CM_NONE);

	/* Samples. */
	C(p->nsamples == 3);
	if (p->nsamples != 3)
		return;
	const struct cm_sample *s = p->samples;
	C(s[0].nlocs == 2 && cm_sample_loc(&s[0], 0) == 0 && cm_sample_loc(&s[0], 1) == 1);
	C(s[0].values[0] == 3 && s[0].values[1] == 30000000);
	C(s[1].nlocs == 1 && cm_sample_loc(&s[1], 0) == 1);
	C(s[1].values[0] == 1 && s[1].values[1] == 10000000);
	C(s[2].nlocs == 0 && s[2].values[0] == 0 && s[2].values[1] == -5);
	if (labels) {
		/* The label with neither string nor number is left out. */
		C(s[0].nlabels == 2);
		if (s[0].nlabels == 2) {
			C(streq(s[0].labels[0].key, "thread") && streq(s[0].labels[0].str, "worker") &&
			  streq(s[0].labels[0].num_unit, ""));
			C(streq(s[0].labels[1].key, "bytes") && s[0].labels[1].str == NULL &&
			  s[0].labels[1].num == 4096 && streq(s[0].labels[1].num_unit, "bytes"));
		}
		C(p->ndropped_units == 0);
	} else {
		C(s[0].nlabels == 0);
		/* What pprof's mixed-unit warning needs stays: the numeric
		 * labels' (key, unit) pairs. */
		C(p->ndropped_units == 1);
		if (p->ndropped_units == 1)
			C(streq(p->dropped_units[0].key, "bytes") && streq(p->dropped_units[0].unit, "bytes"));
	}
	C(s[1].nlabels == 0 && s[2].nlabels == 0);

	/* The header. */
	C(streq(p->drop_frames, "drop.*") && streq(p->keep_frames, "keep.*"));
	C(p->time_nanos == 1700000000000000000LL && p->duration_nanos == 1000000000);
	C(p->has_period_type && streq(p->period_type.type, "cpu") &&
	  streq(p->period_type.unit, "nanoseconds"));
	C(p->period == 10000000);
	C(p->ncomments == 2);
	if (p->ncomments == 2)
		C(streq(p->comments[0], "a comment") && streq(p->comments[1], "https://doc"));
	C(streq(p->default_sample_type, "cpu") && streq(p->doc_url, "https://doc"));
#undef C
}

static void test_reference(void)
{
	struct spec variants[4] = {ref(), ref(), ref(), ref()};
	variants[1].strings_first = true;
	variants[2].unpacked = true;
	variants[3].unknown = variants[3].unpacked = variants[3].strings_first = true;
	const char *vname[4] = {"Go order", "strings first", "unpacked", "odd"};
	for (int v = 0; v < 4; v++) {
		struct buf b = build(&variants[v]);
		for (int how = 0; how < NHOW; how++) {
			for (int drop = 0; drop < 2; drop++) {
				char what[128], err[256] = "untouched";
				snprintf(what, sizeof(what), "%s, %s, labels %s", vname[v],
					 how_name[how], drop ? "dropped" : "kept");
				struct cm_decode_limits lim = {.max_inflated = 0, .drop_labels = drop};
				struct cm_profile *p = decode_how(&b, (enum how)how, &lim, err, sizeof(err));
				CHECK_MSG(p != NULL, "%s: %s", what, err);
				CHECK_STR(err, "untouched", what);
				if (p)
					check_reference(p, !drop, what);
				cm_profile_free(p);
			}
		}
		free(b.p);
	}
	/* NULL limits mean the defaults. */
	struct spec sp = ref();
	struct buf b = build(&sp);
	char err[256];
	struct cm_profile *p = cm_profile_decode(b.p, b.n, NULL, err, sizeof(err));
	CHECK(p != NULL);
	if (p)
		check_reference(p, true, "NULL limits");

	/* cm_profile_sample_index. */
	if (p) {
		CHECK(cm_profile_sample_index(p, NULL, err, sizeof(err)) == 1); /* default_sample_type */
		CHECK(cm_profile_sample_index(p, "", err, sizeof(err)) == 1);
		CHECK(cm_profile_sample_index(p, "samples", err, sizeof(err)) == 0);
		CHECK(cm_profile_sample_index(p, "inuse_samples", err, sizeof(err)) == 0);
		CHECK(cm_profile_sample_index(p, "0", err, sizeof(err)) == 0);
		CHECK(cm_profile_sample_index(p, "1", err, sizeof(err)) == 1);
		CHECK(cm_profile_sample_index(p, "2", err, sizeof(err)) == -1);
		CHECK_ERR(err, "sample_index 2 is outside the range [0..1]", "sample_index 2");
		CHECK(cm_profile_sample_index(p, "-1", err, sizeof(err)) == -1);
		CHECK(cm_profile_sample_index(p, "alloc", err, sizeof(err)) == -1);
		CHECK_STR(err, "sample_index \"alloc\" must be one of: [samples cpu]", "bad name");
		p->default_sample_type = "";
		CHECK(cm_profile_sample_index(p, NULL, err, sizeof(err)) == 1); /* the last */
		p->default_sample_type = "samples";
		CHECK(cm_profile_sample_index(p, NULL, err, sizeof(err)) == 0);
		char small[8];
		CHECK(cm_profile_sample_index(p, "nope", small, sizeof(small)) == -1);
		CHECK(strlen(small) < sizeof(small));
	}
	cm_profile_free(p);
	cm_profile_free(NULL);
	free(b.p);

	/* An empty profile (no fields but a string table) is valid. */
	struct buf e = {0};
	sf(&e, 6, "");
	p = cm_profile_decode(e.p, e.n, NULL, err, sizeof(err));
	CHECK(p && p->nsamples == 0 && p->nsample_types == 0 && streq(p->drop_frames, ""));
	if (p)
		CHECK(cm_profile_sample_index(p, NULL, err, sizeof(err)) == -1);
	cm_profile_free(p);
	free(e.p);

	/* cm_profile_new gives a usable empty model. */
	p = cm_profile_new();
	CHECK(p && p->nsamples == 0 && streq(p->period_type.type, "") && streq(p->doc_url, ""));
	cm_profile_free(p);
}

/* ---- error paths ---- */

/* Decodes b every way; each must fail with sub in a one-line message. */
static void expect_error(const struct buf *b, const char *sub, const char *what)
{
	for (int how = 0; how < NHOW; how++) {
		for (int drop = 0; drop < 2; drop++) {
			char err[256] = "";
			struct cm_decode_limits lim = {.drop_labels = drop};
			struct cm_profile *p = decode_how(b, (enum how)how, &lim, err, sizeof(err));
			char label[160];
			snprintf(label, sizeof(label), "%s (%s, labels %s)", what, how_name[how],
				 drop ? "dropped" : "kept");
			CHECK_MSG(p == NULL, "%s: decoded", label);
			cm_profile_free(p);
			CHECK_ERR(err, sub, label);
		}
	}
}

static void expect_spec_error(struct spec sp, const char *sub, const char *what)
{
	struct buf b = build(&sp);
	expect_error(&b, sub, what);
	free(b.p);
}

/* The reference profile with extra bytes appended. */
static void expect_tail_error(const void *tail, size_t n, const char *sub, const char *what)
{
	struct spec sp = ref();
	struct buf b = build(&sp);
	put(&b, tail, n);
	expect_error(&b, sub, what);
	free(b.p);
}

static void test_errors(void)
{
	struct spec sp;

	sp = ref(); sp.fn_name = 999;
	expect_spec_error(sp, "string index 999 of function.name is outside the string table",
			  "function name index");
	sp = ref(); sp.fn_name = -1;
	expect_spec_error(sp, "string index -1 of function.name", "negative string index");
	sp = ref(); sp.label_key = 5000;
	expect_spec_error(sp, "string index 5000", "label key index");
	sp = ref(); sp.label_key = -3;
	expect_spec_error(sp, "string index -3", "negative label key index");
	sp = ref(); sp.string0 = "x";
	expect_spec_error(sp, "string_table[0] must be \"\"", "string_table[0]");
	sp = ref(); sp.loc1_id = 0;
	expect_spec_error(sp, "location id 0", "location id 0");
	sp = ref(); sp.fn100_id = 0;
	expect_spec_error(sp, "function with reserved id 0", "function id 0");
	sp = ref(); sp.map7_id = 0;
	expect_spec_error(sp, "mapping with reserved id 0", "mapping id 0");
	sp = ref(); sp.dup_loc = true;
	expect_spec_error(sp, "multiple locations with id 1", "duplicate location");
	sp = ref(); sp.dup_fn = true;
	expect_spec_error(sp, "multiple functions with id 100", "duplicate function");
	sp = ref(); sp.dup_map = true;
	expect_spec_error(sp, "multiple mappings with id 7", "duplicate mapping");
	sp = ref(); sp.s1_loc = 77;
	expect_spec_error(sp, "location id 77, which is not defined", "missing location");
	sp = ref(); sp.line_fn = 55;
	expect_spec_error(sp, "function id 55, which is not defined", "missing function");
	sp = ref(); sp.loc2_map = 8;
	expect_spec_error(sp, "mapping id 8, which is not defined", "missing mapping");
	sp = ref(); sp.nvalues1 = 3;
	expect_spec_error(sp, "sample 1 has 3 values but sample 0 has 2", "value count");
	sp = ref(); sp.nvalues1 = 1;
	expect_spec_error(sp, "values", "value count");
	sp = ref(); sp.no_sample_types = true;
	expect_spec_error(sp, "sample types", "no sample types");

	/* A string index checked only at the end, with nothing else wrong. */
	struct buf b = {0}, sub = {0};
	sf(&b, 6, "");
	vf(&b, 7, 3);
	expect_error(&b, "string index 3 of drop_frames", "drop_frames index");
	free(b.p);
	b = (struct buf){0};
	sf(&b, 6, "");
	vf(&b, 13, 1);
	expect_error(&b, "string index 1 of comment", "comment index");
	free(b.p);
	b = (struct buf){0};
	vf(&sub, 1, 0);
	vf(&sub, 2, 9);
	mf(&b, 1, &sub);
	sf(&b, 6, "");
	expect_error(&b, "string index 9 of sample_type.unit", "sample type unit index");
	free(b.p);
	b = (struct buf){0};
	vf(&sub, 1, 1);
	vf(&sub, 5, 4);
	mf(&b, 3, &sub);
	sf(&b, 6, "");
	expect_error(&b, "string index 4 of mapping.filename", "mapping filename index");
	free(b.p);

	/* Samples with no sample types and no values. */
	b = (struct buf){0};
	bf(&b, 2, "", 0);
	sf(&b, 6, "");
	expect_error(&b, "profile has samples but no sample types", "samples, no types");
	free(b.p);

	/* The wire format. */
	expect_tail_error("\x4a\x02xy", 4, "Profile field 9 has wire type 2, expected 0",
			  "wire type of time_nanos");
	expect_tail_error("\x10\x05", 2, "Profile field 2 has wire type 0, expected 2",
			  "wire type of sample");
	expect_tail_error("\x30\x05", 2, "wire type", "wire type of a string");
	expect_tail_error("\x5d\x01\x02\x03\x04", 5, "wire type", "fixed32 period_type");
	expect_tail_error("\x00\x01", 2, "malformed field tag", "field 0");
	expect_tail_error("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11,
			  "malformed field tag", "11-byte tag");
	expect_tail_error("\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12,
			  "truncated or malformed varint", "11-byte varint");
	expect_tail_error("\x48\xff\xff", 3, "truncated or malformed varint", "truncated varint");
	expect_tail_error("\xf1\x07\x01\x02\x03", 5, "truncated fixed-width field",
			  "truncated fixed64");
	expect_tail_error("\xf5\x07\x01", 3, "truncated fixed-width field", "truncated fixed32");
	expect_tail_error("\x32\xff\xff", 3, "truncated or malformed length", "truncated length");
	expect_tail_error("\x32\x64" "abc", 5, "field length exceeds the input", "length past end");
	expect_tail_error("\x32\x80\x80\x80\x80\x80\x80\x80\x80\x40" "abc", 13,
			  "field length exceeds the input", "length 2^62");
	expect_tail_error("\xf3\x07\xf4\x07", 4, "unsupported wire type", "group");
	expect_tail_error("\xf7\x07", 2, "unsupported wire type", "wire type 7");
	expect_tail_error("\x6a\x02\x01\xff", 4, "malformed packed comment list", "bad comments");
	expect_tail_error("\x12\x03\x0a\x01\xff", 5, "malformed Sample message", "bad packed locs");
	expect_tail_error("\x12\x02\x1a\x05", 4, "malformed Sample message", "label past end");
	expect_tail_error("\x12\x04\x1a\x02\x0a\x00", 6, "malformed Sample message",
			  "label key as bytes");
	expect_tail_error("\x12\x02\x0b\x0c", 4, "malformed Sample message", "group in sample");
	expect_tail_error("\x22\x02\x0a\x00", 4, "malformed Location message", "location id as bytes");
	expect_tail_error("\x2a\x02\x10\xff", 4, "malformed Function message", "truncated function");
	expect_tail_error("\x1a\x01\x08", 3, "malformed Mapping message", "truncated mapping");
	expect_tail_error("\x0a\x02\x08\xff", 4, "malformed ValueType message", "bad value type");
	expect_tail_error("\x5a\x01\x10", 3, "malformed ValueType message", "bad period type");

	/* A 10th varint byte above 1 is accepted with the extra bits dropped, as
	 * Go's pprof and protobuf-c do. */
	sp = ref();
	b = build(&sp);
	put(&b, "\x48\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11);
	char err[256] = "";
	struct cm_profile *p = cm_profile_decode(b.p, b.n, NULL, err, sizeof(err));
	CHECK_MSG(p && p->time_nanos == -1, "10-byte varint: %s", err);
	cm_profile_free(p);
	free(b.p);

	/* Text where a profile should be, in no legacy format either. */
	b = (struct buf){0};
	put(&b, "<html><body>404 page not found</body></html>\n", 45);
	expect_error(&b, "unrecognized profile format: the input is text (\"<html><body>404",
		     "text in no legacy format");
	free(b.p);
	/* A legacy text profile is read (tests/data/foreign has real ones). */
	b = (struct buf){0};
	put(&b, "heap profile: 1: 2 [ 3: 4] @ heap/1048576\n1: 2 [3: 4] @ 0x10 0x20\n", 66);
	p = cm_profile_decode(b.p, b.n, NULL, err, sizeof(err));
	CHECK_MSG(p && p->nsamples == 1 && p->nsample_types == 4 && p->nlocations == 2 &&
		  p->locations[0].address == 0xf && p->period == 524288,
		  "legacy heap profile: %s", err);
	cm_profile_free(p);
	free(b.p);

	/* Empty input, every way. */
	p = cm_profile_decode((const unsigned char *)"", 0, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "empty input", "empty input");
	struct chunks c = {(const unsigned char *)"", 0, 0, 0, false};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "empty input", "empty stream");
	struct buf gz = gzip_of((const unsigned char *)"", 0);
	p = cm_profile_decode(gz.p, gz.n, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "empty input", "gzip of nothing");
	c = (struct chunks){gz.p, gz.n, 0, 0, false};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "empty input", "streamed gzip of nothing");
	free(gz.p);

	/* gzip damage. */
	sp = ref();
	b = build(&sp);
	gz = gzip_of(b.p, b.n);
	for (size_t cut = 1; cut < gz.n; cut += (cut < 40 ? 1 : 17)) {
		char what[64];
		snprintf(what, sizeof(what), "gzip cut at %zu of %zu", cut, gz.n);
		p = cm_profile_decode(gz.p, cut, NULL, err, sizeof(err));
		CHECK_MSG(p == NULL, "%s: decoded", what);
		cm_profile_free(p);
		if (cut >= 2)
			CHECK_ERR(err, "gzip", what);
		c = (struct chunks){gz.p, cut, 0, 0, false};
		p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
		CHECK_MSG(p == NULL, "streamed %s: decoded", what);
		cm_profile_free(p);
	}
	gz.p[gz.n - 5] ^= 0x55; /* the length in the trailer */
	p = cm_profile_decode(gz.p, gz.n, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "corrupt gzip stream", "bad trailer");
	gz.p[gz.n - 5] ^= 0x55;
	gz.p[gz.n / 2] ^= 0xff; /* the deflate data */
	p = cm_profile_decode(gz.p, gz.n, NULL, err, sizeof(err));
	CHECK(!p);
	cm_profile_free(p);
	gz.p[gz.n / 2] ^= 0xff;
	/* Two members back to back are one stream; trailing junk is not. */
	struct buf two = {0};
	struct buf g1 = gzip_of(b.p, 40), g2 = gzip_of(b.p + 40, b.n - 40);
	put(&two, g1.p, g1.n);
	put(&two, g2.p, g2.n);
	p = cm_profile_decode(two.p, two.n, NULL, err, sizeof(err));
	CHECK_MSG(p != NULL, "two gzip members: %s", err);
	if (p)
		check_reference(p, true, "two gzip members");
	cm_profile_free(p);
	put(&two, "junkjunkjunk", 12);
	p = cm_profile_decode(two.p, two.n, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "gzip", "trailing junk");
	free(two.p);
	free(g1.p);
	free(g2.p);

	/* A read error while streaming. */
	c = (struct chunks){gz.p, gz.n / 2, 0, 0, true};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "read error", "read error mid-gzip");
	c = (struct chunks){b.p, b.n / 2, 0, 0, true};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "read error", "read error mid-raw");
	c = (struct chunks){b.p, 0, 0, 0, true};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "read error", "read error at once");
	c = (struct chunks){b.p, 1, 0, 0, true};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "read error", "read error after one byte");
	free(gz.p);

	/* The inflate limit, on every path. */
	struct cm_decode_limits lim = {.max_inflated = 100};
	p = cm_profile_decode(b.p, b.n, &lim, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "-max_inflated", "raw over the limit");
	for (int how = GZIP; how < NHOW; how++) {
		p = decode_how(&b, (enum how)how, &lim, err, sizeof(err));
		CHECK(!p);
		CHECK_ERR(err, "-max_inflated", how_name[how]);
	}
	lim.max_inflated = b.n; /* exactly the size is fine */
	for (int how = 0; how < NHOW; how++) {
		p = decode_how(&b, (enum how)how, &lim, err, sizeof(err));
		CHECK_MSG(p != NULL, "%s at exactly the limit: %s", how_name[how], err);
		cm_profile_free(p);
	}
	lim.max_inflated = b.n - 1;
	for (int how = 0; how < NHOW; how++) {
		p = decode_how(&b, (enum how)how, &lim, err, sizeof(err));
		CHECK_MSG(p == NULL, "%s one byte over the limit", how_name[how]);
		cm_profile_free(p);
	}
	free(b.p);

	/* Decompression bombs: 64 MiB of empty strings inflate 1000:1 and
	 * are refused long before the 1 GiB default limit, for the memory
	 * their entries take (12 bytes per byte), not for the ratio; 16 MiB
	 * of raw empty samples (2 bytes each, 64 of model) likewise. */
	struct buf flood = {0};
	for (int i = 0; i < (32 << 20); i++)
		put(&flood, "\x32\x00", 2);
	gz = gzip_level(flood.p, flood.n, 6);
	p = cm_profile_decode(gz.p, gz.n, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "not a plausible profile", "gzip bomb");
	c = (struct chunks){gz.p, gz.n, 0, 0, false};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "not a plausible profile", "streamed gzip bomb");
	free(gz.p);
	/* Comments and sample types are few in real profiles: a flood of
	 * either (8 and 16 bytes of model per 2 bytes) is refused by count. */
	const char *few[] = {"\x68\x00", "\x0a\x00"};
	for (int k = 0; k < 2; k++) {
		flood.n = 0;
		for (int i = 0; i < (1 << 17); i++)
			put(&flood, few[k], 2);
		p = cm_profile_decode(flood.p, flood.n, NULL, err, sizeof(err));
		CHECK(!p);
		CHECK_ERR(err, "not a plausible profile", k ? "sample types" : "comments");
	}
	/* A valid profile may compress over 256 times: 2M equal samples, 18 MB. */
	flood.n = 0;
	put(&flood, "\x0a\x04\x08\x01\x10\x02", 6);       /* sample_type 1/2 */
	for (int i = 0; i < 2000000; i++)
		put(&flood, "\x12\x07\x0a\x02\x01\x01\x12\x01\x05", 9); /* locs 1,1; 5 */
	put(&flood, "\x22\x02\x08\x01", 4);                   /* location 1 */
	put(&flood, "\x32\x00\x32\x01" "s\x32\x01" "c", 8);   /* "", "s", "c" */
	gz = gzip_level(flood.p, flood.n, 9);
	CHECK_MSG(flood.n / gz.n > 256, "compresses %zu times", flood.n / gz.n);
	p = cm_profile_decode(gz.p, gz.n, NULL, err, sizeof(err));
	CHECK_MSG(p && p->nsamples == 2000000, "repetitive profile: %s", p ? "" : err);
	cm_profile_free(p);
	c = (struct chunks){gz.p, gz.n, 0, 0, false};
	p = cm_profile_decode_stream(read_chunk, &c, NULL, err, sizeof(err));
	CHECK_MSG(p && p->nsamples == 2000000, "streamed repetitive profile: %s", p ? "" : err);
	cm_profile_free(p);
	free(gz.p);
	flood.n = 0;
	for (int i = 0; i < (8 << 20); i++)
		put(&flood, "\x12\x00", 2);
	p = cm_profile_decode(flood.p, flood.n, NULL, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "not a plausible profile", "sample flood");
	free(flood.p);

	/* A small error buffer truncates the message and stays terminated. */
	char small[10];
	p = cm_profile_decode((const unsigned char *)"\x00\x01", 2, NULL, small, sizeof(small));
	CHECK(!p && strlen(small) < sizeof(small));
}

/* ---- the hand-written Sample decoder ---- */

static void test_sample_wire(void)
{
	struct cm_sample_wire w = {0};
	struct buf b = {0}, l = {0};
	uint64_t locs[] = {1, 300, UINT64_MAX};
	packed(&b, 1, locs, 3);
	vf(&b, 1, 7); /* unpacked after packed: appended */
	vf(&b, 2, (uint64_t)-2);
	uint64_t vals[] = {5, 1ULL << 40};
	packed(&b, 2, vals, 2);
	vf(&l, 1, 1);
	vf(&l, 2, 2);
	vf(&l, 3, 3);
	vf(&l, 4, 4);
	sf(&l, 9, "skip me");
	mf(&b, 3, &l);
	sf(&b, 20, "unknown");
	key(&b, 21, 1);
	put(&b, "12345678", 8);
	key(&b, 22, 5);
	put(&b, "1234", 4);
	vf(&b, 23, 1);
	bf(&b, 1, "", 0); /* an empty packed run */
	CHECK(cm_sample_wire_decode(&w, b.p, b.n) == CM_WIRE_OK);
	CHECK(w.n_location_id == 4 && w.location_id[0] == 1 && w.location_id[1] == 300 &&
	      w.location_id[2] == UINT64_MAX && w.location_id[3] == 7);
	CHECK(w.n_value == 3 && w.value[0] == -2 && w.value[1] == 5 && w.value[2] == 1LL << 40);
	CHECK(w.n_label == 1 && w.label[0].key == 1 && w.label[0].str == 2 &&
	      w.label[0].num == 3 && w.label[0].num_unit == 4);
	/* Reuse: counts restart. */
	CHECK(cm_sample_wire_decode(&w, (const unsigned char *)"", 0) == CM_WIRE_OK);
	CHECK(w.n_location_id == 0 && w.n_value == 0 && w.n_label == 0);
	/* Many elements, to make the buffers grow. */
	free(b.p);
	b = (struct buf){0};
	struct buf run = {0};
	for (int i = 0; i < 100000; i++)
		uv(&run, (uint64_t)i);
	mf(&b, 1, &run);
	for (int i = 0; i < 1000; i++) {
		vf(&l, 1, (uint64_t)i);
		mf(&b, 3, &l);
	}
	CHECK(cm_sample_wire_decode(&w, b.p, b.n) == CM_WIRE_OK);
	CHECK(w.n_location_id == 100000 && w.location_id[99999] == 99999 && w.n_label == 1000 &&
	      w.label[999].key == 999 && w.label[999].str == 0);
	free(b.p);

	struct { const char *bytes; size_t n; const char *what; } bad[] = {
		{"\x0a\x05\x01", 3, "packed run past the end"},
		{"\x0a\x01\xff", 3, "varint cut inside a packed run"},
		{"\x08", 1, "missing varint"},
		{"\x08\xff", 2, "truncated varint"},
		{"\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12, "11-byte varint"},
		{"\x0d\x01\x02\x03\x04", 5, "location ids as fixed32"},
		{"\x11\x01\x02\x03\x04\x05\x06\x07\x08", 9, "values as fixed64"},
		{"\x18\x01", 2, "label as a varint"},
		{"\x1a\x02\x0a\x00", 4, "label key as bytes"},
		{"\x1a\x02\x08", 3, "label past the end"},
		{"\x1a\x01\x08", 3, "label varint cut"},
		{"\x1a\x02\x0b\x0c", 4, "group in a label"},
		{"\x00", 1, "field 0"},
		{"\x03", 1, "group start"},
		{"\x04", 1, "group end"},
		{"\x07", 1, "wire type 7"},
		{"\x26", 1, "wire type 6"},
		{"\xa1\x01\x01", 3, "truncated fixed64"},
		{"\xa5\x01\x01", 3, "truncated fixed32"},
		{"\xa2\x01\x05xy", 5, "unknown bytes past the end"},
		{"\xf8\xff\xff\xff\xff\x01\x00", 7, "tag past 32 bits"},
		{"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11, "11-byte tag"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(cm_sample_wire_decode(&w, (const unsigned char *)bad[i].bytes, bad[i].n) ==
			  CM_WIRE_MALFORMED, "%s", bad[i].what);
	cm_sample_wire_free(&w);
	cm_sample_wire_free(&w);
}

/* The gzip input inflated on a second thread (cm_decode_limits.threads):
 * the reference profile behind 5 MB of an unknown field, so that it
 * arrives in many of the thread's pieces with matches reaching back across
 * them, decodes the same as inflated in line; every damage is still an
 * error (no hang, no crash) however the pieces fall. */
/* gz from a file mapped read-only, as cmon pprof reads files: with
 * input_maps_file the pages inflated are given back as the decoder goes;
 * decoding the same mapping again must still see every byte (they come
 * back from the file), on the thread and in line. */
static void decode_mapped_file(const struct buf *gz)
{
	char path[] = "/tmp/cmon-test-decode-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	unlink(path);
	CHECK(write(fd, gz->p, gz->n) == (ssize_t)gz->n);
	void *map = mmap(NULL, gz->n, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	CHECK(map != MAP_FAILED);
	if (map == MAP_FAILED)
		return;
	char err[256] = "";
	for (int round = 0; round < 4; round++) {
		char what[64];
		snprintf(what, sizeof(what), "mapped file, threads %d, round %d", 1 + round % 2, round);
		struct cm_decode_limits lim = {.threads = 1 + round % 2, .input_maps_file = true};
		struct cm_profile *p = cm_profile_decode(map, gz->n, &lim, err, sizeof(err));
		CHECK_MSG(p != NULL, "%s: %s", what, err);
		if (p)
			check_reference(p, true, what);
		cm_profile_free(p);
	}
	munmap(map, gz->n);
}

/* The varint at p[*at], moving *at past it (the test's own bytes). */
static uint64_t get_uv(const unsigned char *p, size_t *at)
{
	uint64_t v = 0;
	for (int sh = 0;; sh += 7) {
		unsigned char c = p[(*at)++];
		v |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80))
			return v;
	}
}

/* The decoder reads the thread's pieces where they lie, finding a field
 * cut by a piece's end in front of the next piece when it is short
 * enough (CM_INFLATE_PIPE_HISTORY), gathering it otherwise: the reference
 * profile's fields with unknown fields between them, of lengths on both
 * sides of that bound and longer than a piece, so that the reference's
 * own fields land at all sorts of places in the pieces. */
static void test_threads_cut_fields(void)
{
	struct spec sp = ref();
	struct buf b = build(&sp), mixed = {0}, pad = {0};
	static const size_t lens[] = {5, 100, 16000, 32760, 32767, 32768, 32769, 40000,
				      65536, 200000, 300000, 1, 33000};
	for (unsigned i = 0; pad.n < 300000; i++) { /* varied, so that it compresses little */
		unsigned x = i * 2654435761u;
		put(&pad, &x, sizeof(x));
	}
	size_t at = 0, nth = 0;
	while (at < b.n) { /* the reference's top-level fields, each behind padding */
		size_t start = at;
		uint64_t tag = get_uv(b.p, &at);
		if ((tag & 7) == 0)
			get_uv(b.p, &at);
		else
			at += (size_t)get_uv(b.p, &at); /* the encoder writes 0 and 2 only */
		size_t pl = lens[nth++ % (sizeof(lens) / sizeof(lens[0]))];
		key(&mixed, 100, 2);
		uv(&mixed, pl);
		put(&mixed, pad.p + nth % 97, pl);
		put(&mixed, b.p + start, at - start);
	}
	CHECK(at == b.n && nth > 20);
	struct buf gz = gzip_of(mixed.p, mixed.n);
	char err[256] = "";
	struct cm_decode_limits two = {.threads = 2};
	struct cm_profile *p = cm_profile_decode(gz.p, gz.n, &two, err, sizeof(err));
	CHECK_MSG(p != NULL, "cut fields, threads 2: %s", err);
	if (p)
		check_reference(p, true, "cut fields, threads 2");
	cm_profile_free(p);
	free(gz.p);
	free(pad.p);
	free(mixed.p);
	free(b.p);
}

/* Every committed gzip profile decodes the same inflated in line and on
 * the thread (its first pieces are 16 KiB: samples cut by their ends):
 * the profiles written back are the same bytes. */
static void test_threads_fixtures(void)
{
	static const char *const names[] = {"allocs.pb.gz", "heap2.pb.gz", "heap.pb.gz",
					    "heap_delta.pb.gz", "flame_full_row.pb.gz", "cpu.pb.gz"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[512], err[256] = "";
		snprintf(path, sizeof(path), "%s/%s", CM_TEST_DATA_DIR, names[i]);
		size_t len;
		unsigned char *data = read_all(path, &len);
		CHECK_MSG(data != NULL, "%s: unreadable", path);
		if (!data)
			continue;
		unsigned char *enc[2] = {NULL, NULL};
		size_t n[2] = {0, 0};
		for (int th = 1; th <= 2; th++) {
			struct cm_decode_limits lim = {.threads = th};
			struct cm_profile *p = cm_profile_decode(data, len, &lim, err, sizeof(err));
			CHECK_MSG(p != NULL, "%s, threads %d: %s", names[i], th, err);
			if (p)
				CHECK_MSG(cm_profile_encode(p, CM_DEFAULT_MAX_INFLATED, &enc[th - 1],
							    &n[th - 1], err, sizeof(err)) == 0,
					  "%s: encode: %s", names[i], err);
			cm_profile_free(p);
		}
		CHECK_MSG(enc[0] && enc[1] && n[0] == n[1] && memcmp(enc[0], enc[1], n[0]) == 0,
			  "%s: threads 1 and 2 decode differently", names[i]);
		free(enc[0]);
		free(enc[1]);
		free(data);
	}
}

static void test_threads(void)
{
	struct spec sp = ref();
	struct buf b = build(&sp), big = {0}, pad = {0};
	char line[64];
	for (unsigned i = 0; pad.n < (5u << 20); i++) {
		int n = snprintf(line, sizeof(line), "frame %u of %u;", i * 7919u % 100003u, i);
		put(&pad, line, (size_t)n);
	}
	key(&big, 100, 2);
	uv(&big, pad.n);
	put(&big, pad.p, pad.n);
	put(&big, b.p, b.n);
	struct buf gz = gzip_of(big.p, big.n);
	char err[256] = "untouched";
	for (int th = 1; th <= 2; th++) {
		char what[64];
		snprintf(what, sizeof(what), "5 MB ahead, threads %d", th);
		struct cm_decode_limits lim = {.threads = th};
		struct cm_profile *p = cm_profile_decode(gz.p, gz.n, &lim, err, sizeof(err));
		CHECK_MSG(p != NULL, "%s: %s", what, err);
		if (p)
			check_reference(p, true, what);
		cm_profile_free(p);
		struct chunks c = {gz.p, gz.n, 0, 0, false};
		p = cm_profile_decode_stream(read_chunk, &c, &lim, err, sizeof(err));
		CHECK_MSG(p != NULL, "streamed %s: %s", what, err);
		cm_profile_free(p);
	}
	decode_mapped_file(&gz);
	struct cm_decode_limits two = {.threads = 2};
	for (size_t cut = 2; cut < gz.n; cut += gz.n / 13) {
		char what[96];
		snprintf(what, sizeof(what), "threads 2, gzip cut at %zu of %zu", cut, gz.n);
		struct cm_profile *p = cm_profile_decode(gz.p, cut, &two, err, sizeof(err));
		CHECK_MSG(p == NULL, "%s: decoded", what);
		cm_profile_free(p);
		CHECK_ERR(err, "gzip", what);
	}
	gz.p[gz.n / 2] ^= 0xff; /* the deflate data */
	struct cm_profile *p = cm_profile_decode(gz.p, gz.n, &two, err, sizeof(err));
	CHECK(!p);
	cm_profile_free(p);
	gz.p[gz.n / 2] ^= 0xff;
	gz.p[gz.n - 5] ^= 0x55; /* the length in the trailer */
	p = cm_profile_decode(gz.p, gz.n, &two, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "corrupt gzip stream", "threads 2, bad trailer");
	/* A limit hit while the thread runs ahead stops it. */
	struct cm_decode_limits small = {.max_inflated = pad.n + 16, .threads = 2};
	gz.p[gz.n - 5] ^= 0x55;
	p = cm_profile_decode(gz.p, gz.n, &small, err, sizeof(err));
	CHECK(!p);
	CHECK_ERR(err, "exceeds the limit", "threads 2, -max_inflated");
	free(gz.p);
	free(pad.p);
	free(big.p);
	free(b.p);
}

/* Sample k's location ids are want[k][1..want[k][0]]: checks what it
 * decoded to, through the dense indices. */
static void check_locs(const struct cm_profile *p, size_t k, const uint64_t *want,
		       bool wide, const char *what)
{
	const struct cm_sample *s = &p->samples[k];
	CHECK_MSG(s->nlocs == want[0], "%s: sample %zu has %u locations", what, k, s->nlocs);
	CHECK_MSG(s->locs_wide == wide, "%s: sample %zu wide %d", what, k, s->locs_wide);
	for (uint32_t i = 0; i < s->nlocs && i < want[0]; i++) {
		uint32_t li = cm_sample_loc(s, i);
		CHECK_MSG(li < p->nlocations && p->locations[li].id == want[1 + i],
			  "%s: sample %zu location %u", what, k, i);
	}
}

/* Location ids as encoders may write them: one packed run (read straight
 * into 16-bit indices), runs split in two, packed and unpacked mixed, and
 * a run whose indices pass 65535 (read again, 4 bytes each). */
static void test_location_runs(void)
{
	enum { NLOC = 70000 };
	struct buf b = {0}, sub = {0};
	const char *strs[] = {"", "samples", "count"};
	for (size_t i = 0; i < 3; i++)
		sf(&b, 6, strs[i]);
	vf(&sub, 1, 1);
	vf(&sub, 2, 2);
	mf(&b, 1, &sub);
	for (uint64_t id = 1; id <= NLOC; id++) { /* indices in this order */
		vf(&sub, 1, id);
		mf(&b, 4, &sub);
	}
	static const uint64_t one[] = {3, 1, 200, 3};
	static const uint64_t wide[] = {2, NLOC, 1};
	static const uint64_t split[] = {3, 5, 6, 7};
	static const uint64_t mixed[] = {3, 8, 9, 300};
	static const uint64_t mixed2[] = {3, 10, 11, 12};
	/* one-byte ids, eight and more in a row, then a long one */
	static const uint64_t small[] = {12, 5, 4, 3, 2, 1, 127, 126, 9, 8, 7, 6, 300};
	const uint64_t *want[] = {one, wide, split, mixed, mixed2, small};
	const uint64_t value = 1;
	packed(&sub, 1, one + 1, 3);
	packed(&sub, 2, &value, 1);
	mf(&b, 2, &sub);
	packed(&sub, 1, wide + 1, 2);
	packed(&sub, 2, &value, 1);
	mf(&b, 2, &sub);
	packed(&sub, 1, split + 1, 2);
	packed(&sub, 2, &value, 1);
	packed(&sub, 1, split + 3, 1);
	mf(&b, 2, &sub);
	packed(&sub, 1, mixed + 1, 1);
	vf(&sub, 1, mixed[2]);
	vf(&sub, 2, value);
	packed(&sub, 1, mixed + 3, 1);
	mf(&b, 2, &sub);
	vf(&sub, 1, mixed2[1]);
	packed(&sub, 1, mixed2 + 2, 2);
	vf(&sub, 2, value);
	mf(&b, 2, &sub);
	packed(&sub, 1, small + 1, 12);
	packed(&sub, 2, &value, 1);
	mf(&b, 2, &sub);
	for (enum how how = RAW; how < NHOW; how++) {
		for (int compact = 0; compact < 2; compact++) {
			char err[256];
			struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED,
						       .compact_stacks = compact};
			struct cm_profile *p = decode_how(&b, how, &lim, err, sizeof(err));
			CHECK_MSG(p != NULL, "%s: %s", how_name[how], err);
			if (!p)
				continue;
			CHECK(p->nsamples == 6 && p->nlocations == NLOC);
			for (size_t k = 0; k < 6 && k < p->nsamples; k++)
				check_locs(p, k, want[k], k == 1 && !compact, how_name[how]);
			CHECK(!compact || (p->nsamples && p->samples[0].locs_varint));
			cm_profile_free(p);
		}
	}
	/* An id 0 and a cut varint inside a packed run. */
	static const struct {
		const char *bytes;
		size_t n;
		const char *err;
	} bad[] = {
		{"\x12\x06\x0a\x02\x01\x00\x10\x01", 8, "references location id 0"},
		{"\x12\x06\x0a\x02\x01\x80\x10\x01", 8, "malformed Sample message"},
		/* inside and after eight one-byte ids (the compact reader takes
		 * eight at once once ids 1..127 are known) */
		{"\x12\x0e\x0a\x0a\x01\x02\x03\x04\x00\x06\x07\x08\x09\x0a\x10\x01", 16,
		 "references location id 0"},
		{"\x12\x0d\x0a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x80\x10\x01", 15,
		 "malformed Sample message"},
	};
	for (size_t i = 0; i < 2 * sizeof(bad) / sizeof(bad[0]); i++) {
		size_t k = i / 2;
		struct cm_decode_limits lim = {.max_inflated = CM_DEFAULT_MAX_INFLATED,
					       .compact_stacks = i % 2};
		struct buf c = {0};
		put(&c, b.p, b.n);
		put(&c, bad[k].bytes, bad[k].n);
		char err[256] = "";
		struct cm_profile *p = cm_profile_decode(c.p, c.n, &lim, err, sizeof(err));
		CHECK_MSG(!p, "bad run %zu (compact %zu) decoded", k, i % 2);
		cm_profile_free(p);
		CHECK_ERR(err, bad[k].err, "bad packed run");
		free(c.p);
	}
	free(b.p);
}

int main(void)
{
	test_reference();
	test_location_runs();
	test_threads();
	test_threads_cut_fields();
	test_threads_fixtures();
	test_errors();
	test_sample_wire();
	return check_status("test_decode");
}
