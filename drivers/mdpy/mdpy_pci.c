// SPDX-License-Identifier: MIT
/*
 * The mdpy PCI function: config space with the sample's identity and its
 * read-only framebuffer description, and the framebuffer BAR (shared
 * memory, mapped by the VMM; reads and writes by message reach the same
 * memory). The display always shows the framebuffer from its first byte.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/pci.h>
#include <umdev/vfio.h>

#include "mdpy_pci.h"

#define MDPY_VENDOR 0x1b36 /* Red Hat, as the kernel sample */
#define MDPY_DEVICE 0x000f
#define MDPY_SUBVENDOR 0x1af4
#define MDPY_SUBDEVICE 0x1100
#define MDPY_CAP_ID_VENDOR 0x09

struct mdpy_model {
	struct umdev_device *mdev;
	struct umdev_display *display;
	struct umdev_vfio_device vdev;
	struct umdev_vfio_region regions[UMDEV_VFIO_PCI_NUM_REGIONS];
	struct umdev_vfio_irq irqs[UMDEV_VFIO_PCI_NUM_IRQS];
	struct umdev_vfio_area fb_area;

	pthread_mutex_t lock; /* cfg */
	struct umdev_pci_config cfg;
};

static struct mdpy_model *model_of(struct umdev_vfio_device *vdev)
{
	return container_of(vdev, struct mdpy_model, vdev);
}

static ssize_t fb_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
		       void *buf, size_t count)
{
	(void)index; /* the frontend checked offset + count against the BAR's size */
	memcpy(buf, umdev_display_vram(model_of(vdev)->display) + offset, count);
	return (ssize_t)count;
}

static ssize_t fb_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			const void *buf, size_t count)
{
	(void)index;
	memcpy(umdev_display_vram(model_of(vdev)->display) + offset, buf, count);
	return (ssize_t)count;
}

static ssize_t config_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			   void *buf, size_t count)
{
	struct mdpy_model *m = model_of(vdev);
	ssize_t ret;

	(void)index;
	pthread_mutex_lock(&m->lock);
	ret = umdev_pci_config_read(&m->cfg, offset, buf, count);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static ssize_t config_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			    const void *buf, size_t count)
{
	struct mdpy_model *m = model_of(vdev);
	ssize_t ret;

	(void)index;
	pthread_mutex_lock(&m->lock);
	ret = umdev_pci_config_write(&m->cfg, offset, buf, count);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int model_reset(struct umdev_vfio_device *vdev)
{
	struct mdpy_model *m = model_of(vdev);

	pthread_mutex_lock(&m->lock);
	umdev_pci_config_reset(&m->cfg);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static const struct umdev_vfio_ops mdpy_vfio_ops = {
	.reset = model_reset,
};

/* The framebuffer BAR: the picture rounded up to a power of two, as the sample sizes it. */
static uint64_t bar_size(uint32_t width, uint32_t height)
{
	uint64_t need = (uint64_t)width * height * 4, size = 4096;

	while (size < need)
		size <<= 1;
	return size;
}

static int build_config(struct mdpy_model *m, uint64_t fb_size, uint32_t format, uint32_t width,
			uint32_t height)
{
	static const struct umdev_pci_id id = {
		.vendor = MDPY_VENDOR, .device = MDPY_DEVICE,
		.subsystem_vendor = MDPY_SUBVENDOR, .subsystem = MDPY_SUBDEVICE,
		.revision = 0x01,
		.class_code = 0x038000, /* display controller, other */
	};

	umdev_pci_config_init(&m->cfg, &id, false, 0 /* no interrupt */);
	if (umdev_pci_set_bar(&m->cfg, 0, fb_size, UMDEV_PCI_BAR_MEM32, true) ||
	    umdev_pci_add_cap(&m->cfg, MDPY_CAP_ID_VENDOR, MDPY_VENDORCAP_SIZE) != MDPY_VENDORCAP_OFFSET)
		return -EINVAL;
	m->cfg.data[MDPY_VENDORCAP_OFFSET + 2] = MDPY_VENDORCAP_SIZE; /* a vendor capability's length */
	umdev_pci_set32(&m->cfg, MDPY_FORMAT_OFFSET, format);
	umdev_pci_set32(&m->cfg, MDPY_WIDTH_OFFSET, width);
	umdev_pci_set32(&m->cfg, MDPY_HEIGHT_OFFSET, height);
	return 0;
}

static void build_vfio(struct mdpy_model *m, uint64_t fb_size)
{
	for (unsigned int i = 0; i < UMDEV_VFIO_PCI_NUM_REGIONS; i++)
		m->regions[i].mmap_fd = -1;
	m->fb_area = (struct umdev_vfio_area){ .offset = 0, .size = fb_size };
	m->regions[0] = (struct umdev_vfio_region){
		.size = fb_size,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = fb_read, .write = fb_write,
		.mmap_fd = umdev_display_fd(m->display), .mmap_offset = 0,
		.areas = &m->fb_area, .nr_areas = 1,
	};
	m->regions[UMDEV_VFIO_PCI_CONFIG_REGION] = (struct umdev_vfio_region){
		.size = UMDEV_PCI_CONFIG_SIZE,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = config_read, .write = config_write, .mmap_fd = -1,
	};
	/* no interrupt of its own; the error and request IRQs a VMM expects of a vfio-pci device */
	m->irqs[UMDEV_VFIO_PCI_ERR_IRQ] = (struct umdev_vfio_irq){ 1, 0 };
	m->irqs[UMDEV_VFIO_PCI_REQ_IRQ] = (struct umdev_vfio_irq){ 1, 0 };
	m->vdev = (struct umdev_vfio_device){
		.pci = true,
		.nr_regions = UMDEV_VFIO_PCI_NUM_REGIONS, .regions = m->regions,
		.nr_irqs = UMDEV_VFIO_PCI_NUM_IRQS, .irqs = m->irqs,
		.ops = &mdpy_vfio_ops,
	};
}

int mdpy_model_create(struct umdev_device *mdev, uint32_t format, uint32_t width, uint32_t height,
		      const struct umdev_display_config *config, struct mdpy_model **out)
{
	const struct umdev_display_mode mode = {
		.enabled = true, .format = UMDEV_DISPLAY_XRGB8888,
		.width = width, .height = height, .stride = width * 4,
	};
	uint64_t fb_size = bar_size(width, height);
	struct mdpy_model *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	m->mdev = mdev;
	pthread_mutex_init(&m->lock, NULL);
	ret = build_config(m, fb_size, format, width, height);
	if (ret)
		goto err_free;
	ret = umdev_display_create(umdev_device_name(mdev), fb_size, config, &m->display);
	if (ret)
		goto err_free;
	ret = umdev_display_set_mode(m->display, &mode);
	if (ret)
		goto err_display;
	build_vfio(m, fb_size);
	ret = umdev_vfio_device_init(&m->vdev);
	if (ret)
		goto err_display;
	umdev_device_set_vfio(mdev, &m->vdev);
	*out = m;
	return 0;

err_display:
	umdev_display_destroy(m->display);
err_free:
	pthread_mutex_destroy(&m->lock);
	free(m);
	return ret;
}

void mdpy_model_destroy(struct mdpy_model *m)
{
	umdev_device_set_vfio(m->mdev, NULL);
	umdev_vfio_device_fini(&m->vdev);
	umdev_display_destroy(m->display);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct umdev_display *mdpy_model_display(struct mdpy_model *m)
{
	return m->display;
}
