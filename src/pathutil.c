#include "cmon/pathutil.h"

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

static const char *base_name(const char *dir, size_t len, size_t *blen)
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

const char *cm_path_trim(const char *path, const char *trim_path, const char *search_path)
{
	char want[4096];
	if (!trim_path || !*trim_path) {
		const char *s = search_path ? search_path : "";
		while (*s) {
			const char *colon = strchr(s, ':');
			size_t len = colon ? (size_t)(colon - s) : strlen(s);
			size_t blen;
			const char *b = base_name(s, len, &blen);
			if (len > 0 && blen + 3 < sizeof(want)) {
				snprintf(want, sizeof(want), "/%.*s/", (int)blen, b);
				const char *found = strstr(path, want);
				if (found)
					return found + strlen(want);
			}
			if (!colon)
				break;
			s = colon + 1;
		}
	}
	const char *t = trim_path ? trim_path : "";
	for (;;) {
		const char *colon = strchr(t, ':');
		size_t len = colon ? (size_t)(colon - t) : strlen(t);
		if (len > 0 && len + 2 < sizeof(want)) {
			snprintf(want, sizeof(want), "%.*s", (int)len, t);
			if (want[len - 1] != '/')
				strcat(want, "/");
			if (!strncmp(path, want, strlen(want)))
				return path + strlen(want);
		}
		if (!colon)
			break;
		t = colon + 1;
	}
	if (!strncmp(path, "/proc/self/cwd/./", 17))
		return path + 17;
	if (!strncmp(path, "/proc/self/cwd/", 15))
		return path + 15;
	return path;
}
