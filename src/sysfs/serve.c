// SPDX-License-Identifier: MIT
/*
 * Serving a mounted filesystem on a fixed pool of threads.
 *
 * libfuse's own multi-threaded loop drops a request a worker has read when
 * the session is told to exit at that moment; a dropped RELEASE leaks what
 * the open allocated. This loop processes every request it reads, and a
 * stop goes in order: every request queued before the signal has been
 * read (a round trip through the mount proves it), then the workers leave
 * after their current request, woken from read() by SIGUSR1 if need be.
 */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuse_ops.h"
#include "serve.h"

#include <fuse_lowlevel.h>

#define WAKE_SIGNAL SIGUSR1	/* interrupts a worker's read() */
#define UNMOUNTED_SIGNAL SIGUSR2 /* a worker tells the main thread the mount is gone */

static void *worker(void *arg)
{
	struct umdev_mount *mount = arg;
	struct fuse_session *se = fuse_get_session(mount->fuse);
	struct fuse_buf buf = { 0 };

	while (!__atomic_load_n(&mount->stopping, __ATOMIC_ACQUIRE)) {
		int res = fuse_session_receive_buf(se, &buf);

		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0) {
			/* 0: unmounted; otherwise the device failed. Either way: done. */
			if (mount->notify_main)
				pthread_kill(mount->main_thread, UNMOUNTED_SIGNAL);
			break;
		}
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	return NULL;
}

static void nothing(int sig)
{
	(void)sig;
}

/* Handlers that only interrupt: no SA_RESTART, so read() returns EINTR. */
static void install_wake_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = nothing;
	sigemptyset(&sa.sa_mask);
	sigaction(WAKE_SIGNAL, &sa, NULL);
	sigaction(UNMOUNTED_SIGNAL, &sa, NULL);
}

/* Lets every worker finish its current request and leave. */
static void stop_workers(struct umdev_mount *mount, unsigned int count)
{
	const struct timespec pause = { 0, 1000000 };

	__atomic_store_n(&mount->stopping, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < count; i++) {
		/* A signal may land just before read() blocks: send until it leaves. */
		while (pthread_tryjoin_np(mount->workers[i], NULL) == EBUSY) {
			pthread_kill(mount->workers[i], WAKE_SIGNAL);
			nanosleep(&pause, NULL);
		}
	}
}

/* Waits for a signal that stops serving, running reloads meanwhile. */
static int wait_for_stop(const sigset_t *stop_signals, const struct umdev_serve_signals *signals)
{
	int sig;

	for (;;) {
		if (sigwait(stop_signals, &sig))
			continue;
		if (sig == SIGHUP && signals->reload)
			signals->reload(signals->arg);
		else
			return sig;
	}
}

int umdev_mount_serve(struct umdev_mount *mount, const struct umdev_serve_signals *signals)
{
	bool handle_signals = signals != NULL;
	sigset_t stop_signals, old_mask;
	unsigned int started = 0;
	int ret = 0;

	install_wake_handlers();
	sigemptyset(&stop_signals);
	if (handle_signals) {
		sigaddset(&stop_signals, SIGINT);
		sigaddset(&stop_signals, SIGTERM);
		sigaddset(&stop_signals, SIGHUP);
		sigaddset(&stop_signals, UNMOUNTED_SIGNAL);
	}
	/* The workers inherit the mask: only this thread takes stop signals. */
	pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
	mount->main_thread = pthread_self();
	mount->notify_main = handle_signals;
	__atomic_store_n(&mount->stopping, false, __ATOMIC_RELEASE);

	for (; started < SERVE_WORKERS; started++) {
		ret = -pthread_create(&mount->workers[started], NULL, worker, mount);
		if (ret)
			break;
	}

	if (!ret && handle_signals) {
		if (wait_for_stop(&stop_signals, signals) != UNMOUNTED_SIGNAL) {
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

	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return ret;
}
