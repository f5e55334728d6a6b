// SPDX-License-Identifier: MIT
/*
 * Registering the configured parents through their modules and tearing
 * them down in the reverse order, the mirror of setup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parents.h"

int parents_load(const struct config *config, struct loaded_parents *loaded)
{
	loaded->count = 0;
	loaded->parents = calloc(config->nr_parents ? config->nr_parents : 1,
				 sizeof(*loaded->parents));
	if (!loaded->parents)
		return -ENOMEM;

	for (size_t i = 0; i < config->nr_parents; i++) {
		const struct config_parent *p = &config->parents[i];
		struct loaded_parent *lp = &loaded->parents[loaded->count];
		int ret;

		ret = p->module->create(p->name, p->settings, p->nr_settings, &lp->handle);
		if (ret) {
			log_error("parent \"%s\" (module %s): %s", p->name, p->module->name,
				  strerror(-ret));
			parents_unload(loaded);
			return ret;
		}
		lp->config = p;
		loaded->count++;
		log_info("registered parent \"%s\" (module %s)", p->name, p->module->name);
	}
	return 0;
}

void parents_unload(struct loaded_parents *loaded)
{
	while (loaded->count) {
		struct loaded_parent *lp = &loaded->parents[--loaded->count];

		lp->config->module->destroy(lp->handle);
		log_info("unregistered parent \"%s\"", lp->config->name);
	}
	free(loaded->parents);
	loaded->parents = NULL;
}
