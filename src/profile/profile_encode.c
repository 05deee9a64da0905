/* profile_encode: protobuf-c packs each message of the profile; the
 * top-level fields are framed here one at a time, so that only one sample's
 * message exists at once, and the bytes go straight into zlib's gzip
 * deflate. Field order and contents follow pprof's encode.go (no doc_url:
 * pprof 1.19 does not know it). */
#include "cmon/profile/profile_encode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cmon/base/hashset.h"
#include "profile.pb-c.h"

/* Where packed bytes go: deflate into a growing buffer. */
struct sink {
	ProtobufCBuffer base; /* first: protobuf-c calls base.append */
	z_stream z;
	unsigned char *out;
	size_t len, cap;
	uint64_t written, max;
	int failed; /* 0, or ENC_OOM / ENC_TOO_BIG */
};

enum { ENC_OOM = 1, ENC_TOO_BIG = 2, ENC_ZLIB = 3 };

static void deflate_some(struct sink *k, const unsigned char *data, size_t len, int flush)
{
	k->z.next_in = (unsigned char *)data;
	k->z.avail_in = (uInt)len;
	do {
		if (k->cap - k->len < 4096) {
			size_t cap = k->cap ? k->cap * 2 : 65536;
			unsigned char *o = realloc(k->out, cap);
			if (!o) {
				k->failed = ENC_OOM;
				return;
			}
			k->out = o;
			k->cap = cap;
		}
		k->z.next_out = k->out + k->len;
		k->z.avail_out = (uInt)(k->cap - k->len);
		int zr = deflate(&k->z, flush);
		k->len = k->cap - k->z.avail_out;
		if (zr == Z_STREAM_ERROR) {
			k->failed = ENC_ZLIB;
			return;
		}
		if (flush == Z_FINISH && zr == Z_STREAM_END)
			return;
	} while (k->z.avail_in > 0 || k->z.avail_out == 0 || flush == Z_FINISH);
}

static void sink_append(ProtobufCBuffer *b, size_t len, const uint8_t *data)
{
	struct sink *k = (struct sink *)b;
	if (k->failed)
		return;
	if (len > k->max - k->written) {
		k->failed = ENC_TOO_BIG;
		return;
	}
	k->written += len;
	while (len > 0 && !k->failed) { /* avail_in is 32 bits */
		size_t n = len < (1u << 30) ? len : (1u << 30);
		deflate_some(k, data, n, Z_NO_FLUSH);
		data += n;
		len -= n;
	}
}

static void put_varint(struct sink *k, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	sink_append(&k->base, n, b);
}

/* A varint field, left out when zero as proto3 does. */
static void put_int(struct sink *k, unsigned field, int64_t v)
{
	if (v == 0)
		return;
	put_varint(k, (uint64_t)field << 3);
	put_varint(k, (uint64_t)v);
}

static void put_message(struct sink *k, unsigned field, const ProtobufCMessage *m)
{
	put_varint(k, (uint64_t)field << 3 | 2);
	put_varint(k, protobuf_c_message_get_packed_size(m));
	protobuf_c_message_pack_to_buffer(m, &k->base);
}

/* ---- the string table ---- */

struct strtab {
	struct cm_index_set set;
	const char **strs; /* by index; room for the bound given to init */
	uint32_t n;
};

static bool str_eq(const void *ctx, uint32_t a, uint32_t b)
{
	const char *const *s = ctx;
	return !strcmp(s[a], s[b]);
}

static int64_t intern(struct strtab *t, const char *s)
{
	t->strs[t->n] = s;
	uint32_t i = cm_index_set_intern(&t->set, cm_hash_str(s), t->n, str_eq, t->strs);
	if (i == t->n)
		t->n++;
	return i;
}

/* An upper bound of the distinct strings p can name. */
static size_t strings_bound(const struct cm_profile *p)
{
	size_t n = 8 + 2 * p->nsample_types + 2 * p->nmappings + 3 * p->nfunctions + p->ncomments;
	for (size_t i = 0; i < p->nsamples; i++)
		n += 2 * (size_t)p->samples[i].nlabels;
	return n;
}

/* ---- the messages ---- */

struct scratch {
	uint64_t *ids;
	Perftools__Profiles__Label *labels, **label_ptrs;
	Perftools__Profiles__Line *lines, **line_ptrs;
	size_t ids_cap, labels_cap, label_ptrs_cap, lines_cap, line_ptrs_cap;
};

