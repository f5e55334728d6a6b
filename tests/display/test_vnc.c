// SPDX-License-Identifier: MIT
/*
 * A display's VNC server, with Debian's libvncclient as the viewer: the
 * picture as the guest shows it, a change sent as only the changed
 * rectangle, a mode change followed (new size, new format), and hostile
 * viewers (garbage, a huge cut text, huge update requests, leaving in the
 * middle of an update) that never stop the server from serving a good one.
 * The waits below are failsafes (seconds), not timing assertions.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rfb/rfbclient.h>

#include <umdev/display.h>

#define VRAM (8u << 20)

static struct umdev_display *display;
/* The video memory as the VMM maps it: a mapping of its own, written while the display reads. */
static uint8_t *guest_vram;
static char name[40];
static unsigned int port;

/* What a viewer was last told (from libvncclient's update callback). */
static int updated_x0, updated_y0, updated_x1, updated_y1;

static void got_update(rfbClient *cl, int x, int y, int w, int h)
{
	(void)cl;
	if (updated_x0 < 0) {
		updated_x0 = x, updated_y0 = y, updated_x1 = x + w, updated_y1 = y + h;
		return;
	}
	updated_x0 = x < updated_x0 ? x : updated_x0;
	updated_y0 = y < updated_y0 ? y : updated_y0;
	updated_x1 = x + w > updated_x1 ? x + w : updated_x1;
	updated_y1 = y + h > updated_y1 ? y + h : updated_y1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_xrgb_mode(uint32_t w, uint32_t h)
{
	struct umdev_display_mode m = { .enabled = true, .format = UMDEV_DISPLAY_XRGB8888,
					.width = w, .height = h, .stride = w * 4 };

	assert_int_equal(umdev_display_set_mode(display, &m), 0);
}

static void put_pixel(uint32_t stride, uint32_t x, uint32_t y, uint8_t r, uint8_t g, uint8_t b)
{
	uint8_t *p = guest_vram + (size_t)y * stride + x * 4;

	p[0] = b, p[1] = g, p[2] = r, p[3] = 0;
}

static void paint(uint32_t w, uint32_t h, uint8_t salt)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			put_pixel(w * 4, x, y, (uint8_t)x, (uint8_t)y, (uint8_t)(x ^ y ^ salt));
}

/* libvncclient leaves the framebuffer it allocated to the application. */
static void close_viewer(rfbClient *cl)
{
	free(cl->frameBuffer);
	rfbClientCleanup(cl);
}

static rfbClient *viewer(void)
{
	rfbClient *cl = rfbGetClient(8, 3, 4); /* 32 bpp, red in the lowest byte */

	free(cl->serverHost); /* rfbGetClient's empty default */
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = (int)port;
	cl->GotFrameBufferUpdate = got_update;
	cl->canHandleNewFBSize = TRUE;
	/* lossless encodings only: tight's JPEG would change the pixels */
	cl->appData.encodingsString = "zrle hextile raw";
	cl->appData.enableJPEG = FALSE;
	assert_true(rfbInitClient(cl, NULL, NULL)); /* frees cl on failure */
	return cl;
}

/* Handles messages until the viewer's picture is the pattern (or a failsafe of 10 s passes). */
static bool wait_picture(rfbClient *cl, uint32_t w, uint32_t h, uint8_t salt)
{
	int64_t deadline = now_ms() + 10000;

	for (;;) {
		bool same = cl->width == (int)w && cl->height == (int)h;

		for (uint32_t y = 0; same && y < h; y++)
			for (uint32_t x = 0; same && x < w; x++) {
				const uint8_t *p = cl->frameBuffer + ((size_t)y * w + x) * 4;

				same = p[0] == (uint8_t)x && p[1] == (uint8_t)y &&
				       p[2] == (uint8_t)(x ^ y ^ salt);
			}
		if (same)
			return true;
		if (now_ms() > deadline) {
			fprintf(stderr, "viewer has %dx%d, first pixel %02x%02x%02x%02x, want %ux%u\n",
				cl->width, cl->height, cl->frameBuffer[0], cl->frameBuffer[1],
				cl->frameBuffer[2], cl->frameBuffer[3], w, h);
			return false;
		}
		if (WaitForMessage(cl, 100000) > 0)
			assert_true(HandleRFBServerMessage(cl));
	}
}

static int setup(void **state)
{
	const struct umdev_display_config config = { .vnc = true };
	char addr[64];

	(void)state;
	snprintf(name, sizeof(name), "%08x-7e57-4d00-8000-00000000000f", (unsigned int)getpid());
	if (umdev_display_create(name, VRAM, &config, &display))
		return -1;
	guest_vram = mmap(NULL, VRAM, PROT_READ | PROT_WRITE, MAP_SHARED, umdev_display_fd(display), 0);
	if (guest_vram == MAP_FAILED)
		return -1;
	umdev_display_vnc_address(display, addr, sizeof(addr));
	if (sscanf(addr, "127.0.0.1:%u", &port) != 1)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	munmap(guest_vram, VRAM);
	umdev_display_destroy(display);
	return 0;
}

