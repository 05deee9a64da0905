/* remote: services behind ssh tunnels, for the monitor (see remote.h).
 *
 * Words for a tunnel's state, as the header and stderr show them:
 *   connecting                      the first ssh is logging in
 *   up
 *   failed: SSH'S LAST LINE; retry in 4s
 *   reconnecting                    a later ssh is logging in
 *   failed: SSH'S LAST LINE         -once: no more tries
 * A service behind a tunnel that is not up is not fetched: until the first
 * connection is made its round waits (so -once reads it as soon as the
 * tunnel is up), after that the round ends at once with "ssh NAME: ..."
 * as the service's error, so that -dummy and the table say why. */
#include "cmon/net/remote.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/net/ssh_tunnel.h"

#define WORDS_CAP 600  /* a state in words: ssh's line and a little more */
#define WHY_CAP 1024   /* "ssh NAME: " and ssh's line */

struct seen {
	enum cm_tunnel_state state;
	unsigned attempts;
};

struct cm_remote {
	struct cm_tunnels *ts;
	size_t nsvc;
	long *tunnel;         /* per service: its tunnel, -1 when direct */
	const char **socket;  /* per service: owned by ts */
	size_t ntun;
	struct seen *seen;    /* per tunnel: what was last logged */
	char (*why)[WHY_CAP]; /* per tunnel: "ssh NAME: ..." for its services */
};

static int route_all(struct cm_remote *r, const struct cm_target_list *tl, const char *global,
		     char *err, size_t errlen)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct cm_target *t = &tl->v[i];
		const char *dest = t->ssh ? t->ssh : global;
		r->tunnel[i] = -1;
		if (!dest)
			continue;
		r->tunnel[i] = cm_tunnels_route(r->ts, dest, t->host, t->port, &r->socket[i],
						err, errlen);
		if (r->tunnel[i] < 0)
			return 2;
	}
	r->ntun = cm_tunnels_count(r->ts);
	r->seen = calloc(r->ntun ? r->ntun : 1, sizeof(*r->seen));
	r->why = calloc(r->ntun ? r->ntun : 1, sizeof(*r->why));
	if (!r->seen || !r->why) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	return 0;
}

static bool needs_ssh(const struct cm_target_list *tl, const char *global)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->v[i].ssh || global)
			return true;
	return false;
}

