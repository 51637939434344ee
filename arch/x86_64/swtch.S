/*
 * Kernel context switch and the first return of a new process.
 *
 * void swtch(uint64_t *old, uint64_t new)
 *   Saves the callee-saved registers and rflags on the current kernel
 *   stack, stores the stack pointer in *old, loads `new` as the stack
 *   pointer, and pops the registers saved there.  The `ret` then resumes
 *   whoever saved `new`.  Everything else a C caller keeps is already on
 *   its stack.
 *
 *   rflags goes with the stack it was saved on: whatever flags one
 *   process's kernel code ran with never reach another's (a stray NT
 *   would make the other's iretq fault).  Callers hold a spinlock, so
 *   IF is clear in both.
 */
	.cfi_sections .debug_frame
	.text
	.globl swtch
swtch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushfq
	mov	%rsp, (%rdi)
	mov	%rsi, %rsp
	popfq
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/*
 * A new user process's first switch returns here (arch_proc_init puts
 * this address under its saved registers).  The stack pointer then
 * points at its trapframe: finish the scheduler's hand-off in C and leave
 * through the interrupt return path.
 */
	.globl user_first_run
user_first_run:
	call	proc_first_run
	jmp	trap_return

/* A kernel thread's first switch: r13 = function, r12 = argument. */
	.globl kthread_first_run
kthread_first_run:
	.cfi_startproc
	.cfi_undefined rip
	call	proc_first_run
	mov	%r12, %rdi
	call	*%r13
	xor	%edi, %edi
	call	kthread_exit
	ud2
	.cfi_endproc
