/* SPDX-License-Identifier: MIT */
/*
 * A circular doubly-linked list with the head embedded in the element, as
 * in the kernel: the core's objects are embedded in the drivers' structures,
 * so they carry their own links and need no allocation to be listed.
 */
#ifndef UMDEV_LIST_H
#define UMDEV_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
	struct list_head *next, *prev;
};

static inline void list_init(struct list_head *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

/* Inserts @node just before @head, that is at the tail of the list. */
static inline void list_add_tail(struct list_head *node, struct list_head *head)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

/* Unlinks @node and leaves it pointing to itself, so a second del is safe. */
static inline void list_del_init(struct list_head *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	list_init(node);
}

#define list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#endif /* UMDEV_LIST_H */
