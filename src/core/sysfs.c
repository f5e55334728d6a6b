// SPDX-License-Identifier: MIT
/*
 * What the sysfs files of the mdev core do, independent of how they are
 * served: the parsing of `create` and `remove` writes, the type attributes
 * and the driver's device attributes (the kernel's mdev_sysfs.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

ssize_t umdev_type_create_store(struct umdev_type *type, const char *buf, size_t count)
{
	uint8_t uuid[UMDEV_UUID_SIZE];
	int ret;

	if (count == 0)
		return 0;
	/* `echo` adds a newline, `echo -n` does not; the 37th byte is not checked. */
	if (count < UMDEV_UUID_STRING_LEN || count > UMDEV_UUID_STRING_LEN + 1)
		return -EINVAL;
	ret = umdev_uuid_parse(buf, uuid);
	if (ret)
		return ret;
	ret = umdev_device_create(type, uuid);
	return ret ? ret : (ssize_t)count;
}

/*
 * The kernel's kstrtoul(buf, 0, ...): an optional '+', then a number in
 * base 16 ("0x"), 8 (leading "0") or 10, then at most one newline. sysfs
 * hands the store a NUL-terminated copy, so an embedded NUL ends the text.
 */
static int parse_unsigned(const char *buf, size_t count, unsigned long *value)
{
	char text[64];
	const char *s = text;
	unsigned int base = 10;
	unsigned long result = 0;
	size_t digits = 0;

	if (count >= sizeof(text))
		return -EINVAL; /* no valid number is that long */
	memcpy(text, buf, count);
	text[count] = '\0';

	if (*s == '+')
		s++;
	if (s[0] == '0') {
		if ((s[1] == 'x' || s[1] == 'X') &&
		    ((s[2] >= '0' && s[2] <= '9') || ((s[2] | 0x20) >= 'a' && (s[2] | 0x20) <= 'f'))) {
			base = 16;
			s += 2;
		} else {
			base = 8;
		}
	}
	for (;; s++, digits++) {
		unsigned int digit;
		char c = *s;

		if (c >= '0' && c <= '9')
			digit = (unsigned int)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			digit = (unsigned int)((c | 0x20) - 'a' + 10);
		else
			break;
		if (digit >= base)
			break;
		if (__builtin_mul_overflow(result, base, &result) ||
		    __builtin_add_overflow(result, digit, &result))
			return -EINVAL; /* the kernel's ERANGE, which remove maps to EINVAL */
	}
	if (digits == 0)
		return -EINVAL;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*value = result;
	return 0;
}

ssize_t umdev_device_remove_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	unsigned long value;
	int ret;

	if (count == 0)
		return 0;
	if (parse_unsigned(buf, count, &value))
		return -EINVAL;
	if (value) {
		ret = umdev_device_remove(mdev);
		if (ret)
			return ret;
	}
	return (ssize_t)count;
}

unsigned int umdev_type_available_instances(struct umdev_type *type)
{
	struct umdev_parent *parent = type->parent;
	unsigned int available;

	if (parent->driver->get_available) {
		lockdep_assert_callback_allowed("the driver's get_available");
		return parent->driver->get_available(type);
	}
	core_lock(&index_lock, LOCK_INDEX);
	available = parent->available_instances;
	core_unlock(&index_lock, LOCK_INDEX);
	return available;
}

const char *umdev_type_device_api(const struct umdev_type *type)
{
	return type->parent->driver->device_api;
}

const char *umdev_type_name(const struct umdev_type *type)
{
	return type->pretty_name ? type->pretty_name : type->sysfs_name;
}

bool umdev_type_has_description(const struct umdev_type *type)
{
	return type->parent->driver->show_description != NULL;
}

ssize_t umdev_type_show_description(struct umdev_type *type, char *buf)
{
	ssize_t len;

	if (!umdev_type_has_description(type))
		return -ENOENT;
	lockdep_assert_callback_allowed("the driver's show_description");
	len = type->parent->driver->show_description(type, buf);
	return len > UMDEV_ATTR_BUF_SIZE ? -EIO : len;
}

