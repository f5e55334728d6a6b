// SPDX-License-Identifier: MIT
/*
 * umdev-screenshot: save what a umdev display device's guest shows as PNG.
 *
 *   umdev-screenshot SOCKET_OR_UUID OUT.png
 *
 * SOCKET_OR_UUID is the device's UUID, its vfio-user socket (".../UUID.sock",
 * as the device's vfio-user-socket attribute names it) or the screenshot
 * socket itself ("@umdev-display/UUID", the device's vendor/screenshot_socket).
 * OUT.png may be "-" for standard output.
 *
 * The daemon serves each display's picture on an abstract UNIX socket: the
 * tool connects, reads one header and the visible area as RGBX pixels
 * (include/umdev/display.h), and writes them with libpng. The guest is
 * never disturbed, and a VMM may hold the vfio-user socket meanwhile.
 * Only root and the daemon's user are answered.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <png.h>

#include <umdev/display.h>

#define UUID_LEN 36

static int usage(void)
{
	fprintf(stderr, "usage: umdev-screenshot SOCKET_OR_UUID OUT.png\n"
			"  SOCKET_OR_UUID: a device UUID, its vfio-user socket (DIR/UUID.sock)\n"
			"                  or its screenshot socket (@umdev-display/UUID)\n");
	return 2;
}

static bool is_uuid(const char *s, size_t len)
{
	if (len != UUID_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

/* The abstract socket name (without '@') for @arg, or NULL. */
static char *socket_name(const char *arg)
{
	const char *base = strrchr(arg, '/');
	size_t len;
	char *name;

	if (arg[0] == '@')
		return strdup(arg + 1);
	base = base ? base + 1 : arg;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".sock"))
		len -= 5;
	if (!is_uuid(base, len))
		return NULL;
	if (asprintf(&name, "%s%.*s", UMDEV_DISPLAY_SOCKET_PREFIX, (int)len, base) < 0)
		return NULL;
	for (char *p = name; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
	return name;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int connect_abstract(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd;

	if (len + 1 > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path + 1, name, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int write_png(FILE *out, uint32_t width, uint32_t height, uint8_t *rgbx)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;

	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		return -EIO;
	}
	png_init_io(png, out);
	png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	png_set_filler(png, 0, PNG_FILLER_AFTER); /* our rows are RGBX: drop the X */
	for (uint32_t y = 0; y < height; y++)
		png_write_row(png, rgbx + (size_t)y * width * 4);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	return 0;
}

int main(int argc, char **argv)
{
	struct umdev_display_snapshot_header hdr;
	uint32_t width, height;
	uint8_t *pixels;
	char *name;
	FILE *out;
	int fd, ret;

	if (argc != 3)
		return usage();
	name = socket_name(argv[1]);
	if (!name) {
		fprintf(stderr, "umdev-screenshot: '%s' is neither a UUID, a UUID.sock path nor @NAME\n",
			argv[1]);
		return usage();
	}
	fd = connect_abstract(name);
	if (fd < 0) {
		fprintf(stderr, "umdev-screenshot: cannot connect to @%s: %s (is the device a "
				"display, served by a running umdevd?)\n", name, strerror(-fd));
		return 1;
	}
	ret = read_all(fd, &hdr, sizeof(hdr));
	if (ret || memcmp(hdr.magic, UMDEV_DISPLAY_SNAPSHOT_MAGIC, sizeof(hdr.magic))) {
		fprintf(stderr, "umdev-screenshot: @%s sent no picture (%s)\n", name,
			ret ? strerror(-ret) : "not a umdev display");
		return 1;
	}
	width = le32toh(hdr.width);
	height = le32toh(hdr.height);
	if (!width || !height) {
		fprintf(stderr, "umdev-screenshot: the display is off (the guest has set no mode)\n");
		return 1;
	}
	if (width > UMDEV_DISPLAY_MAX_WIDTH || height > UMDEV_DISPLAY_MAX_HEIGHT) {
		fprintf(stderr, "umdev-screenshot: @%s claims %ux%u pixels\n", name, width, height);
		return 1;
	}
	pixels = malloc((size_t)width * height * 4);
	if (!pixels || read_all(fd, pixels, (size_t)width * height * 4)) {
		fprintf(stderr, "umdev-screenshot: the picture from @%s was cut short\n", name);
		return 1;
	}
	close(fd);
	out = strcmp(argv[2], "-") ? fopen(argv[2], "wb") : stdout;
	if (!out) {
		fprintf(stderr, "umdev-screenshot: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	ret = write_png(out, width, height, pixels);
	if (fclose(out) && !ret)
		ret = -errno;
	if (ret) {
		fprintf(stderr, "umdev-screenshot: writing %s failed: %s\n", argv[2], strerror(-ret));
		return 1;
	}
	fprintf(stderr, "umdev-screenshot: %ux%u (%s) written to %s\n", width, height,
		umdev_display_format_name((enum umdev_display_format)le32toh(hdr.format)), argv[2]);
	free(pixels);
	free(name);
	return 0;
}
