/* SPDX-License-Identifier: MIT */
/* Private to the sysfs frontend: a mounted filesystem and its workers. */
#ifndef UMDEV_SYSFS_SERVE_H
#define UMDEV_SYSFS_SERVE_H

#include <pthread.h>
#include <stdbool.h>

#define SERVE_WORKERS 8

struct umdev_mount {
	struct fuse *fuse;
	char *mountpoint;
	bool mounted;
	bool own_mount;		   /* mounted by mount.c as root, not by libfuse */
	int (*unmount)(void *arg); /* NULL: umount2 (own mount) or libfuse */
	void *unmount_arg;

	/* serve.c */
	bool stopping;		/* atomic: workers leave after their current request */
	int stop_fd;		/* eventfd: readable once the workers must leave */
	int unmounted_fd;	/* eventfd: a worker saw the mount go away */
	pthread_t workers[SERVE_WORKERS];
};

#endif /* UMDEV_SYSFS_SERVE_H */
