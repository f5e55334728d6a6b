// SPDX-License-Identifier: MIT
/* Type attributes, the driver's device attributes, added attributes; listings. */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

static void type_attributes(void **state)
{
	char buf[UMDEV_ATTR_BUF_SIZE];
	(void)state;

	assert_string_equal(umdev_type_id(&test_p1.types[0]), "tdrv-a");
	assert_string_equal(umdev_type_name(&test_p1.types[0]), "Test type A");
	assert_string_equal(umdev_type_name(&test_p1.types[1]), "b");
	assert_true(umdev_type_has_description(&test_p1.types[1]));
	assert_int_equal(umdev_type_show_description(&test_p1.types[1], buf), 22);
	assert_memory_equal(buf, "test device of type b\n", 22);
	assert_ptr_equal(umdev_type_parent(&test_p1.types[1]), &test_p1.parent);
}

static void device_attributes_show_and_store(void **state)
{
	char buf[UMDEV_ATTR_BUF_SIZE];
	struct umdev_device *mdev;
	const struct umdev_attribute *setting, *serial, *poke;
	(void)state;

	assert_int_equal(umdev_type_create_store(&test_p1.types[0], U1, 36), 36);
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

	args->result = umdev_type_create_store(&test_p1.types[1], U3, 36);
	return NULL;
}

static void listings_follow_the_kernel_tree(void **state)
{
	umdev_uuid_t *all, *of_parent, *of_a, *of_b;
	struct create_args args;
	pthread_t thread;
	(void)state;

	assert_int_equal(umdev_type_create_store(&test_p1.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&test_p1.types[0], U2, 36), 36);
	test_p1.probe_blocks = true;
	pthread_create(&thread, NULL, create_u3, &args);
	test_parent_wait_probe(&test_p1);

	/* U3 is being probed: its directory exists, its devices/ link not yet. */
	assert_int_equal(umdev_list_devices(&all), 3);
	assert_int_equal(umdev_parent_list_devices(&test_p1.parent, &of_parent), 3);
	assert_int_equal(umdev_type_list_devices(&test_p1.types[0], &of_a), 2);
	assert_int_equal(umdev_type_list_devices(&test_p1.types[1], &of_b), 0);
	assert_true(contains(all, 3, U3) && contains(of_parent, 3, U3));
	assert_true(contains(of_a, 2, U1) && contains(of_a, 2, U2));
	free(all);
	free(of_parent);
	free(of_a);
	free(of_b);

	test_parent_release_probe(&test_p1);
	pthread_join(thread, NULL);
	assert_int_equal(args.result, 36);
	assert_int_equal(umdev_type_list_devices(&test_p1.types[1], &of_b), 1);
	assert_true(contains(of_b, 1, U3));
	free(of_b);
}

/* A file a frontend adds to a device (as vfio-user adds its socket's name). */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool in_show, leave_show;
} slow = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false };

static ssize_t added_show(struct umdev_device *mdev, char *buf)
{
	(void)mdev;
	memcpy(buf, "added\n", 6);
	return 6;
}

/* Waits inside the show until the test lets it go. */
static ssize_t slow_show(struct umdev_device *mdev, char *buf)
{
	pthread_mutex_lock(&slow.lock);
	slow.in_show = true;
	pthread_cond_broadcast(&slow.cond);
	while (!slow.leave_show)
		pthread_cond_wait(&slow.cond, &slow.lock);
	pthread_mutex_unlock(&slow.lock);
	return added_show(mdev, buf);
}

static const struct umdev_attribute added = { .name = "added", .show = added_show };
static const struct umdev_attribute added_grouped = {
	.group = "vendor", .name = "extra", .show = added_show,
};
static const struct umdev_attribute slow_attr = { .name = "slow", .show = slow_show };

static bool listed(struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	const struct umdev_attribute **attrs;
	ssize_t count = umdev_device_list_attrs(mdev, &attrs);
	bool found = false;

	assert_true(count >= 0);
	for (ssize_t i = 0; i < count; i++)
		found |= attrs[i] == attr;
	free(attrs);
	return found;
}

