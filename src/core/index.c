// SPDX-License-Identifier: MIT
/*
 * The global UUID index: every device of every parent, from the moment its
 * UUID is reserved until its last reference is dropped. The kernel walks a
 * list here, so its create grows linearly with the number of devices.
 *
 * An open-addressing hash table with linear probing. Each slot keeps the
 * full 64-bit hash beside the device pointer, so a probe compares hashes
 * in the table and touches a device only on a real match: with 100,000
 * devices alive, a create costs one cache line of the table, not a walk
 * through cold devices. The hash is keyed with a random secret so that
 * nobody choosing UUIDs can pile them into one run of slots.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "private.h"

pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;

struct slot {
	uint64_t hash;
	struct umdev_device *mdev; /* NULL: empty */
};

static struct slot *slots;
static size_t nr_slots; /* a power of two, or 0 before the first insert */
static size_t nr_devices;
static uint64_t key[2];

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_of(const uint8_t uuid[UMDEV_UUID_SIZE])
{
	uint64_t a, b;

	memcpy(&a, uuid, sizeof(a));
	memcpy(&b, uuid + sizeof(a), sizeof(b));
	return mix64(mix64(a ^ key[0]) ^ b ^ key[1]);
}

static void place(struct slot *table, size_t count, uint64_t hash, struct umdev_device *mdev)
{
	size_t i = hash & (count - 1);

	while (table[i].mdev)
		i = (i + 1) & (count - 1);
	table[i] = (struct slot){ hash, mdev };
}

/* Keeps the table at most half full, so probe runs stay short. */
static int grow(void)
{
	size_t count = nr_slots ? nr_slots * 2 : 128;
	struct slot *table = calloc(count, sizeof(*table));

	if (!table)
		return -ENOMEM;
	if (!nr_slots && getrandom(key, sizeof(key), 0) != sizeof(key))
		key[0] = (uint64_t)(uintptr_t)table ^ 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < nr_slots; i++)
		if (slots[i].mdev)
			place(table, count, slots[i].hash, slots[i].mdev);
	free(slots);
	/* Published for index_prefetch(), which reads them without the lock. */
	__atomic_store_n(&slots, table, __ATOMIC_RELAXED);
	__atomic_store_n(&nr_slots, count, __ATOMIC_RELEASE);
	return 0;
}

void index_prefetch(const uint8_t uuid[UMDEV_UUID_SIZE])
{
	size_t count = __atomic_load_n(&nr_slots, __ATOMIC_ACQUIRE);
	struct slot *table = __atomic_load_n(&slots, __ATOMIC_RELAXED);

	/* A stale table is harmless: a prefetch never faults, it only warms. */
	if (count && table)
		__builtin_prefetch(&table[hash_of(uuid) & (count - 1)]);
}

/* The slot holding @uuid, or the empty slot where it would go. */
static size_t lookup(const uint8_t uuid[UMDEV_UUID_SIZE], uint64_t hash)
{
	size_t i = hash & (nr_slots - 1);

	while (slots[i].mdev &&
	       (slots[i].hash != hash || memcmp(slots[i].mdev->uuid, uuid, UMDEV_UUID_SIZE)))
		i = (i + 1) & (nr_slots - 1);
	return i;
}

struct umdev_device *index_find(const uint8_t uuid[UMDEV_UUID_SIZE])
{
	if (!nr_slots)
		return NULL;
	return slots[lookup(uuid, hash_of(uuid))].mdev;
}

int index_insert(struct umdev_device *mdev)
{
	if (2 * (nr_devices + 1) > nr_slots) {
		int ret = grow();
		if (ret)
			return ret;
	}
	place(slots, nr_slots, hash_of(mdev->uuid), mdev);
	nr_devices++;
	return 0;
}

void index_remove(struct umdev_device *mdev)
{
	size_t mask = nr_slots - 1;
	size_t hole = lookup(mdev->uuid, hash_of(mdev->uuid));

	/*
	 * Close the hole by moving back every later entry of the run whose
	 * home slot does not lie (cyclically) between the hole and itself.
	 */
	for (size_t next = (hole + 1) & mask; slots[next].mdev; next = (next + 1) & mask) {
		size_t home = slots[next].hash & mask;
		bool stays = hole <= next ? (hole < home && home <= next)
					  : (hole < home || home <= next);
		if (!stays) {
			slots[hole] = slots[next];
			hole = next;
		}
	}
	slots[hole] = (struct slot){ 0, NULL };
	nr_devices--;
}

void index_for_each(void (*fn)(struct umdev_device *mdev, void *arg), void *arg)
{
	for (size_t i = 0; i < nr_slots; i++)
		if (slots[i].mdev)
			fn(slots[i].mdev, arg);
}

size_t index_count(void)
{
	return nr_devices;
}
