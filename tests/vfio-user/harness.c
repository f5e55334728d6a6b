// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <umdev/vfio_user.h>

#include "harness.h"
#include "open_fds.h"

char harness_dir[PATH_MAX];
char harness_sockets[PATH_MAX + 16];
struct umdev_type *harness_type;

static void rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX * 2];

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			rmtree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int harness_setup(void **state)
{
	(void)state;
	snprintf(harness_dir, sizeof(harness_dir), "/tmp/umdev-vfu-XXXXXX");
	if (!mkdtemp(harness_dir))
		return -1;
	snprintf(harness_sockets, sizeof(harness_sockets), "%s/sockets", harness_dir);
	if (umdev_vfio_user_start(harness_sockets, NULL))
		return -1;
	/*
	 * A remove of a device whose client is still connected waits for the
	 * client, as the kernel's does, up to the release timeout (60 s by
	 * default): the cases that remove under a client want the cut-off.
	 */
	umdev_vfio_user_set_release_timeout(1);
	harness_type = test_parent_register();
	return harness_type ? 0 : -1;
}

int harness_teardown(void **state)
{
	(void)state;
	test_parent_unregister();
	umdev_vfio_user_stop();
	rmtree(harness_dir);
	return 0;
}

struct umdev_device *harness_create(unsigned int n)
{
	char name[64];
	uint8_t uuid[UMDEV_UUID_SIZE];
	struct umdev_device *mdev;

	snprintf(name, sizeof(name), "8c7f5a1e-0d3b-4f6a-9e21-%012x", n);
	assert_int_equal(umdev_uuid_parse(name, uuid), 0);
	assert_int_equal(umdev_device_create(harness_type, uuid), 0);
	mdev = umdev_device_get(uuid);
	assert_non_null(mdev);
	return mdev;
}

void harness_remove(struct umdev_device *mdev)
{
	assert_int_equal(umdev_device_remove(mdev), 0);
	umdev_device_put(mdev);
}

const char *harness_path(struct umdev_device *mdev)
{
	static char path[PATH_MAX];

	assert_true(umdev_vfio_user_socket_path(mdev, path, sizeof(path)) > 0);
	return path;
}

struct umdev_vu_client *harness_connect(struct umdev_device *mdev)
{
	struct umdev_vu_client *c = NULL;

	assert_int_equal(umdev_vu_connect(harness_path(mdev), true, &c), 0);
	return c;
}

int harness_count_fds(void)
{
	return count_open_fds();
}

int harness_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 10000) == 1;
}

int harness_readable_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}
