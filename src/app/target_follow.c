/* target_follow: -ports=@FILE and -targets=PROMETHEUS followed while the
 * monitor runs (see target_follow.h).
 *
 * The file is looked at with one stat per interval, not inotify: a stat
 * costs microseconds; it sees a file replaced by rename (editors and
 * configuration tools write a new file and rename it over the old one,
 * which an inotify watch on the old inode misses), a file on NFS or
 * behind a container's bind mount (where inotify sees nothing), and a
 * file that is deleted and comes back; and it needs no descriptor of its
 * own in the loop's poll. A change is a new inode, device, size or mtime
 * (to the nanosecond).
 *
 * ssh:// entries are not taken from a followed source: the ssh tunnels
 * are set up once, at the start, for the services listed then. */
#include "target_follow.h"

#include "cmon/base/url.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool has_ssh(const struct cm_target_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ssh)
			return true;
	return false;
}

/* The file's whole text (NUL-terminated) into *text; -1 with the reason
 * in why. */
static int read_whole(int fd, const char *path, char **text, size_t *len, char *why, size_t wl)
{
	char *buf = malloc(CM_TARGETS_FILE_MAX + 1);
	if (!buf) {
		snprintf(why, wl, "%s: out of memory", path);
		return -1;
	}
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, CM_TARGETS_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, wl, "%s: %s", path, strerror(errno));
			free(buf);
			return -1;
		}
		if (r == 0 || (n += (size_t)r) > CM_TARGETS_FILE_MAX)
			break;
	}
	if (n > CM_TARGETS_FILE_MAX) {
		snprintf(why, wl, "%s: bigger than %u bytes", path, CM_TARGETS_FILE_MAX);
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Reads and parses the file into *out; -1 with why. st: what fstat saw
 * of the file read (so that a change while reading shows next time). */
static int load_file(const char *path, struct cm_target_list *out, struct stat *st, char *why,
		     size_t wl)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, wl, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	int rc = -1;
	if (fstat(fd, st) < 0)
		snprintf(why, wl, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st->st_mode))
		snprintf(why, wl, "%s: not a regular file", path);
	else
		rc = read_whole(fd, path, &text, &len, why, wl);
	close(fd);
	if (rc == 0)
		rc = cm_targets_parse_lines(text, len, path, out, why, wl);
	free(text);
	if (rc == 0 && has_ssh(out)) {
		snprintf(why, wl, "%s: ssh:// entries are not followed: put them in -ports", path);
		cm_targets_free(out);
		rc = -1;
	}
	return rc;
}

/* A path that is the -endpoint is no path of its own: the same service
 * as the entry that names none. */
static void drop_endpoint_paths(struct cm_target_list *l, const char *endpoint)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].path && endpoint && !strcmp(l->v[i].path, endpoint)) {
			free(l->v[i].path);
			l->v[i].path = NULL;
		}
	}
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The same services in the same order, with the same credentials: a
 * re-read that changes nothing is no change (the schedule is not
 * disturbed every time Prometheus is asked). */
static bool same_list(const struct cm_target_list *a, const struct cm_target_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!cm_target_same(&a->v[i], &b->v[i]) || !same_text(a->v[i].user, b->v[i].user) ||
		    !same_text(a->v[i].password, b->v[i].password))
			return false;
	return true;
}

/* A source's new good list replaces its last one; changed when it
 * differs. */
static void take_list(struct cm_follow *f, struct cm_target_list *last, struct cm_target_list *l)
{
	drop_endpoint_paths(l, f->endpoint);
	if (same_list(last, l)) {
		cm_targets_free(l);
		return;
	}
	cm_targets_free(last);
	*last = *l;
	f->changed = true;
}

