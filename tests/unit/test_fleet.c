/* test_fleet: the several-services table's arithmetic: heat steps of a
 * value in its column's range, each column's range and totals over the
 * rows shown (sum for counters and rates, sum/mean/max for gauges; down
 * services and N/A left out), and the zoom's plot of several series. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "monitor_make.h"
#include "cmon/monitor/fleet.h"
#include "cmon/monitor/plot.h"

static void answer(struct cm_monitor *m, size_t i, const char *body, double now)
{
	CHECK(cm_monitor_vars_result(m, i, body, strlen(body), NULL, now) == 0);
}

static void test_heat(void)
{
	CHECK(cm_heat_step(0, 0, 100) == 1);
	CHECK(cm_heat_step(24.9, 0, 100) == 1);
	CHECK(cm_heat_step(25, 0, 100) == 2);
	CHECK(cm_heat_step(50, 0, 100) == 3);
	CHECK(cm_heat_step(99, 0, 100) == 4);
	CHECK(cm_heat_step(100, 0, 100) == 4);
	CHECK(cm_heat_step(-5, 0, 100) == 1);   /* outside: clamped */
	CHECK(cm_heat_step(500, 0, 100) == 4);
	CHECK(cm_heat_step(7, 7, 7) == 0);      /* a flat column: nothing stands out */
	CHECK(cm_heat_step(NAN, 0, 1) == 0);
	CHECK(cm_heat_step(INFINITY, 0, 1) == 0);
	CHECK(cm_heat_step(1, 2, 1) == 0);      /* lo above hi: no shade */
	CHECK(cm_heat_step(-1e308, -1e308, 1e308) == 1); /* hi - lo overflows */
}

static void test_totals(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4",
	     "requests,rate:requests,mem:memstats.Alloc,memstats.NumGC,str:name");
	const char *b0 = "{\"requests\": 10, \"memstats\": {\"Alloc\": 100, \"NumGC\": 1}, \"name\": \"a\"}";
	const char *b1 = "{\"requests\": 30, \"memstats\": {\"Alloc\": 300, \"NumGC\": 2}, \"name\": \"b\"}";
	const char *b2 = "{\"requests\": 1000, \"memstats\": {\"Alloc\": 5}}";
	answer(&m, 0, b0, 1);
	answer(&m, 1, b1, 1);
	answer(&m, 2, b2, 1);
	CHECK(cm_monitor_vars_result(&m, 3, NULL, 0, "connection refused", 1) == 0);
	/* a second sample a second later: the rates */
	answer(&m, 0, "{\"requests\": 20, \"memstats\": {\"Alloc\": 100, \"NumGC\": 1}}", 2);
	answer(&m, 1, "{\"requests\": 60, \"memstats\": {\"Alloc\": 300, \"NumGC\": 2}}", 2);
	size_t all[] = {0, 1, 2, 3}, two[] = {0, 1};
	double x, lo, hi;

	CHECK(cm_fleet_value(&m, 0, 0, &x) && x == 20);
	CHECK(!cm_fleet_value(&m, 3, 0, &x)); /* down: stale values do not count */
	CHECK(!cm_fleet_value(&m, 0, 4, &x)); /* text */
	CHECK(!cm_fleet_value(&m, 9, 0, &x) && !cm_fleet_value(&m, 0, 9, &x));
	CHECK(cm_fleet_range(&m, all, 4, 0, &lo, &hi) && lo == 20 && hi == 1000);
	CHECK(!cm_fleet_range(&m, all, 4, 4, &lo, &hi));
	CHECK(!cm_fleet_range(&m, all, 0, 0, &lo, &hi));
	/* the graphs' one scale: every sample in the window, a down
	 * service's history too (it is still drawn) */
	CHECK(cm_fleet_window_range(&m, all, 4, 0, 2, &lo, &hi) && lo == 10 && hi == 1000);
	CHECK(cm_fleet_window_range(&m, all, 2, 0, 1, &lo, &hi) && lo == 20 && hi == 60);
	CHECK(!cm_fleet_window_range(&m, all, 4, 0, 0, &lo, &hi));
	CHECK(!cm_fleet_window_range(&m, all, 4, 4, 5, &lo, &hi));

	CHECK(cm_var_is_counter(&m.vars.v[1]));  /* rate: */
	CHECK(cm_var_is_counter(&m.vars.v[3]));  /* memstats.NumGC */
	CHECK(!cm_var_is_counter(&m.vars.v[0])); /* expvar does not say: a gauge */
	CHECK(!cm_var_is_counter(&m.vars.v[2]));

	struct cm_total t = cm_fleet_total(&m, all, 4, 0, CM_AGG_SUM);
	CHECK(t.agg == CM_AGG_SUM && t.count == 3 && t.value == 1080);
	t = cm_fleet_total(&m, all, 4, 0, CM_AGG_MEAN);
	CHECK(t.agg == CM_AGG_MEAN && t.count == 3 && t.value == 360);
	t = cm_fleet_total(&m, all, 4, 0, CM_AGG_MAX);
	CHECK(t.agg == CM_AGG_MAX && t.value == 1000);
	t = cm_fleet_total(&m, two, 2, 2, CM_AGG_MEAN);
	CHECK(t.count == 2 && t.value == 200);
	/* rates and counters sum whatever gauges do */
	t = cm_fleet_total(&m, all, 4, 1, CM_AGG_MAX);
	CHECK(t.agg == CM_AGG_SUM && t.count == 2 && t.value == 10 + 30);
	t = cm_fleet_total(&m, all, 4, 3, CM_AGG_MEAN);
	CHECK(t.agg == CM_AGG_SUM && t.value == 3);
	t = cm_fleet_total(&m, all, 4, 4, CM_AGG_SUM); /* text: no total */
	CHECK(t.count == 0);
	t = cm_fleet_total(&m, all, 4, 99, CM_AGG_SUM);
	CHECK(t.count == 0);
	CHECK_STR(cm_agg_name(CM_AGG_MEAN), "mean", "agg name");
	CHECK_STR(cm_agg_name(CM_AGG_COUNT), "?", "agg name out of range");
	cm_monitor_free(&m);
}

