/* legacy: the profile formats pprof reads besides profile.proto.
 *
 * Text profiles (Go's ?debug=1 goroutine, threadcreate, heap, allocs,
 * mutex and block output; C++ heapz, growthz, contentionz and threadz;
 * Java heapz and contentionz) and the legacy binary CPU format (C++ and
 * Java). pprof tries them in this order when a body is not a protobuf
 * (profile/legacy_profile.go, parseLegacy): cpu, heap, Go count, thread,
 * contention, Java. The first parser that recognises its header decides;
 * its error, if any, is the answer.
 *
 * The second half of this header is the builder the parsers share
 * (profile_legacy.c, profile_legacy_java.c); nothing else uses it. */
#ifndef CMON_PROFILE_LEGACY_H
#define CMON_PROFILE_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmon/profile/profile.h"

enum cm_legacy_result {
	CM_LEGACY_UNRECOGNIZED = 0, /* no parser knows the input */
	CM_LEGACY_OK = 1,
	CM_LEGACY_ERROR = -1, /* err holds pprof's message */
};

/* Parses data[0..len) (already inflated) as pprof's parseLegacy does. On
 * CM_LEGACY_OK *out is a new profile the caller frees. drop_labels as in
 * struct cm_decode_limits. */
enum cm_legacy_result cm_legacy_parse(const unsigned char *data, size_t len, bool drop_labels,
				      struct cm_profile **out, char *err, size_t errlen);

/* Bytes of input that cm_legacy_probe needs (when there are that many). */
#define CM_LEGACY_PROBE_LEN (64 * 1024 + 1)

/* Whether cm_legacy_parse could recognise an input that starts with
 * head[0..n) (all of it when complete): CM_LEGACY_OK "maybe", then the
 * whole input is needed; CM_LEGACY_UNRECOGNIZED "surely not"; or
 * CM_LEGACY_ERROR with err set, when the head decides pprof's error (a
 * first line over 64 KiB). Spares inflating a gzip bomb to find out. */
enum cm_legacy_result cm_legacy_probe(const unsigned char *head, size_t n, bool complete,
				      char *err, size_t errlen);

/* ---- the builder shared by the legacy parsers ---- */

/* A line of text as Go's bufio.Scanner with ScanLines gives it: no
 * newline, no trailing \r; a line over 64 KiB is an error. */
struct lg_lines {
	const char *p, *end;
	const char *line; /* "" after the last line */
	size_t len;
	bool too_long;
};

void lg_lines_init(struct lg_lines *s, const char *p, size_t n);
bool lg_lines_next(struct lg_lines *s);

struct lg_loc {
	uint64_t addr;
	uint32_t mapping; /* index, or CM_NONE */
	uint32_t fn;      /* index into fns, or CM_NONE: no line */
	int64_t line;
	uint32_t order; /* position after remapping, or CM_NONE: unused */
};

struct lg_sample {
	int64_t v[4];
	size_t off; /* frames: stk[off .. off+n) */
	uint32_t n;
	bool has_bytes;
	int64_t bytes;
};

struct lg_map {
	uint64_t start, limit, offset;
	const char *file, *build_id;
};

struct lg_fn {
	const char *name, *file;
	uint32_t order;
};


/* Matches regex number which against s[0..n): 1 and the groups' offsets in
 * ov (2 per group, group 0 first; SIZE_MAX for an unset group), or 0. */
enum lg_rx {
	RX_COUNT_START, RX_COUNT, RX_HEAP_HEADER, RX_HEAP_SAMPLE, RX_CONT_SAMPLE,
	RX_GROWTH, RX_FRAG, RX_THREADZ, RX_THREAD, RX_PROCMAPS, RX_BRIEFMAPS,
	RX_LOGINFO, RX_JAVA_ATTR, RX_JAVA_SAMPLE, RX_JAVA_LOC, RX_JAVA_FILELINE,
	RX_JAVA_PATH, RX_N
};
struct lg {
	struct cm_profile *p; /* strings live in its arena */
	const char *types[4], *units[4];
	size_t ntypes;
	struct lg_loc *locs;
	size_t nlocs, caplocs;
	uint64_t *hkeys; /* address -> location, open addressing */
	uint32_t *hvals;
	size_t hcap;
	uint32_t *stk;
	size_t nstk, capstk;
	struct lg_sample *samples;
	size_t nsamples, capsamples;
	struct lg_map *maps;
	size_t nmaps, capmaps;
	struct lg_fn *fns;
	size_t nfns, capfns;
	uint32_t *fhash; /* name -> function, open addressing */
	size_t fhcap;
	uint32_t *order; /* remapped location order: indices into locs */
	size_t norder;
	void *rx[RX_N]; /* compiled on first use (pcre2_code) */
	void *md;       /* pcre2_match_data */
	void *mctx;     /* pcre2_match_context: the match limit */
	char *err;
	size_t errlen;
};

/* Sets err (printf style); returns CM_LEGACY_ERROR. */
int lg_fail(struct lg *g, const char *fmt, ...);
int lg_oom(struct lg *g);

void lg_set_types(struct lg *g, size_t n, const char *const *types, const char *const *units);
/* The location of addr (made on first sight) appended to the current
 * sample's frames. Returns -1 when memory runs out. */
int lg_frame(struct lg *g, uint64_t addr);
/* Ends the current sample: frames since the last one, values v[0..n). */
int lg_sample(struct lg *g, const int64_t *v, size_t n);
/* Index of the location of addr, or CM_NONE. */
uint32_t lg_find(const struct lg *g, uint64_t addr);
/* Index of the function named name[0..n) (made with file when new). */
uint32_t lg_function(struct lg *g, const char *name, size_t n, const char *file, size_t flen);

/* pprof's remapLocationIDs, remapFunctionIDs, remapMappingIDs. */
int lg_remap(struct lg *g);

int lg_match(struct lg *g, int which, const char *s, size_t n, size_t *ov);

/* Go's strings.TrimSpace. */
void lg_trim(const char **s, size_t *n);
/* Go's strconv.ParseInt / ParseUint (base 0, 10 or 16): 0, or -1 with
 * Go's error text in msg ("strconv.ParseInt: parsing \"x\": ..."). */
int lg_parse_int(const char *s, size_t n, int base, int64_t *out, char *msg, size_t msglen);
int lg_parse_uint(const char *s, size_t n, int base, uint64_t *out, char *msg, size_t msglen);
/* pprof's parseHexAddresses: every 0x... in s[0..n), each as a frame of
 * the current sample with adjust subtracted (but not from the first when
 * skip_first). Returns -1 (err set) on a number past 64 bits. */
int lg_hex_frames(struct lg *g, const char *s, size_t n, uint64_t adjust, bool skip_first,
		  const char *line, size_t linelen);
/* pprof's scaleHeapSample. */
void lg_scale_heap(int64_t *count, int64_t *size, int64_t rate);

/* The Java parsers (profile_legacy_java.c): the text after a Java CPU
 * profile's samples (pprof's parseJavaLocations), and a whole Java heapz
 * or contentionz profile (parseJavaProfile). CM_LEGACY_* results. */
int lg_java_locations(struct lg *g, const char *b, size_t n);
int lg_parse_java_profile(struct lg *g, const char *b, size_t n);

#endif
