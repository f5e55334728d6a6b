// SPDX-License-Identifier: MIT
/*
 * The journal hook (see umdev_set_journal() in bus.h). Unlike an event
 * subscriber, the journal can refuse a change, because a device that a
 * user was told exists must survive a restart of the daemon.
 *
 * No lock is held while the journal runs (it reads driver attributes, so
 * it calls into drivers): a call is counted instead, and installing
 * another journal waits until no call of the previous one runs.
 */
#include <errno.h>

#include "private.h"

static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t journal_idle = PTHREAD_COND_INITIALIZER;
static const struct umdev_journal_ops *journal_ops;
static void *journal_arg;
static unsigned int journal_calls; /* running */

void umdev_set_journal(const struct umdev_journal_ops *ops, void *arg)
{
	core_lock(&journal_lock, LOCK_JOURNAL);
	while (journal_calls)
		pthread_cond_wait(&journal_idle, &journal_lock);
	journal_ops = ops;
	journal_arg = arg;
	core_unlock(&journal_lock, LOCK_JOURNAL);
}

/* The journal to call, counted as running; NULL when none is installed. */
static const struct umdev_journal_ops *journal_enter(void **arg)
{
	const struct umdev_journal_ops *ops;

	lockdep_assert_callback_allowed("the journal");
	core_lock(&journal_lock, LOCK_JOURNAL);
	ops = journal_ops;
	*arg = journal_arg;
	if (ops)
		journal_calls++;
	core_unlock(&journal_lock, LOCK_JOURNAL);
	return ops;
}

static int journal_leave(int ret)
{
	core_lock(&journal_lock, LOCK_JOURNAL);
	if (--journal_calls == 0)
		pthread_cond_broadcast(&journal_idle);
	core_unlock(&journal_lock, LOCK_JOURNAL);
	return ret > 0 ? -EIO : ret;
}

int journal_record_create(struct umdev_device *mdev)
{
	void *arg;
	const struct umdev_journal_ops *ops = journal_enter(&arg);

	if (!ops)
		return 0;
	return journal_leave(ops->record_create ? ops->record_create(mdev, arg) : 0);
}

int journal_record_remove(struct umdev_device *mdev)
{
	void *arg;
	const struct umdev_journal_ops *ops = journal_enter(&arg);

	if (!ops)
		return 0;
	return journal_leave(ops->record_remove ? ops->record_remove(mdev, arg) : 0);
}

int journal_record_change(struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	void *arg;
	const struct umdev_journal_ops *ops = journal_enter(&arg);

	if (!ops)
		return 0;
	return journal_leave(ops->record_change ? ops->record_change(mdev, attr, arg) : 0);
}
