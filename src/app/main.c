/* cmon: a terminal monitor and profiler for Go services. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmon/app/monitor_app.h"
#include "cmon/app/pprof_cli.h"
#include "replay.h"
#include "cmon_config.h"

static bool is_any(const char *a, const char *x, const char *y, const char *z)
{
	return !strcmp(a, x) || !strcmp(a, y) || (z && !strcmp(a, z));
}

/* A standard descriptor that was closed (`cmon >&-`) would be taken by the
 * next file or socket opened, and the text meant for stdout written into
 * it. Each gets /dev/null instead, stdout's opened for reading only: a
 * write to it fails (EBADF) and is reported, as a write error must be. */
static void hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free descriptor: fd itself, the lower ones being open */
		if (open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY) < 0)
			return;
	}
}

/* stdout's buffered text out, or a message: a full disk or a reader gone
 * is an error (exit 1), not a silent success. who prefixes the message. */
static int flush_stdout(const char *who, int rc)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	fprintf(stderr, "%s: writing output: %s\n", who, strerror(errno ? errno : EIO));
	return 1;
}

int main(int argc, char **argv)
{
	hold_std_fds();
	static char outbuf[1 << 16];
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc >= 2 && is_any(argv[1], "--version", "-version", NULL)) {
		printf("cmon %s\n", CMON_VERSION);
		return flush_stdout("cmon", 0);
	}
	if (argc >= 2 && is_any(argv[1], "--help", "-help", "-h")) {
		cm_monitor_usage(stdout);
		return flush_stdout("cmon", 0);
	}
	if (argc < 2) {
		cm_monitor_usage(stderr);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc;
	if (!strcmp(argv[1], "pprof")) {
		rc = flush_stdout("cmon pprof", cm_pprof_main(argc - 2, argv + 2));
	} else {
		/* The screen draws UTF-8 glyphs and names: take the user's locale. */
		setlocale(LC_ALL, "");
		/* ...but numbers stay "3.48", whatever the locale says. */
		setlocale(LC_NUMERIC, "C");
		/* -dummy's and -once's text is written by the monitor itself
		 * (outq.h); what stdio holds is -help's. */
		if (!strcmp(argv[1], "replay"))
			rc = flush_stdout("cmon replay", cm_replay_main(argc - 2, argv + 2));
		else
			rc = flush_stdout("cmon", cm_monitor_main(argc - 1, argv + 1));
	}
	curl_global_cleanup();
	return rc;
}
