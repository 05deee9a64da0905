/* report_dot: `go tool pprof -dot`, after report.go's GetDOT and
 * graph/dotgraph.go's ComposeDot: the legend, one box per node (label,
 * size from its flat share, colour from its cum share), its tags as
 * nodelets, then the edges heaviest first. */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/base/measure.h"
#include "cmon/base/pathutil.h"
#include "cmon/base/strbuf.h"
#include "cmon/profile/report.h"
#include "cmon/profile/shorten.h"

/* escapeForDot: backslash and quote escaped, a newline left-justified. */
static void escape_for_dot(struct cm_strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			cm_strbuf_str(b, "\\\\");
		else if (*s == '"')
			cm_strbuf_str(b, "\\\"");
		else if (*s == '\n')
			cm_strbuf_str(b, "\\l");
		else
			cm_strbuf_add(b, s, 1);
	}
}

/* Writes s escaped; false when memory ran out. */
static bool put_escaped(FILE *out, const char *s)
{
	struct cm_strbuf b = {0};
	escape_for_dot(&b, s);
	bool ok = !b.oom;
	if (ok && b.s)
		fputs(b.s, out);
	cm_strbuf_free(&b);
	return ok;
}

static void put_base(struct cm_strbuf *b, const char *path)
{
	size_t n;
	const char *base = cm_path_base(path, strlen(path), &n);
	cm_strbuf_add(b, base, n);
}

/* multilinePrintableName: the short name cut at "::" and "." into lines
 * (a Go type parameter "[...]" kept whole, as "[…]"), then the file. */
static void multiline_name(struct cm_strbuf *b, const struct cm_node_info *i)
{
	bool any = false;
	if (i->address) {
		char a[32];
		snprintf(a, sizeof(a), "%016" PRIx64, i->address);
		cm_strbuf_str(b, a);
		any = true;
	}
	if (*i->name) {
		char *short_name = malloc(strlen(i->name) + 1);
		struct cm_strbuf esc = {0};
		if (!short_name) {
			b->oom = true;
			return;
		}
		cm_shorten_function_name(i->name, short_name);
		escape_for_dot(&esc, short_name);
		free(short_name);
		cm_strbuf_str(b, any ? "\\n" : "");
		for (const char *s = esc.s ? esc.s : ""; *s;) {
			if (!strncmp(s, "::", 2)) {
				cm_strbuf_str(b, "\\n");
				s += 2;
			} else if (!strncmp(s, "[...]", 5)) {
				cm_strbuf_str(b, "[\xe2\x80\xa6]");
				s += 5;
			} else if (*s == '.') {
				cm_strbuf_str(b, "\\n");
				s++;
			} else {
				cm_strbuf_add(b, s++, 1);
			}
		}
		b->oom |= esc.oom;
		cm_strbuf_free(&esc);
		any = true;
	}
	if (i->lineno || *i->file || !*i->name) {
		cm_strbuf_str(b, any ? "\\n" : "");
		if (i->lineno || *i->file) {
			if (*i->file)
				put_base(b, i->file);
			if (i->lineno) {
				char l[32];
				snprintf(l, sizeof(l), ":%" PRId64, i->lineno);
				cm_strbuf_str(b, l);
			}
		} else if (*i->objfile) {
			cm_strbuf_str(b, "[");
			put_base(b, i->objfile);
			cm_strbuf_str(b, "]");
		} else {
			cm_strbuf_str(b, "<unknown>");
		}
	}
	cm_strbuf_str(b, "\\n");
}

static double go_min(double a, double b)
{
	return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
}

static double go_max(double a, double b)
{
	return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
}

/* Go's math.Pow(x, 1 - shift) with shift 0.7, for x in [0, 1]:
 * Exp(0.3 * Log(x)), as Go computes it. */
static double pow_03(double x)
{
	return x == 1 ? 1 : x == 0 ? 0 : exp(0.3 * log(x));
}

static unsigned char to_u8(double v)
{
	return (unsigned char)cm_f64_to_i64(v);
}

/* dotColor: grey at 0, red towards 1, green towards -1; light for
 * backgrounds. */
static char *dot_color(double score, bool background, char *buf, size_t len)
{
	double saturation = background ? 0.1 : 1.0, value = background ? 0.93 : 0.7;
	score = go_max(-1.0, go_min(1.0, score));
	if (fabs(score) < 0.2)
		saturation *= fabs(score) / 0.2;
	if (score > 0.0)
		score = pow_03(score);
	if (score < 0.0)
		score = -pow_03(-score);
	double r, g, b;
	if (score < 0.0) {
		g = value;
		r = value * (1 + saturation * score);
	} else {
		r = value;
		g = value * (1 - saturation * score);
	}
	b = value * (1 - saturation);
	snprintf(buf, len, "#%02x%02x%02x", to_u8(r * 255.0), to_u8(g * 255.0), to_u8(b * 255.0));
	return buf;
}

