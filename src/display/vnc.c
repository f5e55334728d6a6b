// SPDX-License-Identifier: MIT
/*
 * The VNC view of a display (Debian's libvncserver), run by the display's
 * service thread.
 *
 * The guest writes video memory behind our back (the VMM maps it), so
 * changes are found by comparison: twice per frame interval (so that a
 * change made at any moment reaches viewers within one), while at
 * least one viewer is connected, each line of the visible area is
 * compared with the VNC framebuffer (our copy of what viewers were sent);
 * in a line that differs, the span from its first to its last changed
 * 64-pixel tile is copied, and each band of 16 lines marks the box of its
 * spans, sent at once (libvncserver sends only marked rectangles). Without viewers nothing is compared at all. A still screen
 * costs one comparison per interval, and after STILL_AFTER_US without a
 * change the interval stretches to STILL_INTERVAL_US until the next
 * change. A mode change (resolution, format, panning) resizes the VNC
 * framebuffer and viewers get the new size (DesktopSize) and the whole
 * picture.
 *
 * The VNC framebuffer holds XRGB8888 (bytes blue, green, red, unused), so
 * a guest using that format (the bochs DRM driver's) is compared and
 * copied without any conversion.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rfb/rfb.h>

#include <umdev/log.h>

#include "private.h"

#define FRAME_INTERVAL_US 33333 /* 30 frames a second: a change is sent within one */
#define LOOK_INTERVAL_US (FRAME_INTERVAL_US / 2) /* so a moving screen is looked at twice */
#define STILL_AFTER_US 2000000	 /* a screen unchanged this long is "still" ... */
#define STILL_INTERVAL_US 100000 /* ... and is looked at 10 times a second */
#define IDLE_WAIT_US 1000000	/* without viewers: only the wake fd matters */
#define TILE_W 64
#define TILE_H 16
#define BLANK_W 640 /* what viewers see while the guest shows nothing */
#define BLANK_H 480
#define CLIENT_WRITE_WAIT_MS 2000 /* a viewer not reading for this long is dropped */

struct display_vnc {
	struct umdev_display *display;
	rfbScreenInfoPtr screen;
	int listen_fd;
	char address[128];	 /* "127.0.0.1:PORT" or "unix:PATH" */
	char unix_path[108];	 /* the UNIX socket to unlink at stop, or "" */
	char *passwords[2];
	struct umdev_display_mode shown; /* the mode the framebuffer follows */
	uint32_t fb_w, fb_h;
	int64_t next_refresh_us;
	int64_t last_change_us;

