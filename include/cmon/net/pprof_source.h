/* pprof_source: where `cmon pprof` gets a profile's bytes: a file, an http(s)
 * URL, or go tool pprof's shorthand (host:port means /debug/pprof/profile).
 * I/O only: it returns bytes and leaves decoding to the core. */
#ifndef CMON_PPROF_SOURCE_H
#define CMON_PPROF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct cm_source_opts {
	int seconds;          /* -seconds: CPU capture length, 0 = unset */
	uint64_t max_bytes;   /* refuse bodies and files larger than this */
	const char *unix_socket; /* connect through this Unix socket (an ssh
				    tunnel's end) instead of the URL's host, or NULL */
	int cancel_fd;        /* > 0: give up as soon as this fd is readable (a
				 signalfd); 0: never */
	int timeout;          /* -timeout in seconds; <= 0: pprof's default, 1.5 *
				 seconds, else 60 (5 s more for the transfer, as pprof) */
	const char *tls_cert, *tls_key, *tls_ca; /* -tls_*, or NULL */
};

/* The URL a source names, or NULL for a local file. The result is malloc'd. */
char *cm_source_url(const char *spec, int seconds);

/* Reads the source's bytes into *data (malloc'd, caller frees) and *len.
 * On failure returns -1 with one line in err. */
int cm_source_read(const char *spec, const struct cm_source_opts *o,
		   unsigned char **data, size_t *len, char *err, size_t errlen);

#endif
