/* read_all.h: a whole file read into memory, for the unit tests that
 * load the committed profiles. The buffer has one byte more than the
 * file, a NUL (text fixtures read as strings); NULL when the file cannot
 * be read or memory runs out. The caller frees it. */
#ifndef CMON_TEST_READ_ALL_H
#define CMON_TEST_READ_ALL_H

#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	unsigned char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			unsigned char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

#endif
