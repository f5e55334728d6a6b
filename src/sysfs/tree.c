// SPDX-License-Identifier: MIT
/*
 * The path resolver and directory listings of the sysfs tree (see tree.h).
 *
 * Lookup and listing of each directory kind sit next to each other and ask
 * the core the same question, so readdir and lookup agree; both see a
 * device at the same moments the kernel shows it: the directory with
 * `remove` and the bus link from the ADDED event, the `devices/` link,
 * `mdev_type` and the driver's attributes once it is bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/vfio_user.h>

#include "tree.h"

/* Whether the vfio-user frontend serves the device (it has a socket). */
static bool served(struct umdev_device *mdev)
{
	char path[UMDEV_ATTR_BUF_SIZE];

	return umdev_vfio_user_socket_path(mdev, path, sizeof(path)) >= 0;
}

static const char *const type_attr_names[NR_TYPE_ATTRS] = {
	[TYPE_ATTR_CREATE] = "create",
	[TYPE_ATTR_DEVICE_API] = "device_api",
	[TYPE_ATTR_NAME] = "name",
	[TYPE_ATTR_AVAILABLE_INSTANCES] = "available_instances",
	[TYPE_ATTR_DESCRIPTION] = "description",
};

void sysfs_node_put(struct sysfs_node *node)
{
	if (node->mdev)
		umdev_device_put(node->mdev);
	if (node->parent)
		umdev_parent_put(node->parent);
	memset(node, 0, sizeof(*node));
}

/* The directories that never change: the path down to the dynamic ones. */
static const struct fixed_entry {
	enum sysfs_kind dir;
	const char *name;
	enum sysfs_kind kind;
} fixed_entries[] = {
	{ SYSFS_DIR_ROOT, "class", SYSFS_DIR_CLASS },
	{ SYSFS_DIR_ROOT, "bus", SYSFS_DIR_BUS },
	{ SYSFS_DIR_ROOT, "devices", SYSFS_DIR_DEVICES },
	{ SYSFS_DIR_CLASS, "mdev_bus", SYSFS_DIR_MDEV_BUS },
	{ SYSFS_DIR_BUS, "mdev", SYSFS_DIR_BUS_MDEV },
	{ SYSFS_DIR_BUS_MDEV, "devices", SYSFS_DIR_BUS_DEVICES },
	{ SYSFS_DIR_DEVICES, "umdev", SYSFS_DIR_UMDEV },
};

#define NR_FIXED_ENTRIES (sizeof(fixed_entries) / sizeof(fixed_entries[0]))

static bool is_fixed_dir(enum sysfs_kind kind)
{
	return kind == SYSFS_DIR_ROOT || kind == SYSFS_DIR_CLASS || kind == SYSFS_DIR_BUS ||
	       kind == SYSFS_DIR_BUS_MDEV || kind == SYSFS_DIR_DEVICES;
}

static int lookup_fixed(enum sysfs_kind dir, const char *name, struct sysfs_node *child)
{
	for (size_t i = 0; i < NR_FIXED_ENTRIES; i++) {
		if (fixed_entries[i].dir == dir && !strcmp(fixed_entries[i].name, name)) {
			child->kind = fixed_entries[i].kind;
			return 0;
		}
	}
	return -ENOENT;
}

static int list_fixed(enum sysfs_kind dir, sysfs_fill_fn fill, void *ctx)
{
	int ret = 0;

	for (size_t i = 0; i < NR_FIXED_ENTRIES && !ret; i++)
		if (fixed_entries[i].dir == dir)
			ret = fill(ctx, fixed_entries[i].name);
	return ret;
}

static bool type_has_attr(struct umdev_type *type, enum sysfs_type_attr which)
{
	return which != TYPE_ATTR_DESCRIPTION || umdev_type_has_description(type);
}

/* Whether @group names a group of the device's driver attributes. */
static const char *find_group(struct umdev_device *mdev, const char *group)
{
	for (const struct umdev_attribute *const *a = umdev_device_attrs(mdev); *a; a++)
		if ((*a)->group && !strcmp((*a)->group, group))
			return (*a)->group;
	return NULL;
}

/* A device of @parent by name, referenced; bound only if @bound. */
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

/*
 * Looks @name up in directory @dir. @child gets only what the lookup
 * itself found (new references); inherit() adds the directory's.
 */
