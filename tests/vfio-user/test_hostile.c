// SPDX-License-Identifier: MIT
/*
 * A hostile client: malformed, oversized, out-of-range and abandoned
 * messages. Each one must get an error reply or a clean disconnect; the
 * server keeps serving, another device is untouched and no fd leaks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static struct umdev_device *victim, *bystander;
static struct umdev_vu_client *other; /* a well-behaved client of the bystander */

static int setup(void **state)
{
	if (harness_setup(state))
		return -1;
	return 0;
}

/* A fresh negotiated client on the victim, proving it still serves. */
static void victim_works(void)
{
	struct umdev_vu_client *c = harness_connect(victim);
	struct umdev_vu_device_info info;

	assert_int_equal(umdev_vu_device_info(c, &info), 0);
	assert_int_equal(info.num_regions, 9);
	umdev_vu_close(c);
}

/* The bystander's client still works and its data is intact. */
static void bystander_intact(void)
{
	uint32_t v = 0;

	assert_int_equal(umdev_vu_region_read(other, 0, 0x20, &v, 4), 4);
	assert_int_equal(v, 0xb0b0b0b0);
}

/*
 * Fds of the process once every earlier client of the victim is gone: the
 * server drops a client before accepting the next one, so a round trip on
 * a new connection means the old ones are closed.
 */
static int settled_fds(void)
{
	struct umdev_vu_client *c = harness_connect(victim);
	struct umdev_vu_device_info info;
	int n;

	assert_int_equal(umdev_vu_device_info(c, &info), 0);
	n = harness_count_fds();
	umdev_vu_close(c);
	return n;
}

static int case_setup(void **state)
{
	uint32_t v = 0xb0b0b0b0;

	(void)state;
	victim = harness_create(1);
	bystander = harness_create(2);
	other = harness_connect(bystander);
	assert_int_equal(umdev_vu_region_write(other, 0, 0x20, &v, 4), 4);
	*state = (void *)(intptr_t)settled_fds();
	return 0;
}

static int case_teardown(void **state)
{
	int before = (int)(intptr_t)*state;

	victim_works();
	bystander_intact();
	assert_int_equal(settled_fds(), before);
	umdev_vu_close(other);
	harness_remove(victim);
	harness_remove(bystander);
	return 0;
}

static struct umdev_vu_client *raw_client(bool negotiate)
{
	struct umdev_vu_client *c;

	assert_int_equal(umdev_vu_connect(harness_path(victim), negotiate, &c), 0);
	return c;
}

/* Sends @len payload bytes as @command and expects an error reply with @err. */
static void expect_error(struct umdev_vu_client *c, uint16_t command, const void *payload,
			 size_t len, const int *fds, unsigned int nr_fds, uint32_t err)
{
	struct umdev_vu_message reply;

	assert_int_equal(umdev_vu_request(c, command, 0, payload, len, fds, nr_fds, &reply), 0);
	assert_int_equal(reply.hdr.flags, VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR);
	assert_int_equal(reply.hdr.error, err);
	assert_int_equal(reply.len, 0);
	assert_int_equal(reply.nr_fds, 0);
	umdev_vu_message_free(&reply);
}

/* After a fatal message the server closes the connection. */
static void expect_disconnect(struct umdev_vu_client *c)
{
	struct umdev_vu_message m;
	int ret;

	/* an error reply may come first */
	ret = umdev_vu_receive(c, &m, 10000);
	if (ret == 0) {
		assert_true(m.hdr.flags & VFIO_USER_F_ERROR);
		umdev_vu_message_free(&m);
		ret = umdev_vu_receive(c, &m, 10000);
	}
	assert_int_equal(ret, -ECONNRESET);
}

static void test_truncated_header(void **state)
{
	struct umdev_vu_client *c = raw_client(false);

	(void)state;
	assert_int_equal(umdev_vu_send_raw(c, "\x01\x00\x01\x00\x20", 5, NULL, 0), 0);
	umdev_vu_close(c); /* gone mid-header */
}

static void test_bad_sizes_in_header(void **state)
{
	struct vfio_user_header h = { .command = VFIO_USER_VERSION, .msg_size = 8 };
	struct umdev_vu_client *c = raw_client(false);

	(void)state;
	assert_int_equal(umdev_vu_send_raw(c, &h, sizeof(h), NULL, 0), 0);
	expect_disconnect(c);
	umdev_vu_close(c);

	c = raw_client(true);
	h.msg_size = UINT32_MAX;
	assert_int_equal(umdev_vu_send_raw(c, &h, sizeof(h), NULL, 0), 0);
	expect_disconnect(c);
	umdev_vu_close(c);
}