/* Grows *arr to n elements of size each; -1 when memory runs out. */
static int reserve(void *arr, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return 0;
	void *a = realloc(*(void **)arr, n * size);
	if (!a)
		return -1;
	*(void **)arr = a;
	*cap = n;
	return 0;
}

static void put_value_type(struct sink *k, struct strtab *t, unsigned field,
			   const struct cm_value_type *v)
{
	Perftools__Profiles__ValueType m = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	m.type = intern(t, v->type);
	m.unit = intern(t, v->unit);
	put_message(k, field, &m.base);
}

static Perftools__Profiles__Label label_message(struct strtab *t, const struct cm_label *l)
{
	Perftools__Profiles__Label m = PERFTOOLS__PROFILES__LABEL__INIT;
	m.key = intern(t, l->key);
	if (l->str) {
		m.str = intern(t, l->str);
	} else {
		m.num = l->num;
		m.num_unit = *l->num_unit ? intern(t, l->num_unit) : 0;
	}
	return m;
}

static int put_sample(struct sink *k, struct strtab *t, struct scratch *sc,
		      const struct cm_profile *p, const struct cm_sample *s)
{
	if (reserve(&sc->ids, &sc->ids_cap, s->nlocs + 1, sizeof(*sc->ids)) ||
	    reserve(&sc->labels, &sc->labels_cap, s->nlabels + 1, sizeof(*sc->labels)) ||
	    reserve(&sc->label_ptrs, &sc->label_ptrs_cap, s->nlabels + 1, sizeof(*sc->label_ptrs)))
		return -1;
	Perftools__Profiles__Sample m = PERFTOOLS__PROFILES__SAMPLE__INIT;
	struct cm_locs_cursor c = cm_locs_from_leaf(s);
	for (uint32_t i = 0; i < s->nlocs; i++)
		sc->ids[i] = p->locations[cm_locs_next(&c)].id;
	m.n_location_id = s->nlocs;
	m.location_id = sc->ids;
	m.n_value = p->nsample_types;
	m.value = s->values;
	for (uint32_t i = 0; i < s->nlabels; i++) {
		sc->labels[i] = label_message(t, &s->labels[i]);
		sc->label_ptrs[i] = &sc->labels[i];
	}
	m.n_label = s->nlabels;
	m.label = sc->label_ptrs;
	put_message(k, 2, &m.base);
	return 0;
}

static void put_mapping(struct sink *k, struct strtab *t, const struct cm_mapping *mp)
{
	Perftools__Profiles__Mapping m = PERFTOOLS__PROFILES__MAPPING__INIT;
	m.id = mp->id;
	m.memory_start = mp->start;
	m.memory_limit = mp->limit;
	m.file_offset = mp->offset;
	m.filename = intern(t, mp->file);
	m.build_id = intern(t, mp->build_id);
	m.has_functions = mp->has_functions;
	m.has_filenames = mp->has_filenames;
	m.has_line_numbers = mp->has_line_numbers;
	m.has_inline_frames = mp->has_inline_frames;
	put_message(k, 3, &m.base);
}

static Perftools__Profiles__Line line_message(const struct cm_profile *p, const struct cm_line *l)
{
	Perftools__Profiles__Line m = PERFTOOLS__PROFILES__LINE__INIT;
	m.function_id = l->function == CM_NONE ? 0 : p->functions[l->function].id;
	m.line = l->line;
	return m;
}

static int put_location(struct sink *k, struct scratch *sc, const struct cm_profile *p,
			const struct cm_location *l)
{
	if (reserve(&sc->lines, &sc->lines_cap, l->nlines + 1, sizeof(*sc->lines)) ||
	    reserve(&sc->line_ptrs, &sc->line_ptrs_cap, l->nlines + 1, sizeof(*sc->line_ptrs)))
		return -1;
	Perftools__Profiles__Location m = PERFTOOLS__PROFILES__LOCATION__INIT;
	m.id = l->id;
	m.mapping_id = l->mapping == CM_NONE ? 0 : p->mappings[l->mapping].id;
	m.address = l->address;
	m.is_folded = l->is_folded;
	for (uint32_t i = 0; i < l->nlines; i++) {
		sc->lines[i] = line_message(p, &l->lines[i]);
		sc->line_ptrs[i] = &sc->lines[i];
	}
	m.n_line = l->nlines;
	m.line = sc->line_ptrs;
	put_message(k, 4, &m.base);
	return 0;
}

