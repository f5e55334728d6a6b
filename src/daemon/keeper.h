/* SPDX-License-Identifier: MIT */
/*
 * Least privilege for a root umdevd. Once the tree is mounted, and before
 * any thread starts, umdevd forks the keeper and then drops every
 * capability (and the bounding set) but CAP_NET_ADMIN while it sends
 * uevents, with no_new_privs set: the process that reads FUSE requests,
 * vfio-user messages and VNC viewers holds nothing else.
 *
 * The keeper is a small process that keeps CAP_SYS_ADMIN alone and does
 * two fixed things for the daemon, asked over socket pairs:
 *   - unmount the tree at stop;
 *   - run `umdevd-exec ... mdevctl start-parent-mdevs PARENT` (autostart),
 *     whose mount namespace needs CAP_SYS_ADMIN.
 * It reads nothing else and takes no path or command from the daemon.
 */
#ifndef UMDEVD_KEEPER_H
#define UMDEVD_KEEPER_H

#include <stdbool.h>

struct keeper_setup {
	const char *mountpoint;	 /* the mounted tree */
	const char *mdevctl_dir; /* NULL: no autostart */
	bool uevents;		 /* keep CAP_NET_ADMIN for them */
	bool chown;		 /* keep CAP_CHOWN: a vfio-user socket has another owner */
};

/*
 * Forks the keeper and drops the daemon's privileges. Must run before any
 * thread starts (capabilities are per thread). Does nothing unless the
 * process runs as root. 0 or a negative errno (then nothing is dropped).
 */
int keeper_start(const struct keeper_setup *setup);

/* Whether a keeper runs (umdevd dropped its privileges). */
bool keeper_running(void);

/* Has the keeper unmount the tree; 0 or a negative errno. */
int keeper_unmount(void *unused);

/*
 * Has the keeper run mdevctl start-parent-mdevs @parent (autostart);
 * returns the wait status, or a negative errno.
 */
int keeper_start_parent_mdevs(const char *parent);

/* Lets the keeper go (it stops a running mdevctl) and waits for it. */
void keeper_stop(void);

#endif /* UMDEVD_KEEPER_H */
