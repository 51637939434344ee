/*
 * _start: where every user program begins.
 *
 * The kernel enters in ring 3 with rdi = argc, rsi = argv (an array of
 * argc string pointers and a NULL, on the user stack), rsp 16-byte
 * aligned and rbp = 0.  rdi and rsi are already main's two arguments, so
 * _start only has to call main and hand its result to exit(), which
 * never returns.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	.cfi_startproc
	/* The outermost frame: tell gdb there is no caller to unwind to. */
	.cfi_undefined rip
	xor	%ebp, %ebp
	/* Cheap insurance: main must start on an aligned stack. */
	and	$-16, %rsp
	call	main
	mov	%eax, %edi
	call	exit
	ud2			/* exit() returned: impossible */
	.cfi_endproc
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
