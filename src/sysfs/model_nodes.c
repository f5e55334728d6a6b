// SPDX-License-Identifier: MIT
/*
 * The driver core's part of the tree (the kernel's drivers/base and
 * iommu.c), each kind one table as in nodes.c:
 *
 *   bus/mdev/drivers/<driver>/   bind unbind uevent, <uuid> -> the device
 *   bus/mdev/drivers_autoprobe drivers_probe uevent
 *   kernel/iommu_groups/<n>/     devices/<uuid> -> the device,
 *                                reserved_regions type
 *   <device>/  driver subsystem iommu_group power/ uevent (0644)
 *   <parent>/  subsystem power/ uevent
 *
 * Every file's text and errno are the kernel's (docs/sysfs-abi.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/driver_model.h>

#include "model_nodes.h"

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

static int fill_names(ssize_t count, umdev_name_t *names, sysfs_fill_fn fill, void *ctx)
{
	int ret = 0;

	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++)
		ret = fill(ctx, names[i]);
	free(names);
	return ret;
}

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

/* ---- power/: of the device if the node has one, else of the parent ---- */

static struct umdev_power *node_power(const struct sysfs_node *node)
{
	return node->mdev ? umdev_device_power(node->mdev) : umdev_parent_power(node->parent);
}

static mode_t power_file_mode(const struct sysfs_node *file)
{
	return S_IFREG | umdev_power_attr_mode(file->item);
}

static ssize_t power_file_show(const struct sysfs_node *file, char *buf)
{
	return umdev_power_show(node_power(file), file->item, buf);
}

static ssize_t power_file_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	return umdev_power_store(node_power(file), file->item, buf, count);
}

static const struct sysfs_kind file_power = {
	.get_mode = power_file_mode,
	.show = power_file_show,
	.store = power_file_store,
};

static int power_lookup(const struct sysfs_node *dir, const char *name,
			struct sysfs_node *child)
{
	(void)dir;
	for (const char *const *a = umdev_power_attr_names(); *a; a++) {
		if (!strcmp(*a, name)) {
			child->item = *a;
			child->kind = &file_power;
			return 0;
		}
	}
	return -ENOENT;
}

static int power_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	int ret = 0;

	(void)dir;
	for (const char *const *a = umdev_power_attr_names(); *a && !ret; a++)
		ret = fill(ctx, *a);
	return ret;
}

const struct sysfs_kind sysfs_dir_power = {
	.mode = S_IFDIR | 0755,
	.lookup = power_lookup,
	.list = power_list,
};

/* ---- a device directory's driver-core entries ---- */

/* The driver core's uevent file: DRIVER= while a driver is bound. */
static ssize_t device_uevent_show(const struct sysfs_node *file, char *buf)
{
	if (!umdev_device_has_driver(file->mdev))
		return 0;
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "DRIVER=%s\n",
			umdev_device_parent(file->mdev)->driver->name);
}

static ssize_t device_uevent_store(const struct sysfs_node *file, const char *buf,
				   size_t count)
{
	return umdev_device_uevent_store(file->mdev, buf, count);
}

const struct sysfs_kind sysfs_file_device_uevent = {
	.mode = S_IFREG | 0644,
	.show = device_uevent_show,
	.store = device_uevent_store,
};

bool sysfs_device_has_driver(const struct sysfs_node *dir)
{
	return umdev_device_has_driver(dir->mdev);
}

bool sysfs_device_has_iommu_group(const struct sysfs_node *dir)
{
	return umdev_device_iommu_group(dir->mdev) >= 0;
}

static int device_driver_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	return link_to(buf, size, "../../../../../bus/mdev/drivers/%s",
		       umdev_device_parent(link->mdev)->driver->name);
}

const struct sysfs_kind sysfs_link_device_driver = {
	.mode = S_IFLNK | 0777,
	.readlink = device_driver_readlink,
};

static int device_subsystem_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	(void)link;
	return link_to(buf, size, "../../../../../bus/mdev");
}

const struct sysfs_kind sysfs_link_device_subsystem = {
	.mode = S_IFLNK | 0777,
	.readlink = device_subsystem_readlink,
};

static int device_iommu_group_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	int group = umdev_device_iommu_group(link->mdev);

	if (group < 0)
		return group;
	return link_to(buf, size, "../../../../../kernel/iommu_groups/%d", group);
}

