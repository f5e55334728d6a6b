// SPDX-License-Identifier: MIT
/* `create` writes: parsing, the global UUID index, accounting, probe. */
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
#define U4 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a04"
#define U5 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a05"

static struct test_parent counted;  /* core counts: 4 instances */
static struct test_parent selfcount; /* driver counts: 3 instances */

static int setup(void **state)
{
	(void)state;
	assert_int_equal(test_parent_register(&counted, "p1", "tdrv", 4, 0), 0);
	assert_int_equal(test_parent_register(&selfcount, "p2", "sdrv", 0, 3), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_parent_unregister(&counted);
	test_parent_unregister(&selfcount);
	assert_int_equal(umdev_bus_device_count(), 0);
	return 0;
}

static ssize_t create(struct umdev_type *type, const char *text)
{
	return umdev_type_create_store(type, text, strlen(text));
}

static bool exists(const char *name)
{
	struct umdev_device *mdev = umdev_device_get_by_name(name);

	if (mdev)
		umdev_device_put(mdev);
	return mdev != NULL;
}

static void remove_by_name(const char *name)
{
	struct umdev_device *mdev = umdev_device_get_by_name(name);

	assert_non_null(mdev);
	assert_int_equal(umdev_device_remove(mdev), 0);
	umdev_device_put(mdev);
}

static void accepts_36_and_37_bytes(void **state)
{
	(void)state;
	assert_int_equal(create(&counted.types[0], U1), 36);
	assert_int_equal(create(&counted.types[0], U2 "\n"), 37);
	/* The 37th byte is not checked. */
	assert_int_equal(create(&counted.types[1], U3 "x"), 37);
	assert_true(exists(U1) && exists(U2) && exists(U3));
	assert_int_equal(counted.probes, 3);
	remove_by_name(U1);
	remove_by_name(U2);
	remove_by_name(U3);
}

static void empty_write_does_nothing(void **state)
{
	(void)state;
	assert_int_equal(umdev_type_create_store(&counted.types[0], "", 0), 0);
	assert_int_equal(counted.probes, 0);
}

static void rejects_bad_lengths_and_text(void **state)
{
	static const char *const bad[] = {
		"0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a0",	      /* 35 bytes */
		U1 "\n\n",				      /* 38 bytes */
		"{" U1 "}",				      /* braces */
		" 0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01",	      /* leading space */
		"0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a0\n",	      /* 36 with newline inside */
		"0b5b0f3c_8c1e_4a43_9d5a_6c0e6f1f0a01",	      /* underscores */
		"0b5b0f3c8c1e4a439d5a6c0e6f1f0a01",	      /* no hyphens */
		"zb5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01",
		"1",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(create(&counted.types[0], bad[i]), -EINVAL);
	/* A UUID split over two writes fails on both. */
	assert_int_equal(umdev_type_create_store(&counted.types[0], U1, 20), -EINVAL);
	assert_int_equal(umdev_type_create_store(&counted.types[0], &U1[20], 16), -EINVAL);
	assert_int_equal(counted.probes, 0);
	assert_int_equal(umdev_bus_device_count(), 0);
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 4);
}

static void names_upper_case_in_lower_case(void **state)
{
	(void)state;
	assert_int_equal(create(&counted.types[0], "0B5B0F3C-8C1E-4A43-9D5A-6C0E6F1F0A0F"), 36);
	assert_true(exists("0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a0f"));
	/* Lookups take the canonical name only. */
	assert_null(umdev_device_get_by_name("0B5B0F3C-8C1E-4A43-9D5A-6C0E6F1F0A0F"));
	/* Duplicates compare bytes, whatever the case. */
	assert_int_equal(create(&counted.types[1], "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a0f"), -EEXIST);
	remove_by_name("0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a0f");
}

static void duplicate_uuid_is_eexist_across_parents(void **state)
{
	(void)state;
	assert_int_equal(create(&counted.types[0], U1), 36);
	assert_int_equal(create(&counted.types[0], U1), -EEXIST);
	assert_int_equal(create(&counted.types[1], U1), -EEXIST);
	assert_int_equal(create(&selfcount.types[0], U1), -EEXIST);
	assert_int_equal(selfcount.probes, 0);
	/* The failed attempts took no instance. */
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 3);
	remove_by_name(U1);
}

