/* SPDX-License-Identifier: MIT */
/* A minimal served device for the vfio-user benchmarks, and a clock. */
#ifndef UMDEV_BENCH_VFIO_COMMON_H
#define UMDEV_BENCH_VFIO_COMMON_H

#include <stdint.h>

#include <umdev/vfio.h>

struct bench_device {
	struct umdev_device *mdev;
	struct umdev_vfio_device *vdev;
	char path[256];
};

/* Starts the frontend and creates one device (4 KiB BAR0, one MSI vector). */
int bench_device_start(struct bench_device *bd);
void bench_device_stop(struct bench_device *bd);
uint64_t bench_now_ns(void);

#endif
