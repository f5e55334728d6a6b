// SPDX-License-Identifier: MIT
/*
 * umdevd: registers the configured parents, serves their sysfs tree on a
 * FUSE mount until it is unmounted or SIGINT/SIGTERM arrives, then
 * unmounts and unregisters the parents in the reverse order. SIGHUP reads
 * the config again and applies the difference. It wires the pieces
 * together and decides nothing itself.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
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

struct daemon {
	struct options opts;
	struct config config;
	struct loaded_parents parents;
};

static int load_config(const struct options *opts, struct config *config)
{
	return opts->config_path ? config_load_file(opts->config_path, config)
				 : config_load_default(config);
}

/* SIGHUP: the new config replaces the old one; a bad one changes nothing. */
static void reload(void *arg)
{
	struct daemon *d = arg;
	struct config next;

	log_info("reloading the config");
	if (load_config(&d->opts, &next)) {
		log_warning("config not reloaded: the parents stay as they are");
		return;
	}
	if (parents_reload(&d->parents, &next)) {
		log_error("config not reloaded: out of memory");
		config_free(&next);
		return;
	}
	config_free(&d->config);
	d->config = next;
	log_info("config reloaded: %zu parents", d->parents.count);
}

static int serve(struct daemon *d, const char *mountpoint)
{
	struct umdev_mount_options mount_opts = { .allow_other = d->opts.allow_other };
	struct umdev_serve_signals signals = { .reload = reload, .arg = d };
	struct umdev_mount *mount;
	int ret;

	ret = umdev_sysfs_mount(mountpoint, &mount_opts, &mount);
	if (ret) {
		log_error("cannot mount the tree on %s: %s", mountpoint, strerror(-ret));
		return ret;
	}
	log_info("serving the mdev tree on %s", mountpoint);
	daemonize_finish(true);

	ret = umdev_mount_serve(mount, &signals);
	if (ret)
		log_error("serving %s: %s", mountpoint, strerror(-ret));
	log_info("stopping: unmounting %s", mountpoint);
	umdev_mount_destroy(mount);
	return ret;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	char mountpoint[PATH_MAX];
	int ret;

	ret = options_parse(argc, argv, &d.opts);
	if (ret)
		return ret > 0 ? EXIT_SUCCESS : 2;
	log_set_level(d.opts.log_level);
	/* A peer that goes away (a client socket of a driver) must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	ret = load_config(&d.opts, &d.config);
	if (ret)
		return EXIT_FAILURE;
	ret = prepare_mountpoint(d.opts.mountpoint, mountpoint);
	if (ret)
		goto out_config;

	if (!d.opts.foreground) {
		ret = daemonize_start();
		if (ret) {
			log_error("cannot go to the background: %s", strerror(-ret));
			goto out_config;
		}
	}
	ret = event_log_start();
	if (ret)
		goto out_ready;
	ret = parents_load(&d.config, &d.parents);
	if (ret)
		goto out_events;

	ret = serve(&d, mountpoint);

	parents_unload(&d.parents);
out_events:
	event_log_stop();
out_ready:
	daemonize_finish(false); /* no-op once serving started */
out_config:
	config_free(&d.config);
	if (!ret)
		log_info("stopped");
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
