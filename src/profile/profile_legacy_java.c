/* profile_legacy_java: pprof's Java legacy profiles (profile/
 * legacy_java_profile.go): heapz and contentionz text, and the text that
 * follows a Java CPU profile's binary samples, which names the addresses.
 * The builder and the patterns are profile_legacy.c's. */
#include "cmon/profile/legacy.h"

#include <stdio.h>
#include <string.h>

#include "cmon/base/pathutil.h"

/* The next line of b[*pos..n) up to and with its '\n' (bytes.IndexByte
 * and ReadString('\n')); false when no newline is left and want_nl. */
static bool next_line(const char *b, size_t n, size_t *pos, const char **l, size_t *len, bool want_nl)
{
	if (*pos >= n)
		return false;
	const char *nl = memchr(b + *pos, '\n', n - *pos);
	if (!nl && want_nl)
		return false;
	*l = b + *pos;
	*len = nl ? (size_t)(nl - *l) : n - *pos;
	*pos = nl ? (size_t)(nl - b) + 1 : n;
	return true;
}

static bool eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(s, lit, n);
}

/* One location line "0xADDR function (file:line)". */
static int java_location(struct lg *g, const char *line, size_t n)
{
	size_t ov[16], ov2[16];
	if (lg_match(g, RX_JAVA_LOC, line, n, ov) != 1)
		return CM_LEGACY_OK;
	uint64_t addr;
	char msg[200];
	if (lg_parse_uint(line + ov[2], ov[3] - ov[2], 16, &addr, msg, sizeof(msg)) < 0)
		return lg_fail(g, "parsing sample %.*s: %s", (int)(n > 300 ? 300 : n), line, msg);
	uint32_t li = lg_find(g, addr);
	if (li == CM_NONE)
		return CM_LEGACY_OK; /* unused */
	const char *rest = line + ov[4];
	size_t rn = ov[5] - ov[4];
	const char *fn = rest, *file = "";
	size_t fnn = rn, filen = 0;
	int64_t lineno = 0;
	if (lg_match(g, RX_JAVA_FILELINE, rest, rn, ov2) == 1) {
		fn = rest + ov2[2];
		fnn = ov2[3] - ov2[2];
		file = rest + ov2[4];
		filen = ov2[5] - ov2[4];
		int64_t v;
		if (lg_parse_int(rest + ov2[6], ov2[7] - ov2[6], 10, &v, NULL, 0) == 0 && v > 0)
			lineno = v;
	} else if (lg_match(g, RX_JAVA_PATH, rest, rn, ov2) == 1) {
		/* A shared library: only its base name matters. */
		fn = rest + ov2[2];
		fnn = ov2[3] - ov2[2];
		file = cm_path_base(rest + ov2[4], ov2[5] - ov2[4], &filen);
	} else if (memmem(rest, rn, "generated stub/JIT", 18)) {
		fn = "STUB";
		fnn = 4;
	}
	uint32_t f = lg_function(g, fn, fnn, file, filen);
	if (f == CM_NONE)
		return lg_oom(g);
	g->locs[li].fn = f;
	g->locs[li].line = lineno;
	g->locs[li].addr = 0;
	return CM_LEGACY_OK;
}

int lg_java_locations(struct lg *g, const char *b, size_t n)
{
	const char *line;
	size_t len, pos = 0;
	while (next_line(b, n, &pos, &line, &len, false)) {
		lg_trim(&line, &len);
		if (len == 0)
			continue;
		int rc = java_location(g, line, len);
		if (rc != CM_LEGACY_OK)
			return rc;
	}
	int rc = lg_remap(g);
	if (rc != CM_LEGACY_OK)
		return rc;
	/* Aggregate(..., address=false): addresses go, for a better merge. */
	for (size_t i = 0; i < g->nlocs; i++)
		g->locs[i].addr = 0;
	return CM_LEGACY_OK;
}

