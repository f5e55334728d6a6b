// SPDX-License-Identifier: MIT
/*
 * src/display: the scanout checks, the pixel formats, a capture of the
 * visible area, and the screenshot socket as umdev-screenshot reads it.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <umdev/display.h>

#define VRAM (1u << 20)
/* A UUID of this process: tests of several builds may run at once, each with its own socket. */
static char NAME[37];

static const struct umdev_display_config no_vnc = { .vnc = false };

static void test_mode_check(void **state)
{
	struct umdev_display_mode m = { .enabled = true, .format = UMDEV_DISPLAY_XRGB8888,
					.width = 512, .height = 512, .stride = 2048 };

	(void)state;
	assert_int_equal(umdev_display_mode_check(&m, VRAM), 0); /* exactly 1 MB */
	m.offset = 4;
	assert_int_equal(umdev_display_mode_check(&m, VRAM), -EINVAL); /* one pixel past */
	m.offset = 0;
	m.stride = 2044;
	assert_int_equal(umdev_display_mode_check(&m, VRAM), -EINVAL); /* a line wider than its stride */
	m.stride = 2048;
	m.height = 0;
	assert_int_equal(umdev_display_mode_check(&m, VRAM), -EINVAL);
	m.height = 512;
	m.format = UMDEV_DISPLAY_NR_FORMATS;
	assert_int_equal(umdev_display_mode_check(&m, VRAM), -EINVAL);
	m.format = UMDEV_DISPLAY_C8;
	m.offset = UINT64_MAX - 10; /* no wrap-around */
	assert_int_equal(umdev_display_mode_check(&m, VRAM), -EINVAL);
	m = (struct umdev_display_mode){ .enabled = false, .offset = UINT64_MAX };
	assert_int_equal(umdev_display_mode_check(&m, VRAM), 0);
}

static void test_formats(void **state)
{
	const uint32_t palette[256] = { [7] = 0x123456 };
	uint8_t out[8];

	(void)state;
	umdev_display_convert_line(UMDEV_DISPLAY_XRGB8888, (const uint8_t *)"\x03\x02\x01\xff", out, 1, palette);
	assert_memory_equal(out, "\x01\x02\x03\x00", 4);
	umdev_display_convert_line(UMDEV_DISPLAY_BGRX8888, (const uint8_t *)"\xff\x01\x02\x03", out, 1, palette);
	assert_memory_equal(out, "\x01\x02\x03\x00", 4);
	umdev_display_convert_line(UMDEV_DISPLAY_RGB888, (const uint8_t *)"\x03\x02\x01", out, 1, palette);
	assert_memory_equal(out, "\x01\x02\x03\x00", 4);
	/* full scale stays full scale */
	umdev_display_convert_line(UMDEV_DISPLAY_RGB565, (const uint8_t *)"\xff\xff\x00\xf8", out, 2, palette);
	assert_memory_equal(out, "\xff\xff\xff\x00\xff\x00\x00\x00", 8);
	umdev_display_convert_line(UMDEV_DISPLAY_XRGB1555, (const uint8_t *)"\xe0\x03", out, 1, palette);
	assert_memory_equal(out, "\x00\xff\x00\x00", 4);
	umdev_display_convert_line(UMDEV_DISPLAY_C8, (const uint8_t *)"\x07", out, 1, palette);
	assert_memory_equal(out, "\x12\x34\x56\x00", 4);
	assert_int_equal(umdev_display_format_cpp(UMDEV_DISPLAY_RGB888), 3);
	assert_string_equal(umdev_display_format_name(UMDEV_DISPLAY_BGRX8888), "BGRX8888");
}

/* A 64x32 XRGB8888 picture at offset 4096 with stride 512: pixel (x, y) = (x, y, x ^ y). */
static void paint(struct umdev_display *d, struct umdev_display_mode *m)
{
	uint8_t *vram = umdev_display_vram(d);

	*m = (struct umdev_display_mode){ .enabled = true, .format = UMDEV_DISPLAY_XRGB8888,
					  .width = 64, .height = 32, .stride = 512, .offset = 4096 };
	for (uint32_t y = 0; y < 32; y++)
		for (uint32_t x = 0; x < 64; x++)
			memcpy(vram + 4096 + y * 512 + x * 4,
			       (uint8_t[4]){ (uint8_t)(x ^ y), (uint8_t)y, (uint8_t)x, 0xee }, 4);
	assert_int_equal(umdev_display_set_mode(d, m), 0);
}

