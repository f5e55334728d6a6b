/* SPDX-License-Identifier: MIT */
/* umdevd's log: one line per message on stderr, filtered by level. */
#ifndef UMDEVD_LOG_H
#define UMDEVD_LOG_H

enum log_level {
	LOGL_ERROR,
	LOGL_WARNING,
	LOGL_INFO,
	LOGL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warning", "info" or "debug"; 0 or -EINVAL. */
int log_parse_level(const char *name, enum log_level *level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOGL_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)

#endif /* UMDEVD_LOG_H */
