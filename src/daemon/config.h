/* SPDX-License-Identifier: MIT */
/*
 * umdevd's configuration: which parents to register, with which module and
 * settings. JSON, for example:
 *
 *   {"parents": [{"module": "mtty", "name": "mtty", "settings": {"ports": "24"},
 *                 "socket": {"owner": "libvirt-qemu", "group": "kvm", "mode": "0660"}}]}
 *
 * See docs/umdevd.8 for the format.
 */
#ifndef UMDEVD_CONFIG_H
#define UMDEVD_CONFIG_H

#include <stddef.h>
#include "module.h"
#include "socket_access.h"

struct config_parent {
	const struct umdev_parent_module *module;
	char *name;
	struct umdev_setting *settings;
	size_t nr_settings;
	struct umdev_socket_access socket; /* SOCKET_ACCESS_UNSET where not given */
};

struct config {
	struct config_parent *parents;
	size_t nr_parents;
};

/*
 * Reads and checks the config file at @path. A problem is logged as
 * "<path>: <problem>" and returns a negative errno; @config is then empty.
 */
int config_load_file(const char *path, struct config *config);

/* The built-in default: the sample parents mtty, mdpy and mbochs. */
int config_load_default(struct config *config);

/* The same from text, @origin naming it in messages. */
int config_parse(const char *origin, const char *text, size_t len, struct config *config);

void config_free(struct config *config);

#endif /* UMDEVD_CONFIG_H */
