// SPDX-License-Identifier: MIT
/*
 * The driver core around the mdev bus (the kernel's drivers/base: bus.c's
 * bind/unbind/drivers_probe, the IOMMU group VFIO gives each mdev, the
 * power/ attributes of power/sysfs.c). A "driver" is every parent's
 * struct umdev_driver of one name: it exists while one of them does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* ---- drivers ---- */

ssize_t umdev_list_drivers(umdev_name_t **out)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_parents(&names), kept = 0;

	if (count < 0)
		return count;
	for (ssize_t i = 0; i < count; i++) {
		struct umdev_parent *parent = umdev_parent_get(names[i]);
		bool seen = false;

		if (!parent)
			continue;
		for (ssize_t j = 0; j < kept && !seen; j++)
			seen = !strcmp(names[j], parent->driver->name);
		if (!seen)
			snprintf(names[kept++], sizeof(names[0]), "%s", parent->driver->name);
		umdev_parent_put(parent);
	}
	*out = names;
	return kept;
}

struct umdev_parent *umdev_driver_get_parent(const char *driver)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_parents(&names);
	struct umdev_parent *found = NULL;

	for (ssize_t i = 0; i < count && !found; i++) {
		struct umdev_parent *parent = umdev_parent_get(names[i]);

		if (parent && !strcmp(parent->driver->name, driver))
			found = parent;
		else if (parent)
			umdev_parent_put(parent);
	}
	if (count >= 0)
		free(names);
	return found;
}

bool umdev_device_has_driver(struct umdev_device *mdev)
{
	core_lock(&index_lock, LOCK_INDEX);
	bool has = mdev->has_driver;
	core_unlock(&index_lock, LOCK_INDEX);
	return has;
}

static bool driver_is(const struct umdev_device *mdev, const char *driver)
{
	return !strcmp(mdev->parent->driver->name, driver);
}

struct driver_snapshot {
	const char *driver;
	umdev_uuid_t *uuids;
	size_t count, capacity;
	int error;
};

static void add_if_bound_to(struct umdev_device *mdev, void *arg)
{
	struct driver_snapshot *snap = arg;

	if (snap->error || !mdev->has_driver || mdev->state != UMDEV_DEV_BOUND ||
	    !driver_is(mdev, snap->driver))
		return;
	snap->error = snapshot_reserve((void **)&snap->uuids, sizeof(*snap->uuids),
				       &snap->capacity, snap->count + 1);
	if (!snap->error)
		memcpy(snap->uuids[snap->count++], mdev->uuid, UMDEV_UUID_SIZE);
}

ssize_t umdev_driver_list_devices(const char *driver, umdev_uuid_t **out)
{
	struct driver_snapshot snap = { .driver = driver };

	core_lock(&index_lock, LOCK_INDEX);
	index_for_each(add_if_bound_to, &snap);
	core_unlock(&index_lock, LOCK_INDEX);
	if (snap.error) {
		free(snap.uuids);
		*out = NULL;
		return snap.error;
	}
	*out = snap.uuids;
	return (ssize_t)snap.count;
}

/*
 * The device a bus file names, as bus_find_device_by_name() with the
 * kernel's sysfs_streq(): the exact name, one trailing newline allowed.
 */
static struct umdev_device *find_by_written_name(const char *buf, size_t count)
{
	char name[UMDEV_UUID_STRING_LEN + 1];

	if (count && buf[count - 1] == '\n')
		count--;
	if (count != UMDEV_UUID_STRING_LEN || memchr(buf, '\0', count))
		return NULL;
	memcpy(name, buf, count);
	name[count] = '\0';
	return umdev_device_get_by_name(name);
}

/* The kernel's device_driver_detach() on a device of the bus. */
static int device_unbind(struct umdev_device *mdev, const char *driver)
{
	struct umdev_parent *parent = mdev->parent;
	int ret = 0;

	if (!gate_try_enter(&parent->unreg_gate))
		return -ENODEV;
	core_lock(&index_lock, LOCK_INDEX);
	/* Claimed as a remove claims it: a remove meanwhile answers EAGAIN. */
	if (parent->unregistering || mdev->removing || !mdev->active || !mdev->has_driver ||
	    !driver_is(mdev, driver))
		ret = -ENODEV;
	else
		mdev->active = false;
	core_unlock(&index_lock, LOCK_INDEX);
	if (!ret) {
		/* As a remove: its user lets go first, or nothing changes. */
		ret = device_reclaim(mdev, true);
		if (!ret)
			device_detach(mdev);
		core_lock(&index_lock, LOCK_INDEX);
		mdev->active = true;
		core_unlock(&index_lock, LOCK_INDEX);
	}
	gate_leave(&parent->unreg_gate);
	return ret;
}

