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
#include "module.h"
#include <umdev/vfio_user.h>

static const char *tool;

/* An mtty-2 device of the real mtty driver, instantiated as umdevd does. */
static void test_lspci_mtty(void **state)
{
	char dir[] = "/tmp/umdev-lspci-XXXXXX", sockets[64], path[256], cmd[512], out[16384];
	uint8_t uuid[UMDEV_UUID_SIZE];
	struct umdev_parent *parent;
	struct umdev_type *type;
	struct umdev_device *mdev;
	void *mtty;
	FILE *p;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sockets, sizeof(sockets), "%s/s", dir);
	assert_int_equal(umdev_vfio_user_start(sockets, NULL), 0);
	assert_int_equal(umdev_mtty_module.create("mtty", NULL, 0, &mtty), 0);
	parent = umdev_parent_get("mtty");
	assert_non_null(parent);
	type = umdev_parent_find_type(parent, "mtty-2");
	umdev_parent_put(parent);
	assert_non_null(type);
	umdev_uuid_parse("5d1f8a52-3c7e-4b0a-9f55-0123456789ab", uuid);
	assert_int_equal(umdev_device_create(type, uuid), 0);
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
	assert_non_null(strstr(out, "3 ERR   count 1 eventfd\n"));
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
	umdev_mtty_module.destroy(mtty);
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
