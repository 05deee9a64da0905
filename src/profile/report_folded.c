/* report_folded: `cmon pprof -folded`, the collapsed-stack format that
 * flamegraph.pl, inferno and speedscope read (pprof has no such report).
 *
 * One line per distinct stack: its frames root first joined by ';', a
 * space, the value. Frames are the nodes of -top's granularity (names as
 * -top prints them), a location's inlined frames expanded as -traces
 * expands them. The value is the sum of the stack's samples in the sample
 * type's own unit (integers, never scaled by -unit; -mean: each sample's
 * value per event, as -traces; -divide_by applied to the line's sum).
 *
 * A profile with negative values (a -base or -diff_base difference) gets
 * flamegraph.pl's differential form instead, "STACK BEFORE AFTER": BEFORE
 * the magnitude of the stack's negative (base) samples, AFTER its positive
 * ones, so that AFTER - BEFORE is the change and flamegraph.pl colours it;
 * both are non-negative, as flamegraph.pl wants. Either way the numbers of
 * all lines add up to -top's total when no filter drops samples.
 *
 * Lines are sorted by stack text (bytes), so the output is deterministic.
 * A ';' or a line break inside a frame name would change the format, so it
 * is written as '?' (as a terminal shows a control character); stacks that
 * become equal that way are added up. Samples without frames, which -top
 * counts in its total but in no row, are the stack "(no frames)" (when no
 * filter, -mean or difference makes the total something else); stacks
 * whose numbers are all zero print nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/hashset.h"
#include "cmon/base/measure.h"
#include "cmon/base/strbuf.h"
#include "cmon/profile/graph.h"
#include "cmon/profile/report.h"

/* One distinct stack: its frames (node ids, root first) in the frame
 * buffer, and its weights. */
/* The one frame of the samples that have none (a threadcreate profile's
 * first sample): pprof counts them in the total, then its filters drop
 * them, so that no report shows them. */
#define NO_FRAMES "(no frames)"

struct fstack {
	size_t first;
	uint32_t len;
	int64_t neg, pos; /* neg: magnitude of the negative samples */
	char *text;       /* the frames joined, once rendered */
};

struct folded {
	uint32_t *frames;
	size_t nframes, frames_cap;
	struct fstack *stacks;
	size_t nstacks;
};

static bool stack_eq(const void *ctx, uint32_t a, uint32_t b)
{
	const struct folded *f = ctx;
	const struct fstack *x = &f->stacks[a], *y = &f->stacks[b];
	return x->len == y->len &&
	       !memcmp(f->frames + x->first, f->frames + y->first, x->len * sizeof(uint32_t));
}

static int reserve_frames(struct folded *f, size_t more)
{
	if (f->nframes + more <= f->frames_cap)
		return 0;
	size_t cap = f->frames_cap ? f->frames_cap : 1024;
	while (cap < f->nframes + more) {
		if (cap > SIZE_MAX / 2 / sizeof(uint32_t))
			return -1;
		cap *= 2;
	}
	uint32_t *n = realloc(f->frames, cap * sizeof(*n));
	if (!n)
		return -1;
	f->frames = n;
	f->frames_cap = cap;
	return 0;
}

/* Appends sample s's frames, root first, to the frame buffer; their count. */
static int64_t push_frames(struct folded *f, const struct cm_nodes *nodes,
			   const struct cm_sample *s)
{
	size_t start = f->nframes;
	struct cm_locs_cursor c = cm_locs_from_root(s);
	for (uint32_t i = s->nlocs; i-- > 0;) {
		uint32_t loc = cm_locs_next(&c);
		uint32_t cnt = nodes->loc_count[loc];
		if (reserve_frames(f, cnt) < 0)
			return -1;
		const uint32_t *ids = nodes->loc_nodes + nodes->loc_first[loc];
		for (uint32_t k = cnt; k-- > 0;) /* the caller, then what it inlined */
			f->frames[f->nframes++] = ids[k];
	}
	if (f->nframes - start > UINT32_MAX)
		return -1;
	return (int64_t)(f->nframes - start);
}

/* The sample's value as -traces takes it (-mean: per event). */
static int64_t sample_value(const struct cm_report *r, const struct cm_sample *s)
{
	int64_t v = s->values[r->vi];
	if (r->opts.mean && s->values[0] != 0)
		v = cm_div64(v, s->values[0]);
	return v;
}

