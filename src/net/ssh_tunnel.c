/* ssh_tunnel: one ssh process per host, Unix sockets as the local ends
 * (see ssh_tunnel.h for the contract and the command line).
 *
 * Choices made here:
 * - $CMON_SSH_COMMAND runs as git runs $GIT_SSH_COMMAND, through
 *   `sh -c 'exec CMD "$@"'`, so its quoting, ~ and $VARS work as people
 *   expect; the `exec` makes the process we watch and kill ssh itself.
 *   -ssh-opts is split by cm_shell_words: the shell that ran cmon already
 *   expanded it once.
 * - ssh gets cmon's environment less HTTP_USER and HTTP_PASSWORD: the
 *   services' credentials are none of its business (nor of SendEnv's).
 * - "Up" is all of a tunnel's sockets existing, checked with stat every
 *   50 ms while it connects: ssh binds its -L listeners only after it has
 *   logged in, so the files are the sign, and a connect to try them would
 *   open a channel to the service for nothing. ssh binds them in order,
 *   so the check resumes where it stopped.
 * - ssh's stderr is read into a bounded line buffer; control and non-ASCII
 *   bytes become '?' (a server's banner goes there, and the text ends up on
 *   the screen); "Warning: Permanently added ..." lines are not news.
 * - ssh's end is seen by waitid(WNOWAIT) when its stderr closes and at
 *   least once a second: the zombie keeps its process group alive while
 *   that group (a ProxyCommand, say) gets SIGTERM, so the signal cannot
 *   reach a stranger that took the number. */
#include "cmon/net/ssh_tunnel.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmon/monitor/target.h"

#define WORDS_MAX 128        /* -ssh-opts words */
#define LINE_MAX_ 400        /* a stderr line kept; longer ones are cut */
#define READS_PER_DRIVE 16   /* 64 KiB of stderr at most per drive */
#define CHECK_EVERY 0.05     /* socket checks while connecting */
#define ALIVE_EVERY 1.0      /* waitid while up, in case stderr stays open */
#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 30.0
#define STABLE_UP 30.0       /* up this long: the next failure starts over at 1 s */
#define KILL_GRACE_MS 2000   /* SIGTERM, then SIGKILL */
#define FORWARDS_MAX 10000   /* per tunnel, as many as -ports allows */

struct forward {
	char *host;   /* as ssh -L wants it: a name, an address, "[v6]" */
	unsigned port;
	char *socket; /* DIR/N.sock */
};

struct tunnel {
	char *name;                 /* the destination as given, the key */
	struct cm_ssh_dest dest;
	struct forward *fwd;
	size_t nfwd, ready;         /* forwards; how many sockets were seen */
	pid_t pid;                  /* 0 when no ssh runs */
	int errfd;                  /* ssh's stderr, -1 when closed */
	enum cm_tunnel_state state;
	unsigned attempts;
	bool was_up, gave_up;
	double started, up_since, retry_at, backoff;
	char line[LINE_MAX_];       /* the stderr line being read */
	size_t linelen;
	char last[LINE_MAX_];       /* the last complete one worth showing */
	char message[LINE_MAX_ + 72];
};

struct cm_tunnels {
	char dir[64];
	char *command;     /* $CMON_SSH_COMMAND, or NULL */
	char **extra;      /* -ssh-opts words */
	size_t nextra;
	bool retry;
	struct tunnel *v;
	size_t n;
	size_t nsockets;   /* sockets named so far: the next is nsockets.sock */
};

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen,
							  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- words ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* One word from *sp into w (room for strlen(*sp) bytes); -1 on an unclosed
 * quote. */
static int one_word(const char **sp, char *w, size_t *n)
{
	const char *s = *sp;
	*n = 0;
	while (*s && !is_blank(*s)) {
		char q = *s;
		if (q == '\'' || q == '"') {
			for (s++; *s && *s != q; s++) {
				if (q == '"' && *s == '\\' && s[1] && strchr("\"\\$`", s[1]))
					s++;
				w[(*n)++] = *s;
			}
			if (!*s)
				return -1;
			s++;
		} else {
			if (q == '\\' && s[1])
				s++;
			w[(*n)++] = *s++;
		}
	}
	*sp = s;
	return 0;
}

static int push_word(char ***argv, size_t *argc, const char *w, size_t n)
{
	char **v = realloc(*argv, (*argc + 2) * sizeof(*v));
	if (!v)
		return -1;
	*argv = v;
	if (!(v[*argc] = malloc(n + 1)))
		return -1;
	memcpy(v[*argc], w, n);
	v[*argc][n] = '\0';
	v[++*argc] = NULL;
	return 0;
}

int cm_shell_words(const char *s, char ***argv, size_t *argc, size_t max, char *err,
		   size_t errlen)
{
	char *w = malloc(strlen(s) + 1);
	int rc = w ? 0 : -1;
	if (!w)
		set_err(err, errlen, "out of memory");
	while (rc == 0) {
		while (is_blank(*s))
			s++;
		if (!*s)
			break;
		size_t n;
		if (one_word(&s, w, &n) < 0)
			set_err(err, errlen, "unclosed quote");
		else if (*argc >= max)
			set_err(err, errlen, "more than %zu words", max);
		else if (push_word(argv, argc, w, n) == 0)
			continue;
		else
			set_err(err, errlen, "out of memory");
		rc = -1;
	}
	free(w);
	return rc;
}

static void free_words(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- the command line's -ssh and -ssh-opts ---- */

/* -ssh's value as an error quotes it: a password (refused anyway) hidden.
 * Not cm_url_masked: -ssh is no URL, and cm_ssh_dest_parse takes the user
 * up to the last '@' of all, a '/' included, so this hides up to there. */
static void quote_dest(char *dst, size_t cap, const char *s)
{
	const char *at = strrchr(s, '@');
	const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
	if (colon)
		snprintf(dst, cap, "%.*s***%s", (int)(colon + 1 - s), s, at);
	else
		snprintf(dst, cap, "%s", s);
}

int cm_ssh_flags_check(const char *ssh, const char *opts, char *dest, size_t cap, char *err,
		       size_t errlen)
{
	struct cm_ssh_dest d;
	char why[160], q[300];
	if (cap)
		dest[0] = '\0';
	if (ssh && cm_ssh_dest_parse(ssh, strlen(ssh), &d, why, sizeof(why)) < 0) {
		quote_dest(q, sizeof(q), ssh);
		set_err(err, errlen, "bad -ssh value \"%s\": %s", q, why);
		return -1;
	}
	if (ssh)
		cm_ssh_dest_name(&d, 1, dest, cap);
	char **v = NULL;
	size_t n = 0;
	int rc = opts ? cm_shell_words(opts, &v, &n, WORDS_MAX, why, sizeof(why)) : 0;
	free_words(v, n);
	if (rc < 0)
		set_err(err, errlen, "-ssh-opts: %s", why);
	return rc;
}

/* ---- the set ---- */

/* $XDG_RUNTIME_DIR is the user's own (0700, on tmpfs) when there is one;
 * a path with ':' would break ssh's -L syntax, a long one sun_path. */
static const char *runtime_base(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (x && x[0] == '/' && !strchr(x, ':') && strlen(x) < 40 && stat(x, &st) == 0 &&
	    S_ISDIR(st.st_mode) && access(x, W_OK | X_OK) == 0)
		return x;
	return "/tmp";
}

struct cm_tunnels *cm_tunnels_new(const struct cm_tunnel_opts *o, char *err, size_t errlen)
{
	struct cm_tunnels *ts = calloc(1, sizeof(*ts));
	if (!ts) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	ts->retry = o->retry;
	char why[128];
	if (o->command && *o->command && !(ts->command = strdup(o->command))) {
		set_err(err, errlen, "out of memory");
	} else if (o->extra &&
		   cm_shell_words(o->extra, &ts->extra, &ts->nextra, WORDS_MAX, why, sizeof(why)) < 0) {
		set_err(err, errlen, "-ssh-opts: %s", why);
	} else {
		snprintf(ts->dir, sizeof(ts->dir), "%s/cmon-ssh-XXXXXX", runtime_base());
		if (mkdtemp(ts->dir))
			return ts;
		set_err(err, errlen, "cannot make a private directory for ssh's sockets: %s",
			strerror(errno));
		ts->dir[0] = '\0';
	}
	cm_tunnels_free(ts);
	return NULL;
}

static struct tunnel *find_tunnel(struct cm_tunnels *ts, const char *dest, long *k)
{
	for (size_t i = 0; i < ts->n; i++) {
		if (!strcmp(ts->v[i].name, dest)) {
			*k = (long)i;
			return &ts->v[i];
		}
	}
	return NULL;
}

static struct tunnel *add_tunnel(struct cm_tunnels *ts, const char *dest, long *k, char *err,
				 size_t errlen)
{
	char why[160];
	struct cm_ssh_dest d;
	if (cm_ssh_dest_parse(dest, strlen(dest), &d, why, sizeof(why)) < 0) {
		set_err(err, errlen, "bad ssh destination \"%s\": %s", dest, why);
		return NULL;
	}
	if (ts->n >= CM_TUNNELS_MAX) {
		set_err(err, errlen, "more than %d ssh hosts", CM_TUNNELS_MAX);
		return NULL;
	}
	struct tunnel *v = realloc(ts->v, (ts->n + 1) * sizeof(*v));
	if (!v) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	ts->v = v;
	struct tunnel *t = &v[ts->n];
	*t = (struct tunnel){.dest = d, .errfd = -1, .backoff = BACKOFF_MIN};
	if (!(t->name = strdup(dest))) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	*k = (long)ts->n++;
	return t;
}

static const char *add_forward(struct cm_tunnels *ts, struct tunnel *t, const char *host,
			       unsigned port, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->nfwd; i++)
		if (t->fwd[i].port == port && !strcmp(t->fwd[i].host, host))
			return t->fwd[i].socket;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int w = snprintf(path, sizeof(path), "%s/%zu.sock", ts->dir, ts->nsockets);
	if (w < 0 || (size_t)w >= sizeof(path) || t->nfwd >= FORWARDS_MAX) {
		set_err(err, errlen, "too many forwards to %s", t->name);
		return NULL;
	}
	struct forward *f = realloc(t->fwd, (t->nfwd + 1) * sizeof(*f));
	if (!f) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	t->fwd = f;
	f = &f[t->nfwd];
	*f = (struct forward){.host = strdup(host), .port = port, .socket = strdup(path)};
	if (!f->host || !f->socket) {
		free(f->host);
		free(f->socket);
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	t->nfwd++;
	ts->nsockets++;
	return f->socket;
}

long cm_tunnels_route(struct cm_tunnels *ts, const char *dest, const char *host,
		      unsigned port, const char **socket, char *err, size_t errlen)
{
	if (!*host || strchr(host, '/') || host[0] == '-') {
		set_err(err, errlen, "bad host \"%s\" to forward to", host);
		return -1;
	}
	long k;
	struct tunnel *t = find_tunnel(ts, dest, &k);
	if (!t && !(t = add_tunnel(ts, dest, &k, err, errlen)))
		return -1;
	*socket = add_forward(ts, t, host, port, err, errlen);
	return *socket ? k : -1;
}

size_t cm_tunnels_count(const struct cm_tunnels *ts)
{
	return ts ? ts->n : 0;
}

/* ---- one ssh process ---- */

static void unlink_sockets(struct tunnel *t)
{
	for (size_t i = 0; i < t->nfwd; i++)
		unlink(t->fwd[i].socket);
	t->ready = 0;
}

/* Words being gathered; the first failure sticks. */
struct words {
	char **v; /* NULL-terminated */
	size_t n;
	bool ok;
};

static void push(struct words *w, const char *s)
{
	if (w->ok)
		w->ok = push_word(&w->v, &w->n, s, strlen(s)) == 0;
}

static void push_forward(struct words *w, const struct forward *f)
{
	char spec[sizeof(((struct sockaddr_un *)0)->sun_path) + 300];
	snprintf(spec, sizeof(spec), "%s:%s:%u", f->socket, f->host, f->port);
	push(w, "-L");
	push(w, spec);
}

/* The argv for t (see the header), all strings malloc'd: free_words(v, n).
 * NULL when out of memory. */
static char **build_argv(const struct cm_tunnels *ts, const struct tunnel *t, size_t *n)
{
	static const char *const fixed[] = {
		"-N", "-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes",
		"-o", "ControlPath=none", "-o", "StreamLocalBindUnlink=yes",
		"-o", "StreamLocalBindMask=0177",
	};
	struct words w = {.ok = true};
	char buf[64];
	if (ts->command) {
		size_t len = strlen(ts->command) + 16;
		char *sh = malloc(len);
		if (sh)
			snprintf(sh, len, "exec %s \"$@\"", ts->command);
		push(&w, "/bin/sh");
		push(&w, "-c");
		push(&w, sh ? sh : "");
		push(&w, "ssh"); /* $0 */
		w.ok &= sh != NULL;
		free(sh);
	} else {
		push(&w, "ssh");
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		push(&w, fixed[i]);
	for (size_t i = 0; i < ts->nextra; i++)
		push(&w, ts->extra[i]);
	snprintf(buf, sizeof(buf), "ConnectTimeout=%d", CM_TUNNEL_CONNECT_S);
	const char *defaults[] = {"-o", buf, "-o", "ServerAliveInterval=5", "-o",
				  "ServerAliveCountMax=3"};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		push(&w, defaults[i]);
	for (size_t i = 0; i < t->nfwd; i++)
		push_forward(&w, &t->fwd[i]);
	if (t->dest.port) {
		snprintf(buf, sizeof(buf), "%u", t->dest.port);
		push(&w, "-p");
		push(&w, buf);
	}
	if (t->dest.user[0]) {
		push(&w, "-l");
		push(&w, t->dest.user);
	}
	push(&w, "--");
	push(&w, t->dest.host);
	if (!w.ok) {
		free_words(w.v, w.n);
		return NULL;
	}
	*n = w.n;
	return w.v;
}

/* The environment ssh gets: cmon's, less the credentials of the services
 * (HTTP_USER, HTTP_PASSWORD), which are no business of ssh, of its
 * ProxyCommand or of the far end (SendEnv). The array is malloc'd, its
 * strings are environ's. NULL when out of memory. */
static char **child_environ(void)
{
	static const char *const drop[] = {"HTTP_USER=", "HTTP_PASSWORD="};
	size_t n = 0, k = 0;
	while (environ[n])
		n++;
	char **v = malloc((n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool keep = true;
		for (size_t j = 0; j < sizeof(drop) / sizeof(drop[0]); j++)
			keep &= strncmp(environ[i], drop[j], strlen(drop[j])) != 0;
		if (keep)
			v[k++] = environ[i];
	}
	v[k] = NULL;
	return v;
}

/* In the child, between fork and exec: only async-signal-safe calls. */
__attribute__((noreturn)) static void exec_child(char **argv, char **env, int errw, pid_t parent)
{
	setsid(); /* no controlling terminal: ssh can never draw on or read cmon's */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent) /* cmon died before prctl took hold */
		_exit(127);
	/* cmon blocks these for its signalfd and ignores SIGPIPE; ssh must
	 * get them as usual, or SIGTERM would not end it. */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGCHLD};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(errw, 2) < 0)
		_exit(127);
	close_range(3, ~0U, 0); /* curl's sockets and the like are none of ssh's business */
	execvpe(argv[0], argv, env);
	const char *e = strerror(errno);
	if (write(2, "cannot run ", 11) < 0 || write(2, argv[0], strlen(argv[0])) < 0 ||
	    write(2, ": ", 2) < 0 || write(2, e, strlen(e)) < 0 || write(2, "\n", 1) < 0)
		_exit(127);
	_exit(127);
}

