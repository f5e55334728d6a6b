// SPDX-License-Identifier: MIT
/*
 * One device's server. The listening socket waits in the acceptor's epoll
 * set; a client gets a thread of its own that blocks in recvmsg() (two
 * system calls a request: the receive and the reply), cuts what it reads
 * into messages with their fds (the transport, src/transport), handles
 * requests in order and answers each one that asked for it.
 * A device callback that blocks holds up its own client only. Stopping
 * shuts the socket down, which wakes the thread wherever it waits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <umdev/bus.h>

#include "server.h"

static int send_reply(struct vfu_conn *conn, const struct vfu_msg *msg,
		      const struct vfu_reply *reply)
{
	struct vfio_user_header hdr = {
		.msg_id = msg->hdr.msg_id,
		.command = msg->hdr.command,
		.msg_size = (uint32_t)(sizeof(hdr) + reply->len),
		.flags = VFIO_USER_F_TYPE_REPLY | (reply->error ? VFIO_USER_F_ERROR : 0),
		.error = reply->error,
	};
	int ret;

	pthread_mutex_lock(&conn->send_lock);
	ret = vfu_conn_send(conn, &hdr, reply->payload, reply->len, reply->fd);
	pthread_mutex_unlock(&conn->send_lock);
	return ret;
}

/* Answers a header the stream cannot follow; the client is dropped. */
static int refuse_header(struct vfu_conn *conn, const struct vfu_msg *msg, uint32_t error)
{
	struct vfu_reply reply = { .error = error, .fd = -1 };

	send_reply(conn, msg, &reply);
	return -EPROTO;
}

