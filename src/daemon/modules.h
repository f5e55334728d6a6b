/* SPDX-License-Identifier: MIT */
/* The parent driver modules: built into umdevd, or loaded from the module directory. */
#ifndef UMDEVD_MODULES_H
#define UMDEVD_MODULES_H

#include <stdio.h>
#include "module.h"

/* Where modules that are not built in are looked for (umdevd -M). */
void modules_set_dir(const char *dir);
/* The module called @name (built in, or DIR/@name.so), or NULL. */
const struct umdev_parent_module *modules_find(const char *name);
/* The modules built in and those in the module directory, for --help. */
void modules_print(FILE *out);

#endif /* UMDEVD_MODULES_H */
