// SPDX-License-Identifier: MIT
/*
 * DMA through the client: guest memory it mapped without an fd is read
 * and written with DMA_READ/DMA_WRITE messages, sent from the driver's
 * thread (the device model calls them through struct umdev_vfio_client_ops), and
 * the client's replies, which its connection's thread reads, are routed
 * back to the requests waiting for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct vfu_dma_request {
	struct vfu_dma_request *next;
	uint16_t msg_id;
	uint16_t command;
	uint64_t address;
	void *buf;
	uint32_t count;
	bool done;
	int error;
};

/* One DMA_READ/DMA_WRITE of at most the client's transfer size. */
static int dma_chunk(struct vfu_conn *conn, bool write, uint64_t iova, void *buf, uint32_t count)
{
	size_t len = sizeof(struct vfio_user_dma_access) + (write ? count : 0) +
		     VFIO_USER_DMA_ACCESS_PAD;
	struct vfu_dma_request req = {
		.command = write ? VFIO_USER_DMA_WRITE : VFIO_USER_DMA_READ,
		.address = iova,
		.buf = buf,
		.count = count,
	};
	struct vfio_user_header hdr = {
		.command = req.command,
		.msg_size = (uint32_t)(sizeof(hdr) + len),
		.flags = VFIO_USER_F_TYPE_COMMAND,
	};
	struct vfio_user_dma_access *access = calloc(1, len);
	int ret;

	if (!access)
		return -ENOMEM;
	access->address = iova;
	access->count = count;
	if (write)
		memcpy(access + 1, buf, count);

	pthread_mutex_lock(&conn->send_lock);
	pthread_mutex_lock(&conn->dma_lock);
	if (conn->dead) {
		pthread_mutex_unlock(&conn->dma_lock);
		pthread_mutex_unlock(&conn->send_lock);
		free(access);
		return -ENOTCONN;
	}
	req.msg_id = hdr.msg_id = conn->next_id++;
	req.next = conn->requests;
	conn->requests = &req;
	pthread_mutex_unlock(&conn->dma_lock);
	ret = vfu_conn_send(conn, &hdr, access, len, -1);
	pthread_mutex_unlock(&conn->send_lock);
	free(access);

	pthread_mutex_lock(&conn->dma_lock);
	while (!ret && !req.done && !conn->dead)
		pthread_cond_wait(&conn->dma_done, &conn->dma_lock);
	if (!req.done) {
		struct vfu_dma_request **p = &conn->requests;

		while (*p != &req)
			p = &(*p)->next;
		*p = req.next;
		if (!ret)
			ret = -ENOTCONN;
	} else {
		ret = req.error;
	}
	pthread_mutex_unlock(&conn->dma_lock);
	return ret;
}

static int conn_dma(void *client, bool write, uint64_t iova, void *buf, size_t len)
{
	struct vfu_conn *conn = client;
	uint32_t max = conn->client_max_xfer < VFU_MAX_XFER ? conn->client_max_xfer : VFU_MAX_XFER;

	while (len) {
		uint32_t count = len < max ? (uint32_t)len : max;
		int ret = dma_chunk(conn, write, iova, buf, count);

		if (ret)
			return ret;
		iova += count;
		buf = (char *)buf + count;
		len -= count;
	}
	return 0;
}

int vfu_conn_complete_dma(struct vfu_conn *conn, struct vfu_msg *msg)
{
	const struct vfio_user_dma_access *access = (const void *)msg->payload;
	struct vfu_dma_request **p, *req;
	int ret = 0;

	if (msg->nr_fds)
		return -EPROTO;
	pthread_mutex_lock(&conn->dma_lock);
	for (p = &conn->requests; *p; p = &(*p)->next)
		if ((*p)->msg_id == msg->hdr.msg_id && (*p)->command == msg->hdr.command)
			break;
	req = *p;
	if (!req) {
		pthread_mutex_unlock(&conn->dma_lock);
		return -EPROTO; /* a reply to nothing we asked */
	}
	if (msg->hdr.flags & VFIO_USER_F_ERROR) {
		/* the client's reason: QEMU says EFAULT/ENODEV/EPERM for a failed access */
		req->error = msg->hdr.error && msg->hdr.error < 4096 ? -(int)msg->hdr.error : -EIO;
	} else if (req->command == VFIO_USER_DMA_READ) {
		/* QEMU's reply: address, count, data, padding */
		if (msg->len < sizeof(*access) + req->count || access->address != req->address ||
		    access->count != req->count)
			ret = -EPROTO;
		else
			memcpy(req->buf, access + 1, req->count);
	}
	if (ret)
		req->error = -EIO;
	*p = req->next;
	req->done = true;
	pthread_cond_broadcast(&conn->dma_done);
	pthread_mutex_unlock(&conn->dma_lock);
	return ret;
}

/* Fails every waiting DMA request, and later ones: the client is going away. */
static void conn_kill_dma(void *client)
{
	struct vfu_conn *conn = client;

	pthread_mutex_lock(&conn->dma_lock);
	conn->dead = true;
	pthread_cond_broadcast(&conn->dma_done);
	pthread_mutex_unlock(&conn->dma_lock);
}

const struct umdev_vfio_client_ops vfu_conn_dma_ops = {
	.dma_rw = conn_dma,
	.cancel = conn_kill_dma,
};
