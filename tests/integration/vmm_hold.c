// SPDX-License-Identifier: MIT
/*
 * vmm-hold: a VMM that holds a device, on umdev's client library, for the
 * tests of a remove that takes the device back from its user.
 *
 *   vmm-hold SOCKET [--arm-request] [--leave-on-request]
 *
 * Connects and negotiates; with --arm-request gives the device-request IRQ
 * an eventfd (as QEMU's vfio-pci does with x-req; its vfio-user-pci does
 * not). Prints "connected", then one line per thing that happens:
 *   "request N"   the device request rang (N times so far); with
 *                 --leave-on-request it then disconnects and exits 0,
 *                 as a guest that honours the hot-unplug lets go;
 *   "vendor VVVV" the answer to a line "read" on stdin (the device's
 *                 vendor ID, read from its config space: it still works);
 *   "cut off"     the server closed the connection (exit 0).
 * End of stdin disconnects (exit 0). Errors go to stderr, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <umdev/vfio.h>
#include <umdev/vfio_user_client.h>
#include <umdev/vfio_user_proto.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "vmm-hold: %s: %s\n", what, strerror(-err));
	return 1;
}

static int hold(struct umdev_vu_client *c, int req_fd, bool leave_on_request)
{
	struct pollfd pfd[3] = {
		{ .fd = umdev_vu_fd(c), .events = POLLIN | POLLRDHUP },
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = req_fd, .events = POLLIN },
	};
	uint64_t requests = 0;
	char line[64];

	for (;;) {
		if (poll(pfd, req_fd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll", -errno);
		}
		if (pfd[0].revents) { /* the server sends nothing unasked: it went away */
			printf("cut off\n");
			return 0;
		}
		if (pfd[2].revents & POLLIN) {
			uint64_t n;

			if (read(req_fd, &n, sizeof(n)) == sizeof(n))
				requests += n;
			printf("request %llu\n", (unsigned long long)requests);
			fflush(stdout);
			if (leave_on_request)
				return 0;
		}
		if (pfd[1].revents) {
			uint16_t vendor;
			ssize_t n;

			if (!fgets(line, sizeof(line), stdin))
				return 0;
			if (strcmp(line, "read\n"))
				continue;
			n = umdev_vu_region_read(c, UMDEV_VFIO_PCI_CONFIG_REGION, 0, &vendor,
						 sizeof(vendor));
			if (n != sizeof(vendor))
				return fail("config read", n < 0 ? (int)n : -EIO);
			printf("vendor %04x\n", vendor);
			fflush(stdout);
		}
	}
}

int main(int argc, char **argv)
{
	bool arm = false, leave_on_request = false;
	struct umdev_vu_client *c;
	int req_fd = -1, ret;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--arm-request"))
			arm = true;
		else if (!strcmp(argv[i], "--leave-on-request"))
			leave_on_request = true;
		else
			argc = 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: vmm-hold SOCKET [--arm-request] [--leave-on-request]\n");
		return 2;
	}
	setvbuf(stdin, NULL, _IONBF, 0); /* poll() must see what fgets() has not taken */
	ret = umdev_vu_connect(argv[1], true, &c);
	if (ret)
		return fail(argv[1], ret);
	if (arm) {
		req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (req_fd < 0)
			return fail("eventfd", -errno);
		ret = umdev_vu_set_irqs(c, UMDEV_VFIO_PCI_REQ_IRQ,
					VFIO_USER_IRQ_SET_DATA_EVENTFD |
						VFIO_USER_IRQ_SET_ACTION_TRIGGER,
					0, 1, &req_fd, NULL);
		if (ret)
			return fail("SET_IRQS of the device request", ret);
	}
	printf("connected\n");
	fflush(stdout);
	ret = hold(c, req_fd, leave_on_request);
	umdev_vu_close(c);
	if (req_fd >= 0)
		close(req_fd);
	return ret;
}
