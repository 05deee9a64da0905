/* The hand-written Sample decoder must agree with protobuf-c's: on valid
 * messages in every encoding (packed, unpacked, unknown fields, labels) and
 * on the same messages truncated and with bits flipped, it must never accept
 * what protobuf-c refuses, and whatever both accept must decode to the same
 * numbers. It may refuse a little more: protobuf-c lets a field-0 tag pass
 * when its varint is not minimal (82 00), which the format forbids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/profile/sample_wire.h"
#include "cmon/profile/wire_varint.h"
#include "profile.pb-c.h"

struct buf {
	unsigned char b[4096];
	size_t n;
};

static void put_varint(struct buf *o, uint64_t v)
{
	while (v >= 0x80 && o->n < sizeof(o->b)) {
		o->b[o->n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	if (o->n < sizeof(o->b))
		o->b[o->n++] = (unsigned char)v;
}

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random value of varied width: small, two-byte, huge, negative. */
static uint64_t rnd_value(void)
{
	switch (rnd() % 4) {
	case 0: return rnd() % 100;
	case 1: return rnd() % 20000;
	case 2: return rnd();
	default: return (uint64_t)-(int64_t)(rnd() % 1000);
	}
}

static void put_repeated(struct buf *o, unsigned field, size_t n)
{
	if (rnd() % 2) { /* packed */
		struct buf inner = {.n = 0};
		for (size_t i = 0; i < n; i++)
			put_varint(&inner, rnd_value());
		put_varint(o, field << 3 | 2);
		put_varint(o, inner.n);
		memcpy(o->b + o->n, inner.b, inner.n < sizeof(o->b) - o->n ? inner.n : sizeof(o->b) - o->n);
		o->n += inner.n < sizeof(o->b) - o->n ? inner.n : sizeof(o->b) - o->n;
	} else {
		for (size_t i = 0; i < n; i++) {
			put_varint(o, field << 3 | 0);
			put_varint(o, rnd_value());
		}
	}
}

static void put_unknown(struct buf *o)
{
	unsigned field = 5 + (unsigned)(rnd() % 20);
	switch (rnd() % 4) {
	case 0: put_varint(o, field << 3 | 0); put_varint(o, rnd_value()); break;
	case 1: put_varint(o, field << 3 | 1); for (int i = 0; i < 8; i++) put_varint(o, 0); break;
	case 2: put_varint(o, field << 3 | 5); for (int i = 0; i < 4; i++) put_varint(o, 0); break;
	default: put_varint(o, field << 3 | 2); put_varint(o, 3); put_varint(o, 1); put_varint(o, 2); put_varint(o, 3); break;
	}
}

/* A Label of random fields 1 to 4, with an unknown one once in odds. */
static void put_label(struct buf *o, unsigned odds)
{
	struct buf l = {.n = 0};
	for (unsigned f = 1; f <= 4; f++)
		if (rnd() % 2) {
			put_varint(&l, f << 3);
			put_varint(&l, rnd_value());
		}
	if (rnd() % odds == 0)
		put_unknown(&l);
	put_varint(o, 3 << 3 | 2);
	put_varint(o, l.n);
	for (size_t k = 0; k < l.n && o->n < sizeof(o->b); k++)
		o->b[o->n++] = l.b[k];
}

static void make_sample(struct buf *o)
{
	o->n = 0;
	int parts = (int)(rnd() % 6);
	for (int i = 0; i < parts; i++) {
		switch (rnd() % 4) {
		case 0: put_repeated(o, 1, rnd() % 40); break;
		case 1: put_repeated(o, 2, rnd() % 5); break;
		case 2: put_label(o, 4); break;
		default: put_unknown(o); break;
		}
	}
}

/* A Sample shaped as Go writes it (cm_sample_wire_fast's): packed values
 * and packed ids in either order, then labels; now and then something
 * that is not quite (unpacked, an unknown field, a fifth label). */
static void make_go_sample(struct buf *o)
{
	o->n = 0;
	bool ids_first = rnd() % 4 == 0;
	for (int part = 0; part < 2; part++) {
		bool ids = (part == 0) == ids_first;
		struct buf inner = {.n = 0};
		size_t n = ids ? rnd() % 40 : 1 + rnd() % 4;
		for (size_t i = 0; i < n; i++)
			put_varint(&inner, ids ? 1 + rnd() % 300 : rnd_value());
		put_varint(o, (ids ? 1u : 2u) << 3 | 2);
		put_varint(o, inner.n);
		memcpy(o->b + o->n, inner.b, inner.n);
		o->n += inner.n;
	}
	size_t nlabels = rnd() % 6;
	for (size_t i = 0; i < nlabels; i++)
		put_label(o, 16);
	if (rnd() % 16 == 0)
		put_unknown(o);
}

static int stricter; /* we refused, protobuf-c accepted */
static int fast_taken; /* messages cm_sample_wire_fast read */

/* Whether cm_sample_wire_fast's reading of p[0..n), if it reads it, is
 * protobuf-c's. */
