// SPDX-License-Identifier: MIT
/* `remove` writes: the kernel's kstrtoul parsing, EAGAIN, ENODEV, reuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"

static struct umdev_device *create_and_get(const char *name)
{
	assert_int_equal(umdev_type_create_store(&test_p1.types[0], name, strlen(name)), 36);
	struct umdev_device *mdev = umdev_device_get_by_name(name);
	assert_non_null(mdev);
	return mdev;
}

static void accepts_numbers_in_any_base(void **state)
{
	static const char *const removing[] = {
		"1", "1\n", "0x1", "0X1f", "010", "+1", "18446744073709551615", "1\0junk",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(removing) / sizeof(removing[0]); i++) {
		struct umdev_device *mdev = create_and_get(U1);
		size_t len = i == 7 ? 6 : strlen(removing[i]);
		assert_int_equal(umdev_device_remove_store(mdev, removing[i], len), (ssize_t)len);
		umdev_device_put(mdev);
		assert_null(umdev_device_get_by_name(U1)); /* gone, and reusable next turn */
	}
	assert_int_equal(test_p1.removes, 8);
}

static void zero_and_empty_do_nothing(void **state)
{
	struct umdev_device *mdev;
	(void)state;

	mdev = create_and_get(U1);
	assert_int_equal(umdev_device_remove_store(mdev, "0", 1), 1);
	assert_int_equal(umdev_device_remove_store(mdev, "0x0\n", 4), 4);
	assert_int_equal(umdev_device_remove_store(mdev, "00", 2), 2);
	assert_int_equal(umdev_device_remove_store(mdev, "", 0), 0);
	assert_int_equal(test_p1.removes, 0);
	assert_true(umdev_device_is_bound(mdev));
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), 1);
	umdev_device_put(mdev);
}

static void rejects_what_is_not_one_number(void **state)
{
	static const char *const bad[] = {
		" 1", "1 ", "1\n\n", "-1", "x", "0x", "0xg", "08", "1a", "yes", "\n",
		"18446744073709551616", "0x10000000000000000", "1\t", "++1", "1\r\n",
		"999999999999999999999999999999999999999999999999999999999999999999999",
	};
	struct umdev_device *mdev;
	(void)state;

	mdev = create_and_get(U1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(umdev_device_remove_store(mdev, bad[i], strlen(bad[i])), -EINVAL);
	assert_int_equal(test_p1.removes, 0);
	/* Unlike the kernel's, the file still works after a failed write. */
	assert_int_equal(umdev_device_remove_store(mdev, "1\n", 2), 2);
	umdev_device_put(mdev);
}

static void second_remove_on_a_held_device_is_enodev(void **state)
{
	struct umdev_device *mdev;
	(void)state;

	mdev = create_and_get(U1);
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), 1);
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), -ENODEV);
	assert_int_equal(umdev_device_remove(mdev), -ENODEV);
	/* Zero is still a no-op, as on the kernel's open file: it never looks. */
	assert_int_equal(umdev_device_remove_store(mdev, "0", 1), 1);
	assert_int_equal(test_p1.removes, 1);
	umdev_device_put(mdev);
}

struct create_args {
	const char *uuid;
	ssize_t result;
};

static void *create_thread(void *arg)
{
	struct create_args *args = arg;

	args->result = umdev_type_create_store(&test_p1.types[0], args->uuid, strlen(args->uuid));
	return NULL;
}

static void remove_during_probe_is_eagain(void **state)
{
	struct create_args args = { U1, 0 };
	struct umdev_device *mdev;
	pthread_t thread;
	(void)state;

	test_p1.probe_blocks = true;
	pthread_create(&thread, NULL, create_thread, &args);
	test_parent_wait_probe(&test_p1);

	/* Visible (its directory and `remove` exist) but not bound yet. */
	mdev = umdev_device_get_by_name(U1);
	assert_non_null(mdev);
	assert_false(umdev_device_is_bound(mdev));
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), -EAGAIN);
	/* A create of the same UUID meanwhile: EEXIST. */
	assert_int_equal(umdev_type_create_store(&test_p1.types[1], U1, 36), -EEXIST);

	test_parent_release_probe(&test_p1);
	pthread_join(thread, NULL);
	assert_int_equal(args.result, 36);
	assert_true(umdev_device_is_bound(mdev));
	/* The same file works once the device is active. */
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), 1);
	umdev_device_put(mdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(accepts_numbers_in_any_base, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(zero_and_empty_do_nothing, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(rejects_what_is_not_one_number, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(second_remove_on_a_held_device_is_enodev, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(remove_during_probe_is_eagain, test_p1_setup,
						test_p1_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
