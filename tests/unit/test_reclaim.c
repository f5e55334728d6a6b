// SPDX-License-Identifier: MIT
/*
 * Taking a device back from its user before a remove or an unbind
 * (struct umdev_reclaim_ops): asked first, before anything changes, and a
 * refusal (an interrupted wait) leaves the device as it was.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include <umdev/driver_model.h>

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"

struct lender {
	int answer; /* what reclaim returns */
	int reclaims, cancels;
	bool interruptible;
	bool unbinding_seen_first; /* an UNBINDING event came before any reclaim */
	int journal_error;
	int journal_removes_before_reclaim;
	int journal_removes;
};

static struct lender lender;
static struct test_parent tp;
static int subscription;

static int reclaim(struct umdev_device *mdev, bool interruptible)
{
	(void)mdev;
	lender.reclaims++;
	lender.interruptible = interruptible;
	lender.journal_removes_before_reclaim = lender.journal_removes;
	return lender.answer;
}

static void cancel(struct umdev_device *mdev)
{
	(void)mdev;
	lender.cancels++;
}

static const struct umdev_reclaim_ops reclaim_ops = { reclaim, cancel };

static int record_create(struct umdev_device *mdev, void *arg)
{
	(void)mdev;
	(void)arg;
	return 0;
}

static int record_remove(struct umdev_device *mdev, void *arg)
{
	(void)mdev;
	(void)arg;
	lender.journal_removes++;
	return lender.journal_error;
}

static const struct umdev_journal_ops journal_ops = { record_create, record_remove, NULL };

static void on_event(const struct umdev_event *event, void *arg)
{
	(void)arg;
	if (event->type == UMDEV_EVENT_DEVICE_UNBINDING && !lender.reclaims)
		lender.unbinding_seen_first = true;
}

static int setup(void **state)
{
	(void)state;
	memset(&lender, 0, sizeof(lender));
	assert_int_equal(test_parent_register(&tp, "p1", "tdrv", 4, 0), 0);
	umdev_set_journal(&journal_ops, NULL);
	umdev_set_reclaim_ops(&reclaim_ops);
	subscription = umdev_subscribe(on_event, NULL);
	assert_true(subscription > 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	umdev_unsubscribe(subscription);
	umdev_set_reclaim_ops(NULL);
	umdev_set_journal(NULL, NULL);
	test_parent_unregister(&tp);
	assert_int_equal(umdev_bus_device_count(), 0);
	return 0;
}

static void remove_takes_the_device_back_first(void **state)
{
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	(void)state;

	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), 1);
	assert_int_equal(lender.reclaims, 1);
	assert_true(lender.interruptible);
	assert_int_equal(lender.journal_removes_before_reclaim, 0);
	assert_int_equal(lender.journal_removes, 1);
	assert_false(lender.unbinding_seen_first);
	assert_int_equal(lender.cancels, 0);
	assert_int_equal(tp.removes, 1);
	umdev_device_put(mdev);
}

static void interrupted_reclaim_changes_nothing(void **state)
{
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	(void)state;

	lender.answer = -EINTR;
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), -EINTR);
	assert_true(umdev_device_is_bound(mdev));
	assert_int_equal(lender.journal_removes, 0);
	assert_int_equal(tp.removes, 0);
	assert_int_equal(lender.cancels, 0); /* nothing to cancel: the lender kept its user */
	assert_int_equal(umdev_type_available_instances(&tp.types[0]), 3);

	/* The same for an unbind; the device stays bound. */
	assert_int_equal(umdev_driver_unbind_store("tdrv", U1, 36), -EINTR);
	assert_int_equal(lender.reclaims, 2);
	assert_true(umdev_device_is_bound(mdev));
	assert_int_equal(tp.removes, 0);

	/* Once the user lets go, the remove works. */
	lender.answer = 0;
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), 1);
	assert_int_equal(tp.removes, 1);
	umdev_device_put(mdev);
}

static void a_remove_the_journal_refuses_gives_the_device_back(void **state)
{
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	(void)state;

	lender.journal_error = -EROFS;
	assert_int_equal(umdev_device_remove_store(mdev, "1", 1), -EROFS);
	assert_int_equal(lender.reclaims, 1);
	assert_int_equal(lender.cancels, 1);
	assert_true(umdev_device_is_bound(mdev));
	assert_int_equal(tp.removes, 0);
	lender.journal_error = 0;
	umdev_device_put(mdev);
}

static void unbind_takes_the_device_back_first(void **state)
{
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	(void)state;

	assert_int_equal(umdev_driver_unbind_store("tdrv", U1, 36), 36);
	assert_int_equal(lender.reclaims, 1);
	assert_true(lender.interruptible);
	assert_false(lender.unbinding_seen_first);
	assert_false(umdev_device_has_driver(mdev));
	assert_true(umdev_device_is_bound(mdev)); /* still created, without a driver */
	assert_int_equal(tp.removes, 1);
	umdev_device_put(mdev);
}

static bool interrupted_answer;
static int waits_begun, waits_ended;
static bool interrupted(void)
{
	return interrupted_answer;
}
static void wait_begin(void)
{
	waits_begun++;
}
static void wait_end(void)
{
	waits_ended++;
}

static void request_ops_answer_for_the_frontend(void **state)
{
	static const struct umdev_request_ops ops = { interrupted, wait_begin, wait_end };
	(void)state;

	assert_false(umdev_interrupted()); /* no frontend: never */
	umdev_wait_begin();
	umdev_set_request_ops(&ops);
	interrupted_answer = true;
	assert_true(umdev_interrupted());
	interrupted_answer = false;
	assert_false(umdev_interrupted());
	umdev_wait_begin();
	umdev_wait_end();
	assert_int_equal(waits_begun, 1);
	assert_int_equal(waits_ended, 1);
	umdev_set_request_ops(NULL);
	assert_false(umdev_interrupted());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(remove_takes_the_device_back_first, setup, teardown),
		cmocka_unit_test_setup_teardown(interrupted_reclaim_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(a_remove_the_journal_refuses_gives_the_device_back,
						setup, teardown),
		cmocka_unit_test_setup_teardown(unbind_takes_the_device_back_first, setup, teardown),
		cmocka_unit_test_setup_teardown(request_ops_answer_for_the_frontend, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
