/*
 * Small per-CPU operations the portable kernel asks of the hardware:
 * the interrupt flag, halting, power-off and the cycle counter.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "lib/string.h"

void intr_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

void intr_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

bool intr_enabled(void)
{
	return read_rflags() & RFLAGS_IF;
}

/* sti takes effect after the next instruction, so "sti; hlt" cannot miss
 * an interrupt that arrives between the two. */
void cpu_idle_wait(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

/* QEMU's isa-debug-exit device (tools/qemu-run adds it at port 0xf4)
 * ends QEMU with status (v << 1) | 1, which only has 8 bits: statuses
 * outside 0..127 are reported as 127.  On a machine without the device
 * the write is ignored and we halt. */
#define DEBUG_EXIT_PORT 0xf4

void arch_poweroff(int status)
{
	intr_disable();
	if (status < 0 || status > 127)
		status = 127;
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	cpu_halt_forever();
}

void arch_trigger_exception(int kind)
{
	switch (kind) {
	case 0:
		__asm__ volatile("ud2");
		break;
	default:
		*(volatile uint64_t *)0xdead0000ul = 1;	/* unmapped: page fault */
		break;
	}
}

/* GS base holds the address of this CPU's struct cpu, whose first field
 * points at itself, so one load of %gs:0 finds it. */
void cpu_set_local(struct cpu *c)
{
	c->self = c;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void arch_cpu_init(int id)
{
	gdt_init_cpu(id);
	write_cr4(read_cr4() | (1 << 7));	/* PGE: kernel mappings are global */
	if (id == 0)
		idt_init();
	idt_load();
	arch_syscall_init();
	fpu_init_cpu();
	arch_pmu_init();
}

/* Reloading CR3 drops non-global entries; toggling CR4.PGE drops the
 * global ones (the kernel's) too. */
void arch_tlb_flush_local(void)
{
	uint64_t cr4 = read_cr4();

	write_cr4(cr4 & ~(1ull << 7));
	write_cr4(cr4);
	write_cr3(read_cr3());
}

/* CPUID leaf 1 ECX bit 31 says a hypervisor runs us, and leaf 0x40000000
 * names it: QEMU's software emulation says "TCGTCGTCGTCG", KVM
 * "KVMKVMKVM".  Under TCG timings move with the host's load
 * (docs/toolchain.md); the boot line says so. */
const char *arch_machine_name(void)
{
	uint32_t a, b, c, d;
	char sig[13];

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return "hardware";
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (sig[0] == 'T' && sig[1] == 'C' && sig[2] == 'G')
		return "QEMU TCG, software emulation";
	if (sig[0] == 'K' && sig[1] == 'V' && sig[2] == 'M')
		return "KVM";
	return "a hypervisor";
}