static void set_message(struct tunnel *t, const char *what, const char *detail)
{
	snprintf(t->message, sizeof(t->message), "%s%s%s", what, *what && *detail ? ": " : "",
		 detail);
}

/* ssh is gone (or never started): what next. */
static void ended(struct cm_tunnels *ts, struct tunnel *t, double now)
{
	unlink_sockets(t);
	if (!ts->retry) {
		t->state = CM_TUNNEL_FAILED;
		return;
	}
	if (t->state == CM_TUNNEL_UP && now - t->up_since >= STABLE_UP)
		t->backoff = BACKOFF_MIN;
	t->retry_at = now + t->backoff;
	t->backoff = t->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : t->backoff * 2;
	t->state = CM_TUNNEL_WAITING;
}

/* Forks ssh with its stderr on a pipe: 0, or an errno. */
static int spawn(char **argv, pid_t *pid, int *errfd)
{
	int p[2];
	char **env = child_environ();
	if (!env)
		return ENOMEM;
	if (pipe2(p, O_CLOEXEC) < 0) {
		int e = errno;
		free(env);
		return e;
	}
	pid_t parent = getpid();
	*pid = fork();
	if (*pid == 0)
		exec_child(argv, env, p[1], parent);
	int e = errno;
	free(env);
	close(p[1]);
	if (*pid < 0) {
		close(p[0]);
		return e;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*errfd = p[0];
	return 0;
}

static void start_one(struct cm_tunnels *ts, struct tunnel *t, double now)
{
	unlink_sockets(t); /* a stale file would look like a tunnel */
	t->linelen = 0;
	t->last[0] = '\0';
	t->gave_up = false;
	t->attempts++;
	t->started = now;
	t->state = CM_TUNNEL_CONNECTING;
	size_t argc = 0;
	char **argv = build_argv(ts, t, &argc);
	pid_t pid = 0;
	int e = argv ? spawn(argv, &pid, &t->errfd) : ENOMEM;
	free_words(argv, argc);
	if (e) {
		set_message(t, "cannot start ssh", strerror(e));
		ended(ts, t, now);
		return;
	}
	t->pid = pid;
}

void cm_tunnels_start(struct cm_tunnels *ts, double now)
{
	for (size_t i = 0; i < ts->n; i++)
		if (ts->v[i].state == CM_TUNNEL_IDLE)
			start_one(ts, &ts->v[i], now);
}

/* ---- ssh's stderr ---- */

static void end_line(struct tunnel *t)
{
	size_t n = t->linelen;
	while (n && t->line[n - 1] == ' ')
		n--;
	t->line[n] = '\0';
	t->linelen = 0;
	if (n && strncmp(t->line, "Warning: Permanently added", 26))
		memcpy(t->last, t->line, n + 1);
}

static void take_bytes(struct tunnel *t, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c == '\n' || c == '\r')
			end_line(t);
		else if (t->linelen < sizeof(t->line) - 1)
			t->line[t->linelen++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
}

static void close_stderr(struct tunnel *t)
{
	if (t->errfd >= 0)
		close(t->errfd);
	t->errfd = -1;
	if (t->linelen)
		end_line(t);
}

static void read_stderr(struct tunnel *t)
{
	char buf[4096];
	for (int k = 0; t->errfd >= 0 && k < READS_PER_DRIVE; k++) {
		ssize_t r = read(t->errfd, buf, sizeof(buf));
		if (r > 0)
			take_bytes(t, buf, (size_t)r);
		else if (r < 0 && errno == EINTR)
			continue;
		else if (r == 0 || errno != EAGAIN)
			close_stderr(t);
		else
			return;
	}
}

/* ---- ssh's end ---- */

static void describe_exit(struct tunnel *t, const siginfo_t *si)
{
	char what[64], status[48];
	if (si->si_code == CLD_EXITED)
		snprintf(status, sizeof(status), "ssh exited with status %d", si->si_status);
	else
		snprintf(status, sizeof(status), "ssh was killed by signal %d", si->si_status);
	if (t->gave_up) {
		snprintf(what, sizeof(what), "no tunnel after %d s", CM_TUNNEL_GIVE_UP_S);
		set_message(t, what, t->last);
	} else {
		set_message(t, "", t->last[0] ? t->last : status);
	}
}

/* True when ssh has ended; then it is reaped and its group told to go. */
static bool reap(struct tunnel *t)
{
	siginfo_t si = {0};
	if (waitid(P_PID, (id_t)t->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
		if (errno == EINTR)
			return false;
		si.si_code = CLD_KILLED; /* ECHILD: someone else reaped it */
	} else if (si.si_pid == 0) {
		return false;
	}
	kill(-t->pid, SIGTERM); /* the zombie still holds the group's number */
	waitpid(t->pid, NULL, WNOHANG);
	t->pid = 0;
	read_stderr(t); /* what it said last */
	close_stderr(t);
	describe_exit(t, &si);
	return true;
}

static bool sockets_ready(struct tunnel *t)
{
	struct stat st;
	while (t->ready < t->nfwd && stat(t->fwd[t->ready].socket, &st) == 0 &&
	       S_ISSOCK(st.st_mode))
		t->ready++;
	return t->ready == t->nfwd;
}

static void drive_one(struct cm_tunnels *ts, struct tunnel *t, double now)
{
	if (t->state == CM_TUNNEL_WAITING && now >= t->retry_at)
		start_one(ts, t, now);
	if (!t->pid)
		return;
	read_stderr(t);
	if (reap(t)) {
		ended(ts, t, now);
		return;
	}
	if (t->state != CM_TUNNEL_CONNECTING)
		return;
	if (sockets_ready(t)) {
		t->state = CM_TUNNEL_UP;
		t->was_up = true;
		t->up_since = now;
		t->message[0] = '\0';
	} else if (!t->gave_up && now - t->started >= CM_TUNNEL_GIVE_UP_S) {
		t->gave_up = true;
		kill(-t->pid, SIGTERM); /* reaped by a later drive */
	}
}

bool cm_tunnels_drive(struct cm_tunnels *ts, double now)
{
	bool changed = false;
	for (size_t i = 0; ts && i < ts->n; i++) {
		struct tunnel *t = &ts->v[i];
		enum cm_tunnel_state before = t->state;
		unsigned attempts = t->attempts;
		drive_one(ts, t, now);
		changed |= t->state != before || t->attempts != attempts;
	}
	return changed;
}

int cm_tunnels_pollfds(const struct cm_tunnels *ts, struct pollfd *fds, int max)
{
	int n = 0;
	for (size_t i = 0; ts && i < ts->n && n < max; i++) {
		if (ts->v[i].errfd >= 0)
			fds[n++] = (struct pollfd){.fd = ts->v[i].errfd, .events = POLLIN};
	}
	return n;
}

double cm_tunnels_next(const struct cm_tunnels *ts, double now)
{
	double next = now + 3600;
	for (size_t i = 0; ts && i < ts->n; i++) {
		const struct tunnel *t = &ts->v[i];
		double due = next;
		if (t->state == CM_TUNNEL_CONNECTING)
			due = now + CHECK_EVERY;
		else if (t->state == CM_TUNNEL_UP)
			due = now + ALIVE_EVERY;
		else if (t->state == CM_TUNNEL_WAITING)
			due = t->retry_at;
		if (due < next)
			next = due;
	}
	return next;
}

void cm_tunnels_info(const struct cm_tunnels *ts, size_t k, struct cm_tunnel_info *out)
{
	const struct tunnel *t = &ts->v[k];
	*out = (struct cm_tunnel_info){
		.name = t->name,
		.state = t->state,
		.message = t->message,
		.attempts = t->attempts,
		.was_up = t->was_up,
		.retry_at = t->retry_at,
	};
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every tunnel up: 1; one ended for good: -1; otherwise 0. */
static int settled(const struct cm_tunnels *ts)
{
	int up = 1;
	for (size_t i = 0; i < ts->n; i++) {
		if (ts->v[i].state == CM_TUNNEL_FAILED || ts->v[i].state == CM_TUNNEL_WAITING)
			return -1;
		if (ts->v[i].state != CM_TUNNEL_UP)
			up = 0;
	}
	return up;
}

int cm_tunnels_wait(struct cm_tunnels *ts, int cancel_fd)
{
	double now = mono_now();
	cm_tunnels_start(ts, now);
	for (;;) {
		cm_tunnels_drive(ts, now);
		int s = settled(ts);
		if (s)
			return s > 0 ? 0 : -1;
		struct pollfd fds[CM_TUNNELS_MAX + 1];
		int n = cm_tunnels_pollfds(ts, fds, CM_TUNNELS_MAX);
		if (cancel_fd >= 0)
			fds[n++] = (struct pollfd){.fd = cancel_fd, .events = POLLIN};
		double wait = cm_tunnels_next(ts, now) - now;
		int ms = wait <= 0 ? 0 : wait > 1 ? 1000 : (int)(wait * 1000) + 1;
		if (poll(fds, (nfds_t)n, ms) > 0 && cancel_fd >= 0 && fds[n - 1].revents)
			return -1;
		now = mono_now();
	}
}

/* ---- the end ---- */

static void stop_all(struct cm_tunnels *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		if (ts->v[i].pid > 0) {
			kill(-ts->v[i].pid, SIGTERM);
			kill(ts->v[i].pid, SIGTERM); /* in case setsid failed */
		}
	}
	for (int waited = 0;; waited += 10) {
		bool left = false;
		for (size_t i = 0; i < ts->n; i++) {
			struct tunnel *t = &ts->v[i];
			if (t->pid > 0 && waitpid(t->pid, NULL, WNOHANG) == 0)
				left = true;
			else
				t->pid = 0;
		}
		if (!left)
			return;
		if (waited >= KILL_GRACE_MS)
			break;
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	}
	for (size_t i = 0; i < ts->n; i++) {
		struct tunnel *t = &ts->v[i];
		if (t->pid > 0) {
			kill(-t->pid, SIGKILL);
			kill(t->pid, SIGKILL);
			waitpid(t->pid, NULL, 0);
			t->pid = 0;
		}
	}
}

void cm_tunnels_free(struct cm_tunnels *ts)
{
	if (!ts)
		return;
	stop_all(ts);
	for (size_t i = 0; i < ts->n; i++) {
		struct tunnel *t = &ts->v[i];
		close_stderr(t);
		unlink_sockets(t);
		for (size_t j = 0; j < t->nfwd; j++) {
			free(t->fwd[j].host);
			free(t->fwd[j].socket);
		}
		free(t->fwd);
		free(t->name);
	}
	if (ts->dir[0])
		rmdir(ts->dir);
	free(ts->v);
	free(ts->command);
	free_words(ts->extra, ts->nextra);
	free(ts);
}