	pthread_mutex_t stats_lock; /* stats: read by other threads */
	struct umdev_display_stats stats;
	uint8_t line[UMDEV_DISPLAY_MAX_WIDTH * 4]; /* one converted line */
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* XRGB8888 in memory: blue in the lowest byte. */
static void set_server_format(rfbScreenInfoPtr screen)
{
	screen->serverFormat.redShift = 16;
	screen->serverFormat.greenShift = 8;
	screen->serverFormat.blueShift = 0;
}

static void to_xrgb(enum umdev_display_format format, const uint8_t *src, uint8_t *dst,
		    uint32_t width, const uint32_t *palette)
{
	umdev_display_convert_line(format, src, dst, width, palette);
	for (uint32_t x = 0; x < width; x++, dst += 4) {
		uint8_t r = dst[0];

		dst[0] = dst[2];
		dst[2] = r;
	}
}

/* Follows a new mode: a new framebuffer when the size changes, all of it resent. */
static int follow_mode(struct display_vnc *v, const struct umdev_display_mode *m)
{
	uint32_t w = m->enabled ? m->width : BLANK_W, h = m->enabled ? m->height : BLANK_H;

	if (w != v->fb_w || h != v->fb_h) {
		char *old = v->screen->frameBuffer;
		char *fb = calloc((size_t)w * h, 4);
		rfbClientIteratorPtr it;
		rfbClientPtr cl;

		if (!fb)
			return -ENOMEM;
		rfbNewFramebuffer(v->screen, fb, (int)w, (int)h, 8, 3, 4);
		set_server_format(v->screen);
		it = rfbGetClientIterator(v->screen);
		while ((cl = rfbClientIteratorNext(it)))
			rfbSetTranslateFunction(cl);
		rfbReleaseClientIterator(it);
		free(old);
		v->fb_w = w;
		v->fb_h = h;
	} else if (!m->enabled) {
		memset(v->screen->frameBuffer, 0, (size_t)w * h * 4);
	}
	rfbMarkRectAsModified(v->screen, 0, 0, (int)w, (int)h);
	v->shown = *m;
	return 0;
}

/*
 * Brings one line of the framebuffer up to date from @src: nothing when the line is unchanged
 * (one memcmp), else the span from the first to the last changed tile is copied. Returns
 * that span in *x0, *x1 (pixels), or false when nothing changed.
 */
static bool update_line(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t *x0,
			uint32_t *x1)
{
	uint32_t first = 0, last = width;

	if (!memcmp(src, dst, (size_t)width * 4))
		return false;
	while (first + TILE_W < width && !memcmp(src + first * 4, dst + first * 4, TILE_W * 4))
		first += TILE_W;
	for (;;) {
		uint32_t start = (last - 1) / TILE_W * TILE_W;

		if (start <= first || memcmp(src + start * 4, dst + start * 4, (size_t)(last - start) * 4))
			break;
		last = start;
	}
	memcpy(dst + first * 4, src + first * 4, (size_t)(last - first) * 4);
	*x0 = first;
	*x1 = last;
	return true;
}

/* Compares the visible area with the framebuffer; copies and marks what changed, by bands of lines. */
static bool find_damage(struct display_vnc *v, const struct umdev_display_mode *m)
{
	const uint8_t *vram = umdev_display_vram(v->display);
	uint8_t *fb = (uint8_t *)v->screen->frameBuffer;
	bool direct = m->format == UMDEV_DISPLAY_XRGB8888, any = false;
	uint32_t palette[256];

	pthread_mutex_lock(&v->display->lock);
	memcpy(palette, v->display->palette, sizeof(palette));
	pthread_mutex_unlock(&v->display->lock);

	for (uint32_t y0 = 0; y0 < m->height; y0 += TILE_H) {
		uint32_t y1 = y0 + TILE_H < m->height ? y0 + TILE_H : m->height;
		uint32_t dirty_x0 = UINT32_MAX, dirty_x1 = 0;

		for (uint32_t y = y0; y < y1; y++) {
			const uint8_t *src = vram + m->offset + (uint64_t)y * m->stride;
			uint32_t x0, x1;

			if (!direct) {
				to_xrgb(m->format, src, v->line, m->width, palette);
				src = v->line;
			}
			if (update_line(src, fb + (size_t)y * m->width * 4, m->width, &x0, &x1)) {
				dirty_x0 = x0 < dirty_x0 ? x0 : dirty_x0;
				dirty_x1 = x1 > dirty_x1 ? x1 : dirty_x1;
			}
		}
		if (dirty_x1) {
			rfbMarkRectAsModified(v->screen, (int)dirty_x0, (int)y0, (int)dirty_x1, (int)y1);
			any = true;
		}
	}
	return any;
}

static bool same_mode(const struct umdev_display_mode *a, const struct umdev_display_mode *b)
{
	return a->enabled == b->enabled && a->format == b->format && a->width == b->width &&
	       a->height == b->height && a->stride == b->stride && a->offset == b->offset;
}

/* Brings the framebuffer up to date; whether anything changed. */
static bool refresh(struct display_vnc *v, bool force)
{
	struct umdev_display_mode m;

	umdev_display_get_mode(v->display, &m);
	if (!same_mode(&m, &v->shown)) {
		if (follow_mode(v, &m))
			return false; /* out of memory: try again at the next interval */
		force = true;
	}
	if (m.enabled && (force || v->screen->clientHead))
		return find_damage(v, &m) || force;
	return force;
}

static enum rfbNewClientAction new_client(rfbClientPtr cl)
{
	struct display_vnc *v = cl->screen->screenData;