/* measurement.Percentage without its padding. */
static const char *pct(int64_t v, int64_t total, char *buf, size_t len)
{
	cm_percentage(v, total, buf, len);
	const char *p = buf;
	while (*p == ' ')
		p++;
	return p;
}

/* The legend: reportLabels with full headers, as one escaped string. */
static int legend(struct cm_report *r, const struct cm_report_graph *d, FILE *out)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return -1;
	cm_report_graph_labels(r, d->g, m);
	char v[64];
	if (r->total != 0) {
		if (d->dropped_nodes > 0)
			fprintf(m, "Dropped %zu node%s (cum <= %s)\n", d->dropped_nodes,
				d->dropped_nodes > 1 ? "s" : "",
				cm_report_value(r, cm_abs64(cm_f64_to_i64((double)r->total *
							     r->opts.node_fraction)), v, sizeof(v)));
		if (d->dropped_edges > 0)
			fprintf(m, "Dropped %zu edge%s (freq <= %s)\n", d->dropped_edges,
				d->dropped_edges > 1 ? "s" : "",
				cm_report_value(r, cm_abs64(cm_f64_to_i64((double)r->total *
							     r->opts.edge_fraction)), v, sizeof(v)));
		if (d->g->nmembers > 0 && d->g->nmembers < d->orig_count)
			fprintf(m, "Showing top %zu nodes out of %zu\n", d->g->nmembers, d->orig_count);
	}
	fprintf(m, "\nSee https://git.io/JfYMW for how to read the graph");
	bool failed = ferror(m) != 0;
	if (fclose(m) != 0 || failed || !text) {
		free(text);
		return -1;
	}
	char *nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	fputs("subgraph cluster_L { \"", out);
	bool ok = put_escaped(out, text);
	if (nl)
		*nl = '\n';
	fputs("\" [shape=box fontsize=16 label=\"", out);
	ok = ok && put_escaped(out, text);
	fputs("\\l\"", out);
	free(text);
	return ok ? 0 : -1;
}

/* The title: the base name of the main binary, or NULL. */
static const char *title(const struct cm_report *r, int *len)
{
	const struct cm_profile *p = r->p;
	if (p->nmappings == 0 || !*p->mappings[0].file)
		return NULL;
	size_t n;
	const char *base = cm_path_base(p->mappings[0].file, strlen(p->mappings[0].file), &n);
	*len = n > INT_MAX ? INT_MAX : (int)n;
	return base;
}

struct dot {
	struct cm_report *r;
	const struct cm_report_graph *d;
	uint32_t *node_id; /* per node: its N number, 0 when not drawn */
	FILE *out;
	bool oom;          /* memory ran out: the report fails */
};

static void add_node(struct dot *dt, uint32_t id, double max_flat)
{
	struct cm_report *r = dt->r;
	const struct cm_graph *g = dt->d->g;
	int64_t flat = cm_graph_flat_value(g, id), cum = cm_graph_cum_value(g, id);
	struct cm_strbuf label = {0};
	char fv[64], cv[64], p[32], c1[16], c2[16];
	multiline_name(&label, &g->nodes->info[id]);
	cm_report_value(r, flat, fv, sizeof(fv));
	if (flat != 0) {
		char part[128];
		snprintf(part, sizeof(part), "%s (%s)", fv, pct(flat, r->total, p, sizeof(p)));
		cm_strbuf_str(&label, part);
	} else {
		cm_strbuf_str(&label, "0");
	}
	const char *cum_value = fv;
	if (cum != flat) {
		char part[128];
		cum_value = cm_report_value(r, cum, cv, sizeof(cv));
		snprintf(part, sizeof(part), "%sof %s (%s)", flat != 0 ? "\\n" : " ", cv,
			 pct(cum, r->total, p, sizeof(p)));
		cm_strbuf_str(&label, part);
	}
	int font = 8;
	double af = (double)cm_abs64(flat);
	if (max_flat != 0 && flat != 0 && af <= max_flat)
		font += (int)ceil(16.0 * sqrt(af / max_flat));
	double share = (double)cm_graph_cum_value(g, id) / (double)cm_abs64(r->total);
	dt->oom |= label.oom;
	fprintf(dt->out, "N%u [label=\"%s\" id=\"node%u\" fontsize=%d shape=box tooltip=\"",
		dt->node_id[id], label.s && !label.oom ? label.s : "", dt->node_id[id], font);
	dt->oom |= !put_escaped(dt->out, g->nodes->printable[id]);
	fprintf(dt->out, " (%s)\" color=\"%s\" fillcolor=\"%s\"]\n", cum_value,
		dot_color(share, false, c1, sizeof(c1)), dot_color(share, true, c2, sizeof(c2)));
	cm_strbuf_free(&label);
}

