/*
 * Floating point for user programs: each process has its own x87, MMX
 * and SSE registers (struct arch_proc in include/arch_proc.h).
 *
 * Eager switching: scheduler() saves the registers of the process leaving
 * a CPU (arch_switch_from) and loads those of the one arriving
 * (arch_switch_to), fxsave and fxrstor, 512 bytes each way.  The lazy
 * alternative (set CR0.TS, load on the first #NM) saves a little time
 * for processes that never use the FPU but needs per-CPU ownership
 * tracking and an IPI when a process migrates; every Baton program is
 * built for SSE2, whose compiler uses xmm registers for plain copies, so
 * nearly every process would take the trap anyway.
 *
 * The kernel itself is built with -mno-sse -mno-mmx -mno-80387 and never
 * touches these registers, so between kernel entry and exit they still
 * hold the running process's values: fork copies them straight from the
 * CPU, and nothing needs saving on a system call or interrupt.
 *
 * Control registers, on every CPU: CR0.MP and NE set (x87 errors raise
 * #MF, reported as that process's fault), EM and TS clear (no emulation,
 * no #NM); CR4.OSFXSR (fxsave/fxrstor and SSE allowed) and OSXMMEXCPT
 * (unmasked SSE errors raise #XM instead of #UD).
 */
#include <stdint.h>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/proc.h"

#define CR0_MP		(1ull << 1)	/* monitor coprocessor: wait honours TS */
#define CR0_EM		(1ull << 2)	/* emulate: x87 instructions raise #UD */
#define CR0_TS		(1ull << 3)	/* task switched: the next FPU use raises #NM */
#define CR0_NE		(1ull << 5)	/* native x87 errors (#MF), not IRQ 13 */
#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXMMEXCPT	(1ull << 10)

/* What finit and a reset leave: every exception masked, round to nearest,
 * 64-bit precision, an empty stack; MXCSR 0x1f80 likewise masks every
 * SSE exception; every data register zero. */
static const struct fxsave_area fpu_clean = {
	.fcw = 0x037f,
	.mxcsr = 0x1f80,
};

static void fxsave(struct fxsave_area *a)
{
	__asm__ volatile("fxsave64 %0" : "=m"(*a));
}

static void fxrstor(const struct fxsave_area *a)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(*a));
}

/* This CPU's control registers for user floating point (arch_cpu_init). */
void fpu_init_cpu(void)
{
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	fxrstor(&fpu_clean);
}

/* A new process (arch_proc_init_user, arch_proc_init_kthread). */
void fpu_init_proc(struct proc *p)
{
	p->arch.fpu = fpu_clean;
}

/* fork: the child starts with the caller's registers, which are still
 * in the CPU (the kernel does not use them). */
void arch_proc_fork(struct proc *child)
{
	fxsave(&child->arch.fpu);
}

/* exec: the new image starts clean.  For the calling process the CPU's
 * registers are cleared too, as it goes straight back to user mode. */
void arch_proc_exec(struct proc *p)
{
	p->arch.fpu = fpu_clean;
	if (p == myproc())
		fxrstor(&fpu_clean);
}

/* Scheduler, p->lock held: p has just left this CPU and may run
 * elsewhere once unlocked, so its registers go to memory now. */
void arch_switch_from(struct proc *p)
{
	fxsave(&p->arch.fpu);
}

/* Scheduler, p->lock held, just before switching to p. */
void fpu_switch_to(struct proc *p)
{
	fxrstor(&p->arch.fpu);
}
