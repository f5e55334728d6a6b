// SPDX-License-Identifier: MIT
/*
 * The sample parent drivers (drivers/mtty, mdpy, mbochs) driven through
 * their modules and the real core, as umdevd and the sysfs frontend drive
 * them: types and their files, the available_instances arithmetic as
 * devices come and go, the errno a refused create returns, the vendor
 * attributes, the settings, and teardown with live devices.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include <umdev/bus.h>
#include "module.h"

/* ---- helpers ---- */

/* A distinct, valid UUID for device number @n. */
static void uuid_of(unsigned int n, char out[UMDEV_UUID_STRING_LEN + 1])
{
	snprintf(out, UMDEV_UUID_STRING_LEN + 1, "%08x-7e57-4d00-8000-%012x", n, n * 7u);
}

static void *create_parent(const struct umdev_parent_module *module, const char *name,
			   const struct umdev_setting *settings, size_t nr_settings)
{
	void *handle = NULL;

	assert_int_equal(module->create(name, settings, nr_settings, &handle), 0);
	assert_non_null(handle);
	return handle;
}

/* A type of a registered parent; valid until the parent is destroyed. */
static struct umdev_type *type_of(const char *parent_name, const char *id)
{
	struct umdev_parent *parent = umdev_parent_get(parent_name);
	struct umdev_type *type;

	assert_non_null(parent);
	type = umdev_parent_find_type(parent, id);
	umdev_parent_put(parent);
	assert_non_null(type);
	return type;
}

/* A write to the type's `create` file, as `echo $uuid > create` does. */
static ssize_t create_dev(struct umdev_type *type, unsigned int n)
{
	char text[UMDEV_UUID_STRING_LEN + 2];

	uuid_of(n, text);
	strcat(text, "\n");
	return umdev_type_create_store(type, text, strlen(text));
}

static void create_ok(struct umdev_type *type, unsigned int n)
{
	assert_int_equal(create_dev(type, n), UMDEV_UUID_STRING_LEN + 1);
}

static struct umdev_device *get_dev(unsigned int n)
{
	char name[UMDEV_UUID_STRING_LEN + 1];

	uuid_of(n, name);
	return umdev_device_get_by_name(name);
}

/* A write of "1" to the device's `remove` file. */
static void remove_dev(unsigned int n)
{
	struct umdev_device *mdev = get_dev(n);

	assert_non_null(mdev);
	assert_int_equal(umdev_device_remove_store(mdev, "1\n", 2), 2);
	umdev_device_put(mdev);
	assert_null(get_dev(n));
}

static unsigned int avail(struct umdev_type *type)
{
	return umdev_type_available_instances(type);
}

static size_t type_device_count(struct umdev_type *type)
{
	umdev_uuid_t *uuids;
	ssize_t count = umdev_type_list_devices(type, &uuids);

	assert_true(count >= 0);
	free(uuids);
	return (size_t)count;
}

/* Reads a device attribute into @buf (NUL-terminated) and checks its mode. */
static void read_attr(unsigned int n, const char *group, const char *name, char *buf)
{
	struct umdev_device *mdev = get_dev(n);
	const struct umdev_attribute *attr;
	ssize_t len;

	assert_non_null(mdev);
	attr = umdev_device_find_attr(mdev, group, name);
	assert_non_null(attr);
	assert_int_equal(umdev_attr_mode(attr), 0444);
	len = umdev_device_attr_show(mdev, attr, buf);
	assert_true(len > 0 && len < UMDEV_ATTR_BUF_SIZE);
	buf[len] = '\0';
	/* Read-only, as the kernel's DEVICE_ATTR_RO. */
	assert_int_equal(umdev_device_attr_store(mdev, attr, "1", 1), -EACCES);
	umdev_device_put(mdev);
}

static void assert_attr(unsigned int n, const char *group, const char *name,
			const char *expected)
{
	char buf[UMDEV_ATTR_BUF_SIZE + 1];

	read_attr(n, group, name, buf);
	assert_string_equal(buf, expected);
}

static void assert_type(struct umdev_type *type, const char *id, const char *name,
			const char *description)
{
	char buf[UMDEV_ATTR_BUF_SIZE + 1];

	assert_string_equal(umdev_type_id(type), id);
	assert_string_equal(umdev_type_name(type), name);
	assert_string_equal(umdev_type_device_api(type), "vfio-pci");
	if (!description) {
		assert_false(umdev_type_has_description(type));
		assert_int_equal(umdev_type_show_description(type, buf), -ENOENT);
		return;
	}
	assert_true(umdev_type_has_description(type));
	ssize_t len = umdev_type_show_description(type, buf);
	assert_true(len > 0);
	buf[len] = '\0';
	assert_string_equal(buf, description);
}

/* stderr redirected to a temporary file while a create runs. */
struct stderr_capture {
	FILE *file;
	int saved_fd;
};

