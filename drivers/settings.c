// SPDX-License-Identifier: MIT
/*
 * Parsing the sample drivers' settings. A config mistake must stop the
 * parent from appearing, with a message that says which key is wrong:
 * a parent silently created with a default budget would be worse.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <umdev/log.h>

#include "settings.h"

#define MAX_KNOWN 8
#define SHOWN_MAX 64

/* A decimal number, digits only: no sign, no spaces, no base prefix. */
static bool parse_decimal(const char *text, unsigned int min, unsigned int max,
			  unsigned int *out)
{
	unsigned int value = 0;

	if (!*text)
		return false;
	for (const char *s = text; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (__builtin_mul_overflow(value, 10u, &value) ||
		    __builtin_add_overflow(value, (unsigned int)(*s - '0'), &value))
			return false;
	}
	if (value < min || value > max)
		return false;
	*out = value;
	return true;
}

/*
 * The text as it can be shown on one line of a log: control and non-ASCII
 * bytes become '?' and long text is cut, so a config cannot forge lines.
 */
static const char *shown(const char *text, char buf[SHOWN_MAX])
{
	size_t i;

	for (i = 0; text[i] && i < SHOWN_MAX - 4; i++)
		buf[i] = (text[i] < 0x20 || text[i] > 0x7e) ? '?' : text[i];
	if (text[i])
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
	return buf;
}

/* "a, b, c": the keys a driver accepts, for the unknown-key message. */
static const char *known_keys(const struct driver_setting *known, size_t nr_known,
			      char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nr_known && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
					known[i].key);
	return nr_known ? buf : "none";
}

int driver_parse_settings(const char *module, const char *parent_name,
			  const struct umdev_setting *settings, size_t nr_settings,
			  const struct driver_setting *known, size_t nr_known)
{
	unsigned int values[MAX_KNOWN];
	const char *texts[MAX_KNOWN];
	bool given[MAX_KNOWN] = { false };
	char parent_buf[SHOWN_MAX], key_buf[SHOWN_MAX], value_buf[SHOWN_MAX];
	char known_buf[128];
	const char *parent = shown(parent_name ? parent_name : "", parent_buf);

	if (nr_known > MAX_KNOWN || (nr_settings && !settings))
		return -EINVAL;

	for (size_t i = 0; i < nr_settings; i++) {
		const char *key = settings[i].key, *value = settings[i].value;
		size_t k;

		if (!key) {
			umdev_log(UMDEV_LOG_ERROR, "%s parent '%s': setting %zu has no key",
				module, parent, i);
			return -EINVAL;
		}
		if (!value) {
			umdev_log(UMDEV_LOG_ERROR, "%s parent '%s': setting '%s' has no value",
				module, parent, shown(key, key_buf));
			return -EINVAL;
		}
		for (k = 0; k < nr_known && strcmp(known[k].key, key); k++)
			;
		if (k == nr_known) {
			umdev_log(UMDEV_LOG_ERROR, "%s parent '%s': unknown setting '%s' (known: %s)",
				module, parent, shown(key, key_buf),
				known_keys(known, nr_known, known_buf, sizeof(known_buf)));
			return -EINVAL;
		}
		if (given[k]) {
			umdev_log(UMDEV_LOG_ERROR, "%s parent '%s': setting '%s' is given twice",
				module, parent, shown(key, key_buf));
			return -EINVAL;
		}
		if (known[k].text) {
			size_t len = strlen(value);

			if (len < known[k].min || len > known[k].max) {
				umdev_log(UMDEV_LOG_ERROR,
					"%s parent '%s': setting '%s' must have %u to %u bytes, not %zu",
					module, parent, key, known[k].min, known[k].max, len);
				return -EINVAL;
			}
			texts[k] = value;
		} else if (!parse_decimal(value, known[k].min, known[k].max, &values[k])) {
			umdev_log(UMDEV_LOG_ERROR,
				"%s parent '%s': setting '%s' must be a decimal number from %u to %u, not '%s'",
				module, parent, key, known[k].min, known[k].max,
				shown(value, value_buf));
			return -EINVAL;
		}
		given[k] = true;
	}

	for (size_t k = 0; k < nr_known; k++) {
		if (given[k] && known[k].text)
			*known[k].text = texts[k];
		else if (given[k])
			*known[k].value = values[k];
	}
	return 0;
}
