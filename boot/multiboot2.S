/*
 * Multiboot2 header (multiboot2 spec, section 3.1).  GRUB scans the first
 * 32 KiB of the kernel file for it; linker.ld puts .multiboot2 first.
 * The ELF program headers tell GRUB where to load us.  The one request is
 * a framebuffer tag (optional, no preferred mode): without it GRUB for
 * UEFI, which has no VGA text mode, passes no display at all.  Which mode
 * comes is boot/grub.cfg's choice (gfxpayload): text under BIOS, the
 * firmware's own mode under UEFI.
 */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCH_I386 0
#define MB2_HDR_FRAMEBUFFER 5
#define MB2_HDR_OPTIONAL 1

	.section .multiboot2, "a"
	.align 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* framebuffer tag: any width, height and depth */
	.align 8
	.short MB2_HDR_FRAMEBUFFER
	.short MB2_HDR_OPTIONAL
	.long 20
	.long 0
	.long 0
	.long 0
	/* end tag */
	.align 8
	.short 0
	.short 0
	.long 8
mb2_header_end:
