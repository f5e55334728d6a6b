/* SPDX-License-Identifier: MIT */
/*
 * Going to the background without losing the exit status of the start-up:
 * the foreground process waits until the daemon says it is serving (exit
 * 0) or has failed (exit 1). stderr is kept, so the log still goes there.
 */
#ifndef UMDEVD_DAEMONIZE_H
#define UMDEVD_DAEMONIZE_H

#include <stdbool.h>

/* Forks; only the daemon returns (0), or a negative errno if fork fails. */
int daemonize_start(void);
/* Tells the waiting process the outcome; then it exits. */
void daemonize_finish(bool ok);

#endif /* UMDEVD_DAEMONIZE_H */
