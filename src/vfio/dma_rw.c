// SPDX-License-Identifier: MIT
/*
 * The driver's reads and writes of guest memory (umdev_vfio_dma_read/
 * write()), through the DMA map table (dma.c): a mapped file directly or
 * with pread/pwrite, a range without an fd through the connected client,
 * which the frontend attaches with its way of asking (the kernel's
 * vfio_dma_rw() through the IOMMU backend).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

void umdev_vfio_client_attach(struct umdev_vfio_device *vdev,
			      const struct umdev_vfio_client_ops *ops, void *client)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	pthread_mutex_lock(&rt->lock);
	rt->client_ops = ops;
	rt->client = client;
	rt->server_thread = pthread_self();
	pthread_mutex_unlock(&rt->lock);
}

void umdev_vfio_client_detach(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	const struct umdev_vfio_client_ops *ops;
	void *client;

	pthread_mutex_lock(&rt->lock);
	ops = rt->client_ops;
	client = rt->client;
	rt->client_ops = NULL;
	rt->client = NULL;
	pthread_mutex_unlock(&rt->lock);
	if (!ops)
		return;
	ops->cancel(client); /* wakes the transfers waiting for it */
	pthread_mutex_lock(&rt->lock);
	while (rt->client_users)
		pthread_cond_wait(&rt->idle, &rt->lock);
	pthread_mutex_unlock(&rt->lock);
}

static int copy_fd(struct vfio_dma_map *map, uint64_t iova, void *buf, size_t len, bool write)
{
	off_t pos = (off_t)(map->offset + (iova - map->iova));

	while (len) {
		ssize_t n = write ? pwrite(map->fd, buf, len, pos) : pread(map->fd, buf, len, pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EFAULT; /* the client shrank its file */
		buf = (char *)buf + n;
		pos += n;
		len -= (size_t)n;
	}
	return 0;
}

static int dma_access(struct umdev_vfio_device *vdev, uint64_t iova, void *buf, size_t len,
		      bool write)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	uint32_t need = write ? UMDEV_VFIO_DMA_WRITE : UMDEV_VFIO_DMA_READ;
	int ret = 0;

	if (!rt)
		return -EINVAL;
	if (iova + len < iova)
		return -EFAULT;

	pthread_mutex_lock(&rt->lock);
	while (len && !ret) {
		struct vfio_dma_map *map = vfio_dma_find(rt, iova);
		size_t chunk;

		if (!map || !(map->prot & need)) {
			ret = -EFAULT;
			break;
		}
		chunk = map->iova + map->size - iova < len ? (size_t)(map->iova + map->size - iova) : len;
		if (map->addr) {
			char *host = (char *)map->addr + (iova - map->iova);

			if (write)
				memcpy(host, buf, chunk);
			else
				memcpy(buf, host, chunk);
		} else if (map->fd >= 0) {
			ret = copy_fd(map, iova, buf, chunk, write);
		} else {
			const struct umdev_vfio_client_ops *ops = rt->client_ops;
			void *client = rt->client;

			if (!ops) {
				ret = -ENOTCONN;
				break;
			}
			/* that thread waits for us: it cannot also read the client's answer */
			if (pthread_equal(pthread_self(), rt->server_thread)) {
				ret = -EDEADLK;
				break;
			}
			rt->client_users++;
			pthread_mutex_unlock(&rt->lock);
			ret = ops->dma_rw(client, write, iova, buf, chunk);
			pthread_mutex_lock(&rt->lock);
			if (--rt->client_users == 0)
				pthread_cond_broadcast(&rt->idle);
		}
		iova += chunk;
		buf = (char *)buf + chunk;
		len -= chunk;
	}
	pthread_mutex_unlock(&rt->lock);
	return ret;
}

int umdev_vfio_dma_read(struct umdev_vfio_device *vdev, uint64_t iova, void *buf, size_t len)
{
	return dma_access(vdev, iova, buf, len, false);
}

int umdev_vfio_dma_write(struct umdev_vfio_device *vdev, uint64_t iova, const void *buf,
			 size_t len)
{
	return dma_access(vdev, iova, (void *)buf, len, true);
}
