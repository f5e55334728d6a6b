/* SPDX-License-Identifier: MIT */
/*
 * umdev: the driver core around the mdev bus, as the kernel's drivers/base
 * gives it: binding and unbinding devices (bus/mdev/drivers), IOMMU groups,
 * runtime-PM attributes and synthetic uevents (the `uevent` files).
 *
 * Everything returns what the kernel's store or show returns: a count, or
 * a negative errno.
 */
#ifndef UMDEV_DRIVER_MODEL_H
#define UMDEV_DRIVER_MODEL_H

#include <umdev/bus.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Drivers (bus/mdev/drivers/<name>) ---- */

/*
 * The names of the drivers of registered parents, each once, in the order
 * their first parent registered. Returns the count and a malloc'd array in
 * *out, or -ENOMEM.
 */
ssize_t umdev_list_drivers(umdev_name_t **out);

/*
 * A registered parent whose driver is called @driver, with a reference, or
 * NULL: a driver exists as long as one of its parents does.
 */
struct umdev_parent *umdev_driver_get_parent(const char *driver);

/* True while a driver is bound to the device (its `driver` link exists). */
bool umdev_device_has_driver(struct umdev_device *mdev);

/* Devices bound to driver @driver (the <uuid> links of drivers/<name>). */
ssize_t umdev_driver_list_devices(const char *driver, umdev_uuid_t **out);

/*
 * A write to drivers/<driver>/unbind: the device named by @buf (its name,
 * one newline allowed) loses its driver: the driver's remove runs (what it
 * holds is freed), the device keeps its UUID, directory, `mdev_type` link
 * and core-counted instance, and is no longer served. Returns @count;
 * -ENODEV if no device of that name is bound to @driver (or it is being
 * created or removed).
 */
ssize_t umdev_driver_unbind_store(const char *driver, const char *buf, size_t count);

/*
 * A write to drivers/<driver>/bind: -ENODEV for every device, as Linux
 * 6.1's mdev bus matches no driver (mdev_driver.c: mdev_match() returns 0;
 * bus.c: bind_store() answers ENODEV when the match fails).
 */
ssize_t umdev_driver_bind_store(const char *driver, const char *buf, size_t count);

/*
 * A write to bus/mdev/drivers_probe: @count for a device on the bus (an
 * unbound one stays unbound: nothing matches), -ENODEV for any other name.
 */
ssize_t umdev_bus_drivers_probe_store(const char *buf, size_t count);

/*
 * bus/mdev/drivers_autoprobe: reads "1\n" or "0\n"; a write starting with
 * '0' clears it, any other sets it (bus.c). Nothing on the mdev bus
 * matches a driver, so it changes no binding.
 */
ssize_t umdev_bus_autoprobe_show(char *buf);
ssize_t umdev_bus_autoprobe_store(const char *buf, size_t count);

/* ---- IOMMU groups (kernel/iommu_groups/<n>) ---- */

/*
 * A device bound to its driver has an IOMMU group of its own, as VFIO's
 * emulated-IOMMU devices have: the lowest free number, freed at unbind.
 * Returns it, or -ENOENT while the device has no driver.
 */
int umdev_device_iommu_group(struct umdev_device *mdev);
/* The device in group @group, with a reference, or NULL. */
struct umdev_device *umdev_iommu_group_get_device(unsigned int group);
/* The groups that exist, ascending; the count and a malloc'd array, or -ENOMEM. */
ssize_t umdev_list_iommu_groups(unsigned int **out);

/* ---- Runtime power management (the power/ directory) ---- */

/* Each device and parent has a struct umdev_power (umdev/mdev.h). */
struct umdev_power *umdev_device_power(struct umdev_device *mdev);
struct umdev_power *umdev_parent_power(struct umdev_parent *parent);

/* The show and store of each power/ attribute, with the kernel's text and errno. */
ssize_t umdev_power_show(struct umdev_power *power, const char *attr, char *buf);
ssize_t umdev_power_store(struct umdev_power *power, const char *attr, const char *buf,
			  size_t count);
/* The file mode of a power/ attribute (0644 or 0444), or 0 if there is none. */
mode_t umdev_power_attr_mode(const char *attr);
/* The attribute names, NULL-terminated. */
const char *const *umdev_power_attr_names(void);

/* ---- Synthetic uevents (writes to `uevent` files) ---- */

#define UMDEV_UEVENT_ENV_MAX 512

/*
 * What a write to a `uevent` file asks for (the kernel's
 * kobject_synth_uevent()): an action, SYNTH_UUID (given or "0") and any
 * SYNTH_ARG_<key>=<value>, as NUL-separated KEY=VALUE strings.
 */
struct umdev_uevent_request {
	const char *action;		  /* "add", "remove", "change", ... */
	const char *driver;		  /* drivers/<driver>/uevent; else NULL */
	bool bus;			  /* bus/mdev/uevent */
	char env[UMDEV_UEVENT_ENV_MAX];	  /* "SYNTH_UUID=...\0SYNTH_ARG_A=b\0" */
	size_t env_len;
};

/*
 * Writes to the `uevent` files of a device, of a parent, of the bus and
 * of a driver: @count once UMDEV_EVENT_UEVENT_REQUESTED went to every
 * subscriber (the uevent sender sends it), -EINVAL for an unknown action
 * or malformed arguments (nothing is sent), -ENODEV once the object is gone.
 */
ssize_t umdev_device_uevent_store(struct umdev_device *mdev, const char *buf, size_t count);
ssize_t umdev_parent_uevent_store(struct umdev_parent *parent, const char *buf, size_t count);
ssize_t umdev_bus_uevent_store(const char *buf, size_t count);
ssize_t umdev_driver_uevent_store(const char *driver, const char *buf, size_t count);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_DRIVER_MODEL_H */
