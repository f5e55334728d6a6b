/* SPDX-License-Identifier: MIT */
/*
 * A parent driver for the core's tests: a real driver, registered with the
 * real core, whose probe can be told to fail or to wait, and which counts
 * what the core asks of it.
 */
#ifndef UMDEV_TEST_DRIVER_H
#define UMDEV_TEST_DRIVER_H

#include <umdev/bus.h>

#define TEST_NR_TYPES 2

struct test_parent {
	struct umdev_parent parent;
	struct umdev_type types[TEST_NR_TYPES];
	struct umdev_type *type_ptrs[TEST_NR_TYPES];
	struct umdev_driver driver;

	pthread_mutex_t lock;
	int probe_error;	/* probe returns this when non-zero */
	bool probe_blocks;	/* the next probe waits until test_parent_release_probe() */
	bool probe_waiting;	/* that probe is waiting */
	pthread_cond_t cond;
	unsigned int live;	/* probed and not yet removed */
	unsigned int probes, removes;
	unsigned int driver_available; /* for get_available parents */
};

struct test_device {
	char setting[32]; /* the vendor/setting attribute */
};

/*
 * Registers a parent @name with types "<driver>-a" and "<driver>-b".
 * @max_instances: core-counted budget; 0 makes the driver count itself
 * (get_available) from @driver_available.
 */
int test_parent_register(struct test_parent *tp, const char *name, const char *driver_name,
			 unsigned int max_instances, unsigned int driver_available);
void test_parent_unregister(struct test_parent *tp);

/* Waits until a probe is blocked in the driver, then lets it go. */
void test_parent_wait_probe(struct test_parent *tp);
void test_parent_release_probe(struct test_parent *tp);

#endif
