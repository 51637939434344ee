/*
 * kmain: where the boot CPU arrives from boot/entry.S, in 64-bit mode on
 * the boot stack, with the boot page tables (first GiB mapped low, in the
 * direct map and at the kernel's address).  Boot is a flat list of init
 * calls; each line says what it brings up.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/bootinfo.h"
#include "kernel/cpu.h"
#include "kernel/initrd.h"
#include "kernel/ktest.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/symbols.h"
#include "kernel/vm.h"
#include "lib/cmdline.h"

#define ARG_MAX 256

void kmain(uint32_t magic, uint32_t info_pa);

void kmain(uint32_t magic, uint32_t info_pa)
{
	static char names[ARG_MAX];
	const struct bootinfo *bi;

	cpus[0].id = 0;
	cpu_set_local(&cpus[0]);	/* this_cpu() works from here on */
	cpus[0].online = true;
	ncpu = 1;
	uart_init();			/* serial console for printk */
	vga_init();			/* VGA text console */
	printk("baton: booting\n");
	arch_cpu_init(0);		/* GDT, TSS, IDT: exceptions are reported */
	bi = bootinfo_parse(magic, info_pa);	/* memory map, modules, cmdline */
	pmm_init(bi->avail, bi->navail, bi->reserved, bi->nreserved);	/* frames */
	vm_init(pmm_phys_top());	/* kernel page table with the full direct map */
	sym_init(bi->symbols, bi->symbols_len);	/* names in panic reports */
	if (bi->initrd)
		initrd_init(bi->initrd, bi->initrd_len);	/* user programs and files */
	arch_interrupts_init(bi->rsdp, bi->rsdp_len);	/* APICs, timers, serial input */
	intr_enable();
	arch_start_cpus();		/* the other cores, each into cpu_main() */

	printk("baton: %lu MiB free, %d cpus online\n",
	       pmm_free_frames() * PAGE_SIZE >> 20, ncpu);

	if (cmdline_has(bi->cmdline, "test")) {
		panic_set_poweroff(true);
		if (cmdline_get(bi->cmdline, "test", names, sizeof(names)) < 0)
			names[0] = 0;
		ktest_run(names);
	}
	monitor_run();
}

/* Where each AP settles once it is up: wait for interrupts. */
void cpu_main(void)
{
	for (;;)
		cpu_idle_wait();
}
