/* SPDX-License-Identifier: MIT */
/*
 * Inside src/display: the display object and the host-side services that
 * read it (the screenshot socket and the VNC server, run by one thread per
 * display: service.c).
 */
#ifndef UMDEV_DISPLAY_PRIVATE_H
#define UMDEV_DISPLAY_PRIVATE_H

#include <pthread.h>

#include <umdev/display.h>

struct display_service;

struct umdev_display {
	char name[64];
	int fd;
	uint8_t *vram;
	uint64_t vram_size;

	pthread_mutex_t lock; /* mode, palette */
	struct umdev_display_mode mode;
	uint32_t palette[256];

	struct display_service *service; /* NULL when no service could start */
};

/* Copies the visible area (under the lock) into @rgbx, @width * @height * 4 bytes. */
void display_copy_visible(struct umdev_display *d, const struct umdev_display_mode *mode,
			  uint8_t *rgbx);

/* service.c: the thread that serves the screenshot socket and VNC. */
int display_service_start(struct umdev_display *d, const struct umdev_display_config *config,
			  struct display_service **out);
void display_service_stop(struct display_service *s);
int display_service_vnc_address(struct display_service *s, char *buf, size_t size);
int display_service_socket_name(struct display_service *s, char *buf, size_t size);

/* vnc.c: the VNC side of the service thread. */
struct display_vnc;
int display_vnc_start(struct umdev_display *d, const struct umdev_display_config *config,
		      int wake_fd, int extra_fd, struct display_vnc **out);
/* Runs one round: waits up to the next refresh for VNC traffic or the fds. */
void display_vnc_iterate(struct display_vnc *v);
void display_vnc_stop(struct display_vnc *v);
int display_vnc_address(struct display_vnc *v, char *buf, size_t size);
void display_vnc_stats(struct display_vnc *v, struct umdev_display_stats *stats);
void display_service_stats(struct display_service *s, struct umdev_display_stats *stats);

#endif /* UMDEV_DISPLAY_PRIVATE_H */
