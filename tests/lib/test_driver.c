// SPDX-License-Identifier: MIT
/*
 * The one test parent of umdev's tests (see test_driver.h): the unit
 * tests register it directly, the integration tests load it into the
 * shipped umdevd as the module "testparent" (testparent_module.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_driver.h"

static struct test_parent *to_test_parent(struct umdev_parent *parent)
{
	return container_of(parent, struct test_parent, parent);
}

static int test_probe(struct umdev_device *mdev)
{
	struct test_parent *tp = to_test_parent(umdev_device_parent(mdev));
	struct test_device *dev;
	int ret = 0;

	pthread_mutex_lock(&tp->lock);
	tp->probes++;
	if (tp->probe_blocks) {
		/* Only this probe waits; later ones pass while it does. */
		tp->probe_blocks = false;
		tp->probe_waiting = true;
		pthread_cond_broadcast(&tp->cond);
		while (tp->probe_waiting)
			pthread_cond_wait(&tp->cond, &tp->lock);
	}
	if (tp->probe_error)
		ret = tp->probe_error;
	else if (tp->driver.get_available && !tp->driver_available)
		ret = -ENOSPC;
	if (!ret) {
		if (tp->driver.get_available)
			tp->driver_available--;
		tp->live++;
	}
	pthread_mutex_unlock(&tp->lock);
	if (ret)
		return ret;

	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		pthread_mutex_lock(&tp->lock);
		tp->live--;
		if (tp->driver.get_available)
			tp->driver_available++;
		pthread_mutex_unlock(&tp->lock);
		return -ENOMEM;
	}
	strcpy(dev->setting, "default");
	strcpy(dev->value, "initial");
	pthread_mutex_init(&dev->lock, NULL);
	umdev_set_drvdata(mdev, dev);
	return 0;
}

static void test_remove(struct umdev_device *mdev)
{
	struct test_parent *tp = to_test_parent(umdev_device_parent(mdev));
	struct test_device *dev = umdev_get_drvdata(mdev);

	pthread_mutex_destroy(&dev->lock);
	free(dev);
	pthread_mutex_lock(&tp->lock);
	tp->live--;
	tp->removes++;
	if (tp->driver.get_available)
		tp->driver_available++;
	pthread_mutex_unlock(&tp->lock);
}

static unsigned int test_get_available(struct umdev_type *type)
{
	struct test_parent *tp = to_test_parent(umdev_type_parent(type));

	pthread_mutex_lock(&tp->lock);
	unsigned int available = tp->driver_available;
	pthread_mutex_unlock(&tp->lock);
	return available;
}

static ssize_t test_show_description(struct umdev_type *type, char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "test device of type %s\n", type->sysfs_name);
}

static ssize_t setting_show(struct umdev_device *mdev, char *buf)
{
	struct test_device *dev = umdev_get_drvdata(mdev);

	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", dev->setting);
}

static ssize_t setting_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	struct test_device *dev = umdev_get_drvdata(mdev);

	if (count == 0 || count >= sizeof(dev->setting))
		return -EINVAL;
	memcpy(dev->setting, buf, count);
	dev->setting[count] = '\0';
	dev->setting[strcspn(dev->setting, "\n")] = '\0';
	return (ssize_t)count;
}

static ssize_t serial_show(struct umdev_device *mdev, char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", umdev_device_name(mdev));
}

static ssize_t poke_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	(void)mdev;
	(void)buf;
	return (ssize_t)count;
}

/* vendor/value: any text up to 64 bytes; one trailing newline is dropped. */
static ssize_t value_show(struct umdev_device *mdev, char *buf)
{
	struct test_device *dev = umdev_get_drvdata(mdev);
	ssize_t len;

	pthread_mutex_lock(&dev->lock);
	len = snprintf(buf, UMDEV_ATTR_BUF_SIZE, "%s\n", dev->value);
	pthread_mutex_unlock(&dev->lock);
	return len;
}

static ssize_t value_store(struct umdev_device *mdev, const char *buf, size_t count)
{
	struct test_device *dev = umdev_get_drvdata(mdev);
	size_t len = count;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len > TEST_VALUE_MAX || memchr(buf, '\0', len) || memchr(buf, '\n', len))
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
	struct test_device *dev = umdev_get_drvdata(mdev);
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
	struct test_device *dev = umdev_get_drvdata(mdev);

	if (!((count == 1 && buf[0] == '1') || (count == 2 && !memcmp(buf, "1\n", 2))))
		return -EINVAL;
	pthread_mutex_lock(&dev->lock);
	dev->resets++;
	pthread_mutex_unlock(&dev->lock);
	return (ssize_t)count;
}

