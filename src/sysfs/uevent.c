// SPDX-License-Identifier: MIT
/*
 * The uevent sender (uevent.h). The kernel's uevents go to netlink group 1,
 * where only systemd-udevd listens; it processes each one and sends it on
 * to group 2 ("udev") with a libudev header, and that is what libudev
 * monitors (udevadm monitor --udev, libvirt's node-device driver) read.
 * umdev's devices are not the kernel's, so the sender speaks to group 2
 * directly, as udevd would after processing: a 40-byte header ("libudev",
 * magic, offsets, filter hashes in network byte order) and the properties
 * as NUL-separated KEY=VALUE strings. Receivers accept it only from uid 0
 * (they check SCM_CREDENTIALS) and multicast sends need CAP_NET_ADMIN, so
 * the sender works in a root umdevd.
 *
 * Actions and keys are the kernel's, in its order (lib/kobject_uevent.c:
 * ACTION, DEVPATH, SUBSYSTEM, the caller's extra keys, the bus's and
 * driver core's keys, SEQNUM):
 *   parent registered     add, change MDEV_STATE=registered
 *   parent unregistered   change MDEV_STATE=unregistered, remove
 *   device added          add
 *   device bound          bind (DRIVER=)
 *   device unbound        unbind
 *   device removed        remove
 *   a `uevent` write      its action, SYNTH_UUID=, SYNTH_ARG_*=
 * SEQNUM counts umdev's own events from 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include <umdev/driver_model.h>
#include <umdev/log.h>

#include "tree.h"
#include "uevent.h"

#define UDEV_GROUP 2		  /* libudev's MONITOR_GROUP_UDEV */
#define UDEV_MAGIC 0xfeedcafeU	  /* libudev's UDEV_MONITOR_MAGIC */
#define UEVENT_BUFFER_SIZE 2048	  /* the kernel's limit for one uevent */

/* The header libudev expects in front of the properties (all network order). */
struct udev_header {
	char prefix[8]; /* "libudev" */
	uint32_t magic;
	uint32_t header_size;
	uint32_t properties_off;
	uint32_t properties_len;
	uint32_t subsystem_hash; /* for receivers' socket filters */
	uint32_t devtype_hash;
	uint32_t tag_bloom_hi;
	uint32_t tag_bloom_lo;
};

static pthread_mutex_t send_lock = PTHREAD_MUTEX_INITIALIZER; /* SEQNUM order = send order */
static int sock = -1;
static uint64_t seqnum;
static int subscription;

/*
 * MurmurHash2 (32 bits, seed 0) of a string, the hash libudev's socket
 * filters compare a subsystem against.
 */
