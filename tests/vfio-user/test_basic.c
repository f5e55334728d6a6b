// SPDX-License-Identifier: MIT
/*
 * The vfio-user frontend against the test device, through the client
 * library: what a VMM does, checked message by message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <umdev/vfio_user.h>

#include "harness.h"

static uint32_t read32(struct umdev_vu_client *c, uint32_t region, uint64_t offset)
{
	uint32_t v = 0;

	assert_int_equal(umdev_vu_region_read(c, region, offset, &v, 4), 4);
	return v;
}

static void write32(struct umdev_vu_client *c, uint32_t region, uint64_t offset, uint32_t v)
{
	assert_int_equal(umdev_vu_region_write(c, region, offset, &v, 4), 4);
}

static uint64_t drain(int efd)
{
	uint64_t v = 0;

	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	return v;
}

static void test_socket_and_version(void **state)
{
	struct umdev_device *mdev = harness_create(1);
	const char *path = harness_path(mdev);
	struct umdev_vu_client *c;
	struct stat st;
	char expect[PATH_MAX + 64];

	(void)state;
	snprintf(expect, sizeof(expect), "%s/%s.sock", harness_sockets, umdev_device_name(mdev));
	assert_string_equal(path, expect);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(harness_sockets, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	assert_int_equal(umdev_vfio_user_start(harness_sockets, NULL), -EBUSY);
	assert_int_equal(umdev_vfio_user_start("/dev/null", NULL), -ENOTDIR);
	/* A directory whose socket paths would not fit in sun_path. */
	assert_int_equal(umdev_vfio_user_start(path, NULL), -ENAMETOOLONG);

	c = harness_connect(mdev);
	assert_non_null(strstr(umdev_vu_server_caps(c), "\"max_msg_fds\":16"));
	assert_non_null(strstr(umdev_vu_server_caps(c), "\"write_multiple\":true"));
	assert_int_equal(umdev_vu_max_fds(c), 16);
	assert_int_equal(umdev_vu_max_xfer(c), 1024 * 1024);
	/* VERSION only once */
	assert_int_equal(umdev_vu_version(c, NULL), -EINVAL);
	umdev_vu_close(c);

	/* no capabilities at all is fine: defaults apply, write_multiple is off */
	assert_int_equal(umdev_vu_connect(path, false, &c), 0);
	assert_int_equal(umdev_vu_version(c, NULL), 0);
	assert_non_null(strstr(umdev_vu_server_caps(c), "\"write_multiple\":false"));
	umdev_vu_close(c);

	harness_remove(mdev);
	assert_int_equal(stat(expect, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_device_region_irq_info(void **state)
{
	struct umdev_device *mdev = harness_create(2);
	struct umdev_vu_client *c = harness_connect(mdev);
	struct umdev_vu_device_info info;
	struct umdev_vu_region_info ri;
	struct umdev_vu_irq_info ii;

	(void)state;
	assert_int_equal(umdev_vu_device_info(c, &info), 0);
	assert_int_equal(info.flags, VFIO_USER_DEVICE_F_PCI | VFIO_USER_DEVICE_F_RESET);
	assert_int_equal(info.num_regions, 9);
	assert_int_equal(info.num_irqs, 5);

	assert_int_equal(umdev_vu_region_info(c, 0, &ri), 0);
	assert_int_equal(ri.size, TD_BAR0_SIZE);
	assert_int_equal(ri.flags, VFIO_USER_REGION_F_READ | VFIO_USER_REGION_F_WRITE);
	assert_int_equal(ri.fd, -1);

	assert_int_equal(umdev_vu_region_info(c, 1, &ri), 0);
	assert_int_equal(ri.size, TD_BAR1_SIZE);
	assert_int_equal(ri.flags, VFIO_USER_REGION_F_READ | VFIO_USER_REGION_F_WRITE |
				       VFIO_USER_REGION_F_MMAP | VFIO_USER_REGION_F_CAPS);
	assert_int_equal(ri.nr_areas, 1);
	assert_int_equal(ri.areas[0].offset, 0);
	assert_int_equal(ri.areas[0].size, 0x1000);
	assert_true(ri.fd >= 0);
	{
		/* what the client writes through the map, the device reads */
		uint32_t *map = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, ri.fd,
				     (off_t)ri.offset);
		assert_true(map != MAP_FAILED);
		map[3] = 0xfeedf00d;
		assert_int_equal(read32(c, 1, 12), 0xfeedf00d);
		write32(c, 1, 16, 0x12345678);
		assert_int_equal(map[4], 0x12345678);
		munmap(map, 0x1000);
		close(ri.fd);
	}

	/* asked with QEMU's first argsz: the size it needs, no caps, no fd yet */
	struct vfio_user_region_info small = { .argsz = sizeof(small), .index = 1 };
	struct umdev_vu_message m;
	assert_int_equal(umdev_vu_request(c, VFIO_USER_DEVICE_GET_REGION_INFO, 0, &small,
					  sizeof(small), NULL, 0, &m), 0);
	assert_int_equal(m.hdr.error, 0);
	assert_int_equal(m.len, sizeof(small));
	memcpy(&small, m.payload, sizeof(small));
	assert_int_equal(small.argsz, sizeof(small) + 8 + 8 + 16);
	assert_int_equal(small.flags & VFIO_USER_REGION_F_CAPS, 0);
	assert_int_equal(small.cap_offset, 0);
	assert_int_equal(m.nr_fds, 0);
	umdev_vu_message_free(&m);

	assert_int_equal(umdev_vu_region_info(c, 5, &ri), 0);
	assert_int_equal(ri.size, 0);
	assert_int_equal(ri.flags, 0);
	assert_int_equal(umdev_vu_region_info(c, 7, &ri), 0);
	assert_int_equal(ri.size, 256);
	assert_int_equal(umdev_vu_region_info(c, 9, &ri), -EINVAL);

	assert_int_equal(umdev_vu_irq_info(c, 0, &ii), 0);
	assert_int_equal(ii.count, 1);
	assert_int_equal(ii.flags, VFIO_USER_IRQ_INFO_F_EVENTFD | VFIO_USER_IRQ_INFO_F_MASKABLE |
				       VFIO_USER_IRQ_INFO_F_AUTOMASKED);
	assert_int_equal(umdev_vu_irq_info(c, 2, &ii), 0);
	assert_int_equal(ii.count, TD_MSIX_COUNT);
	assert_int_equal(umdev_vu_irq_info(c, 3, &ii), 0);
	assert_int_equal(ii.count, 0);
	assert_int_equal(umdev_vu_irq_info(c, 5, &ii), -EINVAL);

	umdev_vu_close(c);
	harness_remove(mdev);
}

static void test_region_access(void **state)
{
	struct umdev_device *mdev = harness_create(3);
	struct umdev_vu_client *c = harness_connect(mdev);
	uint8_t buf[TD_SCRATCH_SIZE], back[TD_SCRATCH_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_equal(umdev_vu_region_write(c, 0, 0, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(umdev_vu_region_read(c, 0, 0, back, sizeof(back)), sizeof(back));
	assert_memory_equal(buf, back, sizeof(buf));
	assert_int_equal(read32(c, 7, 0) & 0xffff, 0x1234);

	/* a posted write, then a read: handled in order */
	assert_int_equal(umdev_vu_region_write_posted(c, 0, 8, "\xaa\xbb\xcc\xdd", 4), 0);
	assert_int_equal(read32(c, 0, 8), 0xddccbbaa);

	/* outside the region, not readable, unknown region */
	assert_int_equal(umdev_vu_region_read(c, 0, TD_BAR0_SIZE - 2, back, 4), -EINVAL);
	assert_int_equal(umdev_vu_region_read(c, 0, UINT64_MAX - 1, back, 4), -EINVAL);
	assert_int_equal(umdev_vu_region_read(c, 3, 0, back, 4), -EINVAL);
	assert_int_equal(umdev_vu_region_read(c, 42, 0, back, 4), -EINVAL);
	assert_int_equal(umdev_vu_region_read(c, 0, 0, back, 0), -EINVAL);
	/* the device's own errno reaches the client */
	assert_int_equal(umdev_vu_region_write(c, 0, TD_IRQ, buf, 2), -EINVAL);

	/* WRITE_MULTI, posted like QEMU's */
	struct vfio_user_write_one wr[3] = {
		{ .offset = 0x10, .region = 0, .count = 4, .data = { 1, 2, 3, 4 } },
		{ .offset = 0x14, .region = 0, .count = 8, .data = { 5, 6, 7, 8, 9, 10, 11, 12 } },
		{ .offset = 0x1c, .region = 0, .count = 1, .data = { 13 } },
	};
	assert_int_equal(umdev_vu_region_write_multi(c, wr, 3), 0);
	assert_int_equal(umdev_vu_region_read(c, 0, 0x10, back, 13), 13);
	for (int i = 0; i < 13; i++)
		assert_int_equal(back[i], i + 1);

	umdev_vu_close(c);
	harness_remove(mdev);
}

static void test_pipelined(void **state)
{
	struct umdev_device *mdev = harness_create(4);
	struct umdev_vu_client *c = harness_connect(mdev);
	uint8_t wire[64 * 32];
	uint16_t first = umdev_vu_next_id(c);

	(void)state;
	/* 32 reads of successive words in one write(); replies come in order */
	for (uint32_t i = 0; i < 32; i++)
		write32(c, 0, i * 4, 0x1000 + i);
	for (uint32_t i = 0; i < 32; i++) {
		struct vfio_user_header h = {
			.msg_id = (uint16_t)(first + 100 + i),
			.command = VFIO_USER_REGION_READ,
			.msg_size = 32,
		};
		struct vfio_user_region_access a = { .offset = i * 4, .region = 0, .count = 4 };
		memcpy(wire + i * 32, &h, 16);
		memcpy(wire + i * 32 + 16, &a, 16);
	}
	assert_int_equal(umdev_vu_send_raw(c, wire, 32 * 32, NULL, 0), 0);
	for (uint32_t i = 0; i < 32; i++) {
		struct umdev_vu_message m;
		uint32_t v;

		assert_int_equal(umdev_vu_receive(c, &m, 10000), 0);
		assert_int_equal(m.hdr.msg_id, (uint16_t)(first + 100 + i));
		assert_int_equal(m.hdr.flags, VFIO_USER_F_TYPE_REPLY);
		assert_int_equal(m.len, 20);
		memcpy(&v, m.payload + 16, 4);
		assert_int_equal(v, 0x1000 + i);
		umdev_vu_message_free(&m);
	}

	/* fds stay with the message they were sent with, even back to back */
	int efd[3] = { eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		       eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	for (uint32_t v = 0; v < 3; v++) {
		uint8_t m[16 + 20];
		struct vfio_user_header h = { .msg_id = (uint16_t)(500 + v),
					      .command = VFIO_USER_DEVICE_SET_IRQS, .msg_size = 36 };
		struct vfio_user_irq_set set = {
			.argsz = 20, .index = 2, .start = v, .count = 1,
			.flags = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER,
		};
		memcpy(m, &h, 16);
		memcpy(m + 16, &set, 20);
		assert_int_equal(umdev_vu_send_raw(c, m, sizeof(m), &efd[2 - v], 1), 0);
	}
	for (uint32_t v = 0; v < 3; v++) {
		struct umdev_vu_message m;

		assert_int_equal(umdev_vu_receive(c, &m, 10000), 0);
		assert_int_equal(m.hdr.msg_id, 500 + v);
		assert_int_equal(m.hdr.error, 0);
		umdev_vu_message_free(&m);
	}
	for (uint32_t v = 0; v < 3; v++) {
		write32(c, 0, TD_IRQ, 2 << 16 | v);
		assert_true(harness_readable_now(efd[2 - v]));
		assert_int_equal(drain(efd[2 - v]), 1);
		close(efd[2 - v]);
	}

	umdev_vu_close(c);
	harness_remove(mdev);
}

static void test_irqs(void **state)
{
	struct umdev_device *mdev = harness_create(5);
	struct umdev_vu_client *c = harness_connect(mdev);
	struct test_device *td = test_device_of(mdev);
	int efd[TD_MSIX_COUNT], intx, msi;
	uint8_t bools[TD_MSIX_COUNT] = { 0, 1, 0, 0 };
	const uint32_t trig = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER;

	(void)state;
	for (int i = 0; i < TD_MSIX_COUNT; i++)
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	intx = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	msi = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	/* MSI-X: each vector reaches its own eventfd */
	assert_int_equal(umdev_vu_set_irqs(c, 2, trig, 0, TD_MSIX_COUNT, efd, NULL), 0);
	assert_true(umdev_vfio_irq_enabled(&td->vdev, 2, 3));
	write32(c, 0, TD_IRQ, 2 << 16 | 2);
	assert_true(harness_readable_now(efd[2]));
	assert_false(harness_readable_now(efd[0]));
	assert_int_equal(drain(efd[2]), 1);
	/* a masked vector is held pending and fires on unmask */
	assert_int_equal(umdev_vu_set_irqs(c, 2, VFIO_USER_IRQ_SET_DATA_BOOL |
					   VFIO_USER_IRQ_SET_ACTION_MASK, 0, 4, NULL, bools), 0);
	write32(c, 0, TD_IRQ, 2 << 16 | 1);
	assert_false(harness_readable_now(efd[1]));
	assert_int_equal(umdev_vu_set_irqs(c, 2, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_UNMASK, 1, 1, NULL, NULL), 0);
	assert_true(harness_readable_now(efd[1]));
	drain(efd[1]);
	/* loopback trigger from the client */
	assert_int_equal(umdev_vu_set_irqs(c, 2, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_TRIGGER, 3, 1, NULL, NULL), 0);
	assert_int_equal(drain(efd[3]), 1);
	/* disabling: fds of -1 are sent as none; count 0 disables the index */
	int off[2] = { -1, -1 };
	assert_int_equal(umdev_vu_set_irqs(c, 2, trig, 0, 2, off, NULL), 0);
	assert_false(umdev_vfio_irq_enabled(&td->vdev, 2, 0));
	assert_true(umdev_vfio_irq_enabled(&td->vdev, 2, 2));
	assert_int_equal(umdev_vu_set_irqs(c, 2, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL, NULL), 0);
	assert_false(umdev_vfio_irq_enabled(&td->vdev, 2, 2));
	write32(c, 0, TD_IRQ, 2 << 16 | 2);
	assert_false(harness_readable_now(efd[2]));

	/* MSI */
	assert_int_equal(umdev_vu_set_irqs(c, 1, trig, 0, 1, &msi, NULL), 0);
	write32(c, 0, TD_IRQ, 1 << 16);
	assert_int_equal(drain(msi), 1);

	/* INTx: level-triggered, automasked, fires again at unmask while asserted */
	assert_int_equal(umdev_vu_set_irqs(c, 0, trig, 0, 1, &intx, NULL), 0);
	write32(c, 0, TD_INTX, 1);
	assert_int_equal(drain(intx), 1);
	write32(c, 0, TD_INTX, 0);
	write32(c, 0, TD_INTX, 1);
	assert_false(harness_readable_now(intx)); /* still masked */
	assert_int_equal(umdev_vu_set_irqs(c, 0, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, NULL), 0);
	assert_int_equal(drain(intx), 1); /* re-fired: the line is still asserted */
	write32(c, 0, TD_INTX, 0);
	assert_int_equal(umdev_vu_set_irqs(c, 0, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, NULL), 0);
	assert_false(harness_readable_now(intx)); /* deasserted: nothing to fire */

	/* unmask through an eventfd, as QEMU sets up KVM's INTx resampler */
	int unmask_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t one = 1;
	assert_int_equal(umdev_vu_set_irqs(c, 0, VFIO_USER_IRQ_SET_DATA_EVENTFD |
					   VFIO_USER_IRQ_SET_ACTION_UNMASK, 0, 1, &unmask_fd, NULL), 0);
	write32(c, 0, TD_INTX, 1);
	assert_int_equal(drain(intx), 1);
	assert_int_equal(write(unmask_fd, &one, sizeof(one)), sizeof(one));
	assert_true(harness_readable(intx)); /* the server unmasked it; still asserted: fired */
	assert_int_equal(drain(intx), 1);
	write32(c, 0, TD_INTX, 0);
	assert_int_equal(write(unmask_fd, &one, sizeof(one)), sizeof(one));
	/* a round trip after the unmask: the server has seen it, and nothing fired */
	write32(c, 0, 0x100, 0);
	assert_false(harness_readable_now(intx));
	assert_int_equal(umdev_vu_set_irqs(c, 0, VFIO_USER_IRQ_SET_DATA_EVENTFD |
					   VFIO_USER_IRQ_SET_ACTION_MASK, 0, 1, &unmask_fd, NULL), -EINVAL);
	close(unmask_fd);

	/* invalid: two actions, bad index, range past the end, mask on MSI */
	assert_int_equal(umdev_vu_set_irqs(c, 0, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_MASK |
					   VFIO_USER_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, NULL), -EINVAL);
	assert_int_equal(umdev_vu_set_irqs(c, 9, trig, 0, 1, &msi, NULL), -EINVAL);
	assert_int_equal(umdev_vu_set_irqs(c, 2, trig, 3, 2, efd, NULL), -EINVAL);
	assert_int_equal(umdev_vu_set_irqs(c, 1, VFIO_USER_IRQ_SET_DATA_NONE |
					   VFIO_USER_IRQ_SET_ACTION_MASK, 0, 1, NULL, NULL), -EINVAL);
	/* a pipe is no eventfd: refused, so the server never blocks writing it */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(umdev_vu_set_irqs(c, 1, trig, 0, 1, &p[1], NULL), -EINVAL);
	close(p[0]);
	close(p[1]);

	umdev_vu_close(c);
	harness_remove(mdev);
	for (int i = 0; i < TD_MSIX_COUNT; i++)
		close(efd[i]);
	close(intx);
	close(msi);
}

static void test_reset(void **state)
{
	struct umdev_device *mdev = harness_create(6);
	struct umdev_vu_client *c = harness_connect(mdev);

	(void)state;
	write32(c, 0, 0, 0xabcdef01);
	assert_int_equal(read32(c, 0, TD_RESETS), 0);
	assert_int_equal(umdev_vu_reset(c), 0);
	assert_int_equal(read32(c, 0, TD_RESETS), 1);
	assert_int_equal(read32(c, 0, 0), 0);
	umdev_vu_close(c);
	harness_remove(mdev);
}

static int sealed_memfd(size_t size, bool seal)
{
	int fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	return fd;
}

static void test_dma_fd(void **state)
{
	struct umdev_device *mdev = harness_create(7);
	struct umdev_vu_client *c = harness_connect(mdev);
	struct test_device *td = test_device_of(mdev);
	const uint32_t rw = VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE;
	int sealed = sealed_memfd(0x4000, true), plain = sealed_memfd(0x2000, false);
	char *ram = mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED, sealed, 0);
	char *ram2 = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED, plain, 0);
	char buf[64];

	(void)state;
	assert_int_equal(umdev_vu_dma_map(c, rw, 0x100000, 0x4000, sealed, 0), 0);
	assert_int_equal(umdev_vu_dma_map(c, VFIO_USER_DMA_MAP_F_READ, 0x200000, 0x1000, plain,
					  0x1000), 0);
	assert_int_equal(td->maps, 2);
	/* sealed: mapped into the daemon */
	strcpy(ram + 0x1ff0, "guest memory across a page");
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x101ff0, buf, 27), 0);
	assert_string_equal(buf, "guest memory across a page");
	assert_int_equal(umdev_vfio_dma_write(&td->vdev, 0x100010, "device", 7), 0);
	assert_string_equal(ram + 0x10, "device");
	/* unsealed: reached with pread, read-only as mapped */
	strcpy(ram2 + 0x1100, "plain file");
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x200100, buf, 11), 0);
	assert_string_equal(buf, "plain file");
	assert_int_equal(umdev_vfio_dma_write(&td->vdev, 0x200100, "x", 1), -EFAULT);
	/* outside any map, or running past one */
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x300000, buf, 4), -EFAULT);
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x103ffe, buf, 4), -EFAULT);

	/* overlaps, unaligned, zero size, overflow, beyond the file */
	assert_int_equal(umdev_vu_dma_map(c, rw, 0x103000, 0x2000, sealed, 0), -EEXIST);
	assert_int_equal(umdev_vu_dma_map(c, rw, 0xff000, 0x2000, sealed, 0), -EEXIST);
	assert_int_equal(umdev_vu_dma_map(c, rw, 0x500100, 0x1000, sealed, 0), -EINVAL);
	assert_int_equal(umdev_vu_dma_map(c, rw, 0x500000, 0, sealed, 0), -EINVAL);
	assert_int_equal(umdev_vu_dma_map(c, rw, UINT64_MAX - 0xfff, 0x2000, sealed, 0), -EINVAL);
	assert_int_equal(umdev_vu_dma_map(c, rw, 0x500000, 0x8000, sealed, 0), -EINVAL);
	assert_int_equal(umdev_vu_dma_map(c, 0x80, 0x500000, 0x1000, sealed, 0), -EINVAL);

	/* unmap must match exactly; afterwards the device cannot reach it */
	assert_int_equal(umdev_vu_dma_unmap(c, 0, 0x100000, 0x1000), -ENOENT);
	assert_int_equal(umdev_vu_dma_unmap(c, 0, 0x100000, 0x4000), 0);
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x100000, buf, 4), -EFAULT);
	assert_int_equal(umdev_vu_dma_unmap(c, VFIO_USER_DMA_UNMAP_F_ALL, 1, 0), -EINVAL);
	assert_int_equal(umdev_vu_dma_unmap(c, VFIO_USER_DMA_UNMAP_F_ALL, 0, 0), 0);
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x200100, buf, 4), -EFAULT);
	assert_int_equal(td->maps, 0);

	munmap(ram, 0x4000);
	munmap(ram2, 0x2000);
	close(sealed);
	close(plain);
	umdev_vu_close(c);
	harness_remove(mdev);
}

