/*
 * The one per-CPU access the portable kernel needs inline: the calling
 * CPU's struct cpu.  kernel/cpu.h includes this file through the
 * architecture's include directory (-Iarch/$(ARCH)/include), so the hot
 * paths (locks, the syscall dispatcher) pay one load, not a call.
 *
 * x86_64: GS base holds the address of this CPU's struct cpu, whose first
 * field points at itself (cpu_set_local in arch/x86_64/cpu.c).
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

struct cpu;

static inline struct cpu *arch_this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

#endif
