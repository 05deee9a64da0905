/* expvarmon's value formats. The byte and duration tables were printed by
 * Go itself: byten.Size (the copy expvarmon vendors) and expvarmon's
 * round() followed by time.Duration.String(). */
#include <math.h>

#include "check.h"
#include "cmon/monitor/format.h"

static const struct {
	long long in;
	const char *want;
} go_bytes[] = {
	{0LL, "0B"},
	{1000LL, "1000B"},
	{10239LL, "10.0KB"},
	{1023LL, "1023B"},
	{10240LL, "10KB"},
	{10241LL, "10KB"},
	{1024LL, "1.0KB"},
	{1025LL, "1.0KB"},
	{10485759LL, "10.0MB"},
	{1048575LL, "1024KB"},
	{10485760LL, "10MB"},
	{1048576LL, "1.0MB"},
	{1048577LL, "1.0MB"},
	{10737418239LL, "10.0GB"},
	{1073741823LL, "1024MB"},
	{10737418240LL, "10GB"},
	{1073741824LL, "1.0GB"},
	{1073741825LL, "1.0GB"},
	{10995116277759LL, "10.0TB"},
	{1099511627775LL, "1024GB"},
	{10995116277760LL, "10TB"},
	{1099511627776LL, "1.0TB"},
	{1099511627777LL, "1.0TB"},
	{10LL, "10B"},
	{11258999068426239LL, "10PB"},
	{1125899906842623LL, "1.0PB"},
	{11258999068426240LL, "10PB"},
	{1125899906842624LL, "1.0PB"},
	{1125899906842625LL, "1.0PB"},
	{1152921504606846975LL, "1.0EB"},
	{1152921504606846976LL, "1.0EB"},
	{1152921504606846977LL, "1.0EB"},
	{1352616LL, "1.3MB"},
	{1500LL, "1.5KB"},
	{19772680LL, "19MB"},
	{1LL, "1B"},
	{3250585LL, "3.1MB"},
	{42LL, "42B"},
	{524288LL, "512KB"},
	{9223372036854775807LL, "8.0EB"},
	{999LL, "999B"},
	{9LL, "9B"},
};

static const struct {
	long long in;
	const char *want;
} go_durations[] = {
	{0LL, "0s"},
	{1LL, "1ns"},
	{850LL, "850ns"},
	{999LL, "999ns"},
	{1000LL, "1µs"},
	{1001LL, "1µs"},
	{1499LL, "1µs"},
	{1500LL, "2µs"},
	{1501LL, "2µs"},
	{2500LL, "3µs"},
	{999999LL, "1ms"},
	{999500LL, "1ms"},
	{999499LL, "999µs"},
	{1000000LL, "1ms"},
	{1234567LL, "1ms"},
	{1500000LL, "2ms"},
	{2500000LL, "3ms"},
	{999999999LL, "1s"},
	{999500000LL, "1s"},
	{999499999LL, "999ms"},
	{1000000000LL, "1s"},
	{1234000000LL, "1s"},
	{1500000000LL, "2s"},
	{2500000000LL, "3s"},
	{59999999999LL, "1m0s"},
	{60000000000LL, "1m0s"},
	{65000000000LL, "1m5s"},
	{123456789012LL, "2m3s"},
	{3600000000000LL, "1h0m0s"},
	{7200000000000LL, "2h0m0s"},
	{7261000000000LL, "2h1m1s"},
	{86400000000000LL, "24h0m0s"},
	{1719665LL, "2ms"},
	{368969611LL, "369ms"},
};

static void test_go_tables(void)
{
	char buf[64], what[96];
	for (size_t i = 0; i < sizeof go_bytes / sizeof go_bytes[0]; i++) {
		cm_format_bytes(buf, sizeof buf, (double)go_bytes[i].in);
		snprintf(what, sizeof what, "bytes %lld", go_bytes[i].in);
		CHECK_STR(buf, go_bytes[i].want, what);
	}
	for (size_t i = 0; i < sizeof go_durations / sizeof go_durations[0]; i++) {
		cm_format_duration(buf, sizeof buf, (double)go_durations[i].in);
		snprintf(what, sizeof what, "duration %lld", go_durations[i].in);
		CHECK_STR(buf, go_durations[i].want, what);
	}
}

static void bytes(double x, const char *want)
{
	char buf[64], what[64];
	cm_format_bytes(buf, sizeof buf, x);
	snprintf(what, sizeof what, "bytes %.17g", x);
	CHECK_STR(buf, want, what);
}

static void duration(double ns, const char *want)
{
	char buf[64], what[64];
	cm_format_duration(buf, sizeof buf, ns);
	snprintf(what, sizeof what, "duration %.17g", ns);
	CHECK_STR(buf, want, what);
}