static void test_disconnect_mid_message(void **state)
{
	uint8_t buf[16 + 100] = { 0 };
	struct vfio_user_header h = { .command = VFIO_USER_REGION_WRITE, .msg_size = 1000 };
	struct umdev_vu_client *c = raw_client(true);
	int efd = eventfd(0, EFD_CLOEXEC);

	(void)state;
	memcpy(buf, &h, sizeof(h));
	assert_int_equal(umdev_vu_send_raw(c, buf, sizeof(buf), &efd, 1), 0);
	close(efd);
	umdev_vu_close(c); /* the fd it carried must not leak */
}

static void test_before_version(void **state)
{
	struct vfio_user_device_info in = { .argsz = sizeof(in) };
	struct umdev_vu_client *c = raw_client(false);

	(void)state;
	expect_error(c, VFIO_USER_DEVICE_GET_INFO, &in, sizeof(in), NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_VERSION, "\x01\x00\x00\x00", 4, NULL, 0, ENOTSUP); /* major 1 */
	expect_error(c, VFIO_USER_VERSION, "\x00", 1, NULL, 0, EINVAL);
	assert_int_equal(umdev_vu_version(c, NULL), 0);
	umdev_vu_close(c);
}

static void test_garbage_json(void **state)
{
	static const char *const bad[] = {
		"{not json",
		"[1,2]",
		"{\"capabilities\":[]}",
		"{\"capabilities\":{\"max_msg_fds\":\"many\"}}",
		"{\"capabilities\":{\"max_msg_fds\":-1}}",
		"{\"capabilities\":{\"max_msg_fds\":100000}}",
		"{\"capabilities\":{\"max_data_xfer_size\":0}}",
		"{\"capabilities\":{\"pgsizes\":8192}}",
		"{\"capabilities\":{\"write_multiple\":1}}",
		"{\"capabilities\":{\"migration\":3}}",
		"{} trailing",
		"",
	};
	struct umdev_vu_client *c = raw_client(false);
	uint8_t buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i]) + 1;

		memset(buf, 0, 4);
		memcpy(buf + 4, bad[i], len);
		expect_error(c, VFIO_USER_VERSION, buf, 4 + len, NULL, 0, EINVAL);
	}
	/* not NUL-terminated, or with bytes after the NUL */
	memcpy(buf + 4, "{}", 2);
	expect_error(c, VFIO_USER_VERSION, buf, 6, NULL, 0, EINVAL);
	memcpy(buf + 4, "{}\0x", 4);
	expect_error(c, VFIO_USER_VERSION, buf, 8, NULL, 0, EINVAL);
	/* a huge JSON document */
	size_t big = 64 * 1024;
	char *doc = malloc(4 + big);
	memset(doc, 0, 4);
	memset(doc + 4, ' ', big - 1);
	doc[4] = '{';
	doc[4 + big - 2] = '}';
	doc[4 + big - 1] = '\0';
	expect_error(c, VFIO_USER_VERSION, doc, 4 + big, NULL, 0, EINVAL);
	free(doc);
	/* after all that, a proper VERSION still works */
	assert_int_equal(umdev_vu_version(c, "{\"capabilities\":{\"max_msg_fds\":4}}"), 0);
	umdev_vu_close(c);
}

static void test_wrong_sizes(void **state)
{
	struct umdev_vu_client *c = raw_client(true);
	uint8_t zero[64] = { 0 };
	struct vfio_user_device_info di = { .argsz = 8 };
	struct vfio_user_region_info ri = { .argsz = 16 };
	struct vfio_user_irq_info ii = { .argsz = sizeof(ii) };
	struct vfio_user_irq_set is = { .argsz = 24, .flags = VFIO_USER_IRQ_SET_DATA_NONE |
						   VFIO_USER_IRQ_SET_ACTION_TRIGGER, .count = 1 };
	struct {
		struct vfio_user_region_access a;
		uint8_t data[4];
	} rw = { { .region = 0, .offset = 0, .count = 8 }, { 0 } };

	(void)state;
	expect_error(c, VFIO_USER_DEVICE_GET_INFO, zero, 8, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_GET_INFO, &di, sizeof(di), NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_GET_INFO, zero, 20, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_GET_REGION_INFO, &ri, sizeof(ri), NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_GET_REGION_INFO, zero, 31, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_GET_IRQ_INFO, &ii, 15, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, &is, sizeof(is), NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, zero, 0, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_REGION_READ, zero, 15, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_REGION_READ, zero, 17, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_REGION_WRITE, &rw, sizeof(rw), NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DMA_MAP, zero, 31, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DMA_UNMAP, zero, 23, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_RESET, zero, 4, NULL, 0, EINVAL);
	expect_error(c, VFIO_USER_REGION_WRITE_MULTI, zero, 7, NULL, 0, EINVAL);
	umdev_vu_close(c);
}

