/* test_svc_order: the several-services screen's rows: sorted by a var's
 * column both ways and back to the command line's order, by name and by
 * state, filtered by a Go regex over name and address, and held in place
 * while the person moves; searched (n/N's jumps, round the ends); grouped
 * by host with a heading line a group, the sort holding inside groups. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "monitor_make.h"
#include "cmon/monitor/svc_order.h"


/* Service i answers as program prog with requests. */
static void answer(struct cm_monitor *m, size_t i, const char *prog, long requests)
{
	char b[256];
	int n = snprintf(b, sizeof b, "{\"cmdline\": [\"%s\"], \"requests\": %ld}", prog, requests);
	CHECK(cm_monitor_vars_result(m, i, b, (size_t)n, NULL, 1) == 0);
}

/* The rows as service indices, "2 0 1". */
static const char *rows_of(const struct cm_svc_order *o)
{
	static char out[256];
	size_t w = 0;
	out[0] = '\0';
	for (size_t r = 0; r < o->n && w < sizeof out; r++)
		w += (size_t)snprintf(out + w, sizeof out - w, "%s%zu", r ? " " : "", o->rows[r]);
	return out;
}

/* The table's lines: "[h0] 0 1 [h2] 2", a heading as [row where its group
 * starts]. */
static const char *lines_of(const struct cm_svc_order *o)
{
	static char out[256];
	size_t w = 0;
	out[0] = '\0';
	for (size_t l = 0; l < o->nlines && w < sizeof out; l++) {
		const struct cm_svc_line *x = &o->lines[l];
		if (x->heading)
			w += (size_t)snprintf(out + w, sizeof out - w, "%s[h%zu:%zu]", l ? " " : "", x->row, x->n);
		else
			w += (size_t)snprintf(out + w, sizeof out - w, "%s%zu", l ? " " : "", o->rows[x->row]);
	}
	return out;
}

/* n and N: the next match after the row, round the end, either way; no
 * search or no match: SIZE_MAX. */
static void test_search(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4,127.0.0.1:5", "requests");
	const char *progs[] = {"/srv/web", "/srv/api", "/srv/web2", "/srv/db", "/srv/api2"};
	for (size_t i = 0; i < 5; i++)
		answer(&m, i, progs[i], (long)i);
	struct cm_svc_order o;
	char err[256];
	cm_svc_order_init(&o, 1.0);
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK(cm_svc_order_next_hit(&o, &m, 0, 1) == SIZE_MAX); /* no search */
	CHECK(cm_svc_order_set_search(&o, "^api", err, sizeof err) == 0);
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK_STR(rows_of(&o), "0 1 2 3 4", "a search hides nothing");
	CHECK(cm_svc_order_hit(&o, &m, 1) && cm_svc_order_hit(&o, &m, 4) && !cm_svc_order_hit(&o, &m, 0));
	CHECK(cm_svc_order_next_hit(&o, &m, 0, 1) == 1);
	CHECK(cm_svc_order_next_hit(&o, &m, 1, 1) == 4);
	CHECK(cm_svc_order_next_hit(&o, &m, 4, 1) == 1);  /* round the end */
	CHECK(cm_svc_order_next_hit(&o, &m, 1, -1) == 4); /* and back round the top */
	CHECK(cm_svc_order_next_hit(&o, &m, 3, -1) == 1);
	CHECK(cm_svc_order_next_hit(&o, &m, SIZE_MAX, 1) == 1);  /* no selection: from the top */
	CHECK(cm_svc_order_next_hit(&o, &m, SIZE_MAX, -1) == 4); /* from the bottom */
	/* the rows as sorted: highest requests first, 4 3 2 1 0 */
	cm_svc_order_cycle_var(&o, 0);
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK_STR(rows_of(&o), "4 3 2 1 0", "sorted");
	CHECK(cm_svc_order_next_hit(&o, &m, 0, 1) == 3); /* row 3 is service 1 */
	/* the only match: itself */
	CHECK(cm_svc_order_set_search(&o, "db", err, sizeof err) == 0);
	CHECK(cm_svc_order_next_hit(&o, &m, 1, 1) == 1);
	CHECK(cm_svc_order_next_hit(&o, &m, 1, -1) == 1);
	CHECK(cm_svc_order_set_search(&o, "nothing", err, sizeof err) == 0);
	CHECK(cm_svc_order_next_hit(&o, &m, 1, 1) == SIZE_MAX);
	CHECK(cm_svc_order_set_search(&o, "[", err, sizeof err) == -1);
	CHECK_STR(o.search_text, "nothing", "a bad regex leaves the search");
	CHECK(cm_svc_order_set_search(&o, NULL, err, sizeof err) == 0);
	CHECK(!o.search && !cm_svc_order_hit(&o, &m, 3));
	cm_svc_order_free(&o);
	cm_monitor_free(&m);
}

