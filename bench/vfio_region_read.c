// SPDX-License-Identifier: MIT
/*
 * A 4-byte REGION_READ round trip through the vfio-user server, against
 * the physical limit measured in the same run: a bare UNIX-socket
 * ping-pong between two threads carrying the same bytes (a 32-byte
 * request, a 36-byte reply). Target: at most 1.3x.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <umdev/vfio_user_client.h>

#include "vfio_common.h"

#define ROUNDS 5000

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

static double bare_ns(void)
{
	int sv[2];
	pthread_t t;
	char req[32] = { 0 }, rep[36];
	uint64_t start;

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	pthread_create(&t, NULL, echo, &sv[1]);
	start = bench_now_ns();
	for (int i = 0; i < ROUNDS; i++) {
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
	double ns = (double)(bench_now_ns() - start) / ROUNDS;
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	return ns;
}

static double server_ns(struct umdev_vu_client *c)
{
	uint32_t v;
	uint64_t start = bench_now_ns();

	for (int i = 0; i < ROUNDS; i++)
		if (umdev_vu_region_read(c, 0, 0x10, &v, 4) != 4)
			abort();
	return (double)(bench_now_ns() - start) / ROUNDS;
}

int main(void)
{
	struct bench_device bd;
	struct umdev_vu_client *c;
	double bare = 1e18, server = 1e18;

	if (bench_pin_one_cpu() || bench_device_start(&bd) || umdev_vu_connect(bd.path, true, &c)) {
		fprintf(stderr, "cannot start the device\n");
		return 1;
	}
	/* best of fifteen short runs, interleaved, so both see the same machine and
	 * a burst of load from elsewhere spoils one run, not the figure */
	for (int i = 0; i < 15; i++) {
		double b = bare_ns(), s = server_ns(c);

		bare = b < bare ? b : bare;
		server = s < server ? s : server;
	}
	umdev_vu_close(c);
	bench_device_stop(&bd);
	printf("vfio-user REGION_READ 4 bytes: %.0f ns per round trip\n", server);
	printf("bare UNIX socket ping-pong:    %.0f ns per round trip\n", bare);
	printf("ratio %.2fx (target <= 1.3x)\n", server / bare);
	return 0;
}
