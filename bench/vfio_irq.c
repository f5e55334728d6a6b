// SPDX-License-Identifier: MIT
/*
 * Interrupt delivery: a device raises MSI through umdev_vfio_irq_trigger()
 * and the client's eventfd (installed with SET_IRQS) wakes a reader
 * thread, which answers on a plain eventfd. The limit, measured in the
 * same run, is the same ping-pong with a bare eventfd write in place of
 * the trigger. Target: at most 1.2x.
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <umdev/vfio_user_client.h>

#include "vfio_common.h"

#define ROUNDS 5000

struct pong {
	int in, out;
};

static void *pong(void *arg)
{
	struct pong *p = arg;
	struct pollfd pfd = { .fd = p->in, .events = POLLIN };
	uint64_t v;

	/* poll, then read, as a VMM does: the server makes the eventfd non-blocking */
	for (;;) {
		if (poll(&pfd, 1, -1) != 1 || read(p->in, &v, sizeof(v)) != sizeof(v) ||
		    v == UINT64_MAX - 1)
			return NULL;
		v = 1;
		if (write(p->out, &v, sizeof(v)) != sizeof(v))
			return NULL;
	}
}

static double round_trips(struct umdev_vfio_device *vdev, int irq_fd)
{
	struct pong p = { irq_fd, eventfd(0, EFD_CLOEXEC) };
	pthread_t t;
	uint64_t v = 1, start;

	pthread_create(&t, NULL, pong, &p);
	start = bench_now_ns();
	for (int i = 0; i < ROUNDS; i++) {
		if (vdev)
			umdev_vfio_irq_trigger(vdev, 1, 0);
		else if (write(irq_fd, &v, sizeof(v)) != sizeof(v))
			abort();
		if (read(p.out, &v, sizeof(v)) != sizeof(v))
			abort();
	}
	double ns = (double)(bench_now_ns() - start) / ROUNDS;
	v = UINT64_MAX - 1; /* tells the reader to stop */
	if (write(irq_fd, &v, sizeof(v)) != sizeof(v))
		abort();
	pthread_join(t, NULL);
	close(p.out);
	return ns;
}

int main(void)
{
	struct bench_device bd;
	struct umdev_vu_client *c;
	int efd = eventfd(0, EFD_CLOEXEC), bare_fd = eventfd(0, EFD_CLOEXEC);
	double bare = 1e18, irq = 1e18;

	if (bench_pin_one_cpu() || bench_device_start(&bd) || umdev_vu_connect(bd.path, true, &c) ||
	    umdev_vu_set_irqs(c, 1, VFIO_USER_IRQ_SET_DATA_EVENTFD |
			      VFIO_USER_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd, NULL)) {
		fprintf(stderr, "cannot start the device\n");
		return 1;
	}
	for (int i = 0; i < 15; i++) {
		double b = round_trips(NULL, bare_fd), s = round_trips(bd.vdev, efd);

		bare = b < bare ? b : bare;
		irq = s < irq ? s : irq;
	}
	umdev_vu_close(c);
	bench_device_stop(&bd);
	close(efd);
	close(bare_fd);
	printf("device interrupt to client eventfd: %.0f ns per round trip\n", irq);
	printf("bare eventfd write/read:            %.0f ns per round trip\n", bare);
	printf("ratio %.2fx (target <= 1.2x)\n", irq / bare);
	return 0;
}
