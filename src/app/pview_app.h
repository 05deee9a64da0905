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
	struct cm_profile *profile; /* the sources, loaded and merged: taken; NULL:
				     * the app fetches them itself, in its loop
				     * with the screen up (URL sources) */
	unsigned char *raw;     /* profile's bytes as fetched (one source), or NULL
				 * (a single file is read again for w): taken */
	size_t raw_len;
	const char *exec_name;  /* the [binary] argument, or NULL: borrowed */
	const char *buildid;    /* -buildid, or NULL: borrowed */
	int timeout;            /* -timeout, seconds; <= 0: the capture's + 30 s */
	struct cm_profile *base;    /* -base / -diff_base, or NULL: taken */
	bool diff_base;
	const struct cm_pprof_remote *remote; /* ssh tunnels of the sources, or NULL: borrowed */
	const char *tls_cert, *tls_key, *tls_ca; /* -tls_*, for r's fetches, or NULL: borrowed */
};

/* The exit status when the person cancelled the first fetch (q, Esc,
 * Ctrl-C, a kill signal) before any profile came: what a shell reports
 * for a command ended by Ctrl-C. Nothing is printed. */
#define CM_PVIEW_APP_CANCELLED 130

/* Runs the viewer until q. Takes the profiles in every case. Returns the
 * exit status: 0, 1 (the terminal or the profile failed: with profile
 * NULL, the first fetch failed, its reason printed once the screen is
 * gone), CM_PVIEW_APP_CANCELLED. */
int cm_pview_app_run(struct cm_pview_app_args *a);

#endif