const struct sysfs_kind sysfs_link_device_iommu_group = {
	.mode = S_IFLNK | 0777,
	.readlink = device_iommu_group_readlink,
};

/* ---- a parent directory's driver-core entries ---- */

static ssize_t parent_uevent_show(const struct sysfs_node *file, char *buf)
{
	(void)file;
	(void)buf;
	return 0; /* a class device with no device number: nothing to add */
}

static ssize_t parent_uevent_store(const struct sysfs_node *file, const char *buf,
				   size_t count)
{
	return umdev_parent_uevent_store(file->parent, buf, count);
}

const struct sysfs_kind sysfs_file_parent_uevent = {
	.mode = S_IFREG | 0644,
	.show = parent_uevent_show,
	.store = parent_uevent_store,
};

static int parent_subsystem_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	return link_to(buf, size, "../../../../class/%s", link->parent->driver->name);
}

const struct sysfs_kind sysfs_link_parent_subsystem = {
	.mode = S_IFLNK | 0777,
	.readlink = parent_subsystem_readlink,
};

/* ---- bus/mdev/drivers/<driver> ---- */

static ssize_t bind_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	return umdev_driver_bind_store(file->item, buf, count);
}

static const struct sysfs_kind file_bind = {
	.mode = S_IFREG | 0200,
	.store = bind_store,
};

static ssize_t unbind_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	return umdev_driver_unbind_store(file->item, buf, count);
}

static const struct sysfs_kind file_unbind = {
	.mode = S_IFREG | 0200,
	.store = unbind_store,
};

static ssize_t driver_uevent_store(const struct sysfs_node *file, const char *buf,
				   size_t count)
{
	return umdev_driver_uevent_store(file->item, buf, count);
}

static const struct sysfs_kind file_driver_uevent = {
	.mode = S_IFREG | 0200,
	.store = driver_uevent_store,
};

static int driver_device_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	struct umdev_parent *parent = umdev_device_parent(link->mdev);

	return link_to(buf, size, "../../../../" SYSFS_PARENT_FMT "/%s",
		       SYSFS_PARENT_ARGS(parent), umdev_device_name(link->mdev));
}

static const struct sysfs_kind link_driver_device = {
	.mode = S_IFLNK | 0777,
	.readlink = driver_device_readlink,
};

static int driver_lookup(const struct sysfs_node *dir, const char *name,
			 struct sysfs_node *child)
{
	child->mdev = umdev_device_get_by_name(name);
	if (!child->mdev)
		return -ENOENT;
	if (!umdev_device_has_driver(child->mdev) ||
	    strcmp(umdev_device_parent(child->mdev)->driver->name, dir->item)) {
		umdev_device_put(child->mdev);
		child->mdev = NULL;
		return -ENOENT;
	}
	child->kind = &link_driver_device;
	return 0;
}

static int driver_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_uuid_t *uuids = NULL;
	ssize_t count = umdev_driver_list_devices(dir->item, &uuids);

	return fill_uuids(count, uuids, fill, ctx);
}

static const struct sysfs_kind dir_driver = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "bind", &file_bind, NULL },
		{ "unbind", &file_unbind, NULL },
		{ "uevent", &file_driver_uevent, NULL },
		{ 0 },
	},
	.lookup = driver_lookup,
	.list = driver_list,
};

static int drivers_lookup(const struct sysfs_node *dir, const char *name,
			  struct sysfs_node *child)
{
	(void)dir;
	child->parent = umdev_driver_get_parent(name);
	if (!child->parent)
		return -ENOENT;
	child->item = child->parent->driver->name;
	child->kind = &dir_driver;
	return 0;
}

static int drivers_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_name_t *names = NULL;
	ssize_t count = umdev_list_drivers(&names);

	(void)dir;
	return fill_names(count, names, fill, ctx);
}

const struct sysfs_kind sysfs_dir_bus_drivers = {
	.mode = S_IFDIR | 0755,
	.lookup = drivers_lookup,
	.list = drivers_list,
};

/* ---- bus/mdev's control files ---- */

static ssize_t autoprobe_show(const struct sysfs_node *file, char *buf)
{
	(void)file;
	return umdev_bus_autoprobe_show(buf);
}

static ssize_t autoprobe_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	(void)file;
	return umdev_bus_autoprobe_store(buf, count);
}