/* The plot's rows as text, one string a row joined by '|'. */
static const char *plot_text(const struct cm_plot *p, char *out, size_t len)
{
	size_t w = 0;
	char cell[5];
	out[0] = '\0';
	for (int y = 0; y < p->h; y++)
		for (int x = 0; x <= p->w; x++) {
			const char *c = x < p->w ? (cm_plot_cell(p, x, y, cell), cell) : "|";
			w += (size_t)snprintf(out + w, len - w, "%s", c);
		}
	return out;
}

static void test_plot(void)
{
	struct cm_plot p;
	struct cm_series a = {0}, b = {0};
	char buf[512];
	cm_plot_init(&p);
	CHECK(cm_plot_reset(&p, 0, 3, CM_GLYPHS_ASCII) == -1 && p.w == 0);
	CHECK(cm_plot_reset(&p, 100000, 100000, CM_GLYPHS_ASCII) == -1);
	/* ASCII: 1 x 2 dots a cell; 3 rows are 6 dot rows */
	CHECK(cm_plot_reset(&p, 4, 3, CM_GLYPHS_ASCII) == 0);
	cm_plot_series(&p, &a, 0, 1, 1); /* no samples: nothing */
	CHECK_STR(plot_text(&p, buf, sizeof buf), "    |    |    |", "empty");
	double av[] = {0, 5, 5, 0};
	for (size_t k = 0; k < 4; k++)
		CHECK(cm_series_push(&a, av[k]) == 0);
	cm_plot_series(&p, &a, 0, 5, 1);
	/* dot rows 0-5: 5 is the top one, 0 the bottom one; a jump joins
	 * vertically in the older sample's column */
	CHECK_STR(plot_text(&p, buf, sizeof buf), ".': |: : |: '.|", "a line with joins");
	uint16_t c;
	CHECK((c = cm_plot_cell(&p, 1, 0, buf)) == 1);
	CHECK(cm_plot_cell(&p, 3, 0, buf) == 0 && !strcmp(buf, " "));
	CHECK(cm_plot_cell(&p, 9, 0, buf) == 0 && !strcmp(buf, " ")); /* outside */
	/* a second series over it: the cells it draws take its colour */
	CHECK(cm_series_push(&b, NAN) == 0);
	CHECK(cm_series_push(&b, 2.5) == 0);
	cm_plot_series(&p, &b, 0, 5, 2);
	CHECK(cm_plot_cell(&p, 3, 1, buf) == 2);
	CHECK(cm_plot_cell(&p, 2, 1, buf) == 1); /* the gap: no join into it */
	/* braille: 2 x 4 dots; a flat scale draws on the bottom row */
	CHECK(cm_plot_reset(&p, 2, 1, CM_GLYPHS_BRAILLE) == 0);
	cm_plot_series(&p, &a, 3, 3, 1);
	CHECK_STR(plot_text(&p, buf, sizeof buf), "\u28c0\u28c0|", "braille, flat");
	CHECK(cm_plot_reset(&p, 1, 1, CM_GLYPHS_BLOCKS) == 0);
	cm_plot_series(&p, &a, 0, 5, 1);
	CHECK_STR(plot_text(&p, buf, sizeof buf), "\u2584|", "blocks: the newest, at the bottom");
	cm_series_free(&a);
	cm_series_free(&b);
	cm_plot_free(&p);
}

int main(void)
{
	test_heat();
	test_totals();
	test_plot();
	return check_status("test_fleet");
}
