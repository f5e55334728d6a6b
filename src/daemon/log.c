// SPDX-License-Identifier: MIT
/*
 * The log. Each message is formatted whole and written with one write(2),
 * so lines from concurrent threads never interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *const level_names[] = {
	[LOGL_ERROR] = "error",
	[LOGL_WARNING] = "warning",
	[LOGL_INFO] = "info",
	[LOGL_DEBUG] = "debug",
};

static enum log_level current_level = LOGL_INFO;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

int log_parse_level(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(name, level_names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int len, n;

	if (level > current_level)
		return;
	len = snprintf(line, sizeof(line), "umdevd[%d]: %s: ", (int)getpid(), level_names[level]);
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += n;
	if ((size_t)len > sizeof(line) - 2)
		len = (int)sizeof(line) - 2; /* cut, but keep the newline */
	line[len++] = '\n';
	while (write(STDERR_FILENO, line, (size_t)len) < 0 && errno == EINTR)
		;
}
