/* expvar.c: the expvar-specific reading of a /debug/vars body; the JSON
 * itself is json.c's (one pass, a flat index, nothing per value). What is
 * Go's or expvarmon's lives here: NaN words, GC rings, array means, kinds,
 * and values cut and cleaned for a terminal. */
#include "cmon/monitor/expvar.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* memstats.PauseNs and memstats.PauseEnd are Go's rings of the last 256
 * collections, indexed by NumGC. */
#define GC_RING 256

/* A string is unescaped into a buffer this big to be shown: a value's
 * text holds 95 bytes, and cleaning never takes more than two input bytes
 * for one output byte (a C1 control becomes '?'), so 256 is always enough
 * to fill it, and a longer string is cut anyway. */
#define SHOW_BUF 256

/* The keys of one path, as "*" discovers it: unescaped and NUL-terminated
 * one after another. A path the -vars grammar could not hold (a 4096-byte
 * field) is passed over rather than cut. */
#define PATH_BUF 4200

/* ---- parsing ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool blank_body(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_space(body[i]))
			return false;
	return true;
}

/* Makes a message safe to show on one line. */
static void ascii_only(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static const char *describe(const struct cm_json *d, size_t node)
{
	switch (cm_json_type(d, node)) {
	case CM_JSON_OBJECT:
		return "an object";
	case CM_JSON_ARRAY:
		return "an array";
	case CM_JSON_STRING:
		return "a string";
	case CM_JSON_NUMBER:
		return "a number";
	case CM_JSON_TRUE:
	case CM_JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int cm_expvar_parse(struct cm_json *doc, const char *body, size_t len, char *err, size_t errlen)
{
	return cm_expvar_parse_keep(doc, body, len, NULL, err, errlen);
}

int cm_expvar_parse_keep(struct cm_json *doc, const char *body, size_t len,
			 const struct cm_json_keep *keep, char *err, size_t errlen)
{
	const struct cm_json_opts go = {.max_depth = CM_EXPVAR_MAX_DEPTH, .nonfinite_words = true,
					.keep = keep};
	if (!body || blank_body(body, len)) {
		cm_json_reset(doc);
		snprintf(err, errlen, "empty body");
		return -1;
	}
	if (cm_json_parse(doc, body, len, &go, err, errlen))
		return -1; /* json.c's messages are printable ASCII already */
	if (cm_json_type(doc, 0) != CM_JSON_OBJECT) {
		snprintf(err, errlen, "not a JSON object but %s", describe(doc, 0));
		cm_json_reset(doc);
		return -1;
	}
	return 0;
}

/* ---- what a reader keeps ---- */

/* Every node but the root owns its key and its sub array: the casts below
 * take back what keep_free and keep_add allocated. */
static void keep_free_subs(struct cm_json_keep *node)
{
	struct cm_json_keep *sub = (struct cm_json_keep *)node->sub;
	for (size_t i = 0; i < node->nsub; i++) {
		keep_free_subs(&sub[i]);
		free((char *)sub[i].key);
	}
	free(sub);
	node->sub = NULL;
	node->nsub = 0;
}

void cm_expvar_keep_free(struct cm_expvar_keep *k)
{
	keep_free_subs(&k->root);
	*k = (struct cm_expvar_keep){0};
}

/* node's member key (added, without members yet, when new: *fresh);
 * NULL when out of memory. */
static struct cm_json_keep *keep_child(struct cm_json_keep *node, const char *key, size_t len,
				       bool *fresh)
{
	struct cm_json_keep *sub = (struct cm_json_keep *)node->sub;
	*fresh = false;
	for (size_t i = 0; i < node->nsub; i++)
		if (sub[i].len == len && !memcmp(sub[i].key, key, len))
			return &sub[i];
	*fresh = true;
	char *name = malloc(len + 1);
	sub = name ? realloc(sub, (node->nsub + 1) * sizeof *sub) : NULL;
	if (!sub) {
		free(name);
		return NULL;
	}
	memcpy(name, key, len);
	name[len] = '\0';
	node->sub = sub;
	sub[node->nsub] = (struct cm_json_keep){.key = name, .len = len};
	return &sub[node->nsub++];
}

int cm_expvar_keep_add(struct cm_expvar_keep *k, const char *const *keys, size_t nkeys)
{
	if (k->whole)
		return 0;
	if (!nkeys) {
		keep_free_subs(&k->root);
		k->whole = true;
		return 0;
	}
	struct cm_json_keep *node = &k->root;
	bool fresh = false;
	for (size_t i = 0; i < nkeys; i++) {
		/* A node found without members (but the root) keeps its value
		 * whole already: every member on the way to another's has one. */
		if (node != &k->root && !fresh && !node->nsub)
			return 0;
		node = keep_child(node, keys[i], strlen(keys[i]), &fresh);
		if (!node) {
			keep_free_subs(&k->root);
			k->whole = true;
			return -1;
		}
	}
	keep_free_subs(node); /* the path ends here: the value whole */
	return 0;
}

int cm_expvar_keep_add_var(struct cm_expvar_keep *k, const struct cm_var *v)
{
	if (v->source != CM_SOURCE_EXPVAR)
		return 0;
	const char *keys[CM_VAR_DEPTH_MAX];
	size_t n = 0;
	while (n < v->nsteps && n < CM_VAR_DEPTH_MAX && v->steps[n].key) {
		keys[n] = v->steps[n].key;
		n++;
	}
	return cm_expvar_keep_add(k, keys, n);
}

const struct cm_json_keep *cm_expvar_keep_tree(const struct cm_expvar_keep *k)
{
	return k->whole ? NULL : &k->root;
}

/* ---- values ---- */

/* The number at node as a NUMBER value; false when it is none. */
static bool number_of(const struct cm_json *d, size_t node, struct cm_value *v)
{
	struct cm_json_num n;
	if (!cm_json_number(d, node, &n))
		return false;
	*v = (struct cm_value){.state = CM_VALUE_NUMBER, .integer = n.integer, .i = n.i,
			       .num = n.d};
	return true;
}

static size_t utf8_seq_len(unsigned char c)
{
	return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
}

/* Copies whole characters of src while they fit in limit bytes; control
 * characters (C0, DEL, C1, and NUL, which JSON strings may hold) become
 * '?' so a service cannot drive the terminal. Returns the bytes of src
 * consumed; *w is the bytes written. */
static size_t copy_clean(char *dst, size_t limit, const char *src, size_t n, size_t *w)
{
	size_t i = 0;
	*w = 0;
	while (i < n) {
		unsigned char c = (unsigned char)src[i];
		size_t clen = utf8_seq_len(c);
		if (clen > n - i)
			clen = n - i;
		bool ctrl = c < 0x20 || c == 0x7f ||
			    (c == 0xC2 && clen == 2 && (unsigned char)src[i + 1] < 0xA0);
		size_t out = ctrl ? 1 : clen;
		if (*w + out > limit)
			break;
		if (ctrl)
			dst[*w] = '?';
		else
			memcpy(dst + *w, src + i, clen);
		*w += out;
		i += clen;
	}
	return i;
}

/* A TEXT or WRONG value holding src (n bytes of a text full bytes long),
 * cut with "..." when too long. */
static struct cm_value value_text(enum cm_value_state state, const char *src, size_t n,
				  size_t full)
{
	struct cm_value v = {.state = state};
	size_t cap = sizeof v.text, w;
	if (copy_clean(v.text, cap - 1, src, n, &w) < full) {
		copy_clean(v.text, cap - 4, src, n, &w);
		memcpy(v.text + w, "...", 3);
		w += 3;
	}
	v.text[w] = '\0';
	return v;
}

static struct cm_value value_str(enum cm_value_state state, const char *s)
{
	return value_text(state, s, strlen(s), strlen(s));
}

/* A number as a str: var shows it: integers exactly, others in the
 * fewest digits that read back the same (as Go's expvar wrote them). */
static struct cm_value number_as_text(const struct cm_value *n)
{
	char buf[40];
	if (n->integer)
		snprintf(buf, sizeof buf, "%lld", n->i);
	else if (isnan(n->num))
		snprintf(buf, sizeof buf, "NaN");
	else if (isinf(n->num))
		snprintf(buf, sizeof buf, "%s", n->num > 0 ? "+Inf" : "-Inf");
	else {
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, sizeof buf, "%.*g", prec, n->num);
			if (strtod(buf, NULL) == n->num)
				break;
		}
	}
	return value_str(CM_VALUE_TEXT, buf);
}

/* A leaf (not an array) in a kind. */
static struct cm_value scalar_value(const struct cm_json *d, size_t node, enum cm_var_kind kind)
{
	struct cm_value v;
	char buf[SHOW_BUF];
	size_t full;
	if (number_of(d, node, &v))
		return kind == CM_KIND_STRING ? number_as_text(&v) : v;
	switch (cm_json_type(d, node)) {
	case CM_JSON_STRING:
		full = cm_json_string(d, node, buf, sizeof buf);
		return value_text(CM_VALUE_TEXT, buf, full < sizeof buf ? full : sizeof buf, full);
	case CM_JSON_TRUE:
		return value_str(CM_VALUE_TEXT, "true");
	case CM_JSON_FALSE:
		return value_str(CM_VALUE_TEXT, "false");
	case CM_JSON_NULL:
		return (struct cm_value){.state = CM_VALUE_NA}; /* an expvar.Func that said nil */
	default:
		return value_str(CM_VALUE_WRONG, describe(d, node));
	}
}

/* A str: var of an array (cmdline): its scalar elements as str: shows
 * them, joined by spaces, cut with "..." when longer than a value holds.
 * An element that is itself an array or object makes it WRONG. */
static struct cm_value array_text(const struct cm_json *d, size_t arr)
{
	char buf[SHOW_BUF];
	size_t w = 0, full = 0, n = cm_json_count(d, arr), e = cm_json_first(d, arr);
	for (size_t i = 0; i < n; i++, e = cm_json_next(d, e)) {
		enum cm_json_type t = cm_json_type(d, e);
		if (t == CM_JSON_ARRAY || t == CM_JSON_OBJECT)
			return value_str(CM_VALUE_WRONG, "an array of arrays or objects");
		struct cm_value x = scalar_value(d, e, CM_KIND_STRING);
		const char *piece = x.state == CM_VALUE_TEXT ? x.text : "null";
		size_t k = strlen(piece) + (i > 0);
		full += k;
		if (w + k < sizeof buf) {
			if (i > 0)
				buf[w++] = ' ';
			memcpy(buf + w, piece, k - (i > 0));
			w += k - (i > 0);
		}
	}
	return value_text(CM_VALUE_TEXT, buf, w, full);
}

/* expvarmon's view of an array: the mean of its elements after trailing
 * zeros are dropped (an all-zero array's mean is 0). Empty: N/A. */
static struct cm_value array_mean(const struct cm_json *d, size_t arr, enum cm_var_kind kind)
{
	size_t n = cm_json_count(d, arr), used = 0;
	if (kind == CM_KIND_STRING)
		return array_text(d, arr);
	if (n == 0)
		return (struct cm_value){.state = CM_VALUE_NA};
	double sum = 0, used_sum = 0;
	size_t e = cm_json_first(d, arr);
	for (size_t i = 0; i < n; i++, e = cm_json_next(d, e)) {
		struct cm_value x;
		if (!number_of(d, e, &x))
			return value_str(CM_VALUE_WRONG, "an array of non-numbers");
		sum += x.num;
		if (x.num != 0) {
			used = i + 1;
			used_sum = sum;
		}
	}
	if (used == 0)
		used = n; /* all zeros: mean 0 */
	return (struct cm_value){.state = CM_VALUE_NUMBER, .num = used_sum / (double)used};
}

static bool step_is(const struct cm_var_step *st, const char *key)
{
	return st->key && !strcmp(st->key, key);
}

/* True when v names memstats.PauseNs or memstats.PauseEnd, bare or with
 * an index. */
static bool names_gc_ring(const struct cm_var *v)
{
	return v->nsteps >= 2 && step_is(&v->steps[0], "memstats") &&
	       (step_is(&v->steps[1], "PauseNs") || step_is(&v->steps[1], "PauseEnd"));
}

/* memstats.NumGC when the service publishes it; else -1. */
static long long doc_numgc(const struct cm_json *d)
{
	struct cm_json_num n;
	if (!cm_json_number(d, cm_json_get(d, cm_json_get(d, 0, "memstats", 8), "NumGC", 5), &n) ||
	    !n.integer || n.i < 0)
		return -1;
	return n.i;
}

/* The ring slot k < 0 collections back (-1 = the newest), or -1 when that
 * collection has not happened or has left the ring. */
static long long gc_ring_slot(long long numgc, long long k)
{
	if (k < -GC_RING || -k > numgc)
		return -1;
	return (numgc % GC_RING + GC_RING + k) % GC_RING;
}

/* The element an index step picks; CM_JSON_NONE when there is none.
 * numgc >= 0 makes negative indexes count back from a GC ring's newest
 * entry. */
static size_t index_step(const struct cm_json *d, size_t arr, long long k, long long numgc)
{
	size_t n = cm_json_count(d, arr);
	if (numgc >= 0 && n == GC_RING && k < 0) {
		long long slot = gc_ring_slot(numgc, k);
		return slot < 0 ? CM_JSON_NONE : cm_json_at(d, arr, (size_t)slot);
	}
	if (k < 0) {
		if (k < -(long long)n)
			return CM_JSON_NONE;
		k += (long long)n;
	}
	return (unsigned long long)k < n ? cm_json_at(d, arr, (size_t)k) : CM_JSON_NONE;
}

static struct cm_value not_a(const struct cm_json *d, size_t node, const char *wanted)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s, not %s", describe(d, node), wanted);
	return value_str(CM_VALUE_WRONG, buf);
}

