/* json_out: -json's lines (NDJSON), one object per service per round,
 * written with jansson:
 *   {"time":"2026-12-05T03:12:04.250Z","unix":1796440324.25,
 *    "service":{"label":"demo","address":"127.0.0.1:6060"},"state":"up",
 *    "error":null,"vars":{"memstats.Alloc":123456,"goroutines":9},
 *    "restarted":false}
 * A var is named by its title (the path as written); its value is the one
 * the monitor holds (a rate: per second), a number, a string, or null for
 * N/A (and for NaN and the infinities, which JSON cannot say). Text from
 * services is cleaned as -dummy's is. */
#ifndef CMON_JSON_OUT_H
#define CMON_JSON_OUT_H

#include "cmon/base/strbuf.h"
#include "cmon/monitor/monitor.h"

/* Every service's line at wall time now, appended to out (out->oom when
 * out of memory). */
void cm_json_lines(const struct cm_monitor *m, double now, unsigned clean, struct cm_strbuf *out);

#endif
