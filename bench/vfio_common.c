// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <umdev/bus.h>
#include <umdev/vfio_user.h>

#include "vfio_common.h"

struct bench_model {
	struct umdev_vfio_device vdev;
	struct umdev_vfio_region regions[9];
	struct umdev_vfio_irq irqs[3];
	uint8_t bar[4096];
};

static ssize_t bar_read(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			void *buf, size_t count)
{
	struct bench_model *m = container_of(vdev, struct bench_model, vdev);

	(void)index;
	memcpy(buf, m->bar + offset, count);
	return (ssize_t)count;
}

static ssize_t bar_write(struct umdev_vfio_device *vdev, unsigned int index, uint64_t offset,
			 const void *buf, size_t count)
{
	struct bench_model *m = container_of(vdev, struct bench_model, vdev);

	(void)index;
	memcpy(m->bar + offset, buf, count);
	return (ssize_t)count;
}

static int probe(struct umdev_device *mdev)
{
	struct bench_model *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	for (int i = 0; i < 9; i++)
		m->regions[i].mmap_fd = -1;
	m->regions[0] = (struct umdev_vfio_region){
		.size = sizeof(m->bar),
		.flags = UMDEV_VFIO_REGION_READ | UMDEV_VFIO_REGION_WRITE,
		.read = bar_read, .write = bar_write, .mmap_fd = -1,
	};
	m->regions[7] = m->regions[0];
	m->irqs[1] = (struct umdev_vfio_irq){ 1, UMDEV_VFIO_IRQ_NORESIZE };
	m->vdev = (struct umdev_vfio_device){ .pci = true, .nr_regions = 9, .regions = m->regions,
					      .nr_irqs = 3, .irqs = m->irqs };
	ret = umdev_vfio_device_init(&m->vdev);
	if (ret) {
		free(m);
		return ret;
	}
	umdev_set_drvdata(mdev, m);
	umdev_device_set_vfio(mdev, &m->vdev);
	return 0;
}

static void remove_dev(struct umdev_device *mdev)
{
	struct bench_model *m = umdev_get_drvdata(mdev);

	umdev_vfio_device_fini(&m->vdev);
	free(m);
}

static struct umdev_driver driver = {
	.name = "vfiobench", .device_api = "vfio-pci", .max_instances = 1,
	.probe = probe, .remove = remove_dev,
};
static struct umdev_parent parent;
static struct umdev_type type = { .sysfs_name = "bench" };
static struct umdev_type *types[] = { &type };
static char dir[] = "/tmp/umdev-bench-XXXXXX";
static char sockets[64];

int bench_device_start(struct bench_device *bd)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	int ret;

	if (!mkdtemp(dir))
		return -errno;
	snprintf(sockets, sizeof(sockets), "%s/s", dir);
	ret = umdev_vfio_user_start(sockets, NULL);
	if (!ret)
		ret = umdev_register_parent(&parent, "vfiobench", &driver, types, 1);
	umdev_uuid_parse("7e57be9c-0000-4000-8000-000000000001", uuid);
	if (!ret)
		ret = umdev_device_create(&type, uuid);
	if (ret)
		return ret;
	bd->mdev = umdev_device_get(uuid);
	bd->vdev = umdev_device_vfio(bd->mdev);
	ret = umdev_vfio_user_socket_path(bd->mdev, bd->path, sizeof(bd->path));
	return ret < 0 ? ret : 0;
}

void bench_device_stop(struct bench_device *bd)
{
	umdev_device_remove(bd->mdev);
	umdev_device_put(bd->mdev);
	umdev_unregister_parent(&parent);
	umdev_vfio_user_stop();
	rmdir(sockets);
	rmdir(dir);
}

int bench_pin_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
