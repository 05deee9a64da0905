/* pprof_save: go tool pprof's saved copy of a fetched profile (its
 * fetchProfiles, setTmpDir and newTempFile). */
#include "pprof_save.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cmon/base/pathutil.h"
#include "cmon/base/strbuf.h"

/* os.MkdirAll(dir, 0755): every missing parent too. 0, or -1 with errno
 * and the path that failed in failed. */
static int mkdir_all(const char *dir, char *failed, size_t failedlen)
{
	char path[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(path)) {
		errno = n ? ENAMETOOLONG : ENOENT;
		snprintf(failed, failedlen, "%s", dir);
		return -1;
	}
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char c = path[i];
		path[i] = '\0';
		struct stat st;
		if (stat(path, &st) < 0 && (mkdir(path, 0755) < 0 && errno != EEXIST)) {
			snprintf(failed, failedlen, "%s", path);
			return -1;
		}
		if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			snprintf(failed, failedlen, "%s", path);
			return -1;
		}
		path[i] = c;
	}
	return 0;
}

/* setTmpDir: the first directory of PPROF_TMPDIR, $HOME/pprof,
 * os.TempDir() that exists or can be made, cleaned as filepath.Join
 * cleans it. -1 when none can. Each one skipped adds pprof's "Could not
 * use temp dir" line to warn (NULL: none kept). */
static int pick_dir(char *out, size_t outlen, struct cm_strbuf *warn)
{
	char home[4096] = "";
	const char *env_home = getenv("HOME");
	if (env_home && *env_home)
		snprintf(home, sizeof(home), "%s/pprof", env_home);
	const char *tmp = getenv("TMPDIR");
	const char *dirs[3] = {getenv("PPROF_TMPDIR"), home, tmp && *tmp ? tmp : "/tmp"};
	for (int i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		char failed[4096], msg[256];
		if (mkdir_all(dirs[i], failed, sizeof(failed)) < 0) {
			if (warn) {
				char line[8448];
				snprintf(line, sizeof(line), "Could not use temp dir %s: mkdir %s: %s\n",
					 dirs[i], failed, cm_go_strerror(errno, msg, sizeof(msg)));
				cm_strbuf_str(warn, line);
			}
			continue;
		}
		cm_path_clean(dirs[i], out, outlen);
		return 0;
	}
	return -1;
}

/* "pprof." + the program's base name + "." + each sample type + "." */
static void name_prefix(struct cm_strbuf *b, const struct cm_profile *p, const char *exec_name)
{
	cm_strbuf_str(b, "pprof.");
	const char *file = exec_name ? exec_name : p->nmappings > 0 ? p->mappings[0].file : "";
	if (*file) {
		size_t n;
		const char *base = cm_path_base(file, strlen(file), &n);
		cm_strbuf_add(b, base, n);
		cm_strbuf_str(b, ".");
	}
	for (size_t i = 0; i < p->nsample_types; i++) {
		cm_strbuf_str(b, p->sample_types[i].type);
		cm_strbuf_str(b, ".");
	}
}

/* newTempFile: DIR/PREFIXnnn.pb.gz with the first nnn from 001 that does
 * not exist yet (O_EXCL, so two runs never share one). fd, or -1 with
 * errno and the name tried in path. */
