// SPDX-License-Identifier: MIT
/*
 * Registering the configured parents through their modules and tearing
 * them down in the reverse order, the mirror of setup.
 */
#include <errno.h>
#include <stdbool.h>
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

static bool same_parent(const struct config_parent *a, const struct config_parent *b)
{
	if (a->module != b->module || strcmp(a->name, b->name) || a->nr_settings != b->nr_settings)
		return false;
	for (size_t i = 0; i < a->nr_settings; i++)
		if (strcmp(a->settings[i].key, b->settings[i].key) ||
		    strcmp(a->settings[i].value, b->settings[i].value))
			return false;
	return true;
}

static void destroy_one(struct loaded_parent *lp)
{
	lp->config->module->destroy(lp->handle);
	log_info("unregistered parent \"%s\"", lp->config->name);
}

int parents_reload(struct loaded_parents *loaded, const struct config *next,
		   void (*gone)(const char *name, void *arg), void *arg)
{
	struct loaded_parent *running;
	size_t *old_of_new, count = 0;
	const size_t none = (size_t)-1;

	running = calloc(next->nr_parents ? next->nr_parents : 1, sizeof(*running));
	old_of_new = calloc(next->nr_parents ? next->nr_parents : 1, sizeof(*old_of_new));
	if (!running || !old_of_new) {
		free(running);
		free(old_of_new);
		return -ENOMEM;
	}

	/* Which running parent each new entry keeps, if any. */
	for (size_t j = 0; j < next->nr_parents; j++) {
		old_of_new[j] = none;
		for (size_t i = 0; i < loaded->count; i++) {
			bool taken = false;

			for (size_t k = 0; k < j; k++)
				taken |= old_of_new[k] == i;
			if (!taken && same_parent(loaded->parents[i].config, &next->parents[j])) {
				old_of_new[j] = i;
				break;
			}
		}
	}

	/* The ones that go, newest first, before any new one may take a name. */
	for (size_t i = loaded->count; i-- > 0;) {
		bool kept = false;

		for (size_t j = 0; j < next->nr_parents; j++)
			kept |= old_of_new[j] == i;
		if (!kept) {
			destroy_one(&loaded->parents[i]);
			if (gone)
				gone(loaded->parents[i].config->name, arg);
		}
	}

	for (size_t j = 0; j < next->nr_parents; j++) {
		const struct config_parent *p = &next->parents[j];
		struct loaded_parent *lp = &running[count];
		int ret;

		if (old_of_new[j] != none) {
			lp->handle = loaded->parents[old_of_new[j]].handle;
			lp->config = p;
			count++;
			continue;
		}
		ret = p->module->create(p->name, p->settings, p->nr_settings, &lp->handle);
		if (ret) {
			log_error("parent \"%s\" (module %s): %s; left out", p->name, p->module->name,
				  strerror(-ret));
			continue;
		}
		lp->config = p;
		count++;
		log_info("registered parent \"%s\" (module %s)", p->name, p->module->name);
	}

	free(old_of_new);
	free(loaded->parents);
	loaded->parents = running;
	loaded->count = count;
	return 0;
}

void parents_unload(struct loaded_parents *loaded)
{
	while (loaded->count) {
		destroy_one(&loaded->parents[--loaded->count]);
	}
	free(loaded->parents);
	loaded->parents = NULL;
}
