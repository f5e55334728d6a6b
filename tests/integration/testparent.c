// SPDX-License-Identifier: MIT
/*
 * "testparent": a parent module for the integration tests only, linked
 * into the test build of umdevd (umdevd-test). It exercises what the
 * sample drivers may not: two types, core-counted instances, a type
 * description, driver attributes in a `vendor/` group (read/write,
 * read-only, write-only) and a probe that fails on demand.
 *
 * Settings: "max_instances" (default 4), "probe_errno" (default 0: probe
 * succeeds; N: probe fails with -N).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/bus.h>
#include "module.h"

#define VALUE_MAX 64

struct testparent {
	struct umdev_parent parent;
	struct umdev_driver driver;
	struct umdev_type type_a, type_b;
	struct umdev_type *types[2];
	int probe_errno;
};

struct testdev {
	pthread_mutex_t lock;
	char value[VALUE_MAX + 1];
	unsigned int resets;
};

static struct testparent *to_testparent(struct umdev_parent *parent)
{
	return container_of(parent, struct testparent, parent);
}

static int testparent_probe(struct umdev_device *mdev)
{
	struct testparent *tp = to_testparent(umdev_device_parent(mdev));
	struct testdev *dev;

	if (tp->probe_errno)
		return -tp->probe_errno;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	pthread_mutex_init(&dev->lock, NULL);
	strcpy(dev->value, "initial");
	umdev_set_drvdata(mdev, dev);
	return 0;
}

static void testparent_remove(struct umdev_device *mdev)
{
	struct testdev *dev = umdev_get_drvdata(mdev);

	pthread_mutex_destroy(&dev->lock);
	free(dev);
}

static ssize_t testparent_description(struct umdev_type *type, char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "test device of type %s\n", type->sysfs_name);
}

/* vendor/value: any text up to 64 bytes; one trailing newline is dropped. */
static ssize_t value_show(struct umdev_device *mdev, char *buf)
{
	struct testdev *dev = umdev_get_drvdata(mdev);
	ssize_t len;

	pthread_mutex_lock(&dev->lock);
	len = snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", dev->value);
	pthread_mutex_unlock(&dev->lock);
	return len;
}

static ssize_t value_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	struct testdev *dev = umdev_get_drvdata(mdev);
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len > VALUE_MAX || memchr(buf, '\0', len) || memchr(buf, '\n', len))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	memcpy(dev->value, buf, len);
	dev->value[len] = '\0';
	pthread_mutex_unlock(&dev->lock);
	return (ssize_t)count;
}

/* vendor/info: read-only, names the device and counts resets. */
static ssize_t info_show(struct umdev_device *mdev, char *buf)
{
	struct testdev *dev = umdev_get_drvdata(mdev);
	ssize_t len;

	pthread_mutex_lock(&dev->lock);
	len = snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s resets=%u\n", umdev_device_name(mdev),
		       dev->resets);
	pthread_mutex_unlock(&dev->lock);
	return len;
}

/* vendor/reset: write-only; "1" counts a reset. */
static ssize_t reset_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	struct testdev *dev = umdev_get_drvdata(mdev);

	if (!((count == 1 && buf[0] == '1') || (count == 2 && !memcmp(buf, "1\n", 2))))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	dev->resets++;
	pthread_mutex_unlock(&dev->lock);
	return (ssize_t)count;
}

/* serial: ungrouped, read-only. */
static ssize_t serial_show(struct umdev_device *mdev, char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "TP-%.8s\n", umdev_device_name(mdev));
}

static const struct umdev_attribute attr_value = { "vendor", "value", value_show, value_store };
static const struct umdev_attribute attr_info = { "vendor", "info", info_show, NULL };
static const struct umdev_attribute attr_reset = { "vendor", "reset", NULL, reset_store };
static const struct umdev_attribute attr_serial = { NULL, "serial", serial_show, NULL };

static const struct umdev_attribute *const testparent_attrs[] = {
	&attr_value, &attr_info, &attr_reset, &attr_serial, NULL,
};

static int parse_uint(const char *parent_name, const char *key, const char *text,
		      unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || end == text || *end || value > max || text[0] == '-') {
		fprintf(stderr, "testparent %s: setting %s: \"%s\" is not a number from 0 to %u\n",
			parent_name, key, text, max);
		return -EINVAL;
	}
	*out = (unsigned int)value;
	return 0;
}

static int testparent_create(const char *parent_name, const struct umdev_setting *settings,
			     size_t nr_settings, void **handle)
{
	unsigned int max_instances = 4, probe_errno = 0;
	struct testparent *tp;
	int ret;

	for (size_t i = 0; i < nr_settings; i++) {
		if (!strcmp(settings[i].key, "max_instances"))
			ret = parse_uint(parent_name, settings[i].key, settings[i].value, 1024,
					 &max_instances);
		else if (!strcmp(settings[i].key, "probe_errno"))
			ret = parse_uint(parent_name, settings[i].key, settings[i].value, 4095,
					 &probe_errno);
		else {
			fprintf(stderr, "testparent %s: unknown setting \"%s\"\n", parent_name,
				settings[i].key);
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}

	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	tp->driver = (struct umdev_driver){
		.name = "testparent",
		.device_api = "vfio-pci",
		.max_instances = max_instances,
		.probe = testparent_probe,
		.remove = testparent_remove,
		.show_description = testparent_description,
		.dev_attrs = testparent_attrs,
	};
	tp->probe_errno = (int)probe_errno;
	tp->type_a = (struct umdev_type){ .sysfs_name = "a", .pretty_name = "Test type A" };
	tp->type_b = (struct umdev_type){ .sysfs_name = "b" };
	tp->types[0] = &tp->type_a;
	tp->types[1] = &tp->type_b;

	ret = umdev_register_parent(&tp->parent, parent_name, &tp->driver, tp->types, 2);
	if (ret) {
		free(tp);
		return ret;
	}
	*handle = tp;
	return 0;
}

static void testparent_destroy(void *handle)
{
	struct testparent *tp = handle;

	umdev_unregister_parent(&tp->parent);
	free(tp);
}

const struct umdev_parent_module umdev_testparent_module = {
	.name = "testparent",
	.summary = "test parent: two types, vendor attributes, failing probe on demand",
	.create = testparent_create,
	.destroy = testparent_destroy,
};
