/* pprof_remote: `cmon pprof` sources on other hosts, through ssh. A source
 * written "ssh://[user@]host[:port]/SOURCE", or any URL source (host:port
 * included) when -ssh is given, is fetched on that host: its host and
 * port are resolved there, over one ssh process per host (ssh_tunnel),
 * and curl goes through the tunnel's Unix socket with the URL unchanged.
 * Files stay local. App layer: curl parses the URLs. */
#ifndef CMON_PPROF_REMOTE_H
#define CMON_PPROF_REMOTE_H

#include <stddef.h>

struct cm_pprof_remote;

/* Routes specs[0..n) (sources, -base, -diff_base; NULLs skipped), starts
 * the tunnels they need and waits until all are up, or until cancel_fd
 * (> 0) is readable. *out is NULL when no spec needs ssh. ssh is -ssh's
 * value or NULL, ssh_opts -ssh-opts's; $CMON_SSH_COMMAND is read here.
 * Returns 0; 2 with err for a bad command line (bad -ssh, -ssh-opts, a
 * file behind ssh://); 1 with err when a tunnel failed ("SPEC: ssh HOST:
 * ssh's last line", SPEC masked) or the wait was cancelled. On failure
 * every ssh has already been ended. */
int cm_pprof_remote_open(struct cm_pprof_remote **out, char *const *specs, size_t n,
			 const char *ssh, const char *ssh_opts, int cancel_fd, char *err,
			 size_t errlen);

/* Ends the ssh processes and removes their sockets. NULL is fine. */
void cm_pprof_remote_close(struct cm_pprof_remote *r);

/* The source behind spec's "ssh://HOST/" prefix, or spec itself. */
const char *cm_pprof_remote_source(const char *spec);

/* The Unix socket spec's fetch goes through, or NULL (direct). */
const char *cm_pprof_remote_socket(const struct cm_pprof_remote *r, const char *spec);

#endif
