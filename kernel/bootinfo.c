/*
 * Reading the multiboot2 boot information (parsed by lib/mb2.c) into a
 * struct bootinfo: usable RAM, what must stay reserved, the modules
 * (initrd, symbols), the kernel command line, the ACPI RSDP and the
 * display.  The same under BIOS and UEFI: GRUB reports all of it in tags
 * (the RSDP in tag 14 or 15, the framebuffer in tag 8).
 *
 * Runs on the boot page tables, which map the first GiB in the direct
 * map; GRUB puts the information block there.
 */
#include <stdint.h>

#include "kernel/bootinfo.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/vm.h"
#include "lib/mb2.h"
#include "lib/string.h"

#define BOOT_MAPPED	(1ull << 30)
#define INFO_MAX	(1u << 20)	/* a sane bound on the information block */

extern char _kernel_start[], _kernel_end[];

static struct bootinfo bootinfo;
static struct mb2_info mb;
/* Copies: the information block itself is not kept (low memory is reused,
 * e.g. for the AP start-up trampoline). */
static char cmdline[512];
static uint8_t rsdp[64];

static void reserve(paddr_t start, paddr_t end)
{
	if (bootinfo.nreserved == BOOT_MAX_RANGES)
		panic("bootinfo: more than %d reserved ranges", BOOT_MAX_RANGES);
	bootinfo.reserved[bootinfo.nreserved].start = start;
	bootinfo.reserved[bootinfo.nreserved].end = end;
	bootinfo.nreserved++;
}

static void collect_ram(void)
{
	for (int i = 0; i < mb.nmmap && bootinfo.navail < BOOT_MAX_RANGES; i++) {
		if (mb.mmap[i].type != MB2_MMAP_AVAILABLE)
			continue;
		bootinfo.avail[bootinfo.navail].start = mb.mmap[i].base;
		bootinfo.avail[bootinfo.navail].end = mb.mmap[i].base + mb.mmap[i].length;
		bootinfo.navail++;
	}
	if (bootinfo.navail == 0)
		panic("bootinfo: the boot loader gave no usable RAM in its memory map");
}

/* Finds a module by the name after its path in grub.cfg. */
static const void *module(const char *name, size_t *len)
{
	const struct mb2_module *m = mb2_find_module(&mb, name);

	if (!m) {
		printk("boot: no '%s' module from the boot loader (check boot/grub.cfg)\n", name);
		*len = 0;
		return 0;
	}
	*len = m->end - m->start;
	return phys_to_virt(m->start);
}

const struct bootinfo *bootinfo_parse(uint32_t magic, uint32_t info_pa)
{
	const void *info = phys_to_virt(info_pa);
	uint32_t size;
	int err;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("bootinfo: bad multiboot2 magic %x", magic);
	if (info_pa & 7 || info_pa + 16ull > BOOT_MAPPED)
		panic("bootinfo: information block at %x is unusable", info_pa);
	size = mb2_total_size(info);
	if (size > INFO_MAX || info_pa + (uint64_t)size > BOOT_MAPPED)
		panic("bootinfo: information block size %u is not sane", size);
	if ((err = mb2_parse(info, size, &mb)) < 0)
		panic("bootinfo: malformed multiboot2 information: %s", mb2_strerror(err));

	if (mb.cmdline && strlen(mb.cmdline) >= sizeof(cmdline))
		printk("boot: command line longer than %lu bytes; cut\n", sizeof(cmdline) - 1);
	if (mb.cmdline)
		memcpy(cmdline, mb.cmdline, strnlen(mb.cmdline, sizeof(cmdline) - 1));
	bootinfo.cmdline = cmdline;
	collect_ram();
	reserve((uint64_t)_kernel_start - KERNEL_VMA, (uint64_t)_kernel_end - KERNEL_VMA);
	reserve(info_pa, info_pa + size);
	for (int i = 0; i < mb.nmodules; i++)
		reserve(mb.modules[i].start, mb.modules[i].end);
	bootinfo.initrd = module("initrd", &bootinfo.initrd_len);
	bootinfo.symbols = module("symbols", &bootinfo.symbols_len);
	if (mb.rsdp && mb.rsdp_len <= sizeof(rsdp)) {
		memcpy(rsdp, mb.rsdp, mb.rsdp_len);
		bootinfo.rsdp = rsdp;
		bootinfo.rsdp_len = mb.rsdp_len;
	}
	if (mb.has_fb)
		bootinfo.fb = &mb.fb;	/* a copy: mb2_parse keeps no pointer for it */
	if (*bootinfo.cmdline)
		printk("boot: command line: %s\n", bootinfo.cmdline);
	return &bootinfo;
}

const char *boot_cmdline(void)
{
	return cmdline;
}