/* A complete message; returns a negative errno to drop the client. */
static int process(struct vfu_conn *conn, struct vfu_msg *msg)
{
	struct vfu_reply reply;
	uint32_t type = msg->hdr.flags & VFIO_USER_F_TYPE_MASK;

	if (type == VFIO_USER_F_TYPE_REPLY)
		return vfu_conn_complete_dma(conn, msg);
	vfu_conn_handle(conn, msg, &reply);
	if (msg->hdr.flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return send_reply(conn, msg, &reply);
}

/*
 * Waits for the client, reads what the socket holds and processes every
 * complete message in order. Returns 0 to keep the client, a negative
 * errno to drop it.
 */
static int client_read(struct vfu_conn *conn, struct vfu_stream *in)
{
	struct vfu_msg msg;
	ssize_t n = vfu_stream_fill(in, conn->fd, 0);
	int ret;

	if (n <= 0)
		return n ? (int)n : -ECONNRESET;
	while ((ret = vfu_stream_next(in, &msg)) == 1) {
		ret = process(conn, &msg);
		vfu_close_fds(msg.fds, msg.nr_fds);
		if (ret)
			return ret;
	}
	/* a header that cannot be followed: answer it and give up on the stream */
	return ret ? refuse_header(conn, &msg, ret == -E2BIG ? E2BIG : EINVAL) : 0;
}

/* Under srv->lock: the thread serves the next client, unless stopping. */
static struct vfu_conn *client_connect(struct vfu_server *srv, int fd)
{
	struct umdev_vfio_device *vdev = srv->vdev;
	struct vfu_conn *conn;

	if (srv->stopping || srv->reclaiming) {
		close(fd);
		return NULL;
	}
	conn = vfu_conn_new(vdev, fd);
	if (!conn) {
		vfu_log("%s: out of memory; client refused", srv->name);
		close(fd);
		return NULL;
	}
	srv->conn = conn;
	return conn;
}

static void client_disconnect(struct vfu_server *srv, struct vfu_conn *conn, int why)
{
	struct umdev_vfio_device *vdev = srv->vdev;

	/* wake any driver thread sending or waiting on this client */
	shutdown(conn->fd, SHUT_RDWR);
	pthread_mutex_lock(&srv->lock);
	srv->conn = NULL;
	pthread_mutex_unlock(&srv->lock);
	umdev_vfio_client_detach(vdev);

	vfu_conn_client_gone(conn);
	close(conn->fd);
	if (why == -ECONNRESET || why == -EPIPE || why == 0)
		vfu_log("%s: client disconnected", srv->name);
	else
		vfu_log("%s: client dropped: %s", srv->name, strerror(-why));
	if (vdev->ops && vdev->ops->client)
		vdev->ops->client(vdev, false);
	vfu_conn_free(conn);
}

/*
 * Serves one client until it leaves or the server stops. The thread
 * blocks in its receive; only while the client has given unmask eventfds
 * (KVM's INTx resampler) does it poll them with the socket.
 */
static int client_serve(struct vfu_server *srv, struct vfu_conn *conn, struct vfu_stream *in)
{
	for (;;) {
		struct umdev_vfio_unmask_watch watches[VFU_MAX_UNMASK_WATCHES];
		struct pollfd pfd[1 + VFU_MAX_UNMASK_WATCHES] = {
			{ .fd = conn->fd, .events = POLLIN },
		};
		/* only this thread changes the unmask fds, so they stay valid while polled */
		unsigned int nr_watches = umdev_vfio_unmask_watches(srv->vdev, watches,
								    VFU_MAX_UNMASK_WATCHES);
		int ret;

		if (nr_watches) {
			for (unsigned int i = 0; i < nr_watches; i++)
				pfd[1 + i] = (struct pollfd){ .fd = watches[i].fd, .events = POLLIN };
			if (poll(pfd, 1 + nr_watches, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			for (unsigned int i = 0; i < nr_watches; i++)
				if (pfd[1 + i].revents & POLLIN)
					umdev_vfio_unmask_fired(srv->vdev, &watches[i]);
			if (!pfd[0].revents)
				continue;
		}
		ret = client_read(conn, in);
		if (ret)
			return ret;
	}
}

/* A client thread: serves its client, then any that connected as it left. */
static void *client_main(void *arg)
{
	struct vfu_server *srv = arg;
	struct umdev_vfio_device *vdev = srv->vdev;
	struct vfu_stream in;
	bool have_stream = !vfu_stream_init(&in, VFU_MAX_MSG_SIZE);
	struct vfu_conn *conn;

	pthread_mutex_lock(&srv->lock);
	for (;;) {
		int fd = srv->next_fd;

		srv->next_fd = -1;
		if (fd < 0)
			break;
		if (!srv->stopping && !srv->reclaiming)
			vfu_acceptor_resume(srv);
		if (!have_stream) {
			vfu_log("%s: out of memory; client refused", srv->name);
			close(fd);
			continue;
		}
		conn = client_connect(srv, fd);
		pthread_mutex_unlock(&srv->lock);
		if (conn) {
			int why;

			umdev_vfio_client_attach(vdev, &vfu_conn_dma_ops, conn);
			vfu_log("%s: client connected", srv->name);
			if (vdev->ops && vdev->ops->client)
				vdev->ops->client(vdev, true);
			why = client_serve(srv, conn, &in);
			vfu_stream_reset(&in);
			client_disconnect(srv, conn, why);
		}
		pthread_mutex_lock(&srv->lock);
	}
	/* the acceptor starts a new thread for the next client once it sees this */
	srv->thread_running = false;
	pthread_cond_broadcast(&srv->thread_left);
	pthread_mutex_unlock(&srv->lock);
	if (have_stream)
		vfu_stream_fini(&in);
	return NULL;
}

/* Under srv->lock: whether the connected client has closed its end. */
static bool client_leaving(const struct vfu_conn *conn)
{
	struct pollfd pfd = { .fd = conn ? conn->fd : -1, .events = POLLRDHUP };

	return !conn || (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLRDHUP | POLLHUP)));
}

void vfu_server_accept(struct vfu_server *srv)
{
	int fd, ret;

	pthread_mutex_lock(&srv->lock);
	if (srv->next_fd >= 0 || srv->reclaiming) { /* an event fetched before the pause */
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	if (srv->thread_running) {
		/* one client at a time; but one that just left may not be read to its end yet */
		if (client_leaving(srv->conn)) {
			srv->next_fd = fd;
			vfu_acceptor_pause(srv);
			fd = -1;
		}
		pthread_mutex_unlock(&srv->lock);
		if (fd >= 0) {
			vfu_log("%s: refused a second client", srv->name);
			close(fd);
		}
		return;
	}
	pthread_mutex_unlock(&srv->lock);
	/* the last thread has ended, or is about to */
	if (srv->thread_joinable)
		pthread_join(srv->thread, NULL);
	srv->thread_joinable = false;
	srv->thread_running = true;
	srv->next_fd = fd;
	ret = vfu_start_thread(&srv->thread, client_main, srv);
	if (ret) {
		vfu_log("%s: no thread for a client: %s", srv->name, strerror(-ret));
		srv->thread_running = false;
		srv->next_fd = -1;
		close(fd);
		return;
	}
	srv->thread_joinable = true;
}

/* How often a reclaim asks again and says it still waits: the kernel's vfio. */
#define RECLAIM_ASK_EVERY_S 10
/* How often an interruptible reclaim looks at umdev_interrupted(). */
#define RECLAIM_INTERRUPT_CHECK_MS 100

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Under srv->lock: waits for the client thread to end, or until @until_ms. */
static void wait_thread_left(struct vfu_server *srv, uint64_t until_ms)
{
	struct timespec ts = { .tv_sec = (time_t)(until_ms / 1000),
			       .tv_nsec = (long)(until_ms % 1000) * 1000000 };

	pthread_cond_timedwait(&srv->thread_left, &srv->lock, &ts);
}

/* Rings the device-request IRQ; whether the client had armed it. Takes the model's lock. */
static bool ask_client(struct vfu_server *srv)
{
	return umdev_vfio_irq_trigger(srv->vdev, UMDEV_VFIO_PCI_REQ_IRQ, 0) == 1;
}

/* Under srv->lock: the reclaim is over without a removal; clients are accepted again. */
static void end_reclaim(struct vfu_server *srv)
{
	srv->reclaiming = false;
	if (!srv->stopping)
		vfu_acceptor_resume(srv);
}

int vfu_server_reclaim(struct vfu_server *srv, bool interruptible, unsigned int limit_s)
{
	uint64_t start = monotonic_ms(), next_ask = start;
	uint64_t deadline = limit_s ? start + (uint64_t)limit_s * 1000 : UINT64_MAX;
	unsigned int asks = 0;
	bool cut = false;
	int ret = 0;

	pthread_mutex_lock(&srv->lock);
	srv->reclaiming = true;
	vfu_acceptor_pause(srv); /* later clients wait in the backlog */
	while (srv->thread_running) {
		uint64_t now = monotonic_ms(), until;

		if (!cut && now >= next_ask) {
			bool armed;

			pthread_mutex_unlock(&srv->lock);
			if (!asks)
				umdev_wait_begin(); /* a FUSE worker lets another take its place */
			armed = ask_client(srv);
			if (!asks)
				vfu_log("%s: in use: %s; waiting for its client to release it", srv->name,
					armed ? "sent its client the device request"
					      : "its client armed no device request");
			else
				vfu_log("%s: still waiting for its client after %u s%s", srv->name,
					(unsigned int)((now - start) / 1000),
					armed ? " (device request sent again)" : "");
			pthread_mutex_lock(&srv->lock);
			asks++;
			next_ask += RECLAIM_ASK_EVERY_S * 1000;
			continue; /* it may have left meanwhile */
		}
		if (!cut && now >= deadline) {
			if (srv->conn)
				shutdown(srv->conn->fd, SHUT_RDWR); /* its thread wakes and ends */
			if (srv->next_fd >= 0)
				shutdown(srv->next_fd, SHUT_RDWR);
			vfu_log("%s: cut off its client after %u s (release timeout)", srv->name,
				limit_s);
			cut = true;
			continue;
		}
		if (interruptible && !cut && umdev_interrupted()) {
			end_reclaim(srv);
			vfu_log("%s: interrupted while waiting for its client, which keeps the device",
				srv->name);
			ret = -EINTR;
			break;
		}
		if (cut) { /* the thread ends as soon as its device callback returns */
			pthread_cond_wait(&srv->thread_left, &srv->lock);
			continue;
		}
		until = next_ask < deadline ? next_ask : deadline;
		if (interruptible && now + RECLAIM_INTERRUPT_CHECK_MS < until)
			until = now + RECLAIM_INTERRUPT_CHECK_MS;
		wait_thread_left(srv, until);
	}
	if (!ret && asks && !cut)
		vfu_log("%s: its client let go after %u s", srv->name,
			(unsigned int)((monotonic_ms() - start) / 1000));
	pthread_mutex_unlock(&srv->lock);
	if (asks)
		umdev_wait_end();
	return ret;
}

void vfu_server_cancel_reclaim(struct vfu_server *srv)
{

	pthread_mutex_lock(&srv->lock);
	end_reclaim(srv);
	pthread_mutex_unlock(&srv->lock);
}

static int listen_on(const char *path, const struct umdev_socket_access *access)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	/* a socket left by a daemon that died is stale: nobody serves it */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Nobody can connect before listen(): the access is set by then. */
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ? -errno : 0;
	if (!ret)
		ret = socket_access_apply(path, access);
	if (!ret && listen(fd, 4))
		ret = -errno;
	if (ret) {
		close(fd);
		unlink(path);
		return ret;
	}
	return fd;
}

/*
 * A library thread must never take the process's SIGTERM or SIGHUP, which
 * the daemon waits for in its own thread (a signal's default action there
 * would end the daemon).
 */
int vfu_start_thread(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int vfu_server_start(struct vfu_server *srv)
{
	pthread_condattr_t attr;
	int ret;

	/* before the acceptor may start a client thread, which uses them */
	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->thread_left, &attr);
	pthread_condattr_destroy(&attr);
	srv->next_fd = -1;
	srv->listen_fd = listen_on(srv->path, &srv->access);
	if (srv->listen_fd < 0) {
		pthread_cond_destroy(&srv->thread_left);
		pthread_mutex_destroy(&srv->lock);
		return srv->listen_fd;
	}
	ret = vfu_acceptor_add(srv);
	if (ret) {
		close(srv->listen_fd);
		unlink(srv->path);
		pthread_cond_destroy(&srv->thread_left);
		pthread_mutex_destroy(&srv->lock);
		return ret;
	}
	vfu_log("%s: listening on %s", srv->name, srv->path);
	return 0;
}

void vfu_server_stop(struct vfu_server *srv)
{
	vfu_acceptor_remove(srv); /* no new client thread from here */
	pthread_mutex_lock(&srv->lock);
	srv->stopping = true;
	if (srv->conn)
		shutdown(srv->conn->fd, SHUT_RDWR); /* the thread wakes and ends */
	pthread_mutex_unlock(&srv->lock);
	if (srv->thread_joinable)
		pthread_join(srv->thread, NULL);
	srv->thread_joinable = false;
	if (srv->next_fd >= 0)
		close(srv->next_fd);
	close(srv->listen_fd);
	unlink(srv->path);
	pthread_cond_destroy(&srv->thread_left);
	pthread_mutex_destroy(&srv->lock);
	vfu_log("%s: stopped serving %s", srv->name, srv->path);
}
