/* SPDX-License-Identifier: MIT */
/*
 * The node kinds of the driver core around the mdev bus (model_nodes.c):
 * bus/mdev/drivers, the bus's control files, kernel/iommu_groups, and the
 * driver-core entries of device and parent directories.
 */
#ifndef UMDEV_SYSFS_MODEL_NODES_H
#define UMDEV_SYSFS_MODEL_NODES_H

#include "tree.h"

/* A device's or parent's power/ directory. */
extern const struct sysfs_kind sysfs_dir_power;

/* In a device directory. */
extern const struct sysfs_kind sysfs_file_device_uevent;
extern const struct sysfs_kind sysfs_link_device_driver;
extern const struct sysfs_kind sysfs_link_device_subsystem;
extern const struct sysfs_kind sysfs_link_device_iommu_group;
bool sysfs_device_has_driver(const struct sysfs_node *dir);
bool sysfs_device_has_iommu_group(const struct sysfs_node *dir);

/* In a parent directory. */
extern const struct sysfs_kind sysfs_file_parent_uevent;
extern const struct sysfs_kind sysfs_link_parent_subsystem;

/* In bus/mdev. */
extern const struct sysfs_kind sysfs_dir_bus_drivers;
extern const struct sysfs_kind sysfs_file_drivers_autoprobe;
extern const struct sysfs_kind sysfs_file_drivers_probe;
extern const struct sysfs_kind sysfs_file_bus_uevent;

/* kernel/ with iommu_groups/. */
extern const struct sysfs_kind sysfs_dir_kernel;

#endif /* UMDEV_SYSFS_MODEL_NODES_H */
