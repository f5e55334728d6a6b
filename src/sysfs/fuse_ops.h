/* SPDX-License-Identifier: MIT */
/* Private to the sysfs frontend: the FUSE operations and how they are served. */
#ifndef UMDEV_SYSFS_FUSE_OPS_H
#define UMDEV_SYSFS_FUSE_OPS_H

#define FUSE_USE_VERSION 31
#include <fuse.h>

#include "sysfs.h"

extern const struct fuse_operations sysfs_fuse_ops;

#endif /* UMDEV_SYSFS_FUSE_OPS_H */
