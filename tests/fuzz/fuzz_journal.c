// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the journal reader, as umdevd runs it at start: open the
 * journal file (falling back to "<path>.prev" when it is damaged), then
 * restore its devices on two registered test parents ("fa" of driver
 * fdrv, core-counted; "fb" of driver gdrv, driver-counted).
 *
 * Input: the journal file; if it holds a NUL byte, what follows the
 * first one is "<path>.prev".
 *
 * Expected: open gives 0 or -EINVAL (nothing good to load); after a
 * restore every restored device is on the bus and journaled; the bus is
 * empty again at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <umdev/log.h>

#include "check.h"
#include "journal.h"
#include "test_driver.h"

static struct test_parent parent_a, parent_b;
static char dir[64];
static char path[96];

static void quiet(enum umdev_log_level level, const char *message, void *arg)
{
	(void)level, (void)message, (void)arg;
}

static void setup_once(void)
{
	if (dir[0])
		return;
	umdev_set_log(quiet, NULL, UMDEV_LOG_ERROR);
	/* tmpfs where there is one: the restore fsyncs what it writes. */
	snprintf(dir, sizeof(dir), "%s/umdev-fuzz-journal-XXXXXX",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
	check(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal.json", dir);
	check(test_parent_register(&parent_a, "fa", "fdrv", 8, 0) == 0);
	check(test_parent_register(&parent_b, "fb", "gdrv", 0, 8) == 0);
}

static void put_file(const char *suffix, const uint8_t *data, size_t size)
{
	char name[128];
	int fd;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check(fd >= 0);
	check(write(fd, data, size) == (ssize_t)size);
	close(fd);
}

static void remove_files(void)
{
	static const char *const suffixes[] = { "", ".prev", ".tmp", ".corrupt", ".lock" };
	char name[128];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		unlink(name);
	}
}

static void remove_everything(void)
{
	check(test_remove_all_devices() == 0);
	check(umdev_bus_device_count() == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	const uint8_t *nul = memchr(input, 0, size);
	struct umdev_journal *journal;
	int ret;

	setup_once();
	remove_files();
	put_file("", input, nul ? (size_t)(nul - input) : size);
	if (nul)
		put_file(".prev", nul + 1, size - (size_t)(nul + 1 - input));

	ret = umdev_journal_open(path, &journal);
	check(ret == 0 || ret == -EINVAL);
	if (!ret) {
		ret = umdev_journal_restore_and_start(journal);
		check(ret >= 0);
		check(umdev_bus_device_count() == (size_t)ret);
		check(umdev_journal_count(journal) == (size_t)ret);
		umdev_journal_close(journal);
	}
	remove_everything();
	remove_files();
	return 0;
}
