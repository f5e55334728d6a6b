/* SPDX-License-Identifier: MIT */
/*
 * Allocation failures on demand, as SQLite tests them: the test program
 * interposes malloc, calloc, realloc and reallocarray (the shared
 * libraries' calls reach it too), counts the allocations of the calling
 * thread and fails the Nth one with ENOMEM. Run an operation with N = 1,
 * 2, ... until it no longer meets the failure: every allocation it makes
 * has failed once.
 */
#ifndef UMDEV_TEST_FAILMALLOC_H
#define UMDEV_TEST_FAILMALLOC_H

#include <stdbool.h>

/* From now on, the @nth allocation of this thread fails (1: the next one). */
void failmalloc_arm(unsigned long nth);
/*
 * Never fails allocations made by code of the shared object whose path
 * contains @library (NULL: none): a library that cannot survive them.
 */
void failmalloc_skip(const char *library);
/* Stops (true) or resumes counting, for cleanup that is not the operation. */
void failmalloc_pause(bool pause);
/* Stops failing; returns whether the armed failure happened. */
bool failmalloc_disarm(void);

#endif
