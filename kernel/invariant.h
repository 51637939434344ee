/*
 * The invariant checker (invariant.c): process table, run queues, handle
 * tables, shared-memory mappings and IPC accounts.
 */
#ifndef KERNEL_INVARIANT_H
#define KERNEL_INVARIANT_H

#include <stddef.h>

/* Panics naming the first broken invariant; otherwise returns how many
 * kernel objects it checked, or -ENOMEM if it found no scratch memory.
 * Call with no spinlock held; it may run while other CPUs run processes. */
int kcheck(void);
/* For the kernel's own tests: the same check, but a broken invariant is
 * counted and the first one described in why instead of panicking.
 * Returns how many it found, or -ENOMEM. */
int kcheck_report(char *why, size_t cap);

#endif
