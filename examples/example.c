// SPDX-License-Identifier: MIT
/*
 * The smallest use of libumdev: a parent driver with two types and a budget
 * of four instances; devices are created and removed through the same
 * `create`/`remove` writes a user makes in sysfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <umdev/bus.h>

struct example_parent {
	struct umdev_parent parent;
	struct umdev_type small, large;
	struct umdev_type *types[2];
};

static int example_probe(struct umdev_device *mdev)
{
	printf("  probe  %s (%s)\n", umdev_device_name(mdev),
	       umdev_type_id(umdev_device_type(mdev)));
	return 0;
}

static void example_remove(struct umdev_device *mdev)
{
	printf("  remove %s\n", umdev_device_name(mdev));
}

static struct umdev_driver example_driver = {
	.name = "example",
	.device_api = "vfio-pci",
	.max_instances = 4,
	.probe = example_probe,
	.remove = example_remove,
};

static void show_types(struct umdev_parent *parent)
{
	for (unsigned int i = 0; i < parent->nr_types; i++) {
		struct umdev_type *type = parent->types[i];
		printf("  %-14s name=%-6s device_api=%s available_instances=%u\n",
		       umdev_type_id(type), umdev_type_name(type),
		       umdev_type_device_api(type), umdev_type_available_instances(type));
	}
}

int main(void)
{
	static struct example_parent ex = {
		.small = { .sysfs_name = "small", .pretty_name = "Small" },
		.large = { .sysfs_name = "large" },
	};
	const char *uuids[] = {
		"0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01\n",
		"0B5B0F3C-8C1E-4A43-9D5A-6C0E6F1F0A02", /* upper case, echo -n */
	};
	ex.types[0] = &ex.small;
	ex.types[1] = &ex.large;

	int ret = umdev_register_parent(&ex.parent, "example", &example_driver, ex.types, 2);
	if (ret) {
		fprintf(stderr, "register: %s\n", strerror(-ret));
		return 1;
	}
	printf("registered parent 'example':\n");
	show_types(&ex.parent);

	for (int i = 0; i < 2; i++) {
		ssize_t n = umdev_type_create_store(ex.types[i], uuids[i], strlen(uuids[i]));
		printf("create on %s: %s\n", umdev_type_id(ex.types[i]),
		       n < 0 ? strerror((int)-n) : "ok");
	}
	ssize_t dup = umdev_type_create_store(&ex.small, uuids[0], strlen(uuids[0]));
	printf("create the same UUID again: %s\n", strerror((int)-dup));
	show_types(&ex.parent);

	umdev_uuid_t *devices;
	ssize_t count = umdev_list_devices(&devices);
	for (ssize_t i = 0; i < count; i++) {
		char name[UMDEV_UUID_STRING_LEN + 1];
		umdev_uuid_format(devices[i], name);
		struct umdev_device *mdev = umdev_device_get_by_name(name);
		printf("remove %s: ", name);
		ssize_t n = umdev_device_remove_store(mdev, "1\n", 2);
		printf("%s\n", n < 0 ? strerror((int)-n) : "ok");
		umdev_device_put(mdev);
	}
	free(devices);

	umdev_unregister_parent(&ex.parent);
	printf("unregistered; devices left on the bus: %zu\n", umdev_bus_device_count());
	return 0;
}
