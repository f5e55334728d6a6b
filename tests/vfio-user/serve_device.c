// SPDX-License-Identifier: MIT
/*
 * Serves one device over vfio-user until stdin closes, for checks with a
 * real VMM (tests/vm/run --device SOCKET --expect VVVV:DDDD).
 *   serve-device DIR mtty [PORTS]   an mtty-PORTS device (4348:3253) of the
 *                                   real mtty driver; PORTS 1 or 2 (default)
 *   serve-device DIR test           the tests' device (1234:beef), whose
 *                                   BAR1 is mappable with a sparse area
 * It prints the socket path on stdout.
 *
 * It also reads the guest's reset vector (IOVA 0xfffffff0, in the BIOS
 * ROM, which QEMU maps without an fd) through the device API once the
 * VMM has mapped it, and logs the outcome on stderr: that sends DMA_READ
 * messages to the real client and routes its replies back.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <umdev/bus.h>
#include "module.h"
#include <umdev/vfio.h>
#include <umdev/vfio_user.h>

#include "test_device.h"

/* The mtty parent as umdevd instantiates it; its type for @nr_ports ports. */
static struct umdev_type *mtty_register(const char *nr_ports, void **handle)
{
	char id[16];
	struct umdev_parent *parent;
	struct umdev_type *type;

	if (umdev_mtty_module.create("mtty", NULL, 0, handle))
		return NULL;
	snprintf(id, sizeof(id), "mtty-%s", nr_ports);
	parent = umdev_parent_get("mtty");
	type = parent ? umdev_parent_find_type(parent, id) : NULL;
	umdev_parent_put(parent);
	if (!type) {
		fprintf(stderr, "serve-device: mtty has no type %s\n", id);
		umdev_mtty_module.destroy(*handle);
	}
	return type;
}

static void *read_reset_vector(void *arg)
{
	struct umdev_vfio_device *vdev = arg;
	uint8_t bytes[16];
	int ret = -EFAULT;

	/*
	 * Until the VMM has connected and mapped its ROM (a minute at most):
	 * -EFAULT/-ENOTCONN are ours; anything else is the client's answer.
	 */
	for (int tries = 0; tries < 600 && (ret == -EFAULT || ret == -ENOTCONN); tries++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		ret = umdev_vfio_dma_read(vdev, 0xfffffff0, bytes, sizeof(bytes));
		if (ret == -EFAULT || ret == -ENOTCONN)
			nanosleep(&ts, NULL);
	}
	if (ret) {
		/* QEMU refuses DMA (ENODEV) while the guest keeps bus mastering off */
		fprintf(stderr, "serve-device: DMA read of the reset vector: %s errno %d\n",
			ret == -EFAULT || ret == -ENOTCONN ? "no answer," : "client answered", -ret);
		return NULL;
	}
	fprintf(stderr, "serve-device: DMA read of the reset vector: client answered with data");
	for (unsigned int i = 0; i < sizeof(bytes); i++)
		fprintf(stderr, " %02x", bytes[i]);
	fprintf(stderr, "\n");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t dma_thread;
	uint8_t uuid[UMDEV_UUID_SIZE];
	struct umdev_type *type;
	struct umdev_device *mdev;
	void *mtty = NULL;
	char path[512], c;
	bool test;

	if (argc < 3 || (strcmp(argv[2], "mtty") && strcmp(argv[2], "test"))) {
		fprintf(stderr, "usage: %s DIR mtty [PORTS] | DIR test\n", argv[0]);
		return 2;
	}
	test = !strcmp(argv[2], "test");
	umdev_uuid_parse("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", uuid);
	if (umdev_vfio_user_start(argv[1], NULL))
		return 1;
	type = test ? test_parent_register() : mtty_register(argc > 3 ? argv[3] : "2", &mtty);
	if (!type || umdev_device_create(type, uuid))
		return 1;
	mdev = umdev_device_get(uuid);
	if (umdev_vfio_user_socket_path(mdev, path, sizeof(path)) < 0)
		return 1;
	printf("%s\n", path);
	fflush(stdout);
	pthread_create(&dma_thread, NULL, read_reset_vector, umdev_device_vfio(mdev));
	while (read(0, &c, 1) > 0)
		;
	pthread_join(dma_thread, NULL);
	umdev_device_remove(mdev);
	umdev_device_put(mdev);
	if (test)
		test_parent_unregister();
	else
		umdev_mtty_module.destroy(mtty);
	umdev_vfio_user_stop();
	return 0;
}
