/* viewer_common: the few helpers on the viewer's state that every other
 * file of the viewer uses: the message, the current level, the profile the
 * views are built from and the copy a report may change. It is the
 * bottom of the viewer: it calls none of the other files, so the level
 * files (viewer_top, viewer_source, viewer_peek) need nothing above
 * themselves. */
#include <stdarg.h>
#include <stdio.h>

#include "cmon/profile/profile_ops.h"
#include "viewer_int.h"

void viewer_msg(struct cm_viewer *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	v->has_msg = true;
}

void viewer_clear_msg(struct cm_viewer *v)
{
	v->has_msg = false;
}

/* A copy of p that cm_report_prepare under ro may change: the filters
 * rewrite samples, aggregation only the tables. */
struct cm_profile *viewer_work_copy(const struct cm_profile *p, const struct cm_report_opts *ro)
{
	return cm_report_opts_change_samples(ro) ? cm_profile_clone(p) : cm_profile_clone_tables(p);
}

const struct cm_profile *viewer_pristine(const struct cm_viewer *v)
{
	return v->diff ? v->diff : v->raw;
}

struct vlevel *viewer_cur(const struct cm_viewer *v)
{
	return &v->levels[v->depth - 1];
}
