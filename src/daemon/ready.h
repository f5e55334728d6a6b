/* SPDX-License-Identifier: MIT */
/*
 * Telling the world that umdevd is ready: the tree is mounted and every
 * journaled device is back. Three ways, for three kinds of waiters:
 * systemd (sd_notify READY=1, for Type=notify units), scripts (a ready
 * file holding the daemon's pid) and people (the log line "ready: ...").
 */
#ifndef UMDEVD_READY_H
#define UMDEVD_READY_H

/* Announces readiness; @ready_file may be NULL. Returns 0 or -errno. */
int ready_announce(const char *mountpoint, const char *ready_file);

/* Withdraws it at shutdown: STOPPING=1, and the ready file goes. */
void ready_withdraw(const char *ready_file);

#endif /* UMDEVD_READY_H */
