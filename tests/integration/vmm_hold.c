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
 *   "loaded N"    the answer to a line "load PATH": the N bytes of the file
 *                 PATH copied to the start of BAR0 through the mapping the
 *                 server offers, as a guest's pixels reach a display's
 *                 video memory (mdpy, mbochs);
 *   "cut off"     the server closed the connection (exit 0).
 * End of stdin disconnects (exit 0). Errors go to stderr, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <umdev/vfio.h>
#include <umdev/vfio_user_client.h>
#include <umdev/vfio_user_proto.h>

static int fail(const char *what, int err)
{
	fprintf(stderr, "vmm-hold: %s: %s\n", what, strerror(-err));
	return 1;
}

/* "load PATH": the file's bytes into BAR0, mapped once from the fd the server offers. */
static int load(struct umdev_vu_client *c, const char *path, uint8_t **bar0, uint64_t *size)
{
	struct umdev_vu_region_info ri;
	ssize_t n = 0;
	size_t done = 0;
	int fd, ret;

	if (!*bar0) {
		ret = umdev_vu_region_info(c, UMDEV_VFIO_PCI_BAR0_REGION, &ri);
		if (ret)
			return fail("REGION_INFO of BAR0", ret);
		if (ri.fd < 0)
			return fail("BAR0", -ENODEV);
		*bar0 = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, ri.fd, (off_t)ri.offset);
		close(ri.fd);
		if (*bar0 == MAP_FAILED) {
			*bar0 = NULL;
			return fail("mmap of BAR0", -errno);
		}
		*size = ri.size;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(path, -errno);
	while (done < *size && (n = read(fd, *bar0 + done, *size - done)) > 0)
		done += (size_t)n;
	close(fd);
	if (n < 0)
		return fail(path, -errno);
	printf("loaded %zu\n", done);
	fflush(stdout);
	return 0;
}

static int hold(struct umdev_vu_client *c, int req_fd, bool leave_on_request)
{
	struct pollfd pfd[3] = {
		{ .fd = umdev_vu_fd(c), .events = POLLIN | POLLRDHUP },
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = req_fd, .events = POLLIN },
	};
	uint64_t requests = 0, bar0_size = 0;
	uint8_t *bar0 = NULL;
	char line[PATH_MAX + 8];

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
			if (!strncmp(line, "load ", 5)) {
				line[strcspn(line, "\n")] = '\0';
				if (load(c, line + 5, &bar0, &bar0_size))
					return 1;
				continue;
			}
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
