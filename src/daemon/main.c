// SPDX-License-Identifier: MIT
/*
 * umdevd: registers the configured parents, serves their sysfs tree on a
 * FUSE mount until it is unmounted or SIGINT/SIGTERM/SIGHUP arrives, then
 * unmounts and unregisters the parents in the reverse order. It wires the
 * pieces together and decides nothing itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "daemonize.h"
#include "event_log.h"
#include "log.h"
#include "options.h"
#include "parents.h"
#include "sysfs.h"

/* The mount point as an absolute path (created if missing), into @out. */
static int prepare_mountpoint(const char *path, char out[PATH_MAX])
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		int err = errno;

		log_error("mount point %s: %s", path, strerror(err));
		return -err;
	}
	if (!realpath(path, out)) {
		int err = errno;

		log_error("mount point %s: %s", path, strerror(err));
		return -err;
	}
	return 0;
}

static int serve(const struct options *opts, const char *mountpoint)
{
	struct umdev_mount_options mount_opts = { .allow_other = opts->allow_other };
	struct umdev_mount *mount;
	int ret;

	ret = umdev_sysfs_mount(mountpoint, &mount_opts, &mount);
	if (ret) {
		log_error("cannot mount the tree on %s: %s", mountpoint, strerror(-ret));
		return ret;
	}
	log_info("serving the mdev tree on %s", mountpoint);
	daemonize_finish(true);

	ret = umdev_mount_serve(mount, true);
	if (ret)
		log_error("serving %s: %s", mountpoint, strerror(-ret));
	log_info("stopping: unmounting %s", mountpoint);
	umdev_mount_destroy(mount);
	return ret;
}

int main(int argc, char **argv)
{
	struct loaded_parents parents = { 0 };
	struct config config;
	struct options opts;
	char mountpoint[PATH_MAX];
	int ret;

	ret = options_parse(argc, argv, &opts);
	if (ret)
		return ret > 0 ? EXIT_SUCCESS : 2;
	log_set_level(opts.log_level);

	ret = opts.config_path ? config_load_file(opts.config_path, &config)
			       : config_load_default(&config);
	if (ret)
		return EXIT_FAILURE;
	ret = prepare_mountpoint(opts.mountpoint, mountpoint);
	if (ret)
		goto out_config;

	if (!opts.foreground) {
		ret = daemonize_start();
		if (ret) {
			log_error("cannot go to the background: %s", strerror(-ret));
			goto out_config;
		}
	}
	ret = event_log_start();
	if (ret)
		goto out_ready;
	ret = parents_load(&config, &parents);
	if (ret)
		goto out_events;

	ret = serve(&opts, mountpoint);

	parents_unload(&parents);
out_events:
	event_log_stop();
out_ready:
	daemonize_finish(false); /* no-op once serving started */
out_config:
	config_free(&config);
	if (!ret)
		log_info("stopped");
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
