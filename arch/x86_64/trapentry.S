/*
 * Interrupt and exception entry.  Each of the 256 vectors has a stub that
 * makes the stack uniform (a zero error code where the CPU pushes none),
 * pushes its vector number and jumps to trap_common, which saves every
 * general-purpose register (struct trapframe in trap.h) and calls trap().
 */
#include "arch/x86_64/asm-frame.h"
#include "arch/x86_64/rflags.h"

	.cfi_sections .debug_frame

/* The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30
 * (Intel SDM vol. 3, 6.13); every other stub pushes a zero in its place. */

	.text
	.altmacro
.macro vector_stub n
	.align 16
vector\n:
	.if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	pushq	$0
	.endif
	pushq	$\n
	jmp	trap_common
.endm

	.set i, 0
	.rept 256
	vector_stub %i
	.set i, i + 1
	.endr

.macro vector_addr n
	.quad	vector\n
.endm

	.section .rodata
	.align 8
	.globl trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	vector_addr %i
	.set i, i + 1
	.endr

	.text
trap_common:
	/* An interruption, not a call: the CFA is the top of what the CPU
	 * pushed (ss, rsp, rflags, cs, rip) and the stub (error, vector). */
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 7 * 8
	.cfi_offset rip, -5 * 8
	.cfi_offset 51, -4 * 8		/* cs (DWARF register numbers) */
	.cfi_offset 49, -3 * 8		/* rflags */
	.cfi_offset rsp, -2 * 8
	.cfi_offset 52, -1 * 8		/* ss */
	/* Entered from ring 3?  Then switch GS to the kernel's per-CPU base. */
	testb	$3, 24(%rsp)		/* cs, above vector and error */
	jz	1f
	swapgs
1:	pushq_cfi rax
	pushq_cfi rbx
	pushq_cfi rcx
	pushq_cfi rdx
	pushq_cfi rsi
	pushq_cfi rdi
	pushq_cfi rbp
	pushq_cfi r8
	pushq_cfi r9
	pushq_cfi r10
	pushq_cfi r11
	pushq_cfi r12
	pushq_cfi r13
	pushq_cfi r14
	pushq_cfi r15
	mov	%rsp, %rdi
	xor	%ebp, %ebp		/* ends panic_backtrace()'s frame-pointer walk */
	/* The CPU cleared TF, NT, RF and IF; DF and AC are still the
	 * interrupted code's.  The kernel runs with all of them clear. */
	pushq	$RFLAGS_RESERVED
	.cfi_adjust_cfa_offset 8
	popfq
	.cfi_adjust_cfa_offset -8
	call	trap
	.globl trap_return
trap_return:
	pop_gprs
	testb	$3, 24(%rsp)
	jz	2f
	/* To user mode: only the flags a program may own, and IF on (IOPL
	 * 0, no VM or RF), whatever the trapframe says (rflags.h). */
	andq	$RFLAGS_USER, 32(%rsp)
	orq	$(RFLAGS_IF | RFLAGS_RESERVED), 32(%rsp)
	swapgs
2:	add	$16, %rsp		/* vector and error code */
	.cfi_adjust_cfa_offset -16
	iretq
	.cfi_endproc
