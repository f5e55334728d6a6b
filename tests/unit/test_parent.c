// SPDX-License-Identifier: MIT
/* Parents: registration rules, lookup, and unregistration with children. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"
#define U2 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a02"
#define U3 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a03"

static int nop_probe(struct umdev_device *mdev)
{
	(void)mdev;
	return 0;
}

static void nop_remove(struct umdev_device *mdev)
{
	(void)mdev;
}

static void registration_validates_its_input(void **state)
{
	struct umdev_parent parent;
	struct umdev_type a = { .sysfs_name = "a" }, a2 = { .sysfs_name = "a" };
	struct umdev_type slash = { .sysfs_name = "x/y" }, empty = { .sysfs_name = "" };
	struct umdev_type *types[] = { &a, &a2 };
	struct umdev_driver drv = { .name = "d", .device_api = "vfio-pci",
				    .probe = nop_probe, .remove = nop_remove };
	struct umdev_driver no_api = drv, no_probe = drv, bad_name = drv;
	char long_name[UMDEV_NAME_MAX + 2];
	(void)state;

	no_api.device_api = NULL;
	no_probe.probe = NULL;
	bad_name.name = "a/b";
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';

	assert_int_equal(umdev_register_parent(&parent, "p", &no_api, types, 1), -EINVAL);
	assert_int_equal(umdev_register_parent(&parent, "p", &no_probe, types, 1), -EINVAL);
	assert_int_equal(umdev_register_parent(&parent, "p", &bad_name, types, 1), -EINVAL);
	assert_int_equal(umdev_register_parent(&parent, "", &drv, types, 1), -EINVAL);
	assert_int_equal(umdev_register_parent(&parent, "..", &drv, types, 1), -EINVAL);
	assert_int_equal(umdev_register_parent(&parent, "a/b", &drv, types, 1), -EINVAL);
	assert_int_equal(umdev_register_parent(&parent, long_name, &drv, types, 1), -EINVAL);
	/* Two types of one sysfs name. */
	assert_int_equal(umdev_register_parent(&parent, "p", &drv, types, 2), -EINVAL);
	types[1] = &slash;
	assert_int_equal(umdev_register_parent(&parent, "p", &drv, types, 2), -EINVAL);
	types[1] = &empty;
	assert_int_equal(umdev_register_parent(&parent, "p", &drv, types, 2), -EINVAL);
	/* Nothing of the failures is visible. */
	assert_null(umdev_parent_get("p"));
	assert_null(a.parent);

	types[1] = &a2;
	a2.sysfs_name = "b";
	assert_int_equal(umdev_register_parent(&parent, "p", &drv, types, 2), 0);
	assert_string_equal(umdev_type_id(&a), "d-a");
	assert_string_equal(umdev_type_id(&a2), "d-b");
	assert_string_equal(umdev_type_name(&a), "a"); /* no pretty name: the sysfs name */
	assert_false(umdev_type_has_description(&a));
	assert_string_equal(umdev_type_device_api(&a), "vfio-pci");
	umdev_unregister_parent(&parent);
}

static void names_are_unique_and_types_belong_to_one_parent(void **state)
{
	struct test_parent one, two;
	struct umdev_parent other;
	struct umdev_driver drv = { .name = "d", .device_api = "vfio-pci",
				    .probe = nop_probe, .remove = nop_remove };
	(void)state;

	assert_int_equal(test_parent_register(&one, "same", "tdrv", 1, 0), 0);
	assert_int_equal(test_parent_register(&two, "same", "tdrv", 1, 0), -EEXIST);
	/* one's types are in use: a second parent cannot take them. */
	assert_int_equal(umdev_register_parent(&other, "other", &drv, one.type_ptrs, 1), -EBUSY);
	test_parent_unregister(&one);
	/* Gone: the name and the types are free again. */
	assert_int_equal(test_parent_register(&two, "same", "tdrv", 1, 0), 0);
	test_parent_unregister(&two);
}

static void parents_are_found_and_listed(void **state)
{
	struct test_parent one, two;
	umdev_name_t *names;
	(void)state;

	assert_int_equal(test_parent_register(&one, "first", "tdrv", 1, 0), 0);
	assert_int_equal(test_parent_register(&two, "second", "tdrv", 1, 0), 0);
	assert_int_equal(umdev_list_parents(&names), 2);
	assert_string_equal(names[0], "first");
	assert_string_equal(names[1], "second");
	free(names);

	struct umdev_parent *found = umdev_parent_get("second");
	assert_ptr_equal(found, &two.parent);
	assert_ptr_equal(umdev_parent_find_type(found, "tdrv-b"), &two.types[1]);
	assert_null(umdev_parent_find_type(found, "b"));
	assert_null(umdev_parent_get("Second")); /* case-sensitive */
	umdev_parent_put(found);

	test_parent_unregister(&one);
	assert_null(umdev_parent_get("first"));
	assert_int_equal(umdev_list_parents(&names), 1);
	free(names);
	test_parent_unregister(&two);
	assert_int_equal(umdev_list_parents(&names), 0);
	free(names);
}