/* pprof's parseJavaHeader: attributes until a line that is none. */
static int java_header(struct lg *g, bool heap, const char *b, size_t n, size_t *pos)
{
	const char *line;
	size_t len, at = *pos;
	while (next_line(b, n, &at, &line, &len, true)) {
		lg_trim(&line, &len);
		size_t ov[16];
		if (len && lg_match(g, RX_JAVA_ATTR, line, len, ov) != 1)
			return CM_LEGACY_OK; /* *pos stays at this line */
		if (len) {
			const char *k = line + ov[2], *v = line + ov[4];
			size_t kn = ov[3] - ov[2], vn = ov[5] - ov[4];
			lg_trim(&k, &kn);
			lg_trim(&v, &vn);
			const char *unit = cm_arena_strndup(&g->p->arena, v, vn);
			if (!unit)
				return lg_oom(g);
			char msg[200];
			int64_t x;
			if (eq(k, kn, "format")) {
				if (!eq(v, vn, "java"))
					return CM_LEGACY_UNRECOGNIZED;
			} else if (eq(k, kn, "resolution")) {
				static const char *const ht[] = {"inuse_objects", "inuse_space"};
				static const char *const ct[] = {"contentions", "delay"};
				const char *u[] = {"count", unit};
				lg_set_types(g, 2, heap ? ht : ct, u);
			} else if (!heap && (eq(k, kn, "sampling period") || eq(k, kn, "ms since reset"))) {
				if (lg_parse_int(v, vn, 0, &x, msg, sizeof(msg)) < 0)
					return lg_fail(g, "failed to parse attribute %.*s: %s",
						       (int)(len > 300 ? 300 : len), line, msg);
				if (eq(k, kn, "sampling period")) {
					g->p->period_type = (struct cm_value_type){"contentions", "count"};
					g->p->period = x;
				} else {
					g->p->duration_nanos = cm_mul64(cm_mul64(x, 1000), 1000);
				}
			} else {
				return CM_LEGACY_UNRECOGNIZED;
			}
		}
		*pos = at;
	}
	return CM_LEGACY_OK;
}

static int java_sample(struct lg *g, bool heap, const char *line, size_t len, const size_t *ov)
{
	char msg[200];
	int64_t v[2];
	const char *l = line;
	int n = (int)(len > 300 ? 300 : len);
	size_t mark = g->nstk;
	int rc = lg_hex_frames(g, line + ov[6], ov[7] - ov[6], 0, false, line, len);
	if (rc != CM_LEGACY_OK)
		return rc;
	/* Java profiles have the count second. */
	if (lg_parse_int(l + ov[4], ov[5] - ov[4], 0, &v[0], msg, sizeof(msg)) < 0 ||
	    lg_parse_int(l + ov[2], ov[3] - ov[2], 0, &v[1], msg, sizeof(msg)) < 0) {
		g->nstk = mark;
		return lg_fail(g, "parsing sample %.*s: %s", n, l, msg);
	}
	bool has_bytes = false;
	int64_t bytes = 0;
	if (heap) {
		if (v[0] == 0)
			return lg_fail(g, "parsing sample %.*s: second value must be non-zero", n, l);
		has_bytes = true;
		bytes = cm_div64(v[1], v[0]);
		lg_scale_heap(&v[0], &v[1], 524288);
	} else if (g->p->period != 0) {
		v[0] = cm_mul64(v[0], g->p->period);
		v[1] = cm_mul64(v[1], g->p->period);
	}
	if (lg_sample(g, v, 2) < 0)
		return lg_oom(g);
	g->samples[g->nsamples - 1].has_bytes = has_bytes;
	g->samples[g->nsamples - 1].bytes = bytes;
	return CM_LEGACY_OK;
}

/* pprof's parseJavaSamples: samples until a line that is none. */
static int java_samples(struct lg *g, bool heap, const char *b, size_t n, size_t *pos)
{
	const char *line;
	size_t len, at = *pos;
	while (next_line(b, n, &at, &line, &len, true)) {
		lg_trim(&line, &len);
		size_t ov[16];
		if (len && lg_match(g, RX_JAVA_SAMPLE, line, len, ov) != 1)
			return CM_LEGACY_OK;
		if (len) {
			int rc = java_sample(g, heap, line, len, ov);
			if (rc != CM_LEGACY_OK)
				return rc;
		}
		*pos = at;
	}
	return CM_LEGACY_OK;
}

int lg_parse_java_profile(struct lg *g, const char *b, size_t n)
{
	const char *first;
	size_t flen, pos = 0;
	if (!next_line(b, n, &pos, &first, &flen, true))
		return CM_LEGACY_UNRECOGNIZED;
	lg_trim(&first, &flen);
	bool heap = eq(first, flen, "--- heapz 1 ---");
	if (!heap && !eq(first, flen, "--- contentionz 1 ---"))
		return CM_LEGACY_UNRECOGNIZED;
	g->p->has_period_type = true; /* an empty one: &ValueType{} */
	int rc = java_header(g, heap, b, n, &pos);
	if (rc == CM_LEGACY_OK)
		rc = java_samples(g, heap, b, n, &pos);
	if (rc == CM_LEGACY_OK)
		rc = lg_java_locations(g, b + pos, n - pos);
	return rc;
}
