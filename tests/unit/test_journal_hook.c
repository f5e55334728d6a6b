// SPDX-License-Identifier: MIT
/* The journal hook: the observer that can refuse a change. */
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

struct fake_disk {
	int error; /* what every record returns */
	int creates, removes, changes;
	char last_value[32];
};

static int record_create(struct umdev_device *mdev, void *arg)
{
	struct fake_disk *disk = arg;
	(void)mdev;
	disk->creates++;
	return disk->error;
}

static int record_remove(struct umdev_device *mdev, void *arg)
{
	struct fake_disk *disk = arg;
	(void)mdev;
	disk->removes++;
	return disk->error;
}

static int record_change(struct umdev_device *mdev, const struct umdev_attribute *attr, void *arg)
{
	struct fake_disk *disk = arg;
	char buf[UMDEV_ATTR_BUF_SIZE];
	/* The journal reads the value the driver now has. */
	ssize_t len = umdev_device_attr_show(mdev, attr, buf);
	if (len > 0 && (size_t)len < sizeof(disk->last_value)) {
		memcpy(disk->last_value, buf, (size_t)len);
		disk->last_value[len] = '\0';
	}
	disk->changes++;
	return disk->error;
}

static const struct umdev_journal_ops ops = { record_create, record_remove, record_change };
static struct test_parent tp;
static struct fake_disk disk;

static int setup(void **state)
{
	(void)state;
	memset(&disk, 0, sizeof(disk));
	assert_int_equal(test_parent_register(&tp, "p1", "tdrv", 4, 0), 0);
	umdev_set_journal(&ops, &disk);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	umdev_set_journal(NULL, NULL);
	test_parent_unregister(&tp);
	assert_int_equal(umdev_bus_device_count(), 0);
	return 0;
}

static void refused_create_is_undone(void **state)
{
	(void)state;
	disk.error = -ENOSPC;
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), -ENOSPC);
	assert_int_equal(disk.creates, 1);
	assert_int_equal(tp.probes, 1);
	assert_int_equal(tp.removes, 1); /* probe's work undone by the driver's remove */
	assert_int_equal(tp.live, 0);
	assert_null(umdev_device_get_by_name(U1));
	assert_int_equal(umdev_type_available_instances(&tp.types[0]), 4);
	disk.error = 0;
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
}

static void refused_remove_keeps_the_device(void **state)
{
	struct umdev_device *mdev;
	(void)state;

	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	mdev = umdev_device_get_by_name(U1);
	disk.error = -EROFS;
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), -EROFS);
	assert_true(umdev_device_is_bound(mdev));
	assert_int_equal(tp.removes, 0);
	disk.error = 0;
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), 1);
	assert_int_equal(disk.removes, 2);
	umdev_device_put(mdev);
}

static void changes_are_recorded_with_the_new_value(void **state)
{
	struct umdev_device *mdev;
	const struct umdev_attribute *attr;
	(void)state;

	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	mdev = umdev_device_get_by_name(U1);
	attr = umdev_device_find_attr(mdev, "vendor", "setting");
	assert_int_equal(umdev_device_attr_store(mdev, attr, "slow", 4), 4);
	assert_string_equal(disk.last_value, "slow\n");
	disk.error = -EIO;
	assert_int_equal(umdev_device_attr_store(mdev, attr, "fast", 4), -EIO);
	assert_int_equal(disk.changes, 2);
	/* A store the driver refuses is not recorded. */
	assert_int_equal(umdev_device_attr_store(mdev, attr, "", 0), -EINVAL);
	assert_int_equal(disk.changes, 2);
	disk.error = 0;
	umdev_device_put(mdev);
}

static void unregistration_keeps_devices_journaled(void **state)
{
	(void)state;
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&tp.types[1], U2, 36), 36);
	test_parent_unregister(&tp);
	assert_int_equal(tp.removes, 2);
	assert_int_equal(disk.removes, 0);
	assert_int_equal(test_parent_register(&tp, "p1", "tdrv", 4, 0), 0);
}

static void removed_journal_hears_nothing(void **state)
{
	(void)state;
	umdev_set_journal(NULL, NULL);
	disk.error = -EIO;
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(disk.creates, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refused_create_is_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_remove_keeps_the_device, setup, teardown),
		cmocka_unit_test_setup_teardown(changes_are_recorded_with_the_new_value, setup, teardown),
		cmocka_unit_test_setup_teardown(unregistration_keeps_devices_journaled, setup, teardown),
		cmocka_unit_test_setup_teardown(removed_journal_hears_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
