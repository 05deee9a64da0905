/* numtext: numbers written the C way ('.' as the decimal point) read as
 * doubles whatever the locale, for the parsers of text from services
 * (JSON, the Prometheus format). */
#ifndef CMON_NUMTEXT_H
#define CMON_NUMTEXT_H

#include <stddef.h>

/* s[0, n) (already checked to be a number's text) as strtod reads it,
 * rounded as strtod rounds, past the double range an infinity; NaN when
 * out of memory (a text over 128 bytes needs a copy). strtod reads the
 * locale's decimal point, so '.' is swapped for it in that copy. */
double cm_strtod_dot(const char *s, size_t n);

#endif
