// SPDX-License-Identifier: MIT
/* The "vfutest" parent used by the vfio-user tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test_device.h"

static struct test_device *td_of(struct umdev_vfio_device *vdev)
{
	return container_of(vdev, struct test_device, vdev);
}

static ssize_t bar0_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 void *buf, size_t count)
{
	struct test_device *td = td_of(vdev);
	uint32_t val = 0;

	(void)index;
	pthread_mutex_lock(&td->lock);
	if (offset + count <= TD_SCRATCH_SIZE) {
		memcpy(buf, td->scratch + offset, count);
	} else {
		if (offset == TD_RESETS && count == 4)
			val = td->resets;
		if (offset == TD_DMA && count == 4)
			val = (uint32_t)td->last_dma;
		memset(buf, 0, count);
		memcpy(buf, &val, count < 4 ? count : 4);
	}
	pthread_mutex_unlock(&td->lock);
	return (ssize_t)count;
}

static ssize_t bar0_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			  const void *buf, size_t count)
{
	struct test_device *td = td_of(vdev);
	uint32_t val = 0;

	(void)index;
	if (offset + count <= TD_SCRATCH_SIZE) {
		pthread_mutex_lock(&td->lock);
		memcpy(td->scratch + offset, buf, count);
		pthread_mutex_unlock(&td->lock);
		return (ssize_t)count;
	}
	if (count != 4)
		return -EINVAL;
	memcpy(&val, buf, 4);
	if (offset == TD_IRQ) {
		int ret = umdev_vfio_irq_trigger(vdev, val >> 16, val & 0xffff);
		return ret < 0 ? ret : 4;
	}
	if (offset == TD_DMA) {
		uint32_t data;
		int ret = umdev_vfio_dma_read(vdev, val, &data, sizeof(data));

		pthread_mutex_lock(&td->lock);
		td->last_dma = ret;
		pthread_mutex_unlock(&td->lock);
		return 4;
	}
	if (offset == TD_INTX) {
		int ret = umdev_vfio_intx_set(vdev, val != 0);
		return ret < 0 ? ret : 4;
	}
	return 4; /* other registers ignore writes, as hardware does */
}

static ssize_t bar1_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 void *buf, size_t count)
{
	(void)index;
	return pread(td_of(vdev)->memfd, buf, count, (off_t)offset) == (ssize_t)count
	       ? (ssize_t)count : -EIO;
}

static ssize_t bar1_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			  const void *buf, size_t count)
{
	(void)index;
	return pwrite(td_of(vdev)->memfd, buf, count, (off_t)offset) == (ssize_t)count
	       ? (ssize_t)count : -EIO;
}

static ssize_t config_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			   void *buf, size_t count)
{
	struct test_device *td = td_of(vdev);

	(void)index;
	pthread_mutex_lock(&td->lock);
	memcpy(buf, td->config + offset, count);
	pthread_mutex_unlock(&td->lock);
	return (ssize_t)count;
}

static ssize_t config_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			    const void *buf, size_t count)
{
	struct test_device *td = td_of(vdev);

	(void)index;
	pthread_mutex_lock(&td->lock);
	memcpy(td->config + offset, buf, count);
	pthread_mutex_unlock(&td->lock);
	return (ssize_t)count;
}

static int td_reset(struct umdev_vfio_device *vdev)
{
	struct test_device *td = td_of(vdev);

	pthread_mutex_lock(&td->lock);
	memset(td->scratch, 0, sizeof(td->scratch));
	td->resets++;
	pthread_mutex_unlock(&td->lock);
	return 0;
}

static void td_client(struct umdev_vfio_device *vdev, bool connected)
{
	struct test_device *td = td_of(vdev);

	pthread_mutex_lock(&td->lock);
	if (connected)
		td->clients++;
	pthread_mutex_unlock(&td->lock);
}

static void td_dma_map(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size)
{
	struct test_device *td = td_of(vdev);

	(void)iova, (void)size;
	pthread_mutex_lock(&td->lock);
	td->maps++;
	pthread_mutex_unlock(&td->lock);
}

