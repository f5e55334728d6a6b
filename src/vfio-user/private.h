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
 *   rt->lock                   a device's IRQ vectors, DMA maps, the client's DMA hook
 *   conn->dma_lock             message-based DMA requests waiting for replies
 * Driver callbacks run in the client's thread with none of these held.
 */
#ifndef UMDEV_VFIO_USER_PRIVATE_H
#define UMDEV_VFIO_USER_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <umdev/vfio.h>
#include <umdev/vfio_user_proto.h>

#include "transport.h"

/* What the server accepts; announced in the VERSION reply. */
#define VFU_MAX_MSG_FDS 16
#define VFU_MAX_XFER VFIO_USER_DEF_MAX_XFER
#define VFU_MAX_DMA_MAPS VFIO_USER_DEF_MAX_DMA_MAPS
/* The largest request: a REGION_WRITE of VFU_MAX_XFER bytes. */
#define VFU_MAX_MSG_SIZE (sizeof(struct vfio_user_header) + \
			  sizeof(struct vfio_user_region_access) + VFU_MAX_XFER)
/* The VERSION JSON we are willing to parse. */
#define VFU_MAX_VERSION_JSON 4096
/* The reply buffer: the largest REGION_READ reply, or a VERSION reply. */
#define VFU_REPLY_BUF_SIZE (sizeof(struct vfio_user_region_access) + VFU_MAX_XFER + \
			    VFU_MAX_VERSION_JSON)

/* ---- the per-device state (runtime.c, irq.c, dma.c, dma_rw.c) ---- */

struct vfu_vector {
	int fd;	       /* the client's eventfd, or -1 */
	int unmask_fd; /* signalled by the client to unmask (KVM's resampler), or -1 */
	bool masked;   /* by the client (or automasked INTx) */
	bool pending;  /* fired while masked */
};

/* An unmask eventfd the client thread watches, and the vector it unmasks. */
struct vfu_unmask_watch {
	int fd;
	unsigned int index, vector;
};
#define VFU_MAX_UNMASK_WATCHES 8

struct vfu_irq {
	uint32_t count;
	uint32_t flags; /* VFIO_USER_IRQ_INFO_F_* */
	struct vfu_vector *vectors;
};

struct vfu_dma_map {
	uint64_t iova, size;
	uint32_t prot;	  /* VFIO_USER_DMA_MAP_F_* */
	int fd;		  /* -1 when the client serves the range with messages */
	uint64_t offset;  /* of iova in fd */
	void *addr;	  /* mmapped (the fd is sealed against shrinking), or NULL */
};

/* How the model reaches guest memory the client mapped without an fd. */
struct vfu_client_ops {
	/* Reads or writes through the client; never from the thread serving it. */
	int (*dma_rw)(void *client, bool write, uint64_t iova, void *buf, size_t len);
	/* Fails the transfers in flight and every later one. */
	void (*cancel)(void *client);
};

struct umdev_vfio_runtime {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* client_users dropped to 0 */
	struct vfu_irq *irqs;
	bool intx_asserted;
	struct vfu_dma_map *maps; /* sorted by iova, never overlapping */
	size_t nr_maps, cap_maps;
	/* the connected client, for message-based DMA */
	const struct vfu_client_ops *client_ops;
	void *client;
	unsigned int client_users; /* transfers using it */
	pthread_t server_thread; /* the thread serving @client, valid while it is set */
};

/* irq.c; callers hold rt->lock unless stated */
int vfu_irq_init(struct umdev_vfio_device *vdev);
void vfu_irq_fini(struct umdev_vfio_device *vdev);
/* Closes every eventfd, clears masks (a client went away). Takes the lock. */
void vfu_irq_reset(struct umdev_vfio_device *vdev);
/* SET_IRQS after validation of the header; consumes fds. Takes the lock. */
/* The unmask eventfds to watch; returns how many (at most @max). Takes the lock. */
unsigned int vfu_irq_unmask_watches(struct umdev_vfio_device *vdev,
				    struct vfu_unmask_watch *watches, unsigned int max);
/* An unmask eventfd fired: consume it and unmask its vector. Takes the lock. */
void vfu_irq_unmask_fired(struct umdev_vfio_device *vdev, const struct vfu_unmask_watch *w);
int vfu_irq_set(struct umdev_vfio_device *vdev, const struct vfio_user_irq_set *set,
		const uint8_t *bools, int *fds, unsigned int nr_fds);

/* dma.c */
/*
 * The client mapped guest memory: @fd (kept on success) or -1 for a range
 * the client serves with messages. Runs the driver's dma_map.
 */
int vfu_dma_map(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size, uint32_t prot,
		int fd, uint64_t offset);
/* Removes the map of exactly @iova and @size after the driver's dma_unmap; or -ENOENT. */
int vfu_dma_unmap(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size);
/* Every map goes, the driver told of each. */
void vfu_dma_unmap_all(struct umdev_vfio_device *vdev);
/* Under rt->lock: the map containing @iova, or NULL. */
struct vfu_dma_map *vfu_dma_find(struct umdev_vfio_runtime *rt, uint64_t iova);
/* Frees the table (the device's fini). */
void vfu_dma_clear(struct umdev_vfio_runtime *rt);

/* dma_rw.c: a client is served by the calling thread, with @ops for message-based DMA. */
void vfu_client_attach(struct umdev_vfio_device *vdev, const struct vfu_client_ops *ops,
		       void *client);
/* Cancels the client's transfers; returns once none uses it. */
void vfu_client_detach(struct umdev_vfio_device *vdev);

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

/* dma_msg.c: DMA through the client's messages, for vfu_client_attach() with the conn */
extern const struct vfu_client_ops vfu_conn_dma_ops;
/* A reply to one of our DMA requests; negative errno drops the client. */
int vfu_conn_complete_dma(struct vfu_conn *conn, struct vfu_msg *msg);

/* caps.c: VERSION */
int vfu_version_parse(struct vfu_conn *conn, const char *json, size_t len);
/* The reply's JSON into @buf; returns its length with the NUL, or -ENOSPC. */
int vfu_version_reply_json(const struct vfu_conn *conn, char *buf, size_t size);

/* the frontend's logging */
void vfu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UMDEV_VFIO_USER_PRIVATE_H */
