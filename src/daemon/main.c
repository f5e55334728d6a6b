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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "journal.h"
#include <umdev/vfio_user.h>

#include "autostart.h"
#include "config.h"
#include "daemonize.h"
#include "event_log.h"
#include "keeper.h"
#include "log.h"
#include "options.h"
#include "parents.h"
#include "ready.h"
#include "sysfs.h"
#include "uevent.h"

struct daemon {
	struct options opts;
	struct config config;
	struct loaded_parents parents;
	struct umdev_journal *journal; /* NULL with --no-journal */
	struct umdev_mount *mount;
};

/* mkdir -p of the directory that holds @path (a journal's). */
static int make_parent_dirs(const char *path)
{
	char dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	return 0;
}

/*
 * Opens the journal and brings back the devices it holds, before the tree
 * is served: a user never sees the tree without its devices.
 */
static int journal_start(struct daemon *d)
{
	const char *path = d->opts.journal_path;
	int ret;

	if (!path)
		return 0;
	ret = make_parent_dirs(path);
	if (!ret)
		ret = umdev_journal_open(path, &d->journal);
	if (ret) {
		log_error("journal %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = umdev_journal_restore_and_start(d->journal);
	if (ret < 0) {
		log_error("journal %s: %s", path, strerror(-ret));
		umdev_journal_close(d->journal);
		d->journal = NULL;
		return ret;
	}
	log_info("journal %s: restored %d devices", path, ret);
	return 0;
}

static void journal_stop(struct daemon *d)
{
	if (d->journal)
		umdev_journal_close(d->journal);
	d->journal = NULL;
}

/* A reload unregistered @name for good: its devices must not come back. */
static void parent_gone(const char *name, void *arg)
{
	struct daemon *d = arg;

	if (d->journal)
		umdev_journal_drop_parent(d->journal, name);
}

/*
 * Every device holds descriptors (an mtty port two for its pty, a served
 * device its vfio-user socket), and the usual soft limit of 1024 would
 * stop the daemon at a few hundred devices: take the hard limit, which
 * only the administrator sets (LimitNOFILE=, ulimit -Hn).
 */
static void raise_nofile_limit(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim))
		return;
	if (lim.rlim_cur < lim.rlim_max) {
		rlim_t old = lim.rlim_cur;

		lim.rlim_cur = lim.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &lim)) {
			log_warning("cannot raise the file descriptor limit from %llu to %llu: %s",
				    (unsigned long long)old, (unsigned long long)lim.rlim_max,
				    strerror(errno));
			return;
		}
	}
	log_debug("file descriptors: up to %llu", (unsigned long long)lim.rlim_cur);
}

static int load_config(const struct options *opts, struct config *config)
{
	return opts->config_path ? config_load_file(opts->config_path, config)
				 : config_load_default(config);
}

static const struct config_parent *find_parent(const struct config *config, const char *name)
{
	for (size_t i = 0; i < config->nr_parents; i++) {
		if (!strcmp(config->parents[i].name, name))
			return &config->parents[i];
	}
	return NULL;
}

/*
 * Gives the sockets of @config's parents their access (a parent's own over
 * the command line's), those made from now on and those there already;
 * parents of @old that @config lacks get the command line's back.
 */
static void apply_socket_access(const struct daemon *d, const struct config *config,
				const struct config *old)
{
	if (!d->opts.socket_dir)
		return;
	for (size_t i = 0; old && i < old->nr_parents; i++) {
		if (!find_parent(config, old->parents[i].name))
			umdev_vfio_user_set_parent_access(old->parents[i].name, NULL);
	}
	for (size_t i = 0; i < config->nr_parents; i++) {
		const struct config_parent *p = &config->parents[i];
		struct umdev_socket_access access = socket_access_merge(&d->opts.socket_access,
									&p->socket);
		int ret = umdev_vfio_user_set_parent_access(p->name, &access);

		if (ret)
			log_error("parent %s: cannot give its vfio-user sockets their access: %s",
				  p->name, strerror(-ret));
	}
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
	if (d->opts.socket_dir &&
	    socket_access_prepare(&d->opts.socket_access, &next, false, NULL)) {
		log_warning("config not reloaded: the parents stay as they are");
		config_free(&next);
		return;
	}
	/* Before new parents make devices: no socket is ever more open than said. */
	apply_socket_access(d, &next, &d->config);
	if (parents_reload(&d->parents, &next, parent_gone, d)) {
		log_error("config not reloaded: out of memory");
		apply_socket_access(d, &d->config, &next);
		config_free(&next);
		return;
	}
	config_free(&d->config);
	d->config = next;
	log_info("config reloaded: %zu parents", d->parents.count);
}

/*
 * Mounts the tree before anything starts a thread, so that the privileges
 * can be dropped next, process-wide. Requests wait in the kernel until
 * serve() answers them: a user still never sees the tree without its devices.
 */
