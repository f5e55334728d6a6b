// SPDX-License-Identifier: MIT
/*
 * Mounting a FUSE filesystem with libfuse's high-level API: the sysfs
 * tree, or the benchmark's do-nothing filesystem, both mounted (and, in
 * serve.c, served) the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * As root, the tree is mounted here, as libfuse would mount it, and libfuse
 * gets the device as "/dev/fd/N". libfuse then never unmounts by itself,
 * so the stop can close the device first, which ends the connection and
 * every request still waiting in it, and unmount after: here, or through
 * a process that kept the privilege (umdev_mount_set_unmount()).
 */
static int mount_as_root(const char *mountpoint, bool allow_other, int *out)
{
	struct stat st;
	char data[160];
	int fd;

	if (stat(mountpoint, &st))
		return -errno;
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(data, sizeof(data), "fd=%d,rootmode=%o,user_id=0,group_id=0%s", fd,
		 st.st_mode & S_IFMT, allow_other ? ",allow_other,default_permissions" : "");
	if (mount("umdev", mountpoint, "fuse.umdev", MS_NOSUID | MS_NODEV, data)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

int umdev_fuse_mount(const char *mountpoint, const struct fuse_operations *ops,
		     const struct umdev_mount_options *opts, struct umdev_mount **out)
{
	bool allow_other = opts && opts->allow_other;
	char options[128], device[32];
	char *argv[] = { "umdevd", "-o", options, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	struct umdev_mount *mount;
	int fd = -1, ret;

	/*
	 * Other users get the kernel's permission checks (owner and mode, as
	 * on sysfs); open() adds the kernfs rule that binds root too.
	 */
	snprintf(options, sizeof(options), "fsname=umdev,subtype=umdev%s",
		 allow_other ? ",allow_other,default_permissions" : "");
	mount = calloc(1, sizeof(*mount));
	if (!mount)
		return -ENOMEM;
	mount->mountpoint = strdup(mountpoint);
	mount->fuse = fuse_new(&args, ops, sizeof(*ops), NULL);
	fuse_opt_free_args(&args);
	if (!mount->fuse || !mount->mountpoint) {
		ret = mount->fuse ? -ENOMEM : -EINVAL;
		goto fail;
	}
	if (geteuid() == 0) {
		ret = mount_as_root(mountpoint, allow_other, &fd);
		if (ret)
			goto fail;
		mount->own_mount = true;
		snprintf(device, sizeof(device), "/dev/fd/%d", fd);
	}
	if (fuse_mount(mount->fuse, fd >= 0 ? device : mountpoint)) {
		ret = -EIO;
		if (fd >= 0) {
			umount2(mountpoint, MNT_DETACH);
			close(fd);
		}
		goto fail;
	}
	mount->mounted = true;
	*out = mount;
	return 0;
fail:
	if (mount->fuse)
		fuse_destroy(mount->fuse);
	free(mount->mountpoint);
	free(mount);
	return ret;
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
	if (mount->own_mount) {
		/* Gone already (unmounted by a user): then nothing of ours is on the path. */
		bool unmount = mount->mounted && still_mounted(mount);

		fuse_destroy(mount->fuse); /* closes the device: the connection ends */
		if (unmount && mount->unmount)
			mount->unmount(mount->unmount_arg);
		else if (unmount)
			umount2(mount->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW);
	} else {
		if (mount->mounted)
			fuse_unmount(mount->fuse);
		fuse_destroy(mount->fuse);
	}
	free(mount->mountpoint);
	free(mount);
}