static void number(double x, bool integer, long long i, const char *want)
{
	char buf[64], what[64];
	cm_format_number(buf, sizeof buf, x, integer, i);
	snprintf(what, sizeof what, "number %.17g %d %lld", x, integer, i);
	CHECK_STR(buf, want, what);
}

static void test_edges(void)
{
	/* cmon's own: signs kept, fractions (rates) cut as byten's int64 would */
	bytes(-3250585, "-3.1MB");
	bytes(-5, "-5B");
	bytes(9.9, "9B");
	bytes(0.4, "0B");
	bytes(10.5, "10B");
	bytes(1536.0, "1.5KB");
	bytes(18446744073709551615.0, "16EB");
	bytes(1e30, "867361737988EB");
	bytes(NAN, "NaN");
	bytes(INFINITY, "+Inf");
	bytes(-INFINITY, "-Inf");

	/* negatives round by magnitude (expvarmon leaves them unrounded) */
	duration(-1500000, "-2ms");
	duration(-1500, "-2µs");
	duration(-1, "-1ns");
	duration(-0.0, "0s");
	duration(1500.7, "2µs");
	duration(999.9, "999ns");
	duration(0.5, "0s");
	duration(352096.20560747664, "352µs"); /* a mean of pauses */
	duration(1e30, "2562047h47m17s"); /* held at int64's largest */
	duration(-1e30, "-2562047h47m17s");
	duration(NAN, "NaN");
	duration(INFINITY, "+Inf");
	duration(-INFINITY, "-Inf");

	number(1234, true, 1234, "1234");
	number(-9223372036854775808.0, true, -9223372036854775807LL - 1, "-9223372036854775808");
	number(3.14159, false, 0, "3.14");
	number(2, false, 0, "2.00");
	number(-0.005, false, 0, "-0.01");
	number(NAN, false, 0, "NaN");
	number(INFINITY, false, 0, "+Inf");
	number(-INFINITY, false, 0, "-Inf");
}

static struct cm_value num_value(double x, bool integer, long long i)
{
	return (struct cm_value){.state = CM_VALUE_NUMBER, .num = x, .integer = integer, .i = i};
}

static void value(enum cm_var_kind kind, bool rate, struct cm_value v, const char *want)
{
	struct cm_var var = {.kind = kind, .rate = rate};
	char buf[128], what[64];
	cm_format_value(buf, sizeof buf, &var, &v);
	snprintf(what, sizeof what, "value kind %d rate %d state %d", kind, rate, v.state);
	CHECK_STR(buf, want, what);
}

static void in_kind(enum cm_var_kind kind, bool rate, double x, const char *want)
{
	struct cm_var var = {.kind = kind, .rate = rate};
	char buf[128], what[64];
	cm_format_in_kind(buf, sizeof buf, &var, x);
	snprintf(what, sizeof what, "in_kind %d rate %d %.17g", kind, rate, x);
	CHECK_STR(buf, want, what);
}

/* dur.ms: and friends: the value times the unit, in Go's duration text */
static void test_duration_units(void)
{
	struct cm_var ms = {.kind = CM_KIND_DURATION, .unit_ns = 1e6};
	struct cm_var s = {.kind = CM_KIND_DURATION, .unit_ns = 1e9};
	char buf[64];
	struct cm_value v = {.state = CM_VALUE_NUMBER, .num = 250, .integer = true, .i = 250};
	cm_format_value(buf, sizeof buf, &ms, &v);
	CHECK_STR(buf, "250ms", "250 ms");
	cm_format_value(buf, sizeof buf, &s, &v);
	CHECK_STR(buf, "4m10s", "250 s");
	/* fractions: as the same time in nanoseconds shows (expvarmon rounds) */
	struct cm_var ns = {.kind = CM_KIND_DURATION, .unit_ns = 1};
	char want[64];
	v = (struct cm_value){.state = CM_VALUE_NUMBER, .num = 2.5};
	cm_format_value(buf, sizeof buf, &s, &v);
	struct cm_value in_ns = {.state = CM_VALUE_NUMBER, .num = 2.5e9, .integer = true,
				 .i = 2500000000};
	cm_format_value(want, sizeof want, &ns, &in_ns);
	CHECK_STR(buf, want, "2.5 s");
	cm_format_in_kind(buf, sizeof buf, &ms, 1500);
	cm_format_in_kind(want, sizeof want, &ns, 1.5e9);
	CHECK_STR(buf, want, "min/max in ms");
}

