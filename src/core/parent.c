// SPDX-License-Identifier: MIT
/*
 * Parents: registration, the registry behind class/mdev_bus, references and
 * unregistration. The kernel's counterpart is mdev_core.c's
 * mdev_register_parent() and mdev_unregister_parent().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t last_serial; /* of the last registration (atomic) */
static struct list_head registry = { &registry, &registry };

/* A name that can be one path component of the sysfs tree. */
static bool valid_name(const char *name)
{
	size_t len = name ? strnlen(name, UMDEV_NAME_MAX + 1) : 0;

	return len > 0 && len <= UMDEV_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

static struct umdev_parent *registry_find(const char *name)
{
	struct list_head *pos;

	list_for_each(pos, &registry) {
		struct umdev_parent *parent = list_entry(pos, struct umdev_parent, node);
		if (!strcmp(parent->name, name))
			return parent;
	}
	return NULL;
}

static int check_types(struct umdev_type **types, unsigned int nr_types)
{
	for (unsigned int i = 0; i < nr_types; i++) {
		if (!types[i] || !valid_name(types[i]->sysfs_name))
			return -EINVAL;
		/* A type object belongs to one parent at a time. */
		if (types[i]->parent)
			return -EBUSY;
		for (unsigned int j = 0; j < i; j++)
			if (types[j] == types[i] ||
			    !strcmp(types[j]->sysfs_name, types[i]->sysfs_name))
				return -EINVAL;
	}
	return 0;
}

int umdev_register_parent(struct umdev_parent *parent, const char *name,
			  struct umdev_driver *driver, struct umdev_type **types,
			  unsigned int nr_types)
{
	int ret;

	if (!parent || !valid_name(name) || !driver || !valid_name(driver->name) ||
	    !driver->device_api || !driver->probe || !driver->remove ||
	    (nr_types && !types))
		return -EINVAL;
	ret = check_types(types, nr_types);
	if (ret)
		return ret;

	memset(parent, 0, sizeof(*parent));
	strcpy(parent->name, name);
	parent->serial = __atomic_add_fetch(&last_serial, 1, __ATOMIC_RELAXED);
	parent->driver = driver;
	parent->types = types;
	parent->nr_types = nr_types;
	parent->available_instances = driver->max_instances;
	list_init(&parent->node);
	pthread_rwlock_init(&parent->unreg_gate, NULL);
	pthread_mutex_init(&parent->lock, NULL);
	pthread_cond_init(&parent->released, NULL);
	list_init(&parent->devices);

	core_lock(&registry_lock, LOCK_REGISTRY);
	if (registry_find(name)) {
		core_unlock(&registry_lock, LOCK_REGISTRY);
		ret = -EEXIST;
		goto err_destroy;
	}
	for (unsigned int i = 0; i < nr_types; i++) {
		struct umdev_type *type = types[i];
		type->parent = parent;
		snprintf(type->id, sizeof(type->id), "%s-%s", driver->name, type->sysfs_name);
		list_init(&type->devices);
	}
	list_add_tail(&parent->node, &registry);
	core_unlock(&registry_lock, LOCK_REGISTRY);

	event_emit(UMDEV_EVENT_PARENT_REGISTERED, parent, NULL, NULL);
	return 0;

err_destroy:
	pthread_cond_destroy(&parent->released);
	pthread_mutex_destroy(&parent->lock);
	pthread_rwlock_destroy(&parent->unreg_gate);
	return ret;
}

/* Takes the oldest remaining device of @parent, claimed for removal, or NULL. */
static struct umdev_device *claim_next_child(struct umdev_parent *parent)
{
	struct umdev_device *mdev = NULL;

	core_lock(&parent->lock, LOCK_PARENT);
	if (!list_empty(&parent->devices)) {
		mdev = list_entry(parent->devices.next, struct umdev_device, parent_node);
		device_ref(mdev);
	}
	core_unlock(&parent->lock, LOCK_PARENT);
	if (mdev) {
		core_lock(&index_lock, LOCK_INDEX);
		mdev->active = false;
		mdev->removing = true;
		core_unlock(&index_lock, LOCK_INDEX);
	}
	return mdev;
}

void umdev_unregister_parent(struct umdev_parent *parent)
{
	struct umdev_device *mdev;

	/* From here on create and remove on this parent fail with ENODEV. */
	core_lock(&index_lock, LOCK_INDEX);
	parent->unregistering = true;
	core_unlock(&index_lock, LOCK_INDEX);

	/* Wait for every create and remove already inside. */
	gate_close(&parent->unreg_gate);

	core_lock(&registry_lock, LOCK_REGISTRY);
	list_del_init(&parent->node);
	core_unlock(&registry_lock, LOCK_REGISTRY);

	/* Every child goes, whatever its state; none can stop the walk. */
	while ((mdev = claim_next_child(parent))) {
		device_teardown(mdev);
		umdev_device_put(mdev);
	}

	/* Devices and frontends still pinning the parent let go promptly. */
	core_lock(&parent->lock, LOCK_PARENT);
	while (parent->refs)
		pthread_cond_wait(&parent->released, &parent->lock);
	core_unlock(&parent->lock, LOCK_PARENT);

	for (unsigned int i = 0; i < parent->nr_types; i++)
		parent->types[i]->parent = NULL;
	gate_leave(&parent->unreg_gate);

	event_emit(UMDEV_EVENT_PARENT_UNREGISTERED, parent, NULL, NULL);

	pthread_cond_destroy(&parent->released);
	pthread_mutex_destroy(&parent->lock);
	pthread_rwlock_destroy(&parent->unreg_gate);
}

void parent_ref(struct umdev_parent *parent)
{
	core_lock(&parent->lock, LOCK_PARENT);
	parent->refs++;
	core_unlock(&parent->lock, LOCK_PARENT);
}

void parent_unref(struct umdev_parent *parent)
{
	core_lock(&parent->lock, LOCK_PARENT);
	if (--parent->refs == 0)
		pthread_cond_broadcast(&parent->released);
	core_unlock(&parent->lock, LOCK_PARENT);
}

struct umdev_parent *umdev_parent_get(const char *name)
{
	struct umdev_parent *parent;

	if (!name)
		return NULL;
	core_lock(&registry_lock, LOCK_REGISTRY);
	parent = registry_find(name);
	if (parent)
		parent_ref(parent);
	core_unlock(&registry_lock, LOCK_REGISTRY);
	return parent;
}

void umdev_parent_put(struct umdev_parent *parent)
{
	parent_unref(parent);
}

uint64_t umdev_parent_serial(const struct umdev_parent *parent)
{
	return parent->serial;
}

struct umdev_type *umdev_parent_find_type(struct umdev_parent *parent, const char *id)
{
	for (unsigned int i = 0; i < parent->nr_types; i++)
		if (!strcmp(parent->types[i]->id, id))
			return parent->types[i];
	return NULL;
}

ssize_t umdev_list_parents(umdev_name_t **out)
{
	size_t count = 0, capacity = 0;
	struct list_head *pos;
	int ret = 0;

	*out = NULL;
	core_lock(&registry_lock, LOCK_REGISTRY);
	list_for_each(pos, &registry) {
		ret = snapshot_reserve((void **)out, sizeof(**out), &capacity, count + 1);
		if (ret)
			break;
		strcpy((*out)[count++], list_entry(pos, struct umdev_parent, node)->name);
	}
	core_unlock(&registry_lock, LOCK_REGISTRY);
	if (ret) {
		free(*out);
		*out = NULL;
		return ret;
	}
	return (ssize_t)count;
}

struct umdev_parent *umdev_type_parent(const struct umdev_type *type)
{
	return type->parent;
}

const char *umdev_type_id(const struct umdev_type *type)
{
	return type->id;
}
