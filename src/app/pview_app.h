/* pview_app: `cmon pprof [flags] SOURCE...` without a report flag: the
 * profile viewer on the whole terminal, with its own loop (keys, signals,
 * resizes, and `r` re-fetching the sources without blocking the screen). */
#ifndef CMON_UI_PVIEW_APP_H
#define CMON_UI_PVIEW_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "cmon/profile/profile.h"
#include "cmon/viewer/viewer.h"

struct cm_pprof_remote;

struct cm_pview_app_args {
	char **specs;           /* the SOURCE arguments (borrowed), read again by r */
	int nspecs;
	int seconds;            /* -seconds, for URL sources */
	uint64_t max_inflated;  /* -max_inflated */
	struct cm_viewer_opts vo; /* the report flags */
	struct cm_profile *profile; /* the sources, loaded and merged: taken */
	struct cm_profile *base;    /* -base / -diff_base, or NULL: taken */
	bool diff_base;
	const struct cm_pprof_remote *remote; /* ssh tunnels of the sources, or NULL: borrowed */
};

/* Runs the viewer until q. Takes the profiles in every case. Returns the
 * exit status: 0, 1 (the terminal or the profile failed), 2 (stdout is not
 * a terminal). */
int cm_pview_app_run(struct cm_pview_app_args *a);

#endif
