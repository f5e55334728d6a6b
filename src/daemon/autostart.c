// SPDX-License-Identifier: MIT
/*
 * mdevctl's autostart (autostart.h). A subscriber queues the name of each
 * parent that registers; one thread runs
 *   umdevd-exec -m <mountpoint> -e <mdevctl dir> -- mdevctl start-parent-mdevs <parent>
 * for each, in order, once the tree is served (mdevctl writes to it, so it
 * cannot run in the thread that registers, nor before the mount). The
 * environment's UMDEVD_EXEC names another umdevd-exec (the tests' copy).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <umdev/bus.h>

#include "autostart.h"
#include "keeper.h"
#include "log.h"

#ifndef UMDEVD_EXEC_PATH
#define UMDEVD_EXEC_PATH "umdevd-exec"
#endif

extern char **environ;

struct pending {
	struct pending *next;
	char name[UMDEV_NAME_MAX + 1];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct pending *head, **tail = &head; /* under lock */
static char *mountpoint;		      /* under lock; NULL until served */
static bool stopping;			      /* under lock */
static char *mdevctl_dir;
static pthread_t thread;
static int subscription;

static void on_event(const struct umdev_event *event, void *arg)
{
	struct pending *p;

	(void)arg;
	if (event->type != UMDEV_EVENT_PARENT_REGISTERED)
		return;
	p = calloc(1, sizeof(*p));
	if (!p) {
		log_error("autostart: out of memory: %s's auto devices not started",
			  event->parent->name);
		return;
	}
	strcpy(p->name, event->parent->name);
	pthread_mutex_lock(&lock);
	*tail = p;
	tail = &p->next;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

int autostart_spawn(const char *mnt, const char *dir, const char *parent, pid_t *pid)
{
	const char *exec = getenv("UMDEVD_EXEC"); /* another umdevd-exec (tests) */
	char *argv[] = { exec && *exec ? (char *)exec : UMDEVD_EXEC_PATH, "-m", (char *)mnt,
			 "-e", (char *)dir, "--", "mdevctl", "start-parent-mdevs", (char *)parent,
			 NULL };
	posix_spawnattr_t attr;
	sigset_t none, all;
	int ret;

	/* The daemon's threads block its stop signals and ignore SIGPIPE: not the child's. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	ret = posix_spawnp(pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (ret)
		log_error("autostart: cannot run %s: %s", argv[0], strerror(ret));
	return ret;
}

/*
 * Runs mdevctl start-parent-mdevs @parent in the tree's namespace (by the
 * keeper when umdevd dropped its privileges); logs the outcome.
 */
static void start_parent_mdevs(const char *mnt, const char *parent)
{
	pid_t pid;
	int status;

	if (keeper_running()) {
		status = keeper_start_parent_mdevs(parent);
		if (status < 0) {
			log_error("autostart: the keeper cannot run mdevctl for %s: %s", parent,
				  strerror(-status));
			return;
		}
	} else {
		if (autostart_spawn(mnt, mdevctl_dir, parent, &pid))
			return;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("autostart: started the auto devices of %s (mdevctl start-parent-mdevs)",
			 parent);
	else
		log_warning("autostart: mdevctl start-parent-mdevs %s failed (status %d)", parent,
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void *run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct pending *p;
		char *mnt;

		while (!stopping && (!head || !mountpoint))
			pthread_cond_wait(&wake, &lock);
		if (stopping)
			break;
		p = head;
		head = p->next;
		if (!head)
			tail = &head;
		mnt = strdup(mountpoint);
		pthread_mutex_unlock(&lock);
		if (mnt)
			start_parent_mdevs(mnt, p->name);
		free(mnt);
		free(p);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int autostart_start(const char *dir)
{
	int ret;

	mdevctl_dir = strdup(dir);
	if (!mdevctl_dir)
		return -ENOMEM;
	ret = -pthread_create(&thread, NULL, run, NULL);
	if (ret) {
		free(mdevctl_dir);
		return ret;
	}
	subscription = umdev_subscribe(on_event, NULL);
	if (subscription < 0) {
		ret = subscription;
		subscription = 0;
		autostart_stop();
		return ret;
	}
	return 0;
}

void autostart_ready(const char *mnt)
{
	char *copy = strdup(mnt);

	if (!copy) {
		log_error("autostart: out of memory: no auto device is started");
		return;
	}
	pthread_mutex_lock(&lock);
	free(mountpoint);
	mountpoint = copy;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

void autostart_stop(void)
{
	if (subscription > 0)
		umdev_unsubscribe(subscription);
	subscription = 0;
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	while (head) {
		struct pending *p = head;
		head = p->next;
		free(p);
	}
	tail = &head;
	free(mountpoint);
	mountpoint = NULL;
	free(mdevctl_dir);
	mdevctl_dir = NULL;
	stopping = false;
}