static void capture_begin(struct stderr_capture *cap)
{
	fflush(stderr);
	cap->file = tmpfile();
	assert_non_null(cap->file);
	cap->saved_fd = dup(STDERR_FILENO);
	assert_true(cap->saved_fd >= 0);
	assert_int_equal(dup2(fileno(cap->file), STDERR_FILENO), STDERR_FILENO);
}

static void capture_end(struct stderr_capture *cap, char *buf, size_t size)
{
	size_t len;

	fflush(stderr);
	assert_int_equal(dup2(cap->saved_fd, STDERR_FILENO), STDERR_FILENO);
	close(cap->saved_fd);
	rewind(cap->file);
	len = fread(buf, 1, size - 1, cap->file);
	buf[len] = '\0';
	fclose(cap->file);
}

static ssize_t registered_parents(void)
{
	umdev_name_t *names;
	ssize_t count = umdev_list_parents(&names);

	assert_true(count >= 0);
	free(names);
	return count;
}

static int check_clean_bus(void **state)
{
	(void)state;
	/* Every test destroys what it creates: nothing may be left behind. */
	assert_int_equal(umdev_bus_device_count(), 0);
	assert_int_equal(registered_parents(), 0);
	return 0;
}

/* ---- mtty ---- */

static void test_mtty_types(void **state)
{
	(void)state;
	void *mtty = create_parent(&umdev_mtty_module, "mtty", NULL, 0);
	struct umdev_type *one = type_of("mtty", "mtty-1");
	struct umdev_type *two = type_of("mtty", "mtty-2");

	assert_string_equal(umdev_mtty_module.name, "mtty");
	assert_type(one, "mtty-1", "Single port serial", NULL);
	assert_type(two, "mtty-2", "Dual port serial", NULL);
	assert_int_equal(avail(one), 24);
	assert_int_equal(avail(two), 12);

	umdev_mtty_module.destroy(mtty);
	assert_null(umdev_parent_get("mtty"));
}

static void test_mtty_budget(void **state)
{
	(void)state;
	void *mtty = create_parent(&umdev_mtty_module, "mtty", NULL, 0);
	struct umdev_type *one = type_of("mtty", "mtty-1");
	struct umdev_type *two = type_of("mtty", "mtty-2");
	unsigned int n;

	create_ok(two, 1);
	assert_int_equal(avail(one), 22);
	assert_int_equal(avail(two), 11);
	create_ok(one, 2);
	assert_int_equal(avail(one), 21);
	assert_int_equal(avail(two), 10);

	/* Ten more dual cards leave one port: one single card, no dual card. */
	for (n = 3; n < 13; n++)
		create_ok(two, n);
	assert_int_equal(avail(one), 1);
	assert_int_equal(avail(two), 0);
	assert_int_equal(umdev_bus_device_count(), 12);

	/* Probe refuses; the create changes nothing and frees its UUID. */
	assert_int_equal(create_dev(two, 100), -ENOSPC);
	assert_null(get_dev(100));
	assert_int_equal(umdev_bus_device_count(), 12);
	assert_int_equal(type_device_count(two), 11);
	assert_int_equal(avail(one), 1);
	assert_int_equal(avail(two), 0);

	create_ok(one, 13);
	assert_int_equal(avail(one), 0);
	assert_int_equal(create_dev(one, 101), -ENOSPC);
	assert_int_equal(create_dev(two, 101), -ENOSPC);
	assert_int_equal(umdev_bus_device_count(), 13);

	/* Removing a dual card gives back both its ports. */
	remove_dev(5);
	assert_int_equal(avail(one), 2);
	assert_int_equal(avail(two), 1);
	/* The UUID refused earlier is free for use. */
	create_ok(two, 100);
	assert_int_equal(avail(one), 0);
	assert_int_equal(avail(two), 0);

	/* Everything back, one device at a time. */
	remove_dev(100);
	remove_dev(13);
	remove_dev(2);
	for (n = 1; n < 13; n++)
		if (n != 2 && n != 5)
			remove_dev(n);
	assert_int_equal(avail(one), 24);
	assert_int_equal(avail(two), 12);
	assert_int_equal(umdev_bus_device_count(), 0);

	umdev_mtty_module.destroy(mtty);
}

static void test_mtty_ports_setting(void **state)
{
	(void)state;
	const struct umdev_setting five[] = { { "ports", "5" } };
	const struct umdev_setting single[] = { { "ports", "1" } };
	void *a = create_parent(&umdev_mtty_module, "mtty-five", five, 1);
	void *b = create_parent(&umdev_mtty_module, "mtty-single", single, 1);
	struct umdev_type *a1 = type_of("mtty-five", "mtty-1");
	struct umdev_type *a2 = type_of("mtty-five", "mtty-2");
	struct umdev_type *b1 = type_of("mtty-single", "mtty-1");
	struct umdev_type *b2 = type_of("mtty-single", "mtty-2");

	assert_int_equal(avail(a1), 5);
	assert_int_equal(avail(a2), 2); /* rounded down */
	assert_int_equal(avail(b1), 1);
	assert_int_equal(avail(b2), 0);

	/* Budgets are per parent. */
	assert_int_equal(create_dev(b2, 1), -ENOSPC);
	create_ok(a2, 1);
	create_ok(a2, 2);
	assert_int_equal(avail(a1), 1);
	assert_int_equal(avail(a2), 0);
	assert_int_equal(avail(b1), 1);
	create_ok(b1, 3);
	assert_int_equal(avail(b1), 0);
	assert_int_equal(avail(a1), 1);

	umdev_mtty_module.destroy(b);
	umdev_mtty_module.destroy(a);
}

