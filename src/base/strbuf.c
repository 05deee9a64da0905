#include "cmon/base/strbuf.h"

#include <stdlib.h>

void cm_strbuf_add(struct cm_strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (n > (size_t)-1 / 4 - b->len) {
		b->oom = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void cm_strbuf_free(struct cm_strbuf *b)
{
	free(b->s);
	*b = (struct cm_strbuf){0};
}