/* Groups: by host (an ssh entry's ssh host), in the order of their first
 * row (as listed: as named; sorted: the top service's host first); the
 * sort holds inside each; one host: no headings; filtered to one host:
 * none either. */
static void test_groups(void)
{
	struct cm_monitor m;
	make(&m, "b.example:1,a.example:2,b.example:3,a.example:4,ssh://z.example/a.example:5",
	     "requests");
	long req[] = {10, 20, 30, 40, 50};
	for (size_t i = 0; i < 5; i++)
		answer(&m, i, "/srv/x", req[i]);
	CHECK_STR(cm_svc_host(&m, 4), "z.example", "an ssh entry's host is the ssh host");
	struct cm_svc_order o;
	char err[256];
	cm_svc_order_init(&o, 1.0);
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK(!cm_svc_order_grouped(&o) && o.nlines == 5); /* not asked */
	CHECK_STR(lines_of(&o), "0 1 2 3 4", "ungrouped");
	o.group = true;
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK(cm_svc_order_grouped(&o) && o.ngroups == 3);
	CHECK_STR(lines_of(&o), "[h0:2] 0 2 [h2:2] 1 3 [h4:1] 4", "by host, listed inside");
	CHECK_STR(rows_of(&o), "0 2 1 3 4", "rows follow the groups");
	CHECK(cm_svc_order_line_of(&o, 2) == 4 && cm_svc_order_line_of(&o, 0) == 1);
	CHECK(cm_svc_order_line_of(&o, 5) == SIZE_MAX);
	cm_svc_order_cycle_var(&o, 0); /* highest first, inside each group */
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK_STR(lines_of(&o), "[h0:1] 4 [h1:2] 3 1 [h3:2] 2 0", "the top service's host first");
	/* held: a value changes, rows stay, groups too */
	answer(&m, 1, "/srv/x", 99);
	cm_svc_order_moved(&o, 5);
	CHECK(cm_svc_order_update(&o, &m, 5.5, false) == 0);
	CHECK_STR(lines_of(&o), "[h0:1] 4 [h1:2] 3 1 [h3:2] 2 0", "held");
	CHECK(cm_svc_order_update(&o, &m, 7, false) == 0);
	CHECK_STR(lines_of(&o), "[h0:2] 1 3 [h2:1] 4 [h3:2] 2 0", "released");
	/* filtered to one host: no heading */
	CHECK(cm_svc_order_set_filter(&o, "b\\.example", err, sizeof err) == 0);
	CHECK(cm_svc_order_update(&o, &m, 8, true) == 0);
	CHECK(!cm_svc_order_grouped(&o));
	CHECK_STR(lines_of(&o), "2 0", "one host shown: no heading");
	cm_svc_order_free(&o);
	cm_monitor_free(&m);

	make(&m, "127.0.0.1:1,127.0.0.1:2", "requests");
	cm_svc_order_init(&o, 1.0);
	o.group = true;
	CHECK(cm_svc_order_update(&o, &m, 1, true) == 0);
	CHECK(!cm_svc_order_grouped(&o) && o.ngroups == 1);
	CHECK_STR(lines_of(&o), "0 1", "one host: no heading");
	cm_svc_order_free(&o);
	cm_monitor_free(&m);
}