static int lookup(const struct sysfs_node *dir, const char *name, struct sysfs_node *child)
{
	memset(child, 0, sizeof(*child));
	if (is_fixed_dir(dir->kind))
		return lookup_fixed(dir->kind, name, child);

	switch (dir->kind) {
	case SYSFS_DIR_MDEV_BUS:
	case SYSFS_DIR_UMDEV:
		child->parent = umdev_parent_get(name);
		if (!child->parent)
			return -ENOENT;
		child->kind = dir->kind == SYSFS_DIR_MDEV_BUS ? SYSFS_LINK_CLASS : SYSFS_DIR_PARENT;
		return 0;

	case SYSFS_DIR_BUS_DEVICES:
		child->mdev = umdev_device_get_by_name(name);
		if (!child->mdev)
			return -ENOENT;
		child->kind = SYSFS_LINK_BUS;
		return 0;

	case SYSFS_DIR_PARENT:
		if (!strcmp(name, "mdev_supported_types")) {
			child->kind = SYSFS_DIR_TYPES;
			return 0;
		}
		child->mdev = get_child_device(dir->parent, name, NULL, false);
		if (!child->mdev)
			return -ENOENT;
		child->kind = SYSFS_DIR_MDEV;
		child->type = umdev_device_type(child->mdev);
		return 0;

	case SYSFS_DIR_TYPES:
		child->type = umdev_parent_find_type(dir->parent, name);
		if (!child->type)
			return -ENOENT;
		child->kind = SYSFS_DIR_TYPE;
		return 0;

	case SYSFS_DIR_TYPE:
		if (!strcmp(name, "devices")) {
			child->kind = SYSFS_DIR_TYPE_DEVICES;
		} else {
			enum sysfs_type_attr which;

			for (which = 0; which < NR_TYPE_ATTRS; which++)
				if (!strcmp(name, type_attr_names[which]))
					break;
			if (which == NR_TYPE_ATTRS || !type_has_attr(dir->type, which))
				return -ENOENT;
			child->kind = SYSFS_FILE_TYPE_ATTR;
			child->type_attr = which;
		}
		return 0;

	case SYSFS_DIR_TYPE_DEVICES:
		child->mdev = get_child_device(dir->parent, name, dir->type, true);
		if (!child->mdev)
			return -ENOENT;
		child->kind = SYSFS_LINK_TYPE_DEVICE;
		return 0;

	case SYSFS_DIR_MDEV: {
		bool bound = umdev_device_is_bound(dir->mdev);

		if (!strcmp(name, "remove"))
			child->kind = SYSFS_FILE_REMOVE;
		else if (!strcmp(name, "uevent"))
			child->kind = SYSFS_FILE_UEVENT;
		else if (!strcmp(name, VFIO_SOCKET_FILE) && served(dir->mdev))
			child->kind = SYSFS_FILE_VFIO_SOCKET;
		else if (bound && !strcmp(name, "mdev_type"))
			child->kind = SYSFS_LINK_MDEV_TYPE;
		else if (bound && (child->attr = umdev_device_find_attr(dir->mdev, NULL, name)))
			child->kind = SYSFS_FILE_DEV_ATTR;
		else if (bound && (child->group = find_group(dir->mdev, name)))
			child->kind = SYSFS_DIR_GROUP;
		else
			return -ENOENT;
		return 0;
	}
	case SYSFS_DIR_GROUP:
		if (!umdev_device_is_bound(dir->mdev))
			return -ENOENT;
		child->attr = umdev_device_find_attr(dir->mdev, dir->group, name);
		if (!child->attr)
			return -ENOENT;
		child->kind = SYSFS_FILE_DEV_ATTR;
		child->group = dir->group;
		return 0;

	default:
		return -ENOTDIR;
	}
}

/*
 * The child inherits the directory's references and type unless its
 * lookup took its own: a device directory's files live on the references
 * of the path that led to them, so nothing is looked up twice.
 */
static void inherit(struct sysfs_node *dir, struct sysfs_node *child)
{
	if (!child->parent)
		child->parent = dir->parent;
	else if (dir->parent)
		umdev_parent_put(dir->parent);
	if (!child->mdev)
		child->mdev = dir->mdev;
	else if (dir->mdev)
		umdev_device_put(dir->mdev);
	if (!child->type)
		child->type = dir->type;
	memset(dir, 0, sizeof(*dir));
}

int sysfs_resolve(const char *path, struct sysfs_node *node)
{
	char component[UMDEV_NAME_MAX + 1];
	const char *p = path;

	memset(node, 0, sizeof(*node));
	node->kind = SYSFS_DIR_ROOT;
	for (;;) {
		struct sysfs_node child;
		size_t len;
		int ret;

		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		len = strcspn(p, "/");
		if (len >= sizeof(component)) {
			sysfs_node_put(node);
			return -ENOENT; /* no name in the tree is that long */
		}
		memcpy(component, p, len);
		component[len] = '\0';
		p += len;

		ret = lookup(node, component, &child);
		if (ret) {
			sysfs_node_put(node);
			return ret;
		}
		inherit(node, &child);
		*node = child;
	}
}

