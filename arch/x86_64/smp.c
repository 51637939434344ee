/*
 * Bringing up the other cores (application processors, APs) and sending
 * inter-processor interrupts.
 *
 * Start-up follows the MP specification's "universal start-up algorithm"
 * (Intel SDM vol. 3, 8.4.4.1): INIT IPI, wait 10 ms, STARTUP IPI, wait
 * 200 us, a second STARTUP IPI.  One AP is started at a time; each gets
 * its own stack through the trampoline's data words and announces itself
 * by setting cpus[id].online.  An AP that does not answer within
 * AP_TIMEOUT_MS is reported, sent back to sleep with INIT, and skipped.
 */
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/trace.h"
#include "kernel/vm.h"
#include "lib/string.h"

#define TRAMPOLINE_PHYS	0x8000
#define AP_TIMEOUT_MS	2000	/* TCG on a loaded host can be slow */

extern char trampoline_start[], trampoline_end[];
extern char tramp_cr3[], tramp_stack[], tramp_entry[];
extern char boot_pml4[];

static char ap_stacks[NCPU][KSTACK_SIZE] __attribute__((aligned(16)));
static volatile int booting_id;	/* the AP being started */

/* Where a trampoline data word lives in the copy at TRAMPOLINE_PHYS. */
static uint64_t *tramp_word(char *sym)
{
	return phys_to_virt(TRAMPOLINE_PHYS + (sym - trampoline_start));
}

static void ap_main(void) __attribute__((noreturn));

static void ap_main(void)
{
	struct cpu *c = &cpus[booting_id];

	cpu_set_local(c);
	arch_cpu_init(c->id);		/* GDT, TSS, IDT */
	vm_activate(kernel_pagetable);	/* leave the boot page tables */
	lapic_init_cpu();
	timer_start_cpu();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	cpu_main();
}

static bool start_ap(int id, uint32_t apic_id)
{
	struct cpu *c = &cpus[id];

	c->id = id;
	c->apic_id = apic_id;
	booting_id = id;
	*tramp_word(tramp_stack) = (uint64_t)(ap_stacks[id] + KSTACK_SIZE);
	*tramp_word(tramp_entry) = (uint64_t)ap_main;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_init(apic_id);
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		lapic_send_startup(apic_id, TRAMPOLINE_PHYS >> 12);
		delay_us(200);
	}
	for (int ms = 0; ms < AP_TIMEOUT_MS; ms++) {
		if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
			return true;
		delay_us(1000);
	}
	lapic_send_init(apic_id);	/* park it: it must not run later on a reused stack */
	printk("smp: cpu with APIC id %u did not start; skipping it\n", apic_id);
	return false;
}

/* Starts every enabled CPU the MADT lists, up to NCPU in all. */
void smp_boot_aps(void)
{
	uint32_t self = lapic_id();

	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start, trampoline_end - trampoline_start);
	*tramp_word(tramp_cr3) = virt_to_phys(boot_pml4);
	for (int i = 0; i < madt.ncpus; i++) {
		if (!madt.cpus[i].enabled || madt.cpus[i].apic_id == self)
			continue;
		if (ncpu == NCPU) {
			printk("smp: more than %d cpus; the rest stay off\n", NCPU);
			break;
		}
		if (start_ap(ncpu, madt.cpus[i].apic_id))
			ncpu++;
	}
}

void arch_send_ipi(int cpu, int kind)
{
	COUNT(ipis_sent, 1);
	trace_event(TR_IPI_SEND, -1, (uint64_t)cpu, (uint64_t)kind);
	lapic_send_ipi(cpus[cpu].apic_id, kind == IPI_RESCHED ? T_IPI_RESCHED : T_IPI_CALL);
}

void arch_stop_other_cpus(void)
{
	if (ncpu > 1)
		lapic_send_nmi_all_others();
}