static void test_picture_and_damage(void **state)
{
	rfbClient *cl;

	(void)state;
	paint(320, 200, 0);
	set_xrgb_mode(320, 200);
	cl = viewer();
	assert_int_equal(cl->width, 320);
	assert_int_equal(cl->height, 200);
	assert_true(wait_picture(cl, 320, 200, 0));

	/* a change of one small rectangle: only its tiles are sent */
	for (uint32_t y = 100; y < 110; y++)
		for (uint32_t x = 200; x < 220; x++)
			put_pixel(320 * 4, x, y, (uint8_t)x, (uint8_t)y, (uint8_t)(x ^ y ^ 0x55));
	updated_x0 = -1;
	SendFramebufferUpdateRequest(cl, 0, 0, 320, 200, TRUE);
	for (int64_t deadline = now_ms() + 10000; updated_x0 < 0 && now_ms() < deadline;)
		if (WaitForMessage(cl, 100000) > 0)
			assert_true(HandleRFBServerMessage(cl));
	assert_true(updated_x0 >= 0);
	/* within the 64x16 tiles around the change, far from the whole screen */
	assert_true(updated_x0 >= 192 && updated_x1 <= 256);
	assert_true(updated_y0 >= 96 && updated_y1 <= 112);
	for (uint32_t y = 100; y < 110; y++)
		for (uint32_t x = 200; x < 220; x++)
			assert_int_equal(cl->frameBuffer[(y * 320 + x) * 4 + 2], (uint8_t)(x ^ y ^ 0x55));
	close_viewer(cl);
}

static void test_mode_change(void **state)
{
	struct umdev_display_mode m;
	rfbClient *cl;

	(void)state;
	paint(320, 200, 1);
	set_xrgb_mode(320, 200);
	cl = viewer();
	assert_true(wait_picture(cl, 320, 200, 1));
	/* the guest switches to 640x480: the viewer gets the new size and picture */
	paint(640, 480, 2);
	set_xrgb_mode(640, 480);
	SendFramebufferUpdateRequest(cl, 0, 0, 320, 200, TRUE);
	assert_true(wait_picture(cl, 640, 480, 2));
	/* ... then to 16 bpp (RGB565), white stays white */
	m = (struct umdev_display_mode){ .enabled = true, .format = UMDEV_DISPLAY_RGB565,
					 .width = 640, .height = 480, .stride = 1280 };
	memset(guest_vram, 0xff, 1280 * 480);
	assert_int_equal(umdev_display_set_mode(display, &m), 0);
	for (int64_t deadline = now_ms() + 10000; now_ms() < deadline;) {
		SendFramebufferUpdateRequest(cl, 0, 0, 640, 480, TRUE);
		if (WaitForMessage(cl, 100000) > 0)
			assert_true(HandleRFBServerMessage(cl));
		if (!memcmp(cl->frameBuffer, "\xff\xff\xff", 3) &&
		    !memcmp(cl->frameBuffer + (640 * 480 - 1) * 4, "\xff\xff\xff", 3))
			break;
	}
	assert_memory_equal(cl->frameBuffer + (640 * 480 - 1) * 4, "\xff\xff\xff", 3);
	close_viewer(cl);
}

static int raw_connect(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void skip_bytes(int fd, size_t n)
{
	char buf[4096];

	while (n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t got;

		assert_int_equal(poll(&pfd, 1, 10000), 1);
		got = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));
		assert_true(got > 0);
		n -= (size_t)got;
	}
}

/* The RFB 3.8 handshake with no authentication, up to the server's init message. */
static int raw_viewer(void)
{
	int fd = raw_connect();
	uint8_t n, name_len[4];

	skip_bytes(fd, 12); /* "RFB 003.008\n" */
	send_all(fd, "RFB 003.008\n", 12);
	skip_bytes(fd, 1);
	assert_int_equal(read(fd, &n, 1), 1); /* the security type (1: none) */
	send_all(fd, "\x01", 1);
	skip_bytes(fd, 4); /* security result */
	send_all(fd, "\x01", 1); /* ClientInit, shared */
	skip_bytes(fd, 20);
	assert_int_equal(read(fd, name_len, 4), 4);
	skip_bytes(fd, (size_t)name_len[3] | (size_t)name_len[2] << 8);
	return fd;
}

