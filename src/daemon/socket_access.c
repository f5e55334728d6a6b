// SPDX-License-Identifier: MIT
/*
 * Who may connect to the vfio-user sockets (socket_access.h). The frontend
 * gives each socket its owner, group and mode when it makes it, which is
 * after the privilege drop: so the privileges that takes are settled here,
 * at start, and a reload that would need more than umdevd kept is refused.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "config.h"
#include "log.h"
#include "socket_access.h"

/* A decimal id below (id_t)-1, which means "none". */
static int parse_id(const char *text, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	if (errno || end == text || *end || *text == '-' || *out >= (unsigned long)(id_t)-1)
		return -EINVAL;
	return 0;
}

int socket_access_parse_user(const char *text, uid_t *out)
{
	struct passwd *pw = getpwnam(text);
	unsigned long n;

	if (pw) {
		*out = pw->pw_uid;
		return 0;
	}
	if (parse_id(text, &n))
		return -EINVAL;
	*out = (uid_t)n;
	return 0;
}

int socket_access_parse_group(const char *text, gid_t *out)
{
	struct group *gr = getgrnam(text);
	unsigned long n;

	if (gr) {
		*out = gr->gr_gid;
		return 0;
	}
	if (parse_id(text, &n))
		return -EINVAL;
	*out = (gid_t)n;
	return 0;
}

int socket_access_parse_mode(const char *text, mode_t *out)
{
	size_t len = strspn(text, "01234567");
	unsigned long n;

	if (!len || len > 4 || text[len])
		return -EINVAL;
	n = strtoul(text, NULL, 8);
	if (!n || n > 0777)
		return -EINVAL;
	*out = (mode_t)n;
	return 0;
}

struct umdev_socket_access socket_access_merge(const struct umdev_socket_access *global,
					       const struct umdev_socket_access *parent)
{
	return (struct umdev_socket_access){
		.owner = parent->owner != (uid_t)-1 ? parent->owner : global->owner,
		.group = parent->group != (gid_t)-1 ? parent->group : global->group,
		.mode = parent->mode ? parent->mode : global->mode,
	};
}

/* The supplementary groups, with room for one more; NULL if out of memory. */
static gid_t *get_groups(int *count)
{
	int n = getgroups(0, NULL);
	gid_t *groups = n < 0 ? NULL : calloc((size_t)n + 1, sizeof(*groups));

	*count = groups ? getgroups(n, groups) : -1;
	if (*count < 0) {
		free(groups);
		return NULL;
	}
	return groups;
}

static bool member_of(gid_t gid)
{
	int n;
	gid_t *groups = get_groups(&n);
	bool member = gid == getegid();

	for (int i = 0; groups && i < n && !member; i++)
		member = groups[i] == gid;
	free(groups);
	return member;
}

/* Joins @gid, keeping the groups umdevd has; 0 or a negative errno. */
static int join_group(gid_t gid)
{
	int n, ret;
	gid_t *groups = get_groups(&n);

	if (!groups)
		return -ENOMEM;
	groups[n++] = gid;
	ret = setgroups((size_t)n, groups) ? -errno : 0;
	free(groups);
	return ret;
}

static bool holds(capng_type_t set, unsigned int cap)
{
	return !capng_get_caps_process() && capng_have_capability(set, cap);
}

/* "parents[1] (\"mtty\")" or "the command line", for messages. */
static void where(char *buf, size_t size, const struct config *config, size_t i)
{
	if (i < config->nr_parents)
		snprintf(buf, size, "parents[%zu] (\"%s\")", i, config->parents[i].name);
	else
		snprintf(buf, size, "the command line");
}

/* The access of @config's parent @i; the command line's for i == nr_parents. */
static struct umdev_socket_access access_at(const struct umdev_socket_access *global,
					    const struct config *config, size_t i)
{
	return i < config->nr_parents ? socket_access_merge(global, &config->parents[i].socket)
				      : *global;
}

int socket_access_prepare(const struct umdev_socket_access *global, const struct config *config,
			  bool at_start, bool *keep_chown)
{
	/* At start umdevd still has all it may keep; later, what it kept. */
	bool can_chown = holds(at_start ? CAPNG_PERMITTED : CAPNG_EFFECTIVE, CAP_CHOWN);
	bool owners = false;
	char at[UMDEV_NAME_MAX + 32];

	/* Owners first: where one is given, CAP_CHOWN is kept and covers the groups. */
	for (size_t i = 0; i <= config->nr_parents; i++) {
		struct umdev_socket_access a = access_at(global, config, i);

		if (a.owner == (uid_t)-1 || a.owner == geteuid())
			continue;
		owners = true;
		if (can_chown)
			continue;
		where(at, sizeof(at), config, i);
		log_error("%s: socket owner %u: giving a socket another owner takes CAP_CHOWN, "
			  "which umdevd %s", at, (unsigned int)a.owner,
			  at_start ? "does not have (systemd: add it to CapabilityBoundingSet=)"
				   : "keeps only when an owner is given at start: restart umdevd");
		return -EPERM;
	}
	if (keep_chown)
		*keep_chown = owners;
	if (owners)
		return 0;
	for (size_t i = 0; i <= config->nr_parents; i++) {
		struct umdev_socket_access a = access_at(global, config, i);
		int ret;

		if (a.group == (gid_t)-1 || member_of(a.group))
			continue;
		ret = at_start ? join_group(a.group) : -EPERM;
		if (!ret) {
			log_debug("joined group %u for the vfio-user sockets", (unsigned int)a.group);
			continue;
		}
		where(at, sizeof(at), config, i);
		if (at_start)
			log_error("%s: socket group %u: umdevd is not a member and cannot join it "
				  "(%s; systemd: SupplementaryGroups=)", at, (unsigned int)a.group,
				  strerror(-ret));
		else
			log_error("%s: socket group %u: umdevd is not a member (it joins the groups "
				  "of its sockets at start: restart umdevd)", at, (unsigned int)a.group);
		return -EPERM;
	}
	return 0;
}
