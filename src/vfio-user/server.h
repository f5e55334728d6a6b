/* SPDX-License-Identifier: MIT */
/*
 * One device's server (server.c): its listening socket, watched by the
 * acceptor (acceptor.c), and while a client is connected, the thread that
 * serves it.
 */
#ifndef UMDEV_VFIO_USER_SERVER_H
#define UMDEV_VFIO_USER_SERVER_H

#include <limits.h>

#include <umdev/list.h>

#include "private.h"
#include "socket_access.h"
#include "ptr_table.h"

struct vfu_server {
	struct list_head node;	      /* frontend.c's list, under servers_lock */
	struct ptr_node by_device;    /* and its table by mdev */
	struct umdev_device *mdev;
	struct umdev_vfio_device *vdev;
	char name[UMDEV_UUID_STRING_LEN + 1];
	char path[PATH_MAX];
	struct umdev_socket_access access; /* of the socket file, resolved */
	int listen_fd;
	uint32_t slot; /* in the acceptor's table */
	uint64_t key;  /* its epoll events' */

	/* the client thread, under @lock */
	pthread_mutex_t lock;
	struct vfu_conn *conn; /* the client it serves, or NULL */
	pthread_t thread;
	bool thread_running;  /* serving, or about to end */
	bool thread_joinable; /* started and not yet joined */
	bool stopping;
	bool reclaiming; /* a remove waits for the client to leave: none new is served */
	pthread_cond_t thread_left; /* thread_running became false */
	int next_fd; /* a client that connected as the previous one left, or -1 */

	unsigned int reclaimers; /* reclaims using the server; under frontend.c's servers_lock */
};

/* Listens on srv->path (srv->access) through the acceptor; returns 0 or a negative errno. */
int vfu_server_start(struct vfu_server *srv);
/* Disconnects any client, ends its thread, unlinks the socket. */
void vfu_server_stop(struct vfu_server *srv);
/*
 * Asks the client to let go (the device-request IRQ, again every 10 s)
 * and waits until it has, with no new client accepted meanwhile; after
 * @limit_s seconds (0: never) it cuts the client off. Returns 0, or
 * -EINTR when @interruptible and umdev_interrupted(): the client is then
 * kept and new ones accepted again.
 */
int vfu_server_reclaim(struct vfu_server *srv, bool interruptible, unsigned int limit_s);
/* The reclaim was for nothing: accept clients again. */
void vfu_server_cancel_reclaim(struct vfu_server *srv);
/* The listening socket is readable (the acceptor, under its lock). */
void vfu_server_accept(struct vfu_server *srv);

/* acceptor.c */
/* Every server is stopped first. */
void vfu_acceptor_stop(void);
/* Starts the acceptor's thread with the first server. */
int vfu_acceptor_add(struct vfu_server *srv);
/* Once it returns, the acceptor no longer touches @srv. */
void vfu_acceptor_remove(struct vfu_server *srv);
/* Stop and restart accepting @srv's clients. */
void vfu_acceptor_pause(struct vfu_server *srv);
void vfu_acceptor_resume(struct vfu_server *srv);

/* A thread with every signal blocked; returns 0 or a negative errno. */
int vfu_start_thread(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif /* UMDEV_VFIO_USER_SERVER_H */
