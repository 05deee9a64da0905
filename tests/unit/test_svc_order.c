/* test_svc_order: the several-services screen's rows: sorted by a var's
 * column both ways and back to the command line's order, by name and by
 * state, filtered by a Go regex over name and address, and held in place
 * while the person moves. */
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
	return check_status("test_svc_order");
}