static void put_function(struct sink *k, struct strtab *t, const struct cm_function *f)
{
	Perftools__Profiles__Function m = PERFTOOLS__PROFILES__FUNCTION__INIT;
	m.id = f->id;
	m.name = intern(t, f->name);
	m.system_name = intern(t, f->system_name);
	m.filename = intern(t, f->filename);
	m.start_line = f->start_line;
	put_message(k, 5, &m.base);
}

/* Fields 1 to 15 in order; the string table (6) comes after the tables
 * that fill it, so the header's strings are interned first. */
static int put_profile(struct sink *k, struct strtab *t, struct scratch *sc,
		       const struct cm_profile *p)
{
	intern(t, "");
	int64_t drop = intern(t, p->drop_frames), keep = intern(t, p->keep_frames);
	int64_t dflt = intern(t, p->default_sample_type);
	for (size_t i = 0; i < p->ncomments; i++)
		intern(t, p->comments[i]);
	for (size_t i = 0; i < p->nsample_types; i++)
		put_value_type(k, t, 1, &p->sample_types[i]);
	for (size_t i = 0; i < p->nsamples && !k->failed; i++)
		if (put_sample(k, t, sc, p, &p->samples[i]) < 0)
			return -1;
	for (size_t i = 0; i < p->nmappings; i++)
		put_mapping(k, t, &p->mappings[i]);
	for (size_t i = 0; i < p->nlocations && !k->failed; i++)
		if (put_location(k, sc, p, &p->locations[i]) < 0)
			return -1;
	for (size_t i = 0; i < p->nfunctions; i++)
		put_function(k, t, &p->functions[i]);
	if (p->has_period_type) {
		intern(t, p->period_type.type);
		intern(t, p->period_type.unit);
	}
	for (uint32_t i = 0; i < t->n && !k->failed; i++) {
		size_t n = strlen(t->strs[i]);
		put_varint(k, 6 << 3 | 2);
		put_varint(k, n);
		sink_append(&k->base, n, (const uint8_t *)t->strs[i]);
	}
	put_int(k, 7, drop);
	put_int(k, 8, keep);
	put_int(k, 9, p->time_nanos);
	put_int(k, 10, p->duration_nanos);
	if (p->has_period_type)
		put_value_type(k, t, 11, &p->period_type);
	put_int(k, 12, p->period);
	for (size_t i = 0; i < p->ncomments; i++) {
		put_varint(k, 13 << 3);
		put_varint(k, (uint64_t)intern(t, p->comments[i]));
	}
	put_int(k, 14, dflt);
	return 0;
}

int cm_profile_encode(const struct cm_profile *p, uint64_t max_bytes, unsigned char **out,
		      size_t *outlen, char *err, size_t errlen)
{
	struct sink k = {.base = {sink_append}, .max = max_bytes};
	struct strtab t = {0};
	struct scratch sc = {0};
	size_t bound = strings_bound(p);
	int rc = -1;
	if (deflateInit2(&k.z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!(t.strs = malloc(bound * sizeof(*t.strs))) || cm_index_set_init(&t.set, bound) < 0 ||
	    put_profile(&k, &t, &sc, p) < 0)
		k.failed = k.failed ? k.failed : ENC_OOM;
	if (!k.failed)
		deflate_some(&k, NULL, 0, Z_FINISH);
	if (k.failed == ENC_TOO_BIG)
		snprintf(err, errlen, "the profile is too big to encode: more than %llu bytes "
				      "(-max_inflated)", (unsigned long long)max_bytes);
	else if (k.failed == ENC_ZLIB)
		snprintf(err, errlen, "compressing the profile: %s", k.z.msg ? k.z.msg : "zlib error");
	else if (k.failed)
		snprintf(err, errlen, "out of memory");
	else
		rc = 0;
	deflateEnd(&k.z);
	if (rc == 0) {
		*out = k.out;
		*outlen = k.len;
	} else {
		free(k.out);
	}
	free(t.strs);
	cm_index_set_free(&t.set);
	free(sc.ids);
	free(sc.labels);
	free(sc.label_ptrs);
	free(sc.lines);
	free(sc.line_ptrs);
	return rc;
}
