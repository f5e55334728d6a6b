// SPDX-License-Identifier: MIT
/*
 * Every allocation an operation of the core makes fails once, in turn
 * (failmalloc.h): the operation returns -ENOMEM and changes nothing, and
 * nothing leaks (LeakSanitizer checks at exit in the ASan build). Then the
 * same operation with no failure succeeds, so each loop has reached every
 * allocation of the operation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <umdev/vfio.h>
#include <umdev/vfio_user.h>

#include "failmalloc.h"
#include "journal.h"
#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"
#define U2 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a02"

static struct test_parent *const tp = &test_p1;

/*
 * Runs @op with its 1st, 2nd, ... allocation failing until it runs with
 * none failing. A failure is -ENOMEM, or success when the allocation was
 * one its maker can do without (the C library shrinking asprintf's buffer);
 * @op undoes a success itself. @failed checks the state after a failure.
 * Returns how many allocations the operation makes.
 */
static unsigned long each_allocation_fails(long (*op)(void), long success,
					   void (*failed)(void))
{
	unsigned long nth;

	for (nth = 1;; nth++) {
		failmalloc_arm(nth);
		long ret = op();
		bool fired = failmalloc_disarm();

		if (!fired) {
			if (ret != success)
				print_error("allocation %lu: %ld without a failure\n", nth, ret);
			assert_int_equal(ret, success);
			return nth - 1;
		}
		if (ret == success)
			continue;
		if (ret != -ENOMEM)
			print_error("allocation %lu failed: the operation returned %ld\n", nth, ret);
		assert_int_equal(ret, -ENOMEM);
		if (failed)
			failed();
	}
}

static long create_u1(void)
{
	return umdev_type_create_store(&tp->types[0], U1, 36);
}

static long create_and_remove_u1(void)
{
	long ret = create_u1();

	if (ret > 0) {
		struct umdev_device *mdev = umdev_device_get_by_name(U1);

		assert_int_equal(umdev_device_remove(mdev), 0);
		umdev_device_put(mdev);
	}
	return ret;
}

static void nothing_created(void)
{
	assert_int_equal(umdev_bus_device_count(), 0);
	assert_int_equal(umdev_type_available_instances(&tp->types[0]), 8);
	assert_int_equal(tp->live, 0);
}

static void create(void **state)
{
	(void)state;
	/* The device, the index, the driver's state. */
	assert_true(each_allocation_fails(create_and_remove_u1, 36, nothing_created) >= 2);
	nothing_created();
}

static long list_everything(void)
{
	umdev_uuid_t *uuids;
	umdev_name_t *names;
	const struct umdev_attribute **attrs;
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	ssize_t ret;

	ret = umdev_list_devices(&uuids);
	if (ret >= 0) {
		free(uuids);
		ret = umdev_parent_list_devices(&tp->parent, &uuids);
	}
	if (ret >= 0) {
		free(uuids);
		ret = umdev_type_list_devices(&tp->types[0], &uuids);
	}
	if (ret >= 0) {
		free(uuids);
		ret = umdev_list_parents(&names);
	}
	if (ret >= 0) {
		free(names);
		ret = umdev_device_list_attrs(mdev, &attrs);
	}
	if (ret >= 0) {
		free(attrs);
		ret = 0;
	}
	umdev_device_put(mdev);
	return ret;
}

static void listings(void **state)
{
	(void)state;
	assert_int_equal(create_u1(), 36);
	assert_int_equal(umdev_type_create_store(&tp->types[0], U2, 36), 36);
	assert_int_equal(each_allocation_fails(list_everything, 0, NULL), 5);
}

static void on_event(const struct umdev_event *event, void *arg)
{
	(void)event, (void)arg;
}

static long subscribe(void)
{
	int handle = umdev_subscribe(on_event, NULL);

	if (handle > 0) {
		umdev_unsubscribe(handle);
		return 0;
	}
	return handle;
}

