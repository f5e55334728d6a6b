// SPDX-License-Identifier: MIT
/*
 * The log's sink: each message becomes one line, written with one
 * write(2), so lines from concurrent threads never interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static enum umdev_log_level current_level = UMDEV_LOG_INFO;

static void write_line(enum umdev_log_level level, const char *message, void *arg)
{
	char line[1200];
	int len;

	(void)arg;
	len = snprintf(line, sizeof(line), "umdevd[%d]: %s: %s", (int)getpid(),
		       umdev_log_level_name(level), message);
	if (len < 0)
		return;
	if ((size_t)len > sizeof(line) - 2)
		len = (int)sizeof(line) - 2; /* cut, but keep the newline */
	line[len++] = '\n';
	while (write(STDERR_FILENO, line, (size_t)len) < 0 && errno == EINTR)
		;
}

void log_set_level(enum umdev_log_level level)
{
	current_level = level;
	umdev_set_log(write_line, NULL, level);
}

enum umdev_log_level log_get_level(void)
{
	return current_level;
}

int log_parse_level(const char *name, enum umdev_log_level *level)
{
	for (enum umdev_log_level l = UMDEV_LOG_ERROR; l <= UMDEV_LOG_DEBUG; l++) {
		if (!strcmp(name, umdev_log_level_name(l))) {
			*level = l;
			return 0;
		}
	}
	return -EINVAL;
}
