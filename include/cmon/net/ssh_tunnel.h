/* ssh_tunnel: services on other hosts, reached through the system's ssh.
 *
 * A set of tunnels owns a private directory (mode 0700, made with mkdtemp
 * under $XDG_RUNTIME_DIR, or /tmp) and one `ssh -N` process per host, with
 * one `-L DIR/N.sock:HOST:PORT` per service address: the local ends are
 * Unix sockets that no other local user can reach, and curl goes through
 * them (CURLOPT_UNIX_SOCKET_PATH) with the service's own URL. Because the
 * system's ssh is run, ~/.ssh/config, the agent and known_hosts apply.
 *
 * ssh runs in a session of its own (it never touches cmon's terminal),
 * with its stdin and stdout on /dev/null and its stderr on a pipe that the
 * caller's poll loop watches; it gets SIGTERM when cmon dies, however cmon
 * dies (PR_SET_PDEATHSIG), and cm_tunnels_free ends it on every orderly
 * path. A tunnel is up when all its sockets exist; when ssh ends, its last
 * stderr line says why, and with retry on it is started again after 1 s,
 * 2 s, 4 s ... at most 30 s (back to 1 s once a tunnel stayed up 30 s).
 *
 * The command line, in this order (ssh takes the first value it sees for
 * an option, so the fixed ones cannot be undone and the defaults can):
 *   WORDS...    $CMON_SSH_COMMAND split as a shell would, without
 *               expansions ("ssh -F ~/x" is not expanded); default "ssh"
 *   -N -o ExitOnForwardFailure=yes -o BatchMode=yes -o ControlPath=none
 *   -o StreamLocalBindUnlink=yes -o StreamLocalBindMask=0177
 *               fixed: no prompts (there is no terminal to ask on), no
 *               shared master that would outlive cmon, sockets for us only
 *   -ssh-opts   the user's options, split the same way
 *   -o ConnectTimeout=10 -o ServerAliveInterval=5 -o ServerAliveCountMax=3
 *               defaults: an unreachable host fails in 10 s, a dead link
 *               is noticed in 15 s
 *   -L ...  [-p PORT] [-l USER] -- HOST
 *
 * No global state: everything hangs off the struct cm_tunnels the caller
 * owns. Times are the caller's monotonic seconds. */
#ifndef CMON_SSH_TUNNEL_H
#define CMON_SSH_TUNNEL_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define CM_TUNNELS_MAX 256      /* hosts: each is an ssh process */
#define CM_TUNNEL_CONNECT_S 10  /* ssh's ConnectTimeout */
#define CM_TUNNEL_GIVE_UP_S 20  /* no tunnel after this long: ssh is ended */

enum cm_tunnel_state {
	CM_TUNNEL_IDLE,       /* not started yet */
	CM_TUNNEL_CONNECTING, /* ssh runs; its sockets are not all there yet */
	CM_TUNNEL_UP,
	CM_TUNNEL_WAITING,    /* ssh ended; it starts again at retry_at */
	CM_TUNNEL_FAILED,     /* ssh ended, for good (retry is off) */
};

struct cm_tunnel_opts {
	const char *command; /* $CMON_SSH_COMMAND, or NULL / "" for "ssh"; copied */
	const char *extra;   /* -ssh-opts, or NULL; copied */
	bool retry;          /* start ssh again after it ends (the monitor) */
};

struct cm_tunnel_info {
	const char *name;    /* the destination as given: "[user@]host[:port]" */
	enum cm_tunnel_state state;
	const char *message; /* why it is not up: ssh's last stderr line, one
				line of printable text, or cmon's own reason; "" */
	unsigned attempts;   /* ssh processes started so far */
	bool was_up;         /* it has been up at some time */
	double retry_at;     /* WAITING: when ssh starts again */
};

struct cm_tunnels;

/* Makes the private directory. NULL with the reason in err, which names
 * CMON_SSH_COMMAND or -ssh-opts when its quoting is wrong. */
struct cm_tunnels *cm_tunnels_new(const struct cm_tunnel_opts *o, char *err, size_t errlen);

/* Ends every ssh (SIGTERM to its process group, SIGKILL after 2 s), waits
 * for them, removes the sockets and the directory. NULL is fine. */
void cm_tunnels_free(struct cm_tunnels *ts);

/* The socket through which HOST:PORT, as resolved on dest, is reached; a
 * tunnel per distinct dest and a forward per distinct host and port are
 * added as needed (before cm_tunnels_start only). dest is
 * "[user@]host[:port]" (see cm_ssh_dest_parse) and host a name, an
 * address or "[v6]". Returns the tunnel's index and sets *socket (owned by
 * ts, valid until cm_tunnels_free), or -1 with the reason in err. */
long cm_tunnels_route(struct cm_tunnels *ts, const char *dest, const char *host,
		      unsigned port, const char **socket, char *err, size_t errlen);

size_t cm_tunnels_count(const struct cm_tunnels *ts);

/* Starts every tunnel's ssh. */
void cm_tunnels_start(struct cm_tunnels *ts, double now);

/* The fds to watch for cm_tunnels_drive (ssh's stderr pipes): at most max
 * are written to fds; returns how many. */
int cm_tunnels_pollfds(const struct cm_tunnels *ts, struct pollfd *fds, int max);

/* Reads ssh's stderr, notices sockets appearing and ssh ending, gives up
 * on a tunnel too slow to come up, starts ssh again when it is time.
 * Never blocks. Returns true when some tunnel changed state. */
bool cm_tunnels_drive(struct cm_tunnels *ts, double now);

/* When cm_tunnels_drive must run again at the latest (a socket check, a
 * retry, a deadline); a large value when only the fds matter. */
double cm_tunnels_next(const struct cm_tunnels *ts, double now);

/* Tunnel k (below cm_tunnels_count): pointers valid until the next drive. */
void cm_tunnels_info(const struct cm_tunnels *ts, size_t k, struct cm_tunnel_info *out);

/* For one-shot commands: starts the tunnels and drives them until each is
 * up or has ended (retry should be off), or cancel_fd (when >= 0) becomes
 * readable. 0 when all are up, -1 otherwise. */
int cm_tunnels_wait(struct cm_tunnels *ts, int cancel_fd);

/* Checks -ssh and -ssh-opts as the command line gave them (either may be
 * NULL): -ssh's canonical "[user@]host[:port]" goes into dest ("" when
 * NULL). 0, or -1 with one line in err, which quotes -ssh with a password
 * hidden. */
int cm_ssh_flags_check(const char *ssh, const char *opts, char *dest, size_t cap, char *err,
		       size_t errlen);

/* Splits s into words as a shell would (blanks separate, '...' and "..."
 * quote, '\' escapes; no expansions), appending malloc'd copies to
 * (*argv)[*argc...], at most max words in all. 0, or -1 with the reason in
 * err (unclosed quote, too many words, out of memory). Exposed for tests. */
int cm_shell_words(const char *s, char ***argv, size_t *argc, size_t max, char *err,
		   size_t errlen);

#endif
