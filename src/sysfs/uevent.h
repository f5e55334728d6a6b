/* SPDX-License-Identifier: MIT */
/*
 * The uevent sender: the core's events as the kernel's uevents, sent the
 * way systemd-udevd passes them on to its listeners (libudev's netlink
 * "udev" group), so `udevadm monitor --udev` and libudev monitors such as
 * libvirt's see umdev's devices with the DEVPATHs of the tree. It is the
 * third consumer of core events, beside the tree and the journal.
 */
#ifndef UMDEV_SYSFS_UEVENT_H
#define UMDEV_SYSFS_UEVENT_H

/*
 * Opens the netlink socket and subscribes: 0, or a negative errno (EPERM
 * without CAP_NET_ADMIN: sending to a netlink group needs it).
 */
int umdev_uevent_start(void);
/* Unsubscribes (no event is being sent when it returns) and closes. */
void umdev_uevent_stop(void);

#endif /* UMDEV_SYSFS_UEVENT_H */
