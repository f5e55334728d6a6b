// SPDX-License-Identifier: MIT
/*
 * Events: the user-space stand-in for the kernel's uevents and sysfs
 * notifications. Subscribers (the frontends, the daemon's journal) run
 * synchronously in the thread that made the change, so when a create
 * returns every subscriber has seen the device.
 */
#include <errno.h>
#include <stdlib.h>

#include "private.h"

struct subscriber {
	int handle;
	umdev_event_fn fn;
	void *arg;
};

static pthread_rwlock_t event_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct subscriber *subscribers;
static size_t nr_subscribers, capacity;
static int last_handle;

int umdev_subscribe(umdev_event_fn fn, void *arg)
{
	int handle;

	pthread_rwlock_wrlock(&event_lock);
	if (snapshot_reserve((void **)&subscribers, sizeof(*subscribers), &capacity,
			     nr_subscribers + 1)) {
		pthread_rwlock_unlock(&event_lock);
		return -ENOMEM;
	}
	handle = ++last_handle;
	subscribers[nr_subscribers++] = (struct subscriber){ handle, fn, arg };
	pthread_rwlock_unlock(&event_lock);
	return handle;
}

void umdev_unsubscribe(int handle)
{
	pthread_rwlock_wrlock(&event_lock);
	for (size_t i = 0; i < nr_subscribers; i++) {
		if (subscribers[i].handle == handle) {
			for (; i + 1 < nr_subscribers; i++)
				subscribers[i] = subscribers[i + 1];
			nr_subscribers--;
			break;
		}
	}
	if (!nr_subscribers) {
		free(subscribers);
		subscribers = NULL;
		capacity = 0;
	}
	pthread_rwlock_unlock(&event_lock);
}

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

	pthread_rwlock_rdlock(&event_lock);
	for (size_t i = 0; i < nr_subscribers; i++)
		subscribers[i].fn(&event, subscribers[i].arg);
	pthread_rwlock_unlock(&event_lock);
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
	case UMDEV_EVENT_DEVICE_REMOVED:
		return "device-removed";
	case UMDEV_EVENT_DEVICE_CHANGED:
		return "device-changed";
	}
	return "unknown";
}
