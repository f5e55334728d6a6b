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

	if (parent->driver->get_available)
		return parent->driver->get_available(type);
	pthread_mutex_lock(&index_lock);
	available = parent->available_instances;
	pthread_mutex_unlock(&index_lock);
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
	len = type->parent->driver->show_description(type, buf);
	return len > UMDEV_ATTR_BUF_SIZE ? -EIO : len;
}

static const struct umdev_attribute *const no_attrs[] = { NULL };

const struct umdev_attribute *const *umdev_device_attrs(const struct umdev_device *mdev)
{
	const struct umdev_attribute *const *attrs = mdev->parent->driver->dev_attrs;

	return attrs ? attrs : no_attrs;
}

const struct umdev_attribute *umdev_device_find_attr(const struct umdev_device *mdev,
						     const char *group, const char *name)
{
	for (const struct umdev_attribute *const *a = umdev_device_attrs(mdev); *a; a++) {
		bool same_group = (*a)->group && group ? !strcmp((*a)->group, group)
						       : !(*a)->group && !group;
		if (same_group && !strcmp((*a)->name, name))
			return *a;
	}
	return NULL;
}

mode_t umdev_attr_mode(const struct umdev_attribute *attr)
{
	return (attr->show ? 0444 : 0) | (attr->store ? 0200 : 0);
}

/* Attribute calls never overlap the driver's remove: teardown drains them. */
static int attr_enter(struct umdev_device *mdev)
{
	int ret = 0;

	pthread_mutex_lock(&mdev->parent->lock);
	if (mdev->attrs_open)
		mdev->attr_users++;
	else
		ret = -ENODEV;
	pthread_mutex_unlock(&mdev->parent->lock);
	return ret;
}

static void attr_leave(struct umdev_device *mdev)
{
	pthread_mutex_lock(&mdev->parent->lock);
	if (--mdev->attr_users == 0)
		pthread_cond_broadcast(&mdev->parent->released);
	pthread_mutex_unlock(&mdev->parent->lock);
}

ssize_t umdev_device_attr_show(struct umdev_device *mdev,
			       const struct umdev_attribute *attr, char *buf)
{
	ssize_t len;

	if (!attr->show)
		return -EACCES;
	len = attr_enter(mdev);
	if (len)
		return len;
	len = attr->show(mdev, buf);
	attr_leave(mdev);
	return len > UMDEV_ATTR_BUF_SIZE ? -EIO : len;
}

ssize_t umdev_device_attr_store(struct umdev_device *mdev,
				const struct umdev_attribute *attr,
				const char *buf, size_t count)
{
	ssize_t ret;

	if (!attr->store)
		return -EACCES;
	ret = attr_enter(mdev);
	if (ret)
		return ret;
	ret = attr->store(mdev, buf, count);
	if (ret >= 0) {
		int recorded = journal_record_change(mdev, attr);
		event_emit(UMDEV_EVENT_DEVICE_CHANGED, mdev->parent, mdev, attr);
		if (recorded)
			ret = recorded;
	}
	attr_leave(mdev);
	return ret;
}
