/*
 * First instructions of Baton.  GRUB jumps here in 32-bit protected mode
 * with paging off, eax = multiboot2 magic, ebx = physical address of the
 * boot information.  We run at physical addresses until paging is on, so
 * every symbol is written as PHYS(sym).
 *
 * Steps: check the magic and that the CPU has long mode, clear .bss,
 * build boot page tables (identity map of the first 1 GiB, the same GiB
 * at the direct-map base and at the kernel's link address), enable PAE,
 * long mode and paging, then jump to 64-bit code in the higher half and
 * call kmain(magic, info).
 */
#define KERNEL_VMA	0xFFFFFFFF80000000
#define PHYS(x)		((x) - KERNEL_VMA)
#define MB2_BOOT_MAGIC	0x36d76289
#define COM1		0x3f8
#define PTE_P		0x1
#define PTE_W		0x2
#define PTE_PS		0x80

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	cmp	$MB2_BOOT_MAGIC, %eax
	jne	bad_magic
	/* .bss is not cleared yet: stash the arguments in .boot.data */
	mov	%eax, PHYS(boot_mb2_magic)
	mov	%ebx, PHYS(boot_mb2_info)

	/* Clear .bss before using the stack that lives in it. */
	mov	$PHYS(__bss_start), %edi
	mov	$PHYS(__bss_end), %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$PHYS(boot_stack_top), %esp

	call	check_long_mode
	call	build_page_tables
	call	enter_long_mode
	lgdt	PHYS(boot_gdt_ptr)
	ljmp	$0x08, $PHYS(long_mode_entry)

/* cpuid 0x80000001: edx bit 29 = long mode, bit 20 = NX */
check_long_mode:
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	test	$(1 << 29), %edx
	jz	no_long_mode
	test	$(1 << 20), %edx
	jz	no_long_mode
	ret

/*
 * boot_pd maps physical 0..1 GiB with 2 MiB pages.  boot_pdpt_low[0]
 * points at it; PML4 entries 0 (identity) and 256 (direct map base
 * 0xFFFF800000000000) both use boot_pdpt_low.  PML4 entry 511 uses
 * boot_pdpt_high whose entry 510 (0xFFFFFFFF80000000) points at the same PD.
 */
build_page_tables:
	mov	$PHYS(boot_pd), %edi
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$(PTE_P | PTE_W | PTE_PS), %eax
	mov	%eax, (%edi, %ecx, 8)
	movl	$0, 4(%edi, %ecx, 8)
	inc	%ecx
	cmp	$512, %ecx
	jne	1b

	mov	$PHYS(boot_pd), %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, PHYS(boot_pdpt_low)
	mov	%eax, PHYS(boot_pdpt_high) + 510 * 8

	mov	$PHYS(boot_pdpt_low), %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, PHYS(boot_pml4)
	mov	%eax, PHYS(boot_pml4) + 256 * 8
	mov	$PHYS(boot_pdpt_high), %eax
	or	$(PTE_P | PTE_W), %eax
	mov	%eax, PHYS(boot_pml4) + 511 * 8
	ret

enter_long_mode:
	mov	%cr4, %eax
	or	$(1 << 5), %eax			/* PAE */
	mov	%eax, %cr4
	mov	$PHYS(boot_pml4), %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx		/* EFER */
	rdmsr
	or	$((1 << 8) | (1 << 11)), %eax	/* LME | NXE */
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16) | 1), %eax	/* PG | WP | PE */
	mov	%eax, %cr0
	ret

no_long_mode:
	mov	$PHYS(msg_no_long_mode), %esi
	jmp	early_die
bad_magic:
	mov	$PHYS(msg_bad_magic), %esi
	/* fall through */

/* Print the NUL-terminated string at esi on COM1 and VGA, then halt. */
early_die:
	mov	$0xb8000, %edi
1:	lodsb
	test	%al, %al
	jz	3f
	mov	%al, %bl
	mov	$(COM1 + 5), %dx		/* wait for THR empty */
2:	inb	%dx, %al
	test	$0x20, %al
	jz	2b
	mov	$COM1, %dx
	mov	%bl, %al
	outb	%al, %dx
	mov	%bl, (%edi)
	movb	$0x4f, 1(%edi)			/* white on red */
	add	$2, %edi
	jmp	1b
3:	cli
	hlt
	jmp	3b

	.code64
long_mode_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%ax, %ax
	mov	%ax, %fs
	mov	%ax, %gs
	movabs	$higher_half, %rax
	jmp	*%rax

	.cfi_sections .debug_frame	/* the linker script drops .eh_frame */
	.text
higher_half:
	.cfi_startproc
	.cfi_undefined rip
	movabs	$boot_stack_top, %rsp
	xor	%ebp, %ebp
	mov	boot_mb2_magic(%rip), %edi
	mov	boot_mb2_info(%rip), %esi
	call	kmain
1:	cli
	hlt
	jmp	1b
	.cfi_endproc

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad	0
	.quad	0x00AF9A000000FFFF	/* 0x08: 64-bit code, ring 0 */
	.quad	0x00CF92000000FFFF	/* 0x10: data, ring 0 */
boot_gdt_end:
	.align 16
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.quad	PHYS(boot_gdt)
	.globl boot_mb2_magic, boot_mb2_info
boot_mb2_magic:	.long 0
boot_mb2_info:	.long 0

msg_bad_magic:
	.asciz	"baton: not started by a multiboot2 loader (bad magic in eax); halting\r\n"
msg_no_long_mode:
	.asciz	"baton: this CPU has no 64-bit long mode or NX; halting\r\n"

	.section .boot.bss, "aw", @nobits
	.align 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4096
	.globl boot_stack_top
boot_stack:	.skip 16384
boot_stack_top:
