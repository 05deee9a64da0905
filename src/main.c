/* cmon: a terminal monitor and profiler for Go services. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cmon/pprof_cli.h"
#include "cmon_config.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cmon pprof [flags] SOURCE...   reports from pprof profiles\n"
		"       cmon --help | --version\n"
		"\n"
		"cmon reads Go services' /debug/pprof profiles and prints the same\n"
		"reports as go tool pprof (-top, -list, -peek, -traces), faster.\n"
		"`cmon pprof -help` lists its flags.\n");
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-version"))) {
		printf("cmon %s\n", CMON_VERSION);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-help") ||
			  !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "pprof")) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		int rc = cm_pprof_main(argc - 2, argv + 2);
		curl_global_cleanup();
		return rc;
	}
	usage(stderr);
	return 2;
}
