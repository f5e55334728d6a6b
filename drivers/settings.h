/* SPDX-License-Identifier: MIT */
/*
 * Settings of the sample parent drivers: the "key": "value" pairs that
 * umdevd hands to a module's create(). Every sample takes only whole
 * numbers within a range, so this is all the parsing they share.
 */
#ifndef UMDEV_DRIVERS_SETTINGS_H
#define UMDEV_DRIVERS_SETTINGS_H

#include <stddef.h>

#include "module.h"

/*
 * A setting a driver accepts: a decimal number from @min to @max, or,
 * with @text, any text of @min to @max bytes (a path, say).
 */
struct driver_setting {
	const char *key;
	unsigned int min, max;
	unsigned int *value; /* holds the default; overwritten when given */
	const char **text;   /* instead of @value: set to the given text (valid during create) */
};

/**
 * driver_parse_settings() - fill a driver's settings from the config.
 * @module: the module name, for messages ("mtty").
 * @parent_name: the parent being created, for messages.
 * @known: the @nr_known settings the driver accepts, with their defaults.
 *
 * An unknown key, a key given twice or a value that is not a decimal number
 * in range logs one error naming the key (<umdev/log.h>) and returns -EINVAL.
 * Nothing is written to *@known[i].value unless every setting is valid.
 */
int driver_parse_settings(const char *module, const char *parent_name,
			  const struct umdev_setting *settings, size_t nr_settings,
			  const struct driver_setting *known, size_t nr_known);

#endif /* UMDEV_DRIVERS_SETTINGS_H */
