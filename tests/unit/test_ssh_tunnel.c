/* ssh_tunnel against a stand-in for ssh (fake_ssh.py, run through
 * $CMON_SSH_COMMAND's path): the words of -ssh-opts, routes, the command
 * line, up, refused (with the banner's escapes made harmless), reconnects
 * with backoff, cancelling a wait, a command that is not there, and that
 * no ssh outlives its owner, whether it frees the tunnels or just dies.
 * tests/ssh/run.sh does the same against a real sshd. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cmon/net/ssh_tunnel.h"

static char fake_cmd[600];
static char log_path[256];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(int ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Drives ts until tunnel 0 is in state want, for at most secs. */
static bool drive_until(struct cm_tunnels *ts, enum cm_tunnel_state want, double secs)
{
	double end = now_s() + secs;
	struct cm_tunnel_info in;
	do {
		struct pollfd fds[8];
		int n = cm_tunnels_pollfds(ts, fds, 8);
		poll(fds, (nfds_t)n, 20);
		cm_tunnels_drive(ts, now_s());
		cm_tunnels_info(ts, 0, &in);
		if (in.state == want)
			return true;
	} while (now_s() < end);
	return false;
}

static struct cm_tunnels *make(const char *mode, const char *extra, bool retry)
{
	setenv("FAKE_SSH", mode, 1);
	struct cm_tunnel_opts o = {.command = fake_cmd, .extra = extra, .retry = retry};
	char err[256] = "";
	struct cm_tunnels *ts = cm_tunnels_new(&o, err, sizeof(err));
	CHECK_MSG(ts != NULL, "cm_tunnels_new: %s", err);
	return ts;
}

/* The last pid fake_ssh.py logged, and its command line in line. */
static long last_logged(char *line, size_t cap)
{
	FILE *f = fopen(log_path, "r");
	long pid = -1;
	char buf[4096];
	while (f && fgets(buf, sizeof(buf), f)) {
		char *sp = strchr(buf, ' ');
		pid = strtol(buf, NULL, 10);
		snprintf(line, cap, "%s", sp ? sp + 1 : "");
	}
	if (f)
		fclose(f);
	return pid;
}

static bool gone(long pid)
{
	for (int i = 0; i < 200; i++) {
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
			return true;
		nap_ms(10);
	}
	return false;
}

