/* numtext: see numtext.h. */
#include "cmon/base/numtext.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Texts up to this long are copied on the stack. */
#define NUMBER_BUF 128

double cm_strtod_dot(const char *s, size_t n)
{
	const char *dp = localeconv()->decimal_point;
	size_t dpn = strlen(dp), need = n + dpn + 1, w = 0; /* one '.' at most */
	char small[NUMBER_BUF], *buf = need <= sizeof small ? small : malloc(need);
	if (!buf)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			memcpy(buf + w, dp, dpn);
			w += dpn;
		} else {
			buf[w++] = s[i];
		}
	}
	buf[w] = '\0';
	double d = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	return d;
}
