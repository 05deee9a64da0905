/* The history ring (gaps, wrap, min/max) and counter rates across resets. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "cmon/monitor/marks.h"
#include "cmon/monitor/series.h"

static void test_empty(void)
{
	struct cm_series s = {0};
	double lo = 1, hi = 2;
	CHECK(isnan(cm_series_back(&s, 0)));
	CHECK(!cm_series_minmax(&s, 10, &lo, &hi));
	CHECK(lo == 1 && hi == 2); /* untouched when there is nothing */
	cm_series_free(&s);
	cm_series_free(&s); /* twice is harmless */
	CHECK(s.v == NULL && s.len == 0);
}

static void test_push_back(void)
{
	struct cm_series s = {0};
	for (int i = 1; i <= 5; i++)
		CHECK(cm_series_push(&s, i) == 0);
	CHECK(s.cap == CM_SERIES_CAP && s.len == 5);
	CHECK(cm_series_back(&s, 0) == 5);
	CHECK(cm_series_back(&s, 4) == 1);
	CHECK(isnan(cm_series_back(&s, 5)));
	CHECK(isnan(cm_series_back(&s, UINT32_MAX)));
	double lo, hi;
	CHECK(cm_series_minmax(&s, 3, &lo, &hi) && lo == 3 && hi == 5);
	CHECK(cm_series_minmax(&s, 100, &lo, &hi) && lo == 1 && hi == 5);
	CHECK(cm_series_minmax(&s, 0, &lo, &hi) == false);
	cm_series_free(&s);
}

static void test_wrap(void)
{
	struct cm_series s = {.cap = 4};
	for (int i = 1; i <= 10; i++)
		cm_series_push(&s, i * 10);
	CHECK(s.len == 4 && s.cap == 4);
	CHECK(cm_series_back(&s, 0) == 100);
	CHECK(cm_series_back(&s, 3) == 70);
	CHECK(isnan(cm_series_back(&s, 4)));
	double lo, hi;
	CHECK(cm_series_minmax(&s, 4, &lo, &hi) && lo == 70 && hi == 100);
	cm_series_free(&s);

	/* the default size, wrapped many times over */
	struct cm_series d = {0};
	for (int i = 0; i < 3 * CM_SERIES_CAP + 7; i++)
		cm_series_push(&d, i);
	CHECK(d.len == CM_SERIES_CAP);
	CHECK(cm_series_back(&d, 0) == 3 * CM_SERIES_CAP + 6);
	CHECK(cm_series_back(&d, CM_SERIES_CAP - 1) == 2 * CM_SERIES_CAP + 7);
	cm_series_free(&d);
}

static void test_gaps(void)
{
	struct cm_series s = {.cap = 8};
	cm_series_push(&s, NAN);
	double lo, hi;
	CHECK(s.len == 1 && isnan(cm_series_back(&s, 0)));
	CHECK(!cm_series_minmax(&s, 8, &lo, &hi));
	cm_series_push(&s, -2.5);
	cm_series_push(&s, NAN);
	cm_series_push(&s, INFINITY);  /* cannot be drawn: a gap */
	cm_series_push(&s, -INFINITY); /* likewise */
	cm_series_push(&s, 7);
	CHECK(isnan(cm_series_back(&s, 1)) && isnan(cm_series_back(&s, 2)));
	CHECK(cm_series_minmax(&s, 8, &lo, &hi) && lo == -2.5 && hi == 7);
	CHECK(cm_series_minmax(&s, 2, &lo, &hi) && lo == 7 && hi == 7);
	CHECK(!cm_series_minmax(&s, 0, &lo, &hi));
	/* past float's range: kept, not clamped nor undefined */
	cm_series_push(&s, 1e300);
	cm_series_push(&s, -1e300);
	CHECK(cm_series_back(&s, 1) == 1e300 && cm_series_back(&s, 0) == -1e300);
	cm_series_free(&s);
}

/* What is shown is what was pushed: min and max are exact, not float's
 * nearest (issue 10: a constant 123456789 showed 123456792; past 3.4e38
 * values clamped). */
