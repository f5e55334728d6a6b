/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user wire format: the messages QEMU's vfio-user-pci client and
 * umdev's server exchange over a UNIX socket, in host byte order.
 *
 * Structures follow docs/interop/vfio-user.rst and the VFIO ioctl
 * structures of <linux/vfio.h> they are imported from. Where the spec and
 * QEMU disagree (DMA_READ/WRITE), the layout QEMU really uses wins: a
 * server must interoperate with the client that exists.
 */
#ifndef UMDEV_VFIO_USER_PROTO_H
#define UMDEV_VFIO_USER_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vfio_user_command {
	VFIO_USER_VERSION = 1,
	VFIO_USER_DMA_MAP = 2,
	VFIO_USER_DMA_UNMAP = 3,
	VFIO_USER_DEVICE_GET_INFO = 4,
	VFIO_USER_DEVICE_GET_REGION_INFO = 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS = 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO = 7,
	VFIO_USER_DEVICE_SET_IRQS = 8,
	VFIO_USER_REGION_READ = 9,
	VFIO_USER_REGION_WRITE = 10,
	VFIO_USER_DMA_READ = 11,
	VFIO_USER_DMA_WRITE = 12,
	VFIO_USER_DEVICE_RESET = 13,
	VFIO_USER_DIRTY_PAGES = 14,
	VFIO_USER_REGION_WRITE_MULTI = 15,
	VFIO_USER_DEVICE_FEATURE = 16,
	VFIO_USER_MIG_DATA_READ = 17,
	VFIO_USER_MIG_DATA_WRITE = 18,
};

/* Header flags. */
#define VFIO_USER_F_TYPE_MASK 0xfu
#define VFIO_USER_F_TYPE_COMMAND 0x0u
#define VFIO_USER_F_TYPE_REPLY 0x1u
#define VFIO_USER_F_NO_REPLY 0x10u
#define VFIO_USER_F_ERROR 0x20u

struct vfio_user_header {
	uint16_t msg_id;
	uint16_t command;
	uint32_t msg_size; /* including this header */
	uint32_t flags;
	uint32_t error; /* positive errno in an error reply */
} __attribute__((packed));

#define VFIO_USER_MAJOR 0
#define VFIO_USER_MINOR 0

struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	/* then an optional NUL-terminated JSON object */
} __attribute__((packed));

/* Defaults when a capability is absent, and the bounds QEMU accepts. */
#define VFIO_USER_DEF_MAX_FDS 1
#define VFIO_USER_MAX_MAX_FDS 16
#define VFIO_USER_DEF_MAX_XFER (1024u * 1024u)
#define VFIO_USER_MAX_MAX_XFER (64u * 1024u * 1024u)
#define VFIO_USER_DEF_PGSIZE 4096u
#define VFIO_USER_DEF_MAX_DMA_MAPS 65535u

#define VFIO_USER_DMA_MAP_F_READ 0x1u
#define VFIO_USER_DMA_MAP_F_WRITE 0x2u

struct vfio_user_dma_map {
	uint32_t argsz;
	uint32_t flags;
	uint64_t offset; /* in the passed fd */
	uint64_t address; /* IOVA */
	uint64_t size;
} __attribute__((packed));

#define VFIO_USER_DMA_UNMAP_F_GET_DIRTY_BITMAP 0x1u
#define VFIO_USER_DMA_UNMAP_F_ALL 0x2u

struct vfio_user_dma_unmap {
	uint32_t argsz;
	uint32_t flags;
	uint64_t address;
	uint64_t size;
} __attribute__((packed));

/* struct vfio_device_info */
#define VFIO_USER_DEVICE_F_RESET 0x1u
#define VFIO_USER_DEVICE_F_PCI 0x2u

struct vfio_user_device_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t num_regions;
	uint32_t num_irqs;
} __attribute__((packed));

/* PCI region and IRQ indexes on the wire (VFIO_PCI_*_INDEX); a driver uses vfio.h's. */
enum {
	VFIO_USER_PCI_BAR0_REGION = 0,
	VFIO_USER_PCI_BAR5_REGION = 5,
	VFIO_USER_PCI_ROM_REGION = 6,
	VFIO_USER_PCI_CONFIG_REGION = 7,
	VFIO_USER_PCI_VGA_REGION = 8,
	VFIO_USER_PCI_NUM_REGIONS = 9,
};

