// SPDX-License-Identifier: MIT
/*
 * Interrupts: the client's eventfds per vector, masking, and INTx as a
 * level-triggered line. SET_IRQS does vfio-pci's actions; the frontend
 * checks a request's shape first, as the kernel's
 * vfio_set_irqs_validate_and_prepare() does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "private.h"

int vfio_irq_init(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	rt->irqs = calloc(vdev->nr_irqs ? vdev->nr_irqs : 1, sizeof(*rt->irqs));
	if (!rt->irqs)
		return -ENOMEM;
	for (unsigned int i = 0; i < vdev->nr_irqs; i++) {
		struct vfio_irq *irq = &rt->irqs[i];

		irq->count = vdev->irqs[i].count;
		irq->flags = vdev->irqs[i].flags;
		if (irq->count)
			irq->flags |= UMDEV_VFIO_IRQ_EVENTFD;
		irq->vectors = calloc(irq->count ? irq->count : 1, sizeof(*irq->vectors));
		if (!irq->vectors) {
			vfio_irq_fini(vdev);
			return -ENOMEM;
		}
		for (uint32_t v = 0; v < irq->count; v++)
			irq->vectors[v].fd = irq->vectors[v].unmask_fd = -1;
	}
	return 0;
}

void vfio_irq_fini(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	if (!rt->irqs)
		return;
	for (unsigned int i = 0; i < vdev->nr_irqs; i++) {
		struct vfio_irq *irq = &rt->irqs[i];

		for (uint32_t v = 0; irq->vectors && v < irq->count; v++) {
			if (irq->vectors[v].fd >= 0)
				close(irq->vectors[v].fd);
			if (irq->vectors[v].unmask_fd >= 0)
				close(irq->vectors[v].unmask_fd);
		}
		free(irq->vectors);
	}
	free(rt->irqs);
	rt->irqs = NULL;
}

/* The client went away: its eventfds are closed, every mask cleared. */
void umdev_vfio_irqs_reset(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	pthread_mutex_lock(&rt->lock);
	for (unsigned int i = 0; i < vdev->nr_irqs; i++) {
		struct vfio_irq *irq = &rt->irqs[i];

		for (uint32_t v = 0; v < irq->count; v++) {
			struct vfio_vector *vec = &irq->vectors[v];

			if (vec->fd >= 0)
				close(vec->fd);
			if (vec->unmask_fd >= 0)
				close(vec->unmask_fd);
			*vec = (struct vfio_vector){ .fd = -1, .unmask_fd = -1 };
		}
	}
	pthread_mutex_unlock(&rt->lock);
}

/* Signals an eventfd; a full counter (never read) still leaves it readable. */
static void signal_fd(int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));
	(void)n;
}

/* Fires @vec or records it as pending; rt->lock held. Returns 1 if signalled. */
static int fire(struct vfio_irq *irq, struct vfio_vector *vec)
{
	if (vec->fd < 0)
		return 0;
	if (vec->masked) {
		vec->pending = true;
		return 0;
	}
	signal_fd(vec->fd);
	if (irq->flags & UMDEV_VFIO_IRQ_AUTOMASKED)
		vec->masked = true;
	return 1;
}

/* INTx fires on unmask while the line is asserted; other vectors if pending. */
static void unmask(struct umdev_vfio_runtime *rt, unsigned int index, struct vfio_irq *irq,
		   struct vfio_vector *vec)
{
	bool again = index == UMDEV_VFIO_PCI_INTX_IRQ && (irq->flags & UMDEV_VFIO_IRQ_AUTOMASKED)
		     ? rt->intx_asserted : vec->pending;

	vec->masked = false;
	vec->pending = false;
	if (again)
		fire(irq, vec);
}

/*
 * A client's eventfd must never block us: one whose counter it has driven
 * to the maximum would block our write, one it drains itself our read, and
 * the device could then not even be removed. O_NONBLOCK is shared with the
 * client's copy; QEMU creates its eventfds non-blocking anyway.
 */
static void make_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0 && !(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Installs (or with no fds removes) the eventfds that unmask vectors. */
static void set_unmask_fds(struct vfio_irq *irq, uint32_t start, uint32_t count, int *fds,
			   unsigned int nr_fds)
{
	for (uint32_t i = 0; i < count; i++) {
		struct vfio_vector *vec = &irq->vectors[start + i];

		if (vec->unmask_fd >= 0)
			close(vec->unmask_fd);
		vec->unmask_fd = nr_fds ? fds[i] : -1;
		if (nr_fds) {
			make_nonblocking(fds[i]);
			fds[i] = -1;
		}
	}
}

static int set_eventfds(struct vfio_irq *irq, uint32_t start, uint32_t count, int *fds,
			unsigned int nr_fds)
{
	for (uint32_t i = 0; i < count; i++) {
		struct vfio_vector *vec = &irq->vectors[start + i];

		if (vec->fd >= 0)
			close(vec->fd);
		vec->fd = nr_fds ? fds[i] : -1;
		if (nr_fds) {
			make_nonblocking(fds[i]);
			fds[i] = -1; /* stored: no longer the caller's */
		}
		vec->masked = false;
		vec->pending = false;
	}
	return 0;
}

int umdev_vfio_irq_info(struct umdev_vfio_device *vdev, unsigned int index, uint32_t *flags,
			uint32_t *count)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	if (!rt || index >= vdev->nr_irqs)
		return -EINVAL;
	*flags = rt->irqs[index].flags;
	*count = rt->irqs[index].count;
	return 0;
}

