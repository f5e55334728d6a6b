// SPDX-License-Identifier: MIT
/*
 * Concurrency stress: worker threads create, remove and enumerate devices
 * on several parents, as frontends do (looking each parent up by name for
 * every operation), while another thread unregisters parents and registers
 * them again. It checks the invariants that matter to users:
 *   - no UUID is ever listed twice;
 *   - every errno is one the kernel gives for the situation;
 *   - no device is left on a parent that was unregistered;
 *   - when all is quiet, available_instances matches the live devices;
 *   - nothing is left on the bus at the end (and LSan finds no leak).
 * Iterations are bounded; nothing here depends on timing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "check.h"
#include "test_driver.h"

#define NR_PARENTS 3
#define NR_WORKERS 4
#define NR_UUIDS 96	    /* a small pool, so that UUIDs collide */
#define CORE_BUDGET 16	    /* instances of a core-counted parent */
#define DRIVER_BUDGET 12    /* instances of the driver-counted parent */

static unsigned int worker_ops = 200000;
static unsigned int churn_rounds = 1000;


static struct test_parent parents[NR_PARENTS];
static const char *const parent_names[NR_PARENTS] = { "s0", "s1", "s2" };
static uint8_t pool[NR_UUIDS][UMDEV_UUID_SIZE];

static unsigned int outcome[8]; /* ok, EEXIST, EUSERS, ENOSPC, ENODEV, EAGAIN, remove ok */
static pthread_mutex_t outcome_lock = PTHREAD_MUTEX_INITIALIZER;

static int register_parent(int i)
{
	/* Parent 2 counts its own instances, the others leave it to the core. */
	return i == 2 ? test_parent_register(&parents[i], parent_names[i], "sdrv", 0, DRIVER_BUDGET)
		      : test_parent_register(&parents[i], parent_names[i], "cdrv", CORE_BUDGET, 0);
}

static unsigned int next_random(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

static void count(int slot)
{
	pthread_mutex_lock(&outcome_lock);
	outcome[slot]++;
	pthread_mutex_unlock(&outcome_lock);
}

static void do_create(unsigned int *seed)
{
	int p = next_random(seed) % NR_PARENTS;
	struct umdev_parent *parent = umdev_parent_get(parent_names[p]);
	char text[UMDEV_UUID_STRING_LEN + 1];

	if (!parent)
		return; /* being re-registered: its files are gone */
	umdev_uuid_format(pool[next_random(seed) % NR_UUIDS], text);
	struct umdev_type *type = parent->types[next_random(seed) % parent->nr_types];
	ssize_t ret = umdev_type_create_store(type, text, UMDEV_UUID_STRING_LEN);
	umdev_parent_put(parent);

	switch (ret) {
	case UMDEV_UUID_STRING_LEN: count(0); break;
	case -EEXIST: count(1); break;
	case -EUSERS: count(2); break;
	case -ENOSPC: count(3); break;
	case -ENODEV: count(4); break;
	default: check(!"create gave an errno the kernel would not");
	}
}

static void do_remove(unsigned int *seed)
{
	struct umdev_device *mdev = umdev_device_get(pool[next_random(seed) % NR_UUIDS]);

	if (!mdev)
		return;
	ssize_t ret = umdev_device_remove_store(mdev, "1\n", 2);
	umdev_device_put(mdev);
	switch (ret) {
	case 2: count(6); break;
	case -ENODEV: count(4); break;
	case -EAGAIN: count(5); break;
	default: check(!"remove gave an errno the kernel would not");
	}
}

static int compare_uuid(const void *a, const void *b)
{
	return memcmp(a, b, UMDEV_UUID_SIZE);
}

/* A snapshot never holds one UUID twice. */
static void check_unique(ssize_t n, umdev_uuid_t *uuids)
{
	check(n >= 0 && n <= NR_UUIDS);
	if (n > 1)
		qsort(uuids, (size_t)n, sizeof(*uuids), compare_uuid);
	for (ssize_t i = 1; i < n; i++)
		check(memcmp(uuids[i - 1], uuids[i], UMDEV_UUID_SIZE));
	free(uuids);
}

static void do_enumerate(unsigned int *seed)
{
	umdev_uuid_t *uuids;
	ssize_t n;

	n = umdev_list_devices(&uuids);
	check_unique(n, uuids);
	struct umdev_parent *parent = umdev_parent_get(parent_names[next_random(seed) % NR_PARENTS]);
	if (!parent)
		return;
	n = umdev_parent_list_devices(parent, &uuids);
	check_unique(n, uuids);
	for (unsigned int t = 0; t < parent->nr_types; t++) {
		check(umdev_type_available_instances(parent->types[t]) <= CORE_BUDGET);
		n = umdev_type_list_devices(parent->types[t], &uuids);
		check_unique(n, uuids);
	}
	umdev_parent_put(parent);
}

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	for (unsigned int i = 0; i < worker_ops; i++) {
		switch (next_random(&seed) % 3) {
		case 0: do_create(&seed); break;
		case 1: do_remove(&seed); break;
		default: do_enumerate(&seed); break;
		}
	}
	return NULL;
}