/* tags.Less: by |cum| (unless flat), then |flat|, then name. */
struct tag_sort {
	const struct cm_tag **t;
	bool flat;
};

static bool tag_less(const struct cm_tag *x, const struct cm_tag *y, bool flat)
{
	if (!flat && x->cum != y->cum)
		return cm_abs64(x->cum) > cm_abs64(y->cum);
	if (x->flat != y->flat)
		return cm_abs64(x->flat) > cm_abs64(y->flat);
	return strcmp(x->name, y->name) < 0;
}

static int tag_order(const void *ctx, uint32_t a, uint32_t b)
{
	const struct tag_sort *s = ctx;
	return tag_less(s->t[a], s->t[b], s->flat) ? -1 : tag_less(s->t[b], s->t[a], s->flat) ? 1 : 0;
}

/* SortTags on an array of tag pointers. */
static int sort_tags(const struct cm_tag **t, size_t n, bool flat)
{
	uint32_t *ids = malloc((2 * n + 1) * sizeof(uint32_t));
	const struct cm_tag **copy = malloc((n + 1) * sizeof(*copy));
	if (!ids || !copy) {
		free(ids);
		free(copy);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++)
		ids[i] = i;
	struct tag_sort s = {t, flat};
	cm_sort_ids(ids, ids + n, n, tag_order, &s);
	for (size_t i = 0; i < n; i++)
		copy[i] = t[ids[i]];
	memcpy(t, copy, n * sizeof(*t));
	free(ids);
	free(copy);
	return 0;
}

/* tagGroupLabel's merged tag; groups live in the caller's array. */
static void group_tag(const struct cm_tag **g, size_t n, struct cm_tag *out, char *name, size_t len)
{
	const struct cm_tag *min = g[0], *max = g[0];
	int64_t f = min->flat, df = min->flat_div, c = min->cum, dc = min->cum_div;
	for (size_t i = 1; i < n; i++) {
		if (g[i]->value < min->value)
			min = g[i];
		if (g[i]->value > max->value)
			max = g[i];
		f = cm_add64(f, g[i]->flat);
		df = cm_add64(df, g[i]->flat_div);
		c = cm_add64(c, g[i]->cum);
		dc = cm_add64(dc, g[i]->cum_div);
	}
	char a[64], b[64];
	if (n == 1) {
		cm_label(min->value, min->unit, name, len);
		f = cm_tag_flat(min);
		c = cm_tag_cum(min);
	} else {
		snprintf(name, len, "%s..%s", cm_label(min->value, min->unit, a, sizeof(a)),
			 cm_label(max->value, max->unit, b, sizeof(b)));
		if (df != 0)
			f = cm_div64(f, df);
		if (dc != 0)
			c = cm_div64(c, dc);
	}
	*out = (struct cm_tag){.name = name, .unit = min->unit, .flat = f, .cum = c};
}

static double tag_distance(const struct cm_tag *t, const struct cm_tag *u)
{
	char unit[32];
	double v = cm_scale(u->value, u->unit, t->unit, unit, sizeof(unit));
	return v < (double)t->value ? (double)t->value - v : v - (double)t->value;
}

/* numericNodelets: the numeric tags nts[0..n) collapsed into at most
 * CM_MAX_NODELETS buckets ("1kB..2kB"), under source ("N3" or "N3_0"). */
