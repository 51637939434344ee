/*
 * Interrupt controllers and device IRQ dispatch.
 *
 * Baton uses the APICs: the 8259 PICs are remapped away from the
 * exception vectors and masked for good, each CPU's local APIC delivers
 * its timer tick and IPIs, and the IOAPIC routes device IRQs (the UART).
 * If ACPI describes no IOAPIC, the UART stays on the legacy PIC.
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/printk.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xA0
#define PIC2_DATA	0xA1
#define PIC_EOI		0x20
#define NIRQ		16
#define MSR_APIC_BASE	0x1B

static irq_handler_fn handlers[NIRQ];	/* [I] set during boot */
static bool use_ioapic;			/* [I] */
static uint16_t pic_mask = 0xFFFF & ~(1 << 2);	/* cascade line stays open */

/* Moves the PICs to vectors 32-47 (away from exceptions) and masks them. */
static void pic_init(void)
{
	outb(PIC1_CMD, 0x11);		/* ICW1: init, expect ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, T_IRQ0);	/* ICW2: vector base */
	outb(PIC2_DATA, T_IRQ0 + 8);
	outb(PIC1_DATA, 1 << 2);	/* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 0x01);		/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, pic_mask & 0xFF);
	outb(PIC2_DATA, pic_mask >> 8);
}

static void pic_unmask(int irq)
{
	pic_mask &= ~(1u << irq);
	outb(PIC1_DATA, pic_mask & 0xFF);
	outb(PIC2_DATA, pic_mask >> 8);
}

void irq_set_handler(int irq, irq_handler_fn fn)
{
	handlers[irq] = fn;
	if (use_ioapic)
		ioapic_route_isa(irq, cpus[0].apic_id);
	else
		pic_unmask(irq);
}

void irq_dispatch(uint64_t vector)
{
	int irq = vector - T_IRQ0;

	COUNT(device_irqs, 1);
	if (handlers[irq])
		handlers[irq]();
	else
		printk("irq: unexpected IRQ %d on cpu %d\n", irq, cpu_id());
	if (use_ioapic) {
		lapic_eoi();
	} else {
		if (irq >= 8)
			outb(PIC2_CMD, PIC_EOI);
		outb(PIC1_CMD, PIC_EOI);
	}
}

/*
 * Boot CPU: find the APICs (ACPI MADT; the LAPIC address also comes from
 * the IA32_APIC_BASE MSR when ACPI is missing), switch the PICs off,
 * calibrate the timers, start this CPU's tick and serial input.
 */
void arch_interrupts_init(const void *rsdp, size_t rsdp_len)
{
	bool acpi = acpi_discover(rsdp, rsdp_len);

	pic_init();
	lapic_init(acpi ? madt.lapic_addr : rdmsr(MSR_APIC_BASE) & ~0xFFFull);
	lapic_init_cpu();
	cpus[0].apic_id = lapic_id();
	use_ioapic = acpi && ioapic_init();
	timer_calibrate();
	timer_start_cpu();
	uart_enable_input();
}

void arch_start_cpus(void)
{
	if (madt.ncpus > 1)
		smp_boot_aps();
}
