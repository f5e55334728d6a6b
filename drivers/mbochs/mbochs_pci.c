// SPDX-License-Identifier: MIT
/*
 * The mbochs PCI function: config space, the video memory BAR (shared
 * memory, mapped by the VMM), the register BAR (mbochs_regs.c) and the
 * link from the registers to the display's scanout.
 *
 * A register write the model refuses changes nothing and is logged (the
 * first few per device: a guest must not fill the log); the access itself
 * completes, as a bus write to a real device does.
 *
 * Lock order: model->lock, then the display's lock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/pci.h>
#include <umdev/vfio.h>

#include "mbochs_pci.h"
#include "mbochs_regs.h"

#define MBOCHS_VENDOR 0x1234 /* QEMU's stdvga / bochs display */
#define MBOCHS_DEVICE 0x1111
#define MBOCHS_SUBVENDOR 0x1af4 /* Red Hat, as QEMU's own */
#define MBOCHS_SUBDEVICE 0x1100
#define MBOCHS_VRAM_BAR 0
#define MBOCHS_MMIO_BAR 2
#define MBOCHS_MAX_LOGGED_REFUSALS 16

struct mbochs_model {
	struct umdev_device *mdev;
	struct umdev_display *display;
	struct umdev_vfio_device vdev;
	struct umdev_vfio_region regions[UMDEV_VFIO_PCI_NUM_REGIONS];
	struct umdev_vfio_irq irqs[UMDEV_VFIO_PCI_NUM_IRQS];
	struct umdev_vfio_area vram_area;

	pthread_mutex_t lock; /* cfg, regs, refusals */
	struct umdev_pci_config cfg;
	struct mbochs_regs regs;
	unsigned int refusals;
};

static struct mbochs_model *model_of(struct umdev_vfio_device *vdev)
{
	return container_of(vdev, struct mbochs_model, vdev);
}

/* The registers changed: clear the screen if an enable asked, show the new scanout. */
static void update_display(struct mbochs_model *m)
{
	struct umdev_display_mode mode;

	if (m->regs.clear_vram) {
		memset(umdev_display_vram(m->display), 0, umdev_display_vram_size(m->display));
		m->regs.clear_vram = false;
	}
	if (m->regs.palette_changed) {
		for (unsigned int i = 0; i < 256; i++)
			umdev_display_set_palette(m->display, (uint8_t)i, mbochs_regs_palette(&m->regs, i));
		m->regs.palette_changed = false;
	}
	mbochs_regs_mode(&m->regs, &mode);
	umdev_display_set_mode(m->display, &mode); /* checked by mbochs_regs_mode: cannot fail */
}

static ssize_t vram_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 void *buf, size_t count)
{
	(void)index; /* the frontend checked offset + count against the BAR's size */
	memcpy(buf, umdev_display_vram(model_of(vdev)->display) + offset, count);
	return (ssize_t)count;
}

static ssize_t vram_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			  const void *buf, size_t count)
{
	(void)index;
	memcpy(umdev_display_vram(model_of(vdev)->display) + offset, buf, count);
	return (ssize_t)count;
}

static ssize_t mmio_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 void *buf, size_t count)
{
	struct mbochs_model *m = model_of(vdev);

	(void)index;
	pthread_mutex_lock(&m->lock);
	mbochs_regs_read(&m->regs, (uint32_t)offset, buf, count);
	pthread_mutex_unlock(&m->lock);
	return (ssize_t)count;
}

static ssize_t mmio_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			  const void *buf, size_t count)
{
	struct mbochs_model *m = model_of(vdev);
	char why[128];

	(void)index;
	pthread_mutex_lock(&m->lock);
	if (mbochs_regs_write(&m->regs, (uint32_t)offset, buf, count, why, sizeof(why))) {
		if (m->refusals < MBOCHS_MAX_LOGGED_REFUSALS)
			fprintf(stderr, "mbochs %s: refused a write at BAR2 %#llx: %s%s\n",
				umdev_device_name(m->mdev), (unsigned long long)offset, why,
				m->refusals + 1 == MBOCHS_MAX_LOGGED_REFUSALS
					? " (further refusals not logged)" : "");
		m->refusals++;
	}
	update_display(m);
	pthread_mutex_unlock(&m->lock);
	return (ssize_t)count;
}

