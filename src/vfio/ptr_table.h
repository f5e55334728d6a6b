/* SPDX-License-Identifier: MIT */
/*
 * A table of entries keyed by a pointer (ptr_table.c): a device's model
 * (binding.c) and its vfio-user server (src/vfio-user/frontend.c) are found
 * in constant time, however many devices there are. Entries embed a struct
 * ptr_node; the caller locks.
 */
#ifndef UMDEV_VFIO_PTR_TABLE_H
#define UMDEV_VFIO_PTR_TABLE_H

#include <stddef.h>

struct ptr_node {
	struct ptr_node *next; /* in its bucket */
	const void *key;
};

struct ptr_table {
	struct ptr_node **buckets;
	size_t nr_buckets; /* a power of two, or 0 before the first insert */
	size_t count;
};

/* Adds @node under @key; -ENOMEM only when the first bucket array cannot be made. */
int ptr_table_insert(struct ptr_table *t, struct ptr_node *node, const void *key);
/* The first node under @key for which @match (if given) says yes, or NULL. */
struct ptr_node *ptr_table_find(const struct ptr_table *t, const void *key,
				int (*match)(const struct ptr_node *node, const void *arg),
				const void *arg);
void ptr_table_remove(struct ptr_table *t, struct ptr_node *node);
/* Frees the buckets of an empty table. */
void ptr_table_fini(struct ptr_table *t);

#endif /* UMDEV_VFIO_PTR_TABLE_H */
