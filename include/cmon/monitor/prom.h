/* prom: a reader of the Prometheus text exposition format (0.0.4) and of
 * OpenMetrics 1.0 text, as /metrics endpoints serve them.
 *
 * The reader walks a body sample by sample without copying it: names and
 * label values point into the body (a label value keeps its escapes; see
 * cm_prom_str_eq and cm_prom_unescape). Everything here is untrusted
 * network input: every size is bounded (below) and a body the reader
 * cannot read ends with one line naming what and where ("line 12: label
 * value not closed"), never a crash.
 *
 * What it reads:
 *   # HELP name text       skipped (any text)
 *   # TYPE name type       the family and type of the samples that follow
 *                          (counter, gauge, histogram, summary, untyped,
 *                          unknown, gaugehistogram, info, stateset)
 *   # UNIT name unit       skipped (OpenMetrics)
 *   # EOF                  the end (OpenMetrics); text after it is an error
 *   # anything else        a comment, skipped
 *   name{l="v",...} value [timestamp] [# {l="v"} value [timestamp]]
 * Values and timestamps are Go floats (strconv.ParseFloat: NaN, +Inf,
 * -Inf, Inf, exponents, hex); the exemplar after " # " is checked and
 * skipped. Blank lines are skipped, a '\r' before '\n' is allowed. A
 * sample belongs to the family of the # TYPE before it when its name is
 * the family's or the family's plus a suffix of that type (_total and
 * _created for counters; _bucket, _sum, _count, _created for histograms;
 * _sum, _count, _created for summaries; _gsum, _gcount, _bucket for
 * gauge histograms; _info for info); any other sample is untyped. */
#ifndef CMON_PROM_H
#define CMON_PROM_H

#include <stdbool.h>
#include <stddef.h>

#define CM_PROM_LINE_MAX 65536     /* bytes in one line, '\n' excluded */
#define CM_PROM_NAME_MAX 1024      /* bytes in a metric or label name */
#define CM_PROM_LABELS_MAX 64      /* labels on one sample or exemplar */
#define CM_PROM_SERIES_MAX 1000000 /* samples in one body */
#define CM_PROM_ERR_MAX 128        /* the error line, NUL included */

enum cm_prom_type {
	CM_PROM_UNTYPED, /* no # TYPE, "untyped" or "unknown" */
	CM_PROM_COUNTER,
	CM_PROM_GAUGE,
	CM_PROM_HISTOGRAM,
	CM_PROM_SUMMARY,
	CM_PROM_GAUGE_HISTOGRAM,
	CM_PROM_INFO,
	CM_PROM_STATESET,
};

/* Text inside the body: p[0, n). For a label value, escaped says it holds
 * backslash escapes (\\ \" \n) still to be read. */
struct cm_prom_str {
	const char *p;
	size_t n;
	bool escaped;
};

struct cm_prom_label {
	struct cm_prom_str name, value;
};

struct cm_prom_sample {
	struct cm_prom_str name;   /* as written: "http_requests_total" */
	struct cm_prom_str family; /* its # TYPE family ("http_requests"), or name */
	enum cm_prom_type type;    /* the family's type */
	struct cm_prom_label labels[CM_PROM_LABELS_MAX];
	size_t nlabels;
	double value;
	bool has_timestamp;
	double timestamp; /* as written: ms in 0.0.4, seconds in OpenMetrics */
	size_t line;      /* 1-based line of the body */
};

/* The reader's state; zero it with cm_prom_begin. It borrows body. */
struct cm_prom_reader {
	const char *body;
	size_t len, pos, line, nsamples;
	bool openmetrics; /* read OpenMetrics' rules (# EOF ends the body) */
	bool eof;         /* # EOF seen or the body ended */
	struct cm_prom_str family;
	enum cm_prom_type type;
	char err[CM_PROM_ERR_MAX]; /* after -1: "line 12: label value not closed" */
};

/* Starts reading body[0, len). openmetrics: the answer said
 * application/openmetrics-text (a # EOF line turns it on too). */
void cm_prom_begin(struct cm_prom_reader *r, const char *body, size_t len, bool openmetrics);

/* The next sample into *s: 1, or 0 at the end of the body, or -1 with
 * r->err set (then the reader stays at the error: every later call gives
 * -1 again). s's text points into the body. */
int cm_prom_next(struct cm_prom_reader *r, struct cm_prom_sample *s);

/* Reads a whole body once, for its first error: 0 when it reads to the
 * end, else -1 with the line in err. */
int cm_prom_check(const char *body, size_t len, bool openmetrics, char *err, size_t errlen);

/* Whether the label value v, unescaped, is s[0, n). Allocates nothing. */
bool cm_prom_str_eq(const struct cm_prom_str *v, const char *s, size_t n);

/* v unescaped into out (cap bytes with its NUL); returns the length
 * unescaped, which is >= cap when it did not fit (out then holds what
 * fitted). */
size_t cm_prom_unescape(const struct cm_prom_str *v, char *out, size_t cap);

/* The label called name on s, or NULL. */
const struct cm_prom_label *cm_prom_label(const struct cm_prom_sample *s, const char *name);

/* Reads a Go float (strconv.ParseFloat's syntax: decimal or hex, with
 * exponent; NaN, Inf, +Inf, -Inf, Infinity in any case) from p[0, n),
 * whatever the locale. false when p[0, n) is not one. */
bool cm_prom_float(const char *p, size_t n, double *out);

/* Media types that say a body is in the text format: "text/plain;
 * version=0.0.4" and "application/openmetrics-text" (parameters and case
 * aside). *openmetrics says which. False for any other (NULL included). */
bool cm_prom_content_type(const char *content_type, bool *openmetrics);

/* A bucket of a classic histogram: the count of observations <= le. */
struct cm_prom_bucket {
	double le;
	double count;
};

/* Sorts b[0, n) by le and merges the buckets of one le (counts summed,
 * as sum by (le) does); returns the count left. NaN bounds sort first. */
size_t cm_prom_buckets_merge(struct cm_prom_bucket *b, size_t n);

/* Prometheus's histogram_quantile over cumulative buckets (promql's
 * bucketQuantile): buckets are sorted by le and those of the same le
 * merged, counts made monotonic (a bucket smaller than the one below it
 * takes its count; differences within 1e-12 relative are ignored), then
 * the q-quantile is interpolated linearly inside its bucket, the lowest
 * bucket starting at 0 (or being its upper bound when that is <= 0), and a
 * rank in the +Inf bucket answers the highest finite bound. NaN when the
 * +Inf bucket is missing, fewer than two buckets remain, there are no
 * observations or q is NaN; -Inf for q < 0, +Inf for q > 1. Sorts and
 * rewrites b[0, *n) in place (*n shrinks as buckets merge). */
double cm_prom_bucket_quantile(double q, struct cm_prom_bucket *b, size_t *n);

#endif
