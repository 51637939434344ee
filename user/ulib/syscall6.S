/*
 * long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
 *
 * Enters the kernel with any number, including ones that do not exist, for
 * tests of the dispatcher.  The C convention delivers nr and a1..a5 in
 * rdi, rsi, rdx, rcx, r8, r9 and a6 on the stack; the syscall ABI wants
 * the number in rax and a1..a6 in rdi, rsi, rdx, r10, r8, r9, so every
 * argument moves one register along.
 */
	.text
	.globl	syscall6
	.type	syscall6, @function
syscall6:
	.cfi_startproc
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9		/* a6: above the return address */
	syscall
	ret
	.cfi_endproc
	.size	syscall6, . - syscall6

	.section .note.GNU-stack, "", @progbits
