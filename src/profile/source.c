/* source: pprof's source file lookup and line reading; see source.h. */
#include "cmon/profile/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmon/base/pathutil.h"

/* ---- Go's path functions ---- */

static char *clean_dup(const char *path)
{
	size_t len = strlen(path) + 2;
	char *out = malloc(len);
	return out ? cm_path_clean(path, out, len) : NULL;
}

/* filepath.Join(dir, path). */
static char *path_join(const char *dir, const char *path)
{
	if (!*dir)
		return *path ? clean_dup(path) : strdup(""); /* Join("", "") is "" */
	size_t n = strlen(dir) + strlen(path) + 2;
	char *tmp = malloc(n);
	if (!tmp)
		return NULL;
	snprintf(tmp, n, "%s/%s", dir, path);
	char *out = clean_dup(tmp);
	free(tmp);
	return out;
}

/* filepath.Dir. */
static char *path_dir(const char *path)
{
	size_t i = strlen(path);
	while (i > 0 && path[i - 1] != '/')
		i--;
	char *tmp = malloc(i + 1);
	if (!tmp)
		return NULL;
	memcpy(tmp, path, i);
	tmp[i] = '\0';
	char *out = clean_dup(tmp);
	free(tmp);
	return out;
}

/* os.Getwd: $PWD when it names the current directory, else getcwd. */
static char *go_getwd(void)
{
	struct stat dot, pwd;
	if (stat(".", &dot) < 0)
		return NULL;
	const char *env = getenv("PWD");
	if (env && env[0] == '/' && stat(env, &pwd) == 0 && pwd.st_dev == dot.st_dev &&
	    pwd.st_ino == dot.st_ino)
		return strdup(env);
	return getcwd(NULL, 0);
}



/* pprof reads sources with a bufio.Scanner: lines end at '\n', lose one
 * trailing '\r', and the scan stops (quietly) at a line of 64 KiB or more. */
#define SCAN_MAX_TOKEN 65536
/* Bounds of our own: the most read from one file, and kept over all files
 * (past it the cache is emptied and files are read again when needed). */
#define SOURCE_MAX_BYTES ((size_t)256 << 20)
#define CACHE_MAX_BYTES ((size_t)512 << 20)

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ^ (h >> 31);
}

static void src_file_drop_data(struct cm_source_file *f)
{
	free(f->data);
	free(f->start);
	free(f->len);
	f->data = NULL;
	f->start = f->len = NULL;
	f->size = f->nlines = 0;
}

void cm_source_reader_free(struct cm_source_reader *r)
{
	for (size_t i = 0; i < r->cap; i++) {
		struct cm_source_file *f = r->slots[i];
		if (!f)
			continue;
		src_file_drop_data(f);
		free(f->key);
		free(f->error);
		free(f);
	}
	free(r->slots);
	free(r->wd);
	memset(r, 0, sizeof(*r));
}

struct cm_source_file *cm_source_entry(struct cm_source_reader *r, const char *key)
{
	if ((r->count + 1) * 2 > r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct cm_source_file **ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return NULL;
		for (size_t i = 0; i < r->cap; i++) {
			if (!r->slots[i])
				continue;
			size_t j = key_hash(r->slots[i]->key) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = r->slots[i];
		}
		free(r->slots);
		r->slots = ns;
		r->cap = ncap;
	}
	size_t j = key_hash(key) & (r->cap - 1);
	while (r->slots[j]) {
		if (!strcmp(r->slots[j]->key, key))
			return r->slots[j];
		j = (j + 1) & (r->cap - 1);
	}
	struct cm_source_file *f = calloc(1, sizeof(*f));
	if (!f || !(f->key = strdup(key))) {
		free(f);
		return NULL;
	}
	r->slots[j] = f;
	r->count++;
	return f;
}

