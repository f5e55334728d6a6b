/* SPDX-License-Identifier: MIT */
/* Logging the core's events (device created, removed, ...) at debug level. */
#ifndef UMDEVD_EVENT_LOG_H
#define UMDEVD_EVENT_LOG_H

/* Subscribes when the log level is debug; 0 or a negative errno. */
int event_log_start(void);
void event_log_stop(void);

#endif /* UMDEVD_EVENT_LOG_H */
