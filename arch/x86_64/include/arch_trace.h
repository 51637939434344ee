/*
 * What trace records (kernel/trace.h) need from the architecture, inline:
 * when system calls are traced a record is written on every one, and a
 * function call here would be a tenth of its cost.
 */
#ifndef ARCH_TRACE_H
#define ARCH_TRACE_H

#include <stdint.h>

#include "arch/x86_64/trap.h"

/* The time-stamp counter, the clock of arch_cycles(), in one register. */
static inline uint64_t arch_trace_now(void)
{
	uint64_t t;

	__asm__ volatile("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a"(t) : : "rdx");
	return t;
}

/* The system call's number on entry, its result after (as
 * arch_syscall_args() returns). */
static inline uint64_t arch_trace_syscall_reg(const struct trapframe *tf)
{
	return tf->rax;
}

#endif