static void td_dma_unmap(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size)
{
	struct test_device *td = td_of(vdev);

	(void)iova, (void)size;
	pthread_mutex_lock(&td->lock);
	td->maps--;
	pthread_mutex_unlock(&td->lock);
}

static const struct umdev_vfio_ops td_ops = {
	.reset = td_reset,
	.client = td_client,
	.dma_map = td_dma_map,
	.dma_unmap = td_dma_unmap,
};

static const struct umdev_vfio_area bar1_areas[] = { { 0, 0x1000 } };

static int td_probe(struct umdev_device *mdev)
{
	struct test_device *td = calloc(1, sizeof(*td));
	int ret;

	if (!td)
		return -ENOMEM;
	td->memfd = memfd_create("vfutest-bar1", MFD_CLOEXEC);
	if (td->memfd < 0 || ftruncate(td->memfd, TD_BAR1_SIZE)) {
		ret = -errno;
		goto err;
	}
	pthread_mutex_init(&td->lock, NULL);
	for (unsigned int i = 0; i < 9; i++)
		td->regions[i].mmap_fd = -1;
	td->regions[0] = (struct umdev_vfio_region){
		.size = TD_BAR0_SIZE,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = bar0_read, .write = bar0_write, .mmap_fd = -1,
	};
	td->regions[1] = (struct umdev_vfio_region){
		.size = TD_BAR1_SIZE,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = bar1_read, .write = bar1_write,
		.mmap_fd = td->memfd, .areas = bar1_areas, .nr_areas = 1,
	};
	td->regions[7] = (struct umdev_vfio_region){
		.size = sizeof(td->config),
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = config_read, .write = config_write, .mmap_fd = -1,
	};
	td->config[0] = 0x34, td->config[1] = 0x12; /* vendor 0x1234 */
	td->config[2] = 0xef, td->config[3] = 0xbe; /* device 0xbeef */
	td->irqs[0] = (struct umdev_vfio_irq){ 1, UMDEV_VFIO_IRQ_MASKABLE | UMDEV_VFIO_IRQ_AUTOMASKED };
	td->irqs[1] = (struct umdev_vfio_irq){ 1, UMDEV_VFIO_IRQ_NORESIZE };
	td->irqs[2] = (struct umdev_vfio_irq){ TD_MSIX_COUNT, UMDEV_VFIO_IRQ_NORESIZE | UMDEV_VFIO_IRQ_MASKABLE };
	td->vdev = (struct umdev_vfio_device){
		.pci = true,
		.nr_regions = 9, .regions = td->regions,
		.nr_irqs = 5, .irqs = td->irqs,
		.ops = &td_ops,
	};
	ret = umdev_vfio_device_init(&td->vdev);
	if (ret)
		goto err;
	umdev_set_drvdata(mdev, td);
	umdev_device_set_vfio(mdev, &td->vdev);
	return 0;
err:
	if (td->memfd >= 0)
		close(td->memfd);
	free(td);
	return ret;
}

static void td_remove(struct umdev_device *mdev)
{
	struct test_device *td = umdev_get_drvdata(mdev);

	umdev_device_set_vfio(mdev, NULL);
	umdev_vfio_device_fini(&td->vdev);
	close(td->memfd);
	pthread_mutex_destroy(&td->lock);
	free(td);
}

static struct umdev_driver td_driver = {
	.name = "vfutest",
	.device_api = "vfio-pci",
	.max_instances = 8,
	.probe = td_probe,
	.remove = td_remove,
};

static struct {
	struct umdev_parent parent;
	struct umdev_type type;
	struct umdev_type *types[1];
} td_parent = { .type = { .sysfs_name = "basic" } };

struct umdev_type *test_parent_register(void)
{
	memset(&td_parent.parent, 0, sizeof(td_parent.parent));
	td_parent.types[0] = &td_parent.type;
	if (umdev_register_parent(&td_parent.parent, "vfutest", &td_driver, td_parent.types, 1))
		return NULL;
	return &td_parent.type;
}

void test_parent_unregister(void)
{
	umdev_unregister_parent(&td_parent.parent);
}

struct test_device *test_device_of(struct umdev_device *mdev)
{
	return umdev_get_drvdata(mdev);
}
