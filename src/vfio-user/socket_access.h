/* SPDX-License-Identifier: MIT */
/*
 * Who may connect to each device's socket (socket_access.c): the access the
 * frontend started with, and each parent's own where the daemon gives one.
 */
#ifndef UMDEV_VFIO_USER_SOCKET_ACCESS_H
#define UMDEV_VFIO_USER_SOCKET_ACCESS_H

#include <stdbool.h>

#include <umdev/vfio_user.h>

/* The access of sockets no parent's own access covers; NULL: private. */
void socket_access_set_default(const struct umdev_socket_access *access);
/* @parent's own access (NULL: back to the default); 0 or -ENOMEM. */
int socket_access_set(const char *parent, const struct umdev_socket_access *access);
/* Forgets every parent's access and the default. */
void socket_access_reset(void);
/* The access of @parent's sockets, every member resolved (no -1, no 0 mode). */
struct umdev_socket_access socket_access_of(const char *parent);
/* Whether someone other than the daemon's user may connect under some access. */
bool socket_access_any_shared(void);
/* Gives the socket file at @path @access (resolved); 0 or a negative errno. */
int socket_access_apply(const char *path, const struct umdev_socket_access *access);

#endif /* UMDEV_VFIO_USER_SOCKET_ACCESS_H */
