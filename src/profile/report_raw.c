/* report_raw: the reports that print the profile itself: -raw, pprof's
 * Profile.String() (profile/profile.go), and -comments. pprof prints the
 * profile after its pipeline (merge, base, drop_frames, filters), with the
 * ids its Merge gave (cm_profile_number_as_merged). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmon/base/measure.h"
#include "cmon/base/strbuf.h"
#include "cmon/profile/report.h"

void cm_report_comments(struct cm_report *r, FILE *out)
{
	for (size_t i = 0; i < r->p->ncomments; i++)
		fprintf(out, "%s\n", r->p->comments[i]);
}

/* Go's Time.String() in the local zone: "2006-01-02 15:04:05.999999999
 * -0700 MST", the fraction without its trailing zeros. */
static void print_go_time(FILE *out, int64_t nanos)
{
	int64_t sec = nanos / 1000000000, ns = nanos % 1000000000;
	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	char zone[64];
	if (!localtime_r(&t, &tm) || !strftime(zone, sizeof(zone), "%Z", &tm)) {
		fprintf(out, "Time: %lld\n", (long long)nanos);
		return;
	}
	char frac[16] = "";
	if (ns) {
		snprintf(frac, sizeof(frac), ".%09lld", (long long)ns);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	off = off < 0 ? -off : off;
	fprintf(out, "Time: %04d-%02d-%02d %02d:%02d:%02d%s %c%02ld%02ld %s\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, sign, off / 3600,
		off / 60 % 60, zone);
}

/* fmt's "%.4v" of a time.Duration: its string cut to 4 characters. */
static void print_go_duration(FILE *out, int64_t d)
{
	char s[48];
	cm_go_duration(d, s, sizeof(s));
	size_t n = 0;
	for (int runes = 0; s[n] && runes < 4; runes++) {
		size_t k = cm_utf8_seq((const unsigned char *)s + n, strlen(s + n));
		n += k ? k : 1;
	}
	fprintf(out, "Duration: %.*s\n", (int)n, s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* pprof keeps a sample's labels in maps: one "key:[v v]" per key, values
 * in the profile's order, the strings sorted as Go's sort.Strings. num selects the numeric
 * labels; a key any of whose numbers has a unit prints "n unit" for each. */
static int print_labels(FILE *out, const struct cm_sample *s, bool num)
{
	char **keys = calloc(s->nlabels + 1, sizeof(*keys));
	if (!keys)
		return -1;
	size_t nkeys = 0;
	int rc = 0;
	for (uint32_t i = 0; i < s->nlabels && !rc; i++) {
		const struct cm_label *l = &s->labels[i];
		if ((l->str == NULL) != num)
			continue;
		bool seen = false;
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = (s->labels[k].str == NULL) == num && !strcmp(s->labels[k].key, l->key);
		if (seen)
			continue;
		bool units = false;
		for (uint32_t k = i; k < s->nlabels && num; k++)
			units |= !s->labels[k].str && !strcmp(s->labels[k].key, l->key) &&
				 *s->labels[k].num_unit;
		struct cm_strbuf b = {0};
		cm_strbuf_str(&b, l->key);
		cm_strbuf_str(&b, ":[");
		const char *sep = "";
		for (uint32_t k = i; k < s->nlabels; k++) {
			const struct cm_label *v = &s->labels[k];
			if ((v->str == NULL) != num || strcmp(v->key, l->key))
				continue;
			char n[48];
			snprintf(n, sizeof(n), "%lld", (long long)v->num);
			cm_strbuf_str(&b, sep);
			cm_strbuf_str(&b, num ? n : v->str);
			if (units) {
				cm_strbuf_str(&b, " ");
				cm_strbuf_str(&b, v->num_unit);
			}
			sep = " ";
		}
		cm_strbuf_str(&b, "]");
		if (b.oom)
			rc = -1;
		keys[nkeys++] = b.s;
	}
	if (!rc && nkeys) {
		qsort(keys, nkeys, sizeof(*keys), cmp_str);
		fputs("                ", out);
		for (size_t i = 0; i < nkeys; i++)
			fprintf(out, "%s%s", i ? " " : "", keys[i]);
		fputc('\n', out);
	}
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	return rc;
}

static int print_sample(FILE *out, const struct cm_profile *p, const struct cm_sample *s)
{
	for (size_t v = 0; v < p->nsample_types; v++)
		fprintf(out, " %10lld", (long long)s->values[v]);
	fputs(": ", out);
	struct cm_locs_cursor c = cm_locs_from_leaf(s);
	for (uint32_t i = 0; i < s->nlocs; i++)
		fprintf(out, "%llu ", (unsigned long long)p->locations[cm_locs_next(&c)].id);
	fputc('\n', out);
	if (print_labels(out, s, false) < 0 || print_labels(out, s, true) < 0)
		return -1;
	return 0;
}

static void print_location(FILE *out, const struct cm_profile *p, const struct cm_location *l)
{
	char head[96];
	int n = snprintf(head, sizeof(head), "%6llu: 0x%llx ", (unsigned long long)l->id,
			 (unsigned long long)l->address);
	if (l->mapping != CM_NONE)
		n += snprintf(head + n, sizeof(head) - (size_t)n, "M=%llu ",
			      (unsigned long long)p->mappings[l->mapping].id);
	if (l->is_folded)
		snprintf(head + n, sizeof(head) - (size_t)n, "[F] ");
	if (l->nlines == 0)
		fprintf(out, "%s\n", head);
	for (uint32_t i = 0; i < l->nlines; i++) {
		fputs(i ? "             " : head, out);
		uint32_t f = l->lines[i].function;
		if (f == CM_NONE) {
			fputs("??\n", out);
			continue;
		}
		const struct cm_function *fn = &p->functions[f];
		fprintf(out, "%s %s:%lld s=%lld", fn->name, fn->filename, (long long)l->lines[i].line,
			(long long)fn->start_line);
		if (strcmp(fn->name, fn->system_name))
			fprintf(out, "(%s)", fn->system_name);
		fputc('\n', out);
	}
}

static void print_mapping(FILE *out, const struct cm_mapping *m)
{
	fprintf(out, "%llu: 0x%llx/0x%llx/0x%llx %s %s %s%s%s%s\n", (unsigned long long)m->id,
		(unsigned long long)m->start, (unsigned long long)m->limit,
		(unsigned long long)m->offset, m->file, m->build_id, m->has_functions ? "[FN]" : "",
		m->has_filenames ? "[FL]" : "", m->has_line_numbers ? "[LN]" : "",
		m->has_inline_frames ? "[IN]" : "");
}

/* "type/unit[dflt] ..." with Go's TrimSpace of the whole line */
static int print_sample_types(FILE *out, const struct cm_profile *p)
{
	struct cm_strbuf b = {0};
	for (size_t i = 0; i < p->nsample_types; i++) {
		const struct cm_value_type *t = &p->sample_types[i];
		cm_strbuf_str(&b, t->type);
		cm_strbuf_str(&b, "/");
		cm_strbuf_str(&b, t->unit);
		if (!strcmp(t->type, p->default_sample_type))
			cm_strbuf_str(&b, "[dflt]");
		cm_strbuf_str(&b, " ");
	}
	if (b.oom)
		return -1;
	const char *s = b.s ? b.s : "";
	size_t len = b.len;
	while (len && strchr(" \t\n\v\f\r", s[len - 1]))
		len--;
	while (len && strchr(" \t\n\v\f\r", *s)) {
		s++;
		len--;
	}
	fprintf(out, "%.*s\n", (int)len, s);
	cm_strbuf_free(&b);
	return 0;
}

int cm_report_raw(struct cm_report *r, FILE *out)
{
	const struct cm_profile *p = r->p;
	for (size_t i = 0; i < p->ncomments; i++)
		fprintf(out, "Comment: %s\n", p->comments[i]);
	/* pprof's decoder always gives a period type, empty when unset */
	fprintf(out, "PeriodType: %s %s\n", p->period_type.type, p->period_type.unit);
	fprintf(out, "Period: %lld\n", (long long)p->period);
	if (p->time_nanos != 0)
		print_go_time(out, p->time_nanos);
	if (p->duration_nanos != 0)
		print_go_duration(out, p->duration_nanos);
	fputs("Samples:\n", out);
	if (print_sample_types(out, p) < 0)
		return -1;
	for (size_t i = 0; i < p->nsamples; i++)
		if (print_sample(out, p, &p->samples[i]) < 0)
			return -1;
	fputs("Locations\n", out);
	for (size_t i = 0; i < p->nlocations; i++)
		print_location(out, p, &p->locations[i]);
	fputs("Mappings\n", out);
	for (size_t i = 0; i < p->nmappings; i++)
		print_mapping(out, &p->mappings[i]);
	return 0;
}
