/*
 * Allocation-failure injection, for tests: makes chosen frame or kmalloc
 * allocations fail as if memory had run out, so that every path that
 * handles -ENOMEM can be made to run (docs/reliability.md).
 *
 * The allocators ask failinject_fail() once per request, before taking
 * their own locks.  With injection off that is one atomic load.
 */
#ifndef KERNEL_FAILINJECT_H
#define KERNEL_FAILINJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/uapi.h"

/* Whether this allocation (what: FI_FRAMES or FI_KMALLOC) must fail. */
bool failinject_fail(uint32_t what);

/* Replaces the setting; returns the failures injected under the old one,
 * or -EINVAL for a bad setting (then nothing changes). */
int64_t failinject_set(const struct failinject_set *fs);

#endif