static void test_exact(void)
{
	struct cm_series s = {0};
	for (int i = 0; i < 5; i++)
		cm_series_push(&s, 123456789);
	double lo, hi;
	CHECK(cm_series_minmax(&s, 5, &lo, &hi));
	CHECK_MSG(lo == 123456789 && hi == 123456789, "min %.17g max %.17g", lo, hi);
	/* neighbours a float cannot tell apart stay apart */
	cm_series_push(&s, 123456790);
	CHECK(cm_series_minmax(&s, 6, &lo, &hi) && lo == 123456789 && hi == 123456790);
	cm_series_free(&s);

	/* past float's range, both ways, and 2^53 + 2 (a double, no float) */
	struct cm_series big = {.cap = 4};
	cm_series_push(&big, 1e39);
	cm_series_push(&big, -5e300);
	cm_series_push(&big, 9007199254740994.0);
	CHECK(cm_series_minmax(&big, 4, &lo, &hi) && lo == -5e300 && hi == 1e39);
	CHECK(cm_series_back(&big, 0) == 9007199254740994.0);
	CHECK(cm_series_back(&big, 2) == 1e39);
	cm_series_free(&big);

	/* the first inexact sample arrives after small counts, with the ring
	 * wrapped: the samples held before it are kept as they were */
	struct cm_series w = {.cap = 4};
	for (int i = 1; i <= 6; i++)
		cm_series_push(&w, i);
	cm_series_push(&w, NAN);
	CHECK(w.v && !w.wide); /* small counts: floats */
	cm_series_push(&w, 0.1);
	CHECK(w.wide && !w.v);
	CHECK(cm_series_back(&w, 0) == 0.1 && isnan(cm_series_back(&w, 1)));
	CHECK(cm_series_back(&w, 2) == 6 && cm_series_back(&w, 3) == 5);
	CHECK(isnan(cm_series_back(&w, 4)));
	CHECK(cm_series_minmax(&w, 4, &lo, &hi) && lo == 0.1 && hi == 6);
	for (int i = 0; i < 8; i++) /* and it keeps wrapping */
		cm_series_push(&w, 1e20 + i * 1e5);
	CHECK(cm_series_minmax(&w, 4, &lo, &hi) && lo == 1e20 + 4e5 && hi == 1e20 + 7e5);
	cm_series_free(&w);
	CHECK(!w.v && !w.wide && w.len == 0);
}

/* A capacity asked for before the first push is honoured, within reason. */
static void test_cap(void)
{
	struct cm_series s = {.cap = 1};
	cm_series_push(&s, 1);
	cm_series_push(&s, 2);
	CHECK(s.len == 1 && cm_series_back(&s, 0) == 2);
	cm_series_free(&s);
	struct cm_series big = {.cap = UINT32_MAX};
	CHECK(cm_series_push(&big, 1) == 0);
	CHECK(big.cap <= (1u << 20) && cm_series_back(&big, 0) == 1);
	cm_series_free(&big);
}

static void test_rate(void)
{
	struct cm_rate r = {0};
	CHECK(isnan(cm_rate_update(&r, 100, 10)));     /* first sample */
	CHECK(cm_rate_update(&r, 150, 15) == 10);       /* 50 in 5 s */
	CHECK(cm_rate_update(&r, 150, 16) == 0);
	CHECK(cm_rate_update(&r, 40, 18) == 20);        /* reset: 40 since it, in 2 s */
	CHECK(cm_rate_update(&r, 0, 19) == 0);          /* reset to zero */
	CHECK(cm_rate_update(&r, 30, 20.5) == 20);
	CHECK(isnan(cm_rate_update(&r, 60, 20.5)));     /* the clock did not advance */
	CHECK(cm_rate_update(&r, 70, 21.5) == 10);      /* from the sample at 20.5 */
	CHECK(isnan(cm_rate_update(&r, 80, 1)));        /* the clock went back */
	CHECK(cm_rate_update(&r, 90, 2) == 10);
	/* a NaN reading is skipped, not made the base */
	CHECK(isnan(cm_rate_update(&r, NAN, 3)));
	CHECK(isnan(cm_rate_update(&r, INFINITY, 3.5)));
	CHECK(cm_rate_update(&r, 110, 4) == 10);
	CHECK(isnan(cm_rate_update(&r, 120, NAN)));
	CHECK(cm_rate_update(&r, 130, 5) == 20);
	/* fractional counters (expvar.Float seconds) */
	struct cm_rate f = {0};
	cm_rate_update(&f, 1.25, 0);
	CHECK(cm_rate_update(&f, 1.75, 0.5) == 1);
	CHECK(cm_rate_update(&f, 0.25, 1) == 0.5); /* reset */
}

