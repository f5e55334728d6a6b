/* SPDX-License-Identifier: MIT */
/*
 * umdev: the mdev bus as the frontends see it.
 *
 * The sysfs frontend, the vfio-user frontend and the daemon use these calls
 * to find parents, types and devices, to create and remove devices, to read
 * and write attributes and to follow changes. Frontends keep no copy of core
 * state: they look objects up on every operation and hold references only
 * for the length of one operation.
 *
 * Everything here is thread-safe. Functions return 0 (or a count) on
 * success and a negative errno on failure, the errno the kernel gives.
 */
#ifndef UMDEV_BUS_H
#define UMDEV_BUS_H

#include <umdev/mdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- UUIDs ---- */

/**
 * umdev_uuid_parse() - parse a UUID as the kernel's uuid_parse() does.
 * @str: at least 36 characters: hex digits (either case) with '-' at
 *       offsets 8, 13, 18 and 23; nothing else is read.
 * Return: 0, or -EINVAL.
 */
int umdev_uuid_parse(const char *str, uint8_t uuid[UMDEV_UUID_SIZE]);

/* Writes the canonical lower-case form and a NUL (37 bytes). */
void umdev_uuid_format(const uint8_t uuid[UMDEV_UUID_SIZE],
		       char out[UMDEV_UUID_STRING_LEN + 1]);

/* ---- Creating and removing devices ---- */

/**
 * umdev_type_create_store() - a write() to a type's `create` file.
 * @buf: the @count bytes of one write; each write is parsed alone.
 *
 * Return: @count once the device exists with its links and attributes;
 * 0 for an empty write; -EINVAL for a malformed UUID or length; -EEXIST if
 * the UUID is in use on any parent; -EUSERS when the core-counted instances
 * are spent; -ENODEV while the parent unregisters; probe's errno.
 */
ssize_t umdev_type_create_store(struct umdev_type *type, const char *buf, size_t count);

/* The same with a binary UUID; returns 0 or the errors above. */
int umdev_device_create(struct umdev_type *type, const uint8_t uuid[UMDEV_UUID_SIZE]);

/**
 * umdev_device_remove_store() - a write() to a device's `remove` file.
 *
 * Return: @count (an unsigned number in any base, 0 doing nothing); 0 for
 * an empty write; -EINVAL for anything else; -EAGAIN while the device is
 * still being created; -ENODEV if it is gone or its parent unregisters.
 */
ssize_t umdev_device_remove_store(struct umdev_device *mdev, const char *buf, size_t count);

/* Removes a device; returns 0, -EAGAIN or -ENODEV as above. */
int umdev_device_remove(struct umdev_device *mdev);

/* ---- Finding objects ---- */

/*
 * A parent by name, with a reference, or NULL if none is registered (or it
 * is unregistering). While the reference is held the parent's types stay
 * valid; drop it promptly with umdev_parent_put(): unregistration waits.
 */
struct umdev_parent *umdev_parent_get(const char *name);
void umdev_parent_put(struct umdev_parent *parent);

/*
 * A number no other registration of a parent in this process ever had: a
 * file opened on a parent's type must not act on a parent registered later
 * under the same name (and maybe at the same address).
 */
uint64_t umdev_parent_serial(const struct umdev_parent *parent);

/* A type of @parent by type id ("mtty-1"), or NULL. */
struct umdev_type *umdev_parent_find_type(struct umdev_parent *parent, const char *id);

/*
 * A visible device (its directory exists: from the ADDED event to the
 * REMOVED event) with a reference, or NULL.
 */
struct umdev_device *umdev_device_get(const uint8_t uuid[UMDEV_UUID_SIZE]);
/* The same by name; NULL unless @name is a canonical lower-case UUID. */
struct umdev_device *umdev_device_get_by_name(const char *name);
void umdev_device_put(struct umdev_device *mdev);

/*
 * A number no other device of this process ever had: a file opened on a
 * device must not act on a later device that got the same UUID (and maybe
 * the same address).
 */
uint64_t umdev_device_serial(const struct umdev_device *mdev);

/* True once probe succeeded: the `mdev_type` and `devices/` links exist. */
bool umdev_device_is_bound(struct umdev_device *mdev);