mode_t sysfs_node_mode(const struct sysfs_node *node)
{
	switch (node->kind) {
	case SYSFS_LINK_CLASS:
	case SYSFS_LINK_BUS:
	case SYSFS_LINK_TYPE_DEVICE:
	case SYSFS_LINK_MDEV_TYPE:
		return S_IFLNK | 0777;
	case SYSFS_FILE_TYPE_ATTR:
		return S_IFREG | (node->type_attr == TYPE_ATTR_CREATE ? 0200 : 0444);
	case SYSFS_FILE_REMOVE:
		return S_IFREG | 0200;
	case SYSFS_FILE_UEVENT:
	case SYSFS_FILE_VFIO_SOCKET:
		return S_IFREG | 0444;
	case SYSFS_FILE_DEV_ATTR:
		return S_IFREG | umdev_attr_mode(node->attr);
	default:
		return S_IFDIR | 0755;
	}
}

/* Fills the names of a snapshot (or returns its error) and frees it. */
static int list_uuids(ssize_t count, umdev_uuid_t *uuids, sysfs_fill_fn fill, void *ctx)
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

static int list_parents(sysfs_fill_fn fill, void *ctx)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_parents(&names);
	int ret = 0;

	if (count < 0)
		return (int)count;
	for (ssize_t i = 0; i < count && !ret; i++)
		ret = fill(ctx, names[i]);
	free(names);
	return ret;
}

/* The device directory: core files, then the driver's, groups once each. */
static int list_mdev(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	const struct umdev_attribute *const *attrs = umdev_device_attrs(dir->mdev);
	int ret;

	ret = fill(ctx, "remove");
	if (!ret)
		ret = fill(ctx, "uevent");
	if (!ret && served(dir->mdev))
		ret = fill(ctx, VFIO_SOCKET_FILE);
	if (ret || !umdev_device_is_bound(dir->mdev))
		return ret;
	ret = fill(ctx, "mdev_type");
	for (size_t i = 0; attrs[i] && !ret; i++) {
		bool seen = false;

		if (!attrs[i]->group) {
			ret = fill(ctx, attrs[i]->name);
			continue;
		}
		for (size_t j = 0; j < i && !seen; j++)
			seen = attrs[j]->group && !strcmp(attrs[j]->group, attrs[i]->group);
		if (!seen)
			ret = fill(ctx, attrs[i]->group);
	}
	return ret;
}

int sysfs_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	umdev_uuid_t *uuids = NULL;
	ssize_t count;
	int ret = 0;

	if (is_fixed_dir(dir->kind))
		return list_fixed(dir->kind, fill, ctx);

	switch (dir->kind) {
	case SYSFS_DIR_MDEV_BUS:
	case SYSFS_DIR_UMDEV:
		return list_parents(fill, ctx);
	case SYSFS_DIR_BUS_DEVICES:
		count = umdev_list_devices(&uuids);
		return list_uuids(count, uuids, fill, ctx);
	case SYSFS_DIR_PARENT:
		ret = fill(ctx, "mdev_supported_types");
		if (ret)
			return ret;
		count = umdev_parent_list_devices(dir->parent, &uuids);
		return list_uuids(count, uuids, fill, ctx);
	case SYSFS_DIR_TYPES:
		for (unsigned int i = 0; i < dir->parent->nr_types && !ret; i++)
			ret = fill(ctx, umdev_type_id(dir->parent->types[i]));
		return ret;
	case SYSFS_DIR_TYPE:
		for (enum sysfs_type_attr which = 0; which < NR_TYPE_ATTRS && !ret; which++)
			if (type_has_attr(dir->type, which))
				ret = fill(ctx, type_attr_names[which]);
		if (!ret)
			ret = fill(ctx, "devices");
		return ret;
	case SYSFS_DIR_TYPE_DEVICES:
		count = umdev_type_list_devices(dir->type, &uuids);
		return list_uuids(count, uuids, fill, ctx);
	case SYSFS_DIR_MDEV:
		return list_mdev(dir, fill, ctx);
	case SYSFS_DIR_GROUP:
		if (!umdev_device_is_bound(dir->mdev))
			return 0;
		for (const struct umdev_attribute *const *a = umdev_device_attrs(dir->mdev);
		     *a && !ret; a++)
			if ((*a)->group && !strcmp((*a)->group, dir->group))
				ret = fill(ctx, (*a)->name);
		return ret;
	default:
		return -ENOTDIR;
	}
}

int sysfs_link_target(const struct sysfs_node *link, char *buf, size_t size)
{
	int len;

	switch (link->kind) {
	case SYSFS_LINK_CLASS:
		len = snprintf(buf, size, "../../" SYSFS_PARENTS_DIR "/%s", link->parent->name);
		break;
	case SYSFS_LINK_BUS:
		len = snprintf(buf, size, "../../../" SYSFS_PARENTS_DIR "/%s/%s",
			       umdev_device_parent(link->mdev)->name,
			       umdev_device_name(link->mdev));
		break;
	case SYSFS_LINK_TYPE_DEVICE:
		len = snprintf(buf, size, "../../../%s", umdev_device_name(link->mdev));
		break;
	case SYSFS_LINK_MDEV_TYPE:
		len = snprintf(buf, size, "../mdev_supported_types/%s", umdev_type_id(link->type));
		break;
	default:
		return -EINVAL;
	}
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}