ssize_t umdev_driver_unbind_store(const char *driver, const char *buf, size_t count)
{
	struct umdev_device *mdev;
	int ret;

	if (count == 0)
		return 0;
	mdev = find_by_written_name(buf, count);
	if (!mdev)
		return -ENODEV;
	ret = device_unbind(mdev, driver);
	umdev_device_put(mdev);
	return ret ? ret : (ssize_t)count;
}

ssize_t umdev_driver_bind_store(const char *driver, const char *buf, size_t count)
{
	(void)driver;
	(void)buf;
	/* No mdev driver matches any device: binding is only at create. */
	return count ? -ENODEV : 0;
}

ssize_t umdev_bus_drivers_probe_store(const char *buf, size_t count)
{
	struct umdev_device *mdev;

	if (count == 0)
		return 0;
	mdev = find_by_written_name(buf, count);
	if (!mdev)
		return -ENODEV;
	/* device_attach() finds no matching driver: nothing changes. */
	umdev_device_put(mdev);
	return (ssize_t)count;
}

static bool autoprobe = true; /* atomic */

ssize_t umdev_bus_autoprobe_show(char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%d\n",
			__atomic_load_n(&autoprobe, __ATOMIC_RELAXED));
}

ssize_t umdev_bus_autoprobe_store(const char *buf, size_t count)
{
	if (count == 0)
		return 0; /* sysfs calls no store for an empty write */
	__atomic_store_n(&autoprobe, buf[0] != '0', __ATOMIC_RELAXED);
	return (ssize_t)count;
}

/* ---- IOMMU groups: the lowest free number, as the kernel's ida ---- */

static unsigned char *group_used; /* under index_lock */
static size_t group_slots;

int iommu_group_alloc(struct umdev_device *mdev)
{
	size_t n = 0;

	while (n < group_slots && group_used[n])
		n++;
	if (n == group_slots) {
		size_t grown = group_slots ? group_slots * 2 : 64;
		unsigned char *bigger = grown <= (size_t)INT32_MAX ? realloc(group_used, grown) : NULL;

		if (!bigger)
			return -ENOMEM;
		memset(bigger + group_slots, 0, grown - group_slots);
		group_used = bigger;
		group_slots = grown;
	}
	group_used[n] = 1;
	mdev->iommu_group = (int)n;
	return 0;
}

void iommu_group_free(struct umdev_device *mdev)
{
	if (mdev->iommu_group >= 0)
		group_used[mdev->iommu_group] = 0;
	mdev->iommu_group = -1;
}

int umdev_device_iommu_group(struct umdev_device *mdev)
{
	core_lock(&index_lock, LOCK_INDEX);
	int group = mdev->iommu_group;
	core_unlock(&index_lock, LOCK_INDEX);
	return group >= 0 ? group : -ENOENT;
}

struct group_search {
	int group;
	struct umdev_device *found;
};

static void match_group(struct umdev_device *mdev, void *arg)
{
	struct group_search *search = arg;

	if (!search->found && mdev->iommu_group == search->group &&
	    mdev->state == UMDEV_DEV_BOUND) {
		device_ref(mdev);
		search->found = mdev;
	}
}

struct umdev_device *umdev_iommu_group_get_device(unsigned int group)
{
	struct group_search search = { .group = (int)group };

	if (group > INT32_MAX)
		return NULL;
	core_lock(&index_lock, LOCK_INDEX);
	index_for_each(match_group, &search);
	core_unlock(&index_lock, LOCK_INDEX);
	return search.found;
}

struct group_list {
	unsigned int *groups;
	size_t count, capacity;
	int error;
};

static void add_group(struct umdev_device *mdev, void *arg)
{
	struct group_list *list = arg;

	if (list->error || mdev->iommu_group < 0 || mdev->state != UMDEV_DEV_BOUND)
		return;
	list->error = snapshot_reserve((void **)&list->groups, sizeof(*list->groups),
				       &list->capacity, list->count + 1);
	if (!list->error)
		list->groups[list->count++] = (unsigned int)mdev->iommu_group;
}

