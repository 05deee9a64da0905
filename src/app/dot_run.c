/* dot_run: fork and exec Graphviz's dot with pipes, no shell, bounded in
 * time. See dot_run.h. */
#include "dot_run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DOT_FAILED "failed to execute dot. Is Graphviz installed? Error: "

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: only async-signal-safe calls until exec. */
static void child(int in_fd, int out_fd, int err_fd, const char *format)
{
	char arg[32] = "-T";
	size_t n = strlen(format);
	if (n > sizeof(arg) - 3)
		n = sizeof(arg) - 3;
	memcpy(arg + 2, format, n);
	arg[2 + n] = '\0';
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0)
		goto fail;
	char dot_name[] = "dot";
	char *const argv[] = {dot_name, arg, NULL};
	execvp("dot", argv);
fail:;
	int e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(127);
}

/* Writes all of buf to fd (non-blocking) before the deadline. */
static int feed(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = {fd, POLLOUT, 0};
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			return -1;
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return errno == EPIPE ? 0 : -1; /* dot ended early: its status says why */
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		}
	}
	return 0;
}

/* Waits for pid until the deadline; kills it past that. */
static int reap(pid_t pid, long long deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return 1;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static int started(int err_rd, char *err, size_t errlen)
{
	int e = 0;
	ssize_t n;
	while ((n = read(err_rd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(e))
		return 0;
	if (e == ENOENT) /* Go's exec.LookPath words */
		snprintf(err, errlen, DOT_FAILED "exec: \"dot\": executable file not found in $PATH");
	else
		snprintf(err, errlen, DOT_FAILED "exec: \"dot\": %s", strerror(e));
	return -1;
}

int cm_dot_run(const char *format, const char *dot, size_t len, int out_fd, int timeout_s,
	       char *err, size_t errlen)
{
	int in[2], ep[2];
	if (pipe2(in, O_CLOEXEC) < 0) {
		snprintf(err, errlen, DOT_FAILED "%s", strerror(errno));
		return -1;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(err, errlen, DOT_FAILED "%s", strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old); /* a dot that dies early must not kill cmon */
	pid_t pid = fork();
	if (pid == 0)
		child(in[0], out_fd, ep[1], format);
	close(in[0]);
	close(ep[1]);
	int rc = -1;
	if (pid < 0) {
		snprintf(err, errlen, DOT_FAILED "%s", strerror(errno));
		close(in[1]);
		close(ep[0]);
		sigaction(SIGPIPE, &old, NULL);
		return -1;
	}
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	int status = 0;
	if (started(ep[0], err, errlen) < 0) {
		close(in[1]);
		reap(pid, deadline, &status);
		goto done;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	int fed = feed(in[1], dot, len, deadline);
	close(in[1]);
	int waited = reap(pid, fed < 0 ? now_ms() : deadline, &status);
	if (waited > 0 || fed < 0)
		snprintf(err, errlen, DOT_FAILED "no result after %d s", timeout_s);
	else if (waited < 0)
		snprintf(err, errlen, DOT_FAILED "%s", strerror(errno));
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, DOT_FAILED "signal: %s", strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0) /* Go's ExitError */
		snprintf(err, errlen, DOT_FAILED "exit status %d", WEXITSTATUS(status));
	else
		rc = 0;
done:
	close(ep[0]);
	sigaction(SIGPIPE, &old, NULL);
	return rc;
}