static void added_attributes_come_and_go(void **state)
{
	char buf[UMDEV_ATTR_BUF_SIZE];
	struct umdev_device *mdev;
	(void)state;

	assert_int_equal(umdev_type_create_store(&test_p1.types[0], U1, 36), 36);
	mdev = umdev_device_get_by_name(U1);
	assert_false(listed(mdev, &added));
	assert_int_equal(umdev_device_add_attr(mdev, &added), 0);
	assert_int_equal(umdev_device_add_attr(mdev, &added_grouped), 0);
	assert_ptr_equal(umdev_device_find_attr(mdev, NULL, "added"), &added);
	assert_ptr_equal(umdev_device_find_attr(mdev, "vendor", "extra"), &added_grouped);
	assert_true(listed(mdev, &added) && listed(mdev, &added_grouped));
	assert_int_equal(umdev_device_attr_show(mdev, &added, buf), 6);
	assert_memory_equal(buf, "added\n", 6);
	assert_int_equal(umdev_device_attr_store(mdev, &added, "x", 1), -EACCES);

	/* The place of a file the device has, or its driver's, is taken. */
	assert_int_equal(umdev_device_add_attr(mdev, &added), -EEXIST);
	assert_int_equal(umdev_device_add_attr(mdev, &(struct umdev_attribute){
		.group = "vendor", .name = "setting", .show = added_show }), -EEXIST);
	assert_int_equal(umdev_device_add_attr(mdev, &(struct umdev_attribute){
		.name = "a/b", .show = added_show }), -EINVAL);
	assert_int_equal(umdev_device_add_attr(mdev, &(struct umdev_attribute){
		.name = "..", .show = added_show }), -EINVAL);
	assert_int_equal(umdev_device_add_attr(mdev, &(struct umdev_attribute){
		.name = "none" }), -EINVAL);

	umdev_device_remove_attr(mdev, &added);
	umdev_device_remove_attr(mdev, &added); /* twice: nothing happens */
	assert_null(umdev_device_find_attr(mdev, NULL, "added"));
	assert_false(listed(mdev, &added));
	assert_int_equal(umdev_device_attr_show(mdev, &added, buf), -ENODEV);

	/* Removing the device drops what is still added. */
	assert_int_equal(umdev_device_remove(mdev), 0);
	assert_int_equal(umdev_device_attr_show(mdev, &added_grouped, buf), -ENODEV);
	assert_int_equal(umdev_device_add_attr(mdev, &added), -ENODEV);
	umdev_device_put(mdev);
}

struct show_args {
	struct umdev_device *mdev;
	ssize_t result;
};

static void *show_slow(void *arg)
{
	struct show_args *args = arg;
	char buf[UMDEV_ATTR_BUF_SIZE];

	args->result = umdev_device_attr_show(args->mdev, &slow_attr, buf);
	return NULL;
}

static void *remove_slow(void *arg)
{
	umdev_device_remove_attr(arg, &slow_attr);
	return NULL;
}

/* As kernfs drains a removed file: removal returns after the running show. */
static void removing_an_attribute_waits_for_its_show(void **state)
{
	struct show_args args;
	pthread_t shower, remover;
	struct umdev_device *mdev;
	(void)state;

	assert_int_equal(umdev_type_create_store(&test_p1.types[0], U1, 36), 36);
	mdev = umdev_device_get_by_name(U1);
	assert_int_equal(umdev_device_add_attr(mdev, &slow_attr), 0);
	args.mdev = mdev;
	pthread_create(&shower, NULL, show_slow, &args);
	pthread_mutex_lock(&slow.lock);
	while (!slow.in_show)
		pthread_cond_wait(&slow.cond, &slow.lock);
	pthread_mutex_unlock(&slow.lock);

	pthread_create(&remover, NULL, remove_slow, mdev);
	/* The file is gone for new callers at once, the show still runs. */
	while (umdev_device_find_attr(mdev, NULL, "slow"))
		sched_yield();
	assert_int_equal(pthread_tryjoin_np(remover, NULL), EBUSY);

	pthread_mutex_lock(&slow.lock);
	slow.leave_show = true;
	pthread_cond_broadcast(&slow.cond);
	pthread_mutex_unlock(&slow.lock);
	pthread_join(remover, NULL);
	pthread_join(shower, NULL);
	assert_int_equal(args.result, 6);

	assert_int_equal(umdev_device_remove(mdev), 0);
	umdev_device_put(mdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(type_attributes, test_p1_setup, test_p1_teardown),
		cmocka_unit_test_setup_teardown(device_attributes_show_and_store, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(listings_follow_the_kernel_tree, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(added_attributes_come_and_go, test_p1_setup,
						test_p1_teardown),
		cmocka_unit_test_setup_teardown(removing_an_attribute_waits_for_its_show, test_p1_setup,
						test_p1_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
