// SPDX-License-Identifier: MIT
/*
 * The fork happens before any parent is registered, because drivers may
 * start threads and a fork keeps only the calling one.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemonize.h"

static int ready_fd = -1;

int daemonize_start(void)
{
	int fds[2];
	pid_t pid;
	char status = 1;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		return -err;
	}
	if (pid > 0) {
		/* EOF without a byte (the daemon died) counts as failure. */
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(fds[0]);
	ready_fd = fds[1];
	setsid();
	return 0;
}

void daemonize_finish(bool ok)
{
	char status = ok ? 0 : 1;
	int null;

	if (ready_fd < 0)
		return;
	if (ok) {
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		if (chdir("/") < 0) {
			/* nothing depends on the cwd: the mount point is absolute */
		}
	}
	if (write(ready_fd, &status, 1) != 1) {
		/* the waiting process is gone: nobody to tell */
	}
	close(ready_fd);
	ready_fd = -1;
}