static ssize_t config_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			   void *buf, size_t count)
{
	struct mbochs_model *m = model_of(vdev);
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
	struct mbochs_model *m = model_of(vdev);
	ssize_t ret;

	(void)index;
	pthread_mutex_lock(&m->lock);
	ret = umdev_pci_config_write(&m->cfg, offset, buf, count);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int model_reset(struct umdev_vfio_device *vdev)
{
	struct mbochs_model *m = model_of(vdev);

	pthread_mutex_lock(&m->lock);
	mbochs_regs_reset(&m->regs);
	umdev_pci_config_reset(&m->cfg);
	update_display(m);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static const struct umdev_vfio_ops mbochs_vfio_ops = {
	.reset = model_reset,
};

static int build_config(struct mbochs_model *m, uint64_t vram_size)
{
	static const struct umdev_pci_id id = {
		.vendor = MBOCHS_VENDOR, .device = MBOCHS_DEVICE,
		.subsystem_vendor = MBOCHS_SUBVENDOR, .subsystem = MBOCHS_SUBDEVICE,
		.revision = 0x02,
		.class_code = 0x038000, /* display controller, other: no legacy VGA */
	};

	umdev_pci_config_init(&m->cfg, &id, false, 0 /* no interrupt */);
	if (umdev_pci_set_bar(&m->cfg, MBOCHS_VRAM_BAR, vram_size, UMDEV_PCI_BAR_MEM32, true) ||
	    umdev_pci_set_bar(&m->cfg, MBOCHS_MMIO_BAR, MBOCHS_MMIO_SIZE, UMDEV_PCI_BAR_MEM32, false))
		return -EINVAL; /* video memory must be a power of two up to 2 GB */
	return 0;
}

static void build_vfio(struct mbochs_model *m, uint64_t vram_size)
{
	for (unsigned int i = 0; i < UMDEV_VFIO_PCI_NUM_REGIONS; i++)
		m->regions[i].mmap_fd = -1;
	/* the whole BAR is mappable: a sparse-mmap capability with one area */
	m->vram_area = (struct umdev_vfio_area){ .offset = 0, .size = vram_size };
	m->regions[MBOCHS_VRAM_BAR] = (struct umdev_vfio_region){
		.size = vram_size,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = vram_read, .write = vram_write,
		.mmap_fd = umdev_display_fd(m->display), .mmap_offset = 0,
		.areas = &m->vram_area, .nr_areas = 1,
	};
	m->regions[MBOCHS_MMIO_BAR] = (struct umdev_vfio_region){
		.size = MBOCHS_MMIO_SIZE,
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = mmio_read, .write = mmio_write, .mmap_fd = -1,
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
		.ops = &mbochs_vfio_ops,
	};
}

int mbochs_model_create(struct umdev_device *mdev, uint64_t vram_size, uint32_t max_x,
			uint32_t max_y, const struct umdev_display_config *config,
			struct mbochs_model **out)
{
	uint8_t edid[UMDEV_DISPLAY_EDID_SIZE];
	struct mbochs_model *m;
	int ret;

	if (umdev_display_edid(edid, max_x, max_y, "umdev mbochs"))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->mdev = mdev;
	pthread_mutex_init(&m->lock, NULL);
	mbochs_regs_init(&m->regs, vram_size, max_x, max_y, edid);
	ret = build_config(m, vram_size);
	if (ret)
		goto err_free;
	ret = umdev_display_create(umdev_device_name(mdev), vram_size, config, &m->display);
	if (ret)
		goto err_free;
	build_vfio(m, vram_size);
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

void mbochs_model_destroy(struct mbochs_model *m)
{
	umdev_device_set_vfio(m->mdev, NULL);
	umdev_vfio_device_fini(&m->vdev);
	umdev_display_destroy(m->display);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct umdev_display *mbochs_model_display(struct mbochs_model *m)
{
	return m->display;
}