static void test_values(void)
{
	struct cm_value na = {.state = CM_VALUE_NA};
	struct cm_value text = {.state = CM_VALUE_TEXT, .text = "v1.2.3"};
	struct cm_value wrong = {.state = CM_VALUE_WRONG, .text = "an object"};
	value(CM_KIND_NUMBER, false, na, "N/A");
	value(CM_KIND_MEM, true, na, "N/A");
	value(CM_KIND_STRING, false, text, "v1.2.3");
	value(CM_KIND_NUMBER, false, text, "v1.2.3");
	value(CM_KIND_MEM, false, wrong, "an object");
	value(CM_KIND_NUMBER, false, num_value(3812, true, 3812), "3812");
	value(CM_KIND_NUMBER, false, num_value(3.485, false, 0), "3.48");
	value(CM_KIND_MEM, false, num_value(2648896, true, 2648896), "2.5MB");
	value(CM_KIND_MEM, false, num_value(19510536, true, 19510536), "19MB");
	value(CM_KIND_DURATION, false, num_value(166398, true, 166398), "166µs");
	value(CM_KIND_DURATION, false, num_value(231782937, true, 231782937), "232ms");
	value(CM_KIND_DURATION, false, num_value(NAN, false, 0), "NaN");
	value(CM_KIND_STRING, false, num_value(7, true, 7), "7");
	/* past 2^53 the integer rounds, not its double: 10^6 h and half a second */
	value(CM_KIND_DURATION, false,
	      num_value(3600000000500000000.0, true, 3600000000500000000LL), "1000000h0m1s");
	value(CM_KIND_DURATION, false, num_value(-1500000, true, -1500000), "-2ms");
	value(CM_KIND_DURATION, false,
	      num_value(-9223372036854775808.0, true, -9223372036854775807LL - 1),
	      "-2562047h47m17s");

	/* rates */
	value(CM_KIND_NUMBER, true, num_value(12.5, false, 0), "12.50/s");
	value(CM_KIND_MEM, true, num_value(1536, false, 0), "1.5KB/s");
	value(CM_KIND_MEM, true, num_value(3.7, false, 0), "3B/s");
	value(CM_KIND_DURATION, true, num_value(2500000, false, 0), "3ms/s");
	value(CM_KIND_NUMBER, true, num_value(NAN, false, 0), "NaN/s");

	in_kind(CM_KIND_NUMBER, false, 1234, "1234");
	in_kind(CM_KIND_NUMBER, false, -3, "-3");
	in_kind(CM_KIND_NUMBER, false, 12.5, "12.50");
	in_kind(CM_KIND_NUMBER, false, 1e15 + 0.5, "1000000000000000.50");
	in_kind(CM_KIND_NUMBER, false, NAN, "NaN");
	in_kind(CM_KIND_MEM, false, 1048576, "1.0MB");
	in_kind(CM_KIND_DURATION, false, 1.5e9, "2s");
	in_kind(CM_KIND_DURATION, false, 1234567.8, "1ms");
	in_kind(CM_KIND_NUMBER, true, 5, "5.00/s");
	in_kind(CM_KIND_MEM, true, 2048, "2.0KB/s");
	in_kind(CM_KIND_STRING, false, 2, "2");
}

/* Short buffers: cut, terminated, never overrun (ASan watches). */
static void test_short_buffers(void)
{
	char buf[8];
	struct cm_var rate = {.kind = CM_KIND_MEM, .rate = true};
	struct cm_value v = num_value(1536, false, 0);
	for (size_t len = 0; len <= sizeof buf; len++) {
		memset(buf, 'z', sizeof buf);
		cm_format_value(buf, len, &rate, &v);
		if (len == 0) {
			CHECK(buf[0] == 'z');
			continue;
		}
		CHECK_MSG(strlen(buf) < len, "len %zu", len);
		CHECK_MSG(!strncmp(buf, "1.5KB/s", len - 1), "len %zu: %s", len, buf);
		cm_format_duration(buf, len, 1500); /* "2µs": never half a µ */
		CHECK_MSG(strlen(buf) < len && strcmp(buf, "2\xc2"), "len %zu", len);
		struct cm_value t = {.state = CM_VALUE_TEXT, .text = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"};
		cm_format_value(buf, len, &rate, &t);
		CHECK_MSG(strlen(buf) % 2 == 0 && strlen(buf) < len, "len %zu: cut inside a character", len);
		cm_format_bytes(buf, len, 3250585);
		CHECK(strlen(buf) < len);
		cm_format_in_kind(buf, len, &rate, 2048);
		CHECK(strlen(buf) < len);
	}
}

int main(void)
{
	test_duration_units();
	test_go_tables();
	test_edges();
	test_values();
	test_short_buffers();
	return check_status("format");
}
