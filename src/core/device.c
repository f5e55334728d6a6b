// SPDX-License-Identifier: MIT
/*
 * Mediated devices: creation, removal and release, in the order the
 * kernel's drivers/vfio/mdev/mdev_core.c settled on after several fixes
 * (docs/architecture.md, "Create, in the kernel's order"). Teardown is the
 * exact mirror of creation, and the UUID and the instance are given back
 * only at the final release, on every path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* The serial of the last device created (atomic). */
static uint64_t last_serial;

void device_ref(struct umdev_device *mdev)
{
	__atomic_add_fetch(&mdev->refs, 1, __ATOMIC_RELAXED);
}

/* The last reference is gone: give back the UUID and the instance. */
static void device_release(struct umdev_device *mdev)
{
	struct umdev_parent *parent = mdev->parent;

	core_lock(&index_lock, LOCK_INDEX);
	index_remove(mdev);
	if (mdev->counted)
		parent->available_instances++;
	core_unlock(&index_lock, LOCK_INDEX);

	free(mdev);
	parent_unref(parent); /* the device pinned its type, the type its parent */
}

void umdev_device_put(struct umdev_device *mdev)
{
	if (__atomic_sub_fetch(&mdev->refs, 1, __ATOMIC_ACQ_REL) == 0)
		device_release(mdev);
}

static void set_state(struct umdev_device *mdev, enum umdev_device_state state)
{
	core_lock(&index_lock, LOCK_INDEX);
	mdev->state = state;
	core_unlock(&index_lock, LOCK_INDEX);
}

/*
 * Steps 1-3 of a create: under the index lock, refuse a UUID in use on any
 * parent, take an instance, and reserve the UUID before anything is visible.
 */
static int device_reserve(struct umdev_type *type, const uint8_t uuid[UMDEV_UUID_SIZE],
			  struct umdev_device **out)
{
	struct umdev_parent *parent = type->parent;
	struct umdev_device *mdev;
	int ret = 0;

	index_prefetch(uuid);
	mdev = calloc(1, sizeof(*mdev));
	if (!mdev)
		return -ENOMEM;
	memcpy(mdev->uuid, uuid, UMDEV_UUID_SIZE);
	umdev_uuid_format(uuid, mdev->name);
	mdev->serial = __atomic_add_fetch(&last_serial, 1, __ATOMIC_RELAXED);
	mdev->type = type;
	mdev->parent = parent;
	mdev->state = UMDEV_DEV_RESERVED;
	mdev->iommu_group = -1;
	mdev->refs = 1;
	list_init(&mdev->parent_node);
	list_init(&mdev->type_node);
	list_init(&mdev->attrs);

	core_lock(&index_lock, LOCK_INDEX);
	if (index_find(uuid)) {
		ret = -EEXIST;
	} else if (!parent->driver->get_available && !parent->available_instances) {
		ret = -EUSERS;
	} else {
		ret = index_insert(mdev);
		if (!ret && !parent->driver->get_available) {
			parent->available_instances--;
			mdev->counted = true;
		}
	}
	core_unlock(&index_lock, LOCK_INDEX);

	if (ret) {
		free(mdev);
		return ret;
	}
	parent_ref(parent);
	*out = mdev;
	return 0;
}

/*
 * The device's directory goes: out of its parent's list, so nothing more
 * can be added to it, then its added files once no attribute call runs.
 */
static void device_unlist(struct umdev_device *mdev)
{
	struct umdev_parent *parent = mdev->parent;

	core_lock(&parent->lock, LOCK_PARENT);
	list_del_init(&mdev->parent_node);
	while (mdev->attr_users)
		pthread_cond_wait(&parent->released, &parent->lock);
	device_free_added_attrs(mdev);
	core_unlock(&parent->lock, LOCK_PARENT);
}

