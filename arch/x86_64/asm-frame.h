/*
 * Assembler macros shared by the two ways into the kernel from user
 * mode (trapentry.S, syscall.S): both save the general-purpose registers
 * as struct trapframe lays them out (trap.h) and restore them the same
 * way.  Included only by .S files.
 */

/* Pushes and pops that keep gdb's unwind information (CFI) exact, so
 * that `bt` anywhere below walks back into the interrupted code. */
.macro pushq_cfi reg
	pushq	%\reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \reg, 0
.endm
.macro popq_cfi reg
	popq	%\reg
	.cfi_adjust_cfa_offset -8
	.cfi_restore \reg
.endm

/* The fifteen registers of struct trapframe, lowest address (r15) last
 * pushed and first popped. */
.macro pop_gprs
	popq_cfi r15
	popq_cfi r14
	popq_cfi r13
	popq_cfi r12
	popq_cfi r11
	popq_cfi r10
	popq_cfi r9
	popq_cfi r8
	popq_cfi rbp
	popq_cfi rdi
	popq_cfi rsi
	popq_cfi rdx
	popq_cfi rcx
	popq_cfi rbx
	popq_cfi rax
.endm
