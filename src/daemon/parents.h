/* SPDX-License-Identifier: MIT */
/* The parents umdevd registers from its config, and their teardown. */
#ifndef UMDEVD_PARENTS_H
#define UMDEVD_PARENTS_H

#include "config.h"

struct loaded_parent {
	const struct config_parent *config;
	void *handle;
};

struct loaded_parents {
	struct loaded_parent *parents;
	size_t count;
};

/*
 * Creates every parent of @config, in order. If one fails, those already
 * created are destroyed again and its errno is returned: all or nothing.
 */
int parents_load(const struct config *config, struct loaded_parents *loaded);

/*
 * Makes the running parents those of @next: parents whose module, name
 * and settings are unchanged keep running with their devices; the others
 * are destroyed (in the reverse order), then the new ones created in
 * @next's order. A parent that fails to start is logged and left out.
 * Return: 0 when @loaded now refers to @next (free the old config), or a
 * negative errno when nothing changed (free @next). @gone, if not NULL, is
 * told the name of each parent destroyed (its devices are gone for good).
 */
int parents_reload(struct loaded_parents *loaded, const struct config *next,
		   void (*gone)(const char *name, void *arg), void *arg);

/* Destroys the parents in the reverse order (each removes its devices). */
void parents_unload(struct loaded_parents *loaded);

#endif /* UMDEVD_PARENTS_H */