int cm_remote_open(struct cm_remote **out, const struct cm_target_list *tl, const char *ssh,
		   const char *ssh_opts, bool once, char *err, size_t errlen)
{
	*out = NULL;
	char dest[400];
	if (cm_ssh_flags_check(ssh, ssh_opts, dest, sizeof(dest), err, errlen) < 0)
		return 2;
	const char *global = ssh ? dest : NULL;
	if (!needs_ssh(tl, global))
		return 0;
	struct cm_remote *r = calloc(1, sizeof(*r));
	if (r) {
		r->nsvc = tl->n;
		r->tunnel = calloc(tl->n, sizeof(*r->tunnel));
		r->socket = calloc(tl->n, sizeof(*r->socket));
	}
	if (!r || !r->tunnel || !r->socket) {
		cm_remote_close(r);
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	struct cm_tunnel_opts o = {
		.command = getenv("CMON_SSH_COMMAND"), .extra = ssh_opts, .retry = !once};
	r->ts = cm_tunnels_new(&o, err, errlen);
	int rc = r->ts ? route_all(r, tl, global, err, errlen) : 1;
	if (rc) {
		cm_remote_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void cm_remote_close(struct cm_remote *r)
{
	if (!r)
		return;
	cm_tunnels_free(r->ts);
	free(r->tunnel);
	free(r->socket);
	free(r->seen);
	free(r->why);
	free(r);
}

void cm_remote_start(struct cm_remote *r, double now)
{
	if (r)
		cm_tunnels_start(r->ts, now);
}

const char *cm_remote_socket(const struct cm_remote *r, size_t i)
{
	return r && i < r->nsvc ? r->socket[i] : NULL;
}

/* The first ssh is still logging in (or not started). */
static bool first_try(const struct cm_tunnel_info *in)
{
	return in->state == CM_TUNNEL_IDLE ||
	       (in->state == CM_TUNNEL_CONNECTING && in->attempts <= 1);
}

enum cm_remote_gate cm_remote_gate(const struct cm_remote *r, size_t i, const char **why)
{
	if (!r || i >= r->nsvc || r->tunnel[i] < 0)
		return CM_GATE_OPEN;
	size_t k = (size_t)r->tunnel[i];
	struct cm_tunnel_info in;
	cm_tunnels_info(r->ts, k, &in);
	if (in.state == CM_TUNNEL_UP)
		return CM_GATE_OPEN;
	if (first_try(&in))
		return CM_GATE_HELD;
	*why = r->why[k];
	return CM_GATE_DOWN;
}

int cm_remote_pollfds(const struct cm_remote *r, struct pollfd *fds, int max)
{
	return r ? cm_tunnels_pollfds(r->ts, fds, max) : 0;
}

static void state_words(const struct cm_tunnel_info *in, double now, char *buf, size_t cap)
{
	double left = ceil(in->retry_at - now);
	switch (in->state) {
	case CM_TUNNEL_IDLE:
	case CM_TUNNEL_CONNECTING:
		snprintf(buf, cap, "%s", first_try(in) ? "connecting" : "reconnecting");
		break;
	case CM_TUNNEL_UP:
		snprintf(buf, cap, "up");
		break;
	case CM_TUNNEL_WAITING:
		snprintf(buf, cap, "failed: %s; retry in %.0fs", in->message, left < 1 ? 1 : left);
		break;
	case CM_TUNNEL_FAILED:
		snprintf(buf, cap, "failed: %s", in->message);
		break;
	}
}

/* Appends s to h (of cap bytes), cut to fit: the header is one line. */
static void append(char *h, size_t cap, const char *s)
{
	size_t len = strlen(h), n = strlen(s);
	if (n > cap - 1 - len)
		n = cap - 1 - len;
	memcpy(h + len, s, n);
	h[len + n] = '\0';
}

/* Appends "NAME: WORDS" to the header text, ", " between tunnels. */
static void header_add(char *h, size_t cap, const char *name, const char *words)
{
	append(h, cap, *h ? ", " : "ssh ");
	append(h, cap, name);
	append(h, cap, ": ");
	append(h, cap, words);
}

bool cm_remote_drive(struct cm_remote *r, double now, FILE *log, struct cm_monitor *m)
{
	if (!r)
		return false;
	bool changed = cm_tunnels_drive(r->ts, now);
	char header[sizeof(m->tunnels)] = "";
	bool bad = false;
	for (size_t k = 0; k < r->ntun; k++) {
		struct cm_tunnel_info in;
		char words[WORDS_CAP];
		cm_tunnels_info(r->ts, k, &in);
		state_words(&in, now, words, sizeof(words));
		snprintf(r->why[k], sizeof(r->why[k]), "ssh %s: %s", in.name,
			 in.state == CM_TUNNEL_CONNECTING ? "reconnecting" : in.message);
		header_add(header, sizeof(header), in.name, words);
		bad |= in.state != CM_TUNNEL_UP;
		struct seen now_seen = {in.state, in.attempts};
		if (log && (r->seen[k].state != in.state || r->seen[k].attempts != in.attempts)) {
			fprintf(log, "cmon: ssh %s: %s\n", in.name, words);
			fflush(log);
		}
		r->seen[k] = now_seen;
	}
	changed |= strcmp(header, m->tunnels) != 0 || bad != m->tunnels_bad;
	memcpy(m->tunnels, header, sizeof(header));
	m->tunnels_bad = bad;
	return changed;
}

double cm_remote_next(const struct cm_remote *r, double now)
{
	return r ? cm_tunnels_next(r->ts, now) : now + 3600;
}
