/* SPDX-License-Identifier: MIT */
/* The parent driver modules linked into umdevd, by name. */
#ifndef UMDEVD_MODULES_H
#define UMDEVD_MODULES_H

#include <stdio.h>
#include "module.h"

/* The module called @name, or NULL. */
const struct umdev_parent_module *modules_find(const char *name);
/* One "  name  summary" line per module, for --help. */
void modules_print(FILE *out);

#endif /* UMDEVD_MODULES_H */
