/* remote: the monitor's services on other hosts. Which service goes
 * through which ssh tunnel (its own ssh:// host, else -ssh, else none),
 * whether it can be polled now, and the tunnels' state in words: for the
 * header (m->tunnels) and, without a screen, as lines on stderr. App
 * layer: it joins the targets to ssh_tunnel. Every function takes a NULL
 * remote, meaning no service goes through ssh. */
#ifndef CMON_REMOTE_H
#define CMON_REMOTE_H

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmon/monitor/monitor.h"
#include "cmon/monitor/target.h"

struct cm_remote;

/* Routes every target of tl (borrowed: it must outlive the remote). ssh
 * is -ssh's value or NULL, ssh_opts -ssh-opts's or NULL; $CMON_SSH_COMMAND
 * is read here. once: a tunnel that fails stays failed (-once), otherwise
 * it reconnects. *out is NULL when no service needs ssh. Returns 0; 2
 * (a usage error: bad -ssh, bad -ssh-opts) or 1 (the system said no) with
 * one line in err. */
int cm_remote_open(struct cm_remote **out, const struct cm_target_list *tl, const char *ssh,
		   const char *ssh_opts, bool once, char *err, size_t errlen);

/* Ends every ssh and removes the sockets (cm_tunnels_free). */
void cm_remote_close(struct cm_remote *r);

void cm_remote_start(struct cm_remote *r, double now);

/* Service i's Unix socket (for cm_request.unix_socket), NULL when direct. */
const char *cm_remote_socket(const struct cm_remote *r, size_t i);

enum cm_remote_gate {
	CM_GATE_OPEN, /* fetch: direct, or its tunnel is up */
	CM_GATE_HELD, /* its tunnel is making its first connection: wait */
	CM_GATE_DOWN, /* its tunnel is down: *why says so, for the service's error */
};

/* why: "ssh app2: Permission denied (publickey).", valid until the next
 * cm_remote_drive; set for CM_GATE_DOWN only. */
enum cm_remote_gate cm_remote_gate(const struct cm_remote *r, size_t i, const char **why);

/* ssh's stderr pipes, to add to the loop's poll (at most max). */
int cm_remote_pollfds(const struct cm_remote *r, struct pollfd *fds, int max);

/* Drives the tunnels at monotonic time now; writes m->tunnels and
 * m->tunnels_bad, and each change of state as "cmon: ssh NAME: WORDS" to
 * log (NULL: none). True when a tunnel changed state or the header's text
 * changed (a countdown). */
bool cm_remote_drive(struct cm_remote *r, double now, FILE *log, struct cm_monitor *m);

/* When cm_remote_drive must run next at the latest. */
double cm_remote_next(const struct cm_remote *r, double now);

#endif
