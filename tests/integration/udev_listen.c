// SPDX-License-Identifier: MIT
/*
 * udev-listen: a libudev client as libvirt's node-device driver is one.
 *
 *   udev-listen monitor COUNT [SUBSYSTEM]
 *       prints "ready" once listening on the "udev" netlink group (with a
 *       socket filter for SUBSYSTEM if given), then COUNT events, each as
 *       "event" and its properties (KEY=VALUE, in the order received), and
 *       SYSPATH=, then exits 0.
 *   udev-listen enumerate SUBSYSTEM
 *       prints the syspath of each device of SUBSYSTEM libudev finds in
 *       /sys, with its driver and its iommu_group link's target.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>

static void print_properties(struct udev_device *dev)
{
	struct udev_list_entry *entry;

	udev_list_entry_foreach(entry, udev_device_get_properties_list_entry(dev))
		printf("%s=%s\n", udev_list_entry_get_name(entry), udev_list_entry_get_value(entry));
	printf("SYSPATH=%s\n", udev_device_get_syspath(dev));
}

static int monitor(struct udev *udev, int count, const char *subsystem)
{
	struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "udev");
	struct pollfd pfd;

	if (!mon) {
		fprintf(stderr, "udev-listen: no monitor: %s\n", strerror(errno));
		return 1;
	}
	if ((subsystem && udev_monitor_filter_add_match_subsystem_devtype(mon, subsystem, NULL)) ||
	    udev_monitor_enable_receiving(mon)) {
		fprintf(stderr, "udev-listen: cannot listen: %s\n", strerror(errno));
		udev_monitor_unref(mon);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pfd.fd = udev_monitor_get_fd(mon);
	pfd.events = POLLIN;
	while (count > 0) {
		struct udev_device *dev;

		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		dev = udev_monitor_receive_device(mon);
		if (!dev)
			continue; /* not one for us, or refused by libudev */
		printf("event\n");
		print_properties(dev);
		fflush(stdout);
		udev_device_unref(dev);
		count--;
	}
	udev_monitor_unref(mon);
	return count ? 1 : 0;
}

static int enumerate(struct udev *udev, const char *subsystem)
{
	struct udev_enumerate *en = udev_enumerate_new(udev);
	struct udev_list_entry *entry;

	if (!en || udev_enumerate_add_match_subsystem(en, subsystem) ||
	    udev_enumerate_scan_devices(en)) {
		fprintf(stderr, "udev-listen: cannot enumerate: %s\n", strerror(errno));
		udev_enumerate_unref(en);
		return 1;
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(en)) {
		const char *path = udev_list_entry_get_name(entry);
		struct udev_device *dev = udev_device_new_from_syspath(udev, path);
		char link[PATH_MAX], target[PATH_MAX];
		ssize_t len;

		if (!dev) {
			printf("%s: refused: %s\n", path, strerror(errno));
			continue;
		}
		snprintf(link, sizeof(link), "%s/iommu_group", path);
		len = readlink(link, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		printf("%s driver=%s iommu_group=%s\n", udev_device_get_syspath(dev),
		       udev_device_get_driver(dev) ? udev_device_get_driver(dev) : "",
		       strrchr(target, '/') ? strrchr(target, '/') + 1 : "");
		udev_device_unref(dev);
	}
	udev_enumerate_unref(en);
	return 0;
}

int main(int argc, char **argv)
{
	struct udev *udev = udev_new();
	int ret = 2;

	if (!udev)
		return 1;
	if (argc >= 3 && !strcmp(argv[1], "monitor"))
		ret = monitor(udev, atoi(argv[2]), argc > 3 ? argv[3] : NULL);
	else if (argc == 3 && !strcmp(argv[1], "enumerate"))
		ret = enumerate(udev, argv[2]);
	else
		fprintf(stderr, "usage: udev-listen monitor COUNT [SUBSYSTEM] | enumerate SUBSYSTEM\n");
	udev_unref(udev);
	return ret;
}
