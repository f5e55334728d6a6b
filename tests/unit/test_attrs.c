// SPDX-License-Identifier: MIT
/* Type attributes and driver-defined device attributes; listings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"
#define U2 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a02"
#define U3 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a03"

static struct test_parent tp;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(test_parent_register(&tp, "p1", "tdrv", 8, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_parent_unregister(&tp);
	assert_int_equal(umdev_bus_device_count(), 0);
	return 0;
}

static void type_attributes(void **state)
{
	char buf[UMDEV_ATTR_BUF_SIZE];
	(void)state;

	assert_string_equal(umdev_type_id(&tp.types[0]), "tdrv-a");
	assert_string_equal(umdev_type_name(&tp.types[0]), "Type A");
	assert_string_equal(umdev_type_name(&tp.types[1]), "b");
	assert_true(umdev_type_has_description(&tp.types[1]));
	assert_int_equal(umdev_type_show_description(&tp.types[1], buf), 12);
	assert_memory_equal(buf, "test type b\n", 12);
	assert_ptr_equal(umdev_type_parent(&tp.types[1]), &tp.parent);
}

static void device_attributes_show_and_store(void **state)
{
	char buf[UMDEV_ATTR_BUF_SIZE];
	struct umdev_device *mdev;
	const struct umdev_attribute *setting, *serial, *poke;
	(void)state;

	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	mdev = umdev_device_get_by_name(U1);
	setting = umdev_device_find_attr(mdev, "vendor", "setting");
	serial = umdev_device_find_attr(mdev, "vendor", "serial");
	poke = umdev_device_find_attr(mdev, NULL, "poke");
	assert_non_null(setting);
	assert_non_null(serial);
	assert_non_null(poke);
	assert_null(umdev_device_find_attr(mdev, NULL, "setting"));
	assert_null(umdev_device_find_attr(mdev, "vendor", "poke"));
	assert_int_equal(umdev_attr_mode(setting), 0644);
	assert_int_equal(umdev_attr_mode(serial), 0444);
	assert_int_equal(umdev_attr_mode(poke), 0200);

	assert_int_equal(umdev_device_attr_show(mdev, setting, buf), 8);
	assert_memory_equal(buf, "default\n", 8);
	assert_int_equal(umdev_device_attr_store(mdev, setting, "fast\n", 5), 5);
	assert_int_equal(umdev_device_attr_show(mdev, setting, buf), 5);
	assert_memory_equal(buf, "fast\n", 5);
	/* The driver's own errno passes through, and nothing changes. */
	assert_int_equal(umdev_device_attr_store(mdev, setting, "", 0), -EINVAL);
	assert_int_equal(umdev_device_attr_show(mdev, setting, buf), 5);
	/* Missing callbacks. */
	assert_int_equal(umdev_device_attr_store(mdev, serial, "x", 1), -EACCES);
	assert_int_equal(umdev_device_attr_show(mdev, poke, buf), -EACCES);

	/* After removal a held device's attributes are gone. */
	assert_int_equal(umdev_device_remove(mdev), 0);
	assert_int_equal(umdev_device_attr_show(mdev, setting, buf), -ENODEV);
	assert_int_equal(umdev_device_attr_store(mdev, setting, "x", 1), -ENODEV);
	umdev_device_put(mdev);
}

static bool contains(umdev_uuid_t *uuids, ssize_t count, const char *name)
{
	uint8_t uuid[UMDEV_UUID_SIZE];

	umdev_uuid_parse(name, uuid);
	for (ssize_t i = 0; i < count; i++)
		if (!memcmp(uuids[i], uuid, UMDEV_UUID_SIZE))
			return true;
	return false;
}

struct create_args {
	ssize_t result;
};

static void *create_u3(void *arg)
{
	struct create_args *args = arg;

	args->result = umdev_type_create_store(&tp.types[1], U3, 36);
	return NULL;
}

static void listings_follow_the_kernel_tree(void **state)
{
	umdev_uuid_t *all, *of_parent, *of_a, *of_b;
	struct create_args args;
	pthread_t thread;
	(void)state;

	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U2, 36), 36);
	tp.probe_blocks = true;
	pthread_create(&thread, NULL, create_u3, &args);
	test_parent_wait_probe(&tp);

	/* U3 is being probed: its directory exists, its devices/ link not yet. */
	assert_int_equal(umdev_list_devices(&all), 3);
	assert_int_equal(umdev_parent_list_devices(&tp.parent, &of_parent), 3);
	assert_int_equal(umdev_type_list_devices(&tp.types[0], &of_a), 2);
	assert_int_equal(umdev_type_list_devices(&tp.types[1], &of_b), 0);
	assert_true(contains(all, 3, U3) && contains(of_parent, 3, U3));
	assert_true(contains(of_a, 2, U1) && contains(of_a, 2, U2));
	free(all);
	free(of_parent);
	free(of_a);
	free(of_b);

	test_parent_release_probe(&tp);
	pthread_join(thread, NULL);
	assert_int_equal(args.result, 36);
	assert_int_equal(umdev_type_list_devices(&tp.types[1], &of_b), 1);
	assert_true(contains(of_b, 1, U3));
	free(of_b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(type_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(device_attributes_show_and_store, setup, teardown),
		cmocka_unit_test_setup_teardown(listings_follow_the_kernel_tree, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