/* The marks ring: oldest first, bounded, found by time and kind. */
static void test_marks(void)
{
	struct cm_marks ms = {0};
	CHECK(cm_marks_get(&ms, 0) == NULL);
	CHECK(cm_marks_near(&ms, 10, -1, -1) == NULL);
	for (int i = 0; i < CM_MARKS_MAX + 10; i++) {
		struct cm_mark mk = {.t = i, .t_start = i,
				     .kind = i % 2 ? CM_MARK_CAPTURE : CM_MARK_RESTART,
				     .id = (uint32_t)i};
		memset(mk.what, 'x', sizeof mk.what); /* not terminated: add cuts it */
		CHECK(cm_marks_add(&ms, &mk) == 0);
	}
	CHECK(ms.n == CM_MARKS_MAX);
	CHECK(cm_marks_get(&ms, 0)->t == 10); /* the ten oldest forgotten */
	CHECK(cm_marks_get(&ms, CM_MARKS_MAX - 1)->t == CM_MARKS_MAX + 9);
	CHECK(cm_marks_get(&ms, CM_MARKS_MAX) == NULL);
	CHECK(strlen(cm_marks_get(&ms, 3)->what) == sizeof ms.v[0].what - 1);
	CHECK(cm_marks_near(&ms, 100.5, -1, -1)->t == 100);
	CHECK(cm_marks_near(&ms, 100.5, 1, -1)->t == 101);
	CHECK(cm_marks_near(&ms, 100, -1, CM_MARK_CAPTURE)->t == 99);
	CHECK(cm_marks_near(&ms, 100, 1, CM_MARK_CAPTURE)->t == 101);
	CHECK(cm_marks_near(&ms, 5, -1, -1) == NULL);     /* before the oldest */
	CHECK(cm_marks_near(&ms, 1e9, 1, -1) == NULL);    /* after the newest */
	CHECK(cm_marks_near(&ms, 1e9, -1, CM_MARK_DOWN) == NULL);
	cm_marks_free(&ms);
	CHECK(ms.n == 0 && ms.v == NULL);
}

/* The whole run by time: gaps for skipped polls, exact min / max / mean
 * per bucket of the older tiers, a bounded size whatever the run. */
static void test_time_slots(void)
{
	struct cm_series s = {.cap = 600, .dt = 1};
	CHECK(cm_series_push_at(&s, 1, 1000.0) == 0);
	CHECK(cm_series_push_at(&s, 2, 1001.1) == 0); /* jitter: the next slot */
	CHECK(cm_series_push_at(&s, 3, 1004.0) == 0); /* two polls skipped: two gaps */
	CHECK(s.pushed == 5 && s.len == 5);
	CHECK(cm_series_back(&s, 0) == 3 && isnan(cm_series_back(&s, 1)) &&
	      isnan(cm_series_back(&s, 2)) && cm_series_back(&s, 3) == 2);
	CHECK(cm_series_slot_at(&s, 1004.2) == 4 && cm_series_slot_at(&s, 1000.0) == 0);
	CHECK(cm_series_time_of(&s, 4) == 1004.0 && cm_series_time_of(&s, 1) == 1001.0);
	struct cm_series_agg g;
	CHECK(cm_series_range(&s, 0, 5, &g) && g.min == 1 && g.max == 3 && g.mean == 2 &&
	      g.width == 1);
	CHECK(!cm_series_range(&s, 1 + 1, 4, &g)); /* gaps only */
	CHECK(!cm_series_range(&s, 5, 9, &g));     /* the future */
	/* a pause longer than the window: gaps, bounded, then samples again */
	CHECK(cm_series_push_at(&s, 7, 1004.0 + 1e9) == 0);
	CHECK(s.pushed == 5 + CM_SERIES_GAP_MAX + 1 && cm_series_back(&s, 0) == 7);
	cm_series_free(&s);
}

