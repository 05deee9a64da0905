/* libFuzzer target: prom.c and prom_vars.c on arbitrary bytes, as the
 * monitor meets them in /metrics bodies.
 *
 * Each input is:
 *  1. Read sample by sample, in the text format and as OpenMetrics (the
 *     first byte chooses which is tried first): every sample's name and
 *     label names are names, every text lies inside the body, label counts
 *     are within CM_PROM_LABELS_MAX, each label value unescapes to no more
 *     bytes than its text and compares equal to its unescaped self. A
 *     failure leaves one line of printable ASCII starting "line N: ", N no
 *     more than the body's lines, and the reader stays failed.
 *  2. Fed twice to a monitor watching vars of every kind (matchers with
 *     regexes, picks, raw, quantiles of histograms and summaries, the
 *     defaults): the service is up or down with a printable reason, and
 *     every value's text is terminated.
 *  3. Its samples' values, taken as cumulative buckets, go through
 *     cm_prom_bucket_quantile: the answer is NaN, an infinity for q out of
 *     [0, 1], or within the buckets' bounds.
 * A crash, a sanitizer report or a failed check aborts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/monitor/format.h"
#include "cmon/monitor/monitor.h"
#include "cmon/monitor/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_prom"
#include "fuzz_check.h"

static void check_line(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	CHECK(n < cap, "not terminated");
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f,
		      "byte 0x%02x in \"%s\"", (unsigned char)s[i], s);
}

static bool inside(const char *body, size_t len, const struct cm_prom_str *s)
{
	return s->p >= body && s->n <= len && s->p + s->n <= body + len;
}

static bool is_name(const struct cm_prom_str *s, bool colon)
{
	if (!s->n || (s->p[0] >= '0' && s->p[0] <= '9'))
		return false;
	for (size_t i = 0; i < s->n; i++) {
		char c = s->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (colon && c == ':')))
			return false;
	}
	return true;
}

static size_t count_lines(const char *b, size_t n)
{
	size_t lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += b[i] == '\n';
	return lines;
}

static void read_all(const char *body, size_t len, bool om)
{
	struct cm_prom_reader r;
	struct cm_prom_sample *s = malloc(sizeof *s);
	char *buf = malloc(CM_PROM_LINE_MAX + 1);
	if (!s || !buf)
		abort();
	struct cm_prom_bucket b[64];
	size_t nb = 0;
	int rc;
	cm_prom_begin(&r, body, len, om);
	while ((rc = cm_prom_next(&r, s)) == 1) {
		CHECK(inside(body, len, &s->name) && is_name(&s->name, true), "bad sample name");
		CHECK(inside(body, len, &s->family) && s->family.n <= s->name.n, "bad family");
		CHECK(s->nlabels <= CM_PROM_LABELS_MAX, "%zu labels", s->nlabels);
		for (size_t k = 0; k < s->nlabels; k++) {
			const struct cm_prom_label *l = &s->labels[k];
			CHECK(inside(body, len, &l->name) && is_name(&l->name, false), "bad label name");
			CHECK(inside(body, len, &l->value), "label value outside the body");
			size_t u = cm_prom_unescape(&l->value, buf, CM_PROM_LINE_MAX + 1);
			CHECK(u <= l->value.n, "unescaped %zu > %zu", u, l->value.n);
			CHECK(cm_prom_str_eq(&l->value, buf, u), "a value differs from itself unescaped");
		}
		if (nb < 64)
			b[nb++] = (struct cm_prom_bucket){.le = s->timestamp, .count = s->value};
	}
	if (rc < 0) {
		check_line(r.err, sizeof r.err);
		CHECK(!strncmp(r.err, "line ", 5), "error \"%s\"", r.err);
		CHECK(strtoul(r.err + 5, NULL, 10) <= count_lines(body, len), "error \"%s\"", r.err);
		CHECK(cm_prom_next(&r, s) == -1, "the reader went on after an error");
	}
	double q = len ? (double)(unsigned char)body[0] / 200 : 0.5;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t k = 0; k < nb; k++)
		if (!isnan(b[k].le)) {
			lo = fmin(lo, b[k].le);
			hi = fmax(hi, b[k].le);
		}
	double x = cm_prom_bucket_quantile(q, b, &nb);
	CHECK(isnan(x) || (q > 1 && x == INFINITY) || (x >= fmin(lo, 0) && x <= hi),
	      "quantile %g outside [%g, %g]", x, lo, hi);
	free(s);
	free(buf);
}

static const char *const vars =
	"go_goroutines,@threads,x_total{a=~\"b.*|c\",d!=\"\",e!~\"f+\"},raw:x_total[1],x[-2],"
	"p99:h,p50:dur:h{a=\"1\"},p0:h,p100:s,dur:s{quantile=\"0.5\"},mem:a|b,|c_total,"
	"x{a=\"\\\\\\\"\\n\"}";

static void feed_monitor(const char *body, size_t len, bool om)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	struct cm_monitor m;
	char err[256];
	if (cm_targets_parse("http://127.0.0.1:1/metrics", &t, err, sizeof err) ||
	    cm_vars_parse(vars, &v, err, sizeof err)) {
		fprintf(stderr, "fuzz_prom: setup: %s\n", err);
		abort();
	}
	if (cm_monitor_init(&m, &t, &v, "/debug/vars") < 0)
		abort();
	for (int poll = 0; poll < 2; poll++) {
		cm_monitor_note_answer(&m, 0, om ? "application/openmetrics-text" : NULL);
		if (cm_monitor_vars_result(&m, 0, body, len, NULL, 100 + poll) < 0)
			break; /* out of memory */
		const struct cm_service *s = &m.svc[0];
		CHECK(s->state == CM_SVC_UP || s->state == CM_SVC_DOWN, "state %d", (int)s->state);
		if (s->state == CM_SVC_DOWN)
			check_line(s->error, sizeof s->error);
		for (size_t k = 0; k < m.vars.n && k < s->ncells; k++) {
			char text[128];
			cm_format_value(text, sizeof text, &m.vars.v[k], &s->cells[k].value);
			CHECK(strnlen(text, sizeof text) < sizeof text, "value text not terminated");
		}
	}
	cm_monitor_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: reading past it is the sanitizer's to see. */
	char *body = malloc(size ? size : 1);
	if (!body)
		return 0;
	memcpy(body, data, size);
	bool om_first = size && (data[0] & 1);
	read_all(body, size, om_first);
	read_all(body, size, !om_first);
	feed_monitor(body, size, om_first);
	free(body);
	return 0;
}
