/* SPDX-License-Identifier: MIT */
/* umdevd's command line. */
#ifndef UMDEVD_OPTIONS_H
#define UMDEVD_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"
#include "socket_access.h"

#define UMDEVD_DEFAULT_MOUNTPOINT "/run/umdev"
#define UMDEVD_DEFAULT_JOURNAL "/var/lib/umdev/journal.json"
#define UMDEVD_DEFAULT_SOCKET_DIR "/run/umdev-vfio"

struct options {
	const char *mountpoint;
	const char *config_path; /* NULL: the built-in default */
	const char *journal_path; /* NULL: no journal (--no-journal) */
	const char *ready_file;	  /* NULL: none */
	const char *socket_dir;	  /* NULL: no vfio-user sockets (--no-vfio-user) */
	const char *mdevctl_dir;  /* autostart mdevctl's auto devices defined here; or NULL */
	bool foreground;
	bool allow_other;
	bool uevents;		  /* send uevents to libudev listeners */
	bool keep_privileges;	  /* as root, drop no capability */
	struct umdev_socket_access socket_access; /* every socket's, unless a parent's */
	unsigned int release_timeout; /* s a remove waits for a device's client; 0: forever */
	enum umdev_log_level log_level;
};

/*
 * Parses argv. Return: 0 to run; 1 when --help or --version was answered
 * (exit 0); -EINVAL after a usage error was printed (exit 2).
 */
int options_parse(int argc, char **argv, struct options *opts);

#endif /* UMDEVD_OPTIONS_H */
