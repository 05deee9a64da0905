/* report_out: a report's destination (stdout, -output, dot). See
 * report_out.h. */
#include "report_out.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmon/base/pathutil.h"
#include "cmon/base/strbuf.h"
#include "dot_run.h"

#define DOT_TIMEOUT_S 600 /* dot on a graph of pprof's 80 nodes takes well under a second */

/* newTempFile("", "profile", "."+suffix): the first free profileNNN.SUFFIX. */
static int away_from_tty(const char *suffix, char *name, size_t len, char *err, size_t errlen)
{
	for (int i = 1; i < 10000; i++) {
		snprintf(name, len, "profile%03d.%s", i, suffix);
		int fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST) {
			if (fd < 0) {
				char msg[256];
				snprintf(err, errlen, "open %s: %s", name,
					 cm_go_strerror(errno, msg, sizeof(msg)));
			}
			return fd;
		}
	}
	snprintf(err, errlen, "could not create file of the form profile001.%s", suffix);
	return -1;
}

static int write_all(int fd, const char *s, size_t len, const char *name, char *err, size_t errlen)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			char msg[256];
			snprintf(err, errlen, "write %s: %s", name, cm_go_strerror(errno, msg, sizeof(msg)));
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The text for a terminal: control characters and bytes that are no
 * character in the locale shown as '?', so that names in a profile cannot
 * send escapes. */
static size_t clean_for_terminal(char *text, size_t len)
{
	setlocale(LC_CTYPE, ""); /* only now: the report itself is locale-free */
	bool utf8 = cm_codeset_is_utf8(nl_langinfo(CODESET));
	return cm_text_clean(text, len, CM_CLEAN_LINES | (utf8 ? CM_CLEAN_UTF8 : 0));
}

/* Replaces the DOT text in *text with the image dot makes of it, as pprof
 * does before it opens any file: when dot fails, nothing is written. */
static int run_dot(const char *format, char **text, size_t *len, char *err, size_t errlen)
{
	FILE *img = tmpfile();
	if (!img) {
		char msg[256];
		snprintf(err, errlen, "a temporary file for dot: %s",
			 cm_go_strerror(errno, msg, sizeof(msg)));
		return -1;
	}
	int rc = cm_dot_run(format, *text, *len, fileno(img), DOT_TIMEOUT_S, err, errlen);
	long size = rc == 0 ? lseek(fileno(img), 0, SEEK_END) : -1;
	char *out = size >= 0 ? malloc((size_t)size + 1) : NULL;
	if (rc == 0 && (!out || pread(fileno(img), out, (size_t)size, 0) != size)) {
		snprintf(err, errlen, "reading dot's output: %s", out ? strerror(errno) : "out of memory");
		rc = -1;
	}
	fclose(img);
	if (rc < 0) {
		free(out);
		return -1;
	}
	free(*text);
	*text = out;
	*len = (size_t)size;
	return 0;
}

static int render_to_memory(cm_render_fn render, void *ctx, char **text, size_t *len, char *err,
			    size_t errlen)
{
	FILE *mem = open_memstream(text, len);
	if (!mem) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = render(ctx, mem, err, errlen);
	bool failed = ferror(mem) != 0;
	if ((fclose(mem) != 0 || failed || !*text) && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	return rc;
}

static int to_file(const struct cm_report_dest *d, char *text, size_t len, char *err,
		   size_t errlen)
{
	char name[64];
	const char *path = d->output;
	int fd;
	if (path) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			char msg[256];
			snprintf(err, errlen, "open %s: %s", path, cm_go_strerror(errno, msg, sizeof(msg)));
		}
	} else {
		fd = away_from_tty(d->binary_suffix, name, sizeof(name), err, errlen);
		path = name;
	}
	if (fd < 0)
		return -1;
	fprintf(stderr, "Generating report in %s\n", path);
	int rc = write_all(fd, text, len, path, err, errlen);
	if (close(fd) < 0 && rc == 0) {
		char msg[256];
		snprintf(err, errlen, "close %s: %s", path, cm_go_strerror(errno, msg, sizeof(msg)));
		rc = -1;
	}
	return rc;
}

int cm_report_out(const struct cm_report_dest *d, cm_render_fn render, void *ctx, char *err,
		  size_t errlen)
{
	bool tty = isatty(STDOUT_FILENO);
	/* the common case streams: text into a pipe or a file */
	if (!d->output && !d->image && !tty)
		return render(ctx, stdout, err, errlen);
	char *text = NULL;
	size_t len = 0;
	int rc = render_to_memory(render, ctx, &text, &len, err, errlen);
	if (rc == 0 && d->image)
		rc = run_dot(d->image, &text, &len, err, errlen);
	if (rc < 0) {
		free(text);
		return rc;
	}
	/* pprof sends binary output to a file only when its readline UI
	 * runs (TERM set, stdin a terminal too) and otherwise writes it onto
	 * the terminal; here a terminal never gets raw bytes, which could
	 * carry escapes from the profile. */
	if (d->output || (d->binary_suffix && tty)) {
		rc = to_file(d, text, len, err, errlen);
	} else {
		if (tty)
			len = clean_for_terminal(text, len);
		fwrite(text, 1, len, stdout); /* main flushes, and says when that fails */
	}
	free(text);
	return rc;
}
