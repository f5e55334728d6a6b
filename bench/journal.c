// SPDX-License-Identifier: MIT
/*
 * Benchmark: the journal's cost per change with 100, 10,000 and 100,000
 * journaled devices (issue 11: it must not grow with the device count).
 *
 * For each size, a snapshot of that many devices is restored on the test
 * parent; then CHANGES creates and removes of one more device are timed,
 * each one durable record (compactions included, at their share). The
 * physical limit, measured in the same run and directory: what any
 * durable change must cost at least, one 4 KiB block appended to a file
 * and fdatasync'd (open to close, as the journal does it).
 *
 *   build/bench/journal [DIR]     (default /var/tmp: a real disk, not tmpfs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <umdev/bus.h>

#include "journal.h"
#include "test_driver.h"

/*
 * Changes timed per size: enough for three compactions (the log grows to
 * the snapshot's size, a block per change), so their share is counted.
 */
#define MIN_CHANGES 400
#define BYTES_PER_DEVICE 100 /* about, in the snapshot */

static int changes_for(unsigned long count)
{
	unsigned long n = 3 * count * BYTES_PER_DEVICE / 4096;

	return n < MIN_CHANGES ? MIN_CHANGES : (int)n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void uuid_text(unsigned long n, char out[UMDEV_UUID_STRING_LEN + 1])
{
	snprintf(out, UMDEV_UUID_STRING_LEN + 1, "%08lx-0000-4000-8000-%012lx", (n >> 16) & 0xffffffffUL,
		 n & 0xffffffffffffUL);
}

/* A snapshot of @count devices of type bdrv-a on parent "bench". */
static void write_snapshot(const char *path, unsigned long count)
{
	char uuid[UMDEV_UUID_STRING_LEN + 1];
	FILE *f = fopen(path, "we");

	if (!f)
		die(path);
	fprintf(f, "{\"version\":1,\"devices\":[");
	for (unsigned long i = 0; i < count; i++) {
		uuid_text(i, uuid);
		fprintf(f, "%s{\"uuid\":\"%s\",\"parent\":\"bench\",\"type\":\"bdrv-a\"}",
			i ? "," : "", uuid);
	}
	fprintf(f, "]}\n");
	if (fclose(f))
		die(path);
}

/* Mean seconds per durable 4 KiB append, open to close, in @dir. */
static double append_floor(const char *dir, int changes)
{
	char path[8192], block[4096];
	double start;

	memset(block, '\n', sizeof(block));
	snprintf(path, sizeof(path), "%s/floor", dir);
	start = now();
	for (int i = 0; i < changes; i++) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, block, sizeof(block)) != sizeof(block) || fdatasync(fd))
			die("append");
		close(fd);
	}
	double cost = (now() - start) / changes;
	unlink(path);
	return cost;
}

/* Mean seconds per journaled change with @count devices journaled. */
static double change_cost(const char *dir, unsigned long count, int changes)
{
	static const char *const suffixes[] = { "", ".log", ".prev", ".lock" };
	static struct test_parent tp;
	char path[8192], uuid_str[UMDEV_UUID_STRING_LEN + 1];
	uint8_t uuid[UMDEV_UUID_SIZE];
	struct umdev_journal *journal;
	double start, cost;
	int restored;

	snprintf(path, sizeof(path), "%s/journal.json", dir);
	write_snapshot(path, count);
	if (test_parent_register(&tp, "bench", "bdrv", (unsigned int)count + 16, 0))
		die("register");
	if (umdev_journal_open(path, &journal))
		die("journal open");
	restored = umdev_journal_restore_and_start(journal);
	if (restored != (int)count) {
		fprintf(stderr, "restored %d of %lu devices\n", restored, count);
		exit(1);
	}
	uuid_text(count + 1, uuid_str);
	umdev_uuid_parse(uuid_str, uuid);
	start = now();
	for (int i = 0; i < changes / 2; i++) {
		struct umdev_device *mdev;

		if (umdev_device_create(&tp.types[0], uuid))
			die("create");
		mdev = umdev_device_get(uuid);
		if (!mdev || umdev_device_remove(mdev))
			die("remove");
		umdev_device_put(mdev);
	}
	cost = (now() - start) / (changes / 2 * 2);
	umdev_journal_close(journal);
	test_parent_unregister(&tp);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s/journal.json%s", dir, suffixes[i]);
		unlink(path);
	}
	return cost;
}

int main(int argc, char **argv)
{
	static const unsigned long sizes[] = { 100, 10000, 100000 };
	char dir[4096];
	double at_100 = 0;

	snprintf(dir, sizeof(dir), "%s/umdev-bench-journal-XXXXXX", argc > 1 ? argv[1] : "/var/tmp");
	if (!mkdtemp(dir))
		die(dir);
	printf("the floor: a durable 4 KiB append (open, write, fdatasync, close) in %s\n", dir);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int changes = changes_for(sizes[i]);
		double floor_cost = append_floor(dir, changes);
		double cost = change_cost(dir, sizes[i], changes);

		if (!at_100)
			at_100 = cost;
		printf("%6lu journaled devices, %5d changes: %.3f ms per change, floor %.3f ms: "
		       "%.2fx the floor, %.2fx the cost at 100\n", sizes[i], changes, cost * 1e3,
		       floor_cost * 1e3, cost / floor_cost, cost / at_100);
	}
	rmdir(dir);
	return 0;
}