static int numeric_nodelets(struct dot *dt, const struct cm_tag **nts, size_t n, bool flat_tags,
			    const char *source, bool *any)
{
	if (sort_tags(nts, n, flat_tags) < 0)
		return -1;
	struct cm_tag merged[CM_MAX_NODELETS];
	const struct cm_tag *shown[CM_MAX_NODELETS];
	char names[CM_MAX_NODELETS][160];
	size_t count = n;
	if (n > CM_MAX_NODELETS) {
		size_t *group = malloc(n * sizeof(size_t));
		const struct cm_tag **members = malloc(n * sizeof(*members));
		if (!group || !members) {
			free(group);
			free(members);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			size_t best = i < CM_MAX_NODELETS ? i : 0;
			if (i >= CM_MAX_NODELETS) {
				double dist = tag_distance(nts[i], nts[0]);
				for (size_t k = 1; k < CM_MAX_NODELETS; k++) {
					double nd = tag_distance(nts[i], nts[k]);
					if (nd < dist) {
						best = k;
						dist = nd;
					}
				}
			}
			group[i] = best;
		}
		for (size_t k = 0; k < CM_MAX_NODELETS; k++) {
			size_t m = 0;
			for (size_t i = 0; i < n; i++)
				if (group[i] == k)
					members[m++] = nts[i];
			group_tag(members, m, &merged[k], names[k], sizeof(names[k]));
			shown[k] = &merged[k];
		}
		free(group);
		free(members);
		count = CM_MAX_NODELETS;
		if (sort_tags(shown, count, flat_tags) < 0)
			return -1;
		nts = shown;
	}
	for (size_t j = 0; j < count; j++) {
		const struct cm_tag *t = nts[j];
		int64_t w = cm_tag_cum(t);
		const char *attr = " style=\"dotted\"";
		if (flat_tags || cm_tag_flat(t) == cm_tag_cum(t)) {
			w = cm_tag_flat(t);
			attr = "";
		}
		if (w == 0)
			continue;
		char wv[64];
		cm_report_value(dt->r, w, wv, sizeof(wv));
		fprintf(dt->out,
			"N%s_%zu [label = \"%s\" id=\"N%s_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n",
			source, j, t->name, source, j, wv);
		fprintf(dt->out,
			"%s -> N%s_%zu [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"%s]\n",
			source, source, j, wv, wv, wv, attr);
		*any = true;
	}
	return 0;
}

/* The numeric tags of node id under the label set lset. */
static size_t numeric_of(const struct cm_tags *t, uint32_t id, const char *lset,
			 const struct cm_tag **out)
{
	size_t n = 0;
	for (uint32_t k = t->first[id]; k < t->first[id + 1]; k++) {
		const struct cm_tag *g = &t->tags[t->order[k]];
		if (g->numeric && g->lset == lset)
			out[n++] = g;
	}
	return n;
}

/* addNodelets: the node's top label tags, each with its numeric tags,
 * then the numeric tags of its samples without labels. Leaves show cum
 * weights, inner nodes flat ones. */
static int add_nodelets(struct dot *dt, uint32_t id, bool *any)
{
	const struct cm_tags *t = &dt->d->tags;
	size_t n = t->first[id + 1] - t->first[id];
	*any = false;
	if (n == 0)
		return 0;
	const struct cm_tag **ts = malloc(n * sizeof(*ts)), **nts = malloc(n * sizeof(*nts));
	int rc = -1;
	if (!ts || !nts)
		goto done;
	bool flat_tags = dt->d->adj.first_out[id + 1] > dt->d->adj.first_out[id];
	size_t nl = 0;
	for (uint32_t k = t->first[id]; k < t->first[id + 1]; k++)
		if (!t->tags[t->order[k]].numeric)
			ts[nl++] = &t->tags[t->order[k]];
	if (sort_tags(ts, nl, flat_tags) < 0)
		goto done;
	uint32_t nid = dt->node_id[id];
	for (size_t i = 0; i < nl && i < CM_MAX_NODELETS; i++) {
		int64_t w = flat_tags ? cm_tag_flat(ts[i]) : cm_tag_cum(ts[i]);
		if (w == 0)
			continue;
		char wv[64], src[48];
		cm_report_value(dt->r, w, wv, sizeof(wv));
		fprintf(dt->out,
			"N%u_%zu [label = \"%s\" id=\"N%u_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n",
			nid, i, ts[i]->name, nid, i, wv);
		fprintf(dt->out,
			"N%u -> N%u_%zu [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"]\n",
			nid, nid, i, wv, wv, wv);
		*any = true;
		snprintf(src, sizeof(src), "N%u_%zu", nid, i);
		size_t m = numeric_of(t, id, ts[i]->name, nts);
		if (m && numeric_nodelets(dt, nts, m, flat_tags, src, any) < 0)
			goto done;
	}
	char src[32];
	snprintf(src, sizeof(src), "N%u", nid);
	size_t m = 0;
	for (uint32_t k = t->first[id]; k < t->first[id + 1]; k++) {
		const struct cm_tag *g = &t->tags[t->order[k]];
		if (g->numeric && !*g->lset)
			nts[m++] = g;
	}
	if (m && numeric_nodelets(dt, nts, m, flat_tags, src, any) < 0)
		goto done;
	rc = 0;
done:
	free(ts);
	free(nts);
	return rc;
}