enum {
	VFIO_USER_PCI_INTX_IRQ = 0,
	VFIO_USER_PCI_MSI_IRQ = 1,
	VFIO_USER_PCI_MSIX_IRQ = 2,
	VFIO_USER_PCI_ERR_IRQ = 3,
	VFIO_USER_PCI_REQ_IRQ = 4,
	VFIO_USER_PCI_NUM_IRQS = 5,
};

/* struct vfio_region_info */
#define VFIO_USER_REGION_F_READ 0x1u
#define VFIO_USER_REGION_F_WRITE 0x2u
#define VFIO_USER_REGION_F_MMAP 0x4u
#define VFIO_USER_REGION_F_CAPS 0x8u

struct vfio_user_region_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t cap_offset; /* from the start of this structure */
	uint64_t size;
	uint64_t offset; /* in the fd passed with the reply */
} __attribute__((packed));

struct vfio_user_cap_header {
	uint16_t id;
	uint16_t version;
	uint32_t next; /* 0 ends the chain */
} __attribute__((packed));

#define VFIO_USER_REGION_CAP_SPARSE_MMAP 1

struct vfio_user_sparse_area {
	uint64_t offset;
	uint64_t size;
} __attribute__((packed));

struct vfio_user_cap_sparse_mmap {
	struct vfio_user_cap_header header;
	uint32_t nr_areas;
	uint32_t reserved;
	/* then nr_areas struct vfio_user_sparse_area */
} __attribute__((packed));

/* struct vfio_irq_info */
#define VFIO_USER_IRQ_INFO_F_EVENTFD 0x1u
#define VFIO_USER_IRQ_INFO_F_MASKABLE 0x2u
#define VFIO_USER_IRQ_INFO_F_AUTOMASKED 0x4u
#define VFIO_USER_IRQ_INFO_F_NORESIZE 0x8u

struct vfio_user_irq_info {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t count;
} __attribute__((packed));

/* struct vfio_irq_set: one data type and one action. */
#define VFIO_USER_IRQ_SET_DATA_NONE 0x1u
#define VFIO_USER_IRQ_SET_DATA_BOOL 0x2u
#define VFIO_USER_IRQ_SET_DATA_EVENTFD 0x4u
#define VFIO_USER_IRQ_SET_ACTION_MASK 0x8u
#define VFIO_USER_IRQ_SET_ACTION_UNMASK 0x10u
#define VFIO_USER_IRQ_SET_ACTION_TRIGGER 0x20u
#define VFIO_USER_IRQ_SET_DATA_MASK 0x7u
#define VFIO_USER_IRQ_SET_ACTION_MASK_ALL 0x38u

struct vfio_user_irq_set {
	uint32_t argsz;
	uint32_t flags;
	uint32_t index;
	uint32_t start;
	uint32_t count;
	/* DATA_BOOL: count bytes follow; DATA_EVENTFD: count fds, or none to disable */
} __attribute__((packed));

struct vfio_user_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	/* then count bytes of data (a write request, a read reply) */
} __attribute__((packed));

#define VFIO_USER_WRITE_MULTI_DATA 8
#define VFIO_USER_WRITE_MULTI_MAX 200

struct vfio_user_write_one {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[VFIO_USER_WRITE_MULTI_DATA];
} __attribute__((packed));

struct vfio_user_write_multi {
	uint64_t wr_cnt;
	/* then wr_cnt struct vfio_user_write_one */
} __attribute__((packed));

/*
 * DMA_READ/DMA_WRITE (server to client) as QEMU implements them: a 32-bit
 * count with the data right after it, and a message 4 bytes longer than
 * header + 12 + count, because QEMU sizes it with the padded C structure.
 * The spec's layout (a 64-bit count, data at 16) would be misread by QEMU.
 */
struct vfio_user_dma_access {
	uint64_t address;
	uint32_t count;
	/* then count bytes of data (a write request, a read reply) */
} __attribute__((packed));
#define VFIO_USER_DMA_ACCESS_PAD 4 /* trailing bytes QEMU's size checks expect */

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_VFIO_USER_PROTO_H */
