// SPDX-License-Identifier: MIT
/* The journal of live devices: recording, restoring, damage, write failures. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <umdev/log.h>

#include "journal.h"

#include "test_driver.h"

#define U1 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a01"
#define U2 "0b5b0f3c-8c1e-4a43-9d5a-6c0e6f1f0a02"

static struct test_parent tp;
static char dir[64], path[128], side[160];
static char *log_text;
static size_t log_size;
static FILE *log_file;

/* The libraries' log, kept to check what the journal reported. */
static void keep_log(enum umdev_log_level level, const char *message, void *arg)
{
	fprintf(arg, "%s: %s\n", umdev_log_level_name(level), message);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/umdev-journal-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal.json", dir);
	log_file = open_memstream(&log_text, &log_size);
	umdev_set_log(keep_log, log_file, UMDEV_LOG_DEBUG);
	assert_int_equal(test_parent_register(&tp, "p1", "tdrv", 8, 0), 0);
	return 0;
}

static int teardown(void **state)
{
	char *cmd;
	(void)state;
	test_parent_unregister(&tp);
	assert_int_equal(umdev_bus_device_count(), 0);
	umdev_set_log(NULL, NULL, UMDEV_LOG_WARNING);
	fclose(log_file);
	free(log_text);
	assert_true(asprintf(&cmd, "rm -rf %s", dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static const char *with(const char *suffix)
{
	snprintf(side, sizeof(side), "%s%s", path, suffix);
	return side;
}

static void write_text(const char *file, const char *text)
{
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct umdev_journal *open_and_start(int expect_restored)
{
	struct umdev_journal *journal;

	assert_int_equal(umdev_journal_open(path, &journal), 0);
	assert_int_equal(umdev_journal_restore_and_start(journal), expect_restored);
	return journal;
}

/* What a daemon stop and start does: journal closed, parent gone and back. */
static void restart_parent(void)
{
	test_parent_unregister(&tp);
	assert_int_equal(umdev_bus_device_count(), 0);
	assert_int_equal(test_parent_register(&tp, "p1", "tdrv", 8, 0), 0);
}

static void set_setting(const char *uuid, const char *value)
{
	struct umdev_device *mdev = umdev_device_get_by_name(uuid);
	const struct umdev_attribute *attr = umdev_device_find_attr(mdev, "vendor", "setting");
	assert_int_equal(umdev_device_attr_store(mdev, attr, value, strlen(value)),
			 (ssize_t)strlen(value));
	umdev_device_put(mdev);
}

static void assert_setting(const char *uuid, const char *expected)
{
	char buf[UMDEV_ATTR_BUF_SIZE];
	struct umdev_device *mdev = umdev_device_get_by_name(uuid);
	assert_non_null(mdev);
	const struct umdev_attribute *attr = umdev_device_find_attr(mdev, "vendor", "setting");
	ssize_t len = umdev_device_attr_show(mdev, attr, buf);
	assert_true(len > 0);
	buf[len] = '\0';
	assert_string_equal(buf, expected);
	umdev_device_put(mdev);
}

static void devices_come_back_with_type_and_attributes(void **state)
{
	struct umdev_journal *journal;
	(void)state;

	journal = open_and_start(0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&tp.types[1], U2 "\n", 37), 37);
	set_setting(U2, "fast\n");
	assert_int_equal(umdev_journal_count(journal), 2);
	umdev_journal_close(journal);
	restart_parent();

	journal = open_and_start(2);
	struct umdev_device *mdev = umdev_device_get_by_name(U2);
	assert_non_null(mdev);
	assert_ptr_equal(umdev_device_type(mdev), &tp.types[1]);
	umdev_device_put(mdev);
	assert_setting(U1, "default\n");
	assert_setting(U2, "fast\n");

	/* A removal is recorded too. */
	mdev = umdev_device_get_by_name(U1);
	assert_int_equal(umdev_device_remove(mdev), 0);
	umdev_device_put(mdev);
	umdev_journal_close(journal);
	restart_parent();
	journal = open_and_start(1);
	assert_null(umdev_device_get_by_name(U1));
	assert_setting(U2, "fast\n");
	umdev_journal_close(journal);
}

static void damaged_journal_falls_back_to_the_state_before(void **state)
{
	struct umdev_journal *journal;
	struct stat st;
	(void)state;

	journal = open_and_start(0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U2, 36), 36);
	umdev_journal_close(journal);
	restart_parent();

	/*
	 * The snapshot is damaged after the last change. The state before it
	 * (here: none, the first start) and the log, which holds every change
	 * since, give back both devices.
	 */
	write_text(path, "{\"version\":1,\"devices\":[{\"uuid\":");
	journal = open_and_start(2);
	fflush(log_file);
	assert_non_null(strstr(log_text, "not JSON"));
	assert_int_equal(stat(with(".corrupt"), &st), 0);
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	assert_non_null(mdev);
	umdev_device_put(mdev);
	mdev = umdev_device_get_by_name(U2);
	assert_non_null(mdev);
	umdev_device_put(mdev);
	umdev_journal_close(journal);
}

/* Appends @text to the log as it is, as a torn or damaged write would leave it. */
static void append_to_log(const char *text)
{
	FILE *f = fopen(with(".log"), "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A daemon that journaled U1 and stopped: journal closed, parent gone and back. */
static void record_u1_then_stop(void)
{
	struct umdev_journal *journal = open_and_start(0);

	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	umdev_journal_close(journal);
	restart_parent();
}

static void unfinished_last_record_is_dropped(void **state)
{
	struct umdev_journal *journal;
	(void)state;

	record_u1_then_stop();

	/* A crash in the middle of the next append: never acknowledged. */
	append_to_log("2 0badc0de {\"op\":\"create\",\"uuid\":\"" U2 "\",\"par");
	journal = open_and_start(1);
	assert_null(umdev_device_get_by_name(U2));
	fflush(log_file);
	assert_non_null(strstr(log_text, "dropped an unfinished last record"));
	assert_int_equal(access(with(".log.corrupt"), F_OK), -1);
	/* The next change is recorded after it, and comes back. */
	set_setting(U1, "after");
	umdev_journal_close(journal);
	restart_parent();
	journal = open_and_start(1);
	assert_setting(U1, "after\n");
	umdev_journal_close(journal);
}

static void damaged_log_keeps_the_records_before_the_damage(void **state)
{
	struct umdev_journal *journal;
	(void)state;

	record_u1_then_stop();

	/* Garbage, then a good-looking record: damage, not an unfinished write. */
	append_to_log("2 00000000 {\"op\":\"remove\"}\n");
	append_to_log("3 00000000 {}\n");
	journal = open_and_start(1);
	fflush(log_file);
	assert_non_null(strstr(log_text, "damaged after record 1"));
	assert_int_equal(access(with(".log.corrupt"), F_OK), 0);
	umdev_journal_close(journal);
	restart_parent();
	/* The snapshot written at the start holds U1: nothing is lost at the next start either. */
	journal = open_and_start(1);
	umdev_journal_close(journal);
}

static void many_changes_compact_the_log(void **state)
{
	struct umdev_journal *journal;
	struct stat st;
	char value[32];
	(void)state;

	journal = open_and_start(0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	/* Far more changes than the log may hold before a compaction. */
	for (int i = 0; i < 200; i++) {
		snprintf(value, sizeof(value), "v%d", i);
		set_setting(U1, value);
		assert_int_equal(stat(with(".log"), &st), 0);
		assert_true(st.st_size <= (64 << 10) + 4096);
	}
	umdev_journal_close(journal);
	restart_parent();
	journal = open_and_start(1);
	assert_setting(U1, "v199\n");
	umdev_journal_close(journal);
}

static void unreadable_journal_without_a_good_state_refuses(void **state)
{
	static const char *const damaged[] = {
		"not json",
		"[]",
		"{\"version\":2,\"devices\":[]}",
		"{\"version\":1}",
		"{\"version\":1,\"devices\":[{\"uuid\":\"nope\",\"parent\":\"p1\",\"type\":\"tdrv-a\"}]}",
		"{\"version\":1,\"devices\":[{\"uuid\":\"" U1 "\",\"parent\":\"p1\"}]}",
		"{\"version\":1,\"devices\":[{\"uuid\":\"" U1 "\",\"parent\":\"p1\",\"type\":\"tdrv-a\"},"
		"{\"uuid\":\"" U1 "\",\"parent\":\"p1\",\"type\":\"tdrv-b\"}]}",
		"{\"version\":1,\"devices\":[{\"uuid\":\"" U1 "\",\"parent\":\"p1\",\"type\":\"tdrv-a\","
		"\"attrs\":{\"vendor/setting\":3}}]}",
	};
	struct umdev_journal *journal;
	(void)state;

	for (size_t i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
		write_text(path, damaged[i]);
		unlink(with(".prev"));
		assert_int_equal(umdev_journal_open(path, &journal), -EINVAL);
		/* Nothing is lost: the damaged file is kept aside, untouched. */
		assert_int_equal(access(with(".corrupt"), F_OK), 0);
		unlink(with(".corrupt"));
	}
	assert_int_equal(umdev_bus_device_count(), 0);
}

static void failed_write_refuses_the_change(void **state)
{
	struct umdev_journal *journal;
	(void)state;

	journal = open_and_start(0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U1, 36), 36);
	/*
	 * Neither the log nor a snapshot's temporary file can be written:
	 * every change must fail cleanly.
	 */
	char log[160], saved[160];
	snprintf(log, sizeof(log), "%s.log", path);
	snprintf(saved, sizeof(saved), "%s.log.saved", path);
	assert_int_equal(rename(log, saved), 0);
	assert_int_equal(mkdir(log, 0700), 0);
	assert_int_equal(mkdir(with(".tmp"), 0700), 0);
	assert_int_equal(umdev_type_create_store(&tp.types[0], U2, 36), -EISDIR);
	assert_null(umdev_device_get_by_name(U2));
	struct umdev_device *mdev = umdev_device_get_by_name(U1);
	assert_int_equal(umdev_device_remove(mdev), -EISDIR);
	assert_true(umdev_device_is_bound(mdev));
	const struct umdev_attribute *attr = umdev_device_find_attr(mdev, "vendor", "setting");
	assert_int_equal(umdev_device_attr_store(mdev, attr, "x", 1), -EISDIR);
	umdev_device_put(mdev);
	assert_int_equal(umdev_journal_count(journal), 1);
	fflush(log_file);
	assert_non_null(strstr(log_text, "cannot record"));

	/* The disk is back: the journal still holds exactly U1, default setting. */
	assert_int_equal(rmdir(with(".tmp")), 0);
	assert_int_equal(rmdir(log), 0);
	assert_int_equal(rename(saved, log), 0);
	umdev_journal_close(journal);
	restart_parent();
	journal = open_and_start(1);
	assert_setting(U1, "default\n");
	umdev_journal_close(journal);
}

static void devices_of_a_missing_parent_are_reported_and_dropped(void **state)
{
	struct umdev_journal *journal;
	(void)state;

	write_text(path, "{\"version\":1,\"devices\":["
			 "{\"uuid\":\"" U1 "\",\"parent\":\"gone\",\"type\":\"tdrv-a\"},"
			 "{\"uuid\":\"" U2 "\",\"parent\":\"p1\",\"type\":\"tdrv-z\"}]}");
	journal = open_and_start(0);
	fflush(log_file);
	assert_non_null(strstr(log_text, "parent gone is not loaded"));
	assert_non_null(strstr(log_text, "has no type tdrv-z"));
	assert_int_equal(umdev_journal_count(journal), 0);
	umdev_journal_close(journal);
}

static void one_journal_one_daemon(void **state)
{
	struct umdev_journal *first, *second;
	(void)state;

	assert_int_equal(umdev_journal_open(path, &first), 0);
	assert_int_equal(umdev_journal_open(path, &second), -EBUSY);
	fflush(log_file);
	assert_non_null(strstr(log_text, "in use by another process"));
	umdev_journal_close(first);
	assert_int_equal(umdev_journal_open(path, &second), 0);
	umdev_journal_close(second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(devices_come_back_with_type_and_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_journal_falls_back_to_the_state_before, setup, teardown),
		cmocka_unit_test_setup_teardown(unfinished_last_record_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_log_keeps_the_records_before_the_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(many_changes_compact_the_log, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_journal_without_a_good_state_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_refuses_the_change, setup, teardown),
		cmocka_unit_test_setup_teardown(devices_of_a_missing_parent_are_reported_and_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(one_journal_one_daemon, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