	/* bring the picture up to date before this viewer's first update */
	refresh(v, true);
	/* someone is watching now: look as often as on a moving screen */
	v->last_change_us = now_us();
	v->next_refresh_us = 0;
	return RFB_CLIENT_ACCEPT;
}

/*
 * We accept viewers ourselves instead of letting libvncserver do it:
 * libvncserver waits with select() and puts every viewer's descriptor in
 * an fd_set, which holds only descriptors below FD_SETSIZE (1024). umdevd
 * raises its descriptor limit for many devices, so a viewer may get a
 * higher number; handing that to libvncserver would write past the
 * fd_set. Such a viewer is refused instead, and says so in the log.
 */
static void accept_viewers(struct display_vnc *v)
{
	int fd, one = 1;

	while ((fd = accept4(v->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (fd >= FD_SETSIZE) {
			umdev_log(UMDEV_LOG_WARNING,
				  "display: VNC viewer on %s refused: its descriptor %d is beyond "
				  "libvncserver's select() limit (%d)", v->address, fd, FD_SETSIZE);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		rfbNewClientConnection(v->screen, fd);
	}
}

void display_vnc_iterate(struct display_vnc *v)
{
	int64_t now = now_us();
	long wait;

	if (!v->screen->clientHead)
		wait = IDLE_WAIT_US;
	else
		wait = v->next_refresh_us > now ? (long)(v->next_refresh_us - now) : 0;
	rfbProcessEvents(v->screen, wait);
	accept_viewers(v);
	now = now_us();
	if (v->screen->clientHead && now >= v->next_refresh_us) {
		uint64_t cpu0 = thread_cpu_ns();
		bool changed = refresh(v, false);
		uint64_t spent = thread_cpu_ns() - cpu0;

		pthread_mutex_lock(&v->stats_lock);
		v->stats.refreshes++;
		v->stats.changed += changed;
		*(changed ? &v->stats.changed_ns : &v->stats.still_ns) += spent;
		pthread_mutex_unlock(&v->stats_lock);
		if (changed) {
			v->last_change_us = now;
			rfbProcessEvents(v->screen, 0); /* send it now, not after the next wait */
		}
		v->next_refresh_us = now + (now - v->last_change_us < STILL_AFTER_US ? LOOK_INTERVAL_US
										      : STILL_INTERVAL_US);
	}
}

static void rfb_no_log(const char *format, ...)
{
	(void)format;
}

/* libvncserver logs every viewer coming and going; keep only its errors. */
static void rfb_quiet(void)
{
	rfbLog = rfb_no_log;
}

static int listen_tcp(const struct umdev_display_config *config, char *address, size_t size)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	unsigned int first = config->vnc_port, last = first ? first + 99 : 0;
	socklen_t len = sizeof(addr);
	int fd, one = 1, ret = -EADDRINUSE;

	addr.sin_addr.s_addr = htonl(config->vnc_any_address ? INADDR_ANY : INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	for (unsigned int port = first; port <= last && port <= 65535; port++) {
		addr.sin_port = htons((uint16_t)port);
		if (!bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
			ret = 0;
			break;
		}
		ret = -errno;
		if (errno != EADDRINUSE)
			break;
	}
	if (!ret && (listen(fd, 16) || getsockname(fd, (struct sockaddr *)&addr, &len)))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	snprintf(address, size, "%s:%u", config->vnc_any_address ? "0.0.0.0" : "127.0.0.1",
		 ntohs(addr.sin_port));
	return fd;
}

/*
 * A UNIX socket DIR/NAME.vnc, mode 0600 (the directory made 0700 when
 * missing): only the daemon's user connects, and no port is spent.
 * libvncserver cannot listen there; it gets the viewers we accept.
 */
static int listen_unix(const char *dir, const char *name, struct display_vnc *v)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s.vnc", dir, name) >=
	    sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	/* a socket left by a daemon that died is stale: nobody serves it */
	if (!lstat(addr.sun_path, &st) && S_ISSOCK(st.st_mode))
		unlink(addr.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || chmod(addr.sun_path, 0600) ||
	    listen(fd, 16)) {
		int ret = -errno;

		close(fd);
		unlink(addr.sun_path);
		return ret;
	}
	memcpy(v->unix_path, addr.sun_path, sizeof(v->unix_path));
	snprintf(v->address, sizeof(v->address), "unix:%s", addr.sun_path);
	return fd;
}

int display_vnc_start(struct umdev_display *d, const struct umdev_display_config *config,
		      int wake_fd, int extra_fd, struct display_vnc **out)
{
	static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
	struct display_vnc *v = calloc(1, sizeof(*v));
	int argc = 0;
	int ret;

	if (!v)
		return -ENOMEM;
	pthread_once(&quiet_once, rfb_quiet);
	v->display = d;
	pthread_mutex_init(&v->stats_lock, NULL);
	v->listen_fd = config->vnc_socket_dir ? listen_unix(config->vnc_socket_dir, d->name, v)
					      : listen_tcp(config, v->address, sizeof(v->address));
	if (v->listen_fd < 0) {
		ret = v->listen_fd;
		goto err_free;
	}
	if (v->listen_fd >= FD_SETSIZE || wake_fd >= FD_SETSIZE || extra_fd >= FD_SETSIZE) {
		/* libvncserver's select() sees only descriptors below FD_SETSIZE */
		umdev_log(UMDEV_LOG_ERROR, "display: VNC descriptors %d, %d, %d: libvncserver's "
			  "select() takes only those below %d",
			  v->listen_fd, wake_fd, extra_fd, FD_SETSIZE);
		ret = -EMFILE;
		goto err_listen;
	}
	ret = -ENOMEM;
	v->screen = rfbGetScreen(&argc, NULL, BLANK_W, BLANK_H, 8, 3, 4);
	if (!v->screen)
		goto err_listen;
	v->screen->frameBuffer = calloc((size_t)BLANK_W * BLANK_H, 4);
	if (!v->screen->frameBuffer)
		goto err_screen;
	v->fb_w = BLANK_W;
	v->fb_h = BLANK_H;
	set_server_format(v->screen);
	v->screen->desktopName = "umdev display";
	v->screen->screenData = v;
	v->screen->newClientHook = new_client;
	v->screen->cursor = NULL; /* draw no cursor into the guest's picture */
	v->screen->alwaysShared = TRUE;
	v->screen->deferUpdateTime = 0;
	v->screen->maxClientWait = CLIENT_WRITE_WAIT_MS;
	v->screen->port = 0; /* we listen ourselves (loopback, our port choice) */
	v->screen->ipv6port = 0;
	v->screen->httpPort = 0;
	v->screen->autoPort = FALSE;
	if (config->vnc_password) {
		v->passwords[0] = strdup(config->vnc_password);
		if (!v->passwords[0])
			goto err_fb;
		v->screen->authPasswdData = v->passwords;
		v->screen->passwordCheck = rfbCheckPasswordByList;
	}
	rfbInitServer(v->screen);
	/* libvncserver wakes on anything in allFds; we accept (accept_viewers) */
	FD_SET(v->listen_fd, &v->screen->allFds);
	FD_SET(wake_fd, &v->screen->allFds);
	if (extra_fd >= 0)
		FD_SET(extra_fd, &v->screen->allFds);
	v->screen->maxFd = v->listen_fd > wake_fd ? v->listen_fd : wake_fd;
	if (extra_fd > v->screen->maxFd)
		v->screen->maxFd = extra_fd;
	*out = v;
	return 0;

err_fb:
	free(v->screen->frameBuffer);
err_screen:
	rfbScreenCleanup(v->screen);
err_listen:
	close(v->listen_fd);
	if (v->unix_path[0])
		unlink(v->unix_path);
err_free:
	pthread_mutex_destroy(&v->stats_lock);
	free(v);
	return ret;
}

void display_vnc_stop(struct display_vnc *v)
{
	/* closes every viewer; the listening socket is ours */
	rfbShutdownServer(v->screen, TRUE);
	close(v->listen_fd);
	if (v->unix_path[0])
		unlink(v->unix_path);
	free(v->screen->frameBuffer);
	rfbScreenCleanup(v->screen);
	free(v->passwords[0]);
	pthread_mutex_destroy(&v->stats_lock);
	free(v);
}

void display_vnc_stats(struct display_vnc *v, struct umdev_display_stats *stats)
{
	pthread_mutex_lock(&v->stats_lock);
	*stats = v->stats;
	pthread_mutex_unlock(&v->stats_lock);
}

int display_vnc_address(struct display_vnc *v, char *buf, size_t size)
{
	return snprintf(buf, size, "%s", v->address);
}
