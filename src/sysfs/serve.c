// SPDX-License-Identifier: MIT
/*
 * Serving a mounted filesystem on a fixed pool of threads.
 *
 * libfuse's own multi-threaded loop drops a request a worker has read when
 * the session is told to exit at that moment; a dropped RELEASE leaks what
 * the open allocated. This loop processes every request it reads, and a
 * stop goes in order: every request queued before the signal has been
 * read (a round trip through the mount proves it), then the workers leave
 * after their current request.
 *
 * No signal handler is installed: the FUSE device is non-blocking and each
 * worker polls it together with an eventfd that says "stop", and the
 * serving thread takes its signals from a signalfd, polled together with
 * an eventfd a worker writes when the mount goes away.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse_ops.h"
#include "serve.h"

#include <fuse_lowlevel.h>

static void post(int efd)
{
	uint64_t one = 1;

	while (write(efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void *worker(void *arg)
{
	struct umdev_mount *mount = arg;
	struct fuse_session *se = fuse_get_session(mount->fuse);
	struct fuse_buf buf = { 0 };
	struct pollfd fds[2] = {
		{ .fd = fuse_session_fd(se), .events = POLLIN },
		{ .fd = mount->stop_fd, .events = POLLIN },
	};

	while (!__atomic_load_n(&mount->stopping, __ATOMIC_ACQUIRE)) {
		int res;

		if (poll(fds, 2, -1) < 0 || fds[1].revents)
			continue; /* EINTR, or told to stop: the loop condition decides */
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EINTR || res == -EAGAIN)
			continue; /* another worker took the request */
		if (res <= 0) {
			/* 0: unmounted; otherwise the device failed. Either way: done. */
			post(mount->unmounted_fd);
			break;
		}
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	return NULL;
}

/* Lets every worker finish its current request and leave. */
static void stop_workers(struct umdev_mount *mount, unsigned int count)
{
	__atomic_store_n(&mount->stopping, true, __ATOMIC_RELEASE);
	post(mount->stop_fd); /* never read back: it stays readable for every worker */
	for (unsigned int i = 0; i < count; i++)
		pthread_join(mount->workers[i], NULL);
}

/*
 * Waits for a signal that stops serving, running reloads meanwhile.
 * Returns the signal, or 0 when the mount went away.
 */
static int wait_for_stop(int sig_fd, int unmounted_fd, const struct umdev_serve_signals *signals)
{
	struct pollfd fds[2] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = unmounted_fd, .events = POLLIN },
	};

	for (;;) {
		struct signalfd_siginfo info;

		if (poll(fds, 2, -1) < 0)
			continue;
		if (fds[1].revents)
			return 0;
		if (read(sig_fd, &info, sizeof(info)) != sizeof(info))
			continue;
		if (info.ssi_signo == SIGHUP && signals->reload)
			signals->reload(signals->arg);
		else
			return (int)info.ssi_signo;
	}
}

int umdev_mount_serve(struct umdev_mount *mount, const struct umdev_serve_signals *signals)
{
	struct fuse_session *se = fuse_get_session(mount->fuse);
	int fuse_fd = fuse_session_fd(se), sig_fd = -1, ret = 0;
	sigset_t stop_signals, old_mask;
	unsigned int started = 0;

	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	mount->stop_fd = eventfd(0, EFD_CLOEXEC);
	mount->unmounted_fd = eventfd(0, EFD_CLOEXEC);
	if (mount->stop_fd < 0 || mount->unmounted_fd < 0 ||
	    fcntl(fuse_fd, F_SETFL, fcntl(fuse_fd, F_GETFL) | O_NONBLOCK) < 0) {
		ret = -errno;
		goto out_close;
	}
	/* The workers inherit the mask: only this thread takes stop signals. */
	if (signals) {
		pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
		sig_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
		if (sig_fd < 0) {
			ret = -errno;
			goto out_mask;
		}
	}
	__atomic_store_n(&mount->stopping, false, __ATOMIC_RELEASE);

	for (; started < SERVE_WORKERS; started++) {
		ret = -pthread_create(&mount->workers[started], NULL, worker, mount);
		if (ret)
			break;
	}

	if (!ret && signals) {
		if (wait_for_stop(sig_fd, mount->unmounted_fd, signals)) {
			struct stat st;

			/*
			 * Requests are read in the order they were queued: once this
			 * stat is answered, everything asked before the signal (the
			 * RELEASE of every close() included) has been read, and a
			 * worker processes whatever it has read.
			 */
			stat(mount->mountpoint, &st);
		}
		stop_workers(mount, started);
	} else if (!ret) {
		/* Without signals the workers leave when the mount goes away. */
		for (unsigned int i = 0; i < started; i++)
			pthread_join(mount->workers[i], NULL);
	} else {
		stop_workers(mount, started);
	}

	close(sig_fd);
out_mask:
	if (signals)
		pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
out_close:
	if (mount->stop_fd >= 0)
		close(mount->stop_fd);
	if (mount->unmounted_fd >= 0)
		close(mount->unmounted_fd);
	mount->stop_fd = mount->unmounted_fd = -1;
	return ret;
}
