// SPDX-License-Identifier: MIT
/*
 * Every kind of node in the sysfs tree, each one table of operations (see
 * tree.h), from the leaves up to the root. A file's show and store are one
 * core call each, with the text and errno of the kernel's mdev_sysfs.c (and
 * the driver core's, for `uevent`): the core parses and does the work.
 *
 * A device is seen at the moments the kernel shows it: the directory with
 * `remove` and the bus link from the ADDED event; the `devices/` link,
 * `mdev_type` and the driver's attributes once it is bound; files added to
 * the device (umdev_device_add_attr()) while they exist.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/driver_model.h>

#include "model_nodes.h"

static ssize_t show_line(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static ssize_t show_line(char *buf, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, UMDEV_ATTR_BUF_SIZE, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EIO;
	return len < UMDEV_ATTR_BUF_SIZE ? len : UMDEV_ATTR_BUF_SIZE - 1;
}

static int link_to(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int link_to(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

/* Fills the names of a snapshot (or returns its error) and frees it. */
static int fill_uuids(ssize_t count, umdev_uuid_t *uuids, sysfs_fill_fn fill, void *ctx)
{
	int ret = 0;

	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++) {
		char name[UMDEV_UUID_STRING_LEN + 1];

		umdev_uuid_format(uuids[i], name);
		ret = fill(ctx, name);
	}
	free(uuids);
	return ret;
}

static int list_parents(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_parents(&names);
	int ret = 0;

	(void)dir;
	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++)
		ret = fill(ctx, names[i]);
	free(names);
	return ret;
}

/* A device of @parent by name, referenced; of @type and bound if asked. */
static struct umdev_device *get_child_device(struct umdev_parent *parent, const char *name,
					     struct umdev_type *type, bool bound)
{
	struct umdev_device *mdev = umdev_device_get_by_name(name);

	if (!mdev)
		return NULL;
	if (umdev_device_parent(mdev) != parent ||
	    (type && umdev_device_type(mdev) != type) ||
	    (bound && !umdev_device_is_bound(mdev))) {
		umdev_device_put(mdev);
		return NULL;
	}
	return mdev;
}

/* ---- a device's attributes: <uuid>/[<group>/]<attribute> ---- */

static mode_t attr_mode(const struct sysfs_node *file)
{
	return S_IFREG | umdev_attr_mode(file->attr);
}

static ssize_t attr_show(const struct sysfs_node *file, char *buf)
{
	return umdev_device_attr_show(file->mdev, file->attr, buf);
}

static ssize_t attr_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	return umdev_device_attr_store(file->mdev, file->attr, buf, count);
}

static const struct sysfs_kind dev_attr = {
	.get_mode = attr_mode,
	.show = attr_show,
	.store = attr_store,
};

static bool same_group(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/*
 * Fills the attributes of @group (NULL: the device directory, where each
 * group appears once as a directory) in the core's order.
 */
static int list_attrs(struct umdev_device *mdev, const char *group, sysfs_fill_fn fill,
		      void *ctx)
{
	const struct umdev_attribute **attrs;
	ssize_t count = umdev_device_list_attrs(mdev, &attrs);
	int ret = 0;

	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++) {
		bool seen = false;

		if (same_group(attrs[i]->group, group)) {
			ret = fill(ctx, attrs[i]->name);
			continue;
		}
		if (group)
			continue;
		for (ssize_t j = 0; j < i && !seen; j++)
			seen = same_group(attrs[j]->group, attrs[i]->group);
		if (!seen)
			ret = fill(ctx, attrs[i]->group);
	}
	free(attrs);
	return ret;
}

static int group_lookup(const struct sysfs_node *dir, const char *name,
			struct sysfs_node *child)
{
	child->attr = umdev_device_find_attr(dir->mdev, dir->group, name);
	if (!child->attr)
		return -ENOENT;
	child->kind = &dev_attr;
	return 0;
}

static int group_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	return list_attrs(dir->mdev, dir->group, fill, ctx);
}

static const struct sysfs_kind dir_group = {
	.mode = S_IFDIR | 0755,
	.lookup = group_lookup,
	.list = group_list,
};