int main(void)
{
	struct cm_monitor m;
	make(&m, "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4", "requests");
	answer(&m, 0, "/srv/web", 5);
	answer(&m, 1, "/srv/api", 113);
	answer(&m, 2, "/srv/db", 62);
	CHECK(cm_monitor_vars_result(&m, 3, NULL, 0, "connection refused", 1) == 0);
	struct cm_svc_order o;
	cm_svc_order_init(&o, 1.0);
	CHECK(cm_svc_order_update(&o, &m, 10, false) == 0);
	CHECK_STR(rows_of(&o), "0 1 2 3", "listed");

	/* s: highest first (the down service last), lowest first, as listed */
	cm_svc_order_cycle_var(&o, 0);
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK_STR(rows_of(&o), "1 2 0 3", "highest first");
	char what[128];
	cm_svc_order_describe(&o, &m, what, sizeof what);
	CHECK_STR(what, "by requests (highest first)", "describe");
	cm_svc_order_cycle_var(&o, 0);
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK_STR(rows_of(&o), "0 2 1 3", "lowest first");
	cm_svc_order_cycle_var(&o, 0);
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK_STR(rows_of(&o), "0 1 2 3", "back as listed");

	/* o: by name, by state (down first) */
	cm_svc_order_cycle_other(&o);
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK_STR(rows_of(&o), "3 1 2 0", "by name: 127.0.0.1:4, api, db, web");
	cm_svc_order_cycle_other(&o);
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK_STR(rows_of(&o), "3 0 1 2", "by state");

	/* values change while the person moves: the rows hold, then re-sort */
	cm_svc_order_cycle_other(&o);
	cm_svc_order_cycle_var(&o, 0);
	CHECK(cm_svc_order_update(&o, &m, 10, true) == 0);
	CHECK_STR(rows_of(&o), "1 2 0 3", "highest first again");
	answer(&m, 0, "/srv/web", 500);
	cm_svc_order_moved(&o, 20);
	CHECK(cm_svc_order_update(&o, &m, 20.5, false) == 0);
	CHECK_STR(rows_of(&o), "1 2 0 3", "held");
	CHECK(cm_svc_order_update(&o, &m, 21.5, false) == 0);
	CHECK_STR(rows_of(&o), "0 1 2 3", "released");

	/* the filter: a Go regex over name and address */
	char err[256];
	CHECK(cm_svc_order_set_filter(&o, "^(api|db)$|:4$", err, sizeof err) == 0);
	CHECK(cm_svc_order_update(&o, &m, 30, true) == 0);
	CHECK_STR(rows_of(&o), "3", "anchored: the name is not the whole text");
	CHECK(cm_svc_order_set_filter(&o, "(?i)^(API|db) |:4$", err, sizeof err) == 0);
	CHECK(cm_svc_order_update(&o, &m, 30, true) == 0);
	CHECK_STR(rows_of(&o), "1 2 3", "name then address");
	CHECK(cm_svc_order_matches(&o, &m, 1) && !cm_svc_order_matches(&o, &m, 0));
	CHECK(cm_svc_order_row_of(&o, 0) == SIZE_MAX);
	CHECK(cm_svc_order_set_filter(&o, "(", err, sizeof err) == -1);
	CHECK_MSG(strstr(err, "missing closing )") != NULL, "%s", err);
	CHECK_STR(o.filter_text, "(?i)^(API|db) |:4$", "a bad regex leaves the filter");
	/* held: a service that stops matching leaves at once */
	cm_svc_order_moved(&o, 40);
	CHECK(cm_svc_order_set_filter(&o, "api", err, sizeof err) == 0);
	CHECK(cm_svc_order_update(&o, &m, 40.2, false) == 0);
	CHECK_STR(rows_of(&o), "1", "held but filtered");
	CHECK(cm_svc_order_set_filter(&o, "", err, sizeof err) == 0);
	CHECK(o.filter == NULL && o.filter_text[0] == '\0');
	cm_svc_order_free(&o);
	cm_monitor_free(&m);
	test_search();
	test_groups();
	return check_status("test_svc_order");
}
