// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "log.h"
#include "ready.h"

/* The ready file appears whole or not at all: written aside, then renamed. */
static int write_ready_file(const char *path)
{
	char *tmp = NULL;
	int fd, ret = 0;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
	} else {
		if (dprintf(fd, "%d\n", (int)getpid()) < 0)
			ret = -EIO;
		if (close(fd) && !ret)
			ret = -errno;
		if (!ret && rename(tmp, path))
			ret = -errno;
		if (ret)
			unlink(tmp);
	}
	free(tmp);
	return ret;
}

int ready_announce(const char *mountpoint, const char *ready_file)
{
	int ret;

	if (ready_file) {
		ret = write_ready_file(ready_file);
		if (ret) {
			log_error("ready file %s: %s", ready_file, strerror(-ret));
			return ret;
		}
	}
	/* Without NOTIFY_SOCKET (not started by systemd) this does nothing. */
	ret = sd_notifyf(0, "READY=1\nSTATUS=serving the mdev tree on %s\nMAINPID=%d",
			 mountpoint, (int)getpid());
	if (ret < 0)
		log_warning("cannot notify systemd: %s", strerror(-ret));
	log_info("ready: serving the mdev tree on %s", mountpoint);
	return 0;
}

void ready_withdraw(const char *ready_file)
{
	sd_notify(0, "STOPPING=1");
	if (ready_file)
		unlink(ready_file);
}
