/* SPDX-License-Identifier: MIT */
/*
 * The test parent: a real driver, registered with the real core, whose
 * probe can be told to fail or to wait, and which counts what the core
 * asks of it. Unit tests register it directly; the integration tests load
 * it into the shipped umdevd as the module "testparent" (testparent.so,
 * built from testparent_module.c, with umdevd -M).
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

#define TEST_VALUE_MAX 64

/*
 * A device's attributes: vendor/setting (rw), vendor/serial (ro), poke
 * (wo, accepts anything), vendor/value (rw, up to 64 bytes), vendor/info
 * (ro, counts resets), vendor/reset (wo, "1"), serial (ro).
 */
struct test_device {
	char setting[32];
	pthread_mutex_t lock; /* value, resets */
	char value[TEST_VALUE_MAX + 1];
	unsigned int resets;
};

/*
 * Registers a parent @name with types "<driver>-a" and "<driver>-b".
 * @max_instances: core-counted budget; 0 makes the driver count itself
 * (get_available) from @driver_available.
 */
int test_parent_register(struct test_parent *tp, const char *name, const char *driver_name,
			 unsigned int max_instances, unsigned int driver_available);
void test_parent_unregister(struct test_parent *tp);

/* Removes every device on the bus; returns how many removes failed. */
int test_remove_all_devices(void);

/* Waits until a probe is blocked in the driver, then lets it go. */
void test_parent_wait_probe(struct test_parent *tp);
void test_parent_release_probe(struct test_parent *tp);

/*
 * The unit tests' common fixture (cmocka setup/teardown): one parent "p1"
 * of driver "tdrv" with 8 core-counted instances, in test_p1. Teardown
 * unregisters it and fails when a device is left on the bus.
 */
extern struct test_parent test_p1;
int test_p1_setup(void **state);
int test_p1_teardown(void **state);

#endif
