/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user frontend's private view, shared by the files of
 * src/vfio-user.
 *
 * Lock order, outermost first:
 *   servers_lock (frontend.c)  the list of per-device servers
 *   acceptor_lock (acceptor.c) the listening sockets' table
 *   srv->lock (server.h)       a server's client thread and the client it serves
 *   conn->send_lock            one writer at a time on a client socket
 *   conn->dma_lock             message-based DMA requests waiting for replies
 * The device model's own lock (src/vfio) is taken inside the model's
 * calls, which call nothing back with it held. Driver callbacks run in
 * the client's thread with none of these held.
 */
#ifndef UMDEV_VFIO_USER_PRIVATE_H
#define UMDEV_VFIO_USER_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <umdev/vfio.h>
#include <umdev/vfio_frontend.h>
#include <umdev/vfio_user_proto.h>

#include "transport.h"

/* What the server accepts; announced in the VERSION reply. */
#define VFU_MAX_MSG_FDS 16
#define VFU_MAX_XFER VFIO_USER_DEF_MAX_XFER
#define VFU_MAX_DMA_MAPS UMDEV_VFIO_MAX_DMA_MAPS
/* The largest request: a REGION_WRITE of VFU_MAX_XFER bytes. */
#define VFU_MAX_MSG_SIZE (sizeof(struct vfio_user_header) + \
			  sizeof(struct vfio_user_region_access) + VFU_MAX_XFER)
/* The VERSION JSON we are willing to parse. */
#define VFU_MAX_VERSION_JSON 4096
/* The reply buffer: the largest REGION_READ reply, or a VERSION reply. */
#define VFU_REPLY_BUF_SIZE (sizeof(struct vfio_user_region_access) + VFU_MAX_XFER + \
			    VFU_MAX_VERSION_JSON)

/* The unmask eventfds the client thread polls with its socket, at most. */
#define VFU_MAX_UNMASK_WATCHES 8

/* ---- a client connection (conn.c) ---- */

struct vfu_reply {
	uint8_t *payload; /* conn->reply_buf */
	size_t len;
	uint32_t error; /* positive errno, or 0 */
	int fd;		/* passed with the reply, or -1; not owned */
};

struct vfu_dma_request; /* message-based DMA waiting for the client */

struct vfu_conn {
	struct umdev_vfio_device *vdev;
	int fd;	       /* the socket */
	bool negotiated;
	/* the client's capabilities */
	uint32_t client_max_fds;
	uint32_t client_max_xfer;
	bool write_multiple;
	uint8_t *reply_buf;

	pthread_mutex_t send_lock;
	uint16_t next_id; /* for server-to-client requests, under send_lock */

	pthread_mutex_t dma_lock;
	pthread_cond_t dma_done;
	struct vfu_dma_request *requests; /* waiting for a reply */
	bool dead;			  /* no more replies will come */
};

struct vfu_conn *vfu_conn_new(struct umdev_vfio_device *vdev, int fd);
void vfu_conn_free(struct vfu_conn *conn);
/*
 * Handles one request and fills @reply. Consumes the message's fds
 * (keeping those it stores, closing the rest). Returns 0, or a negative
 * errno when the connection must be dropped.
 */
int vfu_conn_handle(struct vfu_conn *conn, struct vfu_msg *msg, struct vfu_reply *reply);
/* The client left: drop its DMA maps and eventfds; the device keeps its state. */
void vfu_conn_client_gone(struct vfu_conn *conn);
/* Writes one message, with an fd or -1. Callers hold send_lock. */
int vfu_conn_send(struct vfu_conn *conn, const struct vfio_user_header *hdr,
		  const void *payload, size_t len, int fd);

/* dma_msg.c: DMA through the client's messages, for umdev_vfio_client_attach() */
extern const struct umdev_vfio_client_ops vfu_conn_dma_ops;
/* A reply to one of our DMA requests; negative errno drops the client. */
int vfu_conn_complete_dma(struct vfu_conn *conn, struct vfu_msg *msg);

/* caps.c: VERSION */
int vfu_version_parse(struct vfu_conn *conn, const char *json, size_t len);
/* The reply's JSON into @buf; returns its length with the NUL, or -ENOSPC. */
int vfu_version_reply_json(const struct vfu_conn *conn, char *buf, size_t size);

/* the frontend's logging */
void vfu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UMDEV_VFIO_USER_PRIVATE_H */
