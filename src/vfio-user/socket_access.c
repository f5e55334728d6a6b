// SPDX-License-Identifier: MIT
/*
 * Who may connect to each device's socket. The frontend starts with one
 * access for every socket; the daemon may give a parent its own (its
 * config's per-parent "socket"), kept by name so that it holds for every
 * device the parent has, whenever it is made.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <umdev/list.h>
#include <umdev/mdev.h>

#include "socket_access.h"

#define PRIVATE_ACCESS ((struct umdev_socket_access){ (uid_t)-1, (gid_t)-1, 0 })

struct parent_access {
	struct list_head node;
	char parent[UMDEV_NAME_MAX + 1];
	struct umdev_socket_access access;
};

static pthread_mutex_t access_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head parents = { &parents, &parents };
static struct umdev_socket_access default_access = PRIVATE_ACCESS;

/* Under access_lock. */
static struct parent_access *find(const char *parent)
{
	struct list_head *pos;

	list_for_each(pos, &parents) {
		struct parent_access *pa = list_entry(pos, struct parent_access, node);

		if (!strcmp(pa->parent, parent))
			return pa;
	}
	return NULL;
}

void socket_access_set_default(const struct umdev_socket_access *access)
{
	pthread_mutex_lock(&access_lock);
	default_access = access ? *access : PRIVATE_ACCESS;
	pthread_mutex_unlock(&access_lock);
}

int socket_access_set(const char *parent, const struct umdev_socket_access *access)
{
	struct parent_access *pa, *fresh = NULL;

	if (strlen(parent) > UMDEV_NAME_MAX)
		return -EINVAL;
	if (access) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh)
			return -ENOMEM;
		strcpy(fresh->parent, parent);
		fresh->access = *access;
	}
	pthread_mutex_lock(&access_lock);
	pa = find(parent);
	if (pa)
		list_del_init(&pa->node);
	if (fresh)
		list_add_tail(&fresh->node, &parents);
	pthread_mutex_unlock(&access_lock);
	free(pa);
	return 0;
}

void socket_access_reset(void)
{
	pthread_mutex_lock(&access_lock);
	while (!list_empty(&parents)) {
		struct parent_access *pa = list_entry(parents.next, struct parent_access, node);

		list_del_init(&pa->node);
		free(pa);
	}
	default_access = PRIVATE_ACCESS;
	pthread_mutex_unlock(&access_lock);
}

/* Every member spelled out: "the daemon's" is its effective ids. */
static struct umdev_socket_access resolve(struct umdev_socket_access a)
{
	if (!a.mode)
		a.mode = a.group == (gid_t)-1 ? 0600 : 0660;
	if (a.owner == (uid_t)-1)
		a.owner = geteuid();
	if (a.group == (gid_t)-1)
		a.group = getegid();
	return a;
}

struct umdev_socket_access socket_access_of(const char *parent)
{
	struct umdev_socket_access access;
	struct parent_access *pa;

	pthread_mutex_lock(&access_lock);
	pa = find(parent);
	access = pa ? pa->access : default_access;
	pthread_mutex_unlock(&access_lock);
	return resolve(access);
}

static bool shared(const struct umdev_socket_access *a)
{
	struct umdev_socket_access r = resolve(*a);

	return r.owner != geteuid() || (r.mode & 077);
}

bool socket_access_any_shared(void)
{
	struct list_head *pos;
	bool any;

	pthread_mutex_lock(&access_lock);
	any = shared(&default_access);
	list_for_each(pos, &parents)
		any = any || shared(&list_entry(pos, struct parent_access, node)->access);
	pthread_mutex_unlock(&access_lock);
	return any;
}

/*
 * Only the file's owner may chmod() it (umdevd holds no CAP_FOWNER): so the
 * socket is umdevd's while its mode changes, and given away last. Giving
 * it back from another owner takes CAP_CHOWN, which umdevd keeps where an
 * owner is configured.
 */
int socket_access_apply(const char *path, const struct umdev_socket_access *access)
{
	struct umdev_socket_access r = resolve(*access);
	struct stat st;

	if (lstat(path, &st))
		return -errno;
	if (st.st_uid != geteuid() && chown(path, geteuid(), (gid_t)-1))
		return -errno;
	if (chmod(path, r.mode & 0777) || chown(path, r.owner, r.group))
		return -errno;
	return 0;
}
