/* SPDX-License-Identifier: MIT */
/* One device's server thread and listening socket (server.c). */
#ifndef UMDEV_VFIO_USER_SERVER_H
#define UMDEV_VFIO_USER_SERVER_H

#include <limits.h>

#include <umdev/list.h>

#include "private.h"

struct vfu_server {
	struct list_head node; /* frontend.c's list, under servers_lock */
	struct umdev_device *mdev;
	struct umdev_vfio_device *vdev;
	char name[UMDEV_UUID_STRING_LEN + 1];
	char path[PATH_MAX];
	mode_t mode; /* of the socket file: 0600, or 0660 for a socket group */
	int listen_fd;
	int stop_fd; /* readable once the server must stop */
	pthread_t thread;
};

/* Listens on srv->path (srv->mode) and starts the thread; returns 0 or a negative errno. */
int vfu_server_start(struct vfu_server *srv);
/* Disconnects any client, stops the thread, unlinks the socket. */
void vfu_server_stop(struct vfu_server *srv);

#endif /* UMDEV_VFIO_USER_SERVER_H */
