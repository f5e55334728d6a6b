// SPDX-License-Identifier: MIT
/*
 * A subscriber that logs every core event. It runs in the thread making
 * the change, so it only formats a line; it subscribes only at debug level
 * to keep creates and removes free of it otherwise.
 */
#include <umdev/bus.h>

#include "event_log.h"
#include "log.h"

static int handle;

static void log_event(const struct umdev_event *event, void *arg)
{
	(void)arg;
	if (event->mdev)
		log_debug("%s: %s (parent %s, type %s)", umdev_event_name(event->type),
			  umdev_device_name(event->mdev), event->parent->name,
			  umdev_type_id(event->mdev_type));
	else if (event->parent)
		log_debug("%s: parent %s", umdev_event_name(event->type), event->parent->name);
	else /* a uevent asked of the bus or of a driver */
		log_debug("%s: bus", umdev_event_name(event->type));
}

int event_log_start(void)
{
	if (log_get_level() < UMDEV_LOG_DEBUG)
		return 0;
	handle = umdev_subscribe(log_event, NULL);
	return handle < 0 ? handle : 0;
}

void event_log_stop(void)
{
	if (handle > 0)
		umdev_unsubscribe(handle);
	handle = 0;
}
