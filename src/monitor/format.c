#include "cmon/monitor/format.h"

#include "cmon/base/measure.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Drops a character a short buffer cut in two ("µ" in a duration, any
 * character of a TEXT value), so what is left is valid UTF-8. */
static void utf8_tidy(char *buf)
{
	size_t n = strlen(buf), lead = n;
	while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	unsigned char c = (unsigned char)buf[lead - 1];
	size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (n - (lead - 1) < want)
		buf[lead - 1] = '\0';
}

/* Writes NaN, +Inf or -Inf (Go's spellings) and returns true for a value
 * that is not finite. */
static bool format_nonfinite(char *buf, size_t len, double x)
{
	if (isnan(x))
		snprintf(buf, len, "NaN");
	else if (isinf(x))
		snprintf(buf, len, "%s", x > 0 ? "+Inf" : "-Inf");
	else
		return false;
	return true;
}

/* byten.Size's unit index: floor(log1024(x)), computed the way byten does
 * (natural logs) so the edges agree with expvarmon: 2^50-1 bytes is
 * "1.0PB" there, not "1024TB". */
static int bytes_unit(double x)
{
	double i = floor(log(x) / log(1024.0));
	if (i < 0)
		return 0;
	return i > 6 ? 6 : (int)i;
}

void cm_format_bytes(char *buf, size_t len, double bytes)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
	if (len == 0 || format_nonfinite(buf, len, bytes))
		return;
	const char *sign = bytes < 0 ? "-" : "";
	double x = fabs(bytes);
	if (x < 10) {
		/* byten takes an int64: fractions (a rate) are cut. */
		snprintf(buf, len, "%s%dB", sign, (int)x);
		return;
	}
	int u = bytes_unit(x);
	double size = x / pow(1024.0, u);
	if (size < 10)
		snprintf(buf, len, "%s%.1f%s", sign, size, units[u]);
	else
		snprintf(buf, len, "%s%.0f%s", sign, size, units[u]);
}

/* Go's time.Duration.String for a magnitude u (ns) and a sign; a cut
 * "µ" is tidied away. */
static void go_duration(char *out, size_t len, uint64_t u, bool neg)
{
	cm_go_duration_mag(u, neg, out, len);
	utf8_tidy(out);
}

/* expvarmon's round(): to the second at or above a second, else to the
 * millisecond, else to the microsecond; halves away from zero. It works
 * on the magnitude, so negative durations round the same way (expvarmon
 * leaves them unrounded, an accident of comparing signed values). */
static uint64_t expvarmon_round(uint64_t u)
{
	uint64_t r = 1;
	if (u >= 1000000000u)
		r = 1000000000u;
	else if (u >= 1000000u)
		r = 1000000u;
	else if (u >= 1000u)
		r = 1000u;
	uint64_t m = u % r;
	return m * 2 < r ? u - m : u + (r - m); /* u < 2^63: no overflow */
}

void cm_format_duration(char *buf, size_t len, double ns)
{
	if (len == 0 || format_nonfinite(buf, len, ns))
		return;
	bool neg = ns < 0;
	double mag = fabs(ns);
	/* int64 nanoseconds, as a time.Duration: fractions are cut, and
	 * magnitudes past int64 are held at its largest. */
	uint64_t u = mag >= 9223372036854775807.0 ? (uint64_t)INT64_MAX : (uint64_t)mag;
	go_duration(buf, len, expvarmon_round(u), neg && u > 0);
}

void cm_format_number(char *buf, size_t len, double x, bool integer, long long i)
{
	if (len == 0)
		return;
	if (integer)
		snprintf(buf, len, "%lld", i);
	else if (!format_nonfinite(buf, len, x))
		snprintf(buf, len, "%.2f", x);
}

/* Appends "/s" to a rate's text, within len. */
static void add_per_second(char *buf, size_t len, bool rate)
{
	size_t n = strlen(buf);
	if (rate && n < len)
		snprintf(buf + n, len - n, "/s");
}

/* x in a kind; exact is x as an integer when the value is one. */
static void format_kind(char *buf, size_t len, const struct cm_var *var, double x, bool integer,
			long long exact)
{
	enum cm_var_kind kind = var->kind;
	if (kind == CM_KIND_DURATION && var->unit_ns != 1 && var->unit_ns > 0) {
		/* published in ms, s...: nanoseconds first, exact while whole */
		x = (integer ? (double)exact : x) * var->unit_ns;
		integer = isfinite(x) && x == floor(x) && fabs(x) < 9007199254740992.0;
		exact = integer ? (long long)x : 0;
	}
	switch (kind) {
	case CM_KIND_MEM:
		cm_format_bytes(buf, len, integer ? (double)exact : x);
		break;
	case CM_KIND_DURATION:
		if (integer && exact != INT64_MIN) /* exact: past 2^53 a double is not */
			go_duration(buf, len, expvarmon_round(exact < 0 ? (uint64_t)-exact : (uint64_t)exact),
				    exact < 0);
		else
			cm_format_duration(buf, len, x);
		break;
	case CM_KIND_NUMBER:
	case CM_KIND_STRING:
	default:
		cm_format_number(buf, len, x, integer, exact);
		break;
	}
}

void cm_format_value(char *buf, size_t len, const struct cm_var *var, const struct cm_value *v)
{
	if (len == 0)
		return;
	switch (v->state) {
	case CM_VALUE_NA:
		snprintf(buf, len, "N/A");
		return;
	case CM_VALUE_TEXT:
	case CM_VALUE_WRONG:
		snprintf(buf, len, "%s", v->text);
		utf8_tidy(buf);
		return;
	case CM_VALUE_NUMBER:
	default:
		break;
	}
	format_kind(buf, len, var, v->num, v->integer, v->i);
	add_per_second(buf, len, var->rate);
}

void cm_format_in_kind(char *buf, size_t len, const struct cm_var *var, double x)
{
	if (len == 0)
		return;
	/* A whole number in a plain var prints as an integer ("max: 1234", not
	 * "1234.00"); rates are fractional by nature and keep "%.2f". */
	bool whole = !var->rate && isfinite(x) && x == floor(x) && fabs(x) < 9007199254740992.0;
	format_kind(buf, len, var, x, whole, whole ? (long long)x : 0);
	add_per_second(buf, len, var->rate);
}