static void test_mtty_vendor_attr(void **state)
{
	(void)state;
	void *mtty = create_parent(&umdev_mtty_module, "mtty", NULL, 0);
	char name[UMDEV_UUID_STRING_LEN + 1], expected[64];
	struct umdev_device *mdev;

	/* Created from upper case, named and shown in lower case. */
	uuid_of(0xabcdef, name);
	for (char *c = name; *c; c++)
		*c = (char)((*c >= 'a' && *c <= 'f') ? *c - 32 : *c);
	assert_int_equal(umdev_type_create_store(type_of("mtty", "mtty-1"), name,
						 UMDEV_UUID_STRING_LEN),
			 UMDEV_UUID_STRING_LEN);
	uuid_of(0xabcdef, name);
	snprintf(expected, sizeof(expected), "This is MDEV %s\n", name);
	assert_attr(0xabcdef, "vendor", "sample_mdev_dev", expected);

	/* The sample's attribute is in the vendor group only. */
	mdev = get_dev(0xabcdef);
	assert_null(umdev_device_find_attr(mdev, NULL, "sample_mdev_dev"));

	/* Beyond the sample: the host pty of each port, and loopback. */
	char buf[UMDEV_ATTR_BUF_SIZE];
	read_attr(0xabcdef, "vendor", "ptys", buf);
	assert_true(!strncmp(buf, "/dev/pts/", 9) && strchr(buf, '\n') == buf + strlen(buf) - 1);
	const struct umdev_attribute *loopback = umdev_device_find_attr(mdev, "vendor", "loopback");
	assert_non_null(loopback);
	assert_int_equal(umdev_attr_mode(loopback), 0644);
	assert_int_equal(umdev_device_attr_show(mdev, loopback, buf), 2);
	assert_memory_equal(buf, "0\n", 2);
	assert_int_equal(umdev_device_attr_store(mdev, loopback, "1\n", 2), 2);
	assert_int_equal(umdev_device_attr_show(mdev, loopback, buf), 2);
	assert_memory_equal(buf, "1\n", 2);
	assert_int_equal(umdev_device_attr_store(mdev, loopback, "2", 1), -EINVAL);
	assert_int_equal(umdev_device_attr_store(mdev, loopback, "yes", 3), -EINVAL);
	umdev_device_put(mdev);

	umdev_mtty_module.destroy(mtty);
}

/* ---- mdpy ---- */

static void test_mdpy_types(void **state)
{
	(void)state;
	void *mdpy = create_parent(&umdev_mdpy_module, "mdpy", NULL, 0);

	assert_string_equal(umdev_mdpy_module.name, "mdpy");
	assert_type(type_of("mdpy", "mdpy-vga"), "mdpy-vga", "mdpy-vga",
		    "virtual display, 640x480 framebuffer\n");
	assert_type(type_of("mdpy", "mdpy-xga"), "mdpy-xga", "mdpy-xga",
		    "virtual display, 1024x768 framebuffer\n");
	assert_type(type_of("mdpy", "mdpy-hd"), "mdpy-hd", "mdpy-hd",
		    "virtual display, 1920x1080 framebuffer\n");
	umdev_mdpy_module.destroy(mdpy);
}

static void assert_mdpy_avail(unsigned int expected)
{
	/* The core's one counter per parent, shown under every type. */
	assert_int_equal(avail(type_of("mdpy", "mdpy-vga")), expected);
	assert_int_equal(avail(type_of("mdpy", "mdpy-xga")), expected);
	assert_int_equal(avail(type_of("mdpy", "mdpy-hd")), expected);
}

