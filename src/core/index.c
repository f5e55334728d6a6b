// SPDX-License-Identifier: MIT
/*
 * The global UUID index: every device of every parent, from the moment its
 * UUID is reserved until its last reference is dropped. The kernel walks a
 * list here, so its create grows linearly with the number of devices; a
 * hash table keeps it constant. The hash is keyed with a random secret so
 * that nobody choosing UUIDs can pile them into one bucket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "private.h"

pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;

static struct umdev_device **buckets;
static size_t nr_buckets; /* a power of two, or 0 before the first insert */
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

static size_t bucket_of(const uint8_t uuid[UMDEV_UUID_SIZE], size_t count)
{
	uint64_t a, b;

	memcpy(&a, uuid, sizeof(a));
	memcpy(&b, uuid + sizeof(a), sizeof(b));
	return mix64(mix64(a ^ key[0]) ^ b ^ key[1]) & (count - 1);
}

static int grow(void)
{
	size_t count = nr_buckets ? nr_buckets * 2 : 64;
	struct umdev_device **table = calloc(count, sizeof(*table));

	if (!table)
		return -ENOMEM;
	if (!nr_buckets && getrandom(key, sizeof(key), 0) != sizeof(key))
		key[0] = (uint64_t)(uintptr_t)table ^ 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < nr_buckets; i++) {
		struct umdev_device *mdev = buckets[i], *next;
		for (; mdev; mdev = next) {
			size_t b = bucket_of(mdev->uuid, count);
			next = mdev->hash_next;
			mdev->hash_next = table[b];
			table[b] = mdev;
		}
	}
	free(buckets);
	buckets = table;
	nr_buckets = count;
	return 0;
}

struct umdev_device *index_find(const uint8_t uuid[UMDEV_UUID_SIZE])
{
	if (!nr_buckets)
		return NULL;
	for (struct umdev_device *mdev = buckets[bucket_of(uuid, nr_buckets)]; mdev;
	     mdev = mdev->hash_next)
		if (!memcmp(mdev->uuid, uuid, UMDEV_UUID_SIZE))
			return mdev;
	return NULL;
}

int index_insert(struct umdev_device *mdev)
{
	if (nr_devices >= nr_buckets) {
		int ret = grow();
		/* A full table still works, only slower: grow later. */
		if (ret && !nr_buckets)
			return ret;
	}
	size_t b = bucket_of(mdev->uuid, nr_buckets);
	mdev->hash_next = buckets[b];
	buckets[b] = mdev;
	nr_devices++;
	return 0;
}

void index_remove(struct umdev_device *mdev)
{
	struct umdev_device **link = &buckets[bucket_of(mdev->uuid, nr_buckets)];

	while (*link != mdev)
		link = &(*link)->hash_next;
	*link = mdev->hash_next;
	mdev->hash_next = NULL;
	nr_devices--;
}

void index_for_each(void (*fn)(struct umdev_device *mdev, void *arg), void *arg)
{
	for (size_t i = 0; i < nr_buckets; i++)
		for (struct umdev_device *mdev = buckets[i]; mdev; mdev = mdev->hash_next)
			fn(mdev, arg);
}

size_t index_count(void)
{
	return nr_devices;
}