static void free_list(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static void test_words(void)
{
	char **v = NULL, err[128];
	size_t n = 0;
	CHECK(cm_shell_words(" -F /dev/null -o \"A=/a b\" -i 'k e\"y' a\\ b \"\" \"x\\\"y\" ", &v,
			     &n, 16, err, sizeof(err)) == 0);
	const char *want[] = {"-F", "/dev/null", "-o", "A=/a b", "-i", "k e\"y", "a b", "", "x\"y"};
	CHECK_MSG(n == 9, "%zu words", n);
	for (size_t i = 0; i < n && i < 9; i++)
		CHECK_STR(v[i], want[i], "word");
	CHECK(n < 9 || v[n] == NULL);
	free_list(&v, &n);
	CHECK(cm_shell_words("-o 'x", &v, &n, 16, err, sizeof(err)) == -1);
	CHECK_ERR(err, "unclosed quote", "unclosed");
	free_list(&v, &n);
	CHECK(cm_shell_words("a b c", &v, &n, 2, err, sizeof(err)) == -1);
	CHECK_ERR(err, "more than 2 words", "too many");
	free_list(&v, &n);

	struct cm_tunnel_opts o = {.extra = "-o \"x"};
	CHECK(cm_tunnels_new(&o, err, sizeof(err)) == NULL);
	CHECK_ERR(err, "-ssh-opts: unclosed quote", "bad -ssh-opts");
}

static void test_routes(void)
{
	struct cm_tunnels *ts = make("up", NULL, false);
	if (!ts)
		return;
	const char *a, *b, *c, *d;
	char err[256];
	CHECK(cm_tunnels_route(ts, "app1", "localhost", 6060, &a, err, sizeof(err)) == 0);
	CHECK(cm_tunnels_route(ts, "app1", "localhost", 6060, &b, err, sizeof(err)) == 0);
	CHECK(a == b);
	CHECK(cm_tunnels_route(ts, "app1", "localhost", 6061, &c, err, sizeof(err)) == 0);
	CHECK(cm_tunnels_route(ts, "me@app2:2222", "[::1]", 6060, &d, err, sizeof(err)) == 1);
	CHECK(strcmp(a, c) && strcmp(c, d));
	CHECK(cm_tunnels_count(ts) == 2);
	CHECK(cm_tunnels_route(ts, "-oProxyCommand=x", "h", 1, &d, err, sizeof(err)) == -1);
	CHECK_ERR(err, "bad ssh destination", "bad dest");
	CHECK(cm_tunnels_route(ts, "app1", "-x", 1, &d, err, sizeof(err)) == -1);
	CHECK_ERR(err, "bad host", "bad host");
	/* the private directory: the sockets' parent, ours alone */
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", a);
	*strrchr(dir, '/') = '\0';
	struct stat st;
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	cm_tunnels_free(ts);
	CHECK_MSG(stat(dir, &st) < 0, "%s left behind", dir);
}

static void test_up_and_free(void)
{
	unlink(log_path);
	struct cm_tunnels *ts = make("up", "-F /dev/null -o 'IdentityFile=/k y'", false);
	if (!ts)
		return;
	const char *s1, *s2;
	char err[256], line[4096] = "";
	cm_tunnels_route(ts, "me@app2:2222", "localhost", 6060, &s1, err, sizeof(err));
	cm_tunnels_route(ts, "me@app2:2222", "db1", 6061, &s2, err, sizeof(err));
	cm_tunnels_start(ts, now_s());
	CHECK(drive_until(ts, CM_TUNNEL_UP, 10));
	struct stat st;
	CHECK(stat(s1, &st) == 0 && S_ISSOCK(st.st_mode));
	struct cm_tunnel_info in;
	cm_tunnels_info(ts, 0, &in);
	CHECK_STR(in.name, "me@app2:2222", "name");
	CHECK(in.was_up && in.attempts == 1);
	CHECK_STR(in.message, "", "no message when up");
	long pid = last_logged(line, sizeof(line));
	CHECK(pid > 0);
	/* the fixed options, then the user's, then the defaults, then the forwards */
	char want[1024];
	snprintf(want, sizeof(want),
		 "-N -o ExitOnForwardFailure=yes -o BatchMode=yes -o ControlPath=none "
		 "-o StreamLocalBindUnlink=yes -o StreamLocalBindMask=0177 -F /dev/null "
		 "-o IdentityFile=/k y -o ConnectTimeout=10 -o ServerAliveInterval=5 "
		 "-o ServerAliveCountMax=3 -L %s:localhost:6060 -L %s:db1:6061 -p 2222 -l me -- "
		 "app2\n", s1, s2);
	CHECK_STR(line, want, "ssh's command line");
	cm_tunnels_free(ts);
	CHECK_MSG(gone(pid), "ssh %ld outlived cm_tunnels_free", pid);
}

static void test_refused(void)
{
	struct cm_tunnels *ts = make("deny", NULL, false);
	if (!ts)
		return;
	const char *s;
	char err[256];
	cm_tunnels_route(ts, "root@10.0.0.1", "localhost", 6060, &s, err, sizeof(err));
	CHECK(cm_tunnels_wait(ts, -1) == -1);
	struct cm_tunnel_info in;
	cm_tunnels_info(ts, 0, &in);
	CHECK(in.state == CM_TUNNEL_FAILED && !in.was_up);
	CHECK_STR(in.message, "root@10.0.0.1: Permission denied (publickey).", "ssh's words");
	cm_tunnels_free(ts);

	/* escapes never reach the screen; a last line without '\n' counts */
	ts = make("garble", NULL, false);
	if (!ts)
		return;
	cm_tunnels_route(ts, "h", "localhost", 1, &s, err, sizeof(err));
	cm_tunnels_start(ts, now_s());
	CHECK(drive_until(ts, CM_TUNNEL_FAILED, 10));
	cm_tunnels_info(ts, 0, &in);
	CHECK_STR(in.message, "bad ?[2J? news", "control bytes replaced");
	cm_tunnels_free(ts);
}

static void test_reconnect(void)
{
	struct cm_tunnels *ts = make("flap", NULL, true);
	if (!ts)
		return;
	const char *s;
	char err[256];
	cm_tunnels_route(ts, "h", "localhost", 1, &s, err, sizeof(err));
	double t0 = now_s();
	cm_tunnels_start(ts, t0);
	CHECK(drive_until(ts, CM_TUNNEL_UP, 10));
	CHECK(drive_until(ts, CM_TUNNEL_WAITING, 10));
	struct cm_tunnel_info in;
	cm_tunnels_info(ts, 0, &in);
	double ended = now_s();
	CHECK_STR(in.message, "Connection to 10.0.0.1 closed by remote host.", "why it ended");
	CHECK_MSG(in.retry_at > ended + 0.5 && in.retry_at < ended + 1.5, "first retry in %.2f s",
		  in.retry_at - ended);
	CHECK(cm_tunnels_next(ts, ended) <= in.retry_at);
	struct stat st;
	CHECK_MSG(stat(s, &st) < 0, "a dead tunnel's socket is removed");
	CHECK(drive_until(ts, CM_TUNNEL_CONNECTING, 3));
	CHECK(drive_until(ts, CM_TUNNEL_UP, 10));
	cm_tunnels_info(ts, 0, &in);
	CHECK(in.attempts == 2);
	CHECK(drive_until(ts, CM_TUNNEL_WAITING, 10));
	cm_tunnels_info(ts, 0, &in);
	ended = now_s();
	CHECK_MSG(in.retry_at > ended + 1.5 && in.retry_at < ended + 2.5, "second retry in %.2f s",
		  in.retry_at - ended);
	cm_tunnels_free(ts);
}

static void test_cancel_and_missing(void)
{
	struct cm_tunnels *ts = make("hang", NULL, false);
	if (!ts)
		return;
	const char *s;
	char err[256], line[4096];
	cm_tunnels_route(ts, "h", "localhost", 1, &s, err, sizeof(err));
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	double t0 = now_s();
	CHECK(cm_tunnels_wait(ts, p[0]) == -1);
	CHECK(now_s() - t0 < 5);
	long pid = last_logged(line, sizeof(line));
	close(p[0]);
	close(p[1]);
	cm_tunnels_free(ts);
	CHECK_MSG(gone(pid), "a hanging ssh outlived cm_tunnels_free");

	struct cm_tunnel_opts o = {.command = "/nonexistent/ssh"};
	ts = cm_tunnels_new(&o, err, sizeof(err));
	if (!ts)
		return;
	cm_tunnels_route(ts, "h", "localhost", 1, &s, err, sizeof(err));
	CHECK(cm_tunnels_wait(ts, -1) == -1);
	struct cm_tunnel_info in;
	cm_tunnels_info(ts, 0, &in);
	CHECK_MSG(strstr(in.message, "/nonexistent/ssh") && strstr(in.message, "not found"),
		  "message: %s", in.message);
	cm_tunnels_free(ts);
}

/* The owner dies without a word: ssh gets SIGTERM from the kernel. */
static void test_owner_dies(void)
{
	unlink(log_path);
	pid_t child = fork();
	if (child == 0) {
		struct cm_tunnels *ts = make("up", NULL, false);
		const char *s;
		char err[256];
		if (!ts || cm_tunnels_route(ts, "h", "localhost", 1, &s, err, sizeof(err)) < 0 ||
		    cm_tunnels_wait(ts, -1) < 0)
			_exit(1);
		_exit(0); /* no cm_tunnels_free */
	}
	int st = 1;
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char line[4096];
	long pid = last_logged(line, sizeof(line));
	CHECK(pid > 0);
	CHECK_MSG(pid > 0 && gone(pid), "ssh %ld outlived its owner", pid);
	/* its directory is left (nobody was there to remove it): clean up */
	char *l = strstr(line, "-L /"), *colon = l ? strchr(l, ':') : NULL;
	if (colon) {
		*colon = '\0';
		unlink(l + 3);
		*strrchr(l, '/') = '\0';
		CHECK(rmdir(l + 3) == 0);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_ssh_tunnel FAKE_SSH_PY\n");
		return 2;
	}
	snprintf(fake_cmd, sizeof(fake_cmd), "python3 '%s'", argv[1]);
	snprintf(log_path, sizeof(log_path), "/tmp/cmon-test-ssh-%ld.log", (long)getpid());
	setenv("FAKE_SSH_LOG", log_path, 1);
	signal(SIGPIPE, SIG_IGN);
	test_words();
	test_routes();
	test_up_and_free();
	test_refused();
	test_reconnect();
	test_cancel_and_missing();
	test_owner_dies();
	unlink(log_path);
	return check_status("ssh_tunnel");
}
