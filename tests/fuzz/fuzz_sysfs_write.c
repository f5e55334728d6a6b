// SPDX-License-Identifier: MIT
/*
 * Fuzz target: sysfs writes through the core's parsers, as the FUSE tree
 * delivers them: `create` on a type, `remove` and driver attributes on a
 * device. An input is a sequence of records:
 *     op (1 byte), selector (1 byte), length (1 byte), data (length bytes)
 * Each result must be one the kernel gives; a successful create must name
 * the device as the canonical lower-case form of the written UUID. Every
 * input ends with the bus empty again, so inputs do not depend on others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "test_driver.h"

static struct test_parent parent_a, parent_b;
static struct umdev_type *types[3];


static void setup_once(void)
{
	static bool done;

	if (done)
		return;
	check(test_parent_register(&parent_a, "fa", "fdrv", 8, 0) == 0);
	check(test_parent_register(&parent_b, "fb", "gdrv", 0, 8) == 0);
	types[0] = &parent_a.types[0];
	types[1] = &parent_a.types[1];
	types[2] = &parent_b.types[0];
	done = true;
}

/* The selector-th visible device, with a reference, or NULL. */
static struct umdev_device *pick_device(unsigned int selector)
{
	umdev_uuid_t *uuids;
	ssize_t n = umdev_list_devices(&uuids);
	struct umdev_device *mdev = NULL;

	if (n > 0)
		mdev = umdev_device_get(uuids[selector % (size_t)n]);
	free(uuids);
	return mdev;
}

static void do_create(unsigned int selector, const char *data, size_t len)
{
	ssize_t ret = umdev_type_create_store(types[selector % 3], data, len);

	check(ret == (ssize_t)len || ret == -EINVAL || ret == -EEXIST || ret == -EUSERS ||
	      ret == -ENOSPC);
	if (ret > 0) {
		uint8_t uuid[UMDEV_UUID_SIZE];
		char name[UMDEV_UUID_STRING_LEN + 1];
		check(len >= 36 && umdev_uuid_parse(data, uuid) == 0);
		umdev_uuid_format(uuid, name);
		struct umdev_device *mdev = umdev_device_get_by_name(name);
		check(mdev && umdev_device_type(mdev) == types[selector % 3]);
		umdev_device_put(mdev);
	}
}

static void do_remove(unsigned int selector, const char *data, size_t len)
{
	struct umdev_device *mdev = pick_device(selector);

	if (!mdev)
		return;
	ssize_t ret = umdev_device_remove_store(mdev, data, len);
	check(ret == (ssize_t)len || ret == -EINVAL);
	umdev_device_put(mdev);
}

static void do_store(unsigned int selector, const char *data, size_t len)
{
	struct umdev_device *mdev = pick_device(selector >> 1);

	if (!mdev)
		return;
	const struct umdev_attribute *attr =
		umdev_device_find_attr(mdev, selector & 1 ? NULL : "vendor",
				       selector & 1 ? "poke" : "setting");
	ssize_t ret = umdev_device_attr_store(mdev, attr, data, len);
	check(ret == (ssize_t)len || ret == -EINVAL);
	if (ret > 0 && !(selector & 1)) {
		char buf[UMDEV_ATTR_BUF_SIZE];
		check(umdev_device_attr_show(mdev, attr, buf) > 0);
	}
	umdev_device_put(mdev);
}

static void remove_everything(void)
{
	check(test_remove_all_devices() == 0);
	check(umdev_bus_device_count() == 0);
	check(umdev_type_available_instances(types[0]) == 8);
	check(umdev_type_available_instances(types[2]) == 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	setup_once();
	while (size >= 3) {
		unsigned int op = input[0], selector = input[1];
		size_t len = input[2];
		input += 3;
		size -= 3;
		if (len > size)
			len = size;
		const char *data = (const char *)input;
		switch (op % 3) {
		case 0: do_create(selector, data, len); break;
		case 1: do_remove(selector, data, len); break;
		default: do_store(selector, data, len); break;
		}
		input += len;
		size -= len;
	}
	remove_everything();
	return 0;
}
