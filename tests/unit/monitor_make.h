/* monitor_make.h: a monitor made from -ports and -vars text, for the unit
 * tests of the monitor. Include check.h first. */
#ifndef CMON_TEST_MONITOR_MAKE_H
#define CMON_TEST_MONITOR_MAKE_H

#include "cmon/monitor/monitor.h"

static void make(struct cm_monitor *m, const char *ports, const char *vars)
{
	struct cm_target_list t = {0};
	struct cm_var_list v = {0};
	char err[256];
	CHECK_MSG(cm_targets_parse(ports, &t, err, sizeof err) == 0, "%s", err);
	CHECK_MSG(cm_vars_parse(vars, &v, err, sizeof err) == 0, "%s", err);
	CHECK(cm_monitor_init(m, &t, &v, "/debug/vars") == 0);
	CHECK(t.n == 0 && v.n == 0); /* moved */
}

#endif
