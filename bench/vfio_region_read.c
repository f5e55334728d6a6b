// SPDX-License-Identifier: MIT
/*
 * A 4-byte REGION_READ round trip through the vfio-user server, against
 * the physical limit measured in the same run: a bare UNIX-socket
 * ping-pong between two threads carrying the same bytes (a 32-byte
 * request, a 36-byte reply). Target: at most 1.1x on one CPU.
 *
 * Measured twice, each in a process of its own (CPU affinity is inherited
 * by the threads a process starts): with client and server on one CPU,
 * and free to run on two. Then, when strace(1) is installed, the system
 * calls per round trip of both, counted by strace -f -c as the difference
 * between a run of N round trips and a run of none.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <umdev/vfio_user_client.h>

#include "vfio_common.h"

#define ROUNDS 5000
#define COUNTED_ROUNDS 2000

static void *echo(void *arg)
{
	int fd = *(int *)arg;
	char req[32], rep[36] = { 0 };

	for (;;) {
		size_t got = 0;

		while (got < sizeof(req)) {
			ssize_t n = read(fd, req + got, sizeof(req) - got);
			if (n <= 0)
				return NULL;
			got += (size_t)n;
		}
		if (write(fd, rep, sizeof(rep)) != sizeof(rep))
			return NULL;
	}
}

static double bare_ns(int rounds)
{
	int sv[2];
	pthread_t t;
	char req[32] = { 0 }, rep[36];
	uint64_t start;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	pthread_create(&t, NULL, echo, &sv[1]);
	start = bench_now_ns();
	for (int i = 0; i < rounds; i++) {
		size_t got = 0;

		if (write(sv[0], req, sizeof(req)) != sizeof(req))
			abort();
		while (got < sizeof(rep)) {
			ssize_t n = read(sv[0], rep + got, sizeof(rep) - got);
			if (n <= 0)
				abort();
			got += (size_t)n;
		}
	}
	double ns = rounds ? (double)(bench_now_ns() - start) / rounds : 0;
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	return ns;
}

static double server_ns(struct umdev_vu_client *c, int rounds)
{
	uint32_t v;
	uint64_t start = bench_now_ns();

	for (int i = 0; i < rounds; i++)
		if (umdev_vu_region_read(c, 0, 0x10, &v, 4) != 4)
			abort();
	return rounds ? (double)(bench_now_ns() - start) / rounds : 0;
}

/* Prints the best of fifteen interleaved runs of each. */
static int measure(bool one_cpu)
{
	struct bench_device bd;
	struct umdev_vu_client *c;
	double bare = 1e18, server = 1e18;

	if ((one_cpu && bench_pin_one_cpu()) || bench_device_start(&bd) ||
	    umdev_vu_connect(bd.path, true, &c)) {
		fprintf(stderr, "cannot start the device\n");
		return 1;
	}
	/* interleaved, so both see the same machine and a burst of load from
	 * elsewhere spoils one run, not the figure */
	for (int i = 0; i < 15; i++) {
		double b = bare_ns(ROUNDS), s = server_ns(c, ROUNDS);

		bare = b < bare ? b : bare;
		server = s < server ? s : server;
	}
	umdev_vu_close(c);
	bench_device_stop(&bd);
	printf("%s:\n", one_cpu ? "client and server on one CPU" : "client and server on two CPUs");
	printf("  vfio-user REGION_READ 4 bytes: %.0f ns per round trip\n", server);
	printf("  bare UNIX socket ping-pong:    %.0f ns per round trip\n", bare);
	printf("  ratio %.2fx%s\n", server / bare, one_cpu ? " (target <= 1.1x)" : "");
	fflush(stdout);
	return 0;
}

/* @rounds round trips of one kind, for strace to count. */
static int just_rounds(const char *kind, int rounds)
{
	struct bench_device bd;
	struct umdev_vu_client *c;

	if (!strcmp(kind, "bare")) {
		bare_ns(rounds);
		return 0;
	}
	if (bench_device_start(&bd) || umdev_vu_connect(bd.path, true, &c))
		return 1;
	server_ns(c, rounds);
	umdev_vu_close(c);
	bench_device_stop(&bd);
	return 0;
}

/* The calls of `self --rounds KIND N` as strace -f -c counts them, or -1. */
static long traced_calls(const char *self, const char *kind, int rounds)
{
	char cmd[1024];
	long calls = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "strace -f -qq -c -o /dev/stdout %s --rounds %s %d 2>/dev/null", self, kind, rounds);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(cmd, sizeof(cmd), p)) {
		long n;

		/* the summary line: "100.00 <seconds> <usecs/call> <calls> [errors] total" */
		if (strstr(cmd, " total") && sscanf(cmd, "%*f %*f %*d %ld", &n) == 1)
			calls = n;
	}
	return pclose(p) == 0 ? calls : -1;
}

static void count_calls(const char *self)
{
	const char *kinds[] = { "server", "bare" };
	const char *labels[] = { "vfio-user REGION_READ", "bare ping-pong" };

	if (system("command -v strace >/dev/null 2>&1")) {
		printf("system calls: strace is not installed; not counted\n");
		return;
	}
	printf("system calls per round trip (client and server together, strace -f -c):\n");
	for (int i = 0; i < 2; i++) {
		long none = traced_calls(self, kinds[i], 0);
		long many = traced_calls(self, kinds[i], COUNTED_ROUNDS);

		if (none < 0 || many < 0)
			printf("  %-22s cannot be counted (strace failed)\n", labels[i]);
		else
			printf("  %-22s %.2f\n", labels[i], (double)(many - none) / COUNTED_ROUNDS);
	}
}

static int run_in_child(bool one_cpu)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(measure(one_cpu));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t len;

	if (argc == 4 && !strcmp(argv[1], "--rounds"))
		return just_rounds(argv[2], atoi(argv[3]));
	if (argc != 1) {
		fprintf(stderr, "usage: %s\n", argv[0]);
		return 2;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		return 1;
	self[len] = '\0';
	if (run_in_child(true) || run_in_child(false))
		return 1;
	count_calls(self);
	return 0;
}
