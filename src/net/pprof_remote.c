/* pprof_remote: `cmon pprof` sources through ssh (see pprof_remote.h).
 * A one-shot command: the tunnels do not reconnect, and the first that
 * fails ends the command with ssh's own words. */
#include "cmon/net/pprof_remote.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmon/base/url.h"
#include "cmon/monitor/target.h"
#include "cmon/net/pprof_source.h"
#include "cmon/net/ssh_tunnel.h"

#define DEST_CAP 400

struct route {
	const char *spec;   /* borrowed from the caller's argv */
	const char *socket; /* owned by ts */
	long tunnel;
};

struct cm_pprof_remote {
	struct cm_tunnels *ts;
	struct route *v;
	size_t n;
};

static bool has_ssh_prefix(const char *spec)
{
	return !strncasecmp(spec, "ssh://", 6);
}

const char *cm_pprof_remote_source(const char *spec)
{
	if (!has_ssh_prefix(spec))
		return spec;
	const char *slash = strchr(spec + 6, '/');
	return slash ? slash + 1 : spec + strlen(spec);
}

const char *cm_pprof_remote_socket(const struct cm_pprof_remote *r, const char *spec)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (!strcmp(r->v[i].spec, spec))
			return r->v[i].socket;
	return NULL;
}

/* Where spec is fetched from: its own ssh:// host (canonical, into dest),
 * or -ssh's (global, maybe ""). 2 with err on a bad prefix. */
static int spec_dest(const char *spec, const char *global, char *dest, char *err, size_t errlen)
{
	char why[160], q[512];
	if (!has_ssh_prefix(spec)) {
		snprintf(dest, DEST_CAP, "%s", global);
		return 0;
	}
	const char *slash = strchr(spec + 6, '/');
	size_t n = slash ? (size_t)(slash - spec) - 6 : strlen(spec + 6);
	struct cm_ssh_dest d;
	if (!slash || !slash[1]) {
		snprintf(why, sizeof(why), "the source goes after ssh://HOST/");
	} else if (cm_ssh_dest_parse(spec + 6, n, &d, why, sizeof(why)) == 0) {
		cm_ssh_dest_name(&d, 1, dest, DEST_CAP);
		return 0;
	}
	cm_url_masked(spec, strlen(spec), q, sizeof(q));
	snprintf(err, errlen, "%s: %s", q, why);
	return 2;
}

/* The URL's host (IPv6 in brackets, as ssh -L wants it) and port. */
static int url_hostport(const char *url, char *host, size_t cap, unsigned *port)
{
	CURLU *u = curl_url();
	char *h = NULL, *p = NULL;
	int rc = -1;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK &&
	    strlen(h) < cap) {
		snprintf(host, cap, "%s", h);
		*port = (unsigned)strtoul(p, NULL, 10);
		rc = 0;
	}
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

/* Routes one spec that has a destination. 2 with err when it cannot go
 * through ssh (a file behind ssh://, a URL without a host). */
static int route_one(struct cm_pprof_remote *r, const char *spec, const char *dest,
		     const struct cm_tunnel_opts *o, char *err, size_t errlen)
{
	char host[300], q[512];
	unsigned port = 0;
	char *url = cm_source_url(cm_pprof_remote_source(spec), 0);
	if (!url && !has_ssh_prefix(spec))
		return 0; /* a local file, -ssh or not */
	int bad = !url || url_hostport(url, host, sizeof(host), &port) < 0;
	free(url);
	cm_url_masked(spec, strlen(spec), q, sizeof(q));
	if (bad) {
		snprintf(err, errlen, "%s: only a service's address goes through ssh", q);
		return 2;
	}
	if (!r->ts && !(r->ts = cm_tunnels_new(o, err, errlen)))
		return 1;
	struct route *rt = &r->v[r->n];
	rt->spec = spec;
	rt->tunnel = cm_tunnels_route(r->ts, dest, host, port, &rt->socket, err, errlen);
	if (rt->tunnel < 0)
		return 2;
	r->n++;
	return 0;
}

/* Why the wait failed, naming the first source of the first tunnel down. */
static void wait_error(const struct cm_pprof_remote *r, char *err, size_t errlen)
{
	snprintf(err, errlen, "interrupted");
	for (size_t i = 0; i < r->n; i++) {
		struct cm_tunnel_info in;
		cm_tunnels_info(r->ts, (size_t)r->v[i].tunnel, &in);
		if (in.state == CM_TUNNEL_FAILED || in.state == CM_TUNNEL_WAITING) {
			char q[512];
			cm_url_masked(r->v[i].spec, strlen(r->v[i].spec), q, sizeof(q));
			snprintf(err, errlen, "%s: ssh %s: %s", q, in.name, in.message);
			return;
		}
	}
}

int cm_pprof_remote_open(struct cm_pprof_remote **out, char *const *specs, size_t n,
			 const char *ssh, const char *ssh_opts, int cancel_fd, char *err,
			 size_t errlen)
{
	*out = NULL;
	char global[DEST_CAP], dest[DEST_CAP];
	if (cm_ssh_flags_check(ssh, ssh_opts, global, sizeof(global), err, errlen) < 0)
		return 2;
	struct cm_pprof_remote *r = calloc(1, sizeof(*r));
	if (!r || !(r->v = calloc(n ? n : 1, sizeof(*r->v)))) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	struct cm_tunnel_opts o = {.command = getenv("CMON_SSH_COMMAND"), .extra = ssh_opts};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!specs[i] || (rc = spec_dest(specs[i], global, dest, err, errlen)) || !*dest)
			continue;
		rc = route_one(r, specs[i], dest, &o, err, errlen);
	}
	if (rc == 0 && r->ts && cm_tunnels_wait(r->ts, cancel_fd) < 0) {
		wait_error(r, err, errlen);
		rc = 1;
	}
	if (rc || !r->ts) {
		cm_pprof_remote_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void cm_pprof_remote_close(struct cm_pprof_remote *r)
{
	if (!r)
		return;
	cm_tunnels_free(r->ts);
	free(r->v);
	free(r);
}