static ssize_t show_nothing(struct umdev_device *mdev, char *buf)
{
	(void)mdev, (void)buf;
	return 0;
}

static const struct umdev_attribute extra = { .name = "extra", .show = show_nothing };

static long add_attr(void)
{
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	int ret = umdev_device_add_attr(mdev, &extra);

	if (!ret)
		umdev_device_remove_attr(mdev, &extra);
	umdev_device_put(mdev);
	return ret;
}

static void subscribers_and_added_files(void **state)
{
	(void)state;
	assert_int_equal(each_allocation_fails(subscribe, 0, NULL), 1);
	assert_int_equal(create_u1(), 36);
	assert_int_equal(each_allocation_fails(add_attr, 0, NULL), 1);
}

/* The vfio-user frontend: its start, and attaching a device model. */
static char socket_dir[64];

static long start_vfio_user(void)
{
	int ret = umdev_vfio_user_start(socket_dir, NULL);

	if (!ret)
		umdev_vfio_user_stop();
	return ret;
}

static struct umdev_vfio_device model;

static long attach_model(void)
{
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	int ret = umdev_device_set_vfio(mdev, &model);

	if (!ret) {
		assert_ptr_equal(umdev_device_vfio(mdev), &model);
		umdev_device_set_vfio(mdev, NULL);
	} else {
		assert_null(umdev_device_vfio(mdev));
	}
	umdev_device_put(mdev);
	return ret;
}

static void vfio_user_frontend(void **state)
{
	(void)state;
	strcpy(socket_dir, "/tmp/umdev-af-XXXXXX");
	assert_non_null(mkdtemp(socket_dir));
	/* strdup and the subscription; under ASan strdup does not come here. */
	assert_true(each_allocation_fails(start_vfio_user, 0, NULL) >= 1);
	assert_int_equal(create_u1(), 36);
	/* the binding, and the first time the table's buckets; then the binding alone */
	assert_int_equal(each_allocation_fails(attach_model, 0, NULL), 2);
	assert_int_equal(each_allocation_fails(attach_model, 0, NULL), 1);
	rmdir(socket_dir);
}

/* The journal (linked into umdevd): opening one that holds a device. */
static char journal_path[80];

static long open_journal(void)
{
	struct umdev_journal *journal;
	int ret = umdev_journal_open(journal_path, &journal);

	if (!ret) {
		failmalloc_pause(true); /* closing is not the operation */
		umdev_journal_close(journal);
		failmalloc_pause(false);
	}
	return ret;
}

static void journal(void **state)
{
	char dir[32] = "/tmp/umdev-af-XXXXXX";
	struct umdev_journal *journal;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(journal_path, sizeof(journal_path), "%s/journal.json", dir);
	assert_int_equal(umdev_journal_open(journal_path, &journal), 0);
	assert_int_equal(umdev_journal_restore_and_start(journal), 0);
	assert_int_equal(create_u1(), 36);
	umdev_journal_close(journal);
	/* json-c 0.16 itself crashes when its allocations fail (a NULL key). */
	failmalloc_skip("libjson-c");
	assert_true(each_allocation_fails(open_journal, 0, NULL) >= 3);
	failmalloc_skip(NULL);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static int remove_all(void **state)
{
	umdev_uuid_t *uuids;
	ssize_t n = umdev_list_devices(&uuids);

	for (ssize_t i = 0; i < n; i++) {
		struct umdev_device *mdev = umdev_device_get(uuids[i]);
		if (mdev) {
			umdev_device_remove(mdev);
			umdev_device_put(mdev);
		}
	}
	free(uuids);
	return test_p1_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create, test_p1_setup, remove_all),
		cmocka_unit_test_setup_teardown(listings, test_p1_setup, remove_all),
		cmocka_unit_test_setup_teardown(subscribers_and_added_files, test_p1_setup,
						remove_all),
		cmocka_unit_test_setup_teardown(vfio_user_frontend, test_p1_setup, remove_all),
		cmocka_unit_test_setup_teardown(journal, test_p1_setup, remove_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
