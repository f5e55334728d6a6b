/* SPDX-License-Identifier: MIT */
/*
 * umdev: the one log of every umdev library.
 *
 * The libraries (the core, the vfio-user frontend, the journal) report
 * what they cannot return as an errno through umdev_log(); the program
 * decides where it goes with umdev_set_log(). Without a sink, messages of
 * level WARNING and above go to stderr as "umdev: <level>: <message>".
 */
#ifndef UMDEV_LOG_H
#define UMDEV_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum umdev_log_level {
	UMDEV_LOG_ERROR,
	UMDEV_LOG_WARNING,
	UMDEV_LOG_INFO,
	UMDEV_LOG_DEBUG,
};

/* Gets one message, without a trailing newline. */
typedef void (*umdev_log_fn)(enum umdev_log_level level, const char *message, void *arg);

/*
 * Sends every message up to @max_level to @fn (NULL: stderr). Returns once
 * no message is being given to the previous sink; never call it from a sink.
 */
void umdev_set_log(umdev_log_fn fn, void *arg, enum umdev_log_level max_level);

/* Whether a message of @level would go anywhere (to skip costly formatting). */
bool umdev_log_enabled(enum umdev_log_level level);

void umdev_log(enum umdev_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void umdev_vlog(enum umdev_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* "error", "warning", "info", "debug". */
const char *umdev_log_level_name(enum umdev_log_level level);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_LOG_H */