static void assert_painted(const uint8_t *rgbx)
{
	for (uint32_t y = 0; y < 32; y++)
		for (uint32_t x = 0; x < 64; x++)
			assert_memory_equal(rgbx + (y * 64 + x) * 4,
					    ((uint8_t[4]){ (uint8_t)x, (uint8_t)y, (uint8_t)(x ^ y), 0 }), 4);
}

static void test_capture(void **state)
{
	struct umdev_display *d;
	struct umdev_display_mode m, bad;
	uint32_t w, h;
	uint8_t *rgbx;

	(void)state;
	assert_int_equal(umdev_display_create(NAME, 4097, &no_vnc, &d), -EINVAL); /* not pages */
	assert_int_equal(umdev_display_create(NAME, VRAM, &no_vnc, &d), 0);
	assert_int_equal(umdev_display_vram_size(d), VRAM);
	assert_true(umdev_display_fd(d) >= 0);
	assert_int_equal(umdev_display_capture(d, &w, &h, &rgbx), -ENODATA);
	paint(d, &m);
	/* a mode reaching past video memory is refused and the old one stays */
	bad = m;
	bad.offset = VRAM - 512;
	assert_int_equal(umdev_display_set_mode(d, &bad), -EINVAL);
	umdev_display_get_mode(d, &bad);
	assert_int_equal(bad.offset, 4096);
	assert_int_equal(umdev_display_capture(d, &w, &h, &rgbx), 0);
	assert_int_equal(w, 64);
	assert_int_equal(h, 32);
	assert_painted(rgbx);
	free(rgbx);
	umdev_display_destroy(d);
}

static int connect_name(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path + 1, name);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&addr,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name)))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

static void test_screenshot_socket(void **state)
{
	struct umdev_display_snapshot_header hdr;
	struct umdev_display *d;
	struct umdev_display_mode m;
	char name[128];
	uint8_t *pixels;
	int fd;

	(void)state;
	assert_int_equal(umdev_display_create(NAME, VRAM, &no_vnc, &d), 0);
	umdev_display_socket_name(d, name, sizeof(name));
	char want[128];

	snprintf(want, sizeof(want), "@%s%s", UMDEV_DISPLAY_SOCKET_PREFIX, NAME);
	assert_string_equal(name, want);
	umdev_display_vnc_address(d, name, sizeof(name));
	assert_string_equal(name, ""); /* no VNC server was asked for */

	/* disabled: a header saying 0x0 and nothing else */
	fd = connect_name(want + 1);
	assert_true(fd >= 0);
	read_all(fd, &hdr, sizeof(hdr));
	assert_memory_equal(hdr.magic, UMDEV_DISPLAY_SNAPSHOT_MAGIC, 8);
	assert_int_equal(hdr.width, 0);
	assert_int_equal(read(fd, name, 1), 0);
	close(fd);

	paint(d, &m);
	/* a viewer that connects and leaves without reading does not stop the next one */
	fd = connect_name(want + 1);
	close(fd);
	fd = connect_name(want + 1);
	read_all(fd, &hdr, sizeof(hdr));
	assert_int_equal(le32toh(hdr.width), 64);
	assert_int_equal(le32toh(hdr.height), 32);
	assert_int_equal(le32toh(hdr.format), UMDEV_DISPLAY_XRGB8888);
	pixels = malloc(64 * 32 * 4);
	read_all(fd, pixels, 64 * 32 * 4);
	assert_painted(pixels);
	free(pixels);
	close(fd);

	/* another user gets nothing: the screen is root's and the daemon's user's to see */
	if (geteuid() == 0) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			char byte;

			if (setgid(65534) || setuid(65534))
				_exit(2);
			fd = connect_name(want + 1);
			_exit(fd >= 0 && read(fd, &byte, 1) == 0 ? 0 : 1);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	/* a second display cannot take the same name; it still works without a socket */
	{
		struct umdev_display *twin;

		assert_int_equal(umdev_display_create(NAME, VRAM, &no_vnc, &twin), 0);
		umdev_display_socket_name(twin, name, sizeof(name));
		assert_string_equal(name, "");
		umdev_display_destroy(twin);
	}
	umdev_display_destroy(d);
	/* gone with the display */
	assert_int_equal(connect_name(want + 1), -ECONNREFUSED);
}

int main(void)
{
	snprintf(NAME, sizeof(NAME), "%08x-7e57-4d00-8000-000000000001", (unsigned int)getpid());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_check),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_screenshot_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
