/* SPDX-License-Identifier: MIT */
/*
 * umdev: the mediated-device core, for parent drivers.
 *
 * This is the user-space counterpart of the kernel's include/linux/mdev.h.
 * A parent driver embeds a struct umdev_parent and its struct umdev_type
 * objects in its own structures, describes itself with a struct umdev_driver
 * and registers the parent; users then create devices of its types by UUID.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure, as the kernel does; the errno is the one the kernel would give.
 */
#ifndef UMDEV_MDEV_H
#define UMDEV_MDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <umdev/list.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UMDEV_UUID_SIZE 16
#define UMDEV_UUID_STRING_LEN 36 /* without the terminating NUL */
#define UMDEV_NAME_MAX 64	 /* longest parent, driver or type name */
#define UMDEV_ATTR_BUF_SIZE 4096 /* a show callback's buffer, as sysfs's PAGE_SIZE */

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

struct umdev_device;
struct umdev_parent;

/**
 * struct umdev_type - a kind of mediated device a parent can create.
 * @sysfs_name: directory name suffix; the type id is "<driver name>-<sysfs_name>".
 * @pretty_name: optional human-readable name (the `name` file); NULL shows sysfs_name.
 *
 * Embed it in the driver's own structure and reach that with container_of.
 * The remaining fields belong to the core.
 */
struct umdev_type {
	const char *sysfs_name;
	const char *pretty_name;

	/* private to the core */
	struct umdev_parent *parent;
	char id[2 * UMDEV_NAME_MAX + 2];
	struct list_head devices; /* umdev_device.type_node, under parent->lock */
};

/**
 * struct umdev_attribute - a driver-defined device attribute (a sysfs file).
 * @group: subdirectory of the device directory (e.g. "vendor"), or NULL.
 * @name: file name.
 * @show: fills @buf (UMDEV_ATTR_BUF_SIZE bytes) and returns the length, or
 *        a negative errno. NULL makes the file unreadable.
 * @store: parses @count bytes of @buf (not NUL-terminated) and returns
 *         @count, or a negative errno. NULL makes the file read-only.
 *
 * The file's mode follows from which callbacks exist: 0444, 0200 or 0644.
 * The core never runs a show/store concurrently with the driver's remove.
 */
struct umdev_attribute {
	const char *group;
	const char *name;
	ssize_t (*show)(struct umdev_device *mdev, char *buf);
	ssize_t (*store)(struct umdev_device *mdev, const char *buf, size_t count);
};

/**
 * struct umdev_driver - the mdev driver a parent binds its devices to.
 * @name: driver name; prefixes the type ids.
 * @device_api: required, e.g. "vfio-pci" (the `device_api` file).
 * @max_instances: when @get_available is NULL, the core counts instances per
 *                 parent starting at this number.
 * @probe: required; sets up a new device. A negative errno fails the create
 *         and reaches the user's write().
 * @remove: required; tears a device down. It cannot fail.
 * @get_available: optional; the driver counts instances itself and answers
 *                 per type (its probe must refuse when none are left).
 * @show_description: optional; when present every type has a `description`.
 * @dev_attrs: optional NULL-terminated list of device attributes.
 *
 * Callbacks may run concurrently for different devices: a driver protects
 * its own state. No core lock is held while a callback runs; probe and
 * remove of a create or a remove run inside the parent's unregistration
 * gate (a read hold, as the kernel's unreg_sem), so a callback must not
 * unregister its own parent. Builds without NDEBUG check both at run time
 * and abort with the locks named.
 */
struct umdev_driver {
	const char *name;
	const char *device_api;
	unsigned int max_instances;
	int (*probe)(struct umdev_device *mdev);
	void (*remove)(struct umdev_device *mdev);
	unsigned int (*get_available)(struct umdev_type *type);
	ssize_t (*show_description)(struct umdev_type *type, char *buf);
	const struct umdev_attribute *const *dev_attrs;
};

/*
 * The runtime-PM state a user can change in a power/ directory: runtime
 * PM is never enabled on mdevs or their parents, but `control` ("on"
 * forbids runtime suspend and holds a usage count) and `async` can be
 * set. Private to the core (umdev/driver_model.h); accessed atomically.
 */
struct umdev_power {
	bool forbidden; /* control reads "on" */
	bool async;	/* async reads "enabled" */
};

/**
 * struct umdev_parent - a device that can parent mediated devices.
 *
 * Embed it in the driver's own structure. All fields belong to the core;
 * fill them with umdev_register_parent().
 */
struct umdev_parent {
	char name[UMDEV_NAME_MAX + 1];
	struct umdev_driver *driver;
	struct umdev_type **types;
	unsigned int nr_types;

	/* private to the core */
	struct list_head node;	   /* registry of parents, under the registry lock */
	pthread_rwlock_t unreg_gate; /* create/remove read-enter it, unregister writes */
	bool unregistering;	   /* under the UUID index lock */
	unsigned int available_instances; /* under the UUID index lock */
	pthread_mutex_t lock;	   /* device lists and refs; see src/core/private.h */
	struct list_head devices;  /* visible devices (umdev_device.parent_node), under lock */
	pthread_cond_t released;   /* signalled when refs drops */
	unsigned int refs;	   /* devices and frontends pinning the parent, under lock */
	uint64_t serial;	   /* never reused; see umdev_parent_serial() */
	struct umdev_power power;  /* its power/ directory */
};

/**
 * umdev_register_parent() - make a parent and its types visible.
 * @parent: the parent, embedded in the driver's structure; zero-filled.
 * @name: the parent's name (the class/mdev_bus entry): 1..UMDEV_NAME_MAX
 *        bytes, no '/', not "." or "..".
 * @driver: the mdev driver devices of this parent bind to.
 * @types: @nr_types types with distinct valid sysfs names.
 *
 * Return: 0; -EINVAL for a bad name, a driver without device_api, probe or
 * remove, or a bad type; -EEXIST if a parent of that name is registered.
 * A failure changes nothing.
 */
int umdev_register_parent(struct umdev_parent *parent, const char *name,
			  struct umdev_driver *driver, struct umdev_type **types,
			  unsigned int nr_types);

/**
 * umdev_unregister_parent() - remove a parent with every device it has.
 *
 * Waits for creates and removes already running on this parent, removes
 * every child (none can stop it), then waits until nothing pins the parent.
 * Never call it while holding a lock that the driver's remove takes.
 */
void umdev_unregister_parent(struct umdev_parent *parent);

/**
 * umdev_device_add_attr() - add a file to a device's directory, as the
 * kernel's device_create_file() does; for drivers and frontends alike
 * (the vfio-user frontend publishes `vfio-user-socket` this way).
 * @attr: group, name and callbacks as for @dev_attrs. It is not copied and
 *        must stay valid as long as the device exists (static storage).
 *
 * Unlike the driver's @dev_attrs, which exist while the device is bound,
 * the file exists from this call until umdev_device_remove_attr() or the
 * device's removal.
 *
 * Return: 0; -EINVAL for a bad name (empty, longer than UMDEV_NAME_MAX,
 * with '/', "." or "..") or an attribute with neither show nor store;
 * -EEXIST if the device has an attribute of that group and name; -ENODEV
 * once the device is removed; -ENOMEM.
 */
int umdev_device_add_attr(struct umdev_device *mdev, const struct umdev_attribute *attr);

/*
 * Removes a file added with umdev_device_add_attr(); returns once no show
 * or store of it is running (so never call it from its own callbacks).
 * Nothing happens if it is not there.
 */
void umdev_device_remove_attr(struct umdev_device *mdev, const struct umdev_attribute *attr);

/* Accessors for drivers. */
const uint8_t *umdev_device_uuid(const struct umdev_device *mdev);
const char *umdev_device_name(const struct umdev_device *mdev); /* lower-case UUID */
struct umdev_type *umdev_device_type(const struct umdev_device *mdev);
struct umdev_parent *umdev_device_parent(const struct umdev_device *mdev);
void umdev_set_drvdata(struct umdev_device *mdev, void *data);
void *umdev_get_drvdata(const struct umdev_device *mdev);
struct umdev_parent *umdev_type_parent(const struct umdev_type *type);
/* The type id, "<driver name>-<sysfs_name>". */
const char *umdev_type_id(const struct umdev_type *type);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_MDEV_H */
