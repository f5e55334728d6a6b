// SPDX-License-Identifier: MIT
/*
 * Mounting a FUSE filesystem with libfuse's high-level API: the sysfs
 * tree, or the benchmark's do-nothing filesystem, both mounted (and, in
 * serve.c, served) the same way.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_ops.h"
#include "serve.h"

#include <fuse_lowlevel.h>

void umdev_fuse_no_cache(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* The tree changes under the kernel: every lookup and stat must ask. */
	cfg->entry_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->attr_timeout = 0;
	/* Reads call the show, writes reach the store whole and at once. */
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

int umdev_fuse_mount(const char *mountpoint, const struct fuse_operations *ops,
		     const struct umdev_mount_options *opts, struct umdev_mount **out)
{
	char options[128];
	char *argv[] = { "umdevd", "-o", options, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct umdev_mount *mount;

	/*
	 * Other users get the kernel's permission checks (owner and mode, as
	 * on sysfs); open() adds the kernfs rule that binds root too.
	 */
	snprintf(options, sizeof(options), "fsname=umdev,subtype=umdev%s",
		 opts && opts->allow_other ? ",allow_other,default_permissions" : "");
	mount = calloc(1, sizeof(*mount));
	if (!mount)
		return -ENOMEM;
	mount->fuse = fuse_new(&args, ops, sizeof(*ops), NULL);
	fuse_opt_free_args(&args);
	if (!mount->fuse) {
		free(mount);
		return -EINVAL;
	}
	if (fuse_mount(mount->fuse, mountpoint)) {
		fuse_destroy(mount->fuse);
		free(mount);
		return -EIO;
	}
	mount->mounted = true;
	mount->mountpoint = strdup(mountpoint);
	if (!mount->mountpoint) {
		umdev_mount_destroy(mount);
		return -ENOMEM;
	}
	*out = mount;
	return 0;
}

int umdev_sysfs_mount(const char *mountpoint, const struct umdev_mount_options *opts,
		      struct umdev_mount **out)
{
	return umdev_fuse_mount(mountpoint, &sysfs_fuse_ops, opts, out);
}

void umdev_mount_set_unmount(struct umdev_mount *mount, int (*unmount)(void *arg), void *arg)
{
	mount->unmount = unmount;
	mount->unmount_arg = arg;
}

/* As libfuse decides: the FUSE device reports an error once the mount is gone. */
static bool still_mounted(struct umdev_mount *mount)
{
	struct pollfd pfd = { .fd = fuse_session_fd(fuse_get_session(mount->fuse)) };

	return poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLERR);
}

void umdev_mount_destroy(struct umdev_mount *mount)
{
	if (!mount)
		return;
	/* Once it is unmounted, closing the FUSE device (fuse_destroy) ends the connection. */
	if (mount->mounted && mount->unmount && still_mounted(mount) &&
	    !mount->unmount(mount->unmount_arg))
		mount->mounted = false;
	if (mount->mounted)
		fuse_unmount(mount->fuse);
	fuse_destroy(mount->fuse);
	free(mount->mountpoint);
	free(mount);
}
