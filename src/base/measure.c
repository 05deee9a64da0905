#include "cmon/base/measure.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit {
	const char *name;
	const char *aliases[4];
	double factor;
};

struct unit_type {
	struct unit units[6];
	size_t nunits;
	struct unit default_unit;
};

static const struct unit_type unit_types[] = {
	{{{"B", {"b", "byte"}, 1},
	  {"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
	  {"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
	  {"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
	  {"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
	  {"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0}},
	 6, {"B", {"b", "byte"}, 1}},
	{{{"ns", {"ns", "nanosecond"}, 1},
	  {"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
	  {"ms", {"ms", "millisecond"}, 1e6},
	  {"s", {"s", "sec", "second"}, 1e9},
	  {"hrs", {"hour", "hr"}, 3600e9}},
	 5, {"s", {NULL}, 1e9}},
};

/* pprof lowercases the unit and drops a plural "s" from names longer than 2. */
static const struct unit *sniff_unit(const struct unit_type *ut, const char *name)
{
	char buf[64];
	size_t n = strlen(name);
	if (n >= sizeof(buf))
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	buf[n] = '\0';
	if (n > 2 && buf[n - 1] == 's')
		buf[n - 1] = '\0';
	for (size_t i = 0; i < ut->nunits; i++)
		for (size_t k = 0; k < 4 && ut->units[i].aliases[k]; k++)
			if (!strcmp(ut->units[i].aliases[k], buf))
				return &ut->units[i];
	return NULL;
}

static bool convert_unit(const struct unit_type *ut, int64_t value, const char *from,
			 const char *to, double *out, const char **unit)
{
	const struct unit *fu = sniff_unit(ut, from);
	if (!fu)
		return false;
	double v = (double)value * fu->factor;
	if (!strcmp(to, "minimum") || !strcmp(to, "auto")) {
		double f = 0;
		const char *name = NULL;
		for (size_t i = 0; i < ut->nunits; i++) {
			if (ut->units[i].factor >= f && v / ut->units[i].factor >= 1.0) {
				f = ut->units[i].factor;
				name = ut->units[i].name;
			}
		}
		if (f != 0) {
			*out = v / f;
			*unit = name;
			return true;
		}
		*out = v / ut->default_unit.factor;
		*unit = ut->default_unit.name;
		return true;
	}
	const struct unit *tu = sniff_unit(ut, to);
	if (!tu) {
		*out = v / ut->default_unit.factor;
		*unit = ut->default_unit.name;
		return true;
	}
	*out = v / tu->factor;
	*unit = tu->name;
	return true;
}

double cm_scale(int64_t value, const char *from_unit, const char *to_unit,
		char *unit, size_t unitlen)
{
	if (value < 0 && value != INT64_MIN) {
		double v = cm_scale(-value, from_unit, to_unit, unit, unitlen);
		return -v;
	}
	for (size_t i = 0; i < sizeof(unit_types) / sizeof(unit_types[0]); i++) {
		double v;
		const char *u;
		if (convert_unit(&unit_types[i], value, from_unit, to_unit, &v, &u)) {
			snprintf(unit, unitlen, "%s", u);
			return v;
		}
	}
	if (!strcmp(to_unit, "count") || !strcmp(to_unit, "sample") || !strcmp(to_unit, "unit") ||
	    !strcmp(to_unit, "minimum") || !strcmp(to_unit, "auto"))
		snprintf(unit, unitlen, "%s", "");
	else
		snprintf(unit, unitlen, "%s", to_unit);
	return (double)value;
}

char *cm_scaled_label(int64_t value, const char *from_unit, const char *to_unit,
		      char *out, size_t outlen)
{
	char unit[32];
	double v = cm_scale(value, from_unit, to_unit, unit, sizeof(unit));
	char num[64];
	snprintf(num, sizeof(num), "%.2f", v);
	size_t n = strlen(num);
	if (n >= 3 && !strcmp(num + n - 3, ".00"))
		num[n - 3] = '\0';
	if (!strcmp(num, "0") || !strcmp(num, "-0"))
		snprintf(out, outlen, "0");
	else
		snprintf(out, outlen, "%s%s", num, unit);
	return out;
}

char *cm_label(int64_t value, const char *unit, char *out, size_t outlen)
{
	return cm_scaled_label(value, unit, "auto", out, outlen);
}

char *cm_percentage(int64_t value, int64_t total, char *out, size_t outlen)
{
	double ratio = 0;
	if (total != 0)
		ratio = fabs((double)value / (double)total) * 100;
	if (ratio >= 99.95 && ratio <= 100.05)
		snprintf(out, outlen, "  100%%");
	else if (ratio >= 1.0)
		snprintf(out, outlen, "%5.2f%%", ratio);
	else
		snprintf(out, outlen, "%5.2g%%", ratio);
	return out;
}

/* Go's fmtFrac: the last prec decimal digits of v before *w (w moves
 * left), a dot in front, trailing zeros and a lone dot left out; returns v
 * without those digits. */
static uint64_t go_frac(char *buf, size_t *w, uint64_t v, int prec)
{
	bool print = false;
	for (int i = 0; i < prec; i++) {
		int digit = (int)(v % 10);
		print = print || digit != 0;
		if (print)
			buf[--*w] = (char)('0' + digit);
		v /= 10;
	}
	if (print)
		buf[--*w] = '.';
	return v;
}

static void go_int(char *buf, size_t *w, uint64_t v)
{
	do {
		buf[--*w] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
}

char *cm_go_duration_mag(uint64_t u, bool neg, char *out, size_t outlen)
{
	char buf[40];
	size_t w = sizeof(buf);
	buf[--w] = 's';
	if (u == 0) {
		snprintf(out, outlen, "0s");
		return out;
	}
	if (u < 1000000000) {
		/* under a second: ns, µs or ms, with a fraction */
		int prec = 0;
		if (u < 1000) {
			buf[--w] = 'n';
		} else if (u < 1000000) {
			prec = 3;
			buf[--w] = '\xb5'; /* "µ", U+00B5, as Go writes it */
			buf[--w] = '\xc2';
		} else {
			prec = 6;
			buf[--w] = 'm';
		}
		go_int(buf, &w, go_frac(buf, &w, u, prec));
	} else {
		u = go_frac(buf, &w, u, 9);
		go_int(buf, &w, u % 60);
		u /= 60;
		if (u > 0) {
			buf[--w] = 'm';
			go_int(buf, &w, u % 60);
			u /= 60;
			if (u > 0) {
				buf[--w] = 'h';
				go_int(buf, &w, u);
			}
		}
	}
	if (neg)
		buf[--w] = '-';
	snprintf(out, outlen, "%.*s", (int)(sizeof(buf) - w), buf + w);
	return out;
}

char *cm_go_duration(int64_t d, char *out, size_t outlen)
{
	uint64_t u = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
	return cm_go_duration_mag(u, d < 0, out, outlen);
}