/* After an unregistration no device of that parent may remain anywhere. */
static void assert_no_orphans(struct test_parent *tp)
{
	umdev_uuid_t *uuids;
	ssize_t n = umdev_list_devices(&uuids);

	check(tp->live == 0);
	for (ssize_t i = 0; i < n; i++) {
		struct umdev_device *mdev = umdev_device_get(uuids[i]);
		if (mdev) {
			check(umdev_device_parent(mdev) != &tp->parent);
			umdev_device_put(mdev);
		}
	}
	free(uuids);
}

static void *churn(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	for (unsigned int round = 0; round < churn_rounds; round++) {
		int p = next_random(&seed) % NR_PARENTS;
		test_parent_unregister(&parents[p]);
		assert_no_orphans(&parents[p]);
		check(register_parent(p) == 0);
	}
	return NULL;
}

static void quiet_state_is_consistent(void)
{
	for (int p = 0; p < NR_PARENTS; p++) {
		umdev_uuid_t *uuids;
		ssize_t live = umdev_parent_list_devices(&parents[p].parent, &uuids);
		free(uuids);
		assert_int_equal(live, parents[p].live);
		unsigned int available = umdev_type_available_instances(&parents[p].types[0]);
		assert_int_equal(available + (unsigned int)live, p == 2 ? DRIVER_BUDGET : CORE_BUDGET);
	}
}

static void stress(void **state)
{
	pthread_t workers[NR_WORKERS], churner;
	(void)state;

	for (int i = 0; i < NR_UUIDS; i++)
		for (int b = 0; b < UMDEV_UUID_SIZE; b++)
			pool[i][b] = (uint8_t)(i * 37 + b * 11 + (b == 15 ? i : 0));
	for (int p = 0; p < NR_PARENTS; p++)
		assert_int_equal(register_parent(p), 0);

	for (int i = 0; i < NR_WORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	pthread_create(&churner, NULL, churn, (void *)(uintptr_t)99);
	for (int i = 0; i < NR_WORKERS; i++)
		pthread_join(workers[i], NULL);
	pthread_join(churner, NULL);

	quiet_state_is_consistent();
	for (int p = 0; p < NR_PARENTS; p++) {
		test_parent_unregister(&parents[p]);
		assert_no_orphans(&parents[p]);
	}
	assert_int_equal(umdev_bus_device_count(), 0);

	printf("# created %u, EEXIST %u, EUSERS %u, ENOSPC %u, ENODEV %u, EAGAIN %u, removed %u\n",
	       outcome[0], outcome[1], outcome[2], outcome[3], outcome[4], outcome[5], outcome[6]);
	/* The run must have exercised the contended paths, or it proves little. */
	assert_true(outcome[0] > 100 && outcome[1] > 0 && outcome[2] > 0 && outcome[3] > 0 &&
		    outcome[4] > 0 && outcome[6] > 100);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		worker_ops = (unsigned int)strtoul(argv[1], NULL, 0);
	if (argc > 2)
		churn_rounds = (unsigned int)strtoul(argv[2], NULL, 0);
	const struct CMUnitTest tests[] = { cmocka_unit_test(stress) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