/*
 * Snapshots for directory listings, safe while other threads create and
 * remove. Each returns the number of entries and a malloc'd array in *out
 * (free() it), or -ENOMEM.
 */
typedef char umdev_name_t[UMDEV_NAME_MAX + 1];
typedef uint8_t umdev_uuid_t[UMDEV_UUID_SIZE];
/* Registered parents, in registration order (class/mdev_bus). */
ssize_t umdev_list_parents(umdev_name_t **out);
/* Every visible device of every parent (bus/mdev/devices). */
ssize_t umdev_list_devices(umdev_uuid_t **out);
/* Visible devices of a parent (the device directories under it). */
ssize_t umdev_parent_list_devices(struct umdev_parent *parent, umdev_uuid_t **out);
/* Bound devices of a type (its devices/ directory). */
ssize_t umdev_type_list_devices(struct umdev_type *type, umdev_uuid_t **out);

/*
 * How many UUIDs the bus holds: devices being created, live, and removed
 * but not yet released. 0 means nothing is left behind.
 */
size_t umdev_bus_device_count(void);

/* ---- Type attributes ---- */

unsigned int umdev_type_available_instances(struct umdev_type *type);
const char *umdev_type_device_api(const struct umdev_type *type);
/* The pretty name, or the sysfs name when there is none. */
const char *umdev_type_name(const struct umdev_type *type);
bool umdev_type_has_description(const struct umdev_type *type);
/* Fills @buf (UMDEV_ATTR_BUF_SIZE); -ENOENT when the driver has none. */
ssize_t umdev_type_show_description(struct umdev_type *type, char *buf);

/* ---- Device attributes (the driver's and those added to the device) ---- */

/* The driver's NULL-terminated @dev_attrs list (never NULL itself). */
const struct umdev_attribute *const *umdev_device_attrs(const struct umdev_device *mdev);
/*
 * The attributes a device has now: the driver's while the device is bound,
 * then those added with umdev_device_add_attr(), as a malloc'd array in
 * *out (free() it). Returns the count, or -ENOMEM.
 */
ssize_t umdev_device_list_attrs(struct umdev_device *mdev,
				const struct umdev_attribute ***out);
/* An attribute the device has now, by group (NULL for none) and name, or NULL. */
const struct umdev_attribute *umdev_device_find_attr(struct umdev_device *mdev,
						     const char *group, const char *name);
/* The file mode the attribute has: 0444, 0200 or 0644. */
mode_t umdev_attr_mode(const struct umdev_attribute *attr);

/*
 * Run a show/store; -ENODEV once the device is being removed or the
 * attribute was removed from it, -EACCES when the attribute lacks that
 * callback, -EIO if show returns more than the buffer holds. A successful
 * store emits UMDEV_EVENT_DEVICE_CHANGED.
 */
ssize_t umdev_device_attr_show(struct umdev_device *mdev,
			       const struct umdev_attribute *attr, char *buf);
ssize_t umdev_device_attr_store(struct umdev_device *mdev,
				const struct umdev_attribute *attr,
				const char *buf, size_t count);

/* ---- The journal hook ---- */

/*
 * The one observer whose failure changes the outcome: the daemon's journal
 * of live devices, so that what a user was told is durable.
 * @record_create: after probe, before the create returns; an error undoes
 *                 the create (the driver's remove runs) and is its result.
 * @record_remove: before a user's removal starts; an error leaves the
 *                 device as it was and is the remove's result.
 *                 Unregistering a parent does not call it: the devices of
 *                 a parent that goes away with the daemon stay journaled.
 * @record_change: after a driver attribute store succeeded; an error is
 *                 the write's result (the driver has the value already).
 * Calls may run concurrently for different devices, with no core lock
 * held (inside the parent's unregistration gate); they may read driver
 * attributes, and must not create, remove or unregister.
 */
struct umdev_journal_ops {
	int (*record_create)(struct umdev_device *mdev, void *arg);
	int (*record_remove)(struct umdev_device *mdev, void *arg);
	int (*record_change)(struct umdev_device *mdev, const struct umdev_attribute *attr,
			     void *arg);
};

/*
 * Installs the journal, or with NULL removes it; returns once no call of
 * the previous one is running (so never call it from the journal).
 */
