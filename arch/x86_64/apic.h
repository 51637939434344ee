/*
 * Local APIC, IOAPIC, ACPI discovery and SMP start-up: the x86 pieces
 * behind kernel/arch.h's multicore interface.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/acpi.h"

/* Interrupt vectors above the 16 legacy IRQs (32-47). */
#define T_TIMER		48	/* LAPIC timer tick */
#define T_IPI_RESCHED	0xF0	/* run the scheduler */
#define T_IPI_CALL	0xF1	/* run a function (TLB shootdown, tests) */

/* From ACPI: CPUs, IOAPICs, interrupt overrides.  Filled by acpi_discover(). */
extern struct acpi_madt_info madt;
/* Parses the MADT; false (with a message) if ACPI is missing or bad,
 * in which case Baton runs on the boot CPU alone. */
bool acpi_discover(const void *rsdp, size_t rsdp_len);

void lapic_init(uint64_t lapic_pa);	/* maps the registers, once */
void lapic_init_cpu(void);		/* enables this CPU's LAPIC */
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_nmi_all_others(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t page);
void lapic_timer_start(uint32_t initial_count);
uint32_t lapic_timer_current(void);
void lapic_timer_stop(void);

/* Sets up the IOAPIC serving GSI 0; false if the MADT lists none. */
bool ioapic_init(void);
/* Routes ISA IRQ irq (honouring ACPI overrides) to vector T_IRQ0 + irq on
 * the CPU with APIC id dest. */
void ioapic_route_isa(int irq, uint32_t dest);

/* Timekeeping (timer.c). */
void timer_calibrate(void);	/* TSC and LAPIC timer against the PIT */
void timer_start_cpu(void);	/* this CPU's periodic tick */
void delay_us(uint64_t us);

/* SMP start-up (smp.c). */
void smp_boot_aps(void);
void ipi_handler(uint64_t vector);

#endif