/* serial: ungrouped, read-only. */
static ssize_t short_serial_show(struct umdev_device *mdev, char *buf)
{
	return snprintf(buf, UMDEV_ATTR_BUF_SIZE, "TP-%.8s\n", umdev_device_name(mdev));
}

static const struct umdev_attribute attr_value = {
	.group = "vendor", .name = "value", .show = value_show, .store = value_store,
};
static const struct umdev_attribute attr_info = {
	.group = "vendor", .name = "info", .show = info_show,
};
static const struct umdev_attribute attr_reset = {
	.group = "vendor", .name = "reset", .store = reset_store,
};
static const struct umdev_attribute attr_short_serial = {
	.name = "serial", .show = short_serial_show,
};
static const struct umdev_attribute attr_setting = {
	.group = "vendor", .name = "setting", .show = setting_show, .store = setting_store,
};
static const struct umdev_attribute attr_serial = {
	.group = "vendor", .name = "serial", .show = serial_show,
};
static const struct umdev_attribute attr_poke = {
	.name = "poke", .store = poke_store,
};
static const struct umdev_attribute *const test_attrs[] = {
	&attr_setting, &attr_serial, &attr_poke,
	&attr_value, &attr_info, &attr_reset, &attr_short_serial, NULL,
};

int test_parent_register(struct test_parent *tp, const char *name, const char *driver_name,
			 unsigned int max_instances, unsigned int driver_available)
{
	static const char *const sysfs_names[TEST_NR_TYPES] = { "a", "b" };

	memset(tp, 0, sizeof(*tp));
	pthread_mutex_init(&tp->lock, NULL);
	pthread_cond_init(&tp->cond, NULL);
	tp->driver = (struct umdev_driver){
		.name = driver_name,
		.device_api = "vfio-pci",
		.max_instances = max_instances,
		.probe = test_probe,
		.remove = test_remove,
		.get_available = max_instances ? NULL : test_get_available,
		.show_description = test_show_description,
		.dev_attrs = test_attrs,
	};
	tp->driver_available = driver_available;
	for (int i = 0; i < TEST_NR_TYPES; i++) {
		tp->types[i].sysfs_name = sysfs_names[i];
		tp->types[i].pretty_name = i == 0 ? "Test type A" : NULL;
		tp->type_ptrs[i] = &tp->types[i];
	}
	return umdev_register_parent(&tp->parent, name, &tp->driver, tp->type_ptrs,
				     TEST_NR_TYPES);
}

void test_parent_unregister(struct test_parent *tp)
{
	umdev_unregister_parent(&tp->parent);
	pthread_cond_destroy(&tp->cond);
	pthread_mutex_destroy(&tp->lock);
}

void test_parent_wait_probe(struct test_parent *tp)
{
	pthread_mutex_lock(&tp->lock);
	while (!tp->probe_waiting)
		pthread_cond_wait(&tp->cond, &tp->lock);
	pthread_mutex_unlock(&tp->lock);
}

void test_parent_release_probe(struct test_parent *tp)
{
	pthread_mutex_lock(&tp->lock);
	tp->probe_waiting = false;
	pthread_cond_broadcast(&tp->cond);
	pthread_mutex_unlock(&tp->lock);
}

struct test_parent test_p1;

int test_remove_all_devices(void)
{
	umdev_uuid_t *uuids;
	ssize_t n = umdev_list_devices(&uuids);
	int failed = 0;

	for (ssize_t i = 0; i < n; i++) {
		struct umdev_device *mdev = umdev_device_get(uuids[i]);
		if (mdev) {
			failed += umdev_device_remove(mdev) != 0;
			umdev_device_put(mdev);
		}
	}
	free(uuids);
	return failed;
}

int test_p1_setup(void **state)
{
	(void)state;
	return test_parent_register(&test_p1, "p1", "tdrv", 8, 0) ? -1 : 0;
}

int test_p1_teardown(void **state)
{
	(void)state;
	test_parent_unregister(&test_p1);
	return umdev_bus_device_count() ? -1 : 0;
}