static int compare_groups(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

ssize_t umdev_list_iommu_groups(unsigned int **out)
{
	struct group_list list = { 0 };

	core_lock(&index_lock, LOCK_INDEX);
	index_for_each(add_group, &list);
	core_unlock(&index_lock, LOCK_INDEX);
	if (list.error) {
		free(list.groups);
		*out = NULL;
		return list.error;
	}
	if (list.count > 1)
		qsort(list.groups, list.count, sizeof(*list.groups), compare_groups);
	*out = list.groups;
	return (ssize_t)list.count;
}

/* ---- power/: runtime PM disabled, as on every mdev and its parent ---- */

static const char *const power_attrs[] = {
	"async", "autosuspend_delay_ms", "control", "runtime_active_kids",
	"runtime_active_time", "runtime_enabled", "runtime_status",
	"runtime_suspended_time", "runtime_usage", NULL,
};

const char *const *umdev_power_attr_names(void)
{
	return power_attrs;
}

struct umdev_power *umdev_device_power(struct umdev_device *mdev)
{
	return &mdev->power;
}

struct umdev_power *umdev_parent_power(struct umdev_parent *parent)
{
	return &parent->power;
}

mode_t umdev_power_attr_mode(const char *attr)
{
	for (const char *const *a = power_attrs; *a; a++)
		if (!strcmp(*a, attr))
			return !strcmp(attr, "async") || !strcmp(attr, "autosuspend_delay_ms") ||
					       !strcmp(attr, "control")
				       ? 0644
				       : 0444;
	return 0;
}

/* The kernel's sysfs_streq(@buf, @word): equal, one trailing newline allowed. */
static bool written_is(const char *buf, size_t count, const char *word)
{
	size_t len = strlen(word);

	if (count == len + 1 && buf[len] == '\n')
		count--;
	return count == len && !memcmp(buf, word, len);
}

ssize_t umdev_power_show(struct umdev_power *power, const char *attr, char *buf)
{
	bool forbidden = __atomic_load_n(&power->forbidden, __ATOMIC_RELAXED);
	const char *text;

	if (!strcmp(attr, "async"))
		text = __atomic_load_n(&power->async, __ATOMIC_RELAXED) ? "enabled" : "disabled";
	else if (!strcmp(attr, "autosuspend_delay_ms"))
		return -EIO; /* autosuspend is not in use */
	else if (!strcmp(attr, "control"))
		text = forbidden ? "on" : "auto";
	else if (!strcmp(attr, "runtime_enabled"))
		text = forbidden ? "disabled & forbidden" : "disabled";
	else if (!strcmp(attr, "runtime_status"))
		text = "unsupported";
	else if (!strcmp(attr, "runtime_usage"))
		text = forbidden ? "1" : "0"; /* pm_runtime_forbid() holds a usage count */
	else if (umdev_power_attr_mode(attr))
		text = "0"; /* active kids, and times never accounted while disabled */
	else
		return -ENOENT;
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", text);
}

ssize_t umdev_power_store(struct umdev_power *power, const char *attr, const char *buf,
			  size_t count)
{
	bool *flag;
	bool value;

	if (!strcmp(attr, "control")) {
		flag = &power->forbidden;
		if (written_is(buf, count, "on"))
			value = true;
		else if (written_is(buf, count, "auto"))
			value = false;
		else
			return -EINVAL;
	} else if (!strcmp(attr, "async")) {
		flag = &power->async;
		if (written_is(buf, count, "enabled"))
			value = true;
		else if (written_is(buf, count, "disabled"))
			value = false;
		else
			return -EINVAL;
	} else if (!strcmp(attr, "autosuspend_delay_ms")) {
		return -EIO;
	} else {
		return umdev_power_attr_mode(attr) ? -EACCES : -ENOENT;
	}
	__atomic_store_n(flag, value, __ATOMIC_RELAXED);
	return (ssize_t)count;
}

/* ---- synthetic uevents: the kernel's kobject_synth_uevent() ---- */

static const char *const uevent_actions[] = {
	"add", "remove", "change", "move", "online", "offline", "bind", "unbind", NULL,
};

static int env_add(struct umdev_uevent_request *req, const char *text, size_t len)
{
	if (req->env_len + len + 1 > sizeof(req->env))
		return -ENOMEM;
	memcpy(req->env + req->env_len, text, len);
	req->env_len += len;
	req->env[req->env_len++] = '\0';
	return 0;
}

/* "<uuid> [KEY=VALUE ...]": SYNTH_UUID and SYNTH_ARG_KEY=VALUE. */
static int parse_synth_args(struct umdev_uevent_request *req, const char *args, size_t len)
{
	char text[UMDEV_UEVENT_ENV_MAX];
	uint8_t uuid[UMDEV_UUID_SIZE];
	int n;

	if (len && args[len - 1] == '\n')
		len--;
	if (len < UMDEV_UUID_STRING_LEN || umdev_uuid_parse(args, uuid) ||
	    (len > UMDEV_UUID_STRING_LEN && args[UMDEV_UUID_STRING_LEN] != ' '))
		return -EINVAL;
	n = snprintf(text, sizeof(text), "SYNTH_UUID=%.*s", UMDEV_UUID_STRING_LEN, args);
	if (env_add(req, text, (size_t)n))
		return -ENOMEM;
	args += UMDEV_UUID_STRING_LEN;
	len -= UMDEV_UUID_STRING_LEN;
	while (len) {
		const char *arg, *eq = NULL;
		size_t arg_len = 0;

		while (len && *args == ' ')
			args++, len--;
		if (!len)
			break;
		arg = args;
		while (arg_len < len && arg[arg_len] != ' ')
			arg_len++;
		for (size_t i = 0; i < arg_len && !eq; i++)
			if (arg[i] == '=')
				eq = arg + i;
			else if (!isalnum((unsigned char)arg[i]))
				return -EINVAL;
		if (!eq || eq == arg)
			return -EINVAL;
		n = snprintf(text, sizeof(text), "SYNTH_ARG_%.*s", (int)arg_len, arg);
		if (n < 0 || (size_t)n >= sizeof(text) || env_add(req, text, (size_t)n))
			return -ENOMEM;
		args += arg_len;
		len -= arg_len;
	}
	return 0;
}

/* Parses one write to a `uevent` file into @req; 0 or -EINVAL (or -ENOMEM). */
static int parse_uevent(struct umdev_uevent_request *req, const char *buf, size_t count)
{
	const char *space;
	size_t first;

	memset(req, 0, sizeof(*req));
	if (count && (buf[count - 1] == '\n' || buf[count - 1] == '\0'))
		count--;
	if (!count)
		return -EINVAL;
	space = memchr(buf, ' ', count);
	first = space ? (size_t)(space - buf) : count;
	for (const char *const *a = uevent_actions; *a; a++)
		if (strlen(*a) == first && !memcmp(*a, buf, first))
			req->action = *a;
	if (!req->action)
		return -EINVAL;
	if (!space)
		return env_add(req, "SYNTH_UUID=0", strlen("SYNTH_UUID=0"));
	return parse_synth_args(req, space + 1, count - first - 1);
}

ssize_t umdev_device_uevent_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	struct umdev_uevent_request req;
	int ret = parse_uevent(&req, buf, count);

	if (ret)
		return ret;
	core_lock(&index_lock, LOCK_INDEX);
	bool gone = mdev->state == UMDEV_DEV_GONE;
	core_unlock(&index_lock, LOCK_INDEX);
	if (gone)
		return -ENODEV;
	event_emit_uevent(mdev->parent, mdev, &req);
	return (ssize_t)count;
}

ssize_t umdev_parent_uevent_store(struct umdev_parent *parent, const char *buf, size_t count)
{
	struct umdev_uevent_request req;
	int ret = parse_uevent(&req, buf, count);

	if (ret)
		return ret;
	event_emit_uevent(parent, NULL, &req);
	return (ssize_t)count;
}

ssize_t umdev_bus_uevent_store(const char *buf, size_t count)
{
	struct umdev_uevent_request req;
	int ret = parse_uevent(&req, buf, count);

	if (ret)
		return ret;
	req.bus = true;
	event_emit_uevent(NULL, NULL, &req);
	return (ssize_t)count;
}

ssize_t umdev_driver_uevent_store(const char *driver, const char *buf, size_t count)
{
	struct umdev_uevent_request req;
	int ret = parse_uevent(&req, buf, count);

	if (ret)
		return ret;
	req.driver = driver;
	event_emit_uevent(NULL, NULL, &req);
	return (ssize_t)count;
}
