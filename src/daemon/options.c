// SPDX-License-Identifier: MIT
/* Parsing umdevd's command line (getopt_long); see docs/umdevd.8. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include <umdev/vfio_user.h>

#include "modules.h"
#include "options.h"

#ifndef UMDEV_VERSION
#define UMDEV_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: umdevd [OPTION]... [MOUNTPOINT]\n"
		"Serve the mediated-device (mdev) sysfs tree of umdev's parents on MOUNTPOINT\n"
		"(default " UMDEVD_DEFAULT_MOUNTPOINT ").\n"
		"\n"
		"  -c, --config=FILE      parents to register (JSON); default: mtty, mdpy, mbochs\n"
		"  -f, --foreground       stay in the foreground\n"
		"  -j, --journal=FILE     keep the live devices in FILE and restore them at start\n"
		"                         (default " UMDEVD_DEFAULT_JOURNAL ")\n"
		"      --no-journal       keep no journal: devices last as long as the daemon\n"
		"  -l, --log-level=LEVEL  error, warning, info (default) or debug\n"
		"  -M, --module-dir=DIR   load other parent modules from DIR/<module>.so\n"
		"                         (default " UMDEVD_DEFAULT_MODULE_DIR ")\n"
		"      --allow-other      let other users read the tree as sysfs allows (FUSE\n"
		"                         allow_other); the default when run as root\n"
		"      --private          let only the daemon's user into the tree\n"
		"      --ready-file=FILE  write the daemon's pid to FILE once the tree is ready\n"
		"  -s, --socket-dir=DIR   serve each device over vfio-user at DIR/<uuid>.sock\n"
		"                         (default " UMDEVD_DEFAULT_SOCKET_DIR ")\n"
		"      --socket-owner=USER   give the vfio-user sockets to USER (a VMM's user,\n"
		"                         e.g. libvirt-qemu); a parent's config may say otherwise\n"
		"      --socket-group=GROUP  let GROUP's members connect to the sockets too\n"
		"                         (e.g. kvm, libvirt-qemu's group)\n"
		"      --socket-mode=MODE    the sockets' permission bits (default 0600, or 0660\n"
		"                         with a group)\n"
		"      --release-timeout=SECONDS  how long a remove of a device in use waits for\n"
		"                         its VMM to let go before cutting it off; 0 waits as\n"
		"                         long as it takes, as the kernel does (default %u)\n"
		"      --no-vfio-user     serve no device to VMs (the sysfs tree only)\n"
		"      --no-uevents       send no uevents to udev listeners (libudev monitors)\n"
		"      --mdevctl-dir=DIR  when a parent registers, start the auto devices mdevctl\n"
		"                         defines in DIR, as mdevctl's udev rule does\n"
		"      --keep-privileges  as root, keep every capability (by default umdevd drops\n"
		"                         them once the tree is mounted)\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n", UMDEV_VFIO_USER_DEFAULT_RELEASE_TIMEOUT);
	modules_print(out);
	fprintf(out, "\nSee umdevd(8).\n");
}

/* A day: longer is a mistake, and 0 already means "as long as it takes". */
#define RELEASE_TIMEOUT_MAX 86400

