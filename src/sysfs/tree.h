/* SPDX-License-Identifier: MIT */
/*
 * The shape of the sysfs tree umdev serves, independent of FUSE.
 *
 * Every operation resolves its path afresh against the core (no copy of
 * core state is kept), producing a struct sysfs_node that holds references
 * on the parent and device it names for the length of one operation.
 *
 *   class/mdev_bus/<parent>                -> ../../devices/umdev/<parent>
 *   bus/mdev/devices/<uuid>                -> ../../../devices/umdev/<parent>/<uuid>
 *   devices/umdev/<parent>/
 *       mdev_supported_types/<type-id>/
 *           create device_api name available_instances [description]
 *           devices/<uuid>                 -> ../../../<uuid>
 *       <uuid>/
 *           remove uevent [vfio-user-socket]
 *           mdev_type                      -> ../mdev_supported_types/<type-id>
 *           <driver attribute>, <group>/<driver attribute>
 */
#ifndef UMDEV_SYSFS_TREE_H
#define UMDEV_SYSFS_TREE_H

#include <sys/stat.h>
#include <umdev/bus.h>

/* The directory all parent directories live in, below the mount point. */
#define SYSFS_PARENTS_DIR "devices/umdev"

/* Where a VM monitor finds the device: the vfio-user socket's path. */
#define VFIO_SOCKET_FILE "vfio-user-socket"

enum sysfs_kind {
	SYSFS_DIR_ROOT,
	SYSFS_DIR_CLASS,	/* class */
	SYSFS_DIR_MDEV_BUS,	/* class/mdev_bus */
	SYSFS_LINK_CLASS,	/* class/mdev_bus/<parent> */
	SYSFS_DIR_BUS,		/* bus */
	SYSFS_DIR_BUS_MDEV,	/* bus/mdev */
	SYSFS_DIR_BUS_DEVICES,	/* bus/mdev/devices */
	SYSFS_LINK_BUS,		/* bus/mdev/devices/<uuid> */
	SYSFS_DIR_DEVICES,	/* devices */
	SYSFS_DIR_UMDEV,	/* devices/umdev */
	SYSFS_DIR_PARENT,	/* devices/umdev/<parent> */
	SYSFS_DIR_TYPES,	/* <parent>/mdev_supported_types */
	SYSFS_DIR_TYPE,		/* <parent>/mdev_supported_types/<type-id> */
	SYSFS_FILE_TYPE_ATTR,	/* <type-id>/{create,device_api,...} */
	SYSFS_DIR_TYPE_DEVICES,	/* <type-id>/devices */
	SYSFS_LINK_TYPE_DEVICE,	/* <type-id>/devices/<uuid> */
	SYSFS_DIR_MDEV,		/* <parent>/<uuid> */
	SYSFS_FILE_REMOVE,	/* <uuid>/remove */
	SYSFS_FILE_UEVENT,	/* <uuid>/uevent */
	SYSFS_FILE_VFIO_SOCKET,	/* <uuid>/vfio-user-socket, while served */
	SYSFS_LINK_MDEV_TYPE,	/* <uuid>/mdev_type */
	SYSFS_DIR_GROUP,	/* <uuid>/<group> */
	SYSFS_FILE_DEV_ATTR,	/* <uuid>/[<group>/]<attribute> */
};

/* The files of a type directory. */
enum sysfs_type_attr {
	TYPE_ATTR_CREATE,
	TYPE_ATTR_DEVICE_API,
	TYPE_ATTR_NAME,
	TYPE_ATTR_AVAILABLE_INSTANCES,
	TYPE_ATTR_DESCRIPTION,
	NR_TYPE_ATTRS,
};

struct sysfs_node {
	enum sysfs_kind kind;
	struct umdev_parent *parent;	/* referenced, or NULL */
	struct umdev_device *mdev;	/* referenced, or NULL */
	struct umdev_type *type;	/* pinned by parent or mdev */
	enum sysfs_type_attr type_attr;	/* SYSFS_FILE_TYPE_ATTR */
	const struct umdev_attribute *attr; /* SYSFS_FILE_DEV_ATTR */
	const char *group;		/* SYSFS_DIR_GROUP, and grouped attributes */
};

/*
 * Resolves @path ("/" or "/class/mdev_bus/...") into @node.
 * Return: 0; -ENOENT if nothing is there; -ENOTDIR if a component that is
 * not a directory is walked through.
 */
int sysfs_resolve(const char *path, struct sysfs_node *node);
/* Drops the references a resolved node holds. */
void sysfs_node_put(struct sysfs_node *node);

/* The mode of the node, type bits included (S_IFDIR | 0755, ...). */
mode_t sysfs_node_mode(const struct sysfs_node *node);

/* Calls @fill for every name in directory @dir; stops at a non-zero return. */
typedef int (*sysfs_fill_fn)(void *ctx, const char *name);
int sysfs_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx);

/* The relative target of a symlink node into @buf; -EINVAL if not a link. */
int sysfs_link_target(const struct sysfs_node *link, char *buf, size_t size);

/*
 * Reads a file node into @buf (UMDEV_ATTR_BUF_SIZE bytes) as the kernel's
 * show would: the length, or a negative errno.
 */
ssize_t sysfs_show(const struct sysfs_node *file, char *buf);

/* One write() to a file node: the byte count or the kernel's errno. */
ssize_t sysfs_store(const struct sysfs_node *file, const char *buf, size_t count);

#endif /* UMDEV_SYSFS_TREE_H */
