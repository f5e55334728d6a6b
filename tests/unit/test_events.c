// SPDX-License-Identifier: MIT
/* Events: what a frontend sees, in the order the kernel shows it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"

struct record {
	enum umdev_event_type types[32];
	bool bound_when[32]; /* umdev_device_is_bound() at the event */
	int count;
};

static void record_event(const struct umdev_event *event, void *arg)
{
	struct record *rec = arg;

	if (rec->count < 32) {
		rec->bound_when[rec->count] = event->mdev && umdev_device_is_bound(event->mdev);
		rec->types[rec->count++] = event->type;
	}
}

static void assert_events(const struct record *rec, const enum umdev_event_type *expected,
			  int count)
{
	assert_int_equal(rec->count, count);
	for (int i = 0; i < count; i++)
		assert_string_equal(umdev_event_name(rec->types[i]), umdev_event_name(expected[i]));
}

static void lifecycle_events_in_kernel_order(void **state)
{
	struct record rec = { 0 };
	struct test_parent tp;
	int handle = umdev_subscribe(record_event, &rec);
	(void)state;

	assert_true(handle > 0);
	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	const struct umdev_attribute *attr = umdev_device_find_attr(mdev, "vendor", "setting");
	assert_int_equal(umdev_device_attr_store(mdev, attr, "x", 1), 1);
	assert_int_equal(umdev_device_attr_store(mdev, attr, "", 0), -EINVAL); /* no event */
	assert_int_equal(umdev_device_remove(mdev), 0);
	umdev_device_put(mdev);
	tp.probe_error = -EIO;
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), -EIO);
	tp.probe_error = 0;
	assert_int_equal(umdev_type_create_store(&tp.types[1], U1, 36), 36);
	test_parent_unregister(&tp);
	umdev_unsubscribe(handle);

	static const enum umdev_event_type expected[] = {
		UMDEV_EVENT_PARENT_REGISTERED,
		UMDEV_EVENT_DEVICE_ADDED, UMDEV_EVENT_DEVICE_BOUND,	 /* create */
		UMDEV_EVENT_DEVICE_CHANGED,				 /* store */
		UMDEV_EVENT_DEVICE_UNBINDING, UMDEV_EVENT_DEVICE_UNBOUND, /* remove */
		UMDEV_EVENT_DEVICE_REMOVED,
		UMDEV_EVENT_DEVICE_ADDED, UMDEV_EVENT_DEVICE_REMOVED,	 /* probe fails */
		UMDEV_EVENT_DEVICE_ADDED, UMDEV_EVENT_DEVICE_BOUND,	 /* create */
		UMDEV_EVENT_DEVICE_UNBINDING, UMDEV_EVENT_DEVICE_UNBOUND, /* unregister */
		UMDEV_EVENT_DEVICE_REMOVED,
		UMDEV_EVENT_PARENT_UNREGISTERED,
	};
	assert_events(&rec, expected, sizeof(expected) / sizeof(expected[0]));
	/* `remove` exists before `mdev_type`; links go before the device. */
	assert_false(rec.bound_when[1]);
	assert_true(rec.bound_when[2]);
	assert_true(rec.bound_when[4]);
	assert_false(rec.bound_when[5]);
	assert_false(rec.bound_when[6]);
}

static void unsubscribed_hears_nothing(void **state)
{
	struct record first = { 0 }, second = { 0 };
	struct test_parent tp;
	(void)state;

	int a = umdev_subscribe(record_event, &first);
	int b = umdev_subscribe(record_event, &second);
	assert_int_not_equal(a, b);
	umdev_unsubscribe(a);
	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	test_parent_unregister(&tp);
	umdev_unsubscribe(b);
	assert_int_equal(first.count, 0);
	assert_int_equal(second.count, 2);
}

/* A subscriber that leaves at its first event (a one-shot waiter does). */
struct one_shot {
	int handle;
	int calls;
};

static void leave_at_first_event(const struct umdev_event *event, void *arg)
{
	struct one_shot *shot = arg;

	(void)event;
	shot->calls++;
	umdev_unsubscribe(shot->handle);
}

static void subscriber_can_unsubscribe_itself(void **state)
{
	struct one_shot shot = { 0 };
	struct record after = { 0 };
	struct test_parent tp;
	(void)state;

	shot.handle = umdev_subscribe(leave_at_first_event, &shot);
	int b = umdev_subscribe(record_event, &after);
	assert_true(shot.handle > 0 && b > 0);
	/* It returns (no deadlock) and later subscribers still hear the event. */
	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	test_parent_unregister(&tp);
	umdev_unsubscribe(b);
	assert_int_equal(shot.calls, 1);
	/* registered, added, bound, unbinding, unbound, removed, unregistered */
	assert_int_equal(after.count, 7);
}

/* A subscriber may subscribe another one, which hears the next events. */
static struct record nested;
static int nested_handle;

static void subscribe_another(const struct umdev_event *event, void *arg)
{
	(void)arg;
	if (event->type == UMDEV_EVENT_PARENT_REGISTERED)
		nested_handle = umdev_subscribe(record_event, &nested);
}

static void subscriber_can_subscribe(void **state)
{
	struct test_parent tp;
	(void)state;

	int a = umdev_subscribe(subscribe_another, NULL);
	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	assert_true(nested_handle > 0);
	test_parent_unregister(&tp);
	umdev_unsubscribe(a);
	umdev_unsubscribe(nested_handle);
	/* It was added behind the running one: it hears the registration too. */
	assert_int_equal(nested.count, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifecycle_events_in_kernel_order),
		cmocka_unit_test(unsubscribed_hears_nothing),
		cmocka_unit_test(subscriber_can_unsubscribe_itself),
		cmocka_unit_test(subscriber_can_subscribe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