struct dma_job {
	struct umdev_vfio_device *vdev;
	uint64_t iova;
	char *buf;
	size_t len;
	bool write;
	int ret;
	volatile bool done;
};

static void *dma_thread(void *arg)
{
	struct dma_job *job = arg;

	job->ret = job->write ? umdev_vfio_dma_write(job->vdev, job->iova, job->buf, job->len)
			      : umdev_vfio_dma_read(job->vdev, job->iova, job->buf, job->len);
	__atomic_store_n(&job->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Runs a device DMA in a thread while the client serves the messages it causes. */
static int run_dma(struct umdev_vu_client *c, struct dma_job *job)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, dma_thread, job), 0);
	while (!__atomic_load_n(&job->done, __ATOMIC_ACQUIRE)) {
		int ret = umdev_vu_serve_one(c, 100);

		assert_true(ret == 0 || ret == -ETIMEDOUT);
	}
	pthread_join(t, NULL);
	return job->ret;
}

static void test_dma_messages(void **state)
{
	struct umdev_device *mdev = harness_create(8);
	struct umdev_vu_client *c = harness_connect(mdev);
	struct test_device *td = test_device_of(mdev);
	size_t size = 3 * 1024 * 1024; /* more than one message's worth */
	char *guest = calloc(1, size), *buf = malloc(size);

	(void)state;
	assert_int_equal(umdev_vu_dma_map(c, VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE,
					  0x40000000, size, -1, 0), 0);
	assert_int_equal(umdev_vu_add_dma_memory(c, 0x40000000, guest, size), 0);
	for (size_t i = 0; i < size; i++)
		buf[i] = (char)(i * 13);

	struct dma_job w = { &td->vdev, 0x40000000, buf, size, true, 0, false };
	assert_int_equal(run_dma(c, &w), 0);
	assert_memory_equal(guest, buf, size);

	memset(buf, 0, size);
	struct dma_job r = { &td->vdev, 0x40000000 + 5, buf, size - 5, false, 0, false };
	assert_int_equal(run_dma(c, &r), 0);
	assert_memory_equal(guest + 5, buf, size - 5);

	/* a region handler cannot wait for the client, which waits for it */
	write32(c, 0, TD_DMA, 0x40000000);
	assert_int_equal((int32_t)read32(c, 0, TD_DMA), -EDEADLK);

	/* the client's refusal reaches the driver with the client's errno */
	assert_int_equal(umdev_vu_dma_map(c, VFIO_USER_DMA_MAP_F_READ, 0x80000000, 0x1000, -1, 0), 0);
	struct dma_job bad = { &td->vdev, 0x80000000, buf, 16, false, 0, false };
	assert_int_equal(run_dma(c, &bad), -EFAULT); /* no client memory there */

	umdev_vu_close(c);
	/* without a client the map is gone and DMA fails cleanly */
	harness_remove(mdev);
	free(guest);
	free(buf);
}

