/* SPDX-License-Identifier: MIT */
/*
 * Who may connect to the vfio-user sockets, as umdevd is told it: the
 * command line's --socket-owner, --socket-group and --socket-mode for every
 * socket, and a parent's "socket" object in the config for its own. Parsing,
 * the parent's access over the global one, and the privileges they take.
 */
#ifndef UMDEVD_SOCKET_ACCESS_H
#define UMDEVD_SOCKET_ACCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <umdev/vfio_user.h>

struct config;

/* Nothing given: the daemon's user alone. */
#define SOCKET_ACCESS_UNSET ((struct umdev_socket_access){ (uid_t)-1, (gid_t)-1, 0 })

/* A user or a group by name, or by number; 0 or -EINVAL. */
int socket_access_parse_user(const char *text, uid_t *out);
int socket_access_parse_group(const char *text, gid_t *out);
/* Octal permission bits, 1 to 0777 ("0660", "660"); 0 or -EINVAL. */
int socket_access_parse_mode(const char *text, mode_t *out);

/* @parent's members where given, @global's otherwise. */
struct umdev_socket_access socket_access_merge(const struct umdev_socket_access *global,
					       const struct umdev_socket_access *parent);

/*
 * Whether umdevd can give every socket of @config (with @global) its owner
 * and group. At start (@at_start), while still privileged, it joins the
 * groups it is not a member of and asks for CAP_CHOWN to be kept where an
 * owner is given (@keep_chown); later (a reload) it can join nothing.
 * Logs what is missing, with the systemd setting that gives it; 0 or -EPERM.
 */
int socket_access_prepare(const struct umdev_socket_access *global, const struct config *config,
			  bool at_start, bool *keep_chown);

#endif /* UMDEVD_SOCKET_ACCESS_H */
