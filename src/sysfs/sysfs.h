/* SPDX-License-Identifier: MIT */
/*
 * The sysfs frontend: the kernel's mdev sysfs tree served over FUSE
 * (docs/sysfs-abi.md). The daemon mounts it, serves it until it is
 * unmounted or a signal arrives, and unmounts it.
 */
#ifndef UMDEV_SYSFS_H
#define UMDEV_SYSFS_H

#include <stdbool.h>

struct fuse_operations;
struct fuse_conn_info;
struct fuse_config;

struct umdev_mount_options {
	bool allow_other; /* let other users (and root, if not the owner) in */
};

struct umdev_mount;

/*
 * Readies @path for a mount and writes its absolute form into @out
 * (PATH_MAX bytes): creates it if missing, detaches a stale FUSE mount a
 * killed daemon left there (ENOTCONN), and refuses a live mount (-EBUSY:
 * another umdevd?). Each refusal is logged; returns 0 or a negative errno.
 */
int umdev_mountpoint_prepare(const char *path, char *out);

/* Mounts the mdev tree on @mountpoint; 0 or a negative errno. */
int umdev_sysfs_mount(const char *mountpoint, const struct umdev_mount_options *opts,
		      struct umdev_mount **out);

/*
 * Mounts any FUSE filesystem @ops the way the tree is mounted (the
 * benchmark's do-nothing filesystem uses it to compare like with like).
 * @ops->init must call umdev_fuse_no_cache().
 */
int umdev_fuse_mount(const char *mountpoint, const struct fuse_operations *ops,
		     const struct umdev_mount_options *opts, struct umdev_mount **out);

/* What the serving thread does with signals (only one mount per process). */
struct umdev_serve_signals {
	/*
	 * Called on SIGHUP in the thread that called umdev_mount_serve(),
	 * while the workers keep serving; NULL makes SIGHUP stop as SIGTERM.
	 */
	void (*reload)(void *arg);
	void *arg;
};

/*
 * Serves requests on several threads until the filesystem is unmounted
 * or, with @signals, SIGINT or SIGTERM (or SIGHUP without a reload)
 * arrives. Every request read before the stop is answered. No signal
 * handler is installed: with @signals, the three are blocked in the
 * calling thread (the workers inherit that) and read from a signalfd.
 * Returns 0 or a negative errno.
 */
int umdev_mount_serve(struct umdev_mount *mount, const struct umdev_serve_signals *signals);

/* Unmounts (if still mounted) and frees. */
void umdev_mount_destroy(struct umdev_mount *mount);

/*
 * Who unmounts in umdev_mount_destroy(): by default the process itself
 * (umount2 as root, libfuse's fusermount3 otherwise). A root process that
 * dropped CAP_SYS_ADMIN gives @unmount, which has it done elsewhere; it is
 * called after the FUSE device is closed. 0 when it is done.
 */
void umdev_mount_set_unmount(struct umdev_mount *mount, int (*unmount)(void *arg), void *arg);

/*
 * The settings that keep the kernel from caching anything of a tree that
 * changes under it: zero entry, negative and attribute timeouts, direct
 * I/O, no writeback cache; O_TRUNC comes with open() instead of a setattr.
 */
void umdev_fuse_no_cache(struct fuse_conn_info *conn, struct fuse_config *cfg);

#endif /* UMDEV_SYSFS_H */
