/* shorten: pprof's graph.ShortenFunctionName, the short names -dot draws
 * in its boxes. pprof applies four regexes; each is matched here by hand
 * with the same leftmost / greedy-with-backtracking result, since the
 * patterns are fixed:
 *   cppAnonymousPrefix ^\(anonymous namespace\)::            (removed)
 *   goVer              ^(.*?)/v(?:[2-9]|[1-9][0-9]+)([./].*)$ ($1$2)
 *   go                 ^(?:[\w\-\.]+\/)+(.+)
 *   java               ^(?:[a-z]\w*\.)*([A-Z][\w\$]*\.(?:<init>|[a-z][\w\$]*(?:\$\d+)?))(?:(?:\()|$)
 *   cpp                ^(?:[_a-zA-Z]\w*::)+(_*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)?)
 * The first of go, java, cpp that matches gives its groups joined. */
#include "cmon/profile/shorten.h"

#include <string.h>

static bool is_w(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool has_newline(const char *s, size_t n)
{
	return memchr(s, '\n', n) != NULL;
}

/* goVerRegExp: the leftmost "/vN" (N 2-9, or two digits or more not
 * starting with 0) followed by '.' or '/' is cut out. The pattern's '.'
 * matches no newline, so a name with one is left alone. */
static size_t go_ver(const char *s, size_t n, char *out)
{
	if (!has_newline(s, n)) {
		for (size_t i = 0; i + 2 < n; i++) {
			if (s[i] != '/' || s[i + 1] != 'v' || !is_digit(s[i + 2]) || s[i + 2] == '0')
				continue;
			size_t j = i + 2;
			while (j < n && is_digit(s[j]))
				j++;
			bool ok = j - (i + 2) >= 2 || s[i + 2] >= '2';
			if (ok && j < n && (s[j] == '.' || s[j] == '/')) {
				memcpy(out, s, i);
				memcpy(out + i, s + j, n - j);
				return n - (j - i);
			}
		}
	}
	memcpy(out, s, n);
	return n;
}

/* goRegExp: the longest run of "segment/" prefixes that leaves at least
 * one character (not a newline); the rest up to a newline is the name. */
static bool go_match(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t best = 0, seg = 0;
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/') {
			if (seg == 0)
				break;
			seg = 0;
			if (i + 1 < n && s[i + 1] != '\n') {
				best = i + 1;
				found = true;
			}
		} else if (is_w(c) || c == '-' || c == '.') {
			seg++;
		} else {
			break;
		}
	}
	if (!found)
		return false;
	const char *nl = memchr(s + best, '\n', n - best);
	*start = best;
	*len = nl ? (size_t)(nl - (s + best)) : n - best;
	return true;
}

/* The end of a run of [\w$] from i. */
static size_t w_dollar_run(const char *s, size_t n, size_t i)
{
	while (i < n && (is_w(s[i]) || s[i] == '$'))
		i++;
	return i;
}

/* java's group at i: Class.method up to '(' or the end. */
static bool java_at(const char *s, size_t n, size_t i, size_t *end)
{
	if (i >= n || s[i] < 'A' || s[i] > 'Z')
		return false;
	size_t j = w_dollar_run(s, n, i + 1);
	if (j >= n || s[j] != '.')
		return false;
	j++;
	if (n - j >= 6 && !memcmp(s + j, "<init>", 6) && (j + 6 == n || s[j + 6] == '(')) {
		*end = j + 6;
		return true;
	}
	if (j >= n || s[j] < 'a' || s[j] > 'z')
		return false;
	size_t k = w_dollar_run(s, n, j + 1);
	if (k != n && s[k] != '(')
		return false;
	*end = k;
	return true;
}

/* The positions after 0, 1, 2... leading segments of a given shape
 * ([a-z]\w*\. for java, [_a-zA-Z]\w*:: for C++); returns how many. */
static size_t segment_ends(const char *s, size_t n, bool cpp, size_t *ends, size_t max)
{
	size_t k = 0, i = 0;
	ends[k++] = 0;
	while (k < max && i < n) {
		char c = s[i];
		bool first = cpp ? (is_w(c) && !is_digit(c)) : (c >= 'a' && c <= 'z');
		if (!first)
			break;
		size_t j = i + 1;
		while (j < n && is_w(s[j]))
			j++;
		size_t sep = cpp ? 2 : 1;
		if (n - j < sep || memcmp(s + j, cpp ? "::" : ".", sep))
			break;
		i = j + sep;
		ends[k++] = i;
	}
	return k;
}

#define MAX_SEGMENTS 256

static bool java_match(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t ends[MAX_SEGMENTS];
	size_t k = segment_ends(s, n, false, ends, MAX_SEGMENTS);
	for (size_t i = k; i-- > 0;) { /* greedy: the most segments first */
		size_t end;
		if (java_at(s, n, ends[i], &end)) {
			*start = ends[i];
			*len = end - ends[i];
			return true;
		}
	}
	return false;
}

/* cpp's group at i: _*[A-Z]\w*::~?[_a-zA-Z]\w*(?:<.*>)? */
static bool cpp_at(const char *s, size_t n, size_t i, size_t *end)
{
	while (i < n && s[i] == '_')
		i++;
	if (i >= n || s[i] < 'A' || s[i] > 'Z')
		return false;
	while (i < n && is_w(s[i]))
		i++;
	if (n - i < 2 || memcmp(s + i, "::", 2))
		return false;
	i += 2;
	if (i < n && s[i] == '~')
		i++;
	if (i >= n || !is_w(s[i]) || is_digit(s[i]))
		return false;
	while (i < n && is_w(s[i]))
		i++;
	if (i < n && s[i] == '<') { /* <.*>: to the last '>' before a newline */
		const char *nl = memchr(s + i, '\n', n - i);
		size_t lim = nl ? (size_t)(nl - s) : n;
		for (size_t j = lim; j-- > i + 1;)
			if (s[j] == '>') {
				i = j + 1;
				break;
			}
	}
	*end = i;
	return true;
}

static bool cpp_match(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t ends[MAX_SEGMENTS];
	size_t k = segment_ends(s, n, true, ends, MAX_SEGMENTS);
	for (size_t i = k; i-- > 1;) { /* one segment at least */
		size_t end;
		if (cpp_at(s, n, ends[i], &end)) {
			*start = ends[i];
			*len = end - ends[i];
			return true;
		}
	}
	return false;
}

size_t cm_shorten_function_name(const char *name, char *out)
{
	size_t n = strlen(name);
	static const char anon[] = "(anonymous namespace)::";
	if (!strncmp(name, anon, sizeof(anon) - 1)) {
		name += sizeof(anon) - 1;
		n -= sizeof(anon) - 1;
	}
	n = go_ver(name, n, out);
	size_t start, len;
	if (go_match(out, n, &start, &len) || java_match(out, n, &start, &len) ||
	    cpp_match(out, n, &start, &len)) {
		memmove(out, out + start, len);
		n = len;
	}
	out[n] = '\0';
	return n;
}
