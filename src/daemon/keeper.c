// SPDX-License-Identifier: MIT
/*
 * The keeper and the capability drop (keeper.h).
 *
 * Two SOCK_SEQPACKET pairs join the daemon and the keeper, one per client
 * thread, so that an unmount at stop never waits behind an mdevctl run
 * (which may itself wait for the tree):
 *   unmount:   daemon sends "U", keeper answers an int (0 or -errno);
 *              end of file (the daemon exited or died) ends the keeper.
 *   autostart: daemon sends a parent name, keeper answers the wait
 *              status of the mdevctl run (or -errno) when it ends.
 * The keeper polls both and a signalfd for SIGCHLD; it keeps the stop
 * signals blocked, as the daemon left them, so a SIGTERM for the whole
 * service cannot take it away before the daemon has unmounted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>
#include <umdev/mdev.h>

#include "autostart.h"
#include "keeper.h"
#include "log.h"

enum { UNMOUNT_FD = 3, AUTOSTART_FD = 4 }; /* in the keeper */

static pid_t keeper_pid = -1;
static int unmount_sock = -1, autostart_sock = -1; /* the daemon's ends */

#define CAP_BIT(cap) (1ULL << (cap))

/*
 * Keeps only the capabilities in @keep (CAP_BIT()s) and sets no_new_privs.
 * The bounding set shrinks too where CAP_SETPCAP allows it; a service
 * manager that left CAP_SETPCAP out has set the bounding set already, and
 * with no_new_privs no exec can gain what the permitted set lost anyway.
 */
static int drop_capabilities(uint64_t keep)
{
	unsigned int which = CAPNG_EFFECTIVE | CAPNG_PERMITTED;
	capng_select_t select = CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;

	if (capng_get_caps_process())
		return -EPERM;
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
		which |= CAPNG_BOUNDING_SET;
		select = CAPNG_SELECT_ALL;
	}
	capng_clear(CAPNG_SELECT_ALL);
	for (unsigned int cap = 0; cap < 64; cap++) {
		if ((keep & CAP_BIT(cap)) && capng_update(CAPNG_ADD, which, cap))
			return -EINVAL;
	}
	if (capng_apply(select))
		return -EPERM;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

/* EINVAL: nothing is mounted there (any more). */
static int unmount_tree(const char *mountpoint)
{
	if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) && errno != EINVAL)
		return -errno;
	return 0;
}