/* Whether the parent is unregistering; read under the index lock. */
static bool parent_going(struct umdev_parent *parent)
{
	core_lock(&index_lock, LOCK_INDEX);
	bool going = parent->unregistering;
	core_unlock(&index_lock, LOCK_INDEX);
	return going;
}

int umdev_device_create(struct umdev_type *type, const uint8_t uuid[UMDEV_UUID_SIZE])
{
	struct umdev_parent *parent = type->parent;
	struct umdev_device *mdev;
	int ret;

	ret = device_reserve(type, uuid, &mdev);
	if (ret)
		return ret;

	/* Never wait for an unregistration: it waits for us. */
	if (!gate_try_enter(&parent->unreg_gate)) {
		ret = -ENODEV;
		goto err_release;
	}
	if (parent_going(parent)) {
		ret = -ENODEV;
		goto err_unlock;
	}

	core_lock(&parent->lock, LOCK_PARENT);
	list_add_tail(&mdev->parent_node, &parent->devices);
	core_unlock(&parent->lock, LOCK_PARENT);
	set_state(mdev, UMDEV_DEV_ADDED);
	event_emit(UMDEV_EVENT_DEVICE_ADDED, parent, mdev, NULL);

	lockdep_assert_callback_allowed("the driver's probe");
	ret = parent->driver->probe(mdev);
	if (ret) {
		if (ret > 0) /* a driver bug; never report success */
			ret = -EINVAL;
		goto err_del;
	}
	/* VFIO gives the device its IOMMU group as the driver registers it. */
	core_lock(&index_lock, LOCK_INDEX);
	ret = iommu_group_alloc(mdev);
	core_unlock(&index_lock, LOCK_INDEX);
	if (!ret)
		ret = journal_record_create(mdev);
	if (ret) {
		lockdep_assert_callback_allowed("the driver's remove");
		parent->driver->remove(mdev);
		core_lock(&index_lock, LOCK_INDEX);
		iommu_group_free(mdev);
		core_unlock(&index_lock, LOCK_INDEX);
		goto err_del;
	}

	core_lock(&parent->lock, LOCK_PARENT);
	list_add_tail(&mdev->type_node, &type->devices);
	mdev->attrs_open = true;
	core_unlock(&parent->lock, LOCK_PARENT);
	core_lock(&index_lock, LOCK_INDEX);
	mdev->state = UMDEV_DEV_BOUND;
	mdev->has_driver = true;
	core_unlock(&index_lock, LOCK_INDEX);
	event_emit(UMDEV_EVENT_DEVICE_BOUND, parent, mdev, NULL);

	core_lock(&index_lock, LOCK_INDEX);
	mdev->active = true;
	core_unlock(&index_lock, LOCK_INDEX);
	gate_leave(&parent->unreg_gate);
	return 0;

err_del:
	device_unlist(mdev);
	set_state(mdev, UMDEV_DEV_GONE);
	event_emit(UMDEV_EVENT_DEVICE_REMOVED, parent, mdev, NULL);
err_unlock:
	gate_leave(&parent->unreg_gate);
err_release:
	/* Never visible, or already GONE: the last reference releases it. */
	umdev_device_put(mdev);
	return ret;
}

/*
 * No new call of the driver's attributes starts, and those running end;
 * with @unlink the device leaves its type's devices/ too.
 */
static void close_attrs(struct umdev_device *mdev, bool unlink)
{
	struct umdev_parent *parent = mdev->parent;

	core_lock(&parent->lock, LOCK_PARENT);
	if (unlink)
		list_del_init(&mdev->type_node);
	mdev->attrs_open = false;
	while (mdev->attr_users)
		pthread_cond_wait(&parent->released, &parent->lock);
	core_unlock(&parent->lock, LOCK_PARENT);
}

