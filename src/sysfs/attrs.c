// SPDX-License-Identifier: MIT
/*
 * Reading and writing the files of the tree: what a show or a store of the
 * kernel's mdev_sysfs.c (and the driver core, for `uevent`) produces, with
 * the kernel's text and errno. The core does the parsing and the work;
 * this file only routes a file to the right core call.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <umdev/vfio_user.h>

#include "tree.h"

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

static ssize_t show_type_attr(const struct sysfs_node *file, char *buf)
{
	switch (file->type_attr) {
	case TYPE_ATTR_DEVICE_API:
		return show_line(buf, "%s\n", umdev_type_device_api(file->type));
	case TYPE_ATTR_NAME:
		return show_line(buf, "%s\n", umdev_type_name(file->type));
	case TYPE_ATTR_AVAILABLE_INSTANCES:
		return show_line(buf, "%u\n", umdev_type_available_instances(file->type));
	case TYPE_ATTR_DESCRIPTION:
		/* The driver's text, passed through as the kernel does. */
		return umdev_type_show_description(file->type, buf);
	default:
		return -EACCES; /* `create` is write-only */
	}
}

/* The driver core's uevent file: DRIVER= once the device is bound. */
static ssize_t show_uevent(const struct sysfs_node *file, char *buf)
{
	if (!umdev_device_is_bound(file->mdev))
		return 0;
	return show_line(buf, "DRIVER=%s\n", umdev_device_parent(file->mdev)->driver->name);
}

/* The socket a VMM (QEMU's vfio-user-pci) connects to, one line. */
static ssize_t show_vfio_socket(const struct sysfs_node *file, char *buf)
{
	int len = umdev_vfio_user_socket_path(file->mdev, buf, UMDEV_ATTR_BUF_SIZE - 1);

	if (len < 0)
		return len;
	buf[len] = '\n';
	return len + 1;
}

ssize_t sysfs_show(const struct sysfs_node *file, char *buf)
{
	switch (file->kind) {
	case SYSFS_FILE_TYPE_ATTR:
		return show_type_attr(file, buf);
	case SYSFS_FILE_UEVENT:
		return show_uevent(file, buf);
	case SYSFS_FILE_VFIO_SOCKET:
		return show_vfio_socket(file, buf);
	case SYSFS_FILE_DEV_ATTR:
		return umdev_device_attr_show(file->mdev, file->attr, buf);
	case SYSFS_FILE_REMOVE:
		return -EACCES;
	default:
		return -EISDIR;
	}
}

ssize_t sysfs_store(const struct sysfs_node *file, const char *buf, size_t count)
{
	switch (file->kind) {
	case SYSFS_FILE_TYPE_ATTR:
		if (file->type_attr != TYPE_ATTR_CREATE)
			return -EACCES;
		return umdev_type_create_store(file->type, buf, count);
	case SYSFS_FILE_REMOVE:
		return umdev_device_remove_store(file->mdev, buf, count);
	case SYSFS_FILE_DEV_ATTR:
		return umdev_device_attr_store(file->mdev, file->attr, buf, count);
	case SYSFS_FILE_UEVENT:
	case SYSFS_FILE_VFIO_SOCKET:
		return -EACCES;
	default:
		return -EISDIR;
	}
}
