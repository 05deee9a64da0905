#include "cmon/base/strbuf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>

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

/* The characters that reorder how the text around them is shown: U+061C,
 * U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069. A service's name or
 * value holding U+202E would draw the rest of its line backwards, so that
 * one service can pass for another on the screen. u is one well-formed
 * character of n bytes. */
static bool is_bidi_control(const unsigned char *u, size_t n)
{
	if (n == 2)
		return u[0] == 0xD8 && u[1] == 0x9C;
	if (n != 3 || u[0] != 0xE2)
		return false;
	if (u[1] == 0x80)
		return u[2] == 0x8E || u[2] == 0x8F || (u[2] >= 0xAA && u[2] <= 0xAE);
	return u[1] == 0x81 && u[2] >= 0xA6 && u[2] <= 0xA9;
}

/* What one character at s (left bytes, s[0] >= 0x80) becomes: its length
 * in *used; the bytes to write are s itself (kept) or *repl. */
static bool clean_wide(const char *s, size_t left, unsigned flags, size_t *used, char *repl)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = cm_utf8_seq(u, left);
	*used = n ? n : 1;
	if (!(flags & CM_CLEAN_UTF8)) {
		*repl = n == 2 && u[0] == 0xC2 && u[1] == 0xB5 ? 'u' : '?';
		if (*repl == '?')
			*used = 1; /* one '?' a byte, as the screen draws them */
		return false;
	}
	/* C1 controls, U+0080 to U+009F: CSI (U+009B) starts an escape too. */
	*repl = '?';
	return n && !(u[0] == 0xC2 && u[1] < 0xA0) && !is_bidi_control(u, n);
}

size_t cm_text_clean(char *s, size_t len, unsigned flags)
{
	size_t r = 0, w = 0;
	while (r < len) {
		unsigned char c = (unsigned char)s[r];
		if (c < 0x80) {
			bool line = (flags & CM_CLEAN_LINES) && (c == '\n' || c == '\t');
			s[w++] = c >= 0x20 && c != 0x7F ? (char)c : line ? (char)c : '?';
			r++;
			continue;
		}
		size_t used;
		char repl;
		if (clean_wide(s + r, len - r, flags, &used, &repl)) {
			memmove(s + w, s + r, used);
			w += used;
		} else {
			s[w++] = repl;
		}
		r += used;
	}
	return w;
}

void cm_strbuf_clean(struct cm_strbuf *b, const char *s, unsigned flags)
{
	size_t at = b->len;
	cm_strbuf_str(b, s);
	if (b->oom)
		return;
	b->len = at + cm_text_clean(b->s + at, b->len - at, flags);
	b->s[b->len] = '\0';
}

/* nl_langinfo(CODESET) names UTF-8 "UTF-8"; other C libraries and locale
 * aliases say "utf8". */
bool cm_codeset_is_utf8(const char *codeset)
{
	return codeset && (!strcasecmp(codeset, "UTF-8") || !strcasecmp(codeset, "utf8"));
}
