/*
 * AP start-up trampoline.  An application processor wakes from a
 * STARTUP IPI in 16-bit real mode at physical address page * 4096, so
 * smp.c copies this code to TRAMPOLINE_PHYS (0x8000) first.  It climbs
 * real -> protected -> long mode on the boot page tables (which map this
 * page 1:1 and the kernel in the higher half), loads the stack smp.c left
 * in tramp_stack and jumps to tramp_entry (ap_main) in the higher half.
 *
 * The code is linked inside the kernel but runs at TRAMPOLINE_PHYS, so
 * every address it uses is computed with TR().
 */
#define TRAMPOLINE_PHYS	0x8000
#define TR(x)		((x) - trampoline_start + TRAMPOLINE_PHYS)

	.section .rodata
	.align 16
	.globl trampoline_start, trampoline_end
	.globl tramp_cr3, tramp_stack, tramp_entry
	.code16
trampoline_start:
	cli
	cld
	xor	%ax, %ax
	mov	%ax, %ds
	lgdtl	TR(tramp_gdt_ptr)
	mov	%cr0, %eax
	or	$1, %eax			/* PE */
	mov	%eax, %cr0
	ljmpl	$0x08, $TR(tramp32)

	.code32
tramp32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$(1 << 5), %eax			/* PAE */
	mov	%eax, %cr4
	mov	TR(tramp_cr3), %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx		/* EFER: LME | NXE */
	rdmsr
	or	$((1 << 8) | (1 << 11)), %eax
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16)), %eax	/* PG | WP */
	mov	%eax, %cr0
	ljmp	$0x18, $TR(tramp64)

	.code64
tramp64:
	mov	TR(tramp_stack), %rsp
	xor	%ebp, %ebp
	mov	TR(tramp_entry), %rax
	jmp	*%rax

	.align 16
tramp_gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF	/* 0x08: 32-bit code */
	.quad	0x00CF92000000FFFF	/* 0x10: data */
	.quad	0x00AF9A000000FFFF	/* 0x18: 64-bit code */
tramp_gdt_ptr:
	.short	tramp_gdt_ptr - tramp_gdt - 1
	.long	TR(tramp_gdt)
	.align 8
tramp_cr3:	.quad 0		/* filled in by smp.c */
tramp_stack:	.quad 0
tramp_entry:	.quad 0
trampoline_end:
