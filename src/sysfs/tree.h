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
 *           remove uevent
 *           mdev_type                      -> ../mdev_supported_types/<type-id>
 *           <attribute>, <group>/<attribute>   the driver's, and those added
 *                                              (vfio-user-socket, ...)
 *
 * Each node has a kind: one table of operations (struct sysfs_kind), as a
 * kernfs node has its kernfs_ops and a kobject its kobj_type. A directory
 * kind lists its fixed children (struct sysfs_entry) and may look up and
 * list the ones that come and go; a file kind shows and stores; a link
 * kind reads its target. Adding a file is one entry in its directory's
 * table and, if it is a new kind, that kind's table beside it (nodes.c).
 */
#ifndef UMDEV_SYSFS_TREE_H
#define UMDEV_SYSFS_TREE_H

#include <sys/stat.h>
#include <umdev/bus.h>

/*
 * Where a parent's directory lives below the mount point, as the kernel
 * places a class device without a parent device: devices/virtual/<class>/
 * <name>, the class being the parent's driver name (mtty/mtty, ...).
 */
#define SYSFS_PARENT_FMT "devices/virtual/%s/%s"
#define SYSFS_PARENT_ARGS(parent) (parent)->driver->name, (parent)->name

struct sysfs_kind;

struct sysfs_node {
	const struct sysfs_kind *kind;
	struct umdev_parent *parent;	    /* referenced, or NULL */
	struct umdev_device *mdev;	    /* referenced, or NULL */
	struct umdev_type *type;	    /* pinned by parent or mdev */
	const struct umdev_attribute *attr; /* a device attribute file */
	const char *group;		    /* an attribute group, and its files */
	const char *item;		    /* a power/ file's or a driver's name */
};

/* Called for every name of a directory; a non-zero return stops the listing. */
typedef int (*sysfs_fill_fn)(void *ctx, const char *name);

/* A fixed child of a directory kind. */
struct sysfs_entry {
	const char *name;
	const struct sysfs_kind *kind;
	/* Whether it exists now in directory @dir; NULL: always. */
	bool (*visible)(const struct sysfs_node *dir);
};

/**
 * struct sysfs_kind - what every node of one kind does.
 * @mode: type bits and permissions (S_IFDIR | 0755, S_IFREG | 0444, ...).
 * @get_mode: the mode when it depends on the node (a driver attribute).
 * @entries: a directory's fixed children, ending with an empty entry.
 * @lookup: a directory's other children: fills @child's kind and the
 *          references the lookup took (the directory's are inherited);
 *          0 or -ENOENT.
 * @list: names the children @lookup finds, in a stable order.
 * @readlink: a link's relative target.
 * @show: a file's text into a UMDEV_ATTR_BUF_SIZE buffer: its length or a
 *        negative errno, as a kernel show.
 * @store: one write() of @count bytes: @count or a negative errno.
 * Missing callbacks give the kernel's errno (ENOTDIR, EINVAL, EACCES, EISDIR).
 */
struct sysfs_kind {
	mode_t mode;
	mode_t (*get_mode)(const struct sysfs_node *node);
	const struct sysfs_entry *entries;
	int (*lookup)(const struct sysfs_node *dir, const char *name, struct sysfs_node *child);
	int (*list)(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx);
	int (*readlink)(const struct sysfs_node *link, char *buf, size_t size);
	ssize_t (*show)(const struct sysfs_node *file, char *buf);
	ssize_t (*store)(const struct sysfs_node *file, const char *buf, size_t count);
};

/* The mount point's directory (nodes.c). */
extern const struct sysfs_kind sysfs_root;

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
