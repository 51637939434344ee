/*
 * Interrupt and exception entry.  Each of the 256 vectors has a stub that
 * makes the stack uniform (a zero error code where the CPU pushes none),
 * pushes its vector number and jumps to trap_common, which saves every
 * general-purpose register (struct trapframe in trap.h) and calls trap().
 */
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
	/* Entered from ring 3?  Then switch GS to the kernel's per-CPU base. */
	testb	$3, 24(%rsp)		/* cs, above vector and error */
	jz	1f
	swapgs
1:	pushq	%rax
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
	mov	%rsp, %rdi
	xor	%ebp, %ebp		/* ends gdb's frame-pointer walk here */
	cld
	call	trap
	.globl trap_return
trap_return:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	testb	$3, 24(%rsp)
	jz	2f
	swapgs
2:	add	$16, %rsp		/* vector and error code */
	iretq
