/* strbuf: a growing, NUL-terminated string for text built piece by piece.
 * Running out of memory is sticky: later adds do nothing and oom stays set,
 * so a caller checks once at the end. */
#ifndef CMON_STRBUF_H
#define CMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct cm_strbuf {
	char *s; /* owned; NULL until the first add */
	size_t len, cap;
	bool oom;
};

void cm_strbuf_add(struct cm_strbuf *b, const char *s, size_t n);

static inline void cm_strbuf_str(struct cm_strbuf *b, const char *s)
{
	cm_strbuf_add(b, s, strlen(s));
}

/* Frees the string; the buffer is empty and reusable. */
void cm_strbuf_free(struct cm_strbuf *b);

#endif
