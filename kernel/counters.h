/*
 * Core-local event counters.
 *
 * Each CPU counts its own events in its own cache-line-aligned block
 * (struct cpu_counters inside struct cpu, aligned to 64 bytes and written
 * only by its CPU), so counting never moves a cache line between cores:
 * the measuring instrument does not disturb what it measures.  Remote
 * events are counted by the CPU that sees them: an IPI is counted as sent
 * by the sender and as received by the receiver; a process migrating
 * from CPU a to CPU b is counted by b in migrations_from[a] (so "out of a"
 * is a sum over the other blocks, done by the reader).
 *
 * Readers get a snapshot through the counters() syscall (every CPU
 * copies its own block in an IPI, lib/uapi.h struct cpu_counters).
 */
#ifndef KERNEL_COUNTERS_H
#define KERNEL_COUNTERS_H

#include <stdint.h>

#include "lib/uapi.h"

/* The calling CPU's block.  Increments are atomic adds on a line no other
 * CPU writes, so they cost an uncontended locked add and never bounce. */
struct cpu_counters *my_counters(void);

#define COUNT(field, n) \
	__atomic_fetch_add(&my_counters()->field, (n), __ATOMIC_RELAXED)

/* Fills out[0..ncpu) with every CPU's block, each copied by its own CPU. */
void counters_snapshot(struct cpu_counters *out);
/* The Ctrl-T report. */
void counters_print(void);

#endif
