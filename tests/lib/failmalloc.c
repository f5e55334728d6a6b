// SPDX-License-Identifier: MIT
/*
 * The interposed allocator of failmalloc.h. Each function forwards to the
 * next definition (the C library's, or the sanitizer's) found with
 * dlsym(RTLD_NEXT); while dlsym itself allocates, a small static arena
 * serves it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "failmalloc.h"

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);

static __thread unsigned long countdown; /* 0: not armed */
static __thread bool fired;

static _Alignas(max_align_t) char arena[4096];
static size_t arena_used;
static bool resolving;

static bool in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + sizeof(arena);
}

static void *from_arena(size_t size)
{
	size_t at = (arena_used + 15) & ~(size_t)15;

	if (at + size > sizeof(arena))
		return NULL;
	arena_used = at + size;
	return arena + at;
}

static void resolve(void)
{
	if (next_free || resolving)
		return;
	resolving = true;
	next_malloc = dlsym(RTLD_NEXT, "malloc");
	next_calloc = dlsym(RTLD_NEXT, "calloc");
	next_realloc = dlsym(RTLD_NEXT, "realloc");
	next_free = dlsym(RTLD_NEXT, "free");
	resolving = false;
}

/* Whether this allocation is the one to fail. */
static bool should_fail(void)
{
	if (!countdown || --countdown)
		return false;
	fired = true;
	errno = ENOMEM;
	return true;
}

void failmalloc_arm(unsigned long nth)
{
	fired = false;
	countdown = nth;
}

bool failmalloc_disarm(void)
{
	countdown = 0;
	return fired;
}

void *malloc(size_t size)
{
	resolve();
	if (!next_malloc)
		return from_arena(size);
	return should_fail() ? NULL : next_malloc(size);
}

void *calloc(size_t nmemb, size_t size)
{
	resolve();
	if (!next_calloc) {
		size_t total;

		if (__builtin_mul_overflow(nmemb, size, &total))
			return NULL;
		return from_arena(total); /* static memory is zeroed */
	}
	return should_fail() ? NULL : next_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	resolve();
	if (in_arena(ptr) || !next_realloc)
		return NULL; /* only dlsym's bootstrap uses the arena */
	return should_fail() ? NULL : next_realloc(ptr, size);
}

void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(ptr, total);
}

void free(void *ptr)
{
	if (!ptr || in_arena(ptr))
		return;
	resolve();
	next_free(ptr);
}
