/* SPDX-License-Identifier: MIT */
/*
 * umdev: PCI configuration space for device models.
 *
 * A driver builds its device's config space once at probe (identity,
 * BARs, capabilities) and then serves the config region (VFIO region 7)
 * with umdev_pci_config_read()/_write(), which apply the read-only and
 * write-1-to-clear masks a real device has, so BAR sizing and the
 * command/status registers behave as the guest expects. The helpers do no
 * locking: the driver serialises access with its own lock.
 */
#ifndef UMDEV_PCI_H
#define UMDEV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Standard header offsets and bits (as in linux/pci_regs.h). */
#define UMDEV_PCI_VENDOR_ID 0x00
#define UMDEV_PCI_DEVICE_ID 0x02
#define UMDEV_PCI_COMMAND 0x04
#define UMDEV_PCI_COMMAND_IO 0x1
#define UMDEV_PCI_COMMAND_MEMORY 0x2
#define UMDEV_PCI_COMMAND_MASTER 0x4
#define UMDEV_PCI_COMMAND_INTX_DISABLE 0x400
#define UMDEV_PCI_STATUS 0x06
#define UMDEV_PCI_STATUS_INTERRUPT 0x08
#define UMDEV_PCI_STATUS_CAP_LIST 0x10
#define UMDEV_PCI_REVISION_ID 0x08
#define UMDEV_PCI_CLASS_PROG 0x09
#define UMDEV_PCI_HEADER_TYPE 0x0e
#define UMDEV_PCI_BASE_ADDRESS_0 0x10
#define UMDEV_PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define UMDEV_PCI_SUBSYSTEM_ID 0x2e
#define UMDEV_PCI_ROM_ADDRESS 0x30
#define UMDEV_PCI_CAPABILITY_LIST 0x34
#define UMDEV_PCI_INTERRUPT_LINE 0x3c
#define UMDEV_PCI_INTERRUPT_PIN 0x3d

#define UMDEV_PCI_CAP_ID_PM 0x01
#define UMDEV_PCI_CAP_ID_MSI 0x05
#define UMDEV_PCI_CAP_ID_EXP 0x10
#define UMDEV_PCI_CAP_ID_MSIX 0x11

#define UMDEV_PCI_CONFIG_SIZE 256
#define UMDEV_PCIE_CONFIG_SIZE 4096

/* BAR kinds for umdev_pci_set_bar(). */
enum umdev_pci_bar_type {
	UMDEV_PCI_BAR_IO,
	UMDEV_PCI_BAR_MEM32,
	UMDEV_PCI_BAR_MEM64, /* takes this BAR and the next */
};

struct umdev_pci_id {
	uint16_t vendor, device;
	uint16_t subsystem_vendor, subsystem;
	uint8_t revision;
	uint32_t class_code; /* base class << 16 | subclass << 8 | prog-if */
};

/**
 * struct umdev_pci_config - a function's configuration space.
 * @data: what the guest reads (@size bytes).
 * @wmask: bits the guest may change (@size bytes).
 * @w1cmask: bits a written 1 clears (status errors) (@size bytes).
 * @size: 256, or 4096 for PCI Express.
 * The remaining fields record where the capabilities are, and where the
 * three arrays live: inside the structure for a conventional function, so
 * a device model of thousands of devices pays 768 bytes each rather than
 * 12 KiB; allocated for an Express one (umdev_pci_config_fini() frees it).
 * The structure points into itself: it must not be copied.
 */
struct umdev_pci_config {
	uint8_t *data;
	uint8_t *wmask;
	uint8_t *w1cmask;
	size_t size;
	uint64_t bar_size[6];
	uint8_t next_free; /* where the next capability goes */
	uint8_t last_cap;  /* the capability whose next pointer links a new one */
	uint8_t msi, msix, pm, pcie; /* capability offsets, 0 when absent */
	uint8_t *extended; /* the three arrays of an Express function, or NULL */
	uint8_t space[3 * UMDEV_PCI_CONFIG_SIZE]; /* those of a conventional one */
};

/*
 * Fills the type 0 header: identity, writable command bits, INTx pin (0 none,
 * 1 INTA). Returns 0, or -ENOMEM for an Express function whose 12 KiB could
 * not be allocated (a conventional one cannot fail).
 */
int umdev_pci_config_init(struct umdev_pci_config *cfg, const struct umdev_pci_id *id,
			  bool express, uint8_t intx_pin);
/* Frees what umdev_pci_config_init() allocated (nothing for a conventional function). */
void umdev_pci_config_fini(struct umdev_pci_config *cfg);

/*
 * Declares BAR @bar of @size bytes (a power of two, at least 16 for
 * memory and 4 for I/O; 0 leaves it unimplemented). Returns 0 or -EINVAL.
 */
int umdev_pci_set_bar(struct umdev_pci_config *cfg, unsigned int bar, uint64_t size,
		      enum umdev_pci_bar_type type, bool prefetchable);

/*
 * Capabilities, linked in the order added; each returns its offset or
 * -ENOSPC when the 256-byte space is full, -EINVAL for bad arguments.
 */
int umdev_pci_add_msi(struct umdev_pci_config *cfg, unsigned int vectors, bool addr64,
		      bool per_vector_mask);
int umdev_pci_add_msix(struct umdev_pci_config *cfg, unsigned int vectors,
		       unsigned int table_bar, uint32_t table_offset, unsigned int pba_bar,
		       uint32_t pba_offset);
int umdev_pci_add_pm(struct umdev_pci_config *cfg);
int umdev_pci_add_pcie(struct umdev_pci_config *cfg); /* an endpoint, capability v2 */
/* A capability of @len bytes with @id, all read-only; for the rest. */
int umdev_pci_add_cap(struct umdev_pci_config *cfg, uint8_t id, size_t len);

/* Region handlers' work: check bounds, read, or write through the masks. */
ssize_t umdev_pci_config_read(const struct umdev_pci_config *cfg, uint64_t offset, void *buf,
			      size_t count);
ssize_t umdev_pci_config_write(struct umdev_pci_config *cfg, uint64_t offset, const void *buf,
			       size_t count);

/* Little-endian accessors for the device model. */
uint16_t umdev_pci_get16(const struct umdev_pci_config *cfg, unsigned int offset);
uint32_t umdev_pci_get32(const struct umdev_pci_config *cfg, unsigned int offset);
void umdev_pci_set16(struct umdev_pci_config *cfg, unsigned int offset, uint16_t v);
void umdev_pci_set32(struct umdev_pci_config *cfg, unsigned int offset, uint32_t v);

/* State the guest set, as the device model needs it. */
bool umdev_pci_msi_enabled(const struct umdev_pci_config *cfg);
bool umdev_pci_msix_enabled(const struct umdev_pci_config *cfg);
bool umdev_pci_intx_disabled(const struct umdev_pci_config *cfg);
/* Sets or clears the status register's interrupt bit with the INTx line. */
void umdev_pci_set_intx_status(struct umdev_pci_config *cfg, bool asserted);
/* The address the guest programmed into a BAR (type bits removed). */
uint64_t umdev_pci_bar_address(const struct umdev_pci_config *cfg, unsigned int bar);

/* Restores the power-on state of the writable registers (a function reset). */
void umdev_pci_config_reset(struct umdev_pci_config *cfg);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_PCI_H */