static void test_unknown_commands_and_flags(void **state)
{
	struct umdev_vu_client *c = raw_client(true);
	struct umdev_vu_message reply;
	struct vfio_user_device_info di = { .argsz = sizeof(di) };

	(void)state;
	expect_error(c, 0, NULL, 0, NULL, 0, ENOSYS);
	expect_error(c, 999, NULL, 0, NULL, 0, ENOSYS);
	expect_error(c, UINT16_MAX, "abc", 3, NULL, 0, ENOSYS);
	expect_error(c, VFIO_USER_DMA_READ, NULL, 0, NULL, 0, ENOSYS);
	expect_error(c, VFIO_USER_DEVICE_FEATURE, NULL, 0, NULL, 0, ENOTSUP);
	expect_error(c, VFIO_USER_DEVICE_GET_REGION_IO_FDS, NULL, 0, NULL, 0, ENOTSUP);
	/* an unknown message type, undefined flag bits, an error in a command */
	assert_int_equal(umdev_vu_request(c, VFIO_USER_DEVICE_GET_INFO, 0x40, &di, sizeof(di), NULL,
					  0, &reply), 0);
	assert_int_equal(reply.hdr.error, EINVAL);
	umdev_vu_message_free(&reply);
	struct vfio_user_header h = { .msg_id = 77, .command = VFIO_USER_DEVICE_GET_INFO,
				      .msg_size = 32, .flags = 5 };
	uint8_t buf[32] = { 0 };
	memcpy(buf, &h, 16);
	memcpy(buf + 16, &di, 16);
	assert_int_equal(umdev_vu_send_raw(c, buf, 32, NULL, 0), 0);
	assert_int_equal(umdev_vu_receive(c, &reply, 10000), 0);
	assert_int_equal(reply.hdr.msg_id, 77);
	assert_int_equal(reply.hdr.error, EINVAL);
	umdev_vu_message_free(&reply);
	h.flags = 0;
	h.error = 5;
	memcpy(buf, &h, 16);
	assert_int_equal(umdev_vu_send_raw(c, buf, 32, NULL, 0), 0);
	assert_int_equal(umdev_vu_receive(c, &reply, 10000), 0);
	assert_int_equal(reply.hdr.error, EINVAL);
	umdev_vu_message_free(&reply);

	/* a bad no-reply request gets no reply; the next request is answered */
	assert_int_equal(umdev_vu_request(c, 999, VFIO_USER_F_NO_REPLY, NULL, 0, NULL, 0, NULL), 0);
	struct umdev_vu_device_info info;
	assert_int_equal(umdev_vu_device_info(c, &info), 0);

	/* a reply to a request the server never sent is a protocol violation */
	h = (struct vfio_user_header){ .msg_id = 9, .command = VFIO_USER_DMA_READ, .msg_size = 16,
				       .flags = VFIO_USER_F_TYPE_REPLY };
	assert_int_equal(umdev_vu_send_raw(c, &h, 16, NULL, 0), 0);
	expect_disconnect(c);
	umdev_vu_close(c);
}

