/* Units and percentages, against the strings Go's pprof prints
 * (internal/measurement: ScaledLabel, Percentage). */
#include <stdint.h>

#include "check.h"
#include "cmon/base/measure.h"

static void label(int64_t v, const char *from, const char *to, const char *want)
{
	char buf[64], what[128];
	snprintf(what, sizeof(what), "cm_scaled_label(%lld, %s, %s)", (long long)v, from, to);
	CHECK_STR(cm_scaled_label(v, from, to, buf, sizeof(buf)), want, what);
}

static void pct(int64_t v, int64_t total, const char *want)
{
	char buf[32], what[96];
	snprintf(what, sizeof(what), "cm_percentage(%lld, %lld)", (long long)v, (long long)total);
	CHECK_STR(cm_percentage(v, total, buf, sizeof(buf)), want, what);
}

int main(void)
{
	/* Percentage: "  100%" band, %5.2f from 1%, %5.2g below. */
	pct(1, 3, "33.33%");
	pct(2, 3, "66.67%");
	pct(1, 7, "14.29%");
	pct(1, 100000, "0.001%");
	pct(0, 0, "    0%");
	pct(5, 0, "    0%");
	pct(0, 10, "    0%");
	pct(1, 1, "  100%");
	pct(-1, 1, "  100%");
	pct(1, -1, "  100%");
	pct(9995, 10000, "  100%");
	pct(10005, 10000, "  100%");
	pct(9994, 10000, "99.94%");
	pct(10006, 10000, "100.06%");
	pct(3, 1, "300.00%");
	pct(1, 100, " 1.00%");
	pct(-1, 100, " 1.00%");
	pct(1, 200, "  0.5%");
	pct(1, 1000, "  0.1%");
	pct(999, 100000, "    1%");
	pct(123, 100000, " 0.12%");
	pct(3, 1000000, "0.0003%");
	pct(1, 10000000, "1e-05%");
	pct(-7, 1000, "  0.7%");

	/* Bytes: B, kB, MB, GB, TB, PB in steps of 1024. */
	label(0, "bytes", "auto", "0");
	label(1, "bytes", "auto", "1B");
	label(1023, "bytes", "auto", "1023B");
	label(1024, "bytes", "auto", "1kB");
	label(1536, "bytes", "auto", "1.50kB");
	label(1048576, "bytes", "auto", "1MB");
	label(1572864, "bytes", "minimum", "1.50MB");
	label(8734567, "bytes", "auto", "8.33MB");
	label(1073741824, "bytes", "auto", "1GB");
	label(1099511627776LL, "bytes", "auto", "1TB");
	label(5LL << 50, "bytes", "auto", "5PB");
	label(1LL << 60, "bytes", "auto", "1024PB");
	label(-1536, "bytes", "auto", "-1.50kB");
	label(-1, "bytes", "auto", "-1B");
	label(100, "bytes", "kb", "0.10kB");
	label(1048576, "bytes", "mb", "1MB");
	label(1048576, "B", "kilobytes", "1024kB");
	label(2048, "Bytes", "auto", "2kB");
	label(3, "kilobytes", "auto", "3kB");
	label(2048, "kb", "auto", "2MB");
	label(1, "bytes", "furlongs", "1B"); /* unknown target: the default unit */

	/* Time: ns, us, ms, s, hrs. */
	label(1, "nanoseconds", "auto", "1ns");
	label(999, "nanoseconds", "auto", "999ns");
	label(1500, "nanoseconds", "auto", "1.50us");
	label(1500000, "nanoseconds", "auto", "1.50ms");
	label(1000000000, "nanoseconds", "auto", "1s");
	label(10000000, "nanoseconds", "auto", "10ms");
	label(59000000000LL, "nanoseconds", "auto", "59s");
	label(5400000000000LL, "nanoseconds", "auto", "1.50hrs");
	label(3600, "seconds", "auto", "1hrs");
	label(1500, "ms", "auto", "1.50s");
	label(2, "microseconds", "auto", "2us");
	/* Go lowercases "\xce\xbcs" (3 bytes) and drops the plural "s": "\xce\xbc"
	 * matches no alias, so pprof prints a bare count. */
	label(2, "\xce\xbcs", "auto", "2");
	label(-1500000, "nanoseconds", "auto", "-1.50ms");
	label(-1, "nanoseconds", "s", "0"); /* "-0.00" prints as 0 */
	label(4, "nanoseconds", "s", "0");
	label(5000000, "nanoseconds", "s", "0.01s");
	label(0, "nanoseconds", "auto", "0");
	label(1, "sec", "ms", "1000ms");
	label(1, "hour", "s", "3600s");

	/* Counts and unknown units: bare numbers. */
	label(1, "count", "auto", "1");
	label(12345, "samples", "auto", "12345");
	label(-5, "count", "auto", "-5");
	label(0, "count", "auto", "0");
	label(7, "objects", "minimum", "7");
	label(5, "widgets", "widgets", "5widgets");
	label(5, "widgets", "count", "5");
	label(INT64_MIN, "count", "auto", "-9223372036854775808");
	/* float64(MaxInt64) rounds up, and Go prints that. */
	label(INT64_MAX, "count", "auto", "9223372036854775808");

	char buf[64], unit[16];
	CHECK(cm_scale(2048, "bytes", "auto", unit, sizeof(unit)) == 2.0);
	CHECK_STR(unit, "kB", "cm_scale unit");
	CHECK(cm_scale(-3000, "nanoseconds", "us", unit, sizeof(unit)) == -3.0);
	CHECK_STR(unit, "us", "cm_scale unit");
	CHECK(cm_scale(42, "count", "auto", unit, sizeof(unit)) == 42.0);
	CHECK_STR(unit, "", "cm_scale unit of a count");
	CHECK_STR(cm_label(3145728, "bytes", buf, sizeof(buf)), "3MB", "cm_label");
	/* A short buffer truncates instead of overflowing. */
	char tiny[4];
	cm_scaled_label(1536, "bytes", "auto", tiny, sizeof(tiny));
	CHECK_STR(tiny, "1.5", "truncated label");
	cm_percentage(1, 3, tiny, sizeof(tiny));
	CHECK_STR(tiny, "33.", "truncated percentage");

	/* Go's time.Duration.String() (-raw's Duration: line), from go run */
	static const struct { int64_t d; const char *want; } durs[] = {
		{0, "0s"}, {1, "1ns"}, {999, "999ns"}, {1000, "1\u00b5s"}, {1500, "1.5\u00b5s"},
		{999999, "999.999\u00b5s"}, {1000000, "1ms"}, {1500000, "1.5ms"},
		{2070000000, "2.07s"}, {60500000000, "1m0.5s"}, {3600000000000, "1h0m0s"},
		{3723000000001, "1h2m3.000000001s"}, {-1500, "-1.5\u00b5s"},
		{INT64_MIN, "-2562047h47m16.854775808s"}, {INT64_MAX, "2562047h47m16.854775807s"},
	};
	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++)
		CHECK_STR(cm_go_duration(durs[i].d, buf, sizeof(buf)), durs[i].want, "cm_go_duration");
	return check_status("test_measure");
}
