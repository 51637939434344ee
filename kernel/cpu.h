/*
 * Per-CPU data.  Each CPU reaches its own struct cpu through this_cpu()
 * (the GS base on x86).  The struct is cache-line aligned so that no two
 * CPUs ever write the same line through it.
 *
 * Legend for the fields (after OpenBSD's cpu.h):
 *   [I] immutable after the CPU is started
 *   [o] owned by this CPU: read and written only by it, interrupts off
 *   [a] accessed atomically by any CPU
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch_percpu.h"
#include "kernel/param.h"
#include "kernel/spinlock.h"
#include "lib/queue.h"
#include "lib/uapi.h"

struct proc;

struct cpu {
	struct cpu *self;	/* [I] first field: arch code loads it via GS */
	uint64_t kstack_top;	/* [o] kernel stack of the running process (syscall entry) */
	uint64_t user_rsp;	/* [o] scratch for the syscall entry stub */
	int id;			/* [I] index in cpus[] */
	uint32_t apic_id;	/* [I] interrupt controller's id for this CPU */
	int noff;		/* [o] depth of push_off() nesting */
	bool intena;		/* [o] interrupts were on before the first push_off() */
	bool online;		/* [a] set once the CPU runs kernel code */
	volatile bool call_pending;	/* [a] smp_call_others() request for this CPU */
	bool need_resched;	/* [a] switch away at the next chance */
	struct proc *proc;	/* [o] running process, NULL in the scheduler */
	uint64_t busy_since;	/* [o] cycles when the running process started, or 0 */
	uint64_t idle_since;	/* [o] cycles when this CPU halted, or 0 */
	uint64_t sched_context;	/* [o] scheduler's saved stack pointer (swtch) */

	/* Run queue: rq_lock protects it; rq.len is also read without the
	 * lock, as a load hint. */
	struct spinlock rq_lock;
	struct queue rq;

	/* [o] this CPU's event counters (kernel/counters.h): their own
	 * cache lines, written by no other CPU. */
	struct cpu_counters counters;
} __attribute__((aligned(64)));

/* The syscall entry stub (arch/x86_64/syscall.S) uses these offsets. */
_Static_assert(__builtin_offsetof(struct cpu, kstack_top) == 8, "cpu.kstack_top");
_Static_assert(__builtin_offsetof(struct cpu, user_rsp) == 16, "cpu.user_rsp");

extern struct cpu cpus[NCPU];
extern int ncpu;		/* CPUs online */

/* Returns the calling CPU's block.  Only meaningful with interrupts off,
 * or from a process (which changes CPU only inside sched()). */
static inline struct cpu *this_cpu(void)
{
	return arch_this_cpu();
}

static inline int cpu_id(void)
{
	return this_cpu()->id;
}

/* Points this CPU's per-CPU register at c (arch). */
void cpu_set_local(struct cpu *c);

/* Each AP arrives here once it is up (kernel/main.c). */
void cpu_main(void) __attribute__((noreturn));

/* Interrupt-off nesting, as in xv6: push_off() disables interrupts and
 * pop_off() restores them only when the outermost push_off() is undone. */
void push_off(void);
void pop_off(void);

#endif
