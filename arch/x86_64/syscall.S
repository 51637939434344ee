/*
 * The `syscall` entry.  The CPU arrives here in ring 0 with the user's
 * rip in rcx and rflags in r11, every flag clear but the reserved bit
 * (MSR_FMASK: interrupts off, DF AC NT TF clear; rflags.h), and still
 * on the user stack.  We switch GS to the per-CPU block, move to the
 * process's kernel stack (cpu->kstack_top), and build the same struct
 * trapframe an interrupt from user mode builds, at the same place, so the
 * C side sees one layout.  syscall_dispatch() returns non-zero when the
 * return must go through iretq (exec replaced the whole trapframe);
 * otherwise we return with sysretq.
 */
#define SEG_UDATA3	0x1b
#define SEG_UCODE3	0x23
#define T_SYSCALL	0x80	/* trapframe.vector marker for syscalls */
#define CPU_KSTACK_TOP	8	/* offsetof(struct cpu, kstack_top) */
#define CPU_USER_RSP	16	/* offsetof(struct cpu, user_rsp) */
#define TRACE_SYSCALLS	2	/* lib/trace.h: system calls are traced (kernel/trace.c) */
#ifndef TRACE_HOOKS		/* make TRACE_HOOKS=0: no tracing hook (kernel/trace.h) */
#define TRACE_HOOKS	1
#endif

#include "arch/x86_64/asm-frame.h"
#include "arch/x86_64/rflags.h"

	.cfi_sections .debug_frame
	.text
	.globl syscall_entry
syscall_entry:
	.cfi_startproc simple
	.cfi_signal_frame
	/* Until the stack switch, rsp is the user's and rcx the user rip. */
	.cfi_def_cfa %rsp, 0
	.cfi_register rip, rcx
	swapgs
	mov	%rsp, %gs:CPU_USER_RSP
	mov	%gs:CPU_KSTACK_TOP, %rsp
	.cfi_undefined rip		/* no unwinding until the trapframe is built */
	pushq	$SEG_UDATA3		/* ss */
	pushq	%gs:CPU_USER_RSP	/* rsp */
	pushq	%r11			/* rflags */
	pushq	$SEG_UCODE3		/* cs */
	pushq	%rcx			/* rip */
	pushq	$0			/* error */
	pushq	$T_SYSCALL		/* vector */
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	/* From here gdb can unwind into the user program: the trapframe
	 * holds every user register, at these offsets from its top (the CFA;
	 * struct trapframe in trap.h). */
	.cfi_def_cfa %rsp, 22 * 8
	.cfi_offset r15, -22 * 8
	.cfi_offset r14, -21 * 8
	.cfi_offset r13, -20 * 8
	.cfi_offset r12, -19 * 8
	.cfi_offset r11, -18 * 8
	.cfi_offset r10, -17 * 8
	.cfi_offset r9, -16 * 8
	.cfi_offset r8, -15 * 8
	.cfi_offset rbp, -14 * 8
	.cfi_offset rdi, -13 * 8
	.cfi_offset rsi, -12 * 8
	.cfi_offset rdx, -11 * 8
	.cfi_offset rcx, -10 * 8
	.cfi_offset rbx, -9 * 8
	.cfi_offset rax, -8 * 8
	.cfi_offset rip, -5 * 8
	.cfi_offset 51, -4 * 8		/* cs */
	.cfi_offset 49, -3 * 8		/* rflags */
	.cfi_offset rsp, -2 * 8
	.cfi_offset 52, -1 * 8		/* ss */
	xor	%ebp, %ebp
	mov	%rsp, %rdi
	sti
#if TRACE_HOOKS
	testb	$TRACE_SYSCALLS, trace_mask(%rip)	/* off: these two instructions */
	jnz	3f
#endif
	call	syscall_dispatch
2:	cli
	/* A return to a non-canonical rip faults in ring 0: sysretq on
	 * Intel CPUs, on the user's stack; iretq on any.  No user page lies
	 * at the top of user space, so only a broken trapframe could ask for
	 * one; end the process rather than the kernel. */
	mov	17 * 8(%rsp), %rdx	/* trapframe.rip; pop_gprs restores rdx */
	sar	$47, %rdx
	jnz	1f
	test	%eax, %eax
	jnz	trap_return		/* the full interrupt-return path */
	.cfi_remember_state
	pop_gprs
	add	$16, %rsp		/* vector, error */
	.cfi_adjust_cfa_offset -16
	popq	%rcx			/* rip for sysret */
	.cfi_adjust_cfa_offset -8
	.cfi_register rip, rcx
	add	$8, %rsp		/* cs */
	.cfi_adjust_cfa_offset -8
	popq	%r11			/* rflags for sysret */
	.cfi_adjust_cfa_offset -8
	and	$RFLAGS_USER, %r11	/* as trap_return does (rflags.h) */
	or	$(RFLAGS_IF | RFLAGS_RESERVED), %r11
	mov	(%rsp), %rsp		/* user stack */
	.cfi_def_cfa %rsp, 0		/* rsp and rcx are the user's now */
	.cfi_same_value rsp
	swapgs
	sysretq
1:	.cfi_restore_state		/* the trapframe is still whole here */
	mov	%rsp, %rdi
	call	user_bad_return		/* does not return */
	ud2
3:	call	trace_syscall_dispatch	/* records entry and exit around the dispatch */
	jmp	2b
	.cfi_endproc
