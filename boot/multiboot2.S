/*
 * Multiboot2 header (multiboot2 spec, section 3.1).  GRUB scans the first
 * 32 KiB of the kernel file for it; linker.ld puts .multiboot2 first.
 * We ask for nothing special: GRUB leaves the screen in VGA text mode and
 * the ELF program headers tell it where to load us.
 */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* end tag */
	.align 8
	.short 0
	.short 0
	.long 8
mb2_header_end:
