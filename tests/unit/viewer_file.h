/* viewer_file.h: a committed profile (tests/data/NAME) loaded into a
 * viewer, for the unit tests of the viewer. Include check.h first. */
#ifndef CMON_TEST_VIEWER_FILE_H
#define CMON_TEST_VIEWER_FILE_H

#include <stdio.h>
#include <stdlib.h>

#include "cmon/viewer/viewer.h"
#include "read_all.h"

/* 0, or -1 after a failed CHECK naming the file and why. */
static int viewer_load_file(struct cm_viewer *v, const char *profile)
{
	char err[512], path[512];
	snprintf(path, sizeof(path), CMON_SOURCE_DIR "/tests/data/%s", profile);
	size_t len;
	unsigned char *data = read_all(path, &len);
	CHECK_MSG(data != NULL, "read %s", path);
	int rc = data ? cm_viewer_load(v, data, len, 0, err, sizeof(err)) : -1;
	CHECK_MSG(rc == 0, "load %s: %s", profile, err);
	free(data);
	return rc;
}

#endif
