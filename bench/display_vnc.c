// SPDX-License-Identifier: MIT
/*
 * The VNC view of a 1920x1080 XRGB8888 display, with a real viewer
 * (libvncclient, raw encoding, in this process) on loopback. Each figure
 * is printed against a limit measured in the same run:
 *
 *   latency    a 64x64 rectangle changed at a random moment of a busy screen reaches
 *              the viewer within one frame interval (33.3 ms): the worst of 40 changes
 *              / interval; and once after the screen was still for 3 s (the interval
 *              is then 100 ms: src/display/vnc.c)
 *   idle CPU   the display thread's CPU time while the screen is still, over 3 s,
 *              with and without a viewer: percent of one core (target <= 1%)
 *   full frame the display thread's CPU time to find and copy a change of every pixel
 *              (a viewer connected but not asking for updates), against a memcpy of the
 *              frame as the display thread finds it: written by this thread, copied by
 *              another a few ms later (target <= 2x; the median of 10 each). For
 *              information, also against a memcpy by the thread that has just written
 *              the frame (still in its caches), and with the update sent to a
 *              raw-encoding viewer
 *
 * CPU time is the display thread's own (its schedstat), so the viewer's work
 * does not count. Not a test: it prints, it does not judge.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#include <umdev/display.h>

#define W 1920
#define H 1080
#define FRAME_MS 33.333
#define LATENCY_ROUNDS 40
#define FULL_ROUNDS 10
#define DRAIN_LIMIT_MS 10000 /* the longest any wait of the bench may take */

static struct umdev_display *display;
static uint8_t *vram;
static volatile int updates;

/*
 * The limit of the full-frame figure: a thread that is not the writer
 * copies a frame written a few milliseconds before, as the display thread
 * does (it looks twice per frame interval). Median CPU time of FULL_ROUNDS, ms.
 */
struct copier {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const uint8_t *src;
	uint8_t *dst;
	int written, copied;
	double ms[FULL_ROUNDS];
};

static double thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *copier_main(void *arg)
{
	struct copier *c = arg;

	pthread_mutex_lock(&c->lock);
	while (c->copied < FULL_ROUNDS) {
		double t0;

		while (c->written == c->copied)
			pthread_cond_wait(&c->cond, &c->lock);
		pthread_mutex_unlock(&c->lock);
		usleep(8000);
		t0 = thread_cpu_ms();
		memcpy(c->dst, c->src, (size_t)W * H * 4);
		pthread_mutex_lock(&c->lock);
		c->ms[c->copied++] = thread_cpu_ms() - t0;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static int cmp_double(const void *a, const void *b);

static double copy_as_found_ms(uint8_t *src, uint8_t *dst)
{
	struct copier c = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
			    .src = src, .dst = dst };
	pthread_t thread;

	if (pthread_create(&thread, NULL, copier_main, &c))
		return -1;
	for (int i = 0; i < FULL_ROUNDS; i++) {
		memset(src, 0x60 + i, (size_t)W * H * 4);
		pthread_mutex_lock(&c.lock);
		c.written++;
		pthread_cond_broadcast(&c.cond);
		while (c.copied < c.written)
			pthread_cond_wait(&c.cond, &c.lock);
		pthread_mutex_unlock(&c.lock);
	}
	pthread_join(thread, NULL);
	qsort(c.ms, FULL_ROUNDS, sizeof(c.ms[0]), cmp_double);
	return c.ms[FULL_ROUNDS / 2];
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU nanoseconds of the thread named "umdev-display" (the first one). */
static uint64_t display_cpu_ns(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	uint64_t ns = 0;

	while (d && (e = readdir(d))) {
		char path[300], comm[32] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f) || strcmp(comm, "umdev-display\n")) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/schedstat", e->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%lu", &ns) != 1)
			ns = 0;
		if (f)
			fclose(f);
		break;
	}
	if (d)
		closedir(d);
	return ns;
}

static void got_update(rfbClient *cl, int x, int y, int w, int h)
{
	(void)cl, (void)x, (void)y, (void)w, (void)h;
	updates++;
}

/* libvncclient leaves the framebuffer it allocated to the application. */
static void close_viewer(rfbClient *cl)
{
	free(cl->frameBuffer);
	rfbClientCleanup(cl);
}

static rfbClient *viewer(unsigned int port)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);

	free(cl->serverHost); /* rfbGetClient's empty default */
	cl->serverHost = strdup("127.0.0.1");
	cl->serverPort = (int)port;
	cl->appData.encodingsString = "raw";
	cl->GotFrameBufferUpdate = got_update;
	if (!rfbInitClient(cl, NULL, NULL)) {
		fprintf(stderr, "display_vnc: cannot connect to the VNC server\n");
		exit(1);
	}
	return cl;
}

/* Handles messages until @n updates have arrived since @since, or @timeout_ms. */
static int wait_updates(rfbClient *cl, int since, int n, double timeout_ms)
{
	double end = now_ms() + timeout_ms;

	while (updates - since < n && now_ms() < end)
		if (WaitForMessage(cl, 1000) > 0 && !HandleRFBServerMessage(cl))
			return -1;
	return updates - since >= n ? 0 : -1;
}