/* Opens without blocking on a FIFO (pprof would wait for a writer forever). */
static int open_source(const char *path)
{
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/* openSourceFile: trim the name, then an absolute path must exist as is; a
 * relative one is tried under every search dir and each of its parents.
 * Returns a descriptor, or -1 with the message in *error. */
static int find_source(const struct cm_source_reader *r, const char *name, char **error)
{
	const char *path = cm_path_trim(name, r->trim_path, r->search_path);
	char msg[256];
	if (path[0] == '/') {
		int fd = open_source(path);
		if (fd >= 0)
			return fd;
		cm_go_strerror(errno, msg, sizeof(msg));
		size_t n = strlen(path) + strlen(msg) + 16;
		if ((*error = malloc(n)))
			snprintf(*error, n, "open %s: %s", path, msg);
		return -1;
	}
	/* filepath.SplitList: nothing for "", else every ':'-separated part. */
	for (const char *sp = r->search_path; *r->search_path;) {
		const char *colon = strchr(sp, ':');
		size_t len = colon ? (size_t)(colon - sp) : strlen(sp);
		char *dir = strndup(sp, len);
		while (dir) {
			char *file = path_join(dir, path);
			int fd = file ? open_source(file) : -1;
			free(file);
			if (fd >= 0) {
				free(dir);
				return fd;
			}
			char *parent = path_dir(dir);
			if (!parent || !strcmp(parent, dir)) {
				free(parent);
				break;
			}
			free(dir);
			dir = parent;
		}
		free(dir);
		if (!colon)
			break;
		sp = colon + 1;
	}
	size_t n = strlen(path) + strlen(r->search_path) + 40;
	if ((*error = malloc(n)))
		snprintf(*error, n, "could not find file %s on path %s", path, r->search_path);
	return -1;
}

/* Reads what a Scanner would see: up to EOF, the first read error, or a
 * line too long for it (nothing after that one is used); and no further
 * than the first `need` lines. */
static int read_all(int fd, uint64_t need, char **data, size_t *size)
{
	size_t cap = 0, len = 0, line_start = 0;
	uint64_t lines = 0;
	char *buf = NULL;
	for (;;) {
		const char *nl;
		while (lines < need && line_start < len &&
		       (nl = memchr(buf + line_start, '\n', len - line_start))) {
			line_start = (size_t)(nl - buf) + 1;
			lines++;
		}
		if (lines >= need || len - line_start >= SCAN_MAX_TOKEN)
			break;
		if (len == cap) {
			if (cap >= SOURCE_MAX_BYTES)
				break;
			size_t ncap = cap ? cap * 2 : 16384;
			if (ncap > SOURCE_MAX_BYTES)
				ncap = SOURCE_MAX_BYTES;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF, or an error: the scan ends there */
		len += (size_t)n;
	}
	*data = buf;
	*size = len;
	return 0;
}

/* Splits data into Scanner lines. */
static int split_lines(struct cm_source_file *f)
{
	size_t cap = 0;
	for (size_t pos = 0; pos < f->size;) {
		const char *nl = memchr(f->data + pos, '\n', f->size - pos);
		size_t end = nl ? (size_t)(nl - f->data) : f->size;
		if (end - pos >= SCAN_MAX_TOKEN)
			break; /* bufio.ErrTooLong, which pprof ignores */
		if (f->nlines == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			size_t *ns = realloc(f->start, ncap * sizeof(*ns));
			if (!ns)
				return -1;
			f->start = ns;
			size_t *nl2 = realloc(f->len, ncap * sizeof(*nl2));
			if (!nl2)
				return -1;
			f->len = nl2;
			cap = ncap;
		}
		size_t len = end - pos;
		if (len > 0 && f->data[end - 1] == '\r')
			len--;
		f->start[f->nlines] = pos;
		f->len[f->nlines] = len;
		f->nlines++;
		pos = nl ? end + 1 : end;
	}
	return 0;
}

static void reader_evict(struct cm_source_reader *r)
{
	for (size_t i = 0; i < r->cap; i++) {
		struct cm_source_file *f = r->slots[i];
		if (f && f->data) {
			src_file_drop_data(f);
			f->loaded = false;
		}
	}
	r->cached_bytes = 0;
}

/* The file behind name, read once. NULL when memory runs out. */
struct cm_source_file *cm_source_get(struct cm_source_reader *r, const char *name)
{
	struct cm_source_file *f = cm_source_entry(r, name);
	if (!f || f->loaded)
		return f;
	int fd = find_source(r, name, &f->error);
	if (fd < 0) {
		f->loaded = true;
		return f->error ? f : NULL;
	}
	struct cm_source_file t = {0};
	int rc = read_all(fd, f->need, &t.data, &t.size);
	close(fd);
	if (rc < 0 || split_lines(&t) < 0) {
		src_file_drop_data(&t);
		return NULL;
	}
	size_t bytes = t.size + t.nlines * 2 * sizeof(size_t);
	if (r->cached_bytes > 0 && r->cached_bytes + bytes > CACHE_MAX_BYTES)
		reader_evict(r); /* forget the others; they are read again if needed */
	r->cached_bytes += bytes;
	f->data = t.data;
	f->size = t.size;
	f->start = t.start;
	f->len = t.len;
	f->nlines = t.nlines;
	f->loaded = true;
	return f;
}

int cm_source_reader_init(struct cm_source_reader *r, const char *source_path,
			  const char *trim_path, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->trim_path = trim_path ? trim_path : "";
	if (source_path && *source_path) {
		r->search_path = source_path;
		return 0;
	}
	if (!(r->wd = go_getwd())) {
		char msg[128];
		cm_go_strerror(errno, msg, sizeof(msg));
		snprintf(err, errlen, "could not stat current dir: %s", msg);
		return -1;
	}
	r->search_path = r->wd;
	return 0;
}
