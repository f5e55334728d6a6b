/* SPDX-License-Identifier: MIT */
/*
 * check(): an assertion for threads other than cmocka's, and for fuzz
 * targets: cmocka's assertions longjmp into the main thread's test, so
 * elsewhere a failed check prints where and aborts instead.
 */
#ifndef UMDEV_TEST_CHECK_H
#define UMDEV_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define check(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                              \
			abort();                                               \
		}                                                              \
	} while (0)

#endif /* UMDEV_TEST_CHECK_H */
