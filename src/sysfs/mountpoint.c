// SPDX-License-Identifier: MIT
/*
 * The mount point before a mount: created if missing, a stale mount of a
 * killed daemon detached, a live one refused (see umdev_mountpoint_prepare()
 * in sysfs.h).
 */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <umdev/log.h>

#include "sysfs.h"

/*
 * A daemon killed with its mount in place leaves a FUSE mount nobody
 * serves ("Transport endpoint is not connected"): detach it, so that a
 * restart needs no manual umount.
 */
static void detach_stale_mount(const char *path)
{
	struct stat st;

	if (!stat(path, &st) || errno != ENOTCONN)
		return;
	umdev_log(UMDEV_LOG_WARNING, "%s: a stale mount of a previous umdevd; detaching it", path);
	if (!umount2(path, MNT_DETACH))
		return;
	/* Not root: fusermount3 may detach a FUSE mount of ours. */
	char *argv[] = { "fusermount3", "-u", "-z", (char *)path, NULL };
	extern char **environ;
	pid_t pid;
	int status;
	if (!posix_spawnp(&pid, "fusermount3", NULL, NULL, argv, environ))
		waitpid(pid, &status, 0);
}

/* Whether @path (absolute, resolved) is a mount point, from mountinfo. */
static bool is_mount_point(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], where[PATH_MAX];
	bool found = false;

	if (!f)
		return false;
	/* Field 5 is the mount point (octal escapes for spaces are rare here). */
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %*s %4095s", where) == 1 && !strcmp(where, path);
	fclose(f);
	return found;
}

int umdev_mountpoint_prepare(const char *path, char *out)
{
	detach_stale_mount(path);
	if (mkdir(path, 0755) && errno != EEXIST) {
		int err = errno;

		umdev_log(UMDEV_LOG_ERROR, "mount point %s: %s", path, strerror(err));
		return -err;
	}
	if (!realpath(path, out)) {
		int err = errno;

		umdev_log(UMDEV_LOG_ERROR, "mount point %s: %s", path, strerror(err));
		return -err;
	}
	/* A live mount there (another umdevd?) is not stacked over. */
	if (is_mount_point(out)) {
		umdev_log(UMDEV_LOG_ERROR, "mount point %s: something is mounted there already "
			  "(another umdevd?); unmount it first", out);
		return -EBUSY;
	}
	return 0;
}