static void test_mdpy_instances(void **state)
{
	(void)state;
	void *mdpy = create_parent(&umdev_mdpy_module, "mdpy", NULL, 0);
	struct umdev_type *vga = type_of("mdpy", "mdpy-vga");
	struct umdev_type *xga = type_of("mdpy", "mdpy-xga");
	struct umdev_type *hd = type_of("mdpy", "mdpy-hd");

	assert_mdpy_avail(4);
	create_ok(vga, 1);
	assert_mdpy_avail(3);
	create_ok(xga, 2);
	create_ok(hd, 3);
	assert_mdpy_avail(1);
	create_ok(hd, 4);
	assert_mdpy_avail(0);

	/* The core refuses the fifth before probe, whatever the type. */
	assert_int_equal(create_dev(vga, 5), -EUSERS);
	assert_int_equal(create_dev(hd, 5), -EUSERS);
	assert_null(get_dev(5));
	assert_int_equal(umdev_bus_device_count(), 4);

	assert_attr(1, "vendor", "resolution", "640x480\n");
	assert_attr(2, "vendor", "resolution", "1024x768\n");
	assert_attr(3, "vendor", "resolution", "1920x1080\n");

	remove_dev(2);
	assert_mdpy_avail(1);
	create_ok(vga, 5);
	assert_mdpy_avail(0);
	assert_attr(5, "vendor", "resolution", "640x480\n");

	umdev_mdpy_module.destroy(mdpy);
}

static void test_mdpy_max_devices_setting(void **state)
{
	(void)state;
	const struct umdev_setting two[] = { { "max_devices", "2" } };
	void *mdpy = create_parent(&umdev_mdpy_module, "mdpy", two, 1);
	void *other = create_parent(&umdev_mdpy_module, "mdpy-other", NULL, 0);

	assert_mdpy_avail(2);
	assert_int_equal(avail(type_of("mdpy-other", "mdpy-hd")), 4);
	create_ok(type_of("mdpy", "mdpy-xga"), 1);
	create_ok(type_of("mdpy", "mdpy-hd"), 2);
	assert_mdpy_avail(0);
	assert_int_equal(create_dev(type_of("mdpy", "mdpy-vga"), 3), -EUSERS);
	/* The other parent's counter is its own. */
	assert_int_equal(avail(type_of("mdpy-other", "mdpy-hd")), 4);
	create_ok(type_of("mdpy-other", "mdpy-vga"), 3);
	assert_int_equal(avail(type_of("mdpy-other", "mdpy-hd")), 3);

	umdev_mdpy_module.destroy(other);
	umdev_mdpy_module.destroy(mdpy);
}

/* ---- mbochs ---- */

static void assert_mbochs_avail(const char *parent, unsigned int small,
				unsigned int medium, unsigned int large)
{
	assert_int_equal(avail(type_of(parent, "mbochs-small")), small);
	assert_int_equal(avail(type_of(parent, "mbochs-medium")), medium);
	assert_int_equal(avail(type_of(parent, "mbochs-large")), large);
}

static void test_mbochs_types(void **state)
{
	(void)state;
	void *mbochs = create_parent(&umdev_mbochs_module, "mbochs", NULL, 0);

	assert_string_equal(umdev_mbochs_module.name, "mbochs");
	assert_type(type_of("mbochs", "mbochs-small"), "mbochs-small", "mbochs-small",
		    "virtual display, 4 MB video memory\n");
	assert_type(type_of("mbochs", "mbochs-medium"), "mbochs-medium", "mbochs-medium",
		    "virtual display, 16 MB video memory\n");
	assert_type(type_of("mbochs", "mbochs-large"), "mbochs-large", "mbochs-large",
		    "virtual display, 64 MB video memory\n");
	assert_mbochs_avail("mbochs", 64, 16, 4);
	umdev_mbochs_module.destroy(mbochs);
}

static void test_mbochs_memory(void **state)
{
	(void)state;
	void *mbochs = create_parent(&umdev_mbochs_module, "mbochs", NULL, 0);
	struct umdev_type *small = type_of("mbochs", "mbochs-small");
	struct umdev_type *medium = type_of("mbochs", "mbochs-medium");
	struct umdev_type *large = type_of("mbochs", "mbochs-large");
	unsigned int n;

	create_ok(large, 1); /* 192 MB left */
	assert_mbochs_avail("mbochs", 48, 12, 3);
	create_ok(medium, 2); /* 176 */
	assert_mbochs_avail("mbochs", 44, 11, 2);
	create_ok(small, 3); /* 172 */
	assert_mbochs_avail("mbochs", 43, 10, 2);
	create_ok(large, 4);
	create_ok(large, 5); /* 44 */
	assert_mbochs_avail("mbochs", 11, 2, 0);

	assert_int_equal(create_dev(large, 50), -ENOSPC);
	assert_null(get_dev(50));
	assert_int_equal(umdev_bus_device_count(), 5);
	assert_mbochs_avail("mbochs", 11, 2, 0);

	create_ok(medium, 6);
	create_ok(medium, 7); /* 12 */
	for (n = 8; n < 11; n++)
		create_ok(small, n); /* 0 */
	assert_mbochs_avail("mbochs", 0, 0, 0);
	assert_int_equal(create_dev(small, 50), -ENOSPC);
	assert_int_equal(umdev_bus_device_count(), 10);

	assert_attr(1, "vendor", "memory", "64 MB\n");
	assert_attr(2, "vendor", "memory", "16 MB\n");
	assert_attr(3, "vendor", "memory", "4 MB\n");

	remove_dev(4); /* 64 back */
	assert_mbochs_avail("mbochs", 16, 4, 1);
	remove_dev(2); /* 80 */
	assert_mbochs_avail("mbochs", 20, 5, 1);
	create_ok(large, 50); /* 16 */
	assert_mbochs_avail("mbochs", 4, 1, 0);

	umdev_mbochs_module.destroy(mbochs);
}

