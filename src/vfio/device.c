// SPDX-License-Identifier: MIT
/*
 * A device model's state that outlives any one client: the IRQ vectors
 * and the DMA map table (both emptied when a client leaves), made when the
 * driver describes its device and freed at its remove.
 */
#include <errno.h>
#include <stdlib.h>

#include "private.h"

static bool page_aligned(uint64_t v)
{
	return (v & (UMDEV_VFIO_PAGE_SIZE - 1)) == 0;
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
	ret = vfio_irq_init(vdev);
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
	vfio_irq_fini(vdev);
	vfio_dma_clear(rt);
	pthread_cond_destroy(&rt->idle);
	pthread_mutex_destroy(&rt->lock);
	free(rt);
	vdev->rt = NULL;
}
