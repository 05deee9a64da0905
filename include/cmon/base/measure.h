/* measure: units and percentages exactly as pprof's measurement package
 * prints them (bytes B..PB in steps of 1024, time ns..hrs, counts bare). */
#ifndef CMON_MEASURE_H
#define CMON_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Converts value in from_unit to to_unit ("minimum"/"auto" pick the largest
 * unit that keeps the value >= 1). Writes the unit's printed name into unit
 * (size unitlen; "" for counts) and returns the scaled value. */
double cm_scale(int64_t value, const char *from_unit, const char *to_unit,
		char *unit, size_t unitlen);

/* "%.2f" of the scaled value without a trailing ".00", plus the unit; zero
 * prints "0". Returns out. */
char *cm_scaled_label(int64_t value, const char *from_unit, const char *to_unit,
		      char *out, size_t outlen);

/* cm_scaled_label with to_unit "auto". */
char *cm_label(int64_t value, const char *unit, char *out, size_t outlen);

/* pprof's Percentage: "  100%", "%5.2f%%" or "%5.2g%%". Returns out. */
char *cm_percentage(int64_t value, int64_t total, char *out, size_t outlen);

/* Go's time.Duration.String() of d nanoseconds: "1h2m3.5s", "1.5ms",
 * "750µs", "0s". Returns out. */
char *cm_go_duration(int64_t d, char *out, size_t outlen);

/* The same for a magnitude u (up to 2^64 - 1 ns) and a sign. */
char *cm_go_duration_mag(uint64_t u, bool neg, char *out, size_t outlen);

#endif
