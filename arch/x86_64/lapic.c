/*
 * The local APIC (xAPIC mode, memory-mapped registers): one per CPU.  It
 * delivers the per-CPU timer tick, sends and receives inter-processor
 * interrupts, and takes the end-of-interrupt for everything the IOAPIC
 * routes.  Every CPU sees its own LAPIC at the same physical address.
 */
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/vm.h"

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0B0
#define LAPIC_SVR	0x0F0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERROR	0x370
#define LAPIC_TIMER_INIT	0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3E0

#define SVR_ENABLE	0x100
#define LVT_MASKED	0x10000
#define TIMER_PERIODIC	0x20000
#define ICR_PENDING	0x1000
#define ICR_INIT	0x500
#define ICR_STARTUP	0x600
#define ICR_NMI		0x400
#define ICR_LEVEL_ASSERT 0x4000
#define ICR_ALL_BUT_SELF 0xC0000

static volatile uint32_t *regs;

static uint32_t rd(uint32_t reg)
{
	return regs[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	regs[reg / 4] = v;
	(void)regs[LAPIC_ID / 4];	/* wait for the write to land */
}

void lapic_init(uint64_t lapic_pa)
{
	regs = phys_to_virt(lapic_pa);
}

void lapic_init_cpu(void)
{
	wr(LAPIC_SVR, SVR_ENABLE | T_SPURIOUS);
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_LVT_LINT0, LVT_MASKED);
	wr(LAPIC_LVT_LINT1, LVT_MASKED);
	wr(LAPIC_LVT_ERROR, T_LAPIC_ERROR);
	wr(LAPIC_ESR, 0);
	wr(LAPIC_ESR, 0);
	wr(LAPIC_EOI, 0);
	wr(LAPIC_TPR, 0);	/* accept every priority */
}

uint32_t lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

static void send(uint32_t apic_id, uint32_t low)
{
	push_off();
	wr(LAPIC_ICR_HI, apic_id << 24);
	wr(LAPIC_ICR_LO, low);
	while (rd(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
	pop_off();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send(apic_id, vector);
}

/* NMIs get through even to a CPU spinning with interrupts off: used to
 * stop every other CPU when one panics. */
void lapic_send_nmi_all_others(void)
{
	wr(LAPIC_ICR_HI, 0);
	wr(LAPIC_ICR_LO, ICR_ALL_BUT_SELF | ICR_NMI);
}

void lapic_send_init(uint32_t apic_id)
{
	send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	send(apic_id, ICR_STARTUP | page);
}

/* Divide by 16; periodic on vector T_TIMER. */
void lapic_timer_start(uint32_t initial_count)
{
	wr(LAPIC_TIMER_DIV, 0x3);
	wr(LAPIC_LVT_TIMER, TIMER_PERIODIC | T_TIMER);
	wr(LAPIC_TIMER_INIT, initial_count);
}

uint32_t lapic_timer_current(void)
{
	return rd(LAPIC_TIMER_CUR);
}

void lapic_timer_stop(void)
{
	wr(LAPIC_LVT_TIMER, LVT_MASKED);
	wr(LAPIC_TIMER_INIT, 0);
}