static int mount_tree(struct daemon *d, const char *mountpoint, bool keep_chown)
{
	struct umdev_mount_options mount_opts = { .allow_other = d->opts.allow_other };
	struct keeper_setup keeper = {
		.mountpoint = mountpoint,
		.mdevctl_dir = d->opts.mdevctl_dir,
		.uevents = d->opts.uevents,
		.chown = keep_chown,
	};
	int ret;

	ret = umdev_sysfs_mount(mountpoint, &mount_opts, &d->mount);
	if (ret) {
		log_error("cannot mount the tree on %s: %s", mountpoint, strerror(-ret));
		return ret;
	}
	if (d->opts.keep_privileges)
		return 0;
	ret = keeper_start(&keeper);
	if (ret) {
		umdev_mount_destroy(d->mount);
		d->mount = NULL;
		return ret;
	}
	if (keeper_running())
		umdev_mount_set_unmount(d->mount, keeper_unmount, NULL);
	return 0;
}

static void unmount_tree(struct daemon *d, const char *mountpoint)
{
	if (!d->mount)
		return;
	log_info("stopping: unmounting %s", mountpoint);
	umdev_mount_destroy(d->mount);
	d->mount = NULL;
}

static int serve(struct daemon *d, const char *mountpoint)
{
	struct umdev_serve_signals signals = { .reload = reload, .arg = d };
	int ret;

	log_info("serving the mdev tree on %s", mountpoint);
	ret = ready_announce(mountpoint, d->opts.ready_file);
	if (ret)
		return ret;
	daemonize_finish(true);
	if (d->opts.mdevctl_dir)
		autostart_ready(mountpoint);

	ret = umdev_mount_serve(d->mount, &signals);
	ready_withdraw(d->opts.ready_file);
	if (ret)
		log_error("serving %s: %s", mountpoint, strerror(-ret));
	return ret;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	char mountpoint[PATH_MAX];
	bool keep_chown = false;
	int ret;

	ret = options_parse(argc, argv, &d.opts);
	if (ret)
		return ret > 0 ? EXIT_SUCCESS : 2;
	log_set_level(d.opts.log_level);
	raise_nofile_limit();
	/* A peer that goes away (a client socket of a driver) must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Stop signals wait until the tree is served, where one thread takes
	 * them: a SIGTERM during start-up (restoring the journal) is not lost,
	 * and no thread a driver or frontend starts can be killed by it.
	 */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	ret = load_config(&d.opts, &d.config);
	if (ret)
		return EXIT_FAILURE;
	ret = umdev_mountpoint_prepare(d.opts.mountpoint, mountpoint);
	if (ret)
		goto out_config;

	if (!d.opts.foreground) {
		ret = daemonize_start();
		if (ret) {
			log_error("cannot go to the background: %s", strerror(-ret));
			goto out_config;
		}
	}
	/*
	 * Before the parents (a device bound earlier would not be served), and
	 * before privileges are dropped (joining the sockets' groups).
	 */
	if (d.opts.socket_dir) {
		ret = socket_access_prepare(&d.opts.socket_access, &d.config, true, &keep_chown);
		if (ret)
			goto out_ready;
		umdev_vfio_user_set_release_timeout(d.opts.release_timeout);
		ret = umdev_vfio_user_start(d.opts.socket_dir, &d.opts.socket_access);
		if (ret) {
			log_error("vfio-user sockets in %s: %s", d.opts.socket_dir, strerror(-ret));
			goto out_ready;
		}
		apply_socket_access(&d, &d.config, NULL);
		log_info("serving devices over vfio-user in %s", d.opts.socket_dir);
	}
	ret = mount_tree(&d, mountpoint, keep_chown);
	if (ret)
		goto out_vfio_user;
	ret = event_log_start();
	if (ret)
		goto out_mount;
	/* Before the parents, whose registration is the first uevent. */
	if (d.opts.uevents) {
		int err = umdev_uevent_start();

		if (err)
			log_warning("sending no uevents: %s", strerror(-err));
	}
	/* Before the parents: each registration queues its mdevctl start-parent-mdevs. */
	if (d.opts.mdevctl_dir) {
		ret = autostart_start(d.opts.mdevctl_dir);
		if (ret) {
			log_error("mdevctl autostart: %s", strerror(-ret));
			goto out_uevents;
		}
	}
	ret = parents_load(&d.config, &d.parents);
	if (ret)
		goto out_autostart;
	ret = journal_start(&d);
	if (ret)
		goto out_parents;

	ret = serve(&d, mountpoint);
	unmount_tree(&d, mountpoint);

	/* The journal stops first: the devices the parents take along stay in it. */
	journal_stop(&d);
	/*
	 * Then the clients go at once: the devices stay in the journal, so the
	 * parents' unregistration must not wait for VMs to release them.
	 */
	if (d.opts.socket_dir)
		umdev_vfio_user_stop();
out_parents:
	parents_unload(&d.parents);
out_autostart:
	if (d.opts.mdevctl_dir)
		autostart_stop();
out_uevents:
	umdev_uevent_stop();
	event_log_stop();
out_mount:
	unmount_tree(&d, mountpoint);
	keeper_stop();
out_vfio_user:
	if (d.opts.socket_dir)
		umdev_vfio_user_stop();
out_ready:
	daemonize_finish(false); /* no-op once serving started */
out_config:
	config_free(&d.config);
	if (!ret)
		log_info("stopped");
	return ret ? EXIT_FAILURE : EXIT_SUCCESS;
}
