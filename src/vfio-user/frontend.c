// SPDX-License-Identifier: MIT
/*
 * The vfio-user frontend: follows the core's events and gives every bound
 * device with a vfio description its own server (a listening socket in the
 * acceptor's set; a thread only while a client is connected), from BOUND until
 * UNBINDING (so any client is gone before the driver's remove runs), and
 * adds the device's `vfio-user-socket` file meanwhile. The core knows
 * nothing of VFIO: which device model a device has is kept by the model's
 * library (umdev_device_vfio()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <umdev/bus.h>
#include <umdev/log.h>
#include <umdev/vfio.h>
#include <umdev/vfio_user.h>

#include "ptr_table.h"
#include "server.h"
#include "socket_access.h"

/* Every server, in a list to stop them all and by device to find one. */
static pthread_mutex_t servers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reclaim_done = PTHREAD_COND_INITIALIZER; /* a server's reclaimers fell */
static struct list_head servers = { &servers, &servers };
static struct ptr_table servers_by_device;
static char *socket_dir;
static int subscription;
/* atomic; 0: wait as long as the client stays */
static unsigned int release_timeout_s = UMDEV_VFIO_USER_DEFAULT_RELEASE_TIMEOUT;

/* `vfio-user-socket`: the socket a VMM (QEMU's vfio-user-pci) connects to. */
static ssize_t socket_show(struct umdev_device *mdev, char *buf)
{
	int len = umdev_vfio_user_socket_path(mdev, buf, UMDEV_ATTR_BUF_SIZE - 1);

	if (len < 0)
		return len;
	buf[len] = '\n';
	return len + 1;
}

static const struct umdev_attribute socket_attr = {
	.name = "vfio-user-socket",
	.show = socket_show,
};

