// SPDX-License-Identifier: MIT
/*
 * The interposed allocator of failmalloc.h. Each function forwards to the
 * next definition (the C library's, or the sanitizer's) found with
 * dlsym(RTLD_NEXT); while dlsym itself allocates, a small static arena
 * serves it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
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
static __thread bool paused;

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

static __thread const char *skipped_library;

static bool in_skipped_library(const void *code)
{
	Dl_info info;

	return dladdr(code, &info) && info.dli_fname && strstr(info.dli_fname, skipped_library);
}

/*
 * Whether the allocation comes from the skipped library: made there, or by
 * the C library on its behalf (strdup), a few frames up.
 */
static bool skipped(const void *caller)
{
	static __thread bool walking;
	void *frames[8];
	int n;

	if (!skipped_library || walking)
		return false;
	if (in_skipped_library(caller))
		return true;
	walking = true; /* backtrace() may allocate the first time */
	n = backtrace(frames, 8);
	walking = false;
	for (int i = 0; i < n; i++)
		if (in_skipped_library(frames[i]))
			return true;
	return false;
}

void failmalloc_skip(const char *library)
{
	skipped_library = library;
}

/* Whether this allocation, made by the code at @caller, is the one to fail. */
static bool should_fail_from(const void *caller)
{
	if (paused || !countdown || skipped(caller) || --countdown)
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

void failmalloc_pause(bool pause)
{
	paused = pause;
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
	return should_fail_from(__builtin_return_address(0)) ? NULL : next_malloc(size);
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
	return should_fail_from(__builtin_return_address(0)) ? NULL : next_calloc(nmemb, size);
}

static void *realloc_from(void *ptr, size_t size, const void *caller)
{
	resolve();
	if (in_arena(ptr) || !next_realloc)
		return NULL; /* only dlsym's bootstrap uses the arena */
	return should_fail_from(caller) ? NULL : next_realloc(ptr, size);
}

void *realloc(void *ptr, size_t size)
{
	return realloc_from(ptr, size, __builtin_return_address(0));
}

void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(nmemb, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_from(ptr, total, __builtin_return_address(0));
}

void free(void *ptr)
{
	if (!ptr || in_arena(ptr))
		return;
	resolve();
	next_free(ptr);
}
