/*
 * kmain: where the boot CPU arrives from boot/entry.S, in 64-bit mode on
 * the boot stack, with the boot page tables (first GiB mapped low, in the
 * direct map and at the kernel's address).  Boot is a flat list of init
 * calls; each line says what it brings up.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/bootinfo.h"
#include "kernel/coherence.h"
#include "kernel/cpu.h"
#include "kernel/initrd.h"
#include "kernel/ktest.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/symbols.h"
#include "kernel/vm.h"
#include "lib/cmdline.h"
#include "lib/errno.h"

#define ARG_MAX 256

void kmain(uint32_t magic, uint32_t info_pa);
static void start_first_process(const char *cmdline);

void kmain(uint32_t magic, uint32_t info_pa)
{
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
	lockcheck_init(bi->cmdline);	/* lock-order checker, if asked (`lockcheck`) */
	pmm_init(bi->avail, bi->navail, bi->reserved, bi->nreserved);	/* frames */
	vm_init(pmm_phys_top());	/* kernel page table with the full direct map */
	sym_init(bi->symbols, bi->symbols_len);	/* names in panic reports */
	if (bi->initrd)
		initrd_init(bi->initrd, bi->initrd_len);	/* user programs and files */
	proc_init();			/* the process table */
	arch_interrupts_init(bi->rsdp, bi->rsdp_len);	/* APICs, timers, serial input */
	intr_enable();
	arch_start_cpus();		/* the other cores, each into cpu_main() */
	coh_init();			/* the coherence model's counts, if QEMU has it */

	printk("baton: %lu MiB free, %d cpus online (%s)\n",
	       pmm_free_frames() * PAGE_SIZE >> 20, ncpu, arch_machine_name());

	start_first_process(bi->cmdline);	/* tests, init, or the monitor */
	scheduler();			/* this CPU now runs processes */
}

static void run_tests(void *names)
{
	ktest_run(names);
}

static void run_monitor(void *arg)
{
	(void)arg;
	monitor_run();
}

/*
 * `test[=names]`: the in-kernel tests, in a kernel thread.  Otherwise
 * `init` from the initrd (with `run="prog args"`: init runs that one
 * program and powers off with its status); without an init, the kernel
 * monitor.
 */
static void start_first_process(const char *cmdline)
{
	static char arg[ARG_MAX];
	bool run = cmdline_get(cmdline, "run", arg, sizeof(arg)) >= 0;
	int err;

	if (cmdline_has(cmdline, "test")) {
		panic_set_poweroff(true);
		if (cmdline_get(cmdline, "test", arg, sizeof(arg)) < 0)
			arg[0] = 0;
		proc_kthread("ktest", run_tests, arg, 1);
		return;
	}
	if (run)
		panic_set_poweroff(true);
	if ((err = proc_start_init(run ? arg : 0)) >= 0)
		return;
	printk("baton: cannot start init (%s); starting the kernel monitor\n", errno_name(err));
	if (run)
		arch_poweroff(126);
	proc_kthread("monitor", run_monitor, 0, 1);
}

/* Where each AP settles once it is up. */
void cpu_main(void)
{
	scheduler();
}
