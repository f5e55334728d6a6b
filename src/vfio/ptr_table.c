// SPDX-License-Identifier: MIT
/*
 * A chained hash table keyed by pointers (ptr_table.h). It doubles when it
 * holds twice as many entries as buckets; when doubling fails it keeps its
 * size and only its chains grow, so an insert never fails once the table
 * exists.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "ptr_table.h"

static size_t bucket_of(const void *key, size_t nr_buckets)
{
	/* Fibonacci hashing: the high bits of the product mix every bit of the pointer */
	uint64_t h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (nr_buckets - 1);
}

static void grow(struct ptr_table *t, size_t nr)
{
	struct ptr_node **buckets = calloc(nr, sizeof(*buckets));

	if (!buckets)
		return;
	for (size_t i = 0; i < t->nr_buckets; i++) {
		while (t->buckets[i]) {
			struct ptr_node *node = t->buckets[i];
			size_t b = bucket_of(node->key, nr);

			t->buckets[i] = node->next;
			node->next = buckets[b];
			buckets[b] = node;
		}
	}
	free(t->buckets);
	t->buckets = buckets;
	t->nr_buckets = nr;
}

int ptr_table_insert(struct ptr_table *t, struct ptr_node *node, const void *key)
{
	size_t b;

	if (!t->nr_buckets) {
		grow(t, 64);
		if (!t->nr_buckets)
			return -ENOMEM;
	} else if (t->count >= 2 * t->nr_buckets) {
		grow(t, 2 * t->nr_buckets);
	}
	b = bucket_of(key, t->nr_buckets);
	node->key = key;
	node->next = t->buckets[b];
	t->buckets[b] = node;
	t->count++;
	return 0;
}

struct ptr_node *ptr_table_find(const struct ptr_table *t, const void *key,
				int (*match)(const struct ptr_node *node, const void *arg),
				const void *arg)
{
	if (!t->nr_buckets)
		return NULL;
	for (struct ptr_node *n = t->buckets[bucket_of(key, t->nr_buckets)]; n; n = n->next)
		if (n->key == key && (!match || match(n, arg)))
			return n;
	return NULL;
}

void ptr_table_remove(struct ptr_table *t, struct ptr_node *node)
{
	struct ptr_node **p = &t->buckets[bucket_of(node->key, t->nr_buckets)];

	while (*p != node)
		p = &(*p)->next;
	*p = node->next;
	t->count--;
}

void ptr_table_fini(struct ptr_table *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->nr_buckets = t->count = 0;
}
