// SPDX-License-Identifier: MIT
/*
 * The mbochs device as a VMM sees it, through the real vfio-user server:
 * the BARs and the PCI identity the bochs DRM driver looks for, the video
 * memory BAR offered as a sparse-mmap fd (pixels written through the
 * mapping, never through messages), a mode set through BAR2, and the
 * picture read back through the screenshot socket exactly as written.
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

#include "mbochs_regs.h"

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
	snprintf(dir, sizeof(dir), "/tmp/umdev-mbochs-XXXXXX");
	if (!mkdtemp(dir) || umdev_vfio_user_start(dir, NULL))
		return -1;
	if (umdev_mbochs_module.create("mbochs", no_vnc, 1, &parent))
		return -1;
	p = umdev_parent_get("mbochs");
	type = umdev_parent_find_type(p, "mbochs-small");
	umdev_parent_put(p);
	/* a UUID of this process, so that concurrent test runs do not share a socket name */
	snprintf(uuid_text, sizeof(uuid_text), "%08x-b0c5-4d00-8000-000000000001", (unsigned int)getpid());
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
	umdev_mbochs_module.destroy(parent);
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

static void dispi(unsigned int index, uint16_t v)
{
	uint16_t le = htole16(v);

	assert_int_equal(umdev_vu_region_write(client, 2, MBOCHS_DISPI_OFFSET + 2 * index, &le, 2), 2);
}

static uint16_t dispi_get(unsigned int index)
{
	uint16_t v = 0;

	assert_int_equal(umdev_vu_region_read(client, 2, MBOCHS_DISPI_OFFSET + 2 * index, &v, 2), 2);
	return le16toh(v);
}

static void test_identity(void **state)
{
	struct umdev_vu_region_info ri;
	uint32_t bar;

	(void)state;
	assert_int_equal(config32(0), 0x11111234);
	assert_int_equal(config32(8) >> 8, 0x038000);
	assert_int_equal(config32(0x2c), 0x11001af4);
	assert_int_equal(config32(0x10) & 0xf, 0x8); /* BAR0: 32-bit prefetchable memory */
	assert_int_equal(config32(0x18) & 0xf, 0x0); /* BAR2: 32-bit memory */
	/* BAR sizing as the guest does it */
	bar = 0xffffffff;
	assert_int_equal(umdev_vu_region_write(client, VFIO_USER_PCI_CONFIG_REGION, 0x10, &bar, 4), 4);
	assert_int_equal(config32(0x10), 0xffc00008); /* 4 MB */
	assert_int_equal(umdev_vu_region_write(client, VFIO_USER_PCI_CONFIG_REGION, 0x18, &bar, 4), 4);
	assert_int_equal(config32(0x18), 0xfffff000); /* 4 KB */
	assert_int_equal(umdev_vu_region_info(client, 2, &ri), 0);
	assert_int_equal(ri.size, MBOCHS_MMIO_SIZE);
	assert_int_equal(ri.fd, -1); /* registers: every access is a message */
	assert_int_equal(dispi_get(DISPI_ID) & 0xfff0, DISPI_ID0);
	assert_int_equal(dispi_get(DISPI_VIDEO_MEMORY_64K), 64);
}

static int connect_screenshot(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	int len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "%s%s",
			   UMDEV_DISPLAY_SOCKET_PREFIX, uuid_text);

	assert_int_equal(connect(fd, (struct sockaddr *)&addr,
				 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)), 0);
	return fd;
}

static void read_all(int fd, void *buf, size_t len)
{
	for (uint8_t *p = buf; len;) {
		ssize_t n = read(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void test_pixels_through_the_mapping(void **state)
{
	struct umdev_display_snapshot_header hdr;
	struct umdev_vu_region_info ri;
	uint8_t *vram, *shot;
	int fd;

	(void)state;
	assert_int_equal(umdev_vu_region_info(client, 0, &ri), 0);
	assert_int_equal(ri.size, 4 << 20);
	assert_true(ri.flags & VFIO_USER_REGION_F_MMAP);
	assert_true(ri.fd >= 0);
	assert_int_equal(ri.nr_areas, 1);
	assert_int_equal(ri.areas[0].offset, 0);
	assert_int_equal(ri.areas[0].size, 4 << 20);
	vram = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, ri.fd, (off_t)ri.offset);
	assert_true(vram != MAP_FAILED);

	/* a 640x480 mode at 32 bpp, as Linux sets it, then panned to the second buffer */
	dispi(DISPI_ENABLE, 0);
	dispi(DISPI_BPP, 32);
	dispi(DISPI_XRES, 640);
	dispi(DISPI_YRES, 480);
	dispi(DISPI_VIRT_WIDTH, 640);
	dispi(DISPI_ENABLE, DISPI_ENABLED | DISPI_LFB_ENABLED);
	dispi(DISPI_Y_OFFSET, 480);
	for (uint32_t y = 0; y < 480; y++)
		for (uint32_t x = 0; x < 640; x++)
			memcpy(vram + (480 + y) * 2560 + x * 4,
			       (uint8_t[4]){ (uint8_t)(x + y), (uint8_t)y, (uint8_t)x, 0 }, 4);

	fd = connect_screenshot();
	read_all(fd, &hdr, sizeof(hdr));
	assert_int_equal(le32toh(hdr.width), 640);
	assert_int_equal(le32toh(hdr.height), 480);
	shot = malloc(640 * 480 * 4);
	read_all(fd, shot, 640 * 480 * 4);
	close(fd);
	for (uint32_t y = 0; y < 480; y++)
		for (uint32_t x = 0; x < 640; x++)
			assert_memory_equal(shot + (y * 640 + x) * 4,
					    ((uint8_t[4]){ (uint8_t)x, (uint8_t)y, (uint8_t)(x + y), 0 }), 4);
	free(shot);

	/* a hostile offset is refused and the picture stays where it was */
	dispi(DISPI_Y_OFFSET, 0xffff);
	assert_int_equal(dispi_get(DISPI_Y_OFFSET), 480);
	/* reset: the display goes dark */
	assert_int_equal(umdev_vu_reset(client), 0);
	fd = connect_screenshot();
	read_all(fd, &hdr, sizeof(hdr));
	assert_int_equal(hdr.width, 0);
	close(fd);
	munmap(vram, ri.size);
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