/* Every wait of this bench is bounded: a failure ends it with a reason. */
static void fail(const char *why)
{
	fprintf(stderr, "display_vnc: %s\n", why);
	exit(1);
}

/* Handles messages until none arrives for @quiet_us (the screen is still). */
static void drain(rfbClient *cl, int quiet_us)
{
	double end = now_ms() + DRAIN_LIMIT_MS;

	while (WaitForMessage(cl, (unsigned int)quiet_us) > 0) {
		if (!HandleRFBServerMessage(cl))
			fail("the VNC server closed the connection");
		if (now_ms() > end)
			fail("updates kept coming on a screen that should be still");
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void read_exactly(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			fail("the VNC server closed the connection in the handshake");
		got += (size_t)n;
	}
}

/*
 * A viewer that is connected and never asks for a picture: the RFB 3.8
 * handshake with no authentication, by hand, because libvncclient asks for
 * the next update as soon as it has one (a viewer reading the picture
 * would make the server send it, which is not what is measured).
 */
static int silent_viewer(unsigned int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char version[12], count, types[255], result[4], init[24], none = 1, shared = 1;
	char name[256];
	uint32_t name_len;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		fail("cannot connect a silent viewer");
	read_exactly(fd, version, sizeof(version));
	if (write(fd, "RFB 003.008\n", 12) != 12)
		fail("silent viewer: write");
	read_exactly(fd, &count, 1);
	read_exactly(fd, types, count);
	if (!memchr(types, none, count) || write(fd, &none, 1) != 1)
		fail("silent viewer: the server wants authentication");
	read_exactly(fd, result, sizeof(result));
	if (result[0] | result[1] | result[2] | result[3])
		fail("silent viewer: refused");
	if (write(fd, &shared, 1) != 1)
		fail("silent viewer: write");
	read_exactly(fd, init, sizeof(init)); /* size, pixel format, name length */
	memcpy(&name_len, init + 20, 4);
	name_len = ntohl(name_len);
	if (name_len > sizeof(name))
		fail("silent viewer: desktop name too long");
	read_exactly(fd, name, name_len);
	return fd;
}

static void quiet(const char *format, ...)
{
	(void)format;
}

int main(void)
{
	const struct umdev_display_config config = { .vnc = true };
	const struct umdev_display_mode mode = { .enabled = true, .format = UMDEV_DISPLAY_XRGB8888,
						 .width = W, .height = H, .stride = W * 4 };
	double lat[LATENCY_ROUNDS], copy_ms = 1e9, found_ms;
	uint64_t cpu0, cpu1, full_ns = UINT64_MAX;
	unsigned int port;
	char addr[64];
	uint8_t *src, *dst;
	rfbClient *cl;

	rfbClientLog = quiet;
	if (umdev_display_create("00000000-be9c-4d00-8000-000000000001", 8 << 20, &config, &display) ||
	    umdev_display_set_mode(display, &mode))
		return 1;
	vram = umdev_display_vram(display);
	umdev_display_vnc_address(display, addr, sizeof(addr));
	sscanf(addr, "127.0.0.1:%u", &port);
	cl = viewer(port);
	wait_updates(cl, 0, 1, 5000); /* the first picture */
	srand(1);

	/* 1. latency of a small change */
	for (int i = 0; i < LATENCY_ROUNDS; i++) {
		int x = rand() % (W - 64), y = rand() % (H - 64), before;
		double t0;

		/* drain, then change at a random point of the server's refresh cycle */
		drain(cl, 1000);
		usleep((useconds_t)(rand() % 33333));
		before = updates;
		t0 = now_ms();
		for (int r = 0; r < 64; r++)
			memset(vram + (size_t)(y + r) * W * 4 + (size_t)x * 4, i + 1, 64 * 4);
		if (wait_updates(cl, before, 1, 2000))
			fail("no update of a changed rectangle");
		lat[i] = now_ms() - t0;
	}
	qsort(lat, LATENCY_ROUNDS, sizeof(lat[0]), cmp_double);
	printf("latency: a changed 64x64 rectangle reaches the viewer in median %.1f ms, 90th "
	       "percentile %.1f ms, worst %.1f ms; frame interval %.1f ms: median/interval %.2f, "
	       "worst/interval %.2f (target <= 1)\n",
	       lat[LATENCY_ROUNDS / 2], lat[LATENCY_ROUNDS * 9 / 10], lat[LATENCY_ROUNDS - 1], FRAME_MS,
	       lat[LATENCY_ROUNDS / 2] / FRAME_MS, lat[LATENCY_ROUNDS - 1] / FRAME_MS);

	/* 2. idle: a still screen with a viewer connected (after it became still) */
	{
		struct umdev_display_stats st0, st1;
		double t0 = now_ms(), t1;
		int before;

		while (now_ms() - t0 < 3000)
			if (WaitForMessage(cl, 100000) > 0)
				HandleRFBServerMessage(cl);
		cpu0 = display_cpu_ns();
		umdev_display_get_stats(display, &st0);
		t0 = now_ms();
		while (now_ms() - t0 < 3000)
			if (WaitForMessage(cl, 100000) > 0)
				HandleRFBServerMessage(cl);
		cpu1 = display_cpu_ns();
		umdev_display_get_stats(display, &st1);
		printf("idle: display thread CPU %.2f%% of one core with a viewer and a still %dx%d screen "
		       "(target <= 1%%); %lu comparisons of %.2f ms each\n",
		       (cpu1 - cpu0) / 1e4 / (now_ms() - t0), W, H,
		       (unsigned long)(st1.refreshes - st0.refreshes),
		       (st1.still_ns - st0.still_ns) / 1e6 / (double)(st1.refreshes - st0.refreshes + !(st1.refreshes - st0.refreshes)));
		/* the first change after stillness */
		before = updates;
		t1 = now_ms();
		memset(vram + (size_t)500 * W * 4, 0x77, 64 * 4);
		if (wait_updates(cl, before, 1, 2000))
			fail("no update after 3 s of stillness");
		printf("latency after 3 s of stillness: %.1f ms (the still interval is 100 ms)\n",
		       now_ms() - t1);
	}

	/* 3. a full-screen change against a memcpy of the frame */
	src = malloc((size_t)W * H * 4);
	dst = malloc((size_t)W * H * 4);
	memset(src, 1, (size_t)W * H * 4);
	memset(dst, 2, (size_t)W * H * 4);
	/* the limit: a copy of a frame just written, as the display thread finds it */
	for (int i = 0; i < FULL_ROUNDS; i++) {
		double t0;

		memset(src, 0x20 + i, (size_t)W * H * 4);
		t0 = now_ms();
		memcpy(dst, src, (size_t)W * H * 4);
		copy_ms = now_ms() - t0 < copy_ms ? now_ms() - t0 : copy_ms;
		src[i] ^= dst[i + 1]; /* keep the copies from being optimised away */
	}
	found_ms = copy_as_found_ms(src, dst);
	if (found_ms < 0)
		fail("no copier thread");
	{
		/* a viewer that completes the handshake and never asks for an update */
		int quiet = silent_viewer(port);
		uint64_t detect_ns = UINT64_MAX;

		close_viewer(cl);
		cl = NULL;
		/* the thread's own account of the refresh that found each change (median round) */
		uint64_t rounds[FULL_ROUNDS];

		for (int i = 0; i < FULL_ROUNDS; i++) {
			struct umdev_display_stats before, after;

			umdev_display_get_stats(display, &before);
			memset(vram, 0x40 + i, (size_t)W * H * 4);
			double end = now_ms() + DRAIN_LIMIT_MS;

			do {
				usleep(10000);
				umdev_display_get_stats(display, &after);
				if (now_ms() > end)
					fail("the display thread never saw a full-screen change");
			} while (after.changed == before.changed);
			rounds[i] = (after.changed_ns - before.changed_ns) / (after.changed - before.changed);
		}
		for (int i = 1; i < FULL_ROUNDS; i++)
			for (int k = i; k > 0 && rounds[k] < rounds[k - 1]; k--) {
				uint64_t t = rounds[k];

				rounds[k] = rounds[k - 1];
				rounds[k - 1] = t;
			}
		detect_ns = rounds[FULL_ROUNDS / 2];
		printf("full frame: finding and copying a change of all %dx%d pixels costs the display "
		       "thread %.2f ms; memcpy of the frame by another thread than its writer %.2f ms: "
		       "ratio %.2f (target <= 2); by its writer, caches warm, %.2f ms: ratio %.2f "
		       "(for information)\n", W, H, detect_ns / 1e6, found_ms, detect_ns / 1e6 / found_ms,
		       copy_ms, detect_ns / 1e6 / copy_ms);
		close(quiet);
		cl = viewer(port);
		if (wait_updates(cl, updates, 1, 5000))
			fail("a new viewer got no picture");
	}
	for (int i = 0; i < FULL_ROUNDS; i++) {
		int before;

		drain(cl, 50000);
		before = updates;
		cpu0 = display_cpu_ns();
		memset(vram, 0x10 + i, (size_t)W * H * 4);
		/* the whole screen arrives as one update of many rectangles: wait until it stops */
		if (wait_updates(cl, before, 1, 2000))
			fail("no update of a full-screen change");
		drain(cl, 100000);
		cpu1 = display_cpu_ns();
		if (cpu1 - cpu0 < full_ns)
			full_ns = cpu1 - cpu0;
	}
	printf("full frame sent: with the update sent raw to a viewer, %.2f ms for all %dx%d pixels; "
	       "memcpy of the frame %.2f ms: ratio %.2f (for information)\n",
	       full_ns / 1e6, W, H, copy_ms, full_ns / 1e6 / copy_ms);
	free(src);
	free(dst);
	close_viewer(cl);
	umdev_display_destroy(display);
	return 0;
}
