/* SPDX-License-Identifier: MIT */
/* Shared setup for the vfio-user tests: a socket directory, the frontend,
 * the test parent, devices by UUID and clients connected to them. */
#ifndef UMDEV_TEST_HARNESS_H
#define UMDEV_TEST_HARNESS_H

#include <limits.h>

#include <umdev/vfio_user_client.h>

#include "test_device.h"

extern char harness_dir[PATH_MAX];	/* the temporary directory */
extern char harness_sockets[PATH_MAX + 16]; /* harness_dir/sockets */
extern struct umdev_type *harness_type;

/* Start the frontend and register the test parent; cmocka group setup. */
int harness_setup(void **state);
int harness_teardown(void **state);

/* Create the device with UUID @n (…0001, …0002), returning it (with a reference). */
struct umdev_device *harness_create(unsigned int n);
/* Remove it and drop the reference. */
void harness_remove(struct umdev_device *mdev);
/* The device's socket path. */
const char *harness_path(struct umdev_device *mdev);
/* Connect (and negotiate) to the device; fails the test on error. */
struct umdev_vu_client *harness_connect(struct umdev_device *mdev);
/* Number of open fds of this process. */
int harness_count_fds(void);
/* Whether @fd becomes readable within a few seconds (a failsafe, not a timing test). */
int harness_readable(int fd);
/* Whether @fd is readable right now. */
int harness_readable_now(int fd);

#endif