static void core_counts_instances_per_parent(void **state)
{
	(void)state;
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 4);
	assert_int_equal(create(&counted.types[0], U1), 36);
	assert_int_equal(create(&counted.types[1], U2), 36);
	/* One counter per parent, shown under every type. */
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 2);
	assert_int_equal(umdev_type_available_instances(&counted.types[1]), 2);
	assert_int_equal(create(&counted.types[0], U3), 36);
	assert_int_equal(create(&counted.types[0], U4), 36);
	assert_int_equal(umdev_type_available_instances(&counted.types[1]), 0);
	assert_int_equal(create(&counted.types[1], U5), -EUSERS);
	assert_int_equal(counted.probes, 4);
	assert_false(exists(U5));
	remove_by_name(U2);
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 1);
	assert_int_equal(create(&counted.types[1], U5), 36);
	remove_by_name(U1);
	remove_by_name(U3);
	remove_by_name(U4);
	remove_by_name(U5);
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 4);
}

static void instance_returns_only_at_final_release(void **state)
{
	struct umdev_device *held;
	(void)state;

	assert_int_equal(create(&counted.types[0], U1), 36);
	held = umdev_device_get_by_name(U1);
	assert_non_null(held);
	assert_int_equal(umdev_device_remove(held), 0);
	/* Removed but still referenced: gone from view, UUID and instance held. */
	assert_false(exists(U1));
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 3);
	assert_int_equal(create(&counted.types[0], U1), -EEXIST);
	umdev_device_put(held);
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 4);
	/* Released: the UUID can be reused at once. */
	assert_int_equal(create(&counted.types[0], U1), 36);
	remove_by_name(U1);
}

static void driver_counted_types_ask_the_driver(void **state)
{
	(void)state;
	assert_int_equal(umdev_type_available_instances(&selfcount.types[0]), 3);
	assert_int_equal(create(&selfcount.types[0], U1), 36);
	assert_int_equal(create(&selfcount.types[1], U2), 36);
	assert_int_equal(create(&selfcount.types[1], U3), 36);
	assert_int_equal(umdev_type_available_instances(&selfcount.types[1]), 0);
	/* The core enforces nothing here: the driver's probe refuses. */
	assert_int_equal(create(&selfcount.types[0], U4), -ENOSPC);
	assert_int_equal(selfcount.probes, 4);
	assert_false(exists(U4));
	remove_by_name(U2);
	assert_int_equal(umdev_type_available_instances(&selfcount.types[0]), 1);
	remove_by_name(U1);
	remove_by_name(U3);
}

static void probe_failure_rolls_back_and_passes_errno(void **state)
{
	(void)state;
	counted.probe_error = -EIO;
	assert_int_equal(create(&counted.types[0], U1), -EIO);
	counted.probe_error = -ENOSPC;
	assert_int_equal(create(&counted.types[0], U1), -ENOSPC);
	counted.probe_error = 0;
	assert_false(exists(U1));
	assert_int_equal(umdev_bus_device_count(), 0);
	assert_int_equal(umdev_type_available_instances(&counted.types[0]), 4);
	assert_int_equal(counted.removes, 0); /* remove never runs for a failed probe */
	/* The UUID is free again. */
	assert_int_equal(create(&counted.types[0], U1), 36);
	remove_by_name(U1);
}

static void device_knows_its_type_and_parent(void **state)
{
	struct umdev_device *mdev;
	(void)state;

	assert_int_equal(create(&counted.types[1], U1), 36);
	mdev = umdev_device_get_by_name(U1);
	assert_non_null(mdev);
	assert_ptr_equal(umdev_device_type(mdev), &counted.types[1]);
	assert_ptr_equal(umdev_device_parent(mdev), &counted.parent);
	assert_string_equal(umdev_device_name(mdev), U1);
	assert_true(umdev_device_is_bound(mdev));
	assert_non_null(umdev_get_drvdata(mdev));
	umdev_device_put(mdev);
	remove_by_name(U1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(accepts_36_and_37_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_write_does_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(rejects_bad_lengths_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(names_upper_case_in_lower_case, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_uuid_is_eexist_across_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(core_counts_instances_per_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(instance_returns_only_at_final_release, setup, teardown),
		cmocka_unit_test_setup_teardown(driver_counted_types_ask_the_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_failure_rolls_back_and_passes_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(device_knows_its_type_and_parent, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
