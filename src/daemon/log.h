/* SPDX-License-Identifier: MIT */
/*
 * umdevd's log: the sink of the libraries' one log (<umdev/log.h>), one
 * line per message on stderr, filtered by level. The daemon's own
 * messages take the same path.
 */
#ifndef UMDEVD_LOG_H
#define UMDEVD_LOG_H

#include <umdev/log.h>

/* Installs the sink with @level as the most verbose level that is written. */
void log_set_level(enum umdev_log_level level);
enum umdev_log_level log_get_level(void);
/* "error", "warning", "info" or "debug"; 0 or -EINVAL. */
int log_parse_level(const char *name, enum umdev_log_level *level);

#define log_error(...) umdev_log(UMDEV_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) umdev_log(UMDEV_LOG_WARNING, __VA_ARGS__)
#define log_info(...) umdev_log(UMDEV_LOG_INFO, __VA_ARGS__)
#define log_debug(...) umdev_log(UMDEV_LOG_DEBUG, __VA_ARGS__)

#endif /* UMDEVD_LOG_H */