static void test_tiers_exact(void)
{
	/* 600 samples at full resolution, then x10, x100, x1000 buckets */
	struct cm_series s = {.cap = 600, .dt = 1};
	double t = 1e6;
	for (int k = 0; k < 5000; k++)
		CHECK(cm_series_push_at(&s, k % 10 == 3 ? NAN : k, t + k) == 0);
	CHECK(s.len == 600 && s.tiers);
	struct cm_series_agg g;
	/* tier x10 keeps 120 buckets: slots 3800.. ; 3900..3909 is one */
	CHECK(cm_series_range(&s, 3900, 3910, &g) && g.width == 10);
	CHECK(g.min == 3900 && g.max == 3909);
	CHECK(g.mean == (3900 + 3901 + 3902 + 3904 + 3905 + 3906 + 3907 + 3908 + 3909) / 9.0);
	/* older than that: the x100 bucket that holds it, exact too */
	double sum = 0;
	int n = 0;
	for (int k = 100; k < 200; k++)
		if (k % 10 != 3) {
			sum += k;
			n++;
		}
	CHECK(cm_series_range(&s, 100, 110, &g) && g.width == 100);
	CHECK(g.min == 100 && g.max == 199 && g.mean == sum / n);
	/* a dot of 1000 slots: the x1000 bucket */
	CHECK(cm_series_range(&s, 1000, 2000, &g) && g.width == 1000);
	CHECK(g.min == 1000 && g.max == 1999);
	/* the newest samples: full resolution */
	CHECK(cm_series_range(&s, 4990, 4991, &g) && g.width == 1 && g.min == 4990);
	/* a narrow range older than the samples: the finest tier that has it */
	CHECK(cm_series_range(&s, 4000, 4001, &g) && g.width == 10 && g.max == 4009);
	CHECK(cm_series_range(&s, 4400, 4401, &g) && g.width == 1 && g.max == 4400);
	CHECK(cm_series_oldest(&s) == 0);
	/* doubles: a value no float holds stays exact in min and max */
	CHECK(cm_series_push_at(&s, 123456789, t + 5000) == 0);
	for (int k = 5001; k < 7000; k++)
		cm_series_push_at(&s, 1, t + k);
	CHECK(cm_series_range(&s, 5000, 5010, &g) && g.max == 123456789);
	cm_series_free(&s);
}

/* Millions of samples: the last tier coarsens, the oldest slot stays the
 * first (the whole run), and the bytes never pass the budget. */
static void test_budget(void)
{
	struct cm_series s = {.cap = 3600, .dt = 1};
	size_t budget = cm_series_budget(3600), most = 0;
	CHECK(budget <= 3600 * 24 + 1024);
	for (uint32_t k = 0; k < 5000000; k++) {
		cm_series_push_at(&s, k & 1 ? 0.1 * k : k, 1.0 + k); /* doubles: the worst case */
		if (k % 4096 == 0 && cm_series_bytes(&s) > most)
			most = cm_series_bytes(&s);
	}
	if (cm_series_bytes(&s) > most)
		most = cm_series_bytes(&s);
	CHECK(most <= budget);
	CHECK(most > budget / 2); /* reached: the test measures something */
	CHECK(cm_series_oldest(&s) == 0);
	struct cm_series_agg g;
	CHECK(cm_series_range(&s, 0, 5000000, &g));
	CHECK(g.min == 0 && g.max == 4999998 && g.width >= 1000);
	/* the first sample still counts: the whole run */
	CHECK(cm_series_range(&s, 0, 1, &g) && g.min == 0);
	cm_series_free(&s);
}

int main(void)
{
	test_time_slots();
	test_tiers_exact();
	test_budget();
	test_marks();
	test_empty();
	test_push_back();
	test_wrap();
	test_gaps();
	test_exact();
	test_cap();
	test_rate();
	return check_status("series");
}
