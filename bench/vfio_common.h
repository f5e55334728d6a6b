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
/*
 * Keeps this thread, and every thread it creates afterwards (the device's
 * server among them), on the CPU it runs on: a wakeup on another CPU costs
 * an IPI whose price in a VM is large and erratic, and would decide the
 * ratio instead of the code measured. Call it before starting the device.
 */
int bench_pin_one_cpu(void);
uint64_t bench_now_ns(void);

#endif