/* The driver's remove, then the `driver` link and the IOMMU group go. */
static void release_driver(struct umdev_device *mdev)
{
	lockdep_assert_callback_allowed("the driver's remove");
	mdev->parent->driver->remove(mdev);
	core_lock(&index_lock, LOCK_INDEX);
	mdev->has_driver = false;
	iommu_group_free(mdev);
	core_unlock(&index_lock, LOCK_INDEX);
	event_emit(UMDEV_EVENT_DEVICE_UNBOUND, mdev->parent, mdev, NULL);
}

void device_detach(struct umdev_device *mdev)
{
	event_emit(UMDEV_EVENT_DEVICE_UNBINDING, mdev->parent, mdev, NULL);
	close_attrs(mdev, false);
	release_driver(mdev);
}

void device_teardown(struct umdev_device *mdev)
{
	struct umdev_parent *parent = mdev->parent;
	bool has_driver;

	core_lock(&index_lock, LOCK_INDEX);
	has_driver = mdev->has_driver;
	core_unlock(&index_lock, LOCK_INDEX);

	/*
	 * Whoever serves the device lets go first; then the links go
	 * (mdev_type, then devices/), then the driver, as the kernel's
	 * mdev_device_remove_common() and device_del() do.
	 */
	if (has_driver)
		event_emit(UMDEV_EVENT_DEVICE_UNBINDING, parent, mdev, NULL);
	close_attrs(mdev, true);
	set_state(mdev, UMDEV_DEV_ADDED);
	if (has_driver)
		release_driver(mdev);

	device_unlist(mdev);
	set_state(mdev, UMDEV_DEV_GONE);
	event_emit(UMDEV_EVENT_DEVICE_REMOVED, parent, mdev, NULL);

	umdev_device_put(mdev); /* the reference the core took at creation */
}

int umdev_device_remove(struct umdev_device *mdev)
{
	struct umdev_parent *parent = mdev->parent;
	int ret = 0;

	if (!gate_try_enter(&parent->unreg_gate))
		return -ENODEV;

	core_lock(&index_lock, LOCK_INDEX);
	if (parent->unregistering || mdev->removing || mdev->state == UMDEV_DEV_GONE)
		ret = -ENODEV;
	else if (!mdev->active)
		ret = -EAGAIN;
	else {
		mdev->active = false;
		mdev->removing = true;
	}
	core_unlock(&index_lock, LOCK_INDEX);

	if (!ret) {
		/* Its user lets go first; an interrupted wait changes nothing. */
		ret = device_reclaim(mdev, true);
		if (!ret) {
			ret = journal_record_remove(mdev);
			if (ret) /* not durable: the device stays as it was */
				device_reclaim_cancel(mdev);
		}
		if (ret) {
			core_lock(&index_lock, LOCK_INDEX);
			mdev->active = true;
			mdev->removing = false;
			core_unlock(&index_lock, LOCK_INDEX);
		} else {
			device_teardown(mdev);
		}
	}
	gate_leave(&parent->unreg_gate);
	return ret;
}

static bool visible(const struct umdev_device *mdev)
{
	return mdev->state == UMDEV_DEV_ADDED || mdev->state == UMDEV_DEV_BOUND;
}

struct umdev_device *umdev_device_get(const uint8_t uuid[UMDEV_UUID_SIZE])
{
	struct umdev_device *mdev;

	core_lock(&index_lock, LOCK_INDEX);
	mdev = index_find(uuid);
	if (mdev && visible(mdev))
		device_ref(mdev); /* the core's own reference keeps it above 0 */
	else
		mdev = NULL;
	core_unlock(&index_lock, LOCK_INDEX);
	return mdev;
}

struct umdev_device *umdev_device_get_by_name(const char *name)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	char canonical[UMDEV_UUID_STRING_LEN + 1];

	if (!name || strlen(name) != UMDEV_UUID_STRING_LEN || umdev_uuid_parse(name, uuid))
		return NULL;
	umdev_uuid_format(uuid, canonical);
	if (strcmp(canonical, name))
		return NULL;
	return umdev_device_get(uuid);
}