static void test_mbochs_memory_setting(void **state)
{
	(void)state;
	const struct umdev_setting twenty[] = { { "memory_mb", "20" } };
	void *mbochs = create_parent(&umdev_mbochs_module, "mbochs", twenty, 1);

	assert_mbochs_avail("mbochs", 5, 1, 0);
	assert_int_equal(create_dev(type_of("mbochs", "mbochs-large"), 1), -ENOSPC);
	create_ok(type_of("mbochs", "mbochs-medium"), 1);
	assert_mbochs_avail("mbochs", 1, 0, 0);
	umdev_mbochs_module.destroy(mbochs);
}

/* ---- settings ---- */

struct bad_setting {
	const struct umdev_parent_module *module;
	struct umdev_setting settings[2];
	size_t nr_settings;
	const char *named; /* what the message must mention */
};

static void test_bad_settings(void **state)
{
	(void)state;
	const struct bad_setting cases[] = {
		{ &umdev_mtty_module, { { "port", "4" } }, 1, "'port'" },
		{ &umdev_mtty_module, { { "ports", "" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "0" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "-1" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "+4" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", " 4" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "4\n" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "0x10" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "1048577" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "4294967297" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "99999999999" } }, 1, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "4" }, { "ports", "8" } }, 2, "'ports'" },
		{ &umdev_mtty_module, { { "ports", "4" }, { "memory_mb", "8" } }, 2, "'memory_mb'" },
		{ &umdev_mtty_module, { { "ports", NULL } }, 1, "'ports'" },
		{ &umdev_mdpy_module, { { "count", "4" } }, 1, "'count'" },
		{ &umdev_mdpy_module, { { "max_devices", "0" } }, 1, "'max_devices'" },
		{ &umdev_mdpy_module, { { "max_devices", "four" } }, 1, "'max_devices'" },
		{ &umdev_mdpy_module, { { NULL, "4" } }, 1, "setting 0" },
		{ &umdev_mbochs_module, { { "memory", "64" } }, 1, "'memory'" },
		{ &umdev_mbochs_module, { { "memory_mb", "64M" } }, 1, "'memory_mb'" },
		{ &umdev_mbochs_module, { { "memory_mb", "65537" } }, 1, "'memory_mb'" },
		{ &umdev_mbochs_module, { { "Memory_MB", "64" } }, 1, "'Memory_MB'" },
		/* Long text is cut, still on one line. */
		{ &umdev_mbochs_module,
		  { { "memory_mb_memory_mb_memory_mb_memory_mb_memory_mb_memory_mb_memory_mb", "1" } },
		  1, "'memory_mb_memory_mb_memory_mb_memory_mb_memory_mb_memory_mb_...'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_setting *c = &cases[i];
		struct stderr_capture cap;
		void *handle = NULL;
		char msg[1024];
		int ret;

		capture_begin(&cap);
		ret = c->module->create("bad", c->settings, c->nr_settings, &handle);
		capture_end(&cap, msg, sizeof(msg));

		printf("# %s: %s", c->module->name, msg);
		assert_int_equal(ret, -EINVAL);
		assert_null(handle);
		assert_null(umdev_parent_get("bad"));
		assert_int_equal(registered_parents(), 0);
		/* One line, naming the module and the key. */
		assert_non_null(strstr(msg, c->module->name));
		assert_non_null(strstr(msg, c->named));
		assert_non_null(strchr(msg, '\n'));
		assert_int_equal(strchr(msg, '\n') - msg, strlen(msg) - 1);
	}

	/* The name is free: nothing was registered. */
	void *ok = create_parent(&umdev_mtty_module, "bad", NULL, 0);
	umdev_mtty_module.destroy(ok);
}

static void test_settings_bounds(void **state)
{
	(void)state;
	const struct umdev_setting ports[] = { { "ports", "1024" } };
	const struct umdev_setting devices[] = { { "max_devices", "1024" } };
	const struct umdev_setting memory[] = { { "memory_mb", "65536" } };
	const struct umdev_setting zeros[] = { { "ports", "0024" } };
	void *mtty = create_parent(&umdev_mtty_module, "mtty", ports, 1);
	void *mdpy = create_parent(&umdev_mdpy_module, "mdpy", devices, 1);
	void *mbochs = create_parent(&umdev_mbochs_module, "mbochs", memory, 1);
	void *padded = create_parent(&umdev_mtty_module, "mtty-padded", zeros, 1);

	assert_int_equal(avail(type_of("mtty", "mtty-1")), 1024);
	assert_int_equal(avail(type_of("mtty", "mtty-2")), 512);
	assert_mdpy_avail(1024);
	assert_mbochs_avail("mbochs", 16384, 4096, 1024);
	assert_int_equal(avail(type_of("mtty-padded", "mtty-1")), 24);

	umdev_mtty_module.destroy(padded);
	umdev_mbochs_module.destroy(mbochs);
	umdev_mdpy_module.destroy(mdpy);
	umdev_mtty_module.destroy(mtty);
}

static void test_settings_message_stays_on_one_line(void **state)
{
	(void)state;
	const struct umdev_setting forged[] = { { "ports", "1\nmtty: all is well\n" } };
	struct stderr_capture cap;
	void *handle = NULL;
	char msg[1024];

	capture_begin(&cap);
	assert_int_equal(umdev_mtty_module.create("mtty", forged, 1, &handle), -EINVAL);
	capture_end(&cap, msg, sizeof(msg));
	assert_int_equal(strchr(msg, '\n') - msg, strlen(msg) - 1);
	assert_non_null(strstr(msg, "'ports'"));
}

static void test_bad_parent_names(void **state)
{
	(void)state;
	const struct umdev_parent_module *modules[] = {
		&umdev_mtty_module, &umdev_mdpy_module, &umdev_mbochs_module,
	};

	for (size_t i = 0; i < 3; i++) {
		void *handle = NULL;

		assert_int_equal(modules[i]->create("a/b", NULL, 0, &handle), -EINVAL);
		assert_int_equal(modules[i]->create("", NULL, 0, &handle), -EINVAL);
		assert_int_equal(modules[i]->create("..", NULL, 0, &handle), -EINVAL);
		assert_int_equal(modules[i]->create(NULL, NULL, 0, &handle), -EINVAL);
		/* A count without an array is refused, not read. */
		assert_int_equal(modules[i]->create("ok", NULL, 1, &handle), -EINVAL);
		assert_null(handle);
		assert_int_equal(registered_parents(), 0);
	}
}

static void test_duplicate_parent_name(void **state)
{
	(void)state;
	void *first = create_parent(&umdev_mbochs_module, "display", NULL, 0);
	void *handle = NULL;

	/* A name is taken whatever module holds it; the loser frees itself. */
	assert_int_equal(umdev_mbochs_module.create("display", NULL, 0, &handle), -EEXIST);
	assert_int_equal(umdev_mdpy_module.create("display", NULL, 0, &handle), -EEXIST);
	assert_int_equal(umdev_mtty_module.create("display", NULL, 0, &handle), -EEXIST);
	assert_null(handle);

	/* The first parent is untouched. */
	create_ok(type_of("display", "mbochs-large"), 1);
	assert_mbochs_avail("display", 48, 12, 3);
	umdev_mbochs_module.destroy(first);
}

/* ---- teardown ---- */

static void test_destroy_with_live_devices(void **state)
{
	(void)state;
	void *mtty = create_parent(&umdev_mtty_module, "mtty", NULL, 0);
	void *mdpy = create_parent(&umdev_mdpy_module, "mdpy", NULL, 0);
	void *mbochs = create_parent(&umdev_mbochs_module, "mbochs", NULL, 0);

	create_ok(type_of("mtty", "mtty-1"), 1);
	create_ok(type_of("mtty", "mtty-2"), 2);
	create_ok(type_of("mdpy", "mdpy-vga"), 3);
	create_ok(type_of("mdpy", "mdpy-hd"), 4);
	create_ok(type_of("mbochs", "mbochs-small"), 5);
	create_ok(type_of("mbochs", "mbochs-large"), 6);
	assert_int_equal(umdev_bus_device_count(), 6);

	umdev_mdpy_module.destroy(mdpy);
	assert_int_equal(umdev_bus_device_count(), 4);
	assert_null(get_dev(3));
	assert_null(umdev_parent_get("mdpy"));
	/* The other parents keep their devices and budgets. */
	struct umdev_device *survivor = get_dev(1);
	assert_non_null(survivor);
	umdev_device_put(survivor);
	assert_int_equal(avail(type_of("mtty", "mtty-1")), 21);

	umdev_mtty_module.destroy(mtty);
	umdev_mbochs_module.destroy(mbochs);
	assert_int_equal(umdev_bus_device_count(), 0);

	/* The names and UUIDs can be used again at once. */
	mtty = create_parent(&umdev_mtty_module, "mtty", NULL, 0);
	create_ok(type_of("mtty", "mtty-2"), 6);
	assert_int_equal(avail(type_of("mtty", "mtty-1")), 22);
	umdev_mtty_module.destroy(mtty);
}

/* ---- allocation failures ---- */

/*
 * The test binary is linked with --wrap=calloc, which reroutes the calloc
 * calls of the drivers (a static library linked into it) through here;
 * the core (a shared library by default) keeps the real one. Armed, the
 * next driver allocation fails as it would when memory runs out.
 */
void *__real_calloc(size_t nmemb, size_t size);
static bool fail_next_calloc;

void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_calloc(size_t nmemb, size_t size)
{
	if (__atomic_exchange_n(&fail_next_calloc, false, __ATOMIC_RELAXED)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(nmemb, size);
}

static void fail_next_allocation(void)
{
	__atomic_store_n(&fail_next_calloc, true, __ATOMIC_RELAXED);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	const struct umdev_parent_module *modules[] = {
		&umdev_mtty_module, &umdev_mdpy_module, &umdev_mbochs_module,
	};
	void *mtty, *mdpy, *mbochs, *handle = NULL;

	/* create() fails cleanly and registers nothing. */
	for (size_t i = 0; i < 3; i++) {
		fail_next_allocation();
		assert_int_equal(modules[i]->create("oom", NULL, 0, &handle), -ENOMEM);
		assert_null(handle);
		assert_int_equal(registered_parents(), 0);
	}

	/* probe fails with ENOMEM and gives back what it had reserved. */
	mtty = create_parent(&umdev_mtty_module, "mtty", NULL, 0);
	mdpy = create_parent(&umdev_mdpy_module, "mdpy", NULL, 0);
	mbochs = create_parent(&umdev_mbochs_module, "mbochs", NULL, 0);

	fail_next_allocation();
	assert_int_equal(create_dev(type_of("mtty", "mtty-2"), 1), -ENOMEM);
	assert_int_equal(avail(type_of("mtty", "mtty-1")), 24);
	fail_next_allocation();
	assert_int_equal(create_dev(type_of("mdpy", "mdpy-hd"), 1), -ENOMEM);
	assert_mdpy_avail(4);
	fail_next_allocation();
	assert_int_equal(create_dev(type_of("mbochs", "mbochs-large"), 1), -ENOMEM);
	assert_mbochs_avail("mbochs", 64, 16, 4);
	assert_int_equal(umdev_bus_device_count(), 0);

	/* The same UUID works once memory is back. */
	create_ok(type_of("mbochs", "mbochs-large"), 1);
	assert_mbochs_avail("mbochs", 48, 12, 3);

	umdev_mbochs_module.destroy(mbochs);
	umdev_mdpy_module.destroy(mdpy);
	umdev_mtty_module.destroy(mtty);
}

/* ---- concurrency ---- */

#define RACERS 8
#define TRIES_PER_RACER 6

struct racer {
	struct umdev_type *type;
	unsigned int first_uuid;
	int created, refused, other;
};

static void *race_create(void *arg)
{
	struct racer *r = arg;

	for (unsigned int i = 0; i < TRIES_PER_RACER; i++) {
		ssize_t ret = create_dev(r->type, r->first_uuid + i);

		if (ret == UMDEV_UUID_STRING_LEN + 1)
			r->created++;
		else if (ret == -ENOSPC)
			r->refused++;
		else
			r->other++;
	}
	return NULL;
}

static void test_concurrent_creates_respect_budget(void **state)
{
	(void)state;
	const struct umdev_setting ten[] = { { "ports", "10" } };
	void *mtty = create_parent(&umdev_mtty_module, "mtty", ten, 1);
	struct umdev_type *types[2] = { type_of("mtty", "mtty-1"), type_of("mtty", "mtty-2") };
	struct racer racers[RACERS];
	pthread_t threads[RACERS];
	unsigned int ports_used = 0, created = 0;

	for (unsigned int i = 0; i < RACERS; i++) {
		racers[i] = (struct racer){ .type = types[i % 2], .first_uuid = 1000 + i * 100 };
		assert_int_equal(pthread_create(&threads[i], NULL, race_create, &racers[i]), 0);
	}
	for (unsigned int i = 0; i < RACERS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(racers[i].other, 0);
		assert_int_equal(racers[i].created + racers[i].refused, TRIES_PER_RACER);
		ports_used += (unsigned int)racers[i].created * (i % 2 + 1);
		created += (unsigned int)racers[i].created;
	}
	/*
	 * Each type was refused at least once (24 tries of each for 10 ports),
	 * and free ports only shrink: the budget is spent to the last port
	 * and never beyond it.
	 */
	assert_int_equal(ports_used, 10);
	assert_int_equal(avail(types[0]), 0);
	assert_int_equal(avail(types[1]), 0);
	assert_int_equal(umdev_bus_device_count(), created);

	umdev_mtty_module.destroy(mtty);
	assert_int_equal(umdev_bus_device_count(), 0);
}

#define CHURNERS 4
#define CHURN_ROUNDS 50

struct churner {
	unsigned int id;
	int created, refused, wrong;
};

static bool churn_done;
static struct umdev_type *churn_types[3]; /* looked up before the threads start */

static const char *const mbochs_ids[3] = { "mbochs-small", "mbochs-medium", "mbochs-large" };
static const char *const mbochs_memory[3] = { "4 MB\n", "16 MB\n", "64 MB\n" };

/* Creates, reads and removes displays of every type in turn. */
static void *churn(void *arg)
{
	struct churner *c = arg;

	for (unsigned int i = 0; i < CHURN_ROUNDS; i++) {
		unsigned int kind = (c->id + i) % 3, n = 10000 + c->id * 1000 + i;
		ssize_t ret = create_dev(churn_types[kind], n);
		struct umdev_device *mdev;
		char buf[UMDEV_ATTR_BUF_SIZE + 1];

		if (ret == -ENOSPC) {
			c->refused++;
			continue;
		}
		mdev = ret == UMDEV_UUID_STRING_LEN + 1 ? get_dev(n) : NULL;
		if (!mdev) {
			c->wrong++;
			continue;
		}
		c->created++;
		ret = umdev_device_attr_show(mdev, umdev_device_find_attr(mdev, "vendor", "memory"),
					     buf);
		if (ret <= 0 || (buf[ret] = '\0', strcmp(buf, mbochs_memory[kind])))
			c->wrong++;
		if (umdev_device_remove_store(mdev, "1", 1) != 1)
			c->wrong++;
		umdev_device_put(mdev);
	}
	return NULL;
}

/* Watches available_instances while the churners run: never past the budget. */
static void *watch(void *arg)
{
	int *wrong = arg;

	while (!__atomic_load_n(&churn_done, __ATOMIC_ACQUIRE)) {
		if (avail(churn_types[0]) > 16 || avail(churn_types[1]) > 4 ||
		    avail(churn_types[2]) > 1)
			(*wrong)++;
		sched_yield();
	}
	return NULL;
}

static void test_concurrent_create_remove(void **state)
{
	(void)state;
	const struct umdev_setting sixty_four[] = { { "memory_mb", "64" } };
	void *mbochs = create_parent(&umdev_mbochs_module, "mbochs", sixty_four, 1);
	struct churner churners[CHURNERS];
	pthread_t threads[CHURNERS], watcher;
	int watch_wrong = 0, created = 0;

	for (unsigned int i = 0; i < 3; i++)
		churn_types[i] = type_of("mbochs", mbochs_ids[i]);
	__atomic_store_n(&churn_done, false, __ATOMIC_RELEASE);
	assert_int_equal(pthread_create(&watcher, NULL, watch, &watch_wrong), 0);
	for (unsigned int i = 0; i < CHURNERS; i++) {
		churners[i] = (struct churner){ .id = i };
		assert_int_equal(pthread_create(&threads[i], NULL, churn, &churners[i]), 0);
	}
	for (unsigned int i = 0; i < CHURNERS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(churners[i].wrong, 0);
		assert_int_equal(churners[i].created + churners[i].refused, CHURN_ROUNDS);
		created += churners[i].created;
	}
	__atomic_store_n(&churn_done, true, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(watcher, NULL), 0);
	assert_int_equal(watch_wrong, 0);
	assert_true(created > 0);

	/* Every display removed: the whole budget is back. */
	assert_mbochs_avail("mbochs", 16, 4, 1);
	assert_int_equal(umdev_bus_device_count(), 0);
	umdev_mbochs_module.destroy(mbochs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mtty_types, check_clean_bus),
		cmocka_unit_test_teardown(test_mtty_budget, check_clean_bus),
		cmocka_unit_test_teardown(test_mtty_ports_setting, check_clean_bus),
		cmocka_unit_test_teardown(test_mtty_vendor_attr, check_clean_bus),
		cmocka_unit_test_teardown(test_mdpy_types, check_clean_bus),
		cmocka_unit_test_teardown(test_mdpy_instances, check_clean_bus),
		cmocka_unit_test_teardown(test_mdpy_max_devices_setting, check_clean_bus),
		cmocka_unit_test_teardown(test_mbochs_types, check_clean_bus),
		cmocka_unit_test_teardown(test_mbochs_memory, check_clean_bus),
		cmocka_unit_test_teardown(test_mbochs_memory_setting, check_clean_bus),
		cmocka_unit_test_teardown(test_bad_settings, check_clean_bus),
		cmocka_unit_test_teardown(test_settings_bounds, check_clean_bus),
		cmocka_unit_test_teardown(test_settings_message_stays_on_one_line, check_clean_bus),
		cmocka_unit_test_teardown(test_bad_parent_names, check_clean_bus),
		cmocka_unit_test_teardown(test_duplicate_parent_name, check_clean_bus),
		cmocka_unit_test_teardown(test_destroy_with_live_devices, check_clean_bus),
		cmocka_unit_test_teardown(test_out_of_memory, check_clean_bus),
		cmocka_unit_test_teardown(test_concurrent_creates_respect_budget, check_clean_bus),
		cmocka_unit_test_teardown(test_concurrent_create_remove, check_clean_bus),
	};

	return cmocka_run_group_tests_name("drivers", tests, NULL, NULL);
}
