// SPDX-License-Identifier: MIT
/*
 * A device's vfio-user state that outlives any one client: the IRQ
 * vectors and the DMA map table (both emptied when a client leaves), and
 * the driver-facing DMA calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

static bool page_aligned(uint64_t v)
{
	return (v & (VFIO_USER_DEF_PGSIZE - 1)) == 0;
}

static int check_region(const struct umdev_vfio_region *r)
{
	if (!r->size)
		return 0;
	if (r->flags & ~(UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE | UMDEV_VFIO_REGION_MMAP))
		return -EINVAL;
	if (((r->flags & UMDEV_VFIO_REGION_READ) && !r->read) ||
	    ((r->flags & UMDEV_VFIO_REGION_WRITE) && !r->write))
		return -EINVAL;
	if (r->mmap_fd < 0)
		return r->nr_areas ? -EINVAL : 0;
	if (!page_aligned(r->mmap_offset) || r->mmap_offset + r->size < r->mmap_offset)
		return -EINVAL;
	for (unsigned int i = 0; i < r->nr_areas; i++) {
		const struct umdev_vfio_area *a = &r->areas[i];

		if (!page_aligned(a->offset) || !page_aligned(a->size) || !a->size ||
		    a->offset > r->size || a->size > r->size - a->offset)
			return -EINVAL;
	}
	return 0;
}

int umdev_vfio_device_init(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt;
	int ret;

	if (vdev->nr_regions > 100 || vdev->nr_irqs > 50 ||
	    (vdev->nr_regions && !vdev->regions) || (vdev->nr_irqs && !vdev->irqs))
		return -EINVAL;
	if (vdev->pci && (vdev->nr_regions < UMDEV_VFIO_PCI_NUM_REGIONS - 1 ||
			  vdev->nr_irqs < UMDEV_VFIO_PCI_ERR_IRQ))
		return -EINVAL; /* QEMU needs regions 0-7 and IRQs 0-2 */
	for (unsigned int i = 0; i < vdev->nr_regions; i++) {
		ret = check_region(&vdev->regions[i]);
		if (ret)
			return ret;
	}

	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return -ENOMEM;
	pthread_mutex_init(&rt->lock, NULL);
	pthread_cond_init(&rt->idle, NULL);
	vdev->rt = rt;
	ret = vfu_irq_init(vdev);
	if (ret) {
		umdev_vfio_device_fini(vdev);
		return ret;
	}
	return 0;
}

void umdev_vfio_device_fini(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	if (!rt)
		return;
	vfu_irq_fini(vdev);
	vfu_dma_clear(rt);
	pthread_cond_destroy(&rt->idle);
	pthread_mutex_destroy(&rt->lock);
	free(rt);
	vdev->rt = NULL;
}

static int copy_fd(struct vfu_dma_map *map, uint64_t iova, void *buf, size_t len, bool write)
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
	uint32_t need = write ? VFIO_USER_DMA_MAP_F_WRITE : VFIO_USER_DMA_MAP_F_READ;
	int ret = 0;

	if (!rt)
		return -EINVAL;
	if (iova + len < iova)
		return -EFAULT;

	pthread_mutex_lock(&rt->lock);
	while (len && !ret) {
		struct vfu_dma_map *map = vfu_dma_find(rt, iova);
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
			struct vfu_conn *conn = rt->conn;

			if (!conn) {
				ret = -ENOTCONN;
				break;
			}
			/* a client is only set while its thread runs */
			if (pthread_equal(pthread_self(), rt->server_thread)) {
				ret = -EDEADLK;
				break;
			}
			rt->conn_users++;
			pthread_mutex_unlock(&rt->lock);
			ret = vfu_conn_dma(conn, write, iova, buf, chunk);
			pthread_mutex_lock(&rt->lock);
			if (--rt->conn_users == 0)
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
