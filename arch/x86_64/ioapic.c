/*
 * The IOAPIC: routes device interrupts (global system interrupts, GSIs)
 * to a CPU's local APIC.  ISA IRQs are identity-mapped to GSIs unless the
 * MADT has an interrupt source override (QEMU moves IRQ 0 to GSI 2).
 * Lines start masked; a driver's IRQ is routed when it asks.
 */
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/trap.h"
#include "kernel/printk.h"
#include "kernel/spinlock.h"
#include "kernel/vm.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define REG_VER		0x01
#define REG_REDTBL	0x10

#define RED_MASKED	(1u << 16)
#define RED_LEVEL	(1u << 15)
#define RED_ACTIVE_LOW	(1u << 13)

static struct spinlock ioapic_lock = SPINLOCK_INIT("ioapic");
static volatile uint32_t *base;
static uint32_t gsi_base;
static int nlines;

static uint32_t rd(uint32_t reg)
{
	base[IOREGSEL / 4] = reg;
	return base[IOWIN / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	base[IOREGSEL / 4] = reg;
	base[IOWIN / 4] = v;
}

/* Uses the IOAPIC that serves GSI 0 (QEMU has exactly one). */
bool ioapic_init(void)
{
	for (int i = 0; i < madt.nioapics; i++)
		if (madt.ioapics[i].gsi_base == 0) {
			base = phys_to_virt(madt.ioapics[i].addr);
			gsi_base = 0;
		}
	if (!base)
		return false;
	nlines = ((rd(REG_VER) >> 16) & 0xFF) + 1;
	for (int i = 0; i < nlines; i++) {
		wr(REG_REDTBL + 2 * i, RED_MASKED | (T_IRQ0 + i));
		wr(REG_REDTBL + 2 * i + 1, 0);
	}
	return true;
}

void ioapic_route_isa(int irq, uint32_t dest)
{
	struct acpi_irq_route r;
	uint32_t low;
	int line;

	if (!base || acpi_isa_irq_route(&madt, irq, &r) < 0) {
		printk("ioapic: cannot route IRQ %d\n", irq);
		return;
	}
	line = r.gsi - gsi_base;
	if (line < 0 || line >= nlines) {
		printk("ioapic: IRQ %d maps to GSI %u, which no IOAPIC serves\n", irq, r.gsi);
		return;
	}
	low = (T_IRQ0 + irq) | (r.level ? RED_LEVEL : 0) | (r.active_low ? RED_ACTIVE_LOW : 0);
	acquire(&ioapic_lock);
	wr(REG_REDTBL + 2 * line + 1, dest << 24);
	wr(REG_REDTBL + 2 * line, low);
	release(&ioapic_lock);
}
