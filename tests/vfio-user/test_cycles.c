// SPDX-License-Identifier: MIT
/*
 * 10,000 clients come and go on one device: negotiated clients that leave
 * with eventfds registered, with a guest-memory map in place (killed
 * "mid-DMA"), and clients that die mid-message. The device must keep its
 * state and take the next client, and nothing may pile up: the process's
 * fd count comes back to where it was, and its RSS grows by less than a
 * bound (printed; checked only without sanitizers, whose allocators keep
 * freed memory on purpose; LeakSanitizer checks those builds instead).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "harness.h"

#define CYCLES 10000
#define WARMUP 200
#define RSS_BOUND_KIB 2048

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int guest_ram(void)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 0x10000), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	return fd;
}

/* One client, leaving in the way @kind says. */
static void one_cycle(struct umdev_device *mdev, unsigned int kind, int ram)
{
	const uint32_t trig = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER;
	struct umdev_vu_client *c;

	switch (kind % 4) {
	case 0: { /* eventfds registered */
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		c = harness_connect(mdev);
		assert_int_equal(umdev_vu_set_irqs(c, 1, trig, 0, 1, &efd, NULL), 0);
		umdev_vu_close(c);
		close(efd);
		break;
	}
	case 1: /* guest memory mapped, as a VM killed mid-DMA leaves it */
		c = harness_connect(mdev);
		assert_int_equal(umdev_vu_dma_map(c, VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE,
						  0x100000, 0x10000, ram, 0), 0);
		umdev_vu_close(c);
		break;
	case 2: { /* dies after half a header */
		static const uint8_t half[8] = { 1, 0, 4, 0, 32, 0, 0, 0 };
		c = harness_connect(mdev);
		assert_int_equal(umdev_vu_send_raw(c, half, sizeof(half), NULL, 0), 0);
		umdev_vu_close(c);
		break;
	}
	default: { /* dies after a header announcing a payload it never sends */
		struct vfio_user_header hdr = { .msg_id = 7, .command = VFIO_USER_REGION_WRITE,
						.msg_size = 4096 };
		c = harness_connect(mdev);
		assert_int_equal(umdev_vu_send_raw(c, &hdr, sizeof(hdr), NULL, 0), 0);
		umdev_vu_close(c);
		break;
	}
	}
}

/* The server drops a client asynchronously: wait (bounded) for the count. */
static int settled_fds(int expected)
{
	int n = harness_count_fds();

	for (int i = 0; i < 5000 && n > expected; i++) {
		usleep(1000);
		n = harness_count_fds();
	}
	return n;
}

static void clients_come_and_go(void **state)
{
	struct umdev_device *mdev = harness_create(1);
	struct umdev_vu_client *c;
	uint32_t value = 0x600dcafe, back = 0;
	int ram = guest_ram();
	int fds_before = harness_count_fds(); /* no client yet */
	(void)state;

	c = harness_connect(mdev);
	assert_int_equal(umdev_vu_region_write(c, 0, TD_SCRATCH, &value, 4), 4);
	umdev_vu_close(c);

	/* The allocator's arenas settle first; RSS is compared from there. */
	for (unsigned int i = 0; i < WARMUP; i++)
		one_cycle(mdev, i, ram);
	settled_fds(fds_before);
	long rss_before = rss_kib();

	for (unsigned int i = 0; i < CYCLES; i++)
		one_cycle(mdev, i, ram);

	int fds_after = settled_fds(fds_before);
	long rss_after = rss_kib();
	printf("# %d connect/disconnect cycles: fds %d -> %d, RSS %ld -> %ld KiB (%+ld KiB)\n",
	       CYCLES, fds_before, fds_after, rss_before, rss_after, rss_after - rss_before);
	assert_int_equal(fds_after, fds_before);
#ifndef SANITIZED
	assert_true(rss_after - rss_before < RSS_BOUND_KIB);
#endif

	/* The device kept its state and takes the next client. */
	c = harness_connect(mdev);
	assert_int_equal(umdev_vu_region_read(c, 0, TD_SCRATCH, &back, 4), 4);
	assert_int_equal(back, value);
	umdev_vu_close(c);
	close(ram);
	harness_remove(mdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(clients_come_and_go) };
	return cmocka_run_group_tests(tests, harness_setup, harness_teardown);
}