/* A bare array at the end of the path: a GC ring's newest entry, or
 * expvarmon's mean. */
static struct cm_value bare_array(const struct cm_json *d, size_t arr, const struct cm_var *v,
				  long long numgc)
{
	if (numgc >= 0 && v->nsteps == 2 && cm_json_count(d, arr) == GC_RING) {
		if (numgc == 0)
			return (struct cm_value){.state = CM_VALUE_NA}; /* no collection yet */
		return scalar_value(d, cm_json_at(d, arr, (size_t)gc_ring_slot(numgc, -1)), v->kind);
	}
	return array_mean(d, arr, v->kind);
}

/* ---- many vars at once ----
 *
 * Every var's path is followed one step at a time, all vars together. At
 * each step the vars that look up a key are sorted by the object they look
 * in, then by key, and an object that many of them look in has its
 * members read once, each member found among the sorted keys by a binary
 * search. A lookup per var would read the object once per var: "-vars=*"
 * on a 100,000-key body was 1000 x 100,000 key checks a poll. */

/* Fewer lookups than this in one object are done one by one: reading
 * every member of memstats to find six of them would cost more. */
#define WALK_MIN 8

/* A key as JSON escapes it is at most this long once unescaped, for any
 * key a var can name (a -vars field is at most 4096 bytes). */
