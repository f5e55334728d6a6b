// SPDX-License-Identifier: MIT
/* umdev-lspci against a served mtty device: what a VM would see, decoded. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <umdev/bus.h>
#include <umdev/vfio_user.h>

#include "../../drivers/mtty/mtty_pci.h"

static const char *tool;

static int probe(struct umdev_device *mdev)
{
	struct mtty_model *m;
	int ret = mtty_model_create(mdev, 2, &m);

	if (!ret)
		umdev_set_drvdata(mdev, m);
	return ret;
}

static void remove_dev(struct umdev_device *mdev)
{
	mtty_model_destroy(umdev_get_drvdata(mdev));
}

static struct umdev_driver driver = {
	.name = "lspcitest", .device_api = "vfio-pci", .max_instances = 1,
	.probe = probe, .remove = remove_dev,
};

static void test_lspci_mtty(void **state)
{
	static struct umdev_parent parent;
	static struct umdev_type type = { .sysfs_name = "2" };
	struct umdev_type *types[] = { &type };
	char dir[] = "/tmp/umdev-lspci-XXXXXX", sockets[64], path[256], cmd[512], out[16384];
	uint8_t uuid[UMDEV_UUID_SIZE];
	struct umdev_device *mdev;
	FILE *p;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sockets, sizeof(sockets), "%s/s", dir);
	assert_int_equal(umdev_vfio_user_start(sockets), 0);
	assert_int_equal(umdev_register_parent(&parent, "lspcitest", &driver, types, 1), 0);
	umdev_uuid_parse("5d1f8a52-3c7e-4b0a-9f55-0123456789ab", uuid);
	assert_int_equal(umdev_device_create(&type, uuid), 0);
	mdev = umdev_device_get(uuid);
	assert_true(umdev_vfio_user_socket_path(mdev, path, sizeof(path)) > 0);

	snprintf(cmd, sizeof(cmd), "%s %s", tool, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	printf("%s", out);

	assert_non_null(strstr(out, "Device: PCI, reset supported, 9 regions, 5 IRQs"));
	assert_non_null(strstr(out, "Serial controller [0700]: Device 4348:3253 (rev 10) (prog-if 02)"));
	assert_non_null(strstr(out, "Subsystem: Device 4348:3253"));
	assert_non_null(strstr(out, "Control: I/O- Mem- BusMaster-"));
	assert_non_null(strstr(out, "Status: Cap+"));
	assert_non_null(strstr(out, "Interrupt: pin A routed to IRQ 0"));
	assert_non_null(strstr(out, "Region 0: I/O ports at 0000 [size=8]"));
	assert_non_null(strstr(out, "Region 1: I/O ports at 0000 [size=8]"));
	assert_non_null(strstr(out, "Capabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+"));
	assert_non_null(strstr(out, "0 INTx  count 1 eventfd maskable automasked"));
	assert_non_null(strstr(out, "1 MSI   count 1 eventfd noresize"));
	assert_non_null(strstr(out, "4 REQ   count 1 eventfd"));
	assert_null(strstr(out, "3 ERR"));
	assert_non_null(strstr(out, "7 config  size 0x100 read write"));

	/* a socket nobody serves is a clear error */
	snprintf(cmd, sizeof(cmd), "%s %s/none.sock 2>&1", tool, dir);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_not_equal(pclose(p), 0);
	assert_non_null(strstr(out, "No such file or directory"));

	umdev_device_remove(mdev);
	umdev_device_put(mdev);
	umdev_unregister_parent(&parent);
	umdev_vfio_user_stop();
	rmdir(sockets);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_lspci_mtty) };

	if (argc != 2)
		return 2;
	tool = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
