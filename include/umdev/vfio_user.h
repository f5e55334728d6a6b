/* SPDX-License-Identifier: MIT */
/*
 * umdev: the vfio-user frontend, for the daemon.
 *
 * Once started, every bound device whose driver attached a
 * struct umdev_vfio_device gets its own listening socket,
 * <socket_dir>/<uuid>.sock (mode 0600; the directory is created 0700),
 * from the BOUND event until the UNBINDING event. One client at a time is
 * served (QEMU's vfio-user-pci, umdev's client library); a client that
 * leaves loses its DMA maps and eventfds while the device keeps its state.
 *
 * A remove or an unbind of a device with a client first takes it back, as
 * the kernel's vfio does: it rings the client's device-request IRQ (where
 * the client armed it), and waits until the client has left, accepting no
 * new one meanwhile. It asks again every 10 s; after the release timeout
 * it cuts the client off; a remove interrupted while it waits (the writer
 * got a signal) fails with EINTR and the client keeps the device.
 */
#ifndef UMDEV_VFIO_USER_H
#define UMDEV_VFIO_USER_H

#include <stddef.h>
#include <sys/types.h>

#include <umdev/mdev.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Start serving devices. Call it before parents register: devices bound
 * earlier are not served. Returns 0, -EBUSY if already started,
 * -ENAMETOOLONG if a socket path in @socket_dir would not fit in a socket
 * address (108 bytes: the directory may have at most 65), -ENOTDIR
 * if @socket_dir is something else, or the errno of creating it (an
 * existing directory is used as is, with a warning if others may enter).
 */
int umdev_vfio_user_start(const char *socket_dir);

/*
 * The same, and members of @group may connect too: the directory keeps
 * its owner and gets group @group and mode 2750 (set-group-ID, so each
 * socket gets the group), and each socket is 0660. Changing the
 * directory's group needs CAP_CHOWN (or membership): call it before
 * dropping privileges. (gid_t)-1 is umdev_vfio_user_start().
 */
int umdev_vfio_user_start_for_group(const char *socket_dir, gid_t group);

/*
 * How long a remove waits for a device's client before cutting it off:
 * @seconds, or 0 to wait until it leaves, as the kernel does.
 */
#define UMDEV_VFIO_USER_DEFAULT_RELEASE_TIMEOUT 60
void umdev_vfio_user_set_release_timeout(unsigned int seconds);

/* Stop every device's server, disconnecting clients at once, and stop
 * following events. Sockets are unlinked. */
void umdev_vfio_user_stop(void);

/*
 * The socket path of a served device into @buf. Returns its length,
 * -ENODEV if the device is not served, -ENOSPC if @size is too small.
 */
int umdev_vfio_user_socket_path(struct umdev_device *mdev, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_VFIO_USER_H */
