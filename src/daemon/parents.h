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

/* Destroys the parents in the reverse order (each removes its devices). */
void parents_unload(struct loaded_parents *loaded);

#endif /* UMDEVD_PARENTS_H */
