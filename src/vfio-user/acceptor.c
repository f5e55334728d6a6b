// SPDX-License-Identifier: MIT
/*
 * The acceptor: one thread, one epoll set, every device's listening
 * socket. An idle device costs a descriptor and an epoll entry, no thread;
 * a connection is handed to its device's server (server.c), which serves
 * it in a thread of its own.
 *
 * An epoll event names its server by slot and generation, not by pointer:
 * epoll_wait() may return an event for a server that is removed before the
 * event is handled, and the generation tells the two apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "server.h"

#define STOP_EVENT UINT64_MAX
#define EVENTS_PER_WAIT 64

struct slot {
	struct vfu_server *srv; /* NULL when free */
	uint32_t generation;
};

/* Everything under acceptor_lock, which a handled event holds too. */
static pthread_mutex_t acceptor_lock = PTHREAD_MUTEX_INITIALIZER;
static int epoll_fd = -1, stop_fd = -1;
static pthread_t thread;
static struct slot *slots;
static uint32_t nr_slots, used_slots;
static uint32_t first_free; /* no free slot below it */

static uint64_t event_key(uint32_t slot, uint32_t generation)
{
	return (uint64_t)generation << 32 | slot;
}

static void *acceptor_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct epoll_event events[EVENTS_PER_WAIT];
		int n = epoll_wait(epoll_fd, events, EVENTS_PER_WAIT, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vfu_log("acceptor: epoll_wait: %s; no more clients accepted",
				strerror(errno));
			return NULL;
		}
		pthread_mutex_lock(&acceptor_lock);
		for (int i = 0; i < n; i++) {
			uint64_t key = events[i].data.u64;
			uint32_t index = (uint32_t)key;

			if (key == STOP_EVENT) {
				pthread_mutex_unlock(&acceptor_lock);
				return NULL;
			}
			if (index < nr_slots && slots[index].srv &&
			    slots[index].generation == (uint32_t)(key >> 32))
				vfu_server_accept(slots[index].srv);
		}
		pthread_mutex_unlock(&acceptor_lock);
	}
}

/*
 * Under acceptor_lock. The thread starts with the first device served, not
 * with the frontend: umdevd starts the frontend before it drops its
 * privileges, which a thread started then would keep.
 */
static int acceptor_start(void)
{
	struct epoll_event stop = { .events = EPOLLIN, .data.u64 = STOP_EVENT };
	int ret;

	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	stop_fd = eventfd(0, EFD_CLOEXEC);
	if (epoll_fd < 0 || stop_fd < 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd, &stop)) {
		ret = -errno;
		goto err;
	}
	ret = vfu_start_thread(&thread, acceptor_main, NULL);
	if (ret)
		goto err;
	return 0;

err:
	if (stop_fd >= 0)
		close(stop_fd);
	if (epoll_fd >= 0)
		close(epoll_fd);
	stop_fd = epoll_fd = -1;
	return ret;
}

/* Every server was removed first; the next one served starts it again. */
void vfu_acceptor_stop(void)
{
	uint64_t one = 1;

	if (epoll_fd < 0)
		return;
	if (write(stop_fd, &one, sizeof(one)) != sizeof(one))
		vfu_log("acceptor: cannot stop: %s", strerror(errno));
	pthread_join(thread, NULL);
	close(stop_fd);
	close(epoll_fd);
	stop_fd = epoll_fd = -1;
	free(slots);
	slots = NULL;
	nr_slots = used_slots = first_free = 0;
}

int vfu_acceptor_add(struct vfu_server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	uint32_t index;
	int ret = 0;

	pthread_mutex_lock(&acceptor_lock);
	if (epoll_fd < 0) {
		ret = acceptor_start();
		if (ret)
			goto out;
	}
	if (used_slots == nr_slots) {
		uint32_t more = nr_slots ? nr_slots * 2 : 64;
		struct slot *grown = realloc(slots, more * sizeof(*slots));

		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		memset(grown + nr_slots, 0, (more - nr_slots) * sizeof(*slots));
		slots = grown;
		nr_slots = more;
	}
	for (index = first_free; slots[index].srv; index++)
		;
	ev.data.u64 = event_key(index, slots[index].generation);
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, srv->listen_fd, &ev)) {
		ret = -errno;
		goto out;
	}
	slots[index].srv = srv;
	srv->slot = index;
	srv->key = ev.data.u64;
	used_slots++;
	first_free = index + 1;
out:
	pthread_mutex_unlock(&acceptor_lock);
	return ret;
}

void vfu_acceptor_remove(struct vfu_server *srv)
{
	pthread_mutex_lock(&acceptor_lock);
	epoll_ctl(epoll_fd, EPOLL_CTL_DEL, srv->listen_fd, NULL);
	slots[srv->slot].srv = NULL;
	slots[srv->slot].generation++; /* an event already fetched is now stale */
	used_slots--;
	if (srv->slot < first_free)
		first_free = srv->slot;
	pthread_mutex_unlock(&acceptor_lock);
}

/*
 * While a client waits for its turn (server.c's next_fd), the next ones
 * wait in the socket's backlog rather than being refused: the waiting one
 * may be leaving too.
 */
void vfu_acceptor_pause(struct vfu_server *srv)
{
	struct epoll_event ev = { .events = 0, .data.u64 = srv->key };

	epoll_ctl(epoll_fd, EPOLL_CTL_MOD, srv->listen_fd, &ev);
}

/* Fails harmlessly (ENOENT) once the server was removed. */
void vfu_acceptor_resume(struct vfu_server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = srv->key };

	epoll_ctl(epoll_fd, EPOLL_CTL_MOD, srv->listen_fd, &ev);
}
