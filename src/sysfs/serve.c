// SPDX-License-Identifier: MIT
/*
 * Serving a mounted filesystem on a pool of SERVE_WORKERS threads, which
 * grows by one for each request waiting long (a remove waiting for its
 * VMM) and shrinks back after, so waiting requests never starve the rest.
 *
 * libfuse's own multi-threaded loop drops a request a worker has read when
 * the session is told to exit at that moment; a dropped RELEASE leaks what
 * the open allocated. This loop processes every request it reads, and a
 * stop goes in order: every request queued before the signal has been
 * read (a round trip through the mount proves it), then the workers leave
 * after their current request.
 *
 * No signal handler is installed: the FUSE device is non-blocking and each
 * worker waits for it together with an eventfd that says "stop", and the
 * serving thread takes its signals from a signalfd, polled together with
 * an eventfd a worker writes when the mount goes away.
 *
 * Each worker waits in an epoll set of its own, with the FUSE device
 * added EPOLLEXCLUSIVE: a request wakes one idle worker, not all of them
 * (poll() woke every worker for every request, and all but one went back
 * to sleep: a storm of context switches on each lookup of a listing).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <umdev/bus.h>

#include "fuse_ops.h"
#include "serve.h"

#include <fuse_lowlevel.h>

static void post(int efd)
{
	uint64_t one = 1;

	while (write(efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

/* The mount a worker thread serves; NULL in any other thread. */
static __thread struct umdev_mount *served_mount;

static void *worker(void *arg);

/*
 * Under workers_lock: joins a worker that has left. A worker is joined,
 * not detached, so that its thread-local data (libfuse's context) is freed
 * before the mount goes.
 */
static void join_worker(struct serve_worker *w)
{
	pthread_join(w->thread, NULL); /* it has returned, or is returning */
	w->state = WORKER_FREE;
}

/* A worker's epoll set: the FUSE device, exclusively, and the stop eventfd. */
static int worker_waits(struct umdev_mount *mount)
{
	struct epoll_event request = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	struct epoll_event stop = { .events = EPOLLIN, .data.fd = mount->stop_fd };
	int waits = epoll_create1(EPOLL_CLOEXEC), ret;

	if (waits < 0)
		return -errno;
	request.data.fd = fuse_session_fd(fuse_get_session(mount->fuse));
	if (epoll_ctl(waits, EPOLL_CTL_ADD, request.data.fd, &request) ||
	    epoll_ctl(waits, EPOLL_CTL_ADD, mount->stop_fd, &stop)) {
		ret = -errno;
		close(waits);
		return ret;
	}
	return waits;
}

/* Under workers_lock. Returns 0 or a negative errno. */
static int start_worker(struct umdev_mount *mount)
{
	struct serve_worker *w = NULL;
	int ret;

	for (unsigned int i = 0; i < SERVE_MAX_WORKERS && !w; i++)
		if (mount->workers[i].state != WORKER_RUNNING)
			w = &mount->workers[i];
	if (!w)
		return -EAGAIN;
	if (w->state == WORKER_EXITED)
		join_worker(w);
	w->mount = mount;
	w->waits = worker_waits(mount);
	if (w->waits < 0)
		return w->waits;
	ret = -pthread_create(&w->thread, NULL, worker, w);
	if (ret) {
		close(w->waits);
		return ret;
	}
	w->state = WORKER_RUNNING;
	mount->nr_workers++;
	return 0;
}

/*
 * umdev_interrupted() for the core: the caller of the request this worker
 * handles got a signal (the kernel sent FUSE_INTERRUPT), or the daemon
 * stops serving. libfuse's high-level API has the flag but no wakeup, so
 * a wait that should end on it looks at it now and then.
 */
static bool request_interrupted(void)
{
	return served_mount && (__atomic_load_n(&served_mount->stopping, __ATOMIC_ACQUIRE) ||
				fuse_interrupted());
}

/*
 * A request is about to wait long (a remove for its VMM): while it does,
 * SERVE_WORKERS others stay ready, or waiting requests could take every
 * worker and nothing would read even the FUSE_INTERRUPT that ends them.
 */