/* Finds a group of the device's attributes; its name outlives the node. */
static const char *find_group(struct umdev_device *mdev, const char *name)
{
	const struct umdev_attribute **attrs;
	ssize_t count = umdev_device_list_attrs(mdev, &attrs);
	const char *group = NULL;

	for (ssize_t i = 0; i < count && !group; i++)
		if (attrs[i]->group && !strcmp(attrs[i]->group, name))
			group = attrs[i]->group;
	if (count >= 0)
		free(attrs);
	return group;
}

/* ---- a device directory: devices/virtual/<class>/<parent>/<uuid> ---- */

static ssize_t remove_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	return umdev_device_remove_store(file->mdev, buf, count);
}

static const struct sysfs_kind file_remove = {
	.mode = S_IFREG | 0200,
	.store = remove_store,
};

static int mdev_type_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	return link_to(buf, size, "../mdev_supported_types/%s", umdev_type_id(link->type));
}

static const struct sysfs_kind link_mdev_type = {
	.mode = S_IFLNK | 0777,
	.readlink = mdev_type_readlink,
};

static bool device_bound(const struct sysfs_node *dir)
{
	return umdev_device_is_bound(dir->mdev);
}

static int mdev_lookup(const struct sysfs_node *dir, const char *name,
		       struct sysfs_node *child)
{
	child->attr = umdev_device_find_attr(dir->mdev, NULL, name);
	if (child->attr) {
		child->kind = &dev_attr;
		return 0;
	}
	child->group = find_group(dir->mdev, name);
	if (child->group) {
		child->kind = &dir_group;
		return 0;
	}
	return -ENOENT;
}

static int mdev_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	return list_attrs(dir->mdev, NULL, fill, ctx);
}

static const struct sysfs_kind dir_mdev = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "remove", &file_remove, NULL },
		{ "uevent", &sysfs_file_device_uevent, NULL },
		{ "mdev_type", &link_mdev_type, device_bound },
		{ "driver", &sysfs_link_device_driver, sysfs_device_has_driver },
		{ "subsystem", &sysfs_link_device_subsystem, NULL },
		{ "iommu_group", &sysfs_link_device_iommu_group, sysfs_device_has_iommu_group },
		{ "power", &sysfs_dir_power, NULL },
		{ 0 },
	},
	.lookup = mdev_lookup,
	.list = mdev_list,
};

/* ---- a type directory: <parent>/mdev_supported_types/<type-id> ---- */

static ssize_t create_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	return umdev_type_create_store(file->type, buf, count);
}

static const struct sysfs_kind type_create = {
	.mode = S_IFREG | 0200,
	.store = create_store,
};

static ssize_t device_api_show(const struct sysfs_node *file, char *buf)
{
	return show_line(buf, "%s\n", umdev_type_device_api(file->type));
}

static const struct sysfs_kind type_device_api = {
	.mode = S_IFREG | 0444,
	.show = device_api_show,
};

static ssize_t name_show(const struct sysfs_node *file, char *buf)
{
	return show_line(buf, "%s\n", umdev_type_name(file->type));
}

static const struct sysfs_kind type_name = {
	.mode = S_IFREG | 0444,
	.show = name_show,
};

static ssize_t available_instances_show(const struct sysfs_node *file, char *buf)
{
	return show_line(buf, "%u\n", umdev_type_available_instances(file->type));
}

static const struct sysfs_kind type_available_instances = {
	.mode = S_IFREG | 0444,
	.show = available_instances_show,
};

/* The driver's text, passed through as the kernel does. */
static ssize_t description_show(const struct sysfs_node *file, char *buf)
{
	return umdev_type_show_description(file->type, buf);
}

static const struct sysfs_kind type_description = {
	.mode = S_IFREG | 0444,
	.show = description_show,
};

static bool has_description(const struct sysfs_node *dir)
{
	return umdev_type_has_description(dir->type);
}

static int type_device_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	return link_to(buf, size, "../../../%s", umdev_device_name(link->mdev));
}

static const struct sysfs_kind link_type_device = {
	.mode = S_IFLNK | 0777,
	.readlink = type_device_readlink,
};

static int type_devices_lookup(const struct sysfs_node *dir, const char *name,
			       struct sysfs_node *child)
{
	child->mdev = get_child_device(dir->parent, name, dir->type, true);
	if (!child->mdev)
		return -ENOENT;
	child->kind = &link_type_device;
	return 0;
}

