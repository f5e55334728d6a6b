// SPDX-License-Identifier: MIT
/*
 * Walking the sysfs tree: resolving a path node by node, and running a
 * node's operations from its kind's table (see tree.h; the kinds are in
 * nodes.c). Lookup and listing of a directory go through the same table,
 * so readdir and lookup agree.
 */
#include <errno.h>
#include <string.h>

#include "tree.h"

void sysfs_node_put(struct sysfs_node *node)
{
	if (node->mdev)
		umdev_device_put(node->mdev);
	if (node->parent)
		umdev_parent_put(node->parent);
	memset(node, 0, sizeof(*node));
}

mode_t sysfs_node_mode(const struct sysfs_node *node)
{
	return node->kind->get_mode ? node->kind->get_mode(node) : node->kind->mode;
}

static bool is_dir(const struct sysfs_node *node)
{
	return S_ISDIR(sysfs_node_mode(node));
}

static bool entry_visible(const struct sysfs_entry *entry, const struct sysfs_node *dir)
{
	return !entry->visible || entry->visible(dir);
}

/*
 * Looks @name up in directory @dir: its fixed entries first, then the
 * kind's own lookup. @child gets only what the lookup itself found (new
 * references); inherit() adds the directory's.
 */
static int lookup(const struct sysfs_node *dir, const char *name, struct sysfs_node *child)
{
	memset(child, 0, sizeof(*child));
	if (!is_dir(dir))
		return -ENOTDIR;
	for (const struct sysfs_entry *e = dir->kind->entries; e && e->name; e++) {
		if (!strcmp(e->name, name) && entry_visible(e, dir)) {
			child->kind = e->kind;
			return 0;
		}
	}
	return dir->kind->lookup ? dir->kind->lookup(dir, name, child) : -ENOENT;
}

/*
 * The child inherits the directory's references, type and group unless
 * its lookup took its own: a device directory's files live on the
 * references of the path that led to them, so nothing is looked up twice.
 */
static void inherit(struct sysfs_node *dir, struct sysfs_node *child)
{
	/* A name may point into the directory's parent: not if that one goes. */
	if (!child->item && (!child->parent || child->parent == dir->parent))
		child->item = dir->item;
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
	if (!child->group)
		child->group = dir->group;
	memset(dir, 0, sizeof(*dir));
}

int sysfs_resolve(const char *path, struct sysfs_node *node)
{
	char component[UMDEV_NAME_MAX + 1];
	const char *p = path;

	memset(node, 0, sizeof(*node));
	node->kind = &sysfs_root;
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

int sysfs_list(const struct sysfs_node *dir, sysfs_fill_fn fill, void *ctx)
{
	int ret = 0;

	if (!is_dir(dir))
		return -ENOTDIR;
	for (const struct sysfs_entry *e = dir->kind->entries; e && e->name && !ret; e++)
		if (entry_visible(e, dir))
			ret = fill(ctx, e->name);
	if (!ret && dir->kind->list)
		ret = dir->kind->list(dir, fill, ctx);
	return ret;
}

int sysfs_link_target(const struct sysfs_node *link, char *buf, size_t size)
{
	return link->kind->readlink ? link->kind->readlink(link, buf, size) : -EINVAL;
}

ssize_t sysfs_show(const struct sysfs_node *file, char *buf)
{
	if (file->kind->show)
		return file->kind->show(file, buf);
	return is_dir(file) ? -EISDIR : -EACCES;
}

ssize_t sysfs_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	if (file->kind->store)
		return file->kind->store(file, buf, count);
	return is_dir(file) ? -EISDIR : -EACCES;
}