/* The server's messages: one line each in the libraries' log. */
void vfu_log(const char *fmt, ...)
{
	char message[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	umdev_log(UMDEV_LOG_INFO, "vfio-user: %s", message);
}

/* Under servers_lock. */
static struct vfu_server *find_server(const struct umdev_device *mdev)
{
	struct ptr_node *node = ptr_table_find(&servers_by_device, mdev, NULL, NULL);

	return node ? container_of(node, struct vfu_server, by_device) : NULL;
}

static void device_bound(struct umdev_device *mdev)
{
	struct umdev_vfio_device *vdev = umdev_device_vfio(mdev);
	struct vfu_server *srv;
	int ret;

	if (!vdev)
		return;
	if (!vdev->rt) {
		vfu_log("%s: driver did not call umdev_vfio_device_init(); not served",
			umdev_device_name(mdev));
		return;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		vfu_log("%s: out of memory; not served", umdev_device_name(mdev));
		return;
	}
	srv->mdev = mdev;
	srv->vdev = vdev;
	snprintf(srv->name, sizeof(srv->name), "%s", umdev_device_name(mdev));

	pthread_mutex_lock(&servers_lock);
	if (!socket_dir || find_server(mdev)) {
		pthread_mutex_unlock(&servers_lock);
		free(srv);
		return;
	}
	srv->access = socket_access_of(umdev_device_parent(mdev)->name);
	ret = snprintf(srv->path, sizeof(srv->path), "%s/%s.sock", socket_dir, srv->name);
	ret = ret >= (int)sizeof(srv->path) ? -ENAMETOOLONG : vfu_server_start(srv);
	if (!ret) {
		ret = ptr_table_insert(&servers_by_device, &srv->by_device, mdev);
		if (ret)
			vfu_server_stop(srv);
	}
	if (ret) {
		pthread_mutex_unlock(&servers_lock);
		vfu_log("%s: cannot serve on %s: %s", srv->name, srv->path, strerror(-ret));
		free(srv);
		return;
	}
	list_add_tail(&srv->node, &servers);
	pthread_mutex_unlock(&servers_lock);
	ret = umdev_device_add_attr(mdev, &socket_attr);
	if (ret)
		vfu_log("%s: no %s file: %s", srv->name, socket_attr.name, strerror(-ret));
}

/* Under servers_lock: frees @srv once it is stopped and no reclaim uses it. */
static void free_server(struct vfu_server *srv)
{
	while (srv->reclaimers)
		pthread_cond_wait(&reclaim_done, &servers_lock);
	free(srv);
}

/* Takes @mdev back from its client (struct umdev_reclaim_ops). */
static int reclaim(struct umdev_device *mdev, bool interruptible)
{
	struct vfu_server *srv;
	int ret;

	pthread_mutex_lock(&servers_lock);
	srv = find_server(mdev);
	if (srv)
		srv->reclaimers++;
	pthread_mutex_unlock(&servers_lock);
	if (!srv)
		return 0;
	ret = vfu_server_reclaim(srv, interruptible,
				 __atomic_load_n(&release_timeout_s, __ATOMIC_RELAXED));
	pthread_mutex_lock(&servers_lock);
	srv->reclaimers--;
	pthread_cond_broadcast(&reclaim_done);
	pthread_mutex_unlock(&servers_lock);
	return ret;
}

static void cancel_reclaim(struct umdev_device *mdev)
{
	struct vfu_server *srv;

	pthread_mutex_lock(&servers_lock);
	srv = find_server(mdev);
	if (srv)
		vfu_server_cancel_reclaim(srv);
	pthread_mutex_unlock(&servers_lock);
}

static const struct umdev_reclaim_ops reclaim_ops = {
	.reclaim = reclaim,
	.cancel = cancel_reclaim,
};

void umdev_vfio_user_set_release_timeout(unsigned int seconds)
{
	__atomic_store_n(&release_timeout_s, seconds, __ATOMIC_RELAXED);
}

static void device_unbinding(struct umdev_device *mdev)
{
	struct vfu_server *srv;

	/*
	 * A parent's unregistration comes here with the client still
	 * connected (a remove or unbind reclaimed the device already).
	 */
	reclaim(mdev, false);
	/* Never under servers_lock: it waits for readers of the file, which take it. */
	umdev_device_remove_attr(mdev, &socket_attr);
	pthread_mutex_lock(&servers_lock);
	srv = find_server(mdev);
	if (srv) {
		list_del_init(&srv->node);
		ptr_table_remove(&servers_by_device, &srv->by_device);
	}
	pthread_mutex_unlock(&servers_lock);
	if (!srv)
		return;
	vfu_server_stop(srv);
	pthread_mutex_lock(&servers_lock);
	free_server(srv);
	pthread_mutex_unlock(&servers_lock);
}

static void on_event(const struct umdev_event *event, void *arg)
{
	(void)arg;
	if (event->type == UMDEV_EVENT_DEVICE_BOUND)
		device_bound(event->mdev);
	else if (event->type == UMDEV_EVENT_DEVICE_UNBINDING)
		device_unbinding(event->mdev);
	else if (event->type == UMDEV_EVENT_DEVICE_REMOVED)
		umdev_device_set_vfio(event->mdev, NULL); /* in case the driver's remove did not */
}

/*
 * A socket others may use must be reachable: search permission for all,
 * not read (nobody needs to list the sockets; the tree names them anyway).
 */
static int open_directory(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return -errno;
	if ((st.st_mode & 0111) != 0111 && chmod(dir, (st.st_mode & 07777) | 0111))
		return -errno;
	return 0;
}

int umdev_vfio_user_start(const char *dir, const struct umdev_socket_access *access)
{
	char *copy;
	int handle, ret;

	struct stat st;
	struct sockaddr_un addr;

	/* "<dir>/<uuid>.sock" must fit a socket address, or no device is served. */
	if (strlen(dir) + 1 + UMDEV_UUID_STRING_LEN + strlen(".sock") >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&servers_lock);
	ret = socket_dir ? -EBUSY : 0;
	if (!ret) {
		socket_access_set_default(access);
		if (socket_access_any_shared())
			ret = open_directory(dir);
		else if (st.st_mode & 077) /* the sockets are 0600, but say so */
			vfu_log("warning: %s is open to other users (mode %03o)", dir,
				(unsigned int)(st.st_mode & 0777));
	}
	if (ret) {
		if (!socket_dir)
			socket_access_reset();
		pthread_mutex_unlock(&servers_lock);
		free(copy);
		return ret;
	}
	socket_dir = copy;
	pthread_mutex_unlock(&servers_lock);

	handle = umdev_subscribe(on_event, NULL);
	if (handle < 0) {
		pthread_mutex_lock(&servers_lock);
		free(socket_dir);
		socket_dir = NULL;
		pthread_mutex_unlock(&servers_lock);
		return handle;
	}
	subscription = handle;
	umdev_set_reclaim_ops(&reclaim_ops);
	return 0;
}

void umdev_vfio_user_stop(void)
{
	pthread_mutex_lock(&servers_lock);
	if (!socket_dir) {
		pthread_mutex_unlock(&servers_lock);
		return;
	}
	pthread_mutex_unlock(&servers_lock);
	umdev_set_reclaim_ops(NULL);
	umdev_unsubscribe(subscription);

	pthread_mutex_lock(&servers_lock);
	while (!list_empty(&servers)) {
		struct vfu_server *srv = list_entry(servers.next, struct vfu_server, node);

		list_del_init(&srv->node);
		ptr_table_remove(&servers_by_device, &srv->by_device);
		pthread_mutex_unlock(&servers_lock);
		vfu_server_stop(srv); /* a reclaim waiting for the client returns */
		pthread_mutex_lock(&servers_lock);
		free_server(srv);
	}
	ptr_table_fini(&servers_by_device);
	free(socket_dir);
	socket_dir = NULL;
	pthread_mutex_unlock(&servers_lock);
	socket_access_reset();
	vfu_acceptor_stop();
}

int umdev_vfio_user_socket_path(struct umdev_device *mdev, char *buf, size_t size)
{
	struct vfu_server *srv;
	int ret = -ENODEV;

	pthread_mutex_lock(&servers_lock);
	srv = find_server(mdev);
	if (srv) {
		ret = (int)strlen(srv->path);
		if ((size_t)ret + 1 > size)
			ret = -ENOSPC;
		else
			memcpy(buf, srv->path, (size_t)ret + 1);
	}
	pthread_mutex_unlock(&servers_lock);
	return ret;
}

int umdev_vfio_user_set_parent_access(const char *parent,
				      const struct umdev_socket_access *access)
{
	struct umdev_socket_access resolved;
	struct list_head *pos;
	int ret;

	pthread_mutex_lock(&servers_lock);
	ret = socket_dir ? socket_access_set(parent, access) : -ENOENT;
	if (!ret && socket_access_any_shared())
		ret = open_directory(socket_dir);
	if (ret) {
		pthread_mutex_unlock(&servers_lock);
		return ret;
	}
	resolved = socket_access_of(parent);
	list_for_each(pos, &servers) {
		struct vfu_server *srv = list_entry(pos, struct vfu_server, node);
		int err;

		if (strcmp(umdev_device_parent(srv->mdev)->name, parent))
			continue;
		err = socket_access_apply(srv->path, &resolved);
		if (err) {
			vfu_log("%s: cannot change who may connect to %s: %s", srv->name,
				srv->path, strerror(-err));
			ret = ret ? ret : err;
			continue;
		}
		srv->access = resolved;
	}
	pthread_mutex_unlock(&servers_lock);
	return ret;
}
