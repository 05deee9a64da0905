/* cm_source_url: go tool pprof's source shorthands become the URLs it would
 * fetch; anything that is a file (or does not look like host:port) stays one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmon/net/pprof_source.h"

int main(void)
{
	static const struct {
		const char *spec;
		int seconds;
		const char *want; /* NULL: a file */
	} cases[] = {
		{"a:1", 0, "http://a:1/debug/pprof/profile"},
		{"a:1/x", 0, "http://a:1/x"},
		{"localhost:6060", 5, "http://localhost:6060/debug/pprof/profile?seconds=5"},
		{"localhost:6060/", 0, "http://localhost:6060/debug/pprof/profile"},
		{"localhost:6060/debug/pprof/heap", 0, "http://localhost:6060/debug/pprof/heap"},
		{"http://h:1", 0, "http://h:1/debug/pprof/profile"},
		{"https://h:1/debug/pprof/allocs?x=1", 0, "https://h:1/debug/pprof/allocs?x=1"},
		{"https://h:1/debug/pprof/profile?a=b", 3, "https://h:1/debug/pprof/profile?a=b&seconds=3"},
		{"http://h", 0, "http://h/debug/pprof/profile"},
		/* no host: pprof's Go client dials the local host */
		{":6060/debug/pprof/heap", 0, "http://localhost:6060/debug/pprof/heap"},
		{":6060", 2, "http://localhost:6060/debug/pprof/profile?seconds=2"},
		{":x", 0, NULL},
		{"nofile", 0, NULL},
		{"./x:1", 0, NULL},
		{"host:port", 0, NULL},
		{"/tmp", 0, NULL}, /* exists */
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = cm_source_url(cases[i].spec, cases[i].seconds);
		const char *want = cases[i].want;
		if ((got == NULL) != (want == NULL) || (got && strcmp(got, want))) {
			fprintf(stderr, "FAIL: %s -> %s, want %s\n", cases[i].spec,
				got ? got : "(file)", want ? want : "(file)");
			failed++;
		}
		free(got);
	}
	printf("test_source_url: %d of %zu failed\n", failed, sizeof(cases) / sizeof(cases[0]));
	return failed != 0;
}