/* Whole seconds, decimal, 0 to RELEASE_TIMEOUT_MAX. */
static int parse_seconds(const char *text, unsigned int *out)
{
	char *end;
	unsigned long n;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(text, &end, 10);
	if (errno || *end || n > RELEASE_TIMEOUT_MAX)
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

int options_parse(int argc, char **argv, struct options *opts)
{
	enum { OPT_ALLOW_OTHER = 256, OPT_PRIVATE, OPT_NO_JOURNAL, OPT_READY_FILE, OPT_NO_VFIO_USER,
	       OPT_NO_UEVENTS, OPT_MDEVCTL_DIR, OPT_KEEP_PRIVILEGES, OPT_SOCKET_GROUP,
	       OPT_RELEASE_TIMEOUT, OPT_SOCKET_OWNER, OPT_SOCKET_MODE };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "journal", required_argument, NULL, 'j' },
		{ "no-journal", no_argument, NULL, OPT_NO_JOURNAL },
		{ "log-level", required_argument, NULL, 'l' },
		{ "module-dir", required_argument, NULL, 'M' },
		{ "allow-other", no_argument, NULL, OPT_ALLOW_OTHER },
		{ "private", no_argument, NULL, OPT_PRIVATE },
		{ "ready-file", required_argument, NULL, OPT_READY_FILE },
		{ "socket-dir", required_argument, NULL, 's' },
		{ "no-vfio-user", no_argument, NULL, OPT_NO_VFIO_USER },
		{ "no-uevents", no_argument, NULL, OPT_NO_UEVENTS },
		{ "mdevctl-dir", required_argument, NULL, OPT_MDEVCTL_DIR },
		{ "keep-privileges", no_argument, NULL, OPT_KEEP_PRIVILEGES },
		{ "socket-owner", required_argument, NULL, OPT_SOCKET_OWNER },
		{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
		{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
		{ "release-timeout", required_argument, NULL, OPT_RELEASE_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool help = false;
	int opt;

	*opts = (struct options){
		.mountpoint = UMDEVD_DEFAULT_MOUNTPOINT,
		.journal_path = UMDEVD_DEFAULT_JOURNAL,
		.socket_dir = UMDEVD_DEFAULT_SOCKET_DIR,
		.log_level = UMDEV_LOG_INFO,
		.uevents = true,
		.socket_access = SOCKET_ACCESS_UNSET,
		.release_timeout = UMDEV_VFIO_USER_DEFAULT_RELEASE_TIMEOUT,
		/*
		 * sysfs lets every user read: root may mount FUSE for others, and
		 * default_permissions then gives the tree's modes their meaning.
		 * Another user needs user_allow_other in /etc/fuse.conf for it.
		 */
		.allow_other = geteuid() == 0,
	};
	while ((opt = getopt_long(argc, argv, "c:fj:l:M:s:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			opts->config_path = optarg;
			break;
		case 'f':
			opts->foreground = true;
			break;
		case 'j':
			opts->journal_path = optarg;
			break;
		case OPT_NO_JOURNAL:
			opts->journal_path = NULL;
			break;
		case 'l':
			if (log_parse_level(optarg, &opts->log_level)) {
				fprintf(stderr, "umdevd: unknown log level '%s' "
					"(error, warning, info, debug)\n", optarg);
				return -EINVAL;
			}
			break;
		case 'M':
			modules_set_dir(optarg);
			break;
		case OPT_ALLOW_OTHER:
			opts->allow_other = true;
			break;
		case OPT_PRIVATE:
			opts->allow_other = false;
			break;
		case OPT_READY_FILE:
			opts->ready_file = optarg;
			break;
		case 's':
			opts->socket_dir = optarg;
			break;
		case OPT_NO_VFIO_USER:
			opts->socket_dir = NULL;
			break;
		case OPT_NO_UEVENTS:
			opts->uevents = false;
			break;
		case OPT_MDEVCTL_DIR:
			opts->mdevctl_dir = optarg;
			break;
		case OPT_KEEP_PRIVILEGES:
			opts->keep_privileges = true;
			break;
		case OPT_SOCKET_OWNER:
			if (socket_access_parse_user(optarg, &opts->socket_access.owner)) {
				fprintf(stderr, "umdevd: no user '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_SOCKET_GROUP:
			if (socket_access_parse_group(optarg, &opts->socket_access.group)) {
				fprintf(stderr, "umdevd: no group '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_SOCKET_MODE:
			if (socket_access_parse_mode(optarg, &opts->socket_access.mode)) {
				fprintf(stderr, "umdevd: --socket-mode wants octal permission bits "
					"(1 to 0777, e.g. 0660), not '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_RELEASE_TIMEOUT:
			if (parse_seconds(optarg, &opts->release_timeout)) {
				fprintf(stderr, "umdevd: --release-timeout wants whole seconds "
					"(0 to %u), not '%s'\n", RELEASE_TIMEOUT_MAX, optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			help = true; /* after every option: -M changes the list */
			break;
		case 'V':
			printf("umdevd " UMDEV_VERSION "\n");
			return 1;
		default:
			fprintf(stderr, "Try 'umdevd --help' for more information.\n");
			return -EINVAL;
		}
	}
	if (help) {
		usage(stdout);
		return 1;
	}
	if (optind < argc)
		opts->mountpoint = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "umdevd: unexpected argument '%s'\n"
			"Try 'umdevd --help' for more information.\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}