/* Every sample with frames into a distinct stack. -1 when memory runs out. */
static int collect(struct folded *f, const struct cm_report *r, const struct cm_nodes *nodes)
{
	const struct cm_profile *p = r->p;
	struct cm_index_set set = {0};
	if (p->nsamples >= UINT32_MAX)
		return -1;
	f->stacks = malloc((p->nsamples + 1) * sizeof(*f->stacks));
	int rc = f->stacks ? cm_index_set_init(&set, p->nsamples) : -1;
	for (size_t si = 0; rc == 0 && si < p->nsamples; si++) {
		const struct cm_sample *s = &p->samples[si];
		size_t start = f->nframes;
		int64_t len = push_frames(f, nodes, s);
		if (len < 0) {
			rc = -1;
			break;
		}
		uint64_t h = 0;
		for (size_t k = start; k < f->nframes; k++)
			h = cm_hash_mix(h, f->frames[k]);
		uint32_t cand = (uint32_t)f->nstacks;
		f->stacks[cand] = (struct fstack){.first = start, .len = (uint32_t)len};
		uint32_t at = cm_index_set_intern(&set, h, cand, stack_eq, f);
		if (at == cand)
			f->nstacks++;
		else
			f->nframes = start; /* a stack seen before: its frames are there */
		int64_t v = sample_value(r, s);
		if (v < 0) /* INT64_MIN's magnitude saturates, as cm_add64 does */
			f->stacks[at].neg = cm_add64(f->stacks[at].neg,
						     v == INT64_MIN ? INT64_MAX : -v);
		else
			f->stacks[at].pos = cm_add64(f->stacks[at].pos, v);
	}
	cm_index_set_free(&set);
	return rc;
}

/* A frame name as the format can carry it: ';' and line breaks as '?'. */
static void add_frame(struct cm_strbuf *b, const char *name)
{
	for (const char *c = name; *c;) {
		size_t n = strcspn(c, ";\n\r");
		cm_strbuf_add(b, c, n);
		c += n;
		if (*c) {
			cm_strbuf_add(b, "?", 1);
			c++;
		}
	}
}

/* The weight -top's total has and no stack carries: samples without
 * frames, dropped by the pipeline after it computed the total. Known only
 * when nothing else changed the total (filters, -mean, a difference). */
static void add_frameless(struct folded *f, const struct cm_report *r, bool diff)
{
	if (diff || r->opts.mean || r->opts.relative_percentages ||
	    cm_report_opts_change_samples(&r->opts))
		return;
	int64_t kept = 0;
	for (size_t i = 0; i < f->nstacks; i++)
		kept = cm_add64(kept, f->stacks[i].pos);
	if (r->total <= kept)
		return;
	/* collect made room for one stack per sample, and one more */
	f->stacks[f->nstacks++] = (struct fstack){.pos = r->total - kept};
}

static int render(struct folded *f, const struct cm_nodes *nodes)
{
	for (size_t i = 0; i < f->nstacks; i++) {
		struct fstack *st = &f->stacks[i];
		struct cm_strbuf b = {0};
		if (st->len == 0)
			cm_strbuf_str(&b, NO_FRAMES);
		for (uint32_t k = 0; k < st->len; k++) {
			if (k)
				cm_strbuf_add(&b, ";", 1);
			add_frame(&b, nodes->printable[f->frames[st->first + k]]);
		}
		if (b.oom || !b.s) {
			cm_strbuf_free(&b);
			return -1;
		}
		st->text = b.s;
	}
	return 0;
}

static int fstack_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fstack *)a)->text, ((const struct fstack *)b)->text);
}

/* Sorted by text; equal texts (names that differed only by what add_frame
 * replaced) add up into one line. */
static void print_lines(const struct cm_report *r, struct folded *f, bool diff, FILE *out)
{
	qsort(f->stacks, f->nstacks, sizeof(*f->stacks), fstack_cmp);
	for (size_t i = 0; i < f->nstacks;) {
		int64_t neg = 0, pos = 0;
		size_t j = i;
		for (; j < f->nstacks && !strcmp(f->stacks[j].text, f->stacks[i].text); j++) {
			neg = cm_add64(neg, f->stacks[j].neg);
			pos = cm_add64(pos, f->stacks[j].pos);
		}
		neg = cm_report_ratio(r, neg);
		pos = cm_report_ratio(r, pos);
		if (diff && (neg || pos))
			fprintf(out, "%s %lld %lld\n", f->stacks[i].text, (long long)neg, (long long)pos);
		else if (!diff && pos)
			fprintf(out, "%s %lld\n", f->stacks[i].text, (long long)pos);
		i = j;
	}
}

static bool has_negative(const struct cm_report *r)
{
	for (size_t i = 0; i < r->p->nsamples; i++)
		if (sample_value(r, &r->p->samples[i]) < 0)
			return true;
	return false;
}

int cm_report_folded(struct cm_report *r, FILE *out)
{
	struct cm_nodes nodes;
	struct cm_nodes_opts no = {.trim_path = r->opts.trim_path, .source_path = r->opts.source_path};
	if (cm_nodes_build(&nodes, r->p, &no) < 0)
		return -1;
	struct folded f = {0};
	bool diff = has_negative(r);
	int rc = collect(&f, r, &nodes);
	if (rc == 0) {
		add_frameless(&f, r, diff);
		rc = render(&f, &nodes);
	}
	if (rc == 0)
		print_lines(r, &f, diff, out);
	for (size_t i = 0; i < f.nstacks; i++)
		free(f.stacks[i].text);
	free(f.stacks);
	free(f.frames);
	cm_nodes_free(&nodes);
	return rc;
}
