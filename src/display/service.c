// SPDX-License-Identifier: MIT
/*
 * One thread per display serves the host's views of it: the screenshot
 * socket and, when configured, the VNC server (vnc.c), so a slow or
 * hostile viewer of one display never holds up another display or the
 * device itself (the guest writes video memory directly).
 *
 * The screenshot socket is an abstract UNIX socket named after the device
 * ("@umdev-display/UUID"): it needs no directory and vanishes with the
 * daemon. Only the daemon's own user and root may use it (SO_PEERCRED),
 * since it shows what the guest shows. Each connection gets one picture
 * (struct umdev_display_snapshot_header, then the pixels) and is closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>

#include <umdev/log.h>

#include "private.h"

/* A viewer that cannot take a picture in this long loses it. */
#define SNAPSHOT_SEND_TIMEOUT_MS 5000

struct display_service {
	struct umdev_display *display;
	pthread_t thread;
	int wake_fd;
	int sock_fd; /* the screenshot socket, or -1 */
	char sock_name[128];
	struct display_vnc *vnc; /* or NULL */

	pthread_mutex_t lock; /* stopping */
	bool stopping;
};

static int listen_abstract(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd;

	if (len + 1 > sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path + 1, name, len); /* sun_path[0] == 0: abstract */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&addr, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) ||
	    listen(fd, 8)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends all of @buf before @deadline (ms), or fails. */
static int send_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const uint8_t *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void serve_snapshot(struct display_service *s, int fd)
{
	struct umdev_display_snapshot_header hdr = { .magic = UMDEV_DISPLAY_SNAPSHOT_MAGIC };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct umdev_display_mode mode;
	uint32_t width = 0, height = 0;
	uint8_t *pixels = NULL;
	int64_t deadline = now_ms() + SNAPSHOT_SEND_TIMEOUT_MS;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    (cred.uid != 0 && cred.uid != geteuid()))
		return; /* closed unanswered: the screen is not theirs to see */
	umdev_display_get_mode(s->display, &mode);
	if (umdev_display_capture(s->display, &width, &height, &pixels) == -ENOMEM)
		return;
	hdr.width = htole32(width);
	hdr.height = htole32(height);
	hdr.format = htole32(mode.enabled ? (uint32_t)mode.format : 0);
	if (!send_all(fd, &hdr, sizeof(hdr), deadline) && pixels)
		send_all(fd, pixels, (size_t)width * height * 4, deadline);
	free(pixels);
}

static void accept_snapshots(struct display_service *s)
{
	for (;;) {
		int fd = accept4(s->sock_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		serve_snapshot(s, fd);
		close(fd);
	}
}

static bool stopping(struct display_service *s)
{
	pthread_mutex_lock(&s->lock);
	bool stop = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void *service_main(void *arg)
{
	struct display_service *s = arg;

	while (!stopping(s)) {
		uint64_t v;
		ssize_t n;

		if (s->vnc) {
			display_vnc_iterate(s->vnc); /* waits on VNC traffic, wake_fd and sock_fd */
		} else {
			struct pollfd pfd[2] = { { .fd = s->wake_fd, .events = POLLIN },
						 { .fd = s->sock_fd, .events = POLLIN } };

			poll(pfd, 2, -1);
		}
		n = read(s->wake_fd, &v, sizeof(v));
		(void)n;
		if (s->sock_fd >= 0)
			accept_snapshots(s);
	}
	return NULL;
}

int display_service_start(struct umdev_display *d, const struct umdev_display_config *config,
			  struct display_service **out)
{
	struct display_service *s = calloc(1, sizeof(*s));
	sigset_t all, old_mask;
	int ret;

	if (!s)
		return -ENOMEM;
	s->display = d;
	pthread_mutex_init(&s->lock, NULL);
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake_fd < 0) {
		ret = -errno;
		goto err_free;
	}
	snprintf(s->sock_name, sizeof(s->sock_name), "%s%s", UMDEV_DISPLAY_SOCKET_PREFIX, d->name);
	s->sock_fd = listen_abstract(s->sock_name);
	if (s->sock_fd < 0) {
		umdev_log(UMDEV_LOG_ERROR, "display %s: no screenshot socket @%s: %s", d->name,
			  s->sock_name, strerror(-s->sock_fd));
		s->sock_name[0] = '\0';
	}
	if (config->vnc) {
		ret = display_vnc_start(d, config, s->wake_fd, s->sock_fd, &s->vnc);
		if (ret == -ENOMEM)
			goto err_sock;
		if (ret)
			umdev_log(UMDEV_LOG_ERROR, "display %s: no VNC server: %s", d->name,
				  strerror(-ret));
	}
	/* with every signal blocked: the daemon takes its signals in its own thread */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old_mask);
	ret = -pthread_create(&s->thread, NULL, service_main, s);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (ret)
		goto err_vnc;
	pthread_setname_np(s->thread, "umdev-display"); /* for top -H and the benchmarks */
	*out = s;
	return 0;

err_vnc:
	if (s->vnc)
		display_vnc_stop(s->vnc);
err_sock:
	if (s->sock_fd >= 0)
		close(s->sock_fd);
	close(s->wake_fd);
err_free:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return ret;
}

void display_service_stop(struct display_service *s)
{
	uint64_t one = 1;
	ssize_t n;

	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	n = write(s->wake_fd, &one, sizeof(one));
	(void)n;
	pthread_join(s->thread, NULL);
	if (s->vnc)
		display_vnc_stop(s->vnc);
	if (s->sock_fd >= 0)
		close(s->sock_fd);
	close(s->wake_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int display_service_vnc_address(struct display_service *s, char *buf, size_t size)
{
	if (!s->vnc) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	return display_vnc_address(s->vnc, buf, size);
}

int display_service_socket_name(struct display_service *s, char *buf, size_t size)
{
	return snprintf(buf, size, "%s%s", s->sock_name[0] ? "@" : "", s->sock_name);
}

void display_service_stats(struct display_service *s, struct umdev_display_stats *stats)
{
	if (s->vnc)
		display_vnc_stats(s->vnc, stats);
}
