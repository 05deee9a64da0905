/* trigger: -trigger's grammar and its evaluation, per service per poll.
 *
 *   -trigger='VAR OP NUMBER:KINDS[:OPTION,...]'   several: repeat the flag,
 *                                                  or separate them with ';'
 *   VAR      a var as -vars writes it (varspec.h): rate:requests,
 *            memstats.HeapAlloc, @goroutines, dur:memstats.PauseNs[-1]
 *   OP       > >= < <=
 *   NUMBER   1500, 1.5e3, -2; with a byte unit (B, KB, MB, GB, TB: 1024
 *            steps, as the screen shows bytes; KiB... too) or a duration
 *            unit (ns, us, µs, ms, s, m, h: compared in nanoseconds with a
 *            duration var's value, dur.ms: vars included)
 *   KINDS    profiles to capture: cpu, heap, allocs, goroutine, block,
 *            mutex, threadcreate, comma separated
 *   OPTIONS  for=N      the condition holds for N polls in a row (1)
 *            cooldown=DURATION  no second capture by this trigger from the
 *                       same service sooner than this after one (5m)
 *
 *   rate:requests>500:cpu,heap
 *   memstats.HeapAlloc>1GB:heap,goroutine
 *   @goroutines>=10000:goroutine:for=3,cooldown=10m
 *
 * The var is watched whether or not -vars names it: one -vars does not
 * name is added to the list (a column of its own: what a trigger watches
 * is worth seeing), one it names (the same path, rate: and source,
 * whatever its display kind) is that column.
 *
 * Evaluation (cm_triggers_eval, after each of a service's polls): a
 * trigger fires on a service when its condition has held for `for` polls
 * in a row, has not fired since the condition last became true (it
 * re-arms when the condition is false: a condition that stays true does
 * not capture in a loop), and last fired there at least `cooldown` ago.
 * An N/A value (down, not published, a rate's first poll) is false. At
 * most one CPU capture per service at a time: while the app says one runs
 * there (cm_triggers_cpu_busy), a trigger that fires captures its other
 * kinds only. No curl, no curses: unit-tested.
 *
 * Ownership: a cm_trigger_set owns its triggers, their texts and their
 * per-service state. */
#ifndef CMON_TRIGGER_H
#define CMON_TRIGGER_H

#include <stdbool.h>
#include <stddef.h>

#include "cmon/monitor/prof_pane.h"
#include "cmon/monitor/varspec.h"

#define CM_TRIGGERS_MAX 32
#define CM_TRIGGER_COOLDOWN_DEFAULT 300.0 /* seconds */
#define CM_TRIGGER_FOR_MAX 1000000

enum cm_trigger_op { CM_TRIG_GT, CM_TRIG_GE, CM_TRIG_LT, CM_TRIG_LE };

/* One trigger's state on one service. */
struct cm_trigger_svc {
	unsigned streak; /* polls in a row the condition held */
	bool fired;      /* fired since the condition last became true */
	double last;     /* wall seconds of the last firing, 0 = never */
};

struct cm_trigger {
	char *text;             /* owned: "rate:requests>500", for lines and marks */
	struct cm_var var;      /* owned: the var as parsed, until cm_triggers_bind
				 * moves it into the vars (when -vars lacks it) */
	size_t var_index;       /* its column in the monitor's vars (cm_triggers_bind) */
	enum cm_trigger_op op;
	double threshold;       /* in the var's unit; ns for a duration unit */
	bool duration_unit;     /* threshold was given with a duration unit */
	unsigned kinds;         /* bit (1u << cm_prof_kind) per kind to capture */
	unsigned for_polls;     /* >= 1 */
	double cooldown;        /* seconds */
	struct cm_trigger_svc *svc; /* owned, nsvc of them */
};

struct cm_trigger_set {
	struct cm_trigger *v; /* owned */
	size_t n;
	size_t nsvc;          /* services the state is held for */
	bool *cpu_busy;       /* owned, nsvc: a CPU capture runs on that service */
};

/* Parses one -trigger value (triggers separated by ';') into set,
 * appending. 0, or -1 with one line in err quoting the bad field:
 *   bad -trigger field "rate:requests>>5": ...  */
int cm_triggers_parse(struct cm_trigger_set *set, const char *spec, char *err, size_t errlen);

/* Finds each trigger's var in vars (appending a copy when -vars does not
 * name it, see above) and sets its var_index. 0, or -1 when out of memory
 * or at CM_VARS_MAX. Call before the monitor takes the vars. */
int cm_triggers_bind(struct cm_trigger_set *set, struct cm_var_list *vars);

/* Sizes the per-service state for nsvc services; to (of nold, may be
 * NULL: nothing kept) maps old indexes to new ones (SIZE_MAX: gone), as
 * cm_monitor_set_targets gives it. 0, or -1 when out of memory (nothing
 * changed). */
int cm_triggers_resize(struct cm_trigger_set *set, size_t nsvc, const size_t *to, size_t nold);

/* True when value (a monitor cell's number, in var's unit) meets t's
 * condition. */
bool cm_trigger_holds(const struct cm_trigger *t, const struct cm_var *var, double value);

struct cm_monitor;

/* One firing: trigger index and the kinds to capture now. */
struct cm_trigger_fire {
	size_t trigger;
	unsigned kinds; /* t->kinds, less cpu when one ran there already */
};

/* Service svc was polled at wall time now: evaluates every trigger on it
 * and writes each that fires into out (at most cap). Returns how many.
 * A firing that includes cpu marks the service busy (until
 * cm_triggers_cpu_busy(set, svc, false)). */
size_t cm_triggers_eval(struct cm_trigger_set *set, const struct cm_monitor *m, size_t svc,
			double now, struct cm_trigger_fire *out, size_t cap);

/* The app's word on whether a CPU capture runs on svc (a trigger's, or
 * the pane's own): a trigger firing there then leaves cpu out. */
void cm_triggers_cpu_busy(struct cm_trigger_set *set, size_t svc, bool busy);

/* "cpu,heap": kinds' names into buf. */
void cm_trigger_kinds_text(char *buf, size_t len, unsigned kinds);

void cm_triggers_free(struct cm_trigger_set *set);

#endif