bool umdev_device_is_bound(struct umdev_device *mdev)
{
	core_lock(&index_lock, LOCK_INDEX);
	bool bound = mdev->state == UMDEV_DEV_BOUND;
	core_unlock(&index_lock, LOCK_INDEX);
	return bound;
}

int snapshot_reserve(void **array, size_t elem_size, size_t *capacity, size_t needed)
{
	if (needed <= *capacity)
		return 0;
	size_t grown = *capacity ? *capacity * 2 : 16;
	void *bigger = reallocarray(*array, grown, elem_size);
	if (!bigger)
		return -ENOMEM;
	*array = bigger;
	*capacity = grown;
	return 0;
}

struct uuid_snapshot {
	umdev_uuid_t *uuids;
	size_t count, capacity;
	int error;
};

static void snapshot_add(struct uuid_snapshot *snap, const struct umdev_device *mdev)
{
	if (snap->error)
		return;
	snap->error = snapshot_reserve((void **)&snap->uuids, sizeof(*snap->uuids),
				       &snap->capacity, snap->count + 1);
	if (!snap->error)
		memcpy(snap->uuids[snap->count++], mdev->uuid, UMDEV_UUID_SIZE);
}

static ssize_t snapshot_finish(struct uuid_snapshot *snap, umdev_uuid_t **out)
{
	if (snap->error) {
		free(snap->uuids);
		*out = NULL;
		return snap->error;
	}
	*out = snap->uuids;
	return (ssize_t)snap->count;
}

static void add_if_visible(struct umdev_device *mdev, void *arg)
{
	if (visible(mdev))
		snapshot_add(arg, mdev);
}

ssize_t umdev_list_devices(umdev_uuid_t **out)
{
	struct uuid_snapshot snap = { 0 };

	core_lock(&index_lock, LOCK_INDEX);
	index_for_each(add_if_visible, &snap);
	core_unlock(&index_lock, LOCK_INDEX);
	return snapshot_finish(&snap, out);
}

ssize_t umdev_parent_list_devices(struct umdev_parent *parent, umdev_uuid_t **out)
{
	struct uuid_snapshot snap = { 0 };
	struct list_head *pos;

	core_lock(&parent->lock, LOCK_PARENT);
	list_for_each(pos, &parent->devices)
		snapshot_add(&snap, list_entry(pos, struct umdev_device, parent_node));
	core_unlock(&parent->lock, LOCK_PARENT);
	return snapshot_finish(&snap, out);
}

ssize_t umdev_type_list_devices(struct umdev_type *type, umdev_uuid_t **out)
{
	struct umdev_parent *parent = type->parent;
	struct uuid_snapshot snap = { 0 };
	struct list_head *pos;

	core_lock(&parent->lock, LOCK_PARENT);
	list_for_each(pos, &type->devices)
		snapshot_add(&snap, list_entry(pos, struct umdev_device, type_node));
	core_unlock(&parent->lock, LOCK_PARENT);
	return snapshot_finish(&snap, out);
}

size_t umdev_bus_device_count(void)
{
	core_lock(&index_lock, LOCK_INDEX);
	size_t count = index_count();
	core_unlock(&index_lock, LOCK_INDEX);
	return count;
}

const uint8_t *umdev_device_uuid(const struct umdev_device *mdev)
{
	return mdev->uuid;
}

uint64_t umdev_device_serial(const struct umdev_device *mdev)
{
	return mdev->serial;
}

const char *umdev_device_name(const struct umdev_device *mdev)
{
	return mdev->name;
}

struct umdev_type *umdev_device_type(const struct umdev_device *mdev)
{
	return mdev->type;
}

struct umdev_parent *umdev_device_parent(const struct umdev_device *mdev)
{
	return mdev->parent;
}

void umdev_set_drvdata(struct umdev_device *mdev, void *data)
{
	mdev->drvdata = data;
}

void *umdev_get_drvdata(const struct umdev_device *mdev)
{
	return mdev->drvdata;
}