static const struct umdev_attribute *const no_attrs[] = { NULL };

const struct umdev_attribute *const *umdev_device_attrs(const struct umdev_device *mdev)
{
	const struct umdev_attribute *const *attrs = mdev->parent->driver->dev_attrs;

	return attrs ? attrs : no_attrs;
}

static bool same_place(const struct umdev_attribute *attr, const char *group, const char *name)
{
	bool same_group = attr->group && group ? !strcmp(attr->group, group)
					       : !attr->group && !group;
	return same_group && !strcmp(attr->name, name);
}

/* Under parent->lock: @attr among the driver's, and those calls are allowed. */
static bool driver_attr_open(const struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	if (!mdev->attrs_open)
		return false;
	for (const struct umdev_attribute *const *a = umdev_device_attrs(mdev); *a; a++)
		if (*a == attr)
			return true;
	return false;
}

/* Under parent->lock. */
static struct added_attr *find_added(const struct umdev_device *mdev,
				     const struct umdev_attribute *attr)
{
	struct list_head *pos;

	list_for_each(pos, &mdev->attrs) {
		struct added_attr *added = list_entry(pos, struct added_attr, node);
		if (added->attr == attr)
			return added;
	}
	return NULL;
}

/* Under parent->lock: what the device has now by group and name. */
static const struct umdev_attribute *find_attr_locked(const struct umdev_device *mdev,
						      const char *group, const char *name)
{
	struct list_head *pos;

	if (mdev->attrs_open)
		for (const struct umdev_attribute *const *a = umdev_device_attrs(mdev); *a; a++)
			if (same_place(*a, group, name))
				return *a;
	list_for_each(pos, &mdev->attrs) {
		struct added_attr *added = list_entry(pos, struct added_attr, node);
		if (same_place(added->attr, group, name))
			return added->attr;
	}
	return NULL;
}

const struct umdev_attribute *umdev_device_find_attr(struct umdev_device *mdev,
						     const char *group, const char *name)
{
	const struct umdev_attribute *attr;

	core_lock(&mdev->parent->lock, LOCK_PARENT);
	attr = find_attr_locked(mdev, group, name);
	core_unlock(&mdev->parent->lock, LOCK_PARENT);
	return attr;
}

ssize_t umdev_device_list_attrs(struct umdev_device *mdev,
				const struct umdev_attribute ***out)
{
	const struct umdev_attribute **attrs = NULL;
	size_t count = 0, capacity = 0;
	struct list_head *pos;
	int ret = 0;

	core_lock(&mdev->parent->lock, LOCK_PARENT);
	if (mdev->attrs_open)
		for (const struct umdev_attribute *const *a = umdev_device_attrs(mdev); *a && !ret;
		     a++) {
			ret = snapshot_reserve((void **)&attrs, sizeof(*attrs), &capacity, count + 1);
			if (!ret)
				attrs[count++] = *a;
		}
	list_for_each(pos, &mdev->attrs) {
		if (ret)
			break;
		ret = snapshot_reserve((void **)&attrs, sizeof(*attrs), &capacity, count + 1);
		if (!ret)
			attrs[count++] = list_entry(pos, struct added_attr, node)->attr;
	}
	core_unlock(&mdev->parent->lock, LOCK_PARENT);
	if (ret) {
		free(attrs);
		*out = NULL;
		return ret;
	}
	*out = attrs;
	return (ssize_t)count;
}

mode_t umdev_attr_mode(const struct umdev_attribute *attr)
{
	return (attr->show ? 0444 : 0) | (attr->store ? 0200 : 0);
}

