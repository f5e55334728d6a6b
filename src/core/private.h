/* SPDX-License-Identifier: MIT */
/*
 * The core's private view of its objects, shared by the files of src/core.
 *
 * Lock order, outermost first (never take an earlier one while holding a
 * later one, and never call a driver callback, a subscriber or the journal
 * while holding any of them but a parent's unregistration gate); checked
 * at run time without NDEBUG (lockdep.h):
 *
 *   parent->unreg_gate         create/remove read-enter (try only), unregister writes
 *   registry_lock (parent.c)   the list of registered parents
 *   parent->lock               device lists, attribute users, parent refs
 *   index_lock (index.c)       the global UUID index, device states,
 *                              parent->unregistering, instance counters
 *   event_lock (events.c)      the subscriber list (not held while notifying)
 *   journal_lock (journal.c)   the journal hook (not held while it runs)
 *
 * Subscribers and journal calls are counted while they run instead of
 * holding a lock, so unsubscribing and replacing the journal wait for
 * them, as teardown waits for attribute calls (attr_users).
 */
#ifndef UMDEV_CORE_PRIVATE_H
#define UMDEV_CORE_PRIVATE_H

#include <umdev/bus.h>
#include <umdev/driver_model.h>

#include "lockdep.h"

enum umdev_device_state {
	UMDEV_DEV_RESERVED, /* UUID in the index; nothing visible yet */
	UMDEV_DEV_ADDED,    /* directory and `remove` visible; not bound */
	UMDEV_DEV_BOUND,    /* created: links visible (attributes while it has a driver) */
	UMDEV_DEV_GONE,	    /* removed; waits for its last reference */
};

struct umdev_device {
	uint8_t uuid[UMDEV_UUID_SIZE];
	char name[UMDEV_UUID_STRING_LEN + 1];
	uint64_t serial; /* never reused: tells apart devices that had one UUID */
	struct umdev_type *type;
	struct umdev_parent *parent;
	void *drvdata;

	/* under index_lock */
	enum umdev_device_state state;
	bool active;	     /* fully created and not being removed */
	bool removing;	     /* a remove (or unregistration) has claimed it */
	bool counted;	     /* holds one of the parent's core-counted instances */
	bool has_driver;     /* probed and not unbound: the `driver` link */
	int iommu_group;     /* while it has a driver; else -1 (driver.c) */

	unsigned int refs; /* atomic; the core holds one from create to removal */

	/* under parent->lock */
	struct list_head parent_node; /* parent's visible devices */
	struct list_head type_node;   /* type's bound devices */
	bool attrs_open;	      /* the driver's attribute calls allowed */
	unsigned int attr_users;      /* attribute calls running, of any attribute */
	struct list_head attrs;	      /* struct added_attr: umdev_device_add_attr() */

	struct umdev_power power; /* its power/ directory (driver.c) */
};

/* A file added to a device's directory by a frontend or driver. */
struct added_attr {
	struct list_head node; /* umdev_device.attrs, under parent->lock */
	const struct umdev_attribute *attr;
	unsigned int users;    /* its show/store calls running */
};

/* index.c: the global UUID index. Callers hold index_lock. */
extern pthread_mutex_t index_lock;
struct umdev_device *index_find(const uint8_t uuid[UMDEV_UUID_SIZE]);
int index_insert(struct umdev_device *mdev);
void index_remove(struct umdev_device *mdev);
size_t index_count(void);
/*
 * Starts loading the slot of @uuid into the cache, without the lock: the
 * one cache miss of a create then overlaps the allocation before it.
 */
void index_prefetch(const uint8_t uuid[UMDEV_UUID_SIZE]);
/* Calls fn on every device in the index, under index_lock held by the caller. */
void index_for_each(void (*fn)(struct umdev_device *mdev, void *arg), void *arg);

/* parent.c */
void parent_ref(struct umdev_parent *parent);
void parent_unref(struct umdev_parent *parent);

/* device.c */
void device_ref(struct umdev_device *mdev);
/* sysfs.c: frees the attributes still added to a device (under parent->lock, no call running). */
void device_free_added_attrs(struct umdev_device *mdev);
/* Tears a claimed device down; the caller holds the parent's gate. */
void device_teardown(struct umdev_device *mdev);
/*
 * Detaches the driver of a claimed device that has one: UNBINDING, the
 * driver's attributes drained, the driver's remove, UNBOUND.
 */
void device_detach(struct umdev_device *mdev);

/*
 * reclaim.c: takes a claimed device back from its user before a remove or
 * an unbind goes on (umdev_reclaim_ops); 0, or -EINTR with nothing changed.
 */
int device_reclaim(struct umdev_device *mdev, bool interruptible);
/* The remove did not go on after a reclaim: users may come again. */
void device_reclaim_cancel(struct umdev_device *mdev);

/* driver.c: IOMMU group numbers, under index_lock. */
int iommu_group_alloc(struct umdev_device *mdev);
void iommu_group_free(struct umdev_device *mdev);

/* events.c */
void event_emit(enum umdev_event_type type, struct umdev_parent *parent,
		struct umdev_device *mdev, const struct umdev_attribute *attr);
void event_emit_uevent(struct umdev_parent *parent, struct umdev_device *mdev,
		       const struct umdev_uevent_request *request);

/* journal.c: the journal hook; 0 when none is installed. */
int journal_record_create(struct umdev_device *mdev);
int journal_record_remove(struct umdev_device *mdev);
int journal_record_change(struct umdev_device *mdev, const struct umdev_attribute *attr);

/* A snapshot array grown by doubling; returns -ENOMEM on failure. */
int snapshot_reserve(void **array, size_t elem_size, size_t *capacity, size_t needed);

#endif /* UMDEV_CORE_PRIVATE_H */
