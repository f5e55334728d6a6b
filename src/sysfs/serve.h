/* SPDX-License-Identifier: MIT */
/* Private to the sysfs frontend: a mounted filesystem and its workers. */
#ifndef UMDEV_SYSFS_SERVE_H
#define UMDEV_SYSFS_SERVE_H

#include <pthread.h>
#include <stdbool.h>

/*
 * Workers ready for requests; while requests wait long, more are started
 * (up to SERVE_MAX_WORKERS in all), and they leave again after.
 */
#define SERVE_WORKERS 8
#define SERVE_MAX_WORKERS 64

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
	pthread_mutex_t workers_lock; /* the workers' states and the counts below */
	pthread_cond_t worker_left;
	struct serve_worker {
		struct umdev_mount *mount;
		pthread_t thread;
		int waits; /* its epoll set (serve.c), while RUNNING */
		enum { WORKER_FREE, WORKER_RUNNING, WORKER_EXITED } state; /* EXITED: to join */
	} workers[SERVE_MAX_WORKERS];
	unsigned int nr_workers;      /* running */
	unsigned int nr_waiting;      /* of them, in a long wait (umdev_wait_begin()) */
};

#endif /* UMDEV_SYSFS_SERVE_H */
