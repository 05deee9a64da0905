/* viewer_common: the few helpers on the viewer's state that every other
 * file of the viewer uses: the message, the current level, the profile the
 * views are built from and the copy a report may change. It is the
 * bottom of the viewer: it calls none of the other files, so the level
 * files (viewer_top, viewer_source, viewer_peek) need nothing above
 * themselves. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

size_t viewer_copy_work(const struct cm_profile *p, const struct cm_report_opts *ro)
{
	return p->nlocations + p->nfunctions +
	       (cm_report_opts_change_samples(ro) ? p->nsamples : 0);
}

const struct cm_profile *viewer_pristine(const struct cm_viewer *v)
{
	return v->diff ? v->diff : v->raw;
}

enum cm_viewer_change viewer_change(const struct cm_viewer *v, int64_t x)
{
	if (!v->diff || !x)
		return CM_CHANGE_NONE;
	return x > 0 ? CM_CHANGE_GROWTH : CM_CHANGE_SHRINK;
}

struct vlevel *viewer_cur(const struct cm_viewer *v)
{
	return &v->levels[v->depth - 1];
}

const struct cm_stack_tree *viewer_stacks(struct cm_viewer *v)
{
	struct vstate *st = v->st;
	if (!st)
		return NULL;
	if (!st->stacks_built) {
		if (cm_stack_tree_build(&st->stacks, st->rep.p, &st->top.nodes, st->rep.vi) < 0)
			return NULL;
		st->stacks_built = true;
	}
	return &st->stacks;
}

char *viewer_path_of(const struct cm_stack_tree *t, uint32_t f)
{
	size_t len = 1;
	for (uint32_t x = f; x < t->nframes && x != 0; x = t->frames[x].parent)
		len += strlen(cm_stack_tree_name(t, x)) + 1;
	char *path = malloc(len);
	if (!path)
		return NULL;
	/* written from the end: the walk goes leaf to root */
	size_t at = len - 1;
	path[at] = '\0';
	for (uint32_t x = f; x < t->nframes && x != 0; x = t->frames[x].parent) {
		const char *name = cm_stack_tree_name(t, x);
		size_t n = strlen(name);
		if (at != len - 1)
			path[--at] = '\n';
		at -= n;
		memcpy(path + at, name, n);
	}
	if (at)
		memmove(path, path + at, len - at);
	return path;
}

uint32_t viewer_path_find(const struct cm_stack_tree *t, const char *path)
{
	uint32_t f = 0;
	char name[4096];
	while (path && *path) {
		const char *nl = strchr(path, '\n');
		size_t n = nl ? (size_t)(nl - path) : strlen(path);
		if (n >= sizeof(name))
			return f;
		memcpy(name, path, n);
		name[n] = '\0';
		uint32_t c = cm_stack_tree_child(t, f, name);
		if (c == CM_STACK_NONE)
			return f;
		f = c;
		path = nl ? nl + 1 : path + n;
	}
	return f;
}
