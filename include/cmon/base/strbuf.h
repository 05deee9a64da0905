/* strbuf: a growing, NUL-terminated string for text built piece by piece.
 * Running out of memory is sticky: later adds do nothing and oom stays set,
 * so a caller checks once at the end. Also the UTF-8 and terminal-safety
 * rules that text from the network is shown with. */
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

/* The length of the well-formed multi-byte UTF-8 sequence at s (n > 0
 * bytes left), or 0 for an overlong form, a surrogate, a code point past
 * U+10FFFF, a stray continuation byte, a cut sequence, or an ASCII byte. */
static inline size_t cm_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t more;
	if (c >= 0xC2 && c <= 0xDF) {
		more = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		more = 2;
		lo = c == 0xE0 ? 0xA0 : lo;
		hi = c == 0xED ? 0x9F : hi;
	} else if (c >= 0xF0 && c <= 0xF4) {
		more = 3;
		lo = c == 0xF0 ? 0x90 : lo;
		hi = c == 0xF4 ? 0x8F : hi;
	} else {
		return 0;
	}
	if (n <= more || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k <= more; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return more + 1;
}

/* Go's utf8.RuneCountInString: a well-formed sequence is one rune, any
 * other byte is one rune by itself (what fmt and tabwriter pad by). */
static inline size_t cm_utf8_runes(const char *s)
{
	size_t runes = 0, n = strlen(s);
	for (size_t i = 0; i < n; runes++) {
		size_t k = cm_utf8_seq((const unsigned char *)s + i, n - i);
		i += k ? k : 1;
	}
	return runes;
}

/* cm_text_clean's flags. */
enum {
	CM_CLEAN_UTF8 = 1,  /* the reader decodes UTF-8: well-formed characters stay */
	CM_CLEAN_LINES = 2, /* '\n' and '\t' stay (a report's layout) */
};

/* Makes the len bytes at s safe to show on a terminal, in place, the
 * screen's way: a control character (C0, DEL, C1 such as CSI, and the
 * bidirectional controls such as U+202E that reorder what is drawn)
 * becomes one '?', as does each byte that is not part of a well-formed
 * UTF-8 character. Without CM_CLEAN_UTF8 the reader takes ASCII only: every
 * byte past 0x7F becomes '?', except that U+00B5 (Go's "µs") becomes
 * 'u'. Text from the network (names, keys, values, errors) goes through
 * this before it reaches a terminal, so a service cannot send escapes.
 * Never lengthens the text; returns the new length (s is not
 * NUL-terminated again: see cm_text_clean_str). */
size_t cm_text_clean(char *s, size_t len, unsigned flags);

/* True when nl_langinfo(CODESET)'s answer (NULL allowed) names UTF-8. */
bool cm_codeset_is_utf8(const char *codeset);

/* Appends s cleaned as cm_text_clean does with flags. */
void cm_strbuf_clean(struct cm_strbuf *b, const char *s, unsigned flags);

/* The same on a NUL-terminated string. */
static inline void cm_text_clean_str(char *s, unsigned flags)
{
	s[cm_text_clean(s, strlen(s), flags)] = '\0';
}

/* The value of hex digit c, or -1 when c is not one (for %XX and \xXX). */
static inline int cm_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
#endif