static uint32_t murmur2(const char *key)
{
	const uint32_t m = 0x5bd1e995;
	size_t len = strlen(key);
	const unsigned char *data = (const unsigned char *)key;
	uint32_t h = (uint32_t)len;

	for (; len >= 4; data += 4, len -= 4) {
		uint32_t k = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
			     (uint32_t)data[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (len) {
	case 3:
		h ^= (uint32_t)data[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)data[1] << 8;
		/* fall through */
	case 1:
		h ^= data[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

/* The properties of one uevent being built. */
struct uevent {
	char buf[UEVENT_BUFFER_SIZE];
	size_t len;
	bool overflow;
	const char *subsystem;
};

static void add_key(struct uevent *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_key(struct uevent *ev, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ev->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ev->buf + ev->len, sizeof(ev->buf) - ev->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 > sizeof(ev->buf) - ev->len) {
		ev->overflow = true;
		return;
	}
	ev->len += (size_t)n + 1; /* and its NUL */
}

static void begin(struct uevent *ev, const char *action, const char *subsystem)
{
	ev->len = 0;
	ev->overflow = false;
	ev->subsystem = subsystem;
	add_key(ev, "ACTION=%s", action);
}

static void add_env(struct uevent *ev, const struct umdev_uevent_request *req)
{
	for (size_t off = 0; req && off < req->env_len; off += strlen(req->env + off) + 1)
		add_key(ev, "%s", req->env + off);
}

/* Adds SEQNUM and sends, under send_lock so numbers go out in order. */
static void send_uevent(struct uevent *ev)
{
	struct udev_header hdr = { .prefix = "libudev" };
	struct sockaddr_nl dest = { .nl_family = AF_NETLINK, .nl_groups = UDEV_GROUP };
	struct iovec iov[2];
	struct msghdr msg = {
		.msg_name = &dest,
		.msg_namelen = sizeof(dest),
		.msg_iov = iov,
		.msg_iovlen = 2,
	};

	pthread_mutex_lock(&send_lock);
	add_key(ev, "SEQNUM=%llu", (unsigned long long)++seqnum);
	if (ev->overflow) {
		pthread_mutex_unlock(&send_lock);
		umdev_log(UMDEV_LOG_WARNING, "uevent: longer than %d bytes, not sent",
			  UEVENT_BUFFER_SIZE);
		return;
	}
	hdr.magic = htonl(UDEV_MAGIC);
	hdr.header_size = sizeof(hdr);
	hdr.properties_off = sizeof(hdr);
	hdr.properties_len = (uint32_t)ev->len;
	hdr.subsystem_hash = htonl(murmur2(ev->subsystem));
	iov[0] = (struct iovec){ &hdr, sizeof(hdr) };
	iov[1] = (struct iovec){ ev->buf, ev->len };
	/* No listener is no error: the kernel drops the message. */
	if (sock >= 0 && sendmsg(sock, &msg, 0) < 0 && errno != ECONNREFUSED && errno != ESRCH) {
		umdev_log(UMDEV_LOG_WARNING, "uevent: cannot send, sending no more: %s%s",
			  strerror(errno), errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		close(sock);
		sock = -1;
	}
	pthread_mutex_unlock(&send_lock);
}

static void parent_uevent(struct umdev_parent *parent, const char *action, const char *state,
			  const struct umdev_uevent_request *req)
{
	struct uevent ev;

	begin(&ev, action, parent->driver->name);
	add_key(&ev, "DEVPATH=/" SYSFS_PARENT_FMT, SYSFS_PARENT_ARGS(parent));
	add_key(&ev, "SUBSYSTEM=%s", parent->driver->name);
	if (state)
		add_key(&ev, "MDEV_STATE=%s", state);
	add_env(&ev, req);
	send_uevent(&ev);
}

static void device_uevent(struct umdev_device *mdev, const char *action, bool driver,
			  const struct umdev_uevent_request *req)
{
	struct umdev_parent *parent = umdev_device_parent(mdev);
	struct uevent ev;

	begin(&ev, action, "mdev");
	add_key(&ev, "DEVPATH=/" SYSFS_PARENT_FMT "/%s", SYSFS_PARENT_ARGS(parent),
		umdev_device_name(mdev));
	add_key(&ev, "SUBSYSTEM=mdev");
	add_env(&ev, req);
	if (driver)
		add_key(&ev, "DRIVER=%s", parent->driver->name);
	send_uevent(&ev);
}

/* A `uevent` write to bus/mdev or bus/mdev/drivers/<driver>. */
static void bus_uevent(const struct umdev_uevent_request *req)
{
	struct uevent ev;

	if (req->driver) {
		begin(&ev, req->action, "drivers");
		add_key(&ev, "DEVPATH=/bus/mdev/drivers/%s", req->driver);
		add_key(&ev, "SUBSYSTEM=drivers");
	} else {
		begin(&ev, req->action, "bus");
		add_key(&ev, "DEVPATH=/bus/mdev");
		add_key(&ev, "SUBSYSTEM=bus");
	}
	add_env(&ev, req);
	send_uevent(&ev);
}

static void on_event(const struct umdev_event *event, void *arg)
{
	(void)arg;
	switch (event->type) {
	case UMDEV_EVENT_PARENT_REGISTERED:
		parent_uevent(event->parent, "add", NULL, NULL);
		parent_uevent(event->parent, "change", "registered", NULL);
		break;
	case UMDEV_EVENT_PARENT_UNREGISTERED:
		parent_uevent(event->parent, "change", "unregistered", NULL);
		parent_uevent(event->parent, "remove", NULL, NULL);
		break;
	case UMDEV_EVENT_DEVICE_ADDED:
		device_uevent(event->mdev, "add", false, NULL);
		break;
	case UMDEV_EVENT_DEVICE_BOUND:
		device_uevent(event->mdev, "bind", true, NULL);
		break;
	case UMDEV_EVENT_DEVICE_UNBOUND:
		device_uevent(event->mdev, "unbind", false, NULL);
		break;
	case UMDEV_EVENT_DEVICE_REMOVED:
		device_uevent(event->mdev, "remove", false, NULL);
		break;
	case UMDEV_EVENT_UEVENT_REQUESTED:
		if (event->mdev)
			device_uevent(event->mdev, event->request->action,
				      umdev_device_has_driver(event->mdev), event->request);
		else if (event->parent)
			parent_uevent(event->parent, event->request->action, NULL, event->request);
		else
			bus_uevent(event->request);
		break;
	case UMDEV_EVENT_DEVICE_UNBINDING:
	case UMDEV_EVENT_DEVICE_CHANGED:
		break; /* no uevent in the kernel either */
	}
}

int umdev_uevent_start(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	int fd, handle;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	/* Port id chosen by the kernel; receivers see it as the sender's. */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;
		close(fd);
		return err;
	}
	sock = fd;
	handle = umdev_subscribe(on_event, NULL);
	if (handle < 0) {
		close(fd);
		sock = -1;
		return handle;
	}
	subscription = handle;
	return 0;
}

void umdev_uevent_stop(void)
{
	if (subscription > 0)
		umdev_unsubscribe(subscription);
	subscription = 0;
	if (sock >= 0)
		close(sock);
	sock = -1;
}