#define KEY_BUF 4100

/* Where one var's path has got to: done steps taken, node their end.
 * stopped: the path ends early, at a node of the wrong type (node is
 * that node) or at a key or index that is not there (node is NONE). */
struct path_state {
	size_t node;
	size_t done;
	bool stopped;
};

/* One var's next step, a key to look up in object obj. */
struct key_want {
	size_t obj;
	const char *key;
	size_t len;
	size_t var;
};

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return an < bn ? -1 : 1;
	return memcmp(a, b, an);
}

static int want_cmp(const void *pa, const void *pb)
{
	const struct key_want *a = pa, *b = pb;
	if (a->obj != b->obj)
		return a->obj < b->obj ? -1 : 1;
	int c = bytes_cmp(a->key, a->len, b->key, b->len);
	if (c)
		return c;
	return a->var < b->var ? -1 : a->var > b->var;
}

/* The first of w[0..n) whose key is not below key. */
static size_t lower_bound(const struct key_want *w, size_t n, const char *key, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (bytes_cmp(w[mid].key, w[mid].len, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The unescaped bytes of key k: the text itself when it has no escape,
 * else unescaped into buf; NULL when longer than any var's key. */
static const char *key_bytes(const struct cm_json *d, size_t k, char *buf, size_t *len)
{
	const char *raw = cm_json_raw(d, k, len);
	if (!raw || !memchr(raw, '\\', *len))
		return raw;
	*len = cm_json_string(d, k, buf, KEY_BUF);
	return *len <= KEY_BUF ? buf : NULL;
}

/* Reads the members of obj once for the lookups w[0..n) (sorted by key),
 * setting each var's node; the last member of a repeated key wins, as in
 * cm_json_get. */
static void walk_object(const struct cm_json *d, size_t obj, const struct key_want *w,
			size_t n, struct path_state *st)
{
	char buf[KEY_BUF];
	for (size_t i = 0; i < n; i++)
		st[w[i].var].node = CM_JSON_NONE;
	size_t k = cm_json_first(d, obj), count = cm_json_count(d, obj);
	for (size_t m = 0; m < count; m++, k = cm_json_next(d, k + 1)) {
		size_t len;
		const char *key = key_bytes(d, k, buf, &len);
		if (!key)
			continue;
		for (size_t i = lower_bound(w, n, key, len);
		     i < n && !bytes_cmp(w[i].key, w[i].len, key, len); i++)
			st[w[i].var].node = k + 1;
	}
}

/* Carries out the key lookups w[0..n), grouped by object. */
static void look_up_keys(const struct cm_json *d, struct key_want *w, size_t n,
			 struct path_state *st)
{
	qsort(w, n, sizeof *w, want_cmp);
	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && w[b].obj == w[a].obj;)
			b++;
		if (b - a >= WALK_MIN)
			walk_object(d, w[a].obj, w + a, b - a, st);
		else
			for (size_t i = a; i < b; i++)
				st[w[i].var].node = cm_json_get(d, w[i].obj, w[i].key, w[i].len);
	}
	for (size_t i = 0; i < n; i++) {
		struct path_state *p = &st[w[i].var];
		p->done++;
		p->stopped = p->node == CM_JSON_NONE;
	}
}

/* One step of var v's path, unless it is a key lookup (queued in w, *nw
 * counting them). false when v's path is over. */
static bool take_step(const struct cm_json *d, const struct cm_var *v, size_t var,
		      long long numgc, struct path_state *p, struct key_want *w, size_t *nw)
{
	if (p->stopped || p->done >= v->nsteps)
		return false;
	const struct cm_var_step *st = &v->steps[p->done];
	enum cm_json_type t = cm_json_type(d, p->node);
	if (t != (st->key ? CM_JSON_OBJECT : CM_JSON_ARRAY)) {
		p->stopped = true;
		return false;
	}
	if (st->key) {
		w[(*nw)++] = (struct key_want){.obj = p->node, .key = st->key,
					       .len = strlen(st->key), .var = var};
		return true;
	}
	p->node = index_step(d, p->node, st->index, p->done == 2 ? numgc : -1);
	p->done++;
	p->stopped = p->node == CM_JSON_NONE;
	return true;
}

/* The value at the end of v's path (or where and why it stopped). */
static struct cm_value value_at(const struct cm_json *d, const struct cm_var *v,
				const struct path_state *p, long long numgc)
{
	if (p->node == CM_JSON_NONE)
		return (struct cm_value){.state = CM_VALUE_NA};
	if (p->stopped)
		return not_a(d, p->node, v->steps[p->done].key ? "an object" : "an array");
	if (cm_json_type(d, p->node) == CM_JSON_ARRAY)
		return bare_array(d, p->node, v, numgc);
	return scalar_value(d, p->node, v->kind);
}

/* Vars are followed this many at a time: the state lives on the stack,
 * and every list holds at most CM_VARS_MAX. */
#define BATCH CM_VARS_MAX

static void get_batch(const struct cm_json *d, const struct cm_var *vars, size_t n,
		      void (*fn)(void *ctx, size_t i, struct cm_value v), void *ctx, size_t base)
{
	struct path_state st[BATCH];
	struct key_want w[BATCH];
	long long numgc = doc_numgc(d);
	bool root = cm_json_type(d, 0) == CM_JSON_OBJECT;
	for (size_t i = 0; i < n; i++)
		st[i] = (struct path_state){.node = root ? 0 : CM_JSON_NONE, .stopped = !root};
	for (bool moved = true; moved;) {
		size_t nw = 0;
		moved = false;
		for (size_t i = 0; i < n; i++)
			if (vars[i].source == CM_SOURCE_EXPVAR &&
			    take_step(d, &vars[i], i, names_gc_ring(&vars[i]) ? numgc : -1, &st[i],
				      w, &nw))
				moved = true;
		look_up_keys(d, w, nw, st);
	}
	for (size_t i = 0; i < n; i++)
		if (vars[i].source == CM_SOURCE_EXPVAR)
			fn(ctx, base + i,
			   value_at(d, &vars[i], &st[i], names_gc_ring(&vars[i]) ? numgc : -1));
}

void cm_expvar_get_each(const struct cm_json *d, const struct cm_var *vars, size_t n,
			void (*fn)(void *ctx, size_t i, struct cm_value v), void *ctx)
{
	for (size_t at = 0; at < n; at += BATCH)
		get_batch(d, vars + at, n - at < BATCH ? n - at : BATCH, fn, ctx, at);
}

static void keep_value(void *ctx, size_t i, struct cm_value v)
{
	(void)i;
	*(struct cm_value *)ctx = v;
}

struct cm_value cm_expvar_get(const struct cm_json *d, const struct cm_var *v)
{
	struct cm_value out = {.state = CM_VALUE_NA};
	cm_expvar_get_each(d, v, 1, keep_value, &out);
	return out;
}

/* ---- walking ---- */

struct walk {
	const struct cm_json *d;
	bool any_leaf; /* every member that is not an object, not numbers only */
	int (*fn)(void *ctx, const char *const *keys, size_t nkeys);
	void *ctx;
	const char *keys[CM_VAR_DEPTH_MAX];
	char buf[PATH_BUF]; /* the keys' bytes */
	size_t used;
};

/* Unescapes key k into the path at depth; false when it cannot be named
 * (a NUL inside, or no room left). */
static bool push_key(struct walk *w, size_t k, size_t depth)
{
	size_t room = sizeof w->buf - w->used;
	char *out = w->buf + w->used;
	size_t n = cm_json_string(w->d, k, out, room);
	if (n >= room || memchr(out, '\0', n))
		return false;
	out[n] = '\0';
	w->keys[depth] = out;
	w->used += n + 1;
	return true;
}

/* The members of obj at depth keys down; a var path has at most
 * CM_VAR_DEPTH_MAX steps, so deeper objects are not entered. */
static int each_in(struct walk *w, size_t obj, size_t depth)
{
	size_t k = cm_json_first(w->d, obj), n = cm_json_count(w->d, obj);
	for (size_t m = 0; m < n; m++, k = cm_json_next(w->d, k + 1)) {
		enum cm_json_type t = cm_json_type(w->d, k + 1);
		bool inner = t == CM_JSON_OBJECT && depth + 1 < CM_VAR_DEPTH_MAX;
		size_t mark = w->used;
		if ((!inner && t != CM_JSON_NUMBER && !(w->any_leaf && t != CM_JSON_OBJECT)) ||
		    !push_key(w, k, depth))
			continue;
		int rc = inner ? each_in(w, k + 1, depth + 1) : w->fn(w->ctx, w->keys, depth + 1);
		w->used = mark;
		if (rc)
			return rc;
	}
	return 0;
}

int cm_expvar_each_number(const struct cm_json *d,
			  int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx)
{
	struct walk w = {.d = d, .fn = fn, .ctx = ctx};
	if (cm_json_type(d, 0) != CM_JSON_OBJECT)
		return 0;
	return each_in(&w, 0, 0);
}

int cm_expvar_each_path(const struct cm_json *d,
			int (*fn)(void *ctx, const char *const *keys, size_t nkeys), void *ctx)
{
	struct walk w = {.d = d, .any_leaf = true, .fn = fn, .ctx = ctx};
	if (cm_json_type(d, 0) != CM_JSON_OBJECT)
		return 0;
	return each_in(&w, 0, 0);
}

/* ---- profile counts ---- */

/* The first line of a body, shortened and made printable, for errors. */
static void first_line(char *out, size_t outlen, const char *body, size_t len)
{
	size_t n = 0;
	while (n < len && body[n] != '\n' && n < 40)
		n++;
	snprintf(out, outlen, "%.*s%s", (int)n, body, n < len && body[n] != '\n' ? "..." : "");
	ascii_only(out);
}

/* The count after a known head: digits, then the end of the line. */
static int read_total(const char *p, size_t n, long long *out)
{
	long long v = 0;
	size_t i = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (v > (LLONG_MAX - (p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	if (i == 0 || (i < n && p[i] != '\n' && p[i] != '\r'))
		return -1;
	*out = v;
	return 0;
}

int cm_profile_total(const char *body, size_t len, long long *n, char *err, size_t errlen)
{
	static const char *const heads[] = {"goroutine profile: total ",
					    "threadcreate profile: total "};
	char line[64];
	if (!body || len == 0) {
		snprintf(err, errlen, "empty body");
		return -1;
	}
	if (len >= 2 && body[0] == '\x1f' && body[1] == '\x8b') {
		snprintf(err, errlen, "a binary profile, not the text of ?debug=1");
		return -1;
	}
	first_line(line, sizeof line, body, len);
	for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
		size_t hl = strlen(heads[h]);
		if (len < hl || memcmp(body, heads[h], hl))
			continue;
		if (read_total(body + hl, len - hl, n) == 0)
			return 0;
		snprintf(err, errlen, "bad count in \"%s\"", line);
		return -1;
	}
	snprintf(err, errlen, "not a goroutine or threadcreate profile: \"%s\"", line);
	return -1;
}

/* The digits of a "<td>N</td>" (or "<td align=right>N<td>") count cell in
 * [p, end): the first run of digits right after a '>' and before a '<'. */
static int row_count(const char *p, const char *end, long long *n)
{
	for (; p + 1 < end; p++) {
		if (*p != '>' || p[1] < '0' || p[1] > '9')
			continue;
		long long v = 0;
		const char *d = p + 1;
		for (; d < end && *d >= '0' && *d <= '9'; d++) {
			if (v > (LLONG_MAX - (*d - '0')) / 10)
				return -1;
			v = v * 10 + (*d - '0');
		}
		if (d < end && *d == '<') {
			*n = v;
			return 0;
		}
	}
	return -1;
}

/* Longest index row looked at before its link: a count cell and tags. */
#define INDEX_ROW_MAX 256

int cm_pprof_index_count(const char *body, size_t len, const char *name, long long *n,
			 char *err, size_t errlen)
{
	char anchor[64];
	int al = snprintf(anchor, sizeof anchor, ">%s</a>", name);
	if (!body || al < 0 || (size_t)al >= sizeof anchor) {
		snprintf(err, errlen, "no index page");
		return -1;
	}
	const char *end = body + len;
	for (const char *a = memmem(body, len, anchor, (size_t)al); a;
	     a = memmem(a + 1, (size_t)(end - a - 1), anchor, (size_t)al)) {
		const char *row = a;
		while (row > body && row[-1] != '\n' && a - row < INDEX_ROW_MAX)
			row--;
		if (row_count(row, a, n) == 0)
			return 0;
	}
	snprintf(err, errlen, "no %s count on the /debug/pprof/ page", name);
	return -1;
}
