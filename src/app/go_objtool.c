/* go_objtool: runs `go tool nm` and `go tool objdump` for -disasm: no
 * shell (posix_spawnp with an argv), "--" before the file name, stdout and
 * stderr read to the end within a bound. A binary is hostile input: a
 * tool's output past the bound is an error, never a bigger buffer. */
#include "go_objtool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmon/base/pathutil.h"
#include "cmon/base/strbuf.h"

extern char **environ;

enum { OUT_LIMIT = 256 << 20, ERR_LIMIT = 64 << 10 };

/* Reads fd into b until EOF; false when b would pass limit (the rest is
 * drained, so that the child never blocks on a full pipe). */
static bool read_some(int fd, struct cm_strbuf *b, size_t limit, bool *eof)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		*eof = true;
		return true;
	}
	if (b->len + (size_t)n > limit)
		return false;
	cm_strbuf_add(b, buf, (size_t)n);
	return true;
}

/* Starts argv with stdout and stderr on pipes (the child's signals as by
 * default: cmon pprof may be holding SIGINT and SIGTERM for a signalfd). */
static int spawn(char **argv, pid_t *pid, int fds[2])
{
	int o[2], e[2];
	if (pipe2(o, O_CLOEXEC) < 0)
		return errno;
	if (pipe2(e, O_CLOEXEC) < 0) {
		int err = errno;
		close(o[0]), close(o[1]);
		return err;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, e[1], 2);
	posix_spawnattr_init(&at);
	sigset_t none, dfl;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE), sigaddset(&dfl, SIGINT), sigaddset(&dfl, SIGTERM), sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int err = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(o[1]), close(e[1]);
	if (err) {
		close(o[0]), close(e[0]);
		return err;
	}
	fds[0] = o[0], fds[1] = e[0];
	return 0;
}

/* Runs argv: 0 with its exit status in *status, or an errno. out and errs
 * get its output (errs cut at ERR_LIMIT); E2BIG when out passes OUT_LIMIT. */
static int run(char **argv, struct cm_strbuf *out, struct cm_strbuf *errs, int *status)
{
	pid_t pid;
	int fds[2];
	int e = spawn(argv, &pid, fds);
	if (e)
		return e;
	bool eof[2] = {false, false}, too_big = false;
	while (!eof[0] || !eof[1]) {
		struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (!eof[0] && p[0].revents && !read_some(fds[0], out, OUT_LIMIT, &eof[0])) {
			too_big = true;
			kill(pid, SIGKILL);
			break;
		}
		if (!eof[1] && p[1].revents && !read_some(fds[1], errs, ERR_LIMIT, &eof[1]))
			eof[1] = true; /* enough of its words */
	}
	close(fds[0]), close(fds[1]);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (out->oom || errs->oom)
		return ENOMEM;
	return too_big ? E2BIG : 0;
}

/* The first line of a tool's stderr, or what went wrong running it. */
static void tool_error(const char *tool, int e, int status, const struct cm_strbuf *errs,
		       char *err, size_t errlen)
{
	if (e == E2BIG) {
		snprintf(err, errlen, "go tool %s: output over %d MiB", tool, OUT_LIMIT >> 20);
	} else if (e) {
		snprintf(err, errlen, "-disasm reads binaries with Go's tools, as go tool pprof "
				      "does: cannot run go tool %s: %s", tool, strerror(e));
	} else {
		const char *s = errs->s ? errs->s : "";
		size_t n = strcspn(s, "\n");
		if (n)
			snprintf(err, errlen, "%.*s", (int)n, s);
		else
			snprintf(err, errlen, "go tool %s failed (status %d)", tool, status);
	}
}

static int symbols(void *ctx, const char *file, char **text, size_t *len, char *err, size_t errlen)
{
	(void)ctx;
	/* pprof's Open, in Go's words, without needing the go command */
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		char msg[256];
		snprintf(err, errlen, "open %s: %s", file, cm_go_strerror(errno, msg, sizeof(msg)));
		return 1;
	}
	close(fd);
	char go[] = "go", tool[] = "tool", nm[] = "nm", size[] = "-size", sort[] = "-sort=none",
	     dash[] = "--";
	char *argv[] = {go, tool, nm, size, sort, dash, (char *)file, NULL};
	struct cm_strbuf out = {0}, errs = {0};
	int status = 0;
	int e = run(argv, &out, &errs, &status);
	int rc = 0;
	if (e || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tool_error("nm", e, status, &errs, err, errlen);
		/* the go command itself missing ends the report; a file that is no
		 * object file is said on stdout (pprof's Open); no symbols: skipped */
		rc = e && e != E2BIG ? -2 : !strncmp(err, "open ", 5) ? 1 : -1;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !errs.len)
			rc = -2;
		cm_strbuf_free(&out);
	} else {
		*text = out.s;
		*len = out.len;
	}
	cm_strbuf_free(&errs);
	return rc;
}

static int disasm(void *ctx, const char *file, uint64_t start, uint64_t end, char **text,
		  size_t *len, char *err, size_t errlen)
{
	(void)ctx;
	char s[32], e[32];
	snprintf(s, sizeof(s), "%#" PRIx64, start);
	snprintf(e, sizeof(e), "%#" PRIx64, end);
	char go[] = "go", tool[] = "tool", objdump[] = "objdump", dash[] = "--";
	char *argv[] = {go, tool, objdump, dash, (char *)file, s, e, NULL};
	struct cm_strbuf out = {0}, errs = {0};
	int status = 0;
	int rc = run(argv, &out, &errs, &status);
	if (rc || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		tool_error("objdump", rc, status, &errs, err, errlen);
		cm_strbuf_free(&out);
		rc = -1;
	} else {
		*text = out.s;
		*len = out.len;
	}
	cm_strbuf_free(&errs);
	return rc;
}

void cm_go_objtool_init(struct cm_objtool *t)
{
	*t = (struct cm_objtool){NULL, symbols, disasm};
}
