/*
 * What the architecture keeps for each process besides its trapframe,
 * embedded in struct proc as p->arch.  kernel/proc.h includes this file
 * through the architecture's include directory (-Iarch/$(ARCH)/include);
 * the portable kernel never looks inside and reaches it only through the
 * hooks in kernel/arch.h (arch_proc_fork, arch_proc_exec, arch_switch_to,
 * arch_switch_from).
 *
 * x86_64: the x87, MMX and SSE registers, in the 512-byte layout of
 * fxsave/fxrstor (Intel SDM vol. 1, 10.5.1).  arch/x86_64/fpu.c saves
 * them when the process leaves a CPU and loads them when it arrives.
 */
#ifndef ARCH_PROC_H
#define ARCH_PROC_H

#include <stdint.h>

struct fxsave_area {
	uint16_t fcw;		/* x87 control word: 0x37f after finit */
	uint16_t fsw;		/* x87 status word */
	uint8_t ftw;		/* abridged tag word: bit i set = st(i) in use */
	uint8_t reserved1;
	uint16_t fop;
	uint64_t fip, fdp;	/* last x87 instruction and operand */
	uint32_t mxcsr;		/* SSE control and status: 0x1f80 at reset */
	uint32_t mxcsr_mask;
	uint8_t st[8][16];	/* st0..st7 (= mm0..mm7), 10 bytes used of 16 */
	uint8_t xmm[16][16];	/* xmm0..xmm15 */
	uint8_t reserved2[96];
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct fxsave_area) == 512, "fxsave_area size");

struct arch_proc {
	/* The FPU/SSE registers while the process is off the CPU.  Written
	 * by the CPU the process last ran on as it leaves (p->lock held), by
	 * fork for a child not yet running, and by exec for the caller. */
	struct fxsave_area fpu;
};

#endif