static void test_disconnect_keeps_state(void **state)
{
	struct umdev_device *mdev = harness_create(9);
	struct umdev_vu_client *c = harness_connect(mdev);
	struct test_device *td = test_device_of(mdev);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int mem = sealed_memfd(0x1000, true);
	int before;
	char b;

	(void)state;
	write32(c, 0, 0x40, 0x5a5a5a5a);
	assert_int_equal(umdev_vu_set_irqs(c, 1, VFIO_USER_IRQ_SET_DATA_EVENTFD |
					   VFIO_USER_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd, NULL), 0);
	assert_int_equal(umdev_vu_dma_map(c, VFIO_USER_DMA_MAP_F_READ, 0x1000, 0x1000, mem, 0), 0);
	assert_int_equal(td->maps, 1);

	/* a second client is turned away while the first is served */
	struct umdev_vu_client *second;
	assert_int_equal(umdev_vu_connect(harness_path(mdev), false, &second), 0);
	assert_int_equal(read(umdev_vu_fd(second), &b, 1), 0);
	umdev_vu_close(second);

	umdev_vu_close(c);
	/* the next client finds the device state but none of the old maps or fds */
	c = harness_connect(mdev);
	assert_int_equal(read32(c, 0, 0x40), 0x5a5a5a5a);
	assert_int_equal(td->maps, 0);
	assert_false(umdev_vfio_irq_enabled(&td->vdev, 1, 0));
	assert_int_equal(umdev_vfio_dma_read(&td->vdev, 0x1000, &b, 1), -EFAULT);
	assert_int_equal(td->clients, 2); /* the refused one never reached the device */

	/* removal while connected closes the client cleanly */
	before = harness_count_fds();
	harness_remove(mdev);
	struct umdev_vu_message m;
	assert_int_equal(umdev_vu_receive(c, &m, 10000), -ECONNRESET);
	umdev_vu_close(c);
	close(efd);
	close(mem);
	assert_true(harness_count_fds() <= before - 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_and_version),
		cmocka_unit_test(test_device_region_irq_info),
		cmocka_unit_test(test_region_access),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_irqs),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_dma_fd),
		cmocka_unit_test(test_dma_messages),
		cmocka_unit_test(test_disconnect_keeps_state),
	};

	return cmocka_run_group_tests(tests, harness_setup, harness_teardown);
}