int umdev_vfio_set_irqs(struct umdev_vfio_device *vdev, unsigned int index, uint32_t flags,
			uint32_t start, uint32_t count, const uint8_t *bools, int *fds,
			unsigned int nr_fds)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	uint32_t data = flags & UMDEV_VFIO_IRQ_SET_DATA_ALL;
	uint32_t action = flags & UMDEV_VFIO_IRQ_SET_ACTION_ALL;
	struct vfio_irq *irq;
	bool changed = false;
	int ret = 0;

	/* the frontend checked the rest of the request's shape */
	if (!rt || index >= vdev->nr_irqs)
		return -EINVAL;
	irq = &rt->irqs[index];
	if (count && (start >= irq->count || count > irq->count - start))
		return -EINVAL;

	/*
	 * MASK/UNMASK need a maskable index; an eventfd may drive UNMASK (as
	 * KVM's INTx resampler does with QEMU) but not MASK, as in vfio-pci.
	 */
	if (action != UMDEV_VFIO_IRQ_SET_ACTION_TRIGGER &&
	    (!(irq->flags & UMDEV_VFIO_IRQ_MASKABLE) ||
	     (data == UMDEV_VFIO_IRQ_SET_DATA_EVENTFD && action == UMDEV_VFIO_IRQ_SET_ACTION_MASK)))
		return -EINVAL;

	pthread_mutex_lock(&rt->lock);
	if (action == UMDEV_VFIO_IRQ_SET_ACTION_UNMASK && data == UMDEV_VFIO_IRQ_SET_DATA_EVENTFD) {
		set_unmask_fds(irq, start, count, fds, nr_fds);
	} else if (action == UMDEV_VFIO_IRQ_SET_ACTION_TRIGGER && data == UMDEV_VFIO_IRQ_SET_DATA_EVENTFD) {
		ret = set_eventfds(irq, start, count, fds, nr_fds);
		changed = true;
	} else if (action == UMDEV_VFIO_IRQ_SET_ACTION_TRIGGER && data == UMDEV_VFIO_IRQ_SET_DATA_NONE &&
		   count == 0) {
		/* count 0 with DATA_NONE disables the whole index */
		set_eventfds(irq, 0, irq->count, NULL, 0);
		changed = true;
	} else {
		for (uint32_t i = 0; i < count; i++) {
			struct vfio_vector *vec = &irq->vectors[start + i];

			if (data == UMDEV_VFIO_IRQ_SET_DATA_BOOL && !bools[i])
				continue;
			if (action == UMDEV_VFIO_IRQ_SET_ACTION_TRIGGER)
				fire(irq, vec);
			else if (action == UMDEV_VFIO_IRQ_SET_ACTION_MASK)
				vec->masked = true;
			else
				unmask(rt, index, irq, vec);
		}
	}
	pthread_mutex_unlock(&rt->lock);

	if (changed && vdev->ops && vdev->ops->irqs_changed)
		vdev->ops->irqs_changed(vdev, index);
	return ret;
}

int umdev_vfio_irq_trigger(struct umdev_vfio_device *vdev, unsigned int index,
			   unsigned int vector)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	int ret;

	if (!rt || index >= vdev->nr_irqs || vector >= rt->irqs[index].count)
		return -EINVAL;
	pthread_mutex_lock(&rt->lock);
	ret = fire(&rt->irqs[index], &rt->irqs[index].vectors[vector]);
	pthread_mutex_unlock(&rt->lock);
	return ret;
}

int umdev_vfio_intx_set(struct umdev_vfio_device *vdev, bool asserted)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	struct vfio_irq *irq;
	int ret = 0;

	if (!rt || vdev->nr_irqs <= UMDEV_VFIO_PCI_INTX_IRQ || !rt->irqs[0].count)
		return -EINVAL;
	irq = &rt->irqs[UMDEV_VFIO_PCI_INTX_IRQ];
	pthread_mutex_lock(&rt->lock);
	if (asserted && !rt->intx_asserted)
		ret = fire(irq, &irq->vectors[0]);
	rt->intx_asserted = asserted;
	pthread_mutex_unlock(&rt->lock);
	return ret;
}

bool umdev_vfio_irq_enabled(struct umdev_vfio_device *vdev, unsigned int index,
			    unsigned int vector)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	bool enabled;

	if (!rt || index >= vdev->nr_irqs || vector >= rt->irqs[index].count)
		return false;
	pthread_mutex_lock(&rt->lock);
	enabled = rt->irqs[index].vectors[vector].fd >= 0;
	pthread_mutex_unlock(&rt->lock);
	return enabled;
}

unsigned int umdev_vfio_unmask_watches(struct umdev_vfio_device *vdev,
				       struct umdev_vfio_unmask_watch *watches, unsigned int max)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	unsigned int n = 0;

	pthread_mutex_lock(&rt->lock);
	for (unsigned int i = 0; i < vdev->nr_irqs; i++)
		for (uint32_t v = 0; v < rt->irqs[i].count && n < max; v++)
			if (rt->irqs[i].vectors[v].unmask_fd >= 0)
				watches[n++] = (struct umdev_vfio_unmask_watch){
					rt->irqs[i].vectors[v].unmask_fd, i, v };
	pthread_mutex_unlock(&rt->lock);
	return n;
}

void umdev_vfio_unmask_fired(struct umdev_vfio_device *vdev,
			     const struct umdev_vfio_unmask_watch *w)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	struct vfio_irq *irq = &rt->irqs[w->index];
	uint64_t count;

	if (read(w->fd, &count, sizeof(count)) != sizeof(count))
		return; /* not ours to wait on: another reader took it */
	pthread_mutex_lock(&rt->lock);
	if (irq->vectors[w->vector].unmask_fd == w->fd)
		unmask(rt, w->index, irq, &irq->vectors[w->vector]);
	pthread_mutex_unlock(&rt->lock);
}