static int type_devices_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_uuid_t *uuids = NULL;
	ssize_t count = umdev_type_list_devices(dir->type, &uuids);

	return fill_uuids(count, uuids, fill, ctx);
}

static const struct sysfs_kind dir_type_devices = {
	.mode = S_IFDIR | 0755,
	.lookup = type_devices_lookup,
	.list = type_devices_list,
};

static const struct sysfs_kind dir_type = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "create", &type_create, NULL },
		{ "device_api", &type_device_api, NULL },
		{ "name", &type_name, NULL },
		{ "available_instances", &type_available_instances, NULL },
		{ "description", &type_description, has_description },
		{ "devices", &dir_type_devices, NULL },
		{ 0 },
	},
};

/* ---- a parent directory: devices/virtual/<class>/<parent> ---- */

static int types_lookup(const struct sysfs_node *dir, const char *name,
			struct sysfs_node *child)
{
	child->type = umdev_parent_find_type(dir->parent, name);
	if (!child->type)
		return -ENOENT;
	child->kind = &dir_type;
	return 0;
}

static int types_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	int ret = 0;

	for (unsigned int i = 0; i < dir->parent->nr_types && !ret; i++)
		ret = fill(ctx, umdev_type_id(dir->parent->types[i]));
	return ret;
}

static const struct sysfs_kind dir_types = {
	.mode = S_IFDIR | 0755,
	.lookup = types_lookup,
	.list = types_list,
};

static int parent_lookup(const struct sysfs_node *dir, const char *name,
			 struct sysfs_node *child)
{
	child->mdev = get_child_device(dir->parent, name, NULL, false);
	if (!child->mdev)
		return -ENOENT;
	child->kind = &dir_mdev;
	child->type = umdev_device_type(child->mdev);
	return 0;
}

static int parent_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_uuid_t *uuids = NULL;
	ssize_t count = umdev_parent_list_devices(dir->parent, &uuids);

	return fill_uuids(count, uuids, fill, ctx);
}

static const struct sysfs_kind dir_parent = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "mdev_supported_types", &dir_types, NULL },
		{ "power", &sysfs_dir_power, NULL },
		{ "subsystem", &sysfs_link_parent_subsystem, NULL },
		{ "uevent", &sysfs_file_parent_uevent, NULL },
		{ 0 },
	},
	.lookup = parent_lookup,
	.list = parent_list,
};

/*
 * A class: the parents whose driver has its name. The node holds one of
 * them, whose driver's name is the class's (item).
 */
static int class_get(const char *name, struct sysfs_node *child)
{
	child->parent = umdev_driver_get_parent(name);
	if (!child->parent)
		return -ENOENT;
	child->item = child->parent->driver->name;
	return 0;
}

/* A parent of the class @dir names, referenced, or NULL. */
static struct umdev_parent *class_member(const struct sysfs_node *dir, const char *name)
{
	struct umdev_parent *parent = umdev_parent_get(name);

	if (parent && strcmp(parent->driver->name, dir->item)) {
		umdev_parent_put(parent);
		parent = NULL;
	}
	return parent;
}

static int list_class_members(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_parents(&names);
	int ret = 0;

	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++) {
		struct umdev_parent *parent = class_member(dir, names[i]);

		if (parent) {
			umdev_parent_put(parent);
			ret = fill(ctx, names[i]);
		}
	}
	free(names);
	return ret;
}

static int list_classes(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_drivers(&names);
	int ret = 0;

	(void)dir;
	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++)
		ret = fill(ctx, names[i]);
	free(names);
	return ret;
}

/* devices/virtual/<class>: the parents' directories. */
static int virtual_class_lookup(const struct sysfs_node *dir, const char *name,
				struct sysfs_node *child)
{
	child->parent = class_member(dir, name);
	if (!child->parent)
		return -ENOENT;
	child->kind = &dir_parent;
	return 0;
}

static const struct sysfs_kind dir_virtual_class = {
	.mode = S_IFDIR | 0755,
	.lookup = virtual_class_lookup,
	.list = list_class_members,
};

