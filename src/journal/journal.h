/* SPDX-License-Identifier: MIT */
/*
 * The journal of live devices: what umdevd writes on every change so that
 * a restart, or a crash, brings back every device a user was told exists,
 * with the same UUID, type and driver attributes.
 *
 * A JSON snapshot at <path> and a log of the changes since at
 * "<path>.log", one flushed record per change, compacted into a new
 * snapshot once it outgrows the old one (journal.c has the format). The
 * snapshot before the last is kept as "<path>.prev". A snapshot or log
 * that cannot be read is reported and moved aside, never overwritten.
 */
#ifndef UMDEV_JOURNAL_H
#define UMDEV_JOURNAL_H

#include <stdio.h>

#include <umdev/bus.h>

#ifdef __cplusplus
extern "C" {
#endif

struct umdev_journal;

/*
 * Opens the journal at @path and loads what it holds (nothing if the file
 * does not exist). A file that cannot be parsed is reported in the log (<umdev/log.h>), moved
 * to "<path>.corrupt", and the previous state ("<path>.prev") is loaded
 * instead when it is good. Returns 0, or a negative errno when neither
 * holds a good state (-EINVAL), the file cannot be read, or another
 * process holds the journal ("<path>.lock"): -EBUSY.
 */
int umdev_journal_open(const char *path, struct umdev_journal **out);

/*
 * Recreates every journaled device (same UUID, type, attributes) on the
 * parents registered now, reporting each failure on the log; devices that
 * cannot be restored are dropped from the journal. Then starts recording
 * (installs the core's journal hook) and writes the journal once.
 * Returns the number of devices restored, or a negative errno if the
 * journal cannot be written.
 */
int umdev_journal_restore_and_start(struct umdev_journal *journal);

/*
 * Forgets the devices of @parent: the daemon unregistered it for good
 * (a config reload), so they must not come back at the next start.
 */
int umdev_journal_drop_parent(struct umdev_journal *journal, const char *parent);

/* The number of devices the journal holds. */
size_t umdev_journal_count(struct umdev_journal *journal);

/* Stops recording (before the daemon unregisters its parents) and frees. */
void umdev_journal_close(struct umdev_journal *journal);

#ifdef __cplusplus
}
#endif
#endif /* UMDEV_JOURNAL_H */
