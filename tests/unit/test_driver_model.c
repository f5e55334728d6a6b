// SPDX-License-Identifier: MIT
/*
 * The driver core around the bus (umdev/driver_model.h): unbinding and
 * what it frees, IOMMU group numbers, the uevent requests a `uevent`
 * write makes, and the errno of each refusal (bus.c, kobject_uevent.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <umdev/driver_model.h>

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0b01"
#define U2 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0b02"
#define U3 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0b03"

struct record {
	enum umdev_event_type types[16];
	char actions[16][16];
	char env[16][UMDEV_UEVENT_ENV_MAX];
	int count;
};

static void record_event(const struct umdev_event *event, void *arg)
{
	struct record *rec = arg;

	if (rec->count >= 16)
		return;
	rec->types[rec->count] = event->type;
	if (event->request) {
		strcpy(rec->actions[rec->count], event->request->action);
		memcpy(rec->env[rec->count], event->request->env, event->request->env_len);
	}
	rec->count++;
}

static struct umdev_device *get(const char *name)
{
	struct umdev_device *mdev = umdev_device_get_by_name(name);

	assert_non_null(mdev);
	return mdev;
}

static void unbind_frees_what_the_driver_holds(void **state)
{
	struct test_parent tp;
	struct record rec = { 0 };
	struct umdev_device *mdev;
	int handle;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 0, 4), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	mdev = get(U1);
	assert_true(umdev_device_has_driver(mdev));
	assert_int_equal(umdev_device_iommu_group(mdev), 0);

	handle = umdev_subscribe(record_event, &rec);
	assert_int_equal(umdev_driver_unbind_store("tdrv", U1 "\n", 37), 37);
	umdev_unsubscribe(handle);
	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.types[0], UMDEV_EVENT_DEVICE_UNBINDING);
	assert_int_equal(rec.types[1], UMDEV_EVENT_DEVICE_UNBOUND);

	/* The driver's remove ran; the device stays, created, with its links. */
	assert_int_equal(tp.removes, 1);
	assert_int_equal(tp.live, 0);
	assert_false(umdev_device_has_driver(mdev));
	assert_true(umdev_device_is_bound(mdev));
	assert_int_equal(umdev_device_iommu_group(mdev), -ENOENT);
	assert_null(umdev_device_find_attr(mdev, "vendor", "setting"));
	assert_int_equal(umdev_bus_device_count(), 1);

	/* Only once; never bound again; removal still works, without a second remove. */
	assert_int_equal(umdev_driver_unbind_store("tdrv", U1, 36), -ENODEV);
	assert_int_equal(umdev_driver_bind_store("tdrv", U1, 36), -ENODEV);
	assert_int_equal(umdev_bus_drivers_probe_store(U1, 36), 36);
	assert_false(umdev_device_has_driver(mdev));
	assert_int_equal(umdev_device_remove(mdev), 0);
	assert_int_equal(tp.removes, 1);
	umdev_device_put(mdev);
	assert_int_equal(umdev_bus_device_count(), 0);
	test_parent_unregister(&tp);
}

static void unbind_refusals(void **state)
{
	struct test_parent tp;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	/* bus_find_device_by_name(): the exact name, one newline. */
	assert_int_equal(umdev_driver_unbind_store("other", U1, 36), -ENODEV);
	assert_int_equal(umdev_driver_unbind_store("tdrv", U2, 36), -ENODEV);
	assert_int_equal(umdev_driver_unbind_store("tdrv", "0B5B0F3C-8C1E-4A43-9D5A-6C0E6F1F0B01",
						   36), -ENODEV);
	assert_int_equal(umdev_driver_unbind_store("tdrv", U1 "\n\n", 38), -ENODEV);
	assert_int_equal(umdev_driver_unbind_store("tdrv", U1, 35), -ENODEV);
	assert_int_equal(umdev_driver_unbind_store("tdrv", "", 0), 0);
	assert_int_equal(umdev_bus_drivers_probe_store(U2, 36), -ENODEV);
	assert_int_equal(tp.removes, 0);
	test_parent_unregister(&tp);
	assert_int_equal(tp.removes, 1);
}

