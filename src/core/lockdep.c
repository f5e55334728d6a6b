// SPDX-License-Identifier: MIT
/* The run-time check of the core's lock order (see lockdep.h). */
#include <stdio.h>
#include <stdlib.h>

#include "lockdep.h"

#ifndef NDEBUG

static const char *const class_names[NR_LOCK_CLASSES] = {
	[LOCK_GATE] = "parent->unreg_gate",
	[LOCK_REGISTRY] = "registry_lock",
	[LOCK_PARENT] = "parent->lock",
	[LOCK_INDEX] = "index_lock",
	[LOCK_EVENT] = "event_lock",
	[LOCK_JOURNAL] = "journal_lock",
};

/* How many locks of each class this thread holds. */
static __thread unsigned int held[NR_LOCK_CLASSES];

static void violation(const char *what, const char *detail, enum lock_class holding)
{
	fprintf(stderr, "umdev lockdep: %s %s while holding %s (order: see src/core/private.h)\n",
		what, detail, class_names[holding]);
	abort();
}

void lockdep_acquire(enum lock_class class, bool trylock)
{
	if (!trylock)
		for (int c = class; c < NR_LOCK_CLASSES; c++)
			if (held[c])
				violation("taking", class_names[class], (enum lock_class)c);
	held[class]++;
}

void lockdep_release(enum lock_class class)
{
	if (!held[class]) {
		fprintf(stderr, "umdev lockdep: releasing %s, which is not held\n",
			class_names[class]);
		abort();
	}
	held[class]--;
}

void lockdep_assert_callback_allowed(const char *callback)
{
	for (int c = LOCK_GATE + 1; c < NR_LOCK_CLASSES; c++)
		if (held[c])
			violation("calling", callback, (enum lock_class)c);
}

#endif /* NDEBUG */
