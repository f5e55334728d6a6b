// SPDX-License-Identifier: MIT
/*
 * The DMA map table: guest memory ranges the client made reachable, and
 * the driver told of each map and unmap (as the kernel's type1 IOMMU
 * backend and its notifier). Reading and writing through the table is
 * dma_rw.c's.
 *
 * A range with an fd is mapped into the daemon only when the fd is a file
 * sealed against shrinking (QEMU's memory-backend-memfd seals by default):
 * a client that truncates an unsealed file under a mapping would make the
 * next access raise SIGBUS in the daemon. Unsealed fds are reached with
 * pread/pwrite instead, which fail cleanly. Ranges without an fd are
 * served by the client itself, through the frontend (dma_rw.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/* Index of the first map whose end lies above @iova. */
static size_t lower_bound(struct umdev_vfio_runtime *rt, uint64_t iova)
{
	size_t lo = 0, hi = rt->nr_maps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vfio_dma_map *m = &rt->maps[mid];

		if (m->iova + m->size <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct vfio_dma_map *vfio_dma_find(struct umdev_vfio_runtime *rt, uint64_t iova)
{
	size_t i = lower_bound(rt, iova);

	if (i < rt->nr_maps && rt->maps[i].iova <= iova)
		return &rt->maps[i];
	return NULL;
}

static int check_fd(int fd, uint64_t offset, uint64_t size, bool *sealed)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* only files have a size we can check */
	if (offset + size > (uint64_t)st.st_size)
		return -EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	*sealed = seals >= 0 && (seals & F_SEAL_SHRINK);
	return 0;
}

/* Under rt->lock. */
static int add(struct umdev_vfio_runtime *rt, uint64_t iova, uint64_t size, uint32_t prot,
	       int fd, uint64_t offset)
{
	struct vfio_dma_map map = {
		.iova = iova,
		.size = size,
		.prot = prot,
		.fd = -1,
		.offset = offset,
	};
	size_t i = lower_bound(rt, iova);
	bool sealed = false;
	int ret;

	if (i < rt->nr_maps && rt->maps[i].iova < iova + size)
		return -EEXIST;
	if (rt->nr_maps >= UMDEV_VFIO_MAX_DMA_MAPS)
		return -ENOSPC;
	if (fd >= 0) {
		ret = check_fd(fd, offset, size, &sealed);
		if (ret)
			return ret;
		if (sealed) {
			int mprot = ((prot & UMDEV_VFIO_DMA_READ) ? PROT_READ : 0) |
				    ((prot & UMDEV_VFIO_DMA_WRITE) ? PROT_WRITE : 0);

			map.addr = mmap(NULL, size, mprot ? mprot : PROT_NONE, MAP_SHARED, fd,
					(off_t)offset);
			if (map.addr == MAP_FAILED)
				return -errno;
		}
	}
	if (rt->nr_maps == rt->cap_maps) {
		size_t cap = rt->cap_maps ? rt->cap_maps * 2 : 16;
		void *grown = reallocarray(rt->maps, cap, sizeof(*rt->maps));

		if (!grown) {
			if (map.addr)
				munmap(map.addr, map.size);
			return -ENOMEM;
		}
		rt->maps = grown;
		rt->cap_maps = cap;
	}
	map.fd = fd;
	memmove(&rt->maps[i + 1], &rt->maps[i], (rt->nr_maps - i) * sizeof(*rt->maps));
	rt->maps[i] = map;
	rt->nr_maps++;
	return 0;
}

static void release(struct vfio_dma_map *map)
{
	if (map->addr)
		munmap(map->addr, map->size);
	if (map->fd >= 0)
		close(map->fd);
}

/* Under rt->lock: the index of the map of exactly @iova and @size, or -ENOENT. */
static ssize_t find_exact(struct umdev_vfio_runtime *rt, uint64_t iova, uint64_t size)
{
	size_t i = lower_bound(rt, iova);

	if (i >= rt->nr_maps || rt->maps[i].iova != iova || rt->maps[i].size != size)
		return -ENOENT;
	return (ssize_t)i;
}

/* Under rt->lock. */
static void remove_exact(struct umdev_vfio_runtime *rt, uint64_t iova, uint64_t size)
{
	ssize_t i = find_exact(rt, iova, size);

	if (i < 0)
		return;
	release(&rt->maps[i]);
	memmove(&rt->maps[i], &rt->maps[i + 1], (rt->nr_maps - (size_t)i - 1) * sizeof(*rt->maps));
	rt->nr_maps--;
}

void vfio_dma_clear(struct umdev_vfio_runtime *rt)
{
	for (size_t i = 0; i < rt->nr_maps; i++)
		release(&rt->maps[i]);
	free(rt->maps);
	rt->maps = NULL;
	rt->nr_maps = rt->cap_maps = 0;
}

int umdev_vfio_dma_map(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size,
		       uint32_t prot, int fd, uint64_t offset)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	int ret;

	pthread_mutex_lock(&rt->lock);
	ret = add(rt, iova, size, prot, fd, offset);
	pthread_mutex_unlock(&rt->lock);
	if (ret)
		return ret;
	if (vdev->ops && vdev->ops->dma_map)
		vdev->ops->dma_map(vdev, iova, size);
	return 0;
}

static void unmap_one(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size)
{
	/* the driver stops using the range before it goes, as the kernel's notifier */
	if (vdev->ops && vdev->ops->dma_unmap)
		vdev->ops->dma_unmap(vdev, iova, size);
	pthread_mutex_lock(&vdev->rt->lock);
	remove_exact(vdev->rt, iova, size);
	pthread_mutex_unlock(&vdev->rt->lock);
}

int umdev_vfio_dma_unmap(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size)
{
	struct umdev_vfio_runtime *rt = vdev->rt;
	bool found;

	pthread_mutex_lock(&rt->lock);
	found = find_exact(rt, iova, size) >= 0;
	pthread_mutex_unlock(&rt->lock);
	if (!found)
		return -ENOENT;
	unmap_one(vdev, iova, size);
	return 0;
}

void umdev_vfio_dma_unmap_all(struct umdev_vfio_device *vdev)
{
	struct umdev_vfio_runtime *rt = vdev->rt;

	for (;;) {
		uint64_t iova, size;

		pthread_mutex_lock(&rt->lock);
		if (!rt->nr_maps) {
			pthread_mutex_unlock(&rt->lock);
			break;
		}
		iova = rt->maps[0].iova;
		size = rt->maps[0].size;
		pthread_mutex_unlock(&rt->lock);
		unmap_one(vdev, iova, size);
	}
}
