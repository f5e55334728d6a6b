// SPDX-License-Identifier: MIT
/*
 * The table of parent driver modules umdevd knows. The sample drivers are
 * linked when the tree has drivers/ (meson.build defines
 * UMDEVD_SAMPLE_DRIVERS then); the test build of the daemon adds the test
 * parent (UMDEVD_TEST_MODULES). A config naming any other module fails.
 */
#include <string.h>

#include "modules.h"

#ifdef UMDEVD_TEST_MODULES
extern const struct umdev_parent_module umdev_testparent_module;
#endif

static const struct umdev_parent_module *const modules[] = {
#ifdef UMDEVD_SAMPLE_DRIVERS
	&umdev_mtty_module,
	&umdev_mdpy_module,
	&umdev_mbochs_module,
#endif
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
	if (!modules[0])
		fprintf(out, "  (none: this umdevd was built without parent drivers)\n");
	for (size_t i = 0; modules[i]; i++)
		fprintf(out, "  %-10s %s\n", modules[i]->name, modules[i]->summary);
}