void umdev_set_journal(const struct umdev_journal_ops *ops, void *arg);

/* ---- Events ---- */

enum umdev_event_type {
	UMDEV_EVENT_PARENT_REGISTERED,	 /* parent and types visible (MDEV_STATE=registered) */
	UMDEV_EVENT_PARENT_UNREGISTERED, /* parent gone (MDEV_STATE=unregistered) */
	UMDEV_EVENT_DEVICE_ADDED,	 /* directory and `remove` exist; not yet bound */
	UMDEV_EVENT_DEVICE_BOUND,	 /* probed; `devices/` then `mdev_type` links exist */
	UMDEV_EVENT_DEVICE_UNBINDING,	 /* its driver goes (a remove or an unbind started):
					    not to be served any more */
	UMDEV_EVENT_DEVICE_UNBOUND,	 /* the driver's remove ran; `driver` link gone */
	UMDEV_EVENT_DEVICE_REMOVED,	 /* directory gone */
	UMDEV_EVENT_DEVICE_CHANGED,	 /* a driver attribute was written */
	UMDEV_EVENT_UEVENT_REQUESTED,	 /* a `uevent` file was written (umdev/driver_model.h):
					    parent and mdev name the object, or both NULL */
};

struct umdev_uevent_request;

struct umdev_event {
	enum umdev_event_type type;
	struct umdev_parent *parent;
	struct umdev_type *mdev_type;	    /* device events only */
	struct umdev_device *mdev;	    /* device events only */
	const struct umdev_attribute *attr; /* DEVICE_CHANGED only */
	const struct umdev_uevent_request *request; /* UEVENT_REQUESTED only */
};

/*
 * Subscribers run synchronously in the thread making the change, in
 * subscription order, with no core lock held (a create's or remove's
 * device events run inside the parent's unregistration gate): they must
 * not create, remove or unregister, and may subscribe, unsubscribe (also
 * themselves) and look objects up.
 */
typedef void (*umdev_event_fn)(const struct umdev_event *event, void *arg);

/* Returns a handle (> 0) for umdev_unsubscribe(), or -ENOMEM. */
int umdev_subscribe(umdev_event_fn fn, void *arg);
/*
 * Returns once the subscriber runs in no other thread and is never called
 * again; from the subscriber's own call it returns at once, and that call
 * is its last.
 */
void umdev_unsubscribe(int handle);

/*
 * Taking a device back from its user before a remove or an unbind tears
 * it down. The kernel waits in the driver's remove (vfio's
 * vfio_unregister_group_dev()) for the VFIO user to close the device,
 * asking it through the driver's request callback; here the frontend that
 * lends devices to users (vfio-user's VMMs) does it, before anything
 * changes, so that a wait that is interrupted leaves the device as it was.
 */
struct umdev_reclaim_ops {
	/*
	 * Returns 0 once nobody uses @mdev and nobody new can, or -EINTR,
	 * with nothing changed, when @interruptible and umdev_interrupted()
	 * said so while it waited.
	 */
	int (*reclaim)(struct umdev_device *mdev, bool interruptible);
	/* A reclaim succeeded but the remove did not go on: users may come again. */
	void (*cancel)(struct umdev_device *mdev);
};

/* One frontend lends devices: the last ops set win; NULL clears them. */
void umdev_set_reclaim_ops(const struct umdev_reclaim_ops *ops);

/*
 * The request this thread serves (a write of `remove`, say), as the
 * frontend that takes requests knows it; without ops, a request is never
 * interrupted and nothing is done around a wait.
 */
struct umdev_request_ops {
	/* Its caller gave up (a signal), as the kernel's signal_pending(current). */
	bool (*interrupted)(void);
	/*
	 * The thread is about to wait long (for a VMM to let go), and has
	 * stopped: a frontend serving requests on a pool of threads starts
	 * another meanwhile, so waiting requests never starve the others.
	 */
	void (*wait_begin)(void);
	void (*wait_end)(void);
};
void umdev_set_request_ops(const struct umdev_request_ops *ops);
bool umdev_interrupted(void);
void umdev_wait_begin(void);
void umdev_wait_end(void);

/* Human-readable name of an event type, for logs. */
const char *umdev_event_name(enum umdev_event_type type);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_BUS_H */
