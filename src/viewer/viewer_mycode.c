/* viewer_mycode: "my code": whose code each function of the shown profile
 * is (the program's, the standard library's, a dependency's; see
 * cmon/profile/gopkg.h), for dimming the others, and the -hide regex that
 * takes the standard library's frames out. Calls viewer_common.c only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viewer_int.h"

int vmine_owners(const struct cm_viewer *v, struct cm_code_owners *out)
{
	const struct cm_profile *p = viewer_pristine(v);
	if (!p) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	return cm_code_owners_build(out, p, v->module);
}

int vmine_hide(const struct cm_viewer *v, const struct cm_code_owners *o, char **out)
{
	*out = NULL;
	if (!v->hide_std)
		return 0;
	bool oom;
	char *std = cm_code_owners_std_regex(o, &oom);
	if (!std)
		return oom ? -1 : 0;
	const char *user = v->filters[CM_VFILTER_HIDE];
	if (!user) {
		*out = std;
		return 0;
	}
	/* either one hides a frame; each keeps its own flags and anchors */
	size_t n = strlen(user) + strlen(std) + sizeof("(?:)|(?:)");
	char *both = malloc(n);
	if (both)
		snprintf(both, n, "(?:%s)|(?:%s)", user, std);
	free(std);
	*out = both;
	return both ? 0 : -1;
}
