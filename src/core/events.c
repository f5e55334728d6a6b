// SPDX-License-Identifier: MIT
/*
 * Events: the user-space stand-in for the kernel's uevents and sysfs
 * notifications. Subscribers (the frontends, the daemon's event log) run
 * synchronously in the thread that made the change, so when a create
 * returns every subscriber has seen the device.
 *
 * No lock is held while a subscriber runs: each one counts its running
 * calls instead, so a subscriber may subscribe, unsubscribe (itself too)
 * and call the core's lookups. umdev_unsubscribe() returns once no call
 * of it runs in another thread; its own call, if it unsubscribes itself,
 * finishes and the entry is freed after it.
 */
#include <errno.h>
#include <stdlib.h>

#include "private.h"

struct subscriber {
	struct list_head node; /* subscribers, in subscription order */
	int handle;
	umdev_event_fn fn;
	void *arg;
	unsigned int running; /* calls in progress */
	bool gone;	      /* unsubscribed: no new call starts */
	bool free_after_call; /* unsubscribed from its own call */
};

static pthread_mutex_t event_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t event_idle = PTHREAD_COND_INITIALIZER; /* a call finished */
static struct list_head subscribers = { &subscribers, &subscribers };
static int last_handle;

/* The subscriber this thread is running, to tell a self-unsubscribe. */
static __thread struct subscriber *running_here;

int umdev_subscribe(umdev_event_fn fn, void *arg)
{
	struct subscriber *sub = calloc(1, sizeof(*sub));
	int handle;

	if (!sub)
		return -ENOMEM;
	sub->fn = fn;
	sub->arg = arg;
	core_lock(&event_lock, LOCK_EVENT);
	handle = sub->handle = ++last_handle;
	list_add_tail(&sub->node, &subscribers);
	core_unlock(&event_lock, LOCK_EVENT);
	return handle;
}

void umdev_unsubscribe(int handle)
{
	struct subscriber *sub = NULL;
	struct list_head *pos;

	core_lock(&event_lock, LOCK_EVENT);
	list_for_each(pos, &subscribers) {
		struct subscriber *s = list_entry(pos, struct subscriber, node);

		if (s->handle == handle && !s->gone) {
			sub = s;
			break;
		}
	}
	if (sub) {
		unsigned int own = running_here == sub ? 1 : 0;

		sub->gone = true;
		while (sub->running > own)
			pthread_cond_wait(&event_idle, &event_lock);
		if (sub->running) {
			sub->free_after_call = true;
		} else {
			list_del_init(&sub->node);
			free(sub);
		}
	}
	core_unlock(&event_lock, LOCK_EVENT);
}

static void notify(const struct umdev_event *event);

void event_emit(enum umdev_event_type type, struct umdev_parent *parent,
		struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	struct umdev_event event = {
		.type = type,
		.parent = parent,
		.mdev_type = mdev ? mdev->type : NULL,
		.mdev = mdev,
		.attr = attr,
	};

	notify(&event);
}

void event_emit_uevent(struct umdev_parent *parent, struct umdev_device *mdev,
		       const struct umdev_uevent_request *request)
{
	struct umdev_event event = {
		.type = UMDEV_EVENT_UEVENT_REQUESTED,
		.parent = parent,
		.mdev_type = mdev ? mdev->type : NULL,
		.mdev = mdev,
		.request = request,
	};

	notify(&event);
}

static void notify(const struct umdev_event *event)
{
	struct list_head *pos, *next;

	lockdep_assert_callback_allowed("an event subscriber");
	core_lock(&event_lock, LOCK_EVENT);
	for (pos = subscribers.next; pos != &subscribers; pos = next) {
		struct subscriber *sub = list_entry(pos, struct subscriber, node);

		if (!sub->gone) {
			struct subscriber *outer = running_here;

			/* Counted as running, the entry stays linked while unlocked. */
			sub->running++;
			core_unlock(&event_lock, LOCK_EVENT);
			running_here = sub;
			sub->fn(event, sub->arg);
			running_here = outer;
			core_lock(&event_lock, LOCK_EVENT);
			sub->running--;
			pthread_cond_broadcast(&event_idle);
		}
		next = pos->next;
		if (sub->free_after_call && !sub->running) {
			list_del_init(&sub->node);
			free(sub);
		}
	}
	core_unlock(&event_lock, LOCK_EVENT);
}

const char *umdev_event_name(enum umdev_event_type type)
{
	switch (type) {
	case UMDEV_EVENT_PARENT_REGISTERED:
		return "parent-registered";
	case UMDEV_EVENT_PARENT_UNREGISTERED:
		return "parent-unregistered";
	case UMDEV_EVENT_DEVICE_ADDED:
		return "device-added";
	case UMDEV_EVENT_DEVICE_BOUND:
		return "device-bound";
	case UMDEV_EVENT_DEVICE_UNBINDING:
		return "device-unbinding";
	case UMDEV_EVENT_DEVICE_UNBOUND:
		return "device-unbound";
	case UMDEV_EVENT_DEVICE_REMOVED:
		return "device-removed";
	case UMDEV_EVENT_UEVENT_REQUESTED:
		return "uevent-requested";
	case UMDEV_EVENT_DEVICE_CHANGED:
		return "device-changed";
	}
	return "unknown";
}