static int fast_agrees(const unsigned char *p, size_t n, const Perftools__Profiles__Sample *s)
{
	struct cm_sample_fast f;
	if (!cm_sample_wire_fast(&f, p, n))
		return 1;
	fast_taken++;
	/* The run is not read there: cm_sample_wire_locs_known finds a bad
	 * one, as it must (the message is malformed then). */
	unsigned char out[sizeof(((struct buf *)0)->b)], *start;
	size_t count;
	int run_rc = cm_sample_wire_locs_known(f.run, f.run_len, UINT64_MAX, out + f.run_len,
					       &start, &count);
	if (run_rc == CM_WIRE_MALFORMED)
		return !s;
	if (!s || f.n_value != s->n_value || f.n_label != s->n_label ||
	    (f.n_value && memcmp(f.value, s->value, f.n_value * 8)))
		return 0;
	size_t k = 0;
	for (const unsigned char *q = f.run, *end = f.run + f.run_len; q < end; k++) {
		uint64_t id;
		if (!cm_wire_varint(&q, end, &id) || k >= s->n_location_id || id != s->location_id[k])
			return 0;
	}
	if (k != s->n_location_id)
		return 0;
	for (size_t i = 0; i < f.n_label; i++)
		if (f.label[i].key != s->label[i]->key || f.label[i].str != s->label[i]->str ||
		    f.label[i].num != s->label[i]->num || f.label[i].num_unit != s->label[i]->num_unit)
			return 0;
	return 1;
}

/* 1 when they agree, 0 (and a report) when not. */
static int agree(const unsigned char *p, size_t n, const char *what, int iter)
{
	static struct cm_sample_wire w;
	int rc = cm_sample_wire_decode(&w, p, n);
	Perftools__Profiles__Sample *s = perftools__profiles__sample__unpack(NULL, n, p);
	int ok = fast_agrees(p, n, s);
	if (!ok) {
		/* reported below */
	} else if (rc != CM_WIRE_OK && s != NULL) {
		stricter++;
	} else if (rc == CM_WIRE_OK && s == NULL) {
		ok = 0;
	} else if (s) {
		ok = w.n_location_id == s->n_location_id && w.n_value == s->n_value &&
		     w.n_label == s->n_label &&
		     (!s->n_location_id || !memcmp(w.location_id, s->location_id, s->n_location_id * 8)) &&
		     (!s->n_value || !memcmp(w.value, s->value, s->n_value * 8));
		for (size_t i = 0; ok && i < s->n_label; i++)
			ok = w.label[i].key == s->label[i]->key && w.label[i].str == s->label[i]->str &&
			     w.label[i].num == s->label[i]->num && w.label[i].num_unit == s->label[i]->num_unit;
	}
	static int reported;
	if (!ok && reported++ < 10) {
		fprintf(stderr, "FAIL %s #%d: ours=%d protobuf-c=%s (%zu bytes):", what, iter, rc,
			s ? "ok" : "rejected", n);
		for (size_t i = 0; i < n && i < 48; i++)
			fprintf(stderr, " %02x", p[i]);
		fprintf(stderr, "\n");
	}
	if (s)
		perftools__profiles__sample__free_unpacked(s, NULL);
	return ok;
}

int main(void)
{
	int failed = 0, checked = 0;
	struct buf m;
	for (int iter = 0; iter < 40000; iter++) {
		if (iter % 2)
			make_go_sample(&m);
		else
			make_sample(&m);
		checked++;
		failed += !agree(m.b, m.n, "valid", iter);
		if (m.n > 0) {
			size_t cut = rnd() % m.n;
			checked++;
			failed += !agree(m.b, cut, "truncated", iter);
			unsigned char flipped[sizeof(m.b)];
			memcpy(flipped, m.b, m.n);
			flipped[rnd() % m.n] ^= (unsigned char)(1u << (rnd() % 8));
			checked++;
			failed += !agree(flipped, m.n, "flipped", iter);
		}
	}
	static const unsigned char edge[][12] = {
		{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, /* max varint */
		{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, /* overflow */
		{0x0a, 0x05, 0x01, 0x02},                                           /* short packed */
		{0x1a, 0x02, 0x08},                                                 /* short label */
		{0x0b},                                                             /* group start */
	};
	size_t lens[] = {11, 11, 4, 3, 1};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		checked++;
		failed += !agree(edge[i], lens[i], "edge", (int)i);
	}
	printf("%d checked, %d disagreements, %d refused by us only, %d read by the fast path\n",
	       checked, failed, stricter, fast_taken);
	if (fast_taken < 10000) { /* the Go-shaped ones must mostly take it */
		printf("FAIL: the fast path read too few messages\n");
		failed++;
	}
	/* The field-0 quirk is rare; many more would mean a real difference. */
	if (stricter * 1000 > checked) {
		printf("FAIL: too many messages refused by us but accepted by protobuf-c\n");
		failed++;
	}
	return failed ? 1 : 0;
}