const struct sysfs_kind sysfs_file_drivers_autoprobe = {
	.mode = S_IFREG | 0644,
	.show = autoprobe_show,
	.store = autoprobe_store,
};

static ssize_t drivers_probe_store(const struct sysfs_node *file, const char *buf,
				   size_t count)
{
	(void)file;
	return umdev_bus_drivers_probe_store(buf, count);
}

const struct sysfs_kind sysfs_file_drivers_probe = {
	.mode = S_IFREG | 0200,
	.store = drivers_probe_store,
};

static ssize_t bus_uevent_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	(void)file;
	return umdev_bus_uevent_store(buf, count);
}

const struct sysfs_kind sysfs_file_bus_uevent = {
	.mode = S_IFREG | 0200,
	.store = bus_uevent_store,
};

/* ---- kernel/iommu_groups/<n> ---- */

static int group_device_readlink(const struct sysfs_node *link, char *buf, size_t size)
{
	struct umdev_parent *parent = umdev_device_parent(link->mdev);

	return link_to(buf, size, "../../../../" SYSFS_PARENT_FMT "/%s",
		       SYSFS_PARENT_ARGS(parent), umdev_device_name(link->mdev));
}

static const struct sysfs_kind link_group_device = {
	.mode = S_IFLNK | 0777,
	.readlink = group_device_readlink,
};

static int group_devices_lookup(const struct sysfs_node *dir, const char *name,
				struct sysfs_node *child)
{
	(void)child;
	if (strcmp(name, umdev_device_name(dir->mdev)) ||
	    umdev_device_iommu_group(dir->mdev) < 0)
		return -ENOENT;
	child->kind = &link_group_device;
	return 0;
}

static int group_devices_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	if (umdev_device_iommu_group(dir->mdev) < 0)
		return 0;
	return fill(ctx, umdev_device_name(dir->mdev));
}

static const struct sysfs_kind dir_group_devices = {
	.mode = S_IFDIR | 0755,
	.lookup = group_devices_lookup,
	.list = group_devices_list,
};

/* Only the reserved regions of a real IOMMU domain; VFIO's emulated one has none. */
static ssize_t reserved_regions_show(const struct sysfs_node *file, char *buf)
{
	(void)file;
	(void)buf;
	return 0;
}

static const struct sysfs_kind file_reserved_regions = {
	.mode = S_IFREG | 0444,
	.show = reserved_regions_show,
};

/* An emulated-IOMMU group has no default domain. */
static ssize_t group_type_show(const struct sysfs_node *file, char *buf)
{
	(void)file;
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "unknown\n");
}

/* iommu.c's iommu_group_store_type(): no default domain to change. */
static ssize_t group_type_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	(void)file;
	(void)buf;
	return count ? -EINVAL : 0;
}

static const struct sysfs_kind file_group_type = {
	.mode = S_IFREG | 0644,
	.show = group_type_show,
	.store = group_type_store,
};

static const struct sysfs_kind dir_group = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "devices", &dir_group_devices, NULL },
		{ "reserved_regions", &file_reserved_regions, NULL },
		{ "type", &file_group_type, NULL },
		{ 0 },
	},
};

static int groups_lookup(const struct sysfs_node *dir, const char *name,
			 struct sysfs_node *child)
{
	unsigned long group;
	char *end;

	(void)dir;
	/* Only the canonical decimal name of a group. */
	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1]))
		return -ENOENT;
	group = strtoul(name, &end, 10);
	if (*end || group > UINT32_MAX)
		return -ENOENT;
	child->mdev = umdev_iommu_group_get_device((unsigned int)group);
	if (!child->mdev)
		return -ENOENT;
	child->kind = &dir_group;
	return 0;
}

static int groups_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	unsigned int *groups = NULL;
	ssize_t count = umdev_list_iommu_groups(&groups);
	int ret = 0;

	(void)dir;
	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++) {
		char name[16];

		snprintf(name, sizeof(name), "%u", groups[i]);
		ret = fill(ctx, name);
	}
	free(groups);
	return ret;
}

static const struct sysfs_kind dir_iommu_groups = {
	.mode = S_IFDIR | 0755,
	.lookup = groups_lookup,
	.list = groups_list,
};

const struct sysfs_kind sysfs_dir_kernel = {
	.mode = S_IFDIR | 0755,
	.entries = (const struct sysfs_entry[]){
		{ "iommu_groups", &dir_iommu_groups, NULL },
		{ 0 },
	},
};