static int virtual_lookup(const struct sysfs_node *dir, const char *name,
			  struct sysfs_node *child)
{
	(void)dir;
	child->kind = &dir_virtual_class;
	return class_get(name, child);
}

static const struct sysfs_kind dir_virtual = {
	.mode = S_IFDIR | 0755,
	.lookup = virtual_lookup,
	.list = list_classes,
};

/* ---- class/mdev_bus and class/<class>: a link per parent ---- */

static int class_link_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	return link_to(buf, size, "../../" SYSFS_PARENT_FMT, SYSFS_PARENT_ARGS(link->parent));
}

static const struct sysfs_kind link_class = {
	.mode = S_IFLNK | 0777,
	.readlink = class_link_readlink,
};

static int mdev_bus_lookup(const struct sysfs_node *dir, const char *name,
			   struct sysfs_node *child)
{
	(void)dir;
	child->parent = umdev_parent_get(name);
	if (!child->parent)
		return -ENOENT;
	child->kind = &link_class;
	return 0;
}

static const struct sysfs_kind dir_mdev_bus = {
	.mode = S_IFDIR | 0755,
	.lookup = mdev_bus_lookup,
	.list = list_parents,
};

static int class_lookup(const struct sysfs_node *dir, const char *name,
			struct sysfs_node *child)
{
	child->parent = class_member(dir, name);
	if (!child->parent)
		return -ENOENT;
	child->kind = &link_class;
	return 0;
}

static const struct sysfs_kind dir_class_links = {
	.mode = S_IFDIR | 0755,
	.lookup = class_lookup,
	.list = list_class_members,
};

/* ---- bus/mdev/devices: a link per device ---- */

static int bus_link_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	return link_to(buf, size, "../../../" SYSFS_PARENT_FMT "/%s",
		       SYSFS_PARENT_ARGS(umdev_device_parent(link->mdev)),
		       umdev_device_name(link->mdev));
}

static const struct sysfs_kind link_bus = {
	.mode = S_IFLNK | 0777,
	.readlink = bus_link_readlink,
};

static int bus_devices_lookup(const struct sysfs_node *dir, const char *name,
			      struct sysfs_node *child)
{
	(void)dir;
	child->mdev = umdev_device_get_by_name(name);
	if (!child->mdev)
		return -ENOENT;
	child->kind = &link_bus;
	return 0;
}

static int bus_devices_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_uuid_t *uuids = NULL;
	ssize_t count = umdev_list_devices(&uuids);

	(void)dir;
	return fill_uuids(count, uuids, fill, ctx);
}

static const struct sysfs_kind dir_bus_devices = {
	.mode = S_IFDIR | 0755,
	.lookup = bus_devices_lookup,
	.list = bus_devices_list,
};

/* ---- the fixed directories down to the dynamic ones ---- */

static const struct sysfs_kind dir_bus_mdev = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "devices", &dir_bus_devices, NULL },
		{ "drivers", &sysfs_dir_bus_drivers, NULL },
		{ "drivers_autoprobe", &sysfs_file_drivers_autoprobe, NULL },
		{ "drivers_probe", &sysfs_file_drivers_probe, NULL },
		{ "uevent", &sysfs_file_bus_uevent, NULL },
		{ 0 },
	},
};

static const struct sysfs_kind dir_bus = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "mdev", &dir_bus_mdev, NULL },
		{ 0 },
	},
};

/* class/: mdev_bus, and one class per driver of the parents. */
static int class_dir_lookup(const struct sysfs_node *dir, const char *name,
			    struct sysfs_node *child)
{
	(void)dir;
	child->kind = &dir_class_links;
	return class_get(name, child);
}

static const struct sysfs_kind dir_class = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "mdev_bus", &dir_mdev_bus, NULL },
		{ 0 },
	},
	.lookup = class_dir_lookup,
	.list = list_classes,
};

static const struct sysfs_kind dir_devices = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "virtual", &dir_virtual, NULL },
		{ 0 },
	},
};

const struct sysfs_kind sysfs_root = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "class", &dir_class, NULL },
		{ "bus", &dir_bus, NULL },
		{ "devices", &dir_devices, NULL },
		{ "kernel", &sysfs_dir_kernel, NULL },
		{ 0 },
	},
};
