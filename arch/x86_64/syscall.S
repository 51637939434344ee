/*
 * The `syscall` entry.  The CPU arrives here in ring 0 with the user's
 * rip in rcx and rflags in r11, interrupts masked (MSR_FMASK), and still
 * on the user stack.  We switch GS to the per-CPU block, move to the
 * process's kernel stack (cpu->kstack_top), and build the same struct
 * trapframe an interrupt from user mode builds, at the same place, so the
 * C side sees one layout.  syscall_dispatch() returns non-zero when the
 * return must go through iretq (a new program image, a signal-like kill
 * path); otherwise we return with sysretq.
 */
#define SEG_UDATA3	0x1b
#define SEG_UCODE3	0x23
#define T_SYSCALL	0x80	/* trapframe.vector marker for syscalls */
#define CPU_KSTACK_TOP	8	/* offsetof(struct cpu, kstack_top) */
#define CPU_USER_RSP	16	/* offsetof(struct cpu, user_rsp) */

	.cfi_sections .debug_frame
	.text
	.globl syscall_entry
syscall_entry:
	.cfi_startproc simple
	.cfi_signal_frame
	.cfi_def_cfa %rsp, 0
	.cfi_undefined rip
	swapgs
	mov	%rsp, %gs:CPU_USER_RSP
	mov	%gs:CPU_KSTACK_TOP, %rsp
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
	/* From here gdb can unwind: the user's rip is at trapframe.rip. */
	.cfi_def_cfa %rsp, 22 * 8
	.cfi_offset rip, -5 * 8
	.cfi_offset rsp, -2 * 8
	.cfi_offset rbp, -16 * 8
	xor	%ebp, %ebp
	mov	%rsp, %rdi
	sti
	call	syscall_dispatch
	cli
	test	%eax, %eax
	jnz	trap_return		/* the full interrupt-return path */
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
	add	$16, %rsp		/* vector, error */
	popq	%rcx			/* rip for sysret */
	add	$8, %rsp		/* cs */
	popq	%r11			/* rflags for sysret */
	mov	(%rsp), %rsp		/* user stack */
	swapgs
	sysretq
	.cfi_endproc