static void test_region_ranges(void **state)
{
	struct umdev_vu_client *c = raw_client(true);
	uint8_t buf[8];
	static const struct {
		uint32_t region;
		uint64_t offset;
		uint32_t count;
	} bad[] = {
		{ 0, TD_BAR0_SIZE, 1 },
		{ 0, TD_BAR0_SIZE - 3, 4 },
		{ 0, UINT64_MAX, 1 },
		{ 0, UINT64_MAX - 2, 4 },
		{ 0, 0, UINT32_MAX },
		{ 0, 0, 1024 * 1024 + 1 },
		{ 2, 0, 4 },
		{ 8, 0, 4 },
		{ 9, 0, 4 },
		{ UINT32_MAX, 0, 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vfio_user_region_access a = { bad[i].offset, bad[i].region, bad[i].count };

		expect_error(c, VFIO_USER_REGION_READ, &a, sizeof(a), NULL, 0, EINVAL);
		if (bad[i].count <= sizeof(buf)) {
			uint8_t w[sizeof(a) + sizeof(buf)];

			memcpy(w, &a, sizeof(a));
			memset(w + sizeof(a), 0, sizeof(buf));
			expect_error(c, VFIO_USER_REGION_WRITE, w, sizeof(a) + bad[i].count, NULL, 0,
				     EINVAL);
		}
	}
	/* WRITE_MULTI: one bad entry fails the whole message and writes nothing */
	struct {
		struct vfio_user_write_multi m;
		struct vfio_user_write_one w[2];
	} wm = { { 2 }, { { 0x30, 0, 4, { 1, 1, 1, 1 } }, { TD_BAR0_SIZE - 2, 0, 4, { 0 } } } };
	expect_error(c, VFIO_USER_REGION_WRITE_MULTI, &wm, sizeof(wm), NULL, 0, EINVAL);
	assert_int_equal(umdev_vu_region_read(c, 0, 0x30, buf, 4), 4);
	assert_int_equal(buf[0], 0);
	wm.w[1] = (struct vfio_user_write_one){ 0x40, 0, 9, { 0 } };
	expect_error(c, VFIO_USER_REGION_WRITE_MULTI, &wm, sizeof(wm), NULL, 0, EINVAL);
	wm.m.wr_cnt = 0;
	expect_error(c, VFIO_USER_REGION_WRITE_MULTI, &wm, sizeof(wm.m), NULL, 0, EINVAL);
	wm.m.wr_cnt = 201;
	expect_error(c, VFIO_USER_REGION_WRITE_MULTI, &wm, sizeof(wm), NULL, 0, EINVAL);
	wm.m.wr_cnt = UINT64_MAX / 8;
	expect_error(c, VFIO_USER_REGION_WRITE_MULTI, &wm, sizeof(wm), NULL, 0, EINVAL);
	umdev_vu_close(c);
}

static void test_dma_abuse(void **state)
{
	struct umdev_vu_client *c = raw_client(true);
	struct vfio_user_dma_map map = { .argsz = sizeof(map), .flags = 3, .address = 0x10000,
					 .size = 0x1000 };
	struct vfio_user_dma_unmap unmap = { .argsz = sizeof(unmap) };
	int fds[2] = { eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC) };

	(void)state;
	/* two fds; an fd that is not a file; argsz wrong */
	expect_error(c, VFIO_USER_DMA_MAP, &map, sizeof(map), fds, 2, EINVAL);
	expect_error(c, VFIO_USER_DMA_MAP, &map, sizeof(map), fds, 1, EINVAL);
	map.argsz = 16;
	expect_error(c, VFIO_USER_DMA_MAP, &map, sizeof(map), NULL, 0, EINVAL);
	map.argsz = sizeof(map);
	/* without fd: fine once, then overlapping it is not */
	assert_int_equal(umdev_vu_dma_map(c, 3, 0x10000, 0x1000, -1, 0), 0);
	assert_int_equal(umdev_vu_dma_map(c, 3, 0x10000, 0x1000, -1, 0), -EEXIST);
	assert_int_equal(umdev_vu_dma_map(c, 3, 0xf000, 0x2000, -1, 0), -EEXIST);
	assert_int_equal(umdev_vu_dma_map(c, 3, 0x10000 - 0x1000, 0x1000, -1, 0), 0);
	/* unmap: dirty bitmap not offered, unknown flags, no exact match */
	unmap.flags = VFIO_USER_DMA_UNMAP_F_GET_DIRTY_BITMAP;
	expect_error(c, VFIO_USER_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, EINVAL);
	unmap.flags = 0x80;
	expect_error(c, VFIO_USER_DMA_UNMAP, &unmap, sizeof(unmap), NULL, 0, EINVAL);
	assert_int_equal(umdev_vu_dma_unmap(c, 0, 0xf000, 0x2000), -ENOENT);
	/* fds on a command that takes none */
	struct vfio_user_device_info di = { .argsz = sizeof(di) };
	expect_error(c, VFIO_USER_DEVICE_GET_INFO, &di, sizeof(di), fds, 2, EINVAL);
	close(fds[0]);
	close(fds[1]);
	umdev_vu_close(c); /* its maps go with it; case_teardown checks fds */
}

static void expect_ok_set_irqs(struct umdev_vu_client *c, const struct vfio_user_irq_set *set,
			       int fd)
{
	struct umdev_vu_message reply;

	assert_int_equal(umdev_vu_request(c, VFIO_USER_DEVICE_SET_IRQS, 0, set, sizeof(*set), &fd, 1,
					  &reply), 0);
	assert_int_equal(reply.hdr.error, 0);
	umdev_vu_message_free(&reply);
}