static void set_problem(struct cm_follow *f, char *dst, size_t cap, const char *text)
{
	if (!strcmp(dst, text))
		return;
	snprintf(dst, cap, "%s", text);
	f->problem_changed = true;
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

void cm_follow_check_file(struct cm_follow *f)
{
	if (!f->file)
		return;
	struct stat st;
	char why[sizeof f->file_problem - 32];
	if (stat(f->file, &st) < 0) {
		snprintf(why, sizeof why, "%s: %s", f->file, strerror(errno));
		f->file_stat_ok = false;
	} else if (f->file_stat_ok && same_stat(&st, &f->file_stat)) {
		return; /* unchanged: its problem, if any, stands */
	} else {
		struct cm_target_list l = {0};
		f->file_stat_ok = true;
		f->file_stat = st;
		if (load_file(f->file, &l, &f->file_stat, why, sizeof why) == 0) {
			take_list(f, &f->file_list, &l);
			set_problem(f, f->file_problem, sizeof f->file_problem, "");
			return;
		}
	}
	char line[sizeof f->file_problem];
	snprintf(line, sizeof line, "%s; last list kept", why);
	set_problem(f, f->file_problem, sizeof f->file_problem, line);
}

static int init_ports(struct cm_follow *f, const char *ports, char *err, size_t errlen)
{
	if (!ports || !*ports)
		return 0;
	if (ports[0] != '@') {
		if (cm_targets_parse(ports, &f->fixed, err, errlen) < 0)
			return 2;
		drop_endpoint_paths(&f->fixed, f->endpoint);
		/* The targets have their copies; ps shows argv, where -ports points. */
		cm_targets_hide_passwords((char *)ports);
		return 0;
	}
	f->file = ports + 1;
	if (!*f->file) {
		snprintf(err, errlen, "-ports=@FILE names no file");
		return 2;
	}
	if (load_file(f->file, &f->file_list, &f->file_stat, err, errlen) < 0)
		return 2;
	drop_endpoint_paths(&f->file_list, f->endpoint);
	f->file_stat_ok = true;
	return 0;
}

int cm_follow_init(struct cm_follow *f, const char *ports, const char *targets,
		   const char *endpoint, double interval, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	f->endpoint = endpoint;
	int rc = init_ports(f, ports, err, errlen);
	if (rc == 0 && targets && *targets) {
		if (cm_prom_source_parse(targets, &f->prom, err, errlen) < 0)
			return 2;
		cm_url_hide_password((char *)targets, strlen(targets));
		f->prom_on = true;
		if (has_ssh(&f->fixed)) {
			snprintf(err, errlen, "ssh:// entries go with a -ports list alone: the tunnels "
					      "are set up once, for the services listed at the start");
			return 2;
		}
		f->prom_every = interval > CM_FOLLOW_PROM_EVERY ? interval : CM_FOLLOW_PROM_EVERY;
	}
	return rc;
}

void cm_follow_free(struct cm_follow *f)
{
	if (f->prom_id && f->fetch)
		cm_fetch_cancel(f->fetch, f->prom_id);
	cm_targets_free(&f->fixed);
	cm_targets_free(&f->file_list);
	cm_targets_free(&f->prom_list);
	cm_prom_source_free(&f->prom);
	memset(f, 0, sizeof *f);
}

bool cm_follow_active(const struct cm_follow *f)
{
	return f->file || f->prom_on;
}

/* The hashes of the targets listed by -ports (fixed or file), sorted, to
 * leave out the Prometheus targets they already list. */
struct listed {
	unsigned long long *h;
	size_t n;
	const struct cm_target_list *l; /* whose first n are -ports' */
};

static int cmp_hash(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
	return x < y ? -1 : x > y;
}

static bool not_listed(void *ctx, const struct cm_target *t)
{
	const struct listed *ls = ctx;
	unsigned long long h = cm_target_hash(t);
	if (!bsearch(&h, ls->h, ls->n, sizeof *ls->h, cmp_hash))
		return true;
	for (size_t i = 0; i < ls->n; i++) /* a hash hit: make sure (out grows: its first n) */
		if (cm_target_same(&ls->l->v[i], t))
			return false;
	return true;
}

/* Prometheus's targets that -ports does not list, appended to out. */
static int add_prom(const struct cm_follow *f, struct cm_target_list *out, char *err,
		    size_t errlen)
{
	struct listed ls = {malloc((out->n ? out->n : 1) * sizeof *ls.h), out->n, out};
	if (!ls.h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < ls.n; i++)
		ls.h[i] = cm_target_hash(&out->v[i]);
	qsort(ls.h, ls.n, sizeof *ls.h, cmp_hash);
	int rc = cm_targets_copy(out, &f->prom_list, not_listed, &ls, err, errlen);
	free(ls.h);
	return rc;
}

int cm_follow_list(const struct cm_follow *f, struct cm_target_list *out, char *err,
		   size_t errlen)
{
	*out = (struct cm_target_list){0};
	if (cm_targets_copy(out, &f->fixed, NULL, NULL, err, errlen) < 0 ||
	    cm_targets_copy(out, &f->file_list, NULL, NULL, err, errlen) < 0 ||
	    add_prom(f, out, err, errlen) < 0) {
		cm_targets_free(out);
		return -1;
	}
	return 0;
}

/* ---- Prometheus ---- */

static void on_prom(void *ctx, const struct cm_fetch_result *r)
{
	struct cm_follow *f = ctx;
	char why[sizeof f->prom_problem - 48], line[sizeof f->prom_problem];
	struct cm_target_list l = {0};
	f->prom_id = 0;
	f->prom_answered = true;
	f->prom_due = mono_s() + f->prom_every;
	if (r->error) {
		snprintf(why, sizeof why, "%s", r->error);
	} else if (cm_targets_from_prom(r->body, r->len, f->prom.job, &l, why, sizeof why) == 0) {
		take_list(f, &f->prom_list, &l); /* http(s) only: no ssh:// */
		set_problem(f, f->prom_problem, sizeof f->prom_problem, "");
		return;
	}
	snprintf(line, sizeof line, "Prometheus %s: %s; last list kept", f->prom.api.display, why);
	set_problem(f, f->prom_problem, sizeof f->prom_problem, line);
}

double cm_follow_run_due(struct cm_follow *f, struct cm_fetch *fetch, long timeout_ms,
			 double now)
{
	if (!f->prom_on)
		return now + 3600;
	f->fetch = fetch;
	if (f->prom_id || now < f->prom_due)
		return f->prom_id ? now + f->prom_every : f->prom_due;
	struct cm_request req = {
		.url = f->prom.url,
		.user = f->prom.api.user,
		.password = f->prom.api.password,
		.timeout_ms = timeout_ms,
		.max_body = CM_PROM_API_MAX_BODY,
		.cb = on_prom,
		.ctx = f,
	};
	f->prom_id = cm_fetch_start(fetch, &req);
	if (f->prom_id < 0) { /* out of memory: try again next time */
		f->prom_id = 0;
		f->prom_due = now + f->prom_every;
	}
	return now + f->prom_every;
}

bool cm_follow_settled(const struct cm_follow *f)
{
	return !f->prom_on || f->prom_answered;
}

void cm_follow_problem(const struct cm_follow *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", f->file_problem,
		 f->file_problem[0] && f->prom_problem[0] ? "; " : "", f->prom_problem);
}