/* A name that can be one path component of the device directory. */
static bool valid_attr_name(const char *name)
{
	size_t len = name ? strnlen(name, UMDEV_NAME_MAX + 1) : 0;

	return len > 0 && len <= UMDEV_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

int umdev_device_add_attr(struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	struct umdev_parent *parent = mdev->parent;
	struct added_attr *added;
	int ret = 0;

	if (!attr || !valid_attr_name(attr->name) ||
	    (attr->group && !valid_attr_name(attr->group)) || (!attr->show && !attr->store))
		return -EINVAL;
	added = calloc(1, sizeof(*added));
	if (!added)
		return -ENOMEM;
	added->attr = attr;

	core_lock(&parent->lock, LOCK_PARENT);
	if (list_empty(&mdev->parent_node)) {
		ret = -ENODEV; /* not (or no longer) in its parent's directory */
	} else if (find_added(mdev, attr) || find_attr_locked(mdev, attr->group, attr->name)) {
		ret = -EEXIST;
	} else {
		/* The driver's may appear later: refuse their places now. */
		for (const struct umdev_attribute *const *a = umdev_device_attrs(mdev); *a; a++)
			if (same_place(*a, attr->group, attr->name))
				ret = -EEXIST;
	}
	if (!ret)
		list_add_tail(&added->node, &mdev->attrs);
	core_unlock(&parent->lock, LOCK_PARENT);
	if (ret)
		free(added);
	return ret;
}

void umdev_device_remove_attr(struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	struct umdev_parent *parent = mdev->parent;
	struct added_attr *added;

	core_lock(&parent->lock, LOCK_PARENT);
	added = find_added(mdev, attr);
	if (added) {
		/* No new call finds it; wait for those running (kernfs's drain). */
		list_del_init(&added->node);
		while (added->users)
			pthread_cond_wait(&parent->released, &parent->lock);
	}
	core_unlock(&parent->lock, LOCK_PARENT);
	free(added);
}

void device_free_added_attrs(struct umdev_device *mdev)
{
	while (!list_empty(&mdev->attrs)) {
		struct added_attr *added = list_entry(mdev->attrs.next, struct added_attr, node);

		list_del_init(&added->node);
		free(added);
	}
}

/*
 * Attribute calls never overlap the driver's remove (teardown drains them)
 * nor the removal of an added attribute. Returns the added attribute's
 * entry (NULL for the driver's) through @added.
 */
static int attr_enter(struct umdev_device *mdev, const struct umdev_attribute *attr,
		      struct added_attr **added)
{
	int ret = 0;

	core_lock(&mdev->parent->lock, LOCK_PARENT);
	*added = NULL;
	if (!driver_attr_open(mdev, attr)) {
		*added = find_added(mdev, attr);
		if (*added)
			(*added)->users++;
		else
			ret = -ENODEV;
	}
	if (!ret)
		mdev->attr_users++;
	core_unlock(&mdev->parent->lock, LOCK_PARENT);
	return ret;
}

static void attr_leave(struct umdev_device *mdev, struct added_attr *added)
{
	bool wake;

	core_lock(&mdev->parent->lock, LOCK_PARENT);
	wake = --mdev->attr_users == 0;
	if (added && --added->users == 0)
		wake = true;
	if (wake)
		pthread_cond_broadcast(&mdev->parent->released);
	core_unlock(&mdev->parent->lock, LOCK_PARENT);
}

ssize_t umdev_device_attr_show(struct umdev_device *mdev,
			       const struct umdev_attribute *attr, char *buf)
{
	struct added_attr *added;
	ssize_t len;

	if (!attr->show)
		return -EACCES;
	len = attr_enter(mdev, attr, &added);
	if (len)
		return len;
	lockdep_assert_callback_allowed("an attribute's show");
	len = attr->show(mdev, buf);
	attr_leave(mdev, added);
	return len > UMDEV_ATTR_BUF_SIZE ? -EIO : len;
}

ssize_t umdev_device_attr_store(struct umdev_device *mdev,
				const struct umdev_attribute *attr,
				const char *buf, size_t count)
{
	struct added_attr *added;
	ssize_t ret;

	if (!attr->store)
		return -EACCES;
	ret = attr_enter(mdev, attr, &added);
	if (ret)
		return ret;
	lockdep_assert_callback_allowed("an attribute's store");
	ret = attr->store(mdev, buf, count);
	if (ret >= 0) {
		int recorded = journal_record_change(mdev, attr);
		event_emit(UMDEV_EVENT_DEVICE_CHANGED, mdev->parent, mdev, attr);
		if (recorded)
			ret = recorded;
	}
	attr_leave(mdev, added);
	return ret;
}
