// SPDX-License-Identifier: MIT
/*
 * The journal hook (see umdev_set_journal() in bus.h). Unlike an event
 * subscriber, the journal can refuse a change, because a device that a
 * user was told exists must survive a restart of the daemon.
 */
#include <errno.h>

#include "private.h"

static pthread_rwlock_t journal_lock = PTHREAD_RWLOCK_INITIALIZER;
static const struct umdev_journal_ops *journal_ops;
static void *journal_arg;

void umdev_set_journal(const struct umdev_journal_ops *ops, void *arg)
{
	pthread_rwlock_wrlock(&journal_lock);
	journal_ops = ops;
	journal_arg = arg;
	pthread_rwlock_unlock(&journal_lock);
}

int journal_record_create(struct umdev_device *mdev)
{
	int ret = 0;

	pthread_rwlock_rdlock(&journal_lock);
	if (journal_ops && journal_ops->record_create)
		ret = journal_ops->record_create(mdev, journal_arg);
	pthread_rwlock_unlock(&journal_lock);
	return ret > 0 ? -EIO : ret;
}

int journal_record_remove(struct umdev_device *mdev)
{
	int ret = 0;

	pthread_rwlock_rdlock(&journal_lock);
	if (journal_ops && journal_ops->record_remove)
		ret = journal_ops->record_remove(mdev, journal_arg);
	pthread_rwlock_unlock(&journal_lock);
	return ret > 0 ? -EIO : ret;
}

int journal_record_change(struct umdev_device *mdev, const struct umdev_attribute *attr)
{
	int ret = 0;

	pthread_rwlock_rdlock(&journal_lock);
	if (journal_ops && journal_ops->record_change)
		ret = journal_ops->record_change(mdev, attr, journal_arg);
	pthread_rwlock_unlock(&journal_lock);
	return ret > 0 ? -EIO : ret;
}
