#include "cmon/base/pathutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

char *cm_path_clean(const char *path, char *out, size_t outlen)
{
	if (outlen == 0)
		return out;
	if (!*path) {
		snprintf(out, outlen, ".");
		return out;
	}
	bool rooted = path[0] == '/';
	size_t n = strlen(path), w = 0, dotdot = 0;
	if (rooted) {
		out[w++] = '/';
		dotdot = 1;
	}
	size_t r = rooted ? 1 : 0;
	while (r < n && w + 2 < outlen) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/' && w + 1 < outlen; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

const char *cm_path_base(const char *dir, size_t len, size_t *blen)
{
	while (len > 1 && dir[len - 1] == '/')
		len--;
	size_t start = len;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	if (len == 0) {
		*blen = 1;
		return ".";
	}
	*blen = len - start;
	if (*blen == 0) { /* the dir was "/" */
		*blen = 1;
		return "/";
	}
	return dir + start;
}

/* Calls fn on each element of a colon list as Go's filepath.SplitList gives
 * them: none for "", and empty elements kept ("a:" is "a" and ""). Stops
 * and returns the first non-NULL result. */
static const char *each_list_item(const char *list, const char *path,
				  const char *(*fn)(const char *item, size_t len, const char *path))
{
	if (!list || !*list)
		return NULL;
	for (const char *s = list;;) {
		const char *colon = strchr(s, ':');
		size_t len = colon ? (size_t)(colon - s) : strlen(s);
		const char *r = fn(s, len, path);
		if (r || !colon)
			return r;
		s = colon + 1;
	}
}

/* The heuristic: strip up to and including "/<base of search dir>/". */
static const char *trim_by_search_dir(const char *dir, size_t len, const char *path)
{
	char want[4096];
	size_t blen;
	const char *b = cm_path_base(dir, len, &blen);
	if (blen + 3 > sizeof(want))
		return NULL;
	snprintf(want, sizeof(want), "/%.*s/", (int)blen, b);
	const char *found = strstr(path, want);
	return found ? found + strlen(want) : NULL;
}

/* A configured prefix, with a "/" added when it has none ("" becomes "/"). */
static const char *trim_by_prefix(const char *prefix, size_t len, const char *path)
{
	if (len > 0 && prefix[len - 1] == '/')
		len--;
	if (strncmp(path, prefix, len) || path[len] != '/')
		return NULL;
	return path + len + 1;
}

const char *cm_path_trim(const char *path, const char *trim_path, const char *search_path)
{
	const char *r;
	if ((!trim_path || !*trim_path) &&
	    (r = each_list_item(search_path, path, trim_by_search_dir)))
		return r;
	if ((r = each_list_item(trim_path, path, trim_by_prefix)))
		return r;
	if (!strncmp(path, "/proc/self/cwd/./", 17))
		return path + 17;
	if (!strncmp(path, "/proc/self/cwd/", 15))
		return path + 15;
	return path;
}

char *cm_go_strerror(int e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] + 32);
	return buf;
}
