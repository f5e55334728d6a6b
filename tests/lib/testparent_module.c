// SPDX-License-Identifier: MIT
/*
 * "testparent": the test parent (test_driver.c) as a umdevd module, built
 * as testparent.so and loaded by the shipped umdevd from its module
 * directory (umdevd -M DIR). It exercises what the sample drivers may
 * not: two types, core-counted instances, a type description, driver
 * attributes in a `vendor/` group (read/write, read-only, write-only) and
 * a probe that fails on demand.
 *
 * Settings: "max_instances" (1-1024, default 4), "probe_errno" (default
 * 0: probe succeeds; N: probe fails with -N).
 */
#include <errno.h>
#include <stdlib.h>

#include "module.h"
#include "settings.h"
#include "test_driver.h"

static int testparent_create(const char *parent_name, const struct umdev_setting *settings,
			     size_t nr_settings, void **handle)
{
	unsigned int max_instances = 4, probe_errno = 0;
	const struct driver_setting known[] = {
		{ .key = "max_instances", .min = 1, .max = 1024, .value = &max_instances },
		{ .key = "probe_errno", .min = 0, .max = 4095, .value = &probe_errno },
	};
	struct test_parent *tp;
	int ret;

	ret = driver_parse_settings("testparent", parent_name, settings, nr_settings, known,
				    sizeof(known) / sizeof(known[0]));
	if (ret)
		return ret;
	tp = malloc(sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	ret = test_parent_register(tp, parent_name, "testparent", max_instances, 0);
	if (ret) {
		free(tp);
		return ret;
	}
	pthread_mutex_lock(&tp->lock); /* a create may run already */
	tp->probe_error = -(int)probe_errno;
	pthread_mutex_unlock(&tp->lock);
	*handle = tp;
	return 0;
}

static void testparent_destroy(void *handle)
{
	test_parent_unregister(handle);
	free(handle);
}

const struct umdev_parent_module umdev_parent_module = {
	.name = "testparent",
	.summary = "test parent: two types, vendor attributes, failing probe on demand",
	.create = testparent_create,
	.destroy = testparent_destroy,
};
