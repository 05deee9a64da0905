/* target: expvarmon's -ports grammar, turned into the services to poll.
 *
 *   5000, 5000-5003             http://localhost:PORT
 *   host:5000, host:5000-5003   http://host:PORT
 *   :5000                       http://localhost:PORT (Go's own meaning of ":port")
 *   http://host:5000            scheme kept
 *   https://user:pass@host:443  credentials kept apart (never in url or display)
 *   http://host:5000-5002/p/v   per-entry path replaces -endpoint
 *   ssh://[user@]host[:port]/F  F (any form above) on that host, through ssh
 *
 * A port is mandatory; no scheme means http. Unlike expvarmon, a bad field
 * is an error that quotes it, not a silently empty list. */
#ifndef CMON_TARGET_H
#define CMON_TARGET_H

#include <stddef.h>

/* More would be a typo (a range like 1-65535), not a monitoring plan. */
#define CM_TARGETS_MAX 10000

struct cm_target {
	char *base;     /* "http://host:port" (IPv6 hosts bracketed), no credentials */
	char *display;  /* "host:port": what the screen calls the service until it is named;
			   "sshhost/host:port" for an ssh:// entry */
	char *host;     /* "host" of base ("localhost" when the field named none) */
	char *ssh;      /* an ssh:// entry's own "[user@]host[:port]" (canonical), or NULL */
	const char *unix_socket; /* not owned: set by the app when an ssh tunnel reaches the
				    service (its local end), NULL otherwise */
	char *path;     /* the entry's own path ("/p/v"), or NULL to use -endpoint */
	char *user;     /* from the URL, or NULL */
	char *password; /* from the URL, or NULL; never printed */
	unsigned port;
	int https;
};

struct cm_target_list {
	struct cm_target *v; /* owned */
	size_t n;
};

/* Parses spec into out (which the caller zeroes before). 0 on success; -1
 * with one line in err that quotes the bad field, e.g.
 *   bad -ports field "50x0": port is not a number
 * On error out is left empty. The caller frees out with cm_targets_free. */
int cm_targets_parse(const char *spec, struct cm_target_list *out, char *err, size_t errlen);

void cm_targets_free(struct cm_target_list *l);

/* Frees one target's strings and zeroes it (a list's element, or one
 * held alone). */
void cm_target_free(struct cm_target *t);

/* Overwrites the password of each field of spec with '*', in place: spec
 * is -ports' value in cmon's own argv, which ps shows to every user. Call
 * it once the list is parsed (the targets keep their own copies). */
void cm_targets_hide_passwords(char *spec);

/* The URL to fetch: base + (t->path or endpoint) + query ("" or NULL for
 * none, otherwise starting with '?'). malloc'd; NULL when out of memory. */
char *cm_target_url(const struct cm_target *t, const char *endpoint, const char *query);

/* Where ssh logs in: -ssh=[user@]host[:port] and the ssh:// entries. The
 * host is a name or an address ("[v6]" in brackets), the user plain
 * letters, digits and "-._~"; a password is refused (ssh uses keys or the
 * agent), and so is a host starting with '-'. */
#define CM_SSH_USER_MAX 64
struct cm_ssh_dest {
	char user[CM_SSH_USER_MAX + 1]; /* "" for ssh's own default */
	char host[256];                 /* IPv6 without brackets, a zone as "%eth0" */
	unsigned port;                  /* 0 for ssh's own default */
};

/* Parses s[0, n) into d. 0, or -1 with the reason in why (which does not
 * quote s). */
int cm_ssh_dest_parse(const char *s, size_t n, struct cm_ssh_dest *d, char *why, size_t wl);

/* "[user@]host[:port]" (brackets around an IPv6 host) into buf, without the
 * user when with_user is false. */
void cm_ssh_dest_name(const struct cm_ssh_dest *d, int with_user, char *buf, size_t cap);

/* Go's time.ParseDuration for -i and -timeout: "500ms", "1s", "1m30s",
 * "1.5h", units ns us µs ms s m h. Stores nanoseconds; -1 on bad syntax or
 * overflow. */
int cm_duration_parse(const char *s, long long *ns);

#endif
