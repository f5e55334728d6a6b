// SPDX-License-Identifier: MIT
/*
 * The table of parent driver modules umdevd knows: the sample drivers of
 * drivers/, and in the test build of the daemon (UMDEVD_TEST_MODULES) the
 * test parent too. A config naming any other module fails. A new driver
 * adds its module here and its sources to drivers/meson.build.
 */
#include <string.h>

#include "modules.h"

#ifdef UMDEVD_TEST_MODULES
extern const struct umdev_parent_module umdev_testparent_module;
#endif

static const struct umdev_parent_module *const modules[] = {
	&umdev_mtty_module,
	&umdev_mdpy_module,
	&umdev_mbochs_module,
#ifdef UMDEVD_TEST_MODULES
	&umdev_testparent_module,
#endif
	NULL,
};

const struct umdev_parent_module *modules_find(const char *name)
{
	for (size_t i = 0; modules[i]; i++)
		if (!strcmp(modules[i]->name, name))
			return modules[i];
	return NULL;
}

void modules_print(FILE *out)
{
	for (size_t i = 0; modules[i]; i++)
		fprintf(out, "  %-10s %s\n", modules[i]->name, modules[i]->summary);
}
