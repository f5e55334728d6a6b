// SPDX-License-Identifier: MIT
/*
 * The mdpy device as a VMM sees it, through the real vfio-user server: the
 * kernel sample's PCI identity and read-only framebuffer description in
 * config space, the framebuffer BAR offered as a sparse-mmap fd, and the
 * picture written through the mapping read back by the screenshot socket.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <umdev/bus.h>
#include <umdev/display.h>
#include "module.h"
#include <umdev/vfio_user.h>
#include <umdev/vfio_user_client.h>

#include "mdpy_pci.h"

static char dir[PATH_MAX];
static void *parent;
static char uuid_text[UMDEV_UUID_STRING_LEN + 1];
static struct umdev_device *mdev;
static struct umdev_vu_client *client;

static int setup(void **state)
{
	const struct umdev_setting no_vnc[] = { { "vnc", "0" } };
	uint8_t uuid[UMDEV_UUID_SIZE];
	struct umdev_parent *p;
	struct umdev_type *type;
	char path[PATH_MAX];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/umdev-mdpy-XXXXXX");
	if (!mkdtemp(dir) || umdev_vfio_user_start(dir, NULL))
		return -1;
	if (umdev_mdpy_module.create("mdpy", no_vnc, 1, &parent))
		return -1;
	p = umdev_parent_get("mdpy");
	type = umdev_parent_find_type(p, "mdpy-vga");
	umdev_parent_put(p);
	/* a UUID of this process, so that concurrent test runs do not share a socket name */
	snprintf(uuid_text, sizeof(uuid_text), "%08x-3d9f-4d00-8000-000000000001", (unsigned int)getpid());
	if (umdev_uuid_parse(uuid_text, uuid) || umdev_device_create(type, uuid))
		return -1;
	mdev = umdev_device_get(uuid);
	if (!mdev || umdev_vfio_user_socket_path(mdev, path, sizeof(path)) <= 0)
		return -1;
	return umdev_vu_connect(path, true, &client);
}

static int teardown(void **state)
{
	(void)state;
	umdev_vu_close(client);
	umdev_device_remove(mdev);
	umdev_device_put(mdev);
	umdev_mdpy_module.destroy(parent);
	umdev_vfio_user_stop();
	rmdir(dir);
	return 0;
}

static uint32_t config32(unsigned int offset)
{
	uint32_t v = 0;

	assert_int_equal(umdev_vu_region_read(client, VFIO_USER_PCI_CONFIG_REGION, offset, &v, 4), 4);
	return le32toh(v);
}

static void test_identity(void **state)
{
	struct umdev_vu_region_info ri;
	uint32_t v = 0;

	(void)state;
	assert_int_equal(config32(0), 0x000f1b36);
	assert_int_equal(config32(8) >> 8, 0x038000);
	assert_int_equal(config32(0x2c), 0x11001af4);
	assert_true(config32(4) >> 16 & 0x10); /* a capability list */
	assert_int_equal(config32(0x34) & 0xff, MDPY_VENDORCAP_OFFSET);
	assert_int_equal(config32(MDPY_VENDORCAP_OFFSET) & 0xffff, 0x0009); /* vendor, last */
	assert_int_equal(config32(MDPY_FORMAT_OFFSET), 0x34325258); /* "XR24" */
	assert_int_equal(config32(MDPY_WIDTH_OFFSET), 640);
	assert_int_equal(config32(MDPY_HEIGHT_OFFSET), 480);
	/* read-only: a guest cannot change what the framebuffer is */
	v = 1234;
	assert_int_equal(umdev_vu_region_write(client, VFIO_USER_PCI_CONFIG_REGION, MDPY_WIDTH_OFFSET,
					       &v, 4), 4);
	assert_int_equal(config32(MDPY_WIDTH_OFFSET), 640);
	assert_int_equal(umdev_vu_region_info(client, 0, &ri), 0);
	assert_int_equal(ri.size, 2 << 20); /* 640x480x4 rounded up to a power of two */
	assert_true(ri.fd >= 0 && (ri.flags & VFIO_USER_REGION_F_MMAP));
	assert_int_equal(ri.nr_areas, 1);
	close(ri.fd);
}

static void test_pixels_through_the_mapping(void **state)
{
	struct umdev_display_snapshot_header hdr;
	struct umdev_vu_region_info ri;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	uint8_t *fb, *shot;
	int fd, len;

	(void)state;
	assert_int_equal(umdev_vu_region_info(client, 0, &ri), 0);
	fb = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, ri.fd, (off_t)ri.offset);
	assert_true(fb != MAP_FAILED);
	for (uint32_t y = 0; y < 480; y++)
		for (uint32_t x = 0; x < 640; x++)
			memcpy(fb + y * 2560 + x * 4, (uint8_t[4]){ (uint8_t)(x * y), (uint8_t)y, (uint8_t)x, 0 }, 4);
	/* and one pixel through a region write, as a VMM without the mapping does */
	assert_int_equal(umdev_vu_region_write(client, 0, 4, "\x11\x22\x33\x00", 4), 4);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "%s%s", UMDEV_DISPLAY_SOCKET_PREFIX,
		       uuid_text);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr,
				 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)), 0);
	for (size_t got = 0; got < sizeof(hdr);)
		got += (size_t)read(fd, (uint8_t *)&hdr + got, sizeof(hdr) - got);
	assert_int_equal(le32toh(hdr.width), 640);
	assert_int_equal(le32toh(hdr.height), 480);
	shot = malloc(640 * 480 * 4);
	for (size_t got = 0; got < 640 * 480 * 4;) {
		ssize_t n = read(fd, shot + got, 640 * 480 * 4 - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
	close(fd);
	assert_memory_equal(shot + 4, "\x33\x22\x11\x00", 4);
	for (uint32_t y = 1; y < 480; y++)
		for (uint32_t x = 0; x < 640; x++)
			assert_memory_equal(shot + (y * 640 + x) * 4,
					    ((uint8_t[4]){ (uint8_t)x, (uint8_t)y, (uint8_t)(x * y), 0 }), 4);
	free(shot);
	munmap(fb, ri.size);
	close(ri.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_pixels_through_the_mapping),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
