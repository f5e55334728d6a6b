// SPDX-License-Identifier: MIT
/*
 * The one log of the umdev libraries (see <umdev/log.h>). A message is
 * formatted whole before the sink gets it, so a sink that writes it with
 * one write(2) never interleaves lines of concurrent threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <umdev/log.h>

/*
 * The sink, read-held while a message is given to it (a leaf: nothing is
 * taken inside it, so it is not among the core's ordered locks).
 */
static pthread_rwlock_t log_lock = PTHREAD_RWLOCK_INITIALIZER;
static umdev_log_fn log_fn;
static void *log_arg;
static enum umdev_log_level log_max = UMDEV_LOG_WARNING; /* atomic */

static const char *const level_names[] = {
	[UMDEV_LOG_ERROR] = "error",
	[UMDEV_LOG_WARNING] = "warning",
	[UMDEV_LOG_INFO] = "info",
	[UMDEV_LOG_DEBUG] = "debug",
};

const char *umdev_log_level_name(enum umdev_log_level level)
{
	return level <= UMDEV_LOG_DEBUG ? level_names[level] : "unknown";
}

void umdev_set_log(umdev_log_fn fn, void *arg, enum umdev_log_level max_level)
{
	pthread_rwlock_wrlock(&log_lock);
	log_fn = fn;
	log_arg = arg;
	__atomic_store_n(&log_max, max_level, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&log_lock);
}

bool umdev_log_enabled(enum umdev_log_level level)
{
	return level <= __atomic_load_n(&log_max, __ATOMIC_RELAXED);
}

static void to_stderr(enum umdev_log_level level, const char *message)
{
	char line[1100];
	int len = snprintf(line, sizeof(line), "umdev: %s: %s\n", umdev_log_level_name(level),
			   message);

	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = (int)sizeof(line) - 1;
	while (write(STDERR_FILENO, line, (size_t)len) < 0 && errno == EINTR)
		;
}

void umdev_vlog(enum umdev_log_level level, const char *fmt, va_list ap)
{
	char message[1024];
	int saved = errno;

	if (!umdev_log_enabled(level))
		return;
	if (vsnprintf(message, sizeof(message), fmt, ap) < 0)
		goto out;
	pthread_rwlock_rdlock(&log_lock);
	if (log_fn)
		log_fn(level, message, log_arg);
	else
		to_stderr(level, message);
	pthread_rwlock_unlock(&log_lock);
out:
	errno = saved;
}

void umdev_log(enum umdev_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	umdev_vlog(level, fmt, ap);
	va_end(ap);
}
