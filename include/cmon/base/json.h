/* json: a JSON text checked in one pass and indexed, not built into a tree.
 *
 * The index (a "tape") is a flat array with one entry per value, in
 * document order: an object's entries are its keys, each followed by its
 * value; an array's are its elements. A container's entry knows where the
 * entries of its contents end, so a sibling is one step away however big
 * the value between. Entries point into the text: numbers are converted,
 * and strings unescaped, only when read, and only those that are read.
 *
 * A struct cm_json is meant to live as long as its owner and be reused for
 * every text it parses: its tape grows to the largest text seen (up to
 * CM_JSON_MAX_VALUES entries), so parsing a text the size of the last one
 * allocates nothing. No state outside the struct.
 *
 * Values are named by their index in the tape (size_t); the root is 0, and
 * CM_JSON_NONE is "no value". Every reader takes CM_JSON_NONE and answers
 * as for an absent value, so lookups chain:
 *   cm_json_get(j, cm_json_get(j, 0, "memstats", 8), "NumGC", 5)
 * Indexes are valid until the next cm_json_parse, cm_json_reset or
 * cm_json_free. */
#ifndef CMON_JSON_H
#define CMON_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define CM_JSON_NONE ((size_t)-1)

/* The most entries a tape holds (16 bytes each): an 8 MB body of "[0,0,..."
 * needs 4M. A text with more values is refused, not indexed in part. */
#define CM_JSON_MAX_VALUES ((size_t)1 << 22)

enum cm_json_type {
	CM_JSON_ABSENT, /* CM_JSON_NONE, or not a value index */
	CM_JSON_NULL,
	CM_JSON_FALSE,
	CM_JSON_TRUE,
	CM_JSON_NUMBER, /* with nonfinite_words, also NaN and the infinities */
	CM_JSON_STRING,
	CM_JSON_ARRAY,
	CM_JSON_OBJECT,
};

struct cm_json_tok; /* one tape entry: private to json.c */

struct cm_json {
	const char *text;        /* borrowed: the last text parsed, which reads need */
	size_t len;
	struct cm_json_tok *tok; /* owned; kept between parses */
	size_t n, cap;           /* entries used, allocated */
};

/* Members to index, for a reader that knows which it reads: a tree of
 * member names. The root node's sub are the members of the root object
 * to keep; a kept member's node filters its value's members the same way
 * when it has sub (nsub > 0) and the value is an object, and keeps its
 * value whole otherwise (nsub == 0, or an array or scalar there). A member
 * a filtering node does not name is checked as strictly as any other (a
 * text is refused for the same error at the same place) but leaves
 * nothing on the tape: readers see its object without it. The one
 * difference: the bound on values ("more than N values") counts those on
 * the tape, so a text refused whole for it may pass, or fail further on.
 * Names are compared unescaped, as cm_json_get compares them. */
struct cm_json_keep {
	const char *key;                /* unescaped member name (the root's: unused) */
	size_t len;
	const struct cm_json_keep *sub; /* members of its value to keep */
	size_t nsub;                    /* 0: its value whole */
};

/* Objects filtered inside each other: a deeper node of a keep tree keeps
 * its value whole. */
#define CM_JSON_KEEP_DEPTH 16

/* A skipped member's value holds at most this many containers inside
 * each other; keep is ignored (everything indexed) unless max_depth is set
 * and at most this. */
#define CM_JSON_SKIP_DEPTH 256

struct cm_json_opts {
	/* Containers inside each other; deeper is refused. 0: no bound (the
	 * parser does not recurse, so depth costs it nothing; bound it for
	 * readers that do). */
	unsigned max_depth;
	/* Go's expvar.Float prints NaN, +Inf and -Inf as bare words, which are
	 * not JSON. With this set they (and Inf, Infinity, +Infinity,
	 * -Infinity) are read as numbers where a value may stand. */
	bool nonfinite_words;
	/* NULL: every value is indexed. See struct cm_json_keep. */
	const struct cm_json_keep *keep;
};

/* A number read from the text. integer: written as an integer that fits
 * int64, i holds it exactly. Otherwise d alone (an integer past int64
 * becomes a double). d is always set. */
struct cm_json_num {
	bool integer;
	long long i;
	double d;
};

/* A zeroed struct cm_json is ready; cm_json_free gives its memory back
 * and leaves it ready again. */
void cm_json_free(struct cm_json *j);

/* Forgets the text and its values (cm_json_type(j, 0) is then
 * CM_JSON_ABSENT); keeps the memory for the next parse. */
void cm_json_reset(struct cm_json *j);

/* Checks text[0..len) against RFC 8259 (any value at the root, UTF-8 in
 * strings, no NUL outside strings, nothing after the value but whitespace)
 * and indexes it into j, replacing what j held. o NULL: strict JSON, no
 * depth bound. j borrows text: it must stay unchanged while j's values
 * are read. 0, or -1 with one line of printable ASCII in err:
 *   "invalid JSON at line 3, column 14: expected ',' or '}', found 'x'"
 *   "invalid JSON: NUL byte at offset 7"
 *   "nested deeper than 64 at line 1, column 70", "more than 4194304
 *   values", "out of memory"
 * After -1, j holds no value (cm_json_type(j, 0) is CM_JSON_ABSENT). */
int cm_json_parse(struct cm_json *j, const char *text, size_t len, const struct cm_json_opts *o,
		  char *err, size_t errlen);

enum cm_json_type cm_json_type(const struct cm_json *j, size_t v);

/* Members of an object, elements of an array; 0 for anything else. */
size_t cm_json_count(const struct cm_json *j, size_t v);

/* The first child of a container (an object's first key), or CM_JSON_NONE
 * when it is empty or no container. */
size_t cm_json_first(const struct cm_json *j, size_t v);

/* The entry after v and all it contains: v's next sibling when v is not
 * its container's last (count the children to know), CM_JSON_NONE past
 * the tape's end. In an object, a key's value is at key + 1 and the next
 * key at cm_json_next(j, key + 1). */
size_t cm_json_next(const struct cm_json *j, size_t v);

/* The value of member key (n bytes, compared with the unescaped key) of
 * object v; the last one when the key repeats, as Go's encoding/json reads
 * it (and jansson, cmon's parser before this one, did).
 * CM_JSON_NONE when absent or v is no object. */
size_t cm_json_get(const struct cm_json *j, size_t v, const char *key, size_t n);

/* Element k of array v, or CM_JSON_NONE. Constant time when every element
 * is a scalar (a Go ring of numbers), else k steps. */
size_t cm_json_at(const struct cm_json *j, size_t v, size_t k);

/* The number at v: true and *out set, or false when v is no number. */
bool cm_json_number(const struct cm_json *j, size_t v, struct cm_json_num *out);

/* String v unescaped into buf: its first min(cap, length) bytes (buf may
 * be NULL when cap is 0, to learn the length). Returns the whole length
 * (NUL bytes and all: JSON strings may hold "\u0000"; buf is not
 * terminated), 0 for no string. */
size_t cm_json_string(const struct cm_json *j, size_t v, char *buf, size_t cap);

/* True when v is a string whose unescaped bytes are s[0..n). */
bool cm_json_string_is(const struct cm_json *j, size_t v, const char *s, size_t n);

/* The bytes v was written with in the text: a string's between its
 * quotes (escapes as written), a number's or a word's; NULL (*n = 0) for
 * containers and CM_JSON_NONE. For hashing or showing without a copy. */
const char *cm_json_raw(const struct cm_json *j, size_t v, size_t *n);

#endif
