/* SPDX-License-Identifier: MIT */
/*
 * How umdevd instantiates parent drivers.
 *
 * Each parent driver (drivers/<name>/) exports one module; the daemon's
 * config names a module and a parent name with optional settings, and the
 * daemon calls create() to register that parent and destroy() to
 * unregister it at shutdown. A module may be instantiated more than once
 * under different parent names.
 */
#ifndef UMDEV_MODULE_H
#define UMDEV_MODULE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One "key": "value" pair from the config file, both NUL-terminated text. */
struct umdev_setting {
	const char *key;
	const char *value;
};

struct umdev_parent_module {
	const char *name;    /* the module name used in the config: "mtty" */
	const char *summary; /* one line for --help and logs */
	/*
	 * Registers one parent named @parent_name with @settings (an unknown
	 * key or a bad value is -EINVAL, with an error logged naming it).
	 * On success stores the instance in *@handle and returns 0; on
	 * failure returns a negative errno and registers nothing.
	 */
	int (*create)(const char *parent_name, const struct umdev_setting *settings,
		      size_t nr_settings, void **handle);
	/* Unregisters the parent (removing all its devices) and frees it. */
	void (*destroy)(void *handle);
};

/* The sample parents umdevd loads when no config file is given. */
extern const struct umdev_parent_module umdev_mtty_module;
extern const struct umdev_parent_module umdev_mdpy_module;
extern const struct umdev_parent_module umdev_mbochs_module;

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_MODULE_H */
