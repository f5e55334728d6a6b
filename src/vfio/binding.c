// SPDX-License-Identifier: MIT
/*
 * Which device model each device has (umdev_device_set_vfio()): the core
 * knows nothing of VFIO, so the binding is kept here, where a frontend
 * finds it with umdev_device_vfio().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <umdev/bus.h>
#include <umdev/vfio.h>

#include "ptr_table.h"

/*
 * A binding names its device by address and serial, so a binding a driver
 * forgot never matches a later device at the same address.
 */
struct vfio_binding {
	struct ptr_node node; /* keyed by the device */
	uint64_t serial;
	struct umdev_vfio_device *vdev;
};
static pthread_mutex_t bindings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ptr_table bindings;

static int same_serial(const struct ptr_node *node, const void *serial)
{
	return container_of(node, struct vfio_binding, node)->serial == *(const uint64_t *)serial;
}

/* Under bindings_lock. */
static struct vfio_binding *find_binding(const struct umdev_device *mdev)
{
	uint64_t serial = umdev_device_serial(mdev);
	struct ptr_node *node = ptr_table_find(&bindings, mdev, same_serial, &serial);

	return node ? container_of(node, struct vfio_binding, node) : NULL;
}

/* Detaches @mdev's model; returns it, or NULL. */
static struct umdev_vfio_device *unbind_model(const struct umdev_device *mdev)
{
	struct umdev_vfio_device *vdev = NULL;
	struct vfio_binding *b;

	pthread_mutex_lock(&bindings_lock);
	b = find_binding(mdev);
	if (b) {
		vdev = b->vdev;
		ptr_table_remove(&bindings, &b->node);
	}
	pthread_mutex_unlock(&bindings_lock);
	free(b);
	return vdev;
}

int umdev_device_set_vfio(struct umdev_device *mdev, struct umdev_vfio_device *vdev)
{
	struct vfio_binding *b;
	int ret;

	unbind_model(mdev);
	if (!vdev)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->serial = umdev_device_serial(mdev);
	b->vdev = vdev;
	pthread_mutex_lock(&bindings_lock);
	ret = ptr_table_insert(&bindings, &b->node, mdev);
	pthread_mutex_unlock(&bindings_lock);
	if (ret)
		free(b);
	return ret;
}

struct umdev_vfio_device *umdev_device_vfio(const struct umdev_device *mdev)
{
	struct umdev_vfio_device *vdev = NULL;
	struct vfio_binding *b;

	pthread_mutex_lock(&bindings_lock);
	b = find_binding(mdev);
	if (b)
		vdev = b->vdev;
	pthread_mutex_unlock(&bindings_lock);
	return vdev;
}
