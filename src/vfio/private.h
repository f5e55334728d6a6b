/* SPDX-License-Identifier: MIT */
/*
 * The device model's private view, shared by the files of src/vfio: the
 * per-device state behind struct umdev_vfio_device's rt pointer.
 *
 * One lock, rt->lock, per device: its IRQ vectors, its DMA maps and the
 * client's DMA hook. It is a leaf: nothing is called with it held (no
 * driver callback, no client call), and a frontend may hold its own locks
 * while it calls in.
 */
#ifndef UMDEV_VFIO_PRIVATE_H
#define UMDEV_VFIO_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <umdev/vfio.h>
#include <umdev/vfio_frontend.h>

struct vfio_vector {
	int fd;	       /* the client's eventfd, or -1 */
	int unmask_fd; /* signalled by the client to unmask (KVM's resampler), or -1 */
	bool masked;   /* by the client (or automasked INTx) */
	bool pending;  /* fired while masked */
};

struct vfio_irq {
	uint32_t count;
	uint32_t flags; /* UMDEV_VFIO_IRQ_* */
	struct vfio_vector *vectors;
};

struct vfio_dma_map {
	uint64_t iova, size;
	uint32_t prot;	  /* UMDEV_VFIO_DMA_* */
	int fd;		  /* -1 when the client serves the range with messages */
	uint64_t offset;  /* of iova in fd */
	void *addr;	  /* mmapped (the fd is sealed against shrinking), or NULL */
};

struct umdev_vfio_runtime {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* client_users dropped to 0 */
	struct vfio_irq *irqs;
	bool intx_asserted;
	struct vfio_dma_map *maps; /* sorted by iova, never overlapping */
	size_t nr_maps, cap_maps;
	/* the connected client, for message-based DMA */
	const struct umdev_vfio_client_ops *client_ops;
	void *client;
	unsigned int client_users; /* transfers using it */
	pthread_t server_thread; /* the thread serving @client, valid while it is set */
};

/* irq.c */
int vfio_irq_init(struct umdev_vfio_device *vdev);
void vfio_irq_fini(struct umdev_vfio_device *vdev);

/* dma.c */
/* Under rt->lock: the map containing @iova, or NULL. */
struct vfio_dma_map *vfio_dma_find(struct umdev_vfio_runtime *rt, uint64_t iova);
/* Frees the table (the device's fini). */
void vfio_dma_clear(struct umdev_vfio_runtime *rt);

#endif /* UMDEV_VFIO_PRIVATE_H */
