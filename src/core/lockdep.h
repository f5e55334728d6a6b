/* SPDX-License-Identifier: MIT */
/*
 * The core's lock order, checked at run time as the kernel's lockdep does
 * (in builds without NDEBUG): every core lock belongs to a class, classes
 * are taken in increasing order only, and no class but the unregistration
 * gate is held when a driver callback, a subscriber or the journal runs.
 * A violation prints both locks and aborts, at the first time the wrong
 * order happens, not at the rare time it deadlocks.
 *
 * Only blocking acquisitions are checked for order: a trylock cannot wait,
 * so it cannot close a cycle (create and remove try-enter the gate).
 */
#ifndef UMDEV_CORE_LOCKDEP_H
#define UMDEV_CORE_LOCKDEP_H

#include <pthread.h>
#include <stdbool.h>

/* Outermost first: the order of private.h. */
enum lock_class {
	LOCK_GATE,	/* parent->unreg_gate */
	LOCK_REGISTRY,	/* registry_lock (parent.c) */
	LOCK_PARENT,	/* parent->lock */
	LOCK_INDEX,	/* index_lock (index.c) */
	LOCK_EVENT,	/* event_lock (events.c) */
	LOCK_JOURNAL,	/* journal_lock (journal.c) */
	NR_LOCK_CLASSES,
};

#ifndef NDEBUG
void lockdep_acquire(enum lock_class class, bool trylock);
void lockdep_release(enum lock_class class);
/* Aborts unless the calling thread holds no core lock but gates. */
void lockdep_assert_callback_allowed(const char *callback);
#else
static inline void lockdep_acquire(enum lock_class class, bool trylock)
{
	(void)class, (void)trylock;
}
static inline void lockdep_release(enum lock_class class)
{
	(void)class;
}
static inline void lockdep_assert_callback_allowed(const char *callback)
{
	(void)callback;
}
#endif

static inline void core_lock(pthread_mutex_t *lock, enum lock_class class)
{
	lockdep_acquire(class, false);
	pthread_mutex_lock(lock);
}

static inline void core_unlock(pthread_mutex_t *lock, enum lock_class class)
{
	pthread_mutex_unlock(lock);
	lockdep_release(class);
}

/* The unregistration gate: create and remove try to enter it, never wait. */
static inline bool gate_try_enter(pthread_rwlock_t *gate)
{
	if (pthread_rwlock_tryrdlock(gate))
		return false;
	lockdep_acquire(LOCK_GATE, true);
	return true;
}

/* Unregistration closes it, waiting for those inside. */
static inline void gate_close(pthread_rwlock_t *gate)
{
	lockdep_acquire(LOCK_GATE, false);
	pthread_rwlock_wrlock(gate);
}

static inline void gate_leave(pthread_rwlock_t *gate)
{
	pthread_rwlock_unlock(gate);
	lockdep_release(LOCK_GATE);
}

#endif /* UMDEV_CORE_LOCKDEP_H */