static void test_hostile_viewers(void **state)
{
	static const uint8_t huge_cut[8] = { 6, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff };
	static const uint8_t huge_request[10] = { 3, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t whole_request[10] = { 3, 0, 0, 0, 0, 0, 0x02, 0x80, 0x01, 0xe0 };
	static const uint8_t bad_encodings[4] = { 2, 0, 0xff, 0xff }; /* 65535 encodings, none sent */
	rfbClient *cl;
	int fd;

	(void)state;
	paint(640, 480, 3);
	set_xrgb_mode(640, 480);

	/* garbage instead of a protocol version */
	fd = raw_connect();
	send_all(fd, "GET / HTTP/1.1\r\n\r\n\xff\x00\x13", 21);
	close(fd);
	/* a viewer claiming a 2 GB cut text */
	fd = raw_viewer();
	send_all(fd, huge_cut, sizeof(huge_cut));
	send_all(fd, "x", 1);
	close(fd);
	/* update requests for a 65535x65535 screen, many of them, never read */
	fd = raw_viewer();
	for (int i = 0; i < 200; i++)
		send_all(fd, huge_request, sizeof(huge_request));
	close(fd);
	/* a full update requested, then gone in the middle of it */
	fd = raw_viewer();
	send_all(fd, whole_request, sizeof(whole_request));
	skip_bytes(fd, 100);
	close(fd);
	/* an unknown message type, and a message cut short */
	fd = raw_viewer();
	send_all(fd, "\x99\x01\x02", 3);
	close(fd);
	fd = raw_viewer();
	send_all(fd, bad_encodings, sizeof(bad_encodings));
	close(fd);

	/* a good viewer still gets the whole picture */
	cl = viewer();
	assert_true(wait_picture(cl, 640, 480, 3));
	close_viewer(cl);
}

static const char *given_password;

static char *give_password(rfbClient *cl)
{
	(void)cl;
	return strdup(given_password); /* libvncclient frees it */
}

/* A display with a VNC password: a viewer with it sees the picture, others are refused. */
static void test_password(void **state)
{
	const struct umdev_display_config config = { .vnc = true, .vnc_password = "s3cret" };
	char other[40], addr[64];
	struct umdev_display *d;
	unsigned int other_port;
	uint8_t *vram;
	(void)state;

	snprintf(other, sizeof(other), "%08x-7e57-4d00-8000-0000000000aa", (unsigned int)getpid());
	assert_int_equal(umdev_display_create(other, VRAM, &config, &d), 0);
	vram = mmap(NULL, VRAM, PROT_READ | PROT_WRITE, MAP_SHARED, umdev_display_fd(d), 0);
	assert_ptr_not_equal(vram, MAP_FAILED);
	umdev_display_vnc_address(d, addr, sizeof(addr));
	assert_int_equal(sscanf(addr, "127.0.0.1:%u", &other_port), 1);

	for (int attempt = 0; attempt < 2; attempt++) {
		rfbClient *cl = rfbGetClient(8, 3, 4);

		given_password = attempt ? "s3cret" : "wrong";
		free(cl->serverHost);
		cl->serverHost = strdup("127.0.0.1");
		cl->serverPort = (int)other_port;
		cl->GetPassword = give_password;
		if (!attempt) {
			assert_false(rfbInitClient(cl, NULL, NULL)); /* frees cl */
			continue;
		}
		assert_true(rfbInitClient(cl, NULL, NULL));
		assert_true(cl->width > 0 && cl->height > 0);
		close_viewer(cl);
	}
	munmap(vram, VRAM);
	umdev_display_destroy(d);
}

/* vnc_socket_dir: the view on a UNIX socket (0600), gone with the display. */
static void test_unix_socket(void **state)
{
	char dir[] = "/tmp/umdev-vnc-XXXXXX", other[40], addr[128], path[160];
	struct umdev_display_config config = { .vnc = true };
	struct umdev_display *d;
	struct stat st;
	rfbClient *cl;
	(void)state;

	assert_non_null(mkdtemp(dir));
	config.vnc_socket_dir = dir;
	snprintf(other, sizeof(other), "%08x-7e57-4d00-8000-0000000000bb", (unsigned int)getpid());
	assert_int_equal(umdev_display_create(other, VRAM, &config, &d), 0);
	umdev_display_vnc_address(d, addr, sizeof(addr));
	snprintf(path, sizeof(path), "%s/%s.vnc", dir, other);
	assert_true(!strncmp(addr, "unix:", 5) && !strcmp(addr + 5, path));
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);

	cl = rfbGetClient(8, 3, 4);
	free(cl->serverHost);
	cl->serverHost = strdup(path); /* libvncclient connects to a socket path */
	assert_true(rfbInitClient(cl, NULL, NULL));
	assert_true(cl->width > 0 && cl->height > 0);
	close_viewer(cl);

	umdev_display_destroy(d);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_picture_and_damage),
		cmocka_unit_test(test_mode_change),
		cmocka_unit_test(test_hostile_viewers),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_unix_socket),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