static int create_numbered(const char *dir, const char *prefix, char *path, size_t pathlen)
{
	for (int i = 1; i < 10000; i++) {
		snprintf(path, pathlen, "%s/%s%03d.pb.gz", dir, prefix, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	snprintf(path, pathlen, "%s/%s%03d.pb.gz", dir, prefix, 1);
	errno = EEXIST;
	return -1;
}

static int write_all(int fd, const unsigned char *d, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, d, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		d += w;
		n -= (size_t)w;
	}
	return 0;
}

/* gzip of data, for a profile served as raw protobuf (pprof writes .pb.gz).
 * malloc'd, NULL when memory runs out. */
static unsigned char *gzip_of(const unsigned char *data, size_t len, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, (uLong)len) + 32;
	unsigned char *out = malloc(cap);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (!out || len > UINT32_MAX || deflate(&z, Z_FINISH) != Z_STREAM_END) {
		free(out);
		out = NULL;
	}
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static int write_profile(int fd, const unsigned char *data, size_t len)
{
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		return write_all(fd, data, len);
	size_t n;
	unsigned char *gz = gzip_of(data, len, &n);
	if (!gz) {
		errno = ENOMEM;
		return -1;
	}
	int rc = write_all(fd, gz, n);
	free(gz);
	return rc;
}

/* The file name's start for p: name_prefix made safe. The names come
 * from the network: no "/" (it would leave dir) and no control
 * characters (the path is printed). 0, or -1 when memory ran out. */
static int safe_prefix(struct cm_strbuf *b, const struct cm_profile *p, const char *exec_name)
{
	name_prefix(b, p, exec_name);
	if (b->oom)
		return -1;
	for (char *c = b->s; *c; c++)
		if (*c == '/' || (unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '_';
	if (b->len > 200) /* NAME_MAX is 255 */
		b->s[200] = '\0';
	return 0;
}

/* Writes data as a .pb.gz into fd (closed here). 0, or -1 with errno. */
static int write_close(int fd, const unsigned char *data, size_t len)
{
	bool ok = write_profile(fd, data, len) == 0;
	int e = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		e = errno;
	}
	errno = e;
	return ok ? 0 : -1;
}

int cm_pprof_save_to(const unsigned char *data, size_t len, const struct cm_profile *p,
		     const char *exec_name, struct cm_strbuf *out)
{
	char dir[4096], path[8192], msg[256], line[8704];
	if (pick_dir(dir, sizeof(dir), out) < 0) {
		cm_strbuf_str(out, "cmon pprof: failed to identify temp dir\n");
		return -1;
	}
	struct cm_strbuf prefix = {0};
	if (safe_prefix(&prefix, p, exec_name) < 0) {
		cm_strbuf_free(&prefix);
		cm_strbuf_str(out, "Could not save profile: out of memory\n");
		return 0;
	}
	int fd = create_numbered(dir, prefix.s, path, sizeof(path));
	cm_strbuf_free(&prefix);
	if (fd < 0)
		snprintf(line, sizeof(line), "Could not save profile: open %s: %s\n", path,
			 cm_go_strerror(errno, msg, sizeof(msg)));
	else if (write_close(fd, data, len) == 0)
		snprintf(line, sizeof(line), "Saved profile in %s\n", path);
	else
		snprintf(line, sizeof(line), "Could not save profile: write %s: %s\n", path,
			 cm_go_strerror(errno, msg, sizeof(msg)));
	cm_strbuf_str(out, line);
	return 0;
}

int cm_pprof_save(const unsigned char *data, size_t len, const struct cm_profile *p,
		  const char *exec_name)
{
	struct cm_strbuf out = {0};
	int rc = cm_pprof_save_to(data, len, p, exec_name, &out);
	if (out.s)
		fputs(out.s, stderr);
	if (out.oom)
		fputs("Could not save profile: out of memory\n", stderr);
	cm_strbuf_free(&out);
	return rc;
}

int cm_pprof_save_path(const struct cm_profile *p, const char *exec_name, char *path,
		       size_t len, char *msg, size_t msglen)
{
	char dir[4096];
	struct cm_strbuf prefix = {0};
	if (pick_dir(dir, sizeof(dir), NULL) < 0) {
		snprintf(msg, msglen, "no directory to save in ($PPROF_TMPDIR, ~/pprof, $TMPDIR)");
		return -1;
	}
	if (safe_prefix(&prefix, p, exec_name) < 0) {
		cm_strbuf_free(&prefix);
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	struct stat st;
	int i = 1;
	do
		snprintf(path, len, "%s/%s%03d.pb.gz", dir, prefix.s, i);
	while (lstat(path, &st) == 0 && ++i < 10000);
	cm_strbuf_free(&prefix);
	return 0;
}

int cm_pprof_save_path_of(const unsigned char *data, size_t len, uint64_t max_inflated,
			  const char *exec_name, char *path, size_t pathlen)
{
	char err[256];
	struct cm_decode_limits lim = {.max_inflated = max_inflated,
					.drop_labels = true}; /* names need no labels */
	struct cm_profile *p = cm_profile_decode(data, len, &lim, err, sizeof(err));
	if (!p) {
		snprintf(path, pathlen, "%s", err);
		return -1;
	}
	int rc = cm_pprof_save_path(p, exec_name, path, pathlen, err, sizeof(err));
	cm_profile_free(p);
	if (rc < 0)
		snprintf(path, pathlen, "%s", err);
	return rc;
}

int cm_pprof_write_new(const char *path, const unsigned char *data, size_t len, char *msg,
		       size_t msglen)
{
	char why[256], home_path[4096];
	const char *home = getenv("HOME");
	if (!strncmp(path, "~/", 2) && home && *home) { /* as a shell would read it */
		snprintf(home_path, sizeof(home_path), "%s/%s", home, path + 2);
		path = home_path;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		int e = errno;
		if (e == EEXIST)
			snprintf(msg, msglen, "%s exists: not overwritten (w again: another name)", path);
		else
			snprintf(msg, msglen, "open %s: %s", path, cm_go_strerror(e, why, sizeof(why)));
		return -1;
	}
	if (write_close(fd, data, len) < 0) {
		int e = errno;
		unlink(path); /* no half profile left behind */
		snprintf(msg, msglen, "write %s: %s", path, cm_go_strerror(e, why, sizeof(why)));
		return -1;
	}
	/* the name first: a status line cuts the end of what it cannot show */
	size_t blen;
	const char *base = cm_path_base(path, strlen(path), &blen);
	size_t dlen = (size_t)(base - path);
	while (dlen > 1 && path[dlen - 1] == '/')
		dlen--;
	if (base == path)
		snprintf(msg, msglen, "saved %.*s", (int)blen, base);
	else
		snprintf(msg, msglen, "saved %.*s in %.*s", (int)blen, base, (int)dlen, path);
	return 0;
}
