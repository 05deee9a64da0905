/* format: values as the monitor prints them (expvarmon's formats). */
#ifndef CMON_FORMAT_H
#define CMON_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/expvar.h"
#include "cmon/monitor/varspec.h"

/* Bytes in 1024 steps: under 10 "%dB", then "%.1f" below 10 and "%.0f"
 * above with B KB MB GB TB PB EB ("42B", "3.1MB", "512KB"). Negative
 * values keep their sign. */
void cm_format_bytes(char *buf, size_t len, double bytes);

/* Nanoseconds as Go's time.Duration.String after expvarmon's rounding (to
 * 1s at or above a second, 1ms above a ms, 1us above a us): "1.234s" is
 * "1s", "2m3s", "1.5ms"->"2ms", "850ns". */
void cm_format_duration(char *buf, size_t len, double ns);

/* Integers as they are, other numbers "%.2f"; NaN, +Inf, -Inf spelled so. */
void cm_format_number(char *buf, size_t len, double x, bool integer, long long i);

/* A var's value in its kind: N/A, TEXT as is, rates with "/s" appended. */
void cm_format_value(char *buf, size_t len, const struct cm_var *var, const struct cm_value *v);

/* A plain number (a graph's min/max, a rate) in the var's kind. */
void cm_format_in_kind(char *buf, size_t len, const struct cm_var *var, double x);

#endif
