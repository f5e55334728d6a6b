/* SPDX-License-Identifier: MIT */
/* How many descriptors this process has open: the tests' leak check. */
#ifndef UMDEV_TESTS_OPEN_FDS_H
#define UMDEV_TESTS_OPEN_FDS_H

#include <dirent.h>
#include <stdlib.h>

static inline int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		abort();
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own fd */
}

#endif /* UMDEV_TESTS_OPEN_FDS_H */
