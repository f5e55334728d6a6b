/* SPDX-License-Identifier: MIT */
/*
 * mdevctl's autostart, as the kernel gives it: mdevctl's udev rule runs
 * `mdevctl start-parent-mdevs <parent>` on each parent's
 * change/MDEV_STATE=registered uevent. No udev rule runs for umdev's
 * uevents, so umdevd runs it itself, through umdevd-exec, for every parent
 * that registers (at start and on SIGHUP), once the tree is served.
 */
#ifndef UMDEVD_AUTOSTART_H
#define UMDEVD_AUTOSTART_H

#include <sys/types.h>

/*
 * Starts listening for parent registrations; @mdevctl_dir is the
 * directory mdevctl keeps its definitions in (its /etc/mdevctl.d).
 * 0 or a negative errno.
 */
int autostart_start(const char *mdevctl_dir);
/* The tree is served at @mountpoint: run what is queued, and from now on at once. */
void autostart_ready(const char *mountpoint);
/* Stops listening; waits for a running mdevctl. */
void autostart_stop(void);

/*
 * Spawns umdevd-exec -m @mnt -e @dir -- mdevctl start-parent-mdevs @parent
 * with default signals; 0 or a positive errno (logged).
 */
int autostart_spawn(const char *mnt, const char *dir, const char *parent, pid_t *pid);

#endif /* UMDEVD_AUTOSTART_H */
