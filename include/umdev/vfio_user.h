/* SPDX-License-Identifier: MIT */
/*
 * umdev: the vfio-user frontend, for the daemon.
 *
 * Once started, every bound device whose driver attached a
 * struct umdev_vfio_device gets its own listening socket,
 * <socket_dir>/<uuid>.sock (mode 0600 unless access is given; the
 * directory is created 0700),
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
 * Who may connect to a device's socket (a VMM that runs as its own user,
 * as libvirt runs QEMU as libvirt-qemu): the socket file's owner, group
 * and permission bits, as systemd's SocketUser=, SocketGroup= and
 * SocketMode= give them. Any member of this is "the default" where unset.
 */
struct umdev_socket_access {
	uid_t owner; /* (uid_t)-1: the daemon's user */
	gid_t group; /* (gid_t)-1: the daemon's group */
	mode_t mode; /* permission bits; 0: 0600, or 0660 with a group */
};

/*
 * Start serving devices. Call it before parents register: devices bound
 * earlier are not served. @access (NULL: the daemon's user alone) applies
 * to every socket no umdev_vfio_user_set_parent_access() says otherwise
 * of. Where sockets are open to others, the directory gets search
 * permission for everyone (not read: nobody lists it). Giving a socket
 * another owner takes CAP_CHOWN; another group, CAP_CHOWN or membership
 * of that group, when the socket is made (after a privilege drop too).
 * Returns 0, -EBUSY if already started, -ENAMETOOLONG if a socket path in
 * @socket_dir would not fit in a socket address (108 bytes: the directory
 * may have at most 65), -ENOTDIR if @socket_dir is something else, or
 * the errno of creating it (an existing directory is used as is, with a
 * warning if others may enter it while no socket is theirs).
 */
int umdev_vfio_user_start(const char *socket_dir, const struct umdev_socket_access *access);

/*
 * The access of @parent's sockets from now on (NULL: the default given at
 * start), applied to those it has already too. Returns 0, -ENOENT if the
 * frontend is not started, -ENOMEM, or the errno of the first socket that
 * could not be changed (the others are).
 */
int umdev_vfio_user_set_parent_access(const char *parent,
				      const struct umdev_socket_access *access);

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