static void request_wait_begin(void)
{
	struct umdev_mount *mount = served_mount;

	if (!mount)
		return;
	pthread_mutex_lock(&mount->workers_lock);
	mount->nr_waiting++;
	if (mount->nr_workers - mount->nr_waiting < SERVE_WORKERS &&
	    mount->nr_workers < SERVE_MAX_WORKERS &&
	    !__atomic_load_n(&mount->stopping, __ATOMIC_ACQUIRE))
		start_worker(mount); /* on failure the others still serve */
	pthread_mutex_unlock(&mount->workers_lock);
}

static void request_wait_end(void)
{
	struct umdev_mount *mount = served_mount;

	if (!mount)
		return;
	pthread_mutex_lock(&mount->workers_lock);
	mount->nr_waiting--;
	pthread_mutex_unlock(&mount->workers_lock);
}

static const struct umdev_request_ops request_ops = {
	.interrupted = request_interrupted,
	.wait_begin = request_wait_begin,
	.wait_end = request_wait_end,
};

/* After a request: whether this worker is one too many now that no request waits. */
static bool worker_spare(struct umdev_mount *mount)
{
	bool spare;

	pthread_mutex_lock(&mount->workers_lock);
	spare = mount->nr_workers - mount->nr_waiting > SERVE_WORKERS;
	if (spare)
		mount->nr_workers--;
	pthread_mutex_unlock(&mount->workers_lock);
	return spare;
}

static void *worker(void *arg)
{
	struct serve_worker *self = arg;
	struct umdev_mount *mount = self->mount;
	struct fuse_session *se = fuse_get_session(mount->fuse);
	struct fuse_buf buf = { 0 };
	bool counted = true;

	served_mount = mount;
	while (!__atomic_load_n(&mount->stopping, __ATOMIC_ACQUIRE)) {
		struct epoll_event ready[2];
		int n = epoll_wait(self->waits, ready, 2, -1), res;
		bool stopped = false;

		for (int i = 0; i < n; i++)
			stopped = stopped || ready[i].data.fd == mount->stop_fd;
		if (n <= 0 || stopped)
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
		if (worker_spare(mount)) {
			counted = false;
			break;
		}
	}
	free(buf.mem);
	close(self->waits); /* a worker that left holds nothing until it is joined */
	pthread_mutex_lock(&mount->workers_lock);
	if (counted)
		mount->nr_workers--;
	self->state = WORKER_EXITED;
	pthread_cond_broadcast(&mount->worker_left);
	pthread_mutex_unlock(&mount->workers_lock);
	return NULL;
}

/*
 * Waits until no worker runs, and joins them all; none starts once
 * stopping is set or the mount is gone.
 */
static void wait_workers(struct umdev_mount *mount)
{
	pthread_mutex_lock(&mount->workers_lock);
	while (mount->nr_workers)
		pthread_cond_wait(&mount->worker_left, &mount->workers_lock);
	for (unsigned int i = 0; i < SERVE_MAX_WORKERS; i++)
		if (mount->workers[i].state == WORKER_EXITED)
			join_worker(&mount->workers[i]);
	pthread_mutex_unlock(&mount->workers_lock);
}

/* Lets every worker finish its current request and leave. */
static void stop_workers(struct umdev_mount *mount)
{
	__atomic_store_n(&mount->stopping, true, __ATOMIC_RELEASE);
	post(mount->stop_fd); /* never read back: it stays readable for every worker */
	wait_workers(mount);
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
	pthread_mutex_init(&mount->workers_lock, NULL);
	pthread_cond_init(&mount->worker_left, NULL);
	mount->nr_workers = mount->nr_waiting = 0;
	for (unsigned int i = 0; i < SERVE_MAX_WORKERS; i++)
		mount->workers[i].state = WORKER_FREE;
	umdev_set_request_ops(&request_ops);

	pthread_mutex_lock(&mount->workers_lock);
	while (!ret && mount->nr_workers < SERVE_WORKERS)
		ret = start_worker(mount);
	pthread_mutex_unlock(&mount->workers_lock);

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
		stop_workers(mount);
	} else if (!ret) {
		/* Without signals the workers leave when the mount goes away. */
		wait_workers(mount);
	} else {
		stop_workers(mount);
	}
	pthread_cond_destroy(&mount->worker_left);
	pthread_mutex_destroy(&mount->workers_lock);

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
