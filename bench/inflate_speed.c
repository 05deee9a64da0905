/* bench/inflate_speed.c: cmon's inflate (src/base/inflate.c) against
 * zlib's on one gzip file held in memory, output into a 256 KiB buffer
 * reused with its 32 KiB history as the inflating thread does
 * (inflate_pipe.c). Prints the best of RUNS for each, MB/s of output and
 * the ratio; it never passes or fails on them. Built and run by
 * bench/inflate_speed.sh. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cmon/base/inflate.h"

#include "bench_util.h"

enum { HISTORY = 32 << 10, PIECE = 256 << 10, CAP = HISTORY + PIECE + CM_INFLATE_MIN_ROOM };

/* cmon's: the output's size, or 0 on an error. */
static size_t run_cmon(const unsigned char *gz, size_t len, unsigned char *buf)
{
	static struct cm_inflate z; /* 11 KB of tables: not on the stack */
	cm_inflate_init(&z, gz, len, 1);
	size_t total = 0, pos = 0;
	for (;;) {
		size_t before = pos;
		enum cm_inflate_status rc = cm_inflate_run(&z, buf, &pos, CAP);
		total += pos - before;
		if (rc == CM_INFLATE_END)
			return total;
		if (rc == CM_INFLATE_ERROR)
			return 0;
		if (pos > HISTORY) { /* keep the last 32 KiB in front */
			memmove(buf, buf + pos - HISTORY, HISTORY);
			pos = HISTORY;
		}
	}
}

/* zlib's, into the same buffer size. */
static size_t run_zlib(const unsigned char *gz, size_t len, unsigned char *buf)
{
	z_stream s = {0};
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return 0;
	s.next_in = (unsigned char *)gz;
	s.avail_in = (uInt)len;
	size_t total = 0;
	int rc;
	do {
		s.next_out = buf;
		s.avail_out = PIECE;
		rc = inflate(&s, Z_NO_FLUSH);
		total += PIECE - s.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&s);
	return rc == Z_STREAM_END ? total : 0;
}

struct run {
	size_t (*inflate)(const unsigned char *gz, size_t len, unsigned char *buf);
	const unsigned char *gz;
	size_t len, out;
	unsigned char *buf;
};

/* One inflate of the whole file: its milliseconds, the output's size in
 * r->out. */
static double run_once(void *ctx)
{
	struct run *r = ctx;
	double a = now_ms();
	r->out = r->inflate(r->gz, r->len, r->buf);
	return now_ms() - a;
}

int main(int argc, char **argv)
{
	int runs;
	size_t len;
	unsigned char *gz = bench_args(argc, argv, "inflate_speed", &runs, &len);
	unsigned char *buf = malloc(CAP);
	if (!gz || !buf)
		return 1;
	struct run c = {run_cmon, gz, len, 0, buf}, z = {run_zlib, gz, len, 0, buf};
	double t_cmon = best_ms(run_once, &c, runs), t_zlib = best_ms(run_once, &z, runs);
	size_t n_cmon = c.out, n_zlib = z.out;
	if (!n_cmon || n_cmon != n_zlib) {
		fprintf(stderr, "inflate_speed: outputs differ (%zu and %zu bytes)\n", n_cmon, n_zlib);
		return 1;
	}
	printf("%s: %zu bytes gzip, %zu inflated; best of %d\n", argv[1], len, n_cmon, runs);
	printf("  cmon inflate %8.2f ms  %7.0f MB/s\n", t_cmon, n_cmon / t_cmon / 1e3);
	printf("  zlib inflate %8.2f ms  %7.0f MB/s\n", t_zlib, n_zlib / t_zlib / 1e3);
	printf("  zlib / cmon: %.2fx\n", t_zlib / t_cmon);
	free(buf);
	free(gz);
	return 0;
}
