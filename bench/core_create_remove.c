// SPDX-License-Identifier: MIT
/*
 * Benchmark: create+remove pairs through libumdev with a trivial driver,
 * on one core, with 100, 10,000 and 100,000 other devices alive.
 *
 * Targets (issue "The mdev core as a C library"): the cost per pair at
 * 100,000 live devices within 1.2x of the cost at 100 (the kernel's list
 * grows linearly), and at least 500,000 pairs per second.
 *
 * The physical limit measured in the same run: the least work any pair
 * must do, one allocation and release of a device-sized object plus the
 * two uncontended lock round trips that make a UUID reservation atomic.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <umdev/bus.h>

#define PAIRS 200000
#define REPEATS 5

static int trivial_probe(struct umdev_device *mdev)
{
	(void)mdev;
	return 0;
}

static void trivial_remove(struct umdev_device *mdev)
{
	(void)mdev;
}

static struct umdev_driver driver = {
	.name = "bench",
	.device_api = "vfio-pci",
	.max_instances = 1000000,
	.probe = trivial_probe,
	.remove = trivial_remove,
};

static struct umdev_parent parent;
static struct umdev_type type = { .sysfs_name = "t" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void uuid_of(uint64_t n, uint64_t salt, uint8_t uuid[UMDEV_UUID_SIZE])
{
	memcpy(uuid, &n, 8);
	memcpy(uuid + 8, &salt, 8);
}

static void create_live(size_t from, size_t to)
{
	uint8_t uuid[UMDEV_UUID_SIZE];

	for (size_t i = from; i < to; i++) {
		uuid_of(i, 1, uuid);
		if (umdev_device_create(&type, uuid)) {
			fprintf(stderr, "create of live device %zu failed\n", i);
			exit(1);
		}
	}
}

/* Nanoseconds per create+remove pair, one measurement. */
static double pair_cost(void)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	double start = now();

	for (uint64_t i = 0; i < PAIRS; i++) {
		uuid_of(i, 2, uuid);
		if (umdev_device_create(&type, uuid))
			exit(1);
		struct umdev_device *mdev = umdev_device_get(uuid);
		if (!mdev || umdev_device_remove(mdev))
			exit(1);
		umdev_device_put(mdev);
	}
	return (now() - start) * 1e9 / PAIRS;
}

/* Removes live devices [@from, @to). */
static void remove_live(size_t from, size_t to)
{
	uint8_t uuid[UMDEV_UUID_SIZE];

	for (size_t i = from; i < to; i++) {
		uuid_of(i, 1, uuid);
		struct umdev_device *mdev = umdev_device_get(uuid);
		if (!mdev || umdev_device_remove(mdev))
			exit(1);
		umdev_device_put(mdev);
	}
}

/* The floor: allocate/free a device-sized object, two lock round trips. */
static double floor_cost(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	double best = 1e9;

	for (int r = 0; r < REPEATS; r++) {
		double start = now();
		for (int i = 0; i < PAIRS; i++) {
			pthread_mutex_lock(&lock);
			void *volatile p = calloc(1, 192);
			pthread_mutex_unlock(&lock);
			pthread_mutex_lock(&lock);
			free(p);
			pthread_mutex_unlock(&lock);
		}
		double ns = (now() - start) * 1e9 / PAIRS;
		if (ns < best)
			best = ns;
	}
	return best;
}

int main(void)
{
	static const size_t levels[] = { 100, 10000, 100000 };
	struct umdev_type *types[] = { &type };
	double cost[3];
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one); /* "on one core" */

	if (umdev_register_parent(&parent, "bench", &driver, types, 1)) {
		fprintf(stderr, "register failed\n");
		return 1;
	}
	double floor = floor_cost();
	/*
	 * The levels take turns, REPEATS rounds, and each keeps its best: a
	 * machine shared with others slows whatever runs at that moment, and
	 * taking turns spreads that over every level alike.
	 */
	size_t live = 0;
	for (int l = 0; l < 3; l++)
		cost[l] = 1e9;
	for (int r = 0; r < REPEATS; r++) {
		for (int l = 0; l < 3; l++) {
			if (live < levels[l])
				create_live(live, levels[l]);
			else
				remove_live(levels[l], live);
			live = levels[l];
			double ns = pair_cost();
			if (ns < cost[l])
				cost[l] = ns;
		}
	}
	remove_live(0, live);
	for (int l = 0; l < 3; l++)
		printf("live devices %6zu: %7.1f ns per create+remove pair (%.2fx the floor)\n",
		       levels[l], cost[l], cost[l] / floor);
	umdev_unregister_parent(&parent);

	double rate = 1e9 / cost[0];
	double growth = cost[2] / cost[0];
	printf("floor (alloc+free, 2 lock round trips): %.1f ns\n", floor);
	printf("pairs per second on one core: %.0f (target >= 500000: %s)\n", rate,
	       rate >= 500000 ? "met" : "MISSED");
	printf("cost at 100000 live / cost at 100 live: %.2fx (target <= 1.2x: %s)\n", growth,
	       growth <= 1.2 ? "met" : "MISSED");
	return 0;
}