static void test_too_many_fds(void **state)
{
	struct umdev_vu_client *c = raw_client(true);
	int fds[253];
	struct vfio_user_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER,
		.index = 2, .start = 0, .count = 20,
	};
	struct test_device *td = test_device_of(victim);

	(void)state;
	for (int i = 0; i < 253; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	/* more than max_msg_fds, and more than count */
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), fds, 20, EINVAL);
	set.count = 2;
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), fds, 3, EINVAL);
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), fds, 253, EINVAL);
	assert_false(umdev_vfio_irq_enabled(&td->vdev, 2, 0));
	/* an eventfd at its maximum count: our writes must not block on it */
	uint64_t full = UINT64_MAX - 1;
	int stuck = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(write(stuck, &full, sizeof(full)), sizeof(full));
	set = (struct vfio_user_irq_set){ .argsz = sizeof(set),
		.flags = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER,
		.index = 1, .start = 0, .count = 1 };
	expect_ok_set_irqs(c, &set, stuck);
	uint32_t fire = 1 << 16;
	assert_int_equal(umdev_vu_region_write(c, 0, TD_IRQ, &fire, 4), 4);
	close(stuck);
	set = (struct vfio_user_irq_set){ .argsz = sizeof(set),
		.flags = VFIO_USER_IRQ_SET_DATA_EVENTFD | VFIO_USER_IRQ_SET_ACTION_TRIGGER,
		.index = 2, .start = 0, .count = 20 };

	/* BOOL data of the wrong length */
	uint8_t b[sizeof(set) + 3] = { 0 };
	set.flags = VFIO_USER_IRQ_SET_DATA_BOOL | VFIO_USER_IRQ_SET_ACTION_TRIGGER;
	set.argsz = sizeof(b);
	memcpy(b, &set, sizeof(set));
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, b, sizeof(b), NULL, 0, EINVAL);
	/* start + count overflowing */
	set = (struct vfio_user_irq_set){ .argsz = sizeof(set),
		.flags = VFIO_USER_IRQ_SET_DATA_NONE | VFIO_USER_IRQ_SET_ACTION_TRIGGER,
		.index = 2, .start = 2, .count = UINT32_MAX };
	expect_error(c, VFIO_USER_DEVICE_SET_IRQS, &set, sizeof(set), NULL, 0, EINVAL);
	for (int i = 0; i < 253; i++)
		close(fds[i]);
	umdev_vu_close(c);
}

static void test_never_reads_replies(void **state)
{
	struct umdev_vu_client *c = raw_client(true);
	struct vfio_user_header h = { .command = VFIO_USER_REGION_READ, .msg_size = 32 };
	struct vfio_user_region_access a = { .offset = 0, .region = 1, .count = 0x2000 };
	uint8_t wire[32];

	(void)state;
	/* 8 KiB replies the client never reads: the server blocks sending, not the daemon */
	memcpy(wire + 16, &a, sizeof(a));
	for (int i = 0; i < 256; i++) {
		h.msg_id = (uint16_t)i;
		memcpy(wire, &h, sizeof(h));
		assert_int_equal(umdev_vu_send_raw(c, wire, sizeof(wire), NULL, 0), 0);
	}
	bystander_intact(); /* another device's server is not held up */
	umdev_vu_close(c);  /* the blocked send fails and the client is dropped */
}

static void test_removal_during_partial_message(void **state)
{
	struct umdev_device *mdev = harness_create(3);
	struct umdev_vu_client *c;
	struct umdev_vu_message m;

	(void)state;
	assert_int_equal(umdev_vu_connect(harness_path(mdev), true, &c), 0);
	assert_int_equal(umdev_vu_send_raw(c, "\x01\x00\x04\x00\x20\x00", 6, NULL, 0), 0);
	/* the device goes while its server waits for the rest of a message */
	harness_remove(mdev);
	assert_int_equal(umdev_vu_receive(c, &m, 10000), -ECONNRESET);
	umdev_vu_close(c);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, case_setup, case_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_truncated_header),
		CASE(test_bad_sizes_in_header),
		CASE(test_disconnect_mid_message),
		CASE(test_before_version),
		CASE(test_garbage_json),
		CASE(test_wrong_sizes),
		CASE(test_unknown_commands_and_flags),
		CASE(test_region_ranges),
		CASE(test_dma_abuse),
		CASE(test_too_many_fds),
		CASE(test_never_reads_replies),
		cmocka_unit_test(test_removal_during_partial_message),
	};

	return cmocka_run_group_tests(tests, setup, harness_teardown);
}
