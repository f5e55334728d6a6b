// SPDX-License-Identifier: MIT
/*
 * The parent driver modules umdevd knows: the sample drivers of drivers/,
 * built in, and modules loaded from the module directory (umdevd -M DIR,
 * default UMDEVD_DEFAULT_MODULE_DIR): the module "NAME" is the shared
 * object DIR/NAME.so, which exports
 *     const struct umdev_parent_module umdev_parent_module;
 * named NAME. A config naming any other module fails. A loaded module
 * stays loaded until the daemon exits: parents of it may live that long.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "modules.h"

static const struct umdev_parent_module *const built_in[] = {
	&umdev_mtty_module,
	&umdev_mdpy_module,
	&umdev_mbochs_module,
	NULL,
};

static const char *module_dir = UMDEVD_DEFAULT_MODULE_DIR;

void modules_set_dir(const char *dir)
{
	module_dir = dir;
}

/* A module name that is a file name of the directory, nothing more. */
static bool valid_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* Loads DIR/@name.so; NULL (with the reason logged) if it is not a module. */
static const struct umdev_parent_module *load(const char *name, bool quiet_if_missing)
{
	const struct umdev_parent_module *module;
	char path[PATH_MAX];
	void *handle;

	if (snprintf(path, sizeof(path), "%s/%s.so", module_dir, name) >= (int)sizeof(path))
		return NULL;
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		const char *why = dlerror();

		if (!quiet_if_missing || !strstr(why, "No such file"))
			log_error("module %s: %s", path, why);
		return NULL;
	}
	module = dlsym(handle, "umdev_parent_module");
	if (!module || !module->name || strcmp(module->name, name) || !module->create ||
	    !module->destroy) {
		log_error("module %s: no umdev_parent_module named \"%s\" with create and destroy",
			  path, name);
		dlclose(handle);
		return NULL;
	}
	return module;
}

const struct umdev_parent_module *modules_find(const char *name)
{
	for (size_t i = 0; built_in[i]; i++)
		if (!strcmp(built_in[i]->name, name))
			return built_in[i];
	return valid_name(name) ? load(name, true) : NULL;
}

void modules_print(FILE *out)
{
	DIR *dir;
	struct dirent *entry;

	fprintf(out, "Parent modules built in:\n");
	for (size_t i = 0; built_in[i]; i++)
		fprintf(out, "  %-10s %s\n", built_in[i]->name, built_in[i]->summary);
	dir = opendir(module_dir);
	if (!dir)
		return;
	fprintf(out, "Parent modules in %s:\n", module_dir);
	while ((entry = readdir(dir))) {
		char name[NAME_MAX + 1];
		size_t len = strlen(entry->d_name);
		const struct umdev_parent_module *module;

		if (len <= 3 || strcmp(entry->d_name + len - 3, ".so"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 3), entry->d_name);
		module = load(name, false);
		if (module)
			fprintf(out, "  %-10s %s\n", module->name, module->summary);
	}
	closedir(dir);
}