static void iommu_groups_lowest_free(void **state)
{
	struct test_parent tp;
	struct umdev_device *m1, *m2, *m3;
	unsigned int *groups;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U2, 36), 36);
	m1 = get(U1);
	m2 = get(U2);
	assert_int_equal(umdev_device_iommu_group(m1), 0);
	assert_int_equal(umdev_device_iommu_group(m2), 1);
	assert_int_equal(umdev_device_remove(m1), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[1], U3, 36), 36);
	m3 = get(U3);
	assert_int_equal(umdev_device_iommu_group(m3), 0);
	assert_int_equal(umdev_list_iommu_groups(&groups), 2);
	assert_int_equal(groups[0], 0);
	assert_int_equal(groups[1], 1);
	free(groups);
	struct umdev_device *in0 = umdev_iommu_group_get_device(0);
	assert_ptr_equal(in0, m3);
	umdev_device_put(in0);
	assert_null(umdev_iommu_group_get_device(2));
	umdev_device_put(m1);
	umdev_device_put(m2);
	umdev_device_put(m3);
	test_parent_unregister(&tp);
	assert_int_equal(umdev_list_iommu_groups(&groups), 0);
	free(groups);
}

static void uevent_writes_parse_as_the_kernel(void **state)
{
	struct test_parent tp;
	struct record rec = { 0 };
	struct umdev_device *mdev;
	int handle;
	(void)state;

	assert_int_equal(test_parent_register(&tp, "p", "tdrv", 4, 0), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	mdev = get(U1);
	handle = umdev_subscribe(record_event, &rec);
	assert_int_equal(umdev_device_uevent_store(mdev, "change\n", 7), 7);
	const char *args = "add " U2 " K1=v x=";
	assert_int_equal(umdev_parent_uevent_store(&tp.parent, args, strlen(args)),
			 (ssize_t)strlen(args));
	static const char *const bad[] = {
		"", "\n", "chang", "changes", "Add", " add", "add ", "add " U2 "x",
		"add 0b5b0f3c", "add " U2 " k-1=v", "add " U2 " =v", "add " U2 " k",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(umdev_bus_uevent_store(bad[i], strlen(bad[i])), -EINVAL);
	umdev_unsubscribe(handle);

	assert_int_equal(rec.count, 2);
	assert_int_equal(rec.types[0], UMDEV_EVENT_UEVENT_REQUESTED);
	assert_string_equal(rec.actions[0], "change");
	assert_string_equal(rec.env[0], "SYNTH_UUID=0");
	assert_string_equal(rec.actions[1], "add");
	assert_string_equal(rec.env[1], "SYNTH_UUID=" U2);
	const char *next = rec.env[1] + strlen(rec.env[1]) + 1;
	assert_string_equal(next, "SYNTH_ARG_K1=v");
	assert_string_equal(next + strlen(next) + 1, "SYNTH_ARG_x=");
	umdev_device_put(mdev);
	test_parent_unregister(&tp);
}

static void power_attributes(void **state)
{
	struct umdev_power power = { 0 };
	char buf[UMDEV_ATTR_BUF_SIZE];
	(void)state;

	assert_int_equal(umdev_power_show(&power, "runtime_status", buf), 12);
	assert_memory_equal(buf, "unsupported\n", 12);
	assert_int_equal(umdev_power_show(&power, "autosuspend_delay_ms", buf), -EIO);
	assert_int_equal(umdev_power_store(&power, "control", "on\n", 3), 3);
	assert_int_equal(umdev_power_show(&power, "runtime_usage", buf), 2);
	assert_memory_equal(buf, "1\n", 2);
	assert_int_equal(umdev_power_store(&power, "control", "on\n\n", 4), -EINVAL);
	assert_int_equal(umdev_power_store(&power, "async", "enable", 6), -EINVAL);
	assert_int_equal(umdev_power_store(&power, "runtime_usage", "0", 1), -EACCES);
	assert_int_equal(umdev_power_attr_mode("control"), 0644);
	assert_int_equal(umdev_power_attr_mode("runtime_usage"), 0444);
	assert_int_equal(umdev_power_attr_mode("wakeup"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unbind_frees_what_the_driver_holds),
		cmocka_unit_test(unbind_refusals),
		cmocka_unit_test(iommu_groups_lowest_free),
		cmocka_unit_test(uevent_writes_parse_as_the_kernel),
		cmocka_unit_test(power_attributes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
