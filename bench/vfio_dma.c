// SPDX-License-Identifier: MIT
/*
 * Device DMA through an fd-backed map (a sealed memfd, as QEMU's
 * memory-backend-memfd gives) compared with memcpy of the same bytes
 * between the same buffers in the same run. Target: at least 0.9 of
 * memcpy's throughput.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <umdev/vfio_user_client.h>

#include "vfio_common.h"

#define RAM (64u << 20)
#define CHUNK (1u << 20)
#define PASSES 8

int main(void)
{
	struct bench_device bd;
	struct umdev_vu_client *c;
	int fd = memfd_create("bench-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	char *ram, *buf = aligned_alloc(4096, CHUNK);
	double best_dma = 0, best_copy = 0;

	if (fd < 0 || ftruncate(fd, RAM) || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return 1;
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memset(ram, 0x5a, RAM);
	memset(buf, 0, CHUNK);
	if (bench_device_start(&bd) || umdev_vu_connect(bd.path, true, &c) ||
	    umdev_vu_dma_map(c, VFIO_USER_DMA_MAP_F_READ | VFIO_USER_DMA_MAP_F_WRITE, 1ull << 32,
			     RAM, fd, 0)) {
		fprintf(stderr, "cannot start the device\n");
		return 1;
	}
	for (int round = 0; round < 5; round++) {
		uint64_t t0 = bench_now_ns();

		for (int p = 0; p < PASSES; p++)
			for (size_t off = 0; off < RAM; off += CHUNK)
				memcpy(buf, ram + off, CHUNK);
		uint64_t t1 = bench_now_ns();
		for (int p = 0; p < PASSES; p++)
			for (size_t off = 0; off < RAM; off += CHUNK)
				if (umdev_vfio_dma_read(bd.vdev, (1ull << 32) + off, buf, CHUNK))
					abort();
		uint64_t t2 = bench_now_ns();
		double bytes = (double)RAM * PASSES;
		double copy = bytes / (double)(t1 - t0), dma = bytes / (double)(t2 - t1);

		best_copy = copy > best_copy ? copy : best_copy;
		best_dma = dma > best_dma ? dma : best_dma;
	}
	umdev_vu_close(c);
	bench_device_stop(&bd);
	printf("device DMA read through an fd-backed map: %.2f GB/s\n", best_dma);
	printf("memcpy of the same bytes:                 %.2f GB/s\n", best_copy);
	printf("ratio %.2f (target >= 0.9)\n", best_dma / best_copy);
	munmap(ram, RAM);
	close(fd);
	free(buf);
	return 0;
}
