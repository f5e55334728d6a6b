// SPDX-License-Identifier: MIT
/*
 * A client connection: its state, and sending messages (replies from the
 * client thread, DMA requests from driver threads, one writer at a time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "private.h"

struct vfu_conn *vfu_conn_new(struct umdev_vfio_device *vdev, int fd)
{
	struct vfu_conn *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->reply_buf = malloc(VFU_REPLY_BUF_SIZE);
	if (!conn->reply_buf) {
		free(conn);
		return NULL;
	}
	conn->vdev = vdev;
	conn->fd = fd;
	conn->client_max_fds = VFIO_USER_DEF_MAX_FDS;
	conn->client_max_xfer = VFIO_USER_DEF_MAX_XFER;
	pthread_mutex_init(&conn->send_lock, NULL);
	pthread_mutex_init(&conn->dma_lock, NULL);
	pthread_cond_init(&conn->dma_done, NULL);
	return conn;
}

void vfu_conn_free(struct vfu_conn *conn)
{
	pthread_cond_destroy(&conn->dma_done);
	pthread_mutex_destroy(&conn->dma_lock);
	pthread_mutex_destroy(&conn->send_lock);
	free(conn->reply_buf);
	free(conn);
}

int vfu_conn_send(struct vfu_conn *conn, const struct vfio_user_header *hdr, const void *payload,
		  size_t len, int fd)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = sizeof(*hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};

	/* a client that stops reading blocks this; a stop's shutdown() ends it */
	return vfu_send_iov(conn->fd, iov, 2, &fd, fd >= 0 ? 1 : 0);
}
