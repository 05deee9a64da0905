/* bench/spawn_time.c: runs a command RUNS times, its output to /dev/null,
 * and prints one line a run: "WALL_MS CPU_MS MAXRSS_KB".
 *
 * Why not python's subprocess under GNU time: that adds a fork of the
 * python process and an exec of time to every run, 4-7 ms here, which
 * is a sixth of a 30 ms run and nothing of a 3 s one; the ratio between
 * two programs then measures the harness. Here the clock runs from the
 * spawn to the reaping of the child, and the CPU and peak RSS are the
 * child's own from wait4 (this process is small, so the child's peak is
 * never this process's, as it would be for a child of python).
 *
 * usage: spawn_time RUNS COMMAND [ARG...]   exit 1 when a run fails */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

extern char **environ;

static int run_once(char **argv, posix_spawn_file_actions_t *fa)
{
	pid_t pid;
	double t = now_ms();
	int rc = posix_spawnp(&pid, argv[0], fa, NULL, argv, environ);
	if (rc != 0) {
		fprintf(stderr, "spawn_time: %s: cannot run it\n", argv[0]);
		return -1;
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("spawn_time: wait4");
		return -1;
	}
	double wall = now_ms() - t;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "spawn_time: %s failed\n", argv[0]);
		return -1;
	}
	double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
		     ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
	printf("%.3f %.3f %ld\n", wall, cpu, ru.ru_maxrss);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: spawn_time RUNS COMMAND [ARG...]\n");
		return 2;
	}
	int runs = atoi(argv[1]);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	int bad = 0;
	for (int i = 0; i < runs && !bad; i++)
		bad = run_once(argv + 2, &fa) != 0;
	posix_spawn_file_actions_destroy(&fa);
	return bad;
}
