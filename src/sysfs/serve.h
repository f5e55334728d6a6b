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

	/* serve.c */
	bool stopping;		/* atomic: workers leave after their current request */
	bool notify_main;	/* a worker that sees the unmount wakes main_thread */
	pthread_t main_thread;
	pthread_t workers[SERVE_WORKERS];
};

#endif /* UMDEV_SYSFS_SERVE_H */