static void unregistration_removes_every_child(void **state)
{
	struct test_parent tp, other;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 8, 0), 0);
	assert_int_equal(test_parent_register(&other, "q", "tdrv", 8, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&tp.types[1], U2, 36), 36);
	assert_int_equal(umdev_type_create_store(&other.types[0], U3, 36), 36);
	test_parent_unregister(&tp);
	assert_int_equal(tp.removes, 2);
	assert_int_equal(tp.live, 0);
	assert_null(umdev_device_get_by_name(U1));
	assert_null(umdev_device_get_by_name(U2));
	/* Another parent's devices are untouched. */
	struct umdev_device *mdev = umdev_device_get_by_name(U3);
	assert_non_null(mdev);
	umdev_device_put(mdev);
	assert_int_equal(umdev_bus_device_count(), 1);
	test_parent_unregister(&other);
	assert_int_equal(umdev_bus_device_count(), 0);
}

struct unregister_args {
	struct test_parent *tp;
	bool done;
};

static void *unregister_thread(void *arg)
{
	struct unregister_args *args = arg;

	test_parent_unregister(args->tp);
	__atomic_store_n(&args->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void *create_u1_thread(void *arg)
{
	struct test_parent *tp = arg;

	return (void *)(intptr_t)umdev_type_create_store(&tp->types[0], U1, 36);
}

/*
 * Waits (bounded) until the unregistration has raised its flag: a probing
 * create succeeds before that, and is undone, and fails with ENODEV after.
 */
static void wait_unregistering(struct test_parent *tp)
{
	for (int i = 0; i < 10000; i++) {
		ssize_t ret = umdev_type_create_store(&tp->types[1], U3, 36);
		if (ret == -ENODEV)
			return;
		if (ret == 36) {
			struct umdev_device *mdev = umdev_device_get_by_name(U3);
			if (mdev) {
				umdev_device_remove(mdev);
				umdev_device_put(mdev);
			}
		}
		usleep(1000);
	}
	fail_msg("the parent never started unregistering");
}

static void create_and_remove_during_unregistration_are_enodev(void **state)
{
	struct test_parent tp;
	struct unregister_args args = { &tp, false };
	pthread_t creator, unregisterer;
	struct umdev_device *mdev;
	void *created;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 8, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U2, 36), 36);
	mdev = umdev_device_get_by_name(U2);
	assert_non_null(mdev);

	/* A create is inside the parent, stopped in probe. */
	tp.probe_blocks = true;
	pthread_create(&creator, NULL, create_u1_thread, &tp);
	test_parent_wait_probe(&tp);
	pthread_create(&unregisterer, NULL, unregister_thread, &args);
	wait_unregistering(&tp);

	/* The unregistration waits for the create already inside... */
	assert_false(__atomic_load_n(&args.done, __ATOMIC_ACQUIRE));
	/* ...new ones, and removes, fail at once; a duplicate is still EEXIST. */
	assert_int_equal(umdev_type_create_store(&tp.types[0], U2, 36), -EEXIST);
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), -ENODEV);

	test_parent_release_probe(&tp);
	pthread_join(creator, &created);
	assert_int_equal((intptr_t)created, 36);
	/* It tears our held child down, then waits for our reference. */
	for (int i = 0; i < 10000 && umdev_device_is_bound(mdev); i++)
		usleep(1000);
	assert_false(umdev_device_is_bound(mdev));
	assert_false(__atomic_load_n(&args.done, __ATOMIC_ACQUIRE));
	umdev_device_put(mdev);
	pthread_join(unregisterer, NULL);
	assert_true(args.done);
	assert_int_equal(tp.live, 0);
	assert_int_equal(umdev_bus_device_count(), 0);
}

static void unregistration_waits_for_a_parent_reference(void **state)
{
	struct test_parent tp;
	struct unregister_args args = { &tp, false };
	pthread_t unregisterer;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 8, 0), 0);
	struct umdev_parent *held = umdev_parent_get("p");
	assert_non_null(held);
	pthread_create(&unregisterer, NULL, unregister_thread, &args);
	wait_unregistering(&tp);
	/* The parent's name leaves the registry at once. */
	for (int i = 0; i < 10000; i++) {
		struct umdev_parent *again = umdev_parent_get("p");
		if (!again)
			break;
		umdev_parent_put(again);
		usleep(1000);
	}
	assert_null(umdev_parent_get("p"));
	assert_false(__atomic_load_n(&args.done, __ATOMIC_ACQUIRE));
	assert_int_equal(umdev_type_available_instances(&tp.types[0]), 8);
	umdev_parent_put(held);
	pthread_join(unregisterer, NULL);
	assert_true(args.done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registration_validates_its_input),
		cmocka_unit_test(names_are_unique_and_types_belong_to_one_parent),
		cmocka_unit_test(parents_are_found_and_listed),
		cmocka_unit_test(unregistration_removes_every_child),
		cmocka_unit_test(create_and_remove_during_unregistration_are_enodev),
		cmocka_unit_test(unregistration_waits_for_a_parent_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