static void add_edge(struct dot *dt, const struct cm_edge *e, bool src_nodelets)
{
	struct cm_report *r = dt->r;
	int64_t wv = cm_edge_weight_value(e);
	char w[64], col[16];
	cm_report_value(r, wv, w, sizeof(w));
	fprintf(dt->out, "N%u -> N%u [label=\" %s%s\"", dt->node_id[e->src], dt->node_id[e->dst], w,
		e->inline_call ? "\\n (inline)" : "");
	if (r->total != 0) {
		int64_t weight = cm_abs64(cm_mul64(wv, 100) / r->total);
		int64_t width = cm_abs64(cm_mul64(wv, 5) / r->total);
		weight = 1 + (weight < 100 ? weight : 100);
		width = 1 + (width < 5 ? width : 5);
		if (weight > 1)
			fprintf(dt->out, " weight=%" PRId64, weight);
		if (width > 1)
			fprintf(dt->out, " penwidth=%" PRId64, width);
		fprintf(dt->out, " color=\"%s\"",
			dot_color((double)wv / (double)cm_abs64(r->total), false, col, sizeof(col)));
	}
	const char *const *pn = dt->d->nodes->printable;
	for (int i = 0; i < 2; i++) {
		fputs(i ? " labeltooltip=\"" : " tooltip=\"", dt->out);
		dt->oom |= !put_escaped(dt->out, pn[e->src]);
		fputs(e->residual ? " ... " : " -> ", dt->out);
		dt->oom |= !put_escaped(dt->out, pn[e->dst]);
		fprintf(dt->out, " (%s)\"", w);
	}
	if (e->residual)
		fputs(" style=\"dotted\"", dt->out);
	if (src_nodelets)
		fputs(" minlen=2", dt->out);
	fputs("]\n", dt->out);
}

/* The edges of every drawn node, heaviest first. */
static int add_edges(struct dot *dt, const bool *nodelets)
{
	const struct cm_report_graph *d = dt->d;
	uint32_t *ids = malloc((2 * d->g->nedges + 1) * sizeof(uint32_t));
	if (!ids)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < d->g->nmembers; i++) {
		uint32_t id = d->g->members[i];
		for (uint32_t k = d->adj.first_out[id]; k < d->adj.first_out[id + 1]; k++)
			ids[n++] = d->adj.out[k];
	}
	cm_edges_sort(d->g, ids, ids + d->g->nedges, n);
	for (size_t i = 0; i < n; i++) {
		const struct cm_edge *e = &d->g->edges[ids[i]];
		add_edge(dt, e, nodelets[e->src]);
	}
	free(ids);
	return 0;
}

static int compose(struct dot *dt)
{
	const struct cm_report_graph *d = dt->d;
	int tlen = 7;
	const char *t = title(dt->r, &tlen);
	fprintf(dt->out, "digraph \"%.*s\" {\n", tlen, t ? t : "unnamed");
	fputs("node [style=filled fillcolor=\"#f8f8f8\"]\n", dt->out);
	if (legend(dt->r, d, dt->out) < 0)
		return -1;
	if (t)
		fprintf(dt->out, " tooltip=\"%.*s\"", tlen, t);
	fputs("] }\n", dt->out);
	if (d->g->nmembers == 0) {
		fputs("}\n", dt->out);
		return 0;
	}
	bool *nodelets = calloc((size_t)d->nodes->count + 1, sizeof(bool));
	if (!nodelets)
		return -1;
	double max_flat = (double)cm_abs64(cm_graph_flat_value(d->g, d->g->members[0]));
	for (size_t i = 0; i < d->g->nmembers; i++) {
		uint32_t id = d->g->members[i];
		dt->node_id[id] = (uint32_t)i + 1;
		double f = (double)cm_abs64(cm_graph_flat_value(d->g, id));
		if (f > max_flat)
			max_flat = f;
	}
	int rc = 0;
	for (size_t i = 0; i < d->g->nmembers && rc == 0; i++) {
		uint32_t id = d->g->members[i];
		add_node(dt, id, max_flat);
		rc = add_nodelets(dt, id, &nodelets[id]);
	}
	if (rc == 0)
		rc = add_edges(dt, nodelets);
	free(nodelets);
	fputs("}\n", dt->out);
	return dt->oom ? -1 : rc;
}

int cm_report_dot(struct cm_report *r, FILE *out)
{
	struct cm_report_graph d;
	if (cm_report_graph_build(r, &d, true, false) < 0)
		return -1;
	struct dot dt = {.r = r, .d = &d, .out = out,
			 .node_id = calloc((size_t)d.nodes->count + 1, sizeof(uint32_t))};
	int rc = dt.node_id ? compose(&dt) : -1;
	free(dt.node_id);
	cm_report_graph_free(&d);
	return rc;
}
