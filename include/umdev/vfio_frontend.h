/* SPDX-License-Identifier: MIT */
/*
 * umdev: the device model as a frontend serving it sees it.
 *
 * A driver describes its device with <umdev/vfio.h>; a frontend (the
 * vfio-user server) hands it to a client and uses these calls to apply
 * what the client asks: SET_IRQS on the device's vectors, DMA maps and
 * unmaps, the end of a client. The model keeps that state, runs the
 * driver's callbacks and reaches guest memory for the driver; the frontend
 * keeps the wire. The same split as the kernel's vfio core (vfio_main.c,
 * the IOMMU backend) and the file descriptors it hands to user space.
 *
 * Numbers are VFIO's: a frontend passes a client's flags through unchanged.
 * The model takes no lock across a driver callback or a client call.
 */
#ifndef UMDEV_VFIO_FRONTEND_H
#define UMDEV_VFIO_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <umdev/vfio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The one page size of guest memory maps and mappable areas. */
#define UMDEV_VFIO_PAGE_SIZE 4096u
/* The most DMA maps a device keeps (the kernel's type1 dma_entry_limit). */
#define UMDEV_VFIO_MAX_DMA_MAPS 65535u

/* An IRQ index with vectors takes eventfds: VFIO_IRQ_INFO_EVENTFD. */
#define UMDEV_VFIO_IRQ_EVENTFD 0x1u

/* SET_IRQS: one data type and one action, VFIO_IRQ_SET_DATA_* and _ACTION_*. */
#define UMDEV_VFIO_IRQ_SET_DATA_NONE 0x1u
#define UMDEV_VFIO_IRQ_SET_DATA_BOOL 0x2u
#define UMDEV_VFIO_IRQ_SET_DATA_EVENTFD 0x4u
#define UMDEV_VFIO_IRQ_SET_ACTION_MASK 0x8u
#define UMDEV_VFIO_IRQ_SET_ACTION_UNMASK 0x10u
#define UMDEV_VFIO_IRQ_SET_ACTION_TRIGGER 0x20u
#define UMDEV_VFIO_IRQ_SET_DATA_ALL 0x7u
#define UMDEV_VFIO_IRQ_SET_ACTION_ALL 0x38u

/* A DMA map's permissions: VFIO_DMA_MAP_FLAG_READ and _WRITE. */
#define UMDEV_VFIO_DMA_READ 0x1u
#define UMDEV_VFIO_DMA_WRITE 0x2u

/* ---- interrupts ---- */

/*
 * IRQ @index as the client sees it: its flags (the driver's, with
 * UMDEV_VFIO_IRQ_EVENTFD when it has vectors) and its vector count.
 * Returns 0, or -EINVAL for an index the device lacks.
 */
int umdev_vfio_irq_info(struct umdev_vfio_device *vdev, unsigned int index, uint32_t *flags,
			uint32_t *count);

/**
 * umdev_vfio_set_irqs() - a client's SET_IRQS, after the frontend checked
 * its shape (one data type, one action, the vectors inside the index, as
 * many bools or eventfds as vectors; count 0 only with DATA_NONE and
 * TRIGGER, which disables the index).
 * @bools: with DATA_BOOL, one byte per vector.
 * @fds: with DATA_EVENTFD, the eventfds; the ones the model keeps are set
 *       to -1, the caller closes the rest. No fds disables the vectors.
 * Runs the driver's irqs_changed for a TRIGGER with eventfds or none.
 * Return: 0, or -EINVAL for a mask action on an index that is not maskable.
 */
int umdev_vfio_set_irqs(struct umdev_vfio_device *vdev, unsigned int index, uint32_t flags,
			uint32_t start, uint32_t count, const uint8_t *bools, int *fds,
			unsigned int nr_fds);

/* The client went away: close its eventfds and clear every mask. */
void umdev_vfio_irqs_reset(struct umdev_vfio_device *vdev);

/* An eventfd the client signals to unmask a vector (KVM's INTx resampler). */
struct umdev_vfio_unmask_watch {
	int fd;
	unsigned int index, vector;
};

/*
 * The unmask eventfds to watch, at most @max; returns how many. They stay
 * open until the next umdev_vfio_set_irqs() or umdev_vfio_irqs_reset(),
 * which only the frontend's thread serving the client calls.
 */
unsigned int umdev_vfio_unmask_watches(struct umdev_vfio_device *vdev,
				       struct umdev_vfio_unmask_watch *watches, unsigned int max);
/* A watched eventfd is readable: consume it and unmask its vector. */
void umdev_vfio_unmask_fired(struct umdev_vfio_device *vdev,
			     const struct umdev_vfio_unmask_watch *watch);

/* ---- guest memory ---- */

/**
 * umdev_vfio_dma_map() - the client made guest memory reachable.
 * @prot: UMDEV_VFIO_DMA_READ and/or _WRITE (the frontend checked no other
 *        bit is set).
 * @fd: the memory, or -1 when the client serves the range itself (see
 *      struct umdev_vfio_client_ops); kept on success, the caller's
 *      otherwise.
 * @offset: of @iova in @fd.
 * @iova, @size (and @offset with an fd) are page aligned and do not wrap.
 * Runs the driver's dma_map.
 * Return: 0, -EEXIST when it overlaps a map, -ENOSPC beyond
 * UMDEV_VFIO_MAX_DMA_MAPS, -EINVAL for an fd that is not a file holding
 * the range, -ENOMEM.
 */
int umdev_vfio_dma_map(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size,
		       uint32_t prot, int fd, uint64_t offset);
/*
 * Removes the map of exactly @iova and @size, after the driver's
 * dma_unmap. Returns 0 or -ENOENT.
 */
int umdev_vfio_dma_unmap(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size);
/* Removes every map, telling the driver of each. */
void umdev_vfio_dma_unmap_all(struct umdev_vfio_device *vdev);

/**
 * struct umdev_vfio_client_ops - how the model reaches guest memory the
 * client mapped without an fd.
 * @dma_rw: reads or writes @len bytes at @iova through the client; returns
 *          0 or a negative errno. Called outside the thread serving the
 *          client (that thread cannot also wait for the answer).
 * @cancel: fails the transfers in flight, and every later one: the client
 *          is going away.
 */
struct umdev_vfio_client_ops {
	int (*dma_rw)(void *client, bool write, uint64_t iova, void *buf, size_t len);
	void (*cancel)(void *client);
};

/*
 * A client is served, by the calling thread: message-based DMA goes
 * through @ops with @client from now on (except from this thread, which
 * gets -EDEADLK).
 */
void umdev_vfio_client_attach(struct umdev_vfio_device *vdev,
			      const struct umdev_vfio_client_ops *ops, void *client);
/* The client is going: cancel it; returns once no transfer uses it any more. */
void umdev_vfio_client_detach(struct umdev_vfio_device *vdev);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_VFIO_FRONTEND_H */
