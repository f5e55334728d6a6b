// SPDX-License-Identifier: MIT
/*
 * Mounting and serving a FUSE filesystem with libfuse's high-level API:
 * the sysfs tree, or the benchmark's do-nothing filesystem, both mounted
 * and served the same way.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_ops.h"

#include <fuse_lowlevel.h>

/* Enough for every release a test or a tool can have queued; a bound, so a
 * client that keeps sending cannot hold the shutdown up. */
#define DRAIN_MAX_REQUESTS 4096

struct umdev_mount {
	struct fuse *fuse;
	bool mounted;
};

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

	snprintf(options, sizeof(options), "fsname=umdev,subtype=umdev%s",
		 opts && opts->allow_other ? ",allow_other" : "");
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
	*out = mount;
	return 0;
}

int umdev_sysfs_mount(const char *mountpoint, const struct umdev_mount_options *opts,
		      struct umdev_mount **out)
{
	return umdev_fuse_mount(mountpoint, &sysfs_fuse_ops, opts, out);
}

/*
 * After a signal ended the loop: answer the requests the kernel had already
 * queued, above all the RELEASE and RELEASEDIR a close() sends without
 * waiting, so that what they free is freed before the mount goes away.
 */
static void drain_queued_requests(struct fuse_session *se)
{
	struct pollfd pfd = { .fd = fuse_session_fd(se), .events = POLLIN };
	struct fuse_buf buf = { 0 };

	for (int i = 0; i < DRAIN_MAX_REQUESTS; i++) {
		if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
			break;
		if (fuse_session_receive_buf(se, &buf) <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
}

int umdev_mount_serve(struct umdev_mount *mount, bool handle_signals)
{
	struct fuse_session *se = fuse_get_session(mount->fuse);
	int ret;

	if (handle_signals && fuse_set_signal_handlers(se))
		return -EIO;
	ret = fuse_loop_mt(mount->fuse, 0);
	if (handle_signals)
		fuse_remove_signal_handlers(se);
	if (ret > 0)
		drain_queued_requests(se);
	/* A signal ends the loop with its number; that is a clean stop. */
	return ret < 0 ? ret : 0;
}

void umdev_mount_destroy(struct umdev_mount *mount)
{
	if (!mount)
		return;
	if (mount->mounted)
		fuse_unmount(mount->fuse);
	fuse_destroy(mount->fuse);
	free(mount);
}
