/* SPDX-License-Identifier: MIT */
/*
 * umdev: what a virtual machine sees of a mediated device.
 *
 * A driver's probe describes the device in a struct umdev_vfio_device:
 * its regions (size, access, read/write handlers, an optional fd the
 * client may mmap), its interrupts and its reset and DMA callbacks. It
 * calls umdev_vfio_device_init() and attaches it with
 * umdev_device_set_vfio(); the vfio-user frontend then serves it from the
 * BOUND event to the UNBINDING event. The driver raises interrupts and
 * reaches guest memory through the calls below and never sees the wire.
 *
 * This is the user-space counterpart of the kernel's vfio_device_ops
 * (read/write/mmap/ioctl) for an mdev driver.
 */
#ifndef UMDEV_VFIO_H
#define UMDEV_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <umdev/mdev.h>

#ifdef __cplusplus
extern "C" {
#endif

struct umdev_vfio_device;

/* A PCI device's region and IRQ indexes, as VFIO numbers them (VFIO_PCI_*_INDEX). */
enum {
	UMDEV_VFIO_PCI_BAR0_REGION = 0,
	UMDEV_VFIO_PCI_BAR5_REGION = 5,
	UMDEV_VFIO_PCI_ROM_REGION = 6,
	UMDEV_VFIO_PCI_CONFIG_REGION = 7,
	UMDEV_VFIO_PCI_VGA_REGION = 8,
	UMDEV_VFIO_PCI_NUM_REGIONS = 9,
};

enum {
	UMDEV_VFIO_PCI_INTX_IRQ = 0,
	UMDEV_VFIO_PCI_MSI_IRQ = 1,
	UMDEV_VFIO_PCI_MSIX_IRQ = 2,
	UMDEV_VFIO_PCI_ERR_IRQ = 3,
	UMDEV_VFIO_PCI_REQ_IRQ = 4,
	UMDEV_VFIO_PCI_NUM_IRQS = 5,
};

/* Region flags, the same bits as VFIO_REGION_INFO_FLAG_*. */
#define UMDEV_VFIO_REGION_READ 0x1u
#define UMDEV_VFIO_REGION_WRITE 0x2u
#define UMDEV_VFIO_REGION_MMAP 0x4u /* set by the frontend when mmap_fd >= 0 */

/* A part of a region the client may map from the region's fd. */
struct umdev_vfio_area {
	uint64_t offset; /* within the region, page aligned */
	uint64_t size;	 /* page multiple */
};

/**
 * struct umdev_vfio_region - one region (a PCI BAR, config space, ...).
 * @size: bytes; 0 for an index the device does not implement.
 * @flags: UMDEV_VFIO_REGION_READ and/or _WRITE.
 * @read: handles a read of @count bytes at @offset (the frontend has
 *        checked that the access lies inside the region); returns @count
 *        or a negative errno, which reaches the client.
 * @write: the same for a write.
 * @mmap_fd: an fd holding the region's memory the client may map, or -1.
 *           The device keeps it open until its remove.
 * @mmap_offset: where the region starts in @mmap_fd (page aligned).
 * @areas: the mappable parts (a sparse-mmap capability); NULL with a
 *         valid @mmap_fd means the whole region.
 * @nr_areas: entries in @areas.
 */
struct umdev_vfio_region {
	uint64_t size;
	uint32_t flags;
	ssize_t (*read)(struct umdev_vfio_device *vdev, unsigned int index,
			uint64_t offset, void *buf, size_t count);
	ssize_t (*write)(struct umdev_vfio_device *vdev, unsigned int index,
			 uint64_t offset, const void *buf, size_t count);
	int mmap_fd;
	uint64_t mmap_offset;
	const struct umdev_vfio_area *areas;
	unsigned int nr_areas;
};

/* IRQ flags, the same bits as VFIO_IRQ_INFO_*. INTx (index 0) of a PCI
 * device is MASKABLE | AUTOMASKED: the frontend masks it when it fires and
 * fires it again on unmask while the driver keeps the line asserted. */
#define UMDEV_VFIO_IRQ_MASKABLE 0x2u
#define UMDEV_VFIO_IRQ_AUTOMASKED 0x4u
#define UMDEV_VFIO_IRQ_NORESIZE 0x8u

struct umdev_vfio_irq {
	uint32_t count; /* vectors; 0 for an index the device lacks */
	uint32_t flags;
};

/**
 * struct umdev_vfio_ops - optional callbacks, run in the device's server
 * thread (never concurrently with each other or the region handlers).
 * @reset: DEVICE_RESET; returns 0 or a negative errno. When absent the
 *         device does not advertise reset.
 * @irqs_changed: the client (de)configured vectors of IRQ @index (e.g. the
 *                guest enabled MSI); umdev_vfio_irq_enabled() tells which.
 * @dma_map: a new guest memory range is reachable.
 * @dma_unmap: a range goes away; after this returns, DMA to it fails.
 * @client: a client connected (true) or went away (false).
 */
struct umdev_vfio_ops {
	int (*reset)(struct umdev_vfio_device *vdev);
	void (*irqs_changed)(struct umdev_vfio_device *vdev, unsigned int index);
	void (*dma_map)(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size);
	void (*dma_unmap)(struct umdev_vfio_device *vdev, uint64_t iova, uint64_t size);
	void (*client)(struct umdev_vfio_device *vdev, bool connected);
};

struct umdev_vfio_runtime; /* the device model's per-device state */

/**
 * struct umdev_vfio_device - a device as a VM sees it.
 * @pci: a PCI device (config space at region 7, BARs at 0-5, INTx/MSI/MSI-X
 *       at IRQ indexes 0-2); QEMU's vfio-user-pci needs it.
 * @nr_regions, @regions: the region table, indexed as VFIO does.
 * @nr_irqs, @irqs: the IRQ table.
 * @ops: callbacks, or NULL.
 * @priv: the driver's own pointer.
 *
 * Embed it in the driver's device state; reach that with container_of or
 * @priv. The tables must stay valid until umdev_vfio_device_fini().
 */
struct umdev_vfio_device {
	bool pci;
	unsigned int nr_regions;
	struct umdev_vfio_region *regions;
	unsigned int nr_irqs;
	struct umdev_vfio_irq *irqs;
	const struct umdev_vfio_ops *ops;
	void *priv;

	/* private to the device model's library */
	struct umdev_vfio_runtime *rt;
};

/*
 * Prepare the interrupt and DMA state; call in probe after filling the
 * tables. Returns 0, -EINVAL for an inconsistent description (a mappable
 * area outside its region, a readable region without a handler, ...) or
 * -ENOMEM.
 */
int umdev_vfio_device_init(struct umdev_vfio_device *vdev);
/* Release it in remove, after the device stopped being served. */
void umdev_vfio_device_fini(struct umdev_vfio_device *vdev);

/*
 * Attach the device model in probe, after umdev_vfio_device_init(); the
 * vfio-user frontend serves it from the BOUND event to the UNBINDING
 * event. Detach it with NULL in remove. Returns 0 or -ENOMEM.
 */
int umdev_device_set_vfio(struct umdev_device *mdev, struct umdev_vfio_device *vdev);
/* The model attached to @mdev, or NULL. */
struct umdev_vfio_device *umdev_device_vfio(const struct umdev_device *mdev);

/**
 * umdev_vfio_irq_trigger() - signal an edge interrupt (an MSI or MSI-X
 * vector, or any non-INTx index).
 * Return: 1 if the client's eventfd was signalled, 0 if the vector has no
 * eventfd (no client, or the guest has it disabled) or is masked (it is
 * then signalled on unmask), -EINVAL for a vector the device lacks.
 */
int umdev_vfio_irq_trigger(struct umdev_vfio_device *vdev, unsigned int index,
			   unsigned int vector);

/**
 * umdev_vfio_intx_set() - drive the level of the INTx line (IRQ index 0).
 * Asserting signals the client unless INTx is masked; it is then masked
 * until the client unmasks it, and fires again at unmask while still
 * asserted, as a level-triggered line does.
 * Return: 1 if signalled now, 0 otherwise, -EINVAL without INTx.
 */
int umdev_vfio_intx_set(struct umdev_vfio_device *vdev, bool asserted);

/* Whether vector @vector of IRQ @index has an eventfd from the client. */
bool umdev_vfio_irq_enabled(struct umdev_vfio_device *vdev, unsigned int index,
			    unsigned int vector);

/**
 * umdev_vfio_dma_read() - read guest memory at IOVA @iova.
 * The whole range must lie in maps the client made readable. Maps with an
 * fd are read directly; maps without one go through the client with
 * DMA_READ messages, which is allowed only outside the device's server
 * thread (a region handler gets -EDEADLK: the client is waiting for it).
 * Return: 0, -EFAULT when not mapped or permitted, -ENOTCONN without a
 * client, -EDEADLK as above, or the client's errno when it fails the
 * transfer (QEMU refuses DMA while the guest has bus mastering disabled).
 */
int umdev_vfio_dma_read(struct umdev_vfio_device *vdev, uint64_t iova, void *buf,
			size_t len);
/* The same for writing; the maps must be writable. */
int umdev_vfio_dma_write(struct umdev_vfio_device *vdev, uint64_t iova,
			 const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_VFIO_H */
