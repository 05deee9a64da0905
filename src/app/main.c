/* cmon: a terminal monitor and profiler for Go services. */
#include <curl/curl.h>
#include <stdbool.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmon/app/monitor_app.h"
#include "cmon/app/pprof_cli.h"
#include "cmon_config.h"

static bool is_any(const char *a, const char *x, const char *y, const char *z)
{
	return !strcmp(a, x) || !strcmp(a, y) || (z && !strcmp(a, z));
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc >= 2 && is_any(argv[1], "--version", "-version", NULL)) {
		printf("cmon %s\n", CMON_VERSION);
		return 0;
	}
	if (argc >= 2 && is_any(argv[1], "--help", "-help", "-h")) {
		cm_monitor_usage(stdout);
		return 0;
	}
	if (argc < 2) {
		cm_monitor_usage(stderr);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc;
	if (!strcmp(argv[1], "pprof")) {
		rc = cm_pprof_main(argc - 2, argv + 2);
	} else {
		/* The screen draws UTF-8 glyphs and names: take the user's locale. */
		setlocale(LC_ALL, "");
		/* ...but numbers stay "3.48", whatever the locale says. */
		setlocale(LC_NUMERIC, "C");
		rc = cm_monitor_main(argc - 1, argv + 1);
	}
	curl_global_cleanup();
	return rc;
}
