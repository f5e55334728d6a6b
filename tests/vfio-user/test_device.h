/* SPDX-License-Identifier: MIT */
/*
 * A test parent ("vfutest") whose devices exercise every part of the
 * device API: a register BAR, a mappable memfd BAR with a sparse area,
 * config space, INTx/MSI/MSI-X and a reset.
 */
#ifndef UMDEV_TEST_DEVICE_H
#define UMDEV_TEST_DEVICE_H

#include <umdev/bus.h>
#include <umdev/vfio.h>

/* BAR0 layout */
#define TD_SCRATCH 0x000     /* 0x800 bytes of memory */
#define TD_SCRATCH_SIZE 0x800
#define TD_IRQ 0x800	     /* write (index << 16 | vector): trigger it */
#define TD_INTX 0x804	     /* write 1/0: assert/deassert INTx */
#define TD_RESETS 0x808	     /* read: how many resets */
#define TD_DMA 0x80c	     /* write an IOVA: DMA-read 4 bytes there; read: the result */
#define TD_BAR0_SIZE 0x1000
#define TD_BAR1_SIZE 0x2000 /* memfd; the first page is mappable */
#define TD_MSIX_COUNT 4

struct test_device {
	struct umdev_vfio_device vdev;
	struct umdev_vfio_region regions[9];
	struct umdev_vfio_irq irqs[5];
	pthread_mutex_t lock;
	uint8_t scratch[TD_SCRATCH_SIZE];
	uint8_t config[256];
	int memfd;
	unsigned int resets;
	int32_t last_dma;
	unsigned int clients; /* connects seen */
	unsigned int maps;    /* maps currently known through callbacks */
};

/* Registers the parent; returns its type. */
struct umdev_type *test_parent_register(void);
void test_parent_unregister(void);
/* A device's model, from its UUID string. */
struct test_device *test_device_of(struct umdev_device *mdev);

#endif
