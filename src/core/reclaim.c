// SPDX-License-Identifier: MIT
/*
 * Taking a device back from its user before it is torn down (bus.h,
 * struct umdev_reclaim_ops), and what the request that asked for it needs
 * while it waits (struct umdev_request_ops). Both are hooks the frontends
 * set: the core knows neither who lends devices nor how requests arrive.
 */
#include "private.h"

static const struct umdev_reclaim_ops *reclaim_ops; /* atomic */
static const struct umdev_request_ops *request_ops; /* atomic */

void umdev_set_reclaim_ops(const struct umdev_reclaim_ops *ops)
{
	__atomic_store_n(&reclaim_ops, ops, __ATOMIC_RELEASE);
}

void umdev_set_request_ops(const struct umdev_request_ops *ops)
{
	__atomic_store_n(&request_ops, ops, __ATOMIC_RELEASE);
}

bool umdev_interrupted(void)
{
	const struct umdev_request_ops *ops = __atomic_load_n(&request_ops, __ATOMIC_ACQUIRE);

	return ops && ops->interrupted && ops->interrupted();
}

void umdev_wait_begin(void)
{
	const struct umdev_request_ops *ops = __atomic_load_n(&request_ops, __ATOMIC_ACQUIRE);

	if (ops && ops->wait_begin)
		ops->wait_begin();
}

void umdev_wait_end(void)
{
	const struct umdev_request_ops *ops = __atomic_load_n(&request_ops, __ATOMIC_ACQUIRE);

	if (ops && ops->wait_end)
		ops->wait_end();
}

int device_reclaim(struct umdev_device *mdev, bool interruptible)
{
	const struct umdev_reclaim_ops *ops = __atomic_load_n(&reclaim_ops, __ATOMIC_ACQUIRE);

	if (!ops)
		return 0;
	lockdep_assert_callback_allowed("the reclaim of a device");
	return ops->reclaim(mdev, interruptible);
}

void device_reclaim_cancel(struct umdev_device *mdev)
{
	const struct umdev_reclaim_ops *ops = __atomic_load_n(&reclaim_ops, __ATOMIC_ACQUIRE);

	if (ops && ops->cancel)
		ops->cancel(mdev);
}