static void answer(int sock, int value)
{
	while (send(sock, &value, sizeof(value), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* A parent name as the core accepts it: a path component. */
static bool valid_parent(const char *name, ssize_t len)
{
	return len > 0 && len <= UMDEV_NAME_MAX && !memchr(name, '/', (size_t)len) &&
	       !memchr(name, '\0', (size_t)len) && strcmp(name, ".") && strcmp(name, "..");
}

static void keeper_main(const struct keeper_setup *setup)
{
	bool daemon_gone = false;
	pid_t child = -1;
	sigset_t chld;
	int sig_fd, ret;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sig_fd = signalfd(-1, &chld, SFD_CLOEXEC);
	ret = sig_fd < 0 ? -errno : drop_capabilities(CAP_BIT(CAP_SYS_ADMIN));
	if (ret) {
		log_error("keeper: cannot start: %s", strerror(-ret));
		_exit(1);
	}
	answer(UNMOUNT_FD, 0); /* ready */
	while (!daemon_gone || child > 0) {
		struct pollfd fds[3] = {
			{ .fd = daemon_gone ? -1 : UNMOUNT_FD, .events = POLLIN },
			{ .fd = daemon_gone || child > 0 ? -1 : AUTOSTART_FD, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
		};
		char buf[UMDEV_NAME_MAX + 2];
		ssize_t n;

		if (poll(fds, 3, -1) < 0)
			continue;
		if (fds[0].revents) {
			n = recv(UNMOUNT_FD, buf, sizeof(buf), 0);
			if (n <= 0) {
				/*
				 * The daemon is gone. Had it died (kill -9), the next umdevd
				 * detaches the dead tree; unmounting it here could race with
				 * that umdevd's fresh mount on the same path.
				 */
				daemon_gone = true;
				if (child > 0)
					kill(child, SIGTERM);
			} else {
				answer(UNMOUNT_FD, unmount_tree(setup->mountpoint));
			}
		}
		if (fds[1].revents) {
			n = recv(AUTOSTART_FD, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			if (n > 0 && valid_parent(buf, n) && setup->mdevctl_dir) {
				ret = autostart_spawn(setup->mountpoint, setup->mdevctl_dir, buf, &child);
				if (ret) {
					child = -1;
					answer(AUTOSTART_FD, -ret);
				}
			} else if (n > 0) {
				answer(AUTOSTART_FD, -EINVAL);
			} else {
				daemon_gone = true; /* both ends close together */
			}
		}
		if (fds[2].revents) {
			struct signalfd_siginfo info;
			int status;

			if (read(sig_fd, &info, sizeof(info)) < 0)
				continue;
			while (child > 0 && waitpid(child, &status, WNOHANG) == child) {
				child = -1;
				answer(AUTOSTART_FD, status);
			}
		}
	}
	_exit(0);
}

/* One request on @sock (none: only the answer) and its answer. */
static int ask(int sock, const void *request, size_t len)
{
	int value;
	ssize_t n;

	if (request && send(sock, request, len, MSG_NOSIGNAL) < 0)
		return -errno;
	while ((n = recv(sock, &value, sizeof(value), 0)) < 0 && errno == EINTR)
		;
	return n == sizeof(value) ? value : -EPIPE;
}

int keeper_start(const struct keeper_setup *setup)
{
	int unmount_pair[2], autostart_pair[2], ret;

	if (geteuid() != 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, unmount_pair))
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, autostart_pair)) {
		ret = -errno;
		close(unmount_pair[0]);
		close(unmount_pair[1]);
		return ret;
	}
	fflush(NULL);
	keeper_pid = fork();
	if (keeper_pid < 0) {
		ret = -errno;
		close(unmount_pair[0]);
		close(unmount_pair[1]);
		close(autostart_pair[0]);
		close(autostart_pair[1]);
		return ret;
	}
	if (keeper_pid == 0) {
		/* Nothing of the daemon's but stdio and the two sockets. */
		/* Above the fixed numbers first, so that neither dup2 hits the other. */
		int u = fcntl(unmount_pair[1], F_DUPFD_CLOEXEC, AUTOSTART_FD + 1);
		int a = fcntl(autostart_pair[1], F_DUPFD_CLOEXEC, AUTOSTART_FD + 1);

		if (u < 0 || a < 0 || dup3(u, UNMOUNT_FD, O_CLOEXEC) < 0 ||
		    dup3(a, AUTOSTART_FD, O_CLOEXEC) < 0)
			_exit(1);
		close_range(AUTOSTART_FD + 1, ~0U, 0);
		prctl(PR_SET_NAME, "umdevd-keeper", 0, 0, 0);
		keeper_main(setup);
	}
	close(unmount_pair[1]);
	close(autostart_pair[1]);
	unmount_sock = unmount_pair[0];
	autostart_sock = autostart_pair[0];
	/* Its first word says it is set up (end of file: it could not be). */
	ret = ask(unmount_sock, NULL, 0);
	if (ret) {
		log_error("the keeper did not start: %s", strerror(-ret));
		keeper_stop();
		return ret;
	}

	ret = drop_capabilities((setup->uevents ? CAP_BIT(CAP_NET_ADMIN) : 0) |
				(setup->chown ? CAP_BIT(CAP_CHOWN) : 0));
	if (ret) {
		log_error("cannot drop privileges: %s", strerror(-ret));
		keeper_stop();
		return ret;
	}
	log_info("dropped privileges: capabilities %s%s%s; the keeper (pid %d) unmounts%s",
		 setup->uevents || setup->chown ? "none but" : "none",
		 setup->uevents ? " CAP_NET_ADMIN (uevents)" : "",
		 setup->chown ? (setup->uevents ? ", CAP_CHOWN (socket owners)"
					       : " CAP_CHOWN (socket owners)") : "", (int)keeper_pid,
		 setup->mdevctl_dir ? " and runs mdevctl's autostart" : "");
	return 0;
}

bool keeper_running(void)
{
	return keeper_pid > 0;
}

int keeper_unmount(void *unused)
{
	(void)unused;
	return keeper_running() ? ask(unmount_sock, "U", 1) : -ENOTCONN;
}

int keeper_start_parent_mdevs(const char *parent)
{
	return keeper_running() ? ask(autostart_sock, parent, strlen(parent)) : -ENOTCONN;
}

void keeper_stop(void)
{
	if (!keeper_running())
		return;
	close(unmount_sock);
	close(autostart_sock);
	unmount_sock = autostart_sock = -1;
	while (waitpid(keeper_pid, NULL, 0) < 0 && errno == EINTR)
		;
	keeper_pid = -1;
}
