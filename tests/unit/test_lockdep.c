// SPDX-License-Identifier: MIT
/*
 * The core's run-time lock-order check (src/core/lockdep.h): the right
 * order passes, a wrong one, a lock held into a driver callback, and an
 * unregistration from inside a create abort with a message naming both.
 * Each wrong case runs in a child process, which must die of SIGABRT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "lockdep.h"

/* Runs @fn in a child; returns what it printed on stderr if it aborted, else NULL. */
static char *aborts(void (*fn)(void))
{
	static char out[512];
	int pipefd[2], status;
	ssize_t len;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		fn();
		_exit(0);
	}
	close(pipefd[1]);
	len = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	out[len > 0 ? len : 0] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT ? out : NULL;
}

static void in_order(void)
{
	lockdep_acquire(LOCK_GATE, true);
	lockdep_acquire(LOCK_REGISTRY, false);
	lockdep_acquire(LOCK_PARENT, false);
	lockdep_acquire(LOCK_INDEX, false);
	lockdep_release(LOCK_INDEX);
	lockdep_release(LOCK_PARENT);
	lockdep_release(LOCK_REGISTRY);
	lockdep_assert_callback_allowed("probe"); /* the gate alone is allowed */
	lockdep_release(LOCK_GATE);
}

static void index_then_parent(void)
{
	lockdep_acquire(LOCK_INDEX, false);
	lockdep_acquire(LOCK_PARENT, false);
}

static void parent_twice(void)
{
	lockdep_acquire(LOCK_PARENT, false);
	lockdep_acquire(LOCK_PARENT, false);
}

static void callback_under_index_lock(void)
{
	lockdep_acquire(LOCK_INDEX, false);
	lockdep_assert_callback_allowed("the driver's probe");
}

/* A probe (inside a gate) unregistering a parent: it would wait for itself. */
static void unregister_inside_create(void)
{
	lockdep_acquire(LOCK_GATE, true);
	lockdep_acquire(LOCK_GATE, false);
}

static void release_unheld(void)
{
	lockdep_release(LOCK_EVENT);
}

static void right_order_passes(void **state)
{
	(void)state;
	assert_null(aborts(in_order));
}

static void wrong_orders_abort_naming_both_locks(void **state)
{
	char *msg;
	(void)state;

	msg = aborts(index_then_parent);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "taking parent->lock while holding index_lock"));
	msg = aborts(parent_twice);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "taking parent->lock while holding parent->lock"));
	msg = aborts(unregister_inside_create);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "taking parent->unreg_gate while holding parent->unreg_gate"));
	msg = aborts(callback_under_index_lock);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "calling the driver's probe while holding index_lock"));
	assert_non_null(aborts(release_unheld));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(right_order_passes),
		cmocka_unit_test(wrong_orders_abort_naming_both_locks),
	};
#ifdef NDEBUG
	fprintf(stderr, "lockdep is compiled out with NDEBUG\n");
	return 77; /* skipped */
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
