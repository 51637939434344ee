/*
 * What the boot loader told us, boiled down to what the kernel uses.
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/pmm.h"
#include "lib/mb2.h"

#define BOOT_MAX_RANGES 64

struct bootinfo {
	const char *cmdline;		/* never NULL */
	struct pmm_range avail[BOOT_MAX_RANGES];	/* usable RAM */
	int navail;
	struct pmm_range reserved[BOOT_MAX_RANGES];	/* kernel, info, modules */
	int nreserved;
	const void *initrd;		/* NULL when missing */
	size_t initrd_len;
	const char *symbols;		/* NULL when missing */
	size_t symbols_len;
	const void *rsdp;		/* copy of the ACPI RSDP, or NULL */
	size_t rsdp_len;
	const struct mb2_framebuffer *fb;	/* the display, or NULL if unreported */
};

/* Parses the multiboot2 information; reports and halts on a bad magic or
 * an unusable block (no memory map). */
const struct bootinfo *bootinfo_parse(uint32_t magic, uint32_t info_pa);
/* The kernel command line (a copy; "" when there is none). */
const char *boot_cmdline(void);

#endif
