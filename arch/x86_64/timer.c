/*
 * Time.  The TSC is the clock: under QEMU (and on CPUs with an invariant
 * TSC) all cores share one, so a TSC reading converted to nanoseconds is
 * a monotonic clock every core can use.  It is calibrated once against
 * the PIT (fixed 1.193182 MHz), and the LAPIC timer, which counts the bus
 * clock at a rate nobody tells us, is calibrated against the TSC.
 */
#include <stdint.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/x86.h"
#include "kernel/arch.h"
#include "kernel/param.h"
#include "kernel/printk.h"

#define PIT_HZ		1193182u
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define CALIBRATE_MS	10

static uint64_t tsc_hz;		/* [I] after timer_calibrate() */
static uint64_t tsc_boot;	/* [I] TSC at calibration: clock_ns() zero */
static uint64_t ns_mult;	/* [I] ns = ticks * ns_mult >> 32 */
static uint32_t lapic_per_tick;	/* [I] LAPIC timer count for 1/HZ s */

/* Busy-waits ms milliseconds on PIT channel 2 (one-shot, mode 0). */
static void pit_wait_ms(unsigned ms)
{
	uint16_t count = PIT_HZ * ms / 1000;

	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01);	/* gate on, speaker off */
	outb(PIT_CMD, 0xB0);				/* ch2, lo/hi, mode 0 */
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, count >> 8);
	while (!(inb(PIT_GATE) & 0x20))			/* OUT2 goes high at 0 */
		cpu_relax();
}

void timer_calibrate(void)
{
	uint64_t t0, t1;

	t0 = rdtsc();
	pit_wait_ms(CALIBRATE_MS);
	t1 = rdtsc();
	tsc_hz = (t1 - t0) * (1000 / CALIBRATE_MS);
	tsc_boot = t1;
	ns_mult = (1000000000ull << 32) / tsc_hz;

	/* LAPIC timer: count down from the top for CALIBRATE_MS of TSC time. */
	lapic_timer_start(0xFFFFFFFF);
	delay_us(CALIBRATE_MS * 1000);
	lapic_per_tick = (uint64_t)(0xFFFFFFFFu - lapic_timer_current()) * (1000 / HZ) / CALIBRATE_MS;
	lapic_timer_stop();
	printk("timer: TSC %lu MHz, LAPIC timer %u counts per %d ms tick\n",
	       tsc_hz / 1000000, lapic_per_tick, 1000 / HZ);
}

void timer_start_cpu(void)
{
	lapic_timer_start(lapic_per_tick);
}

uint64_t clock_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * ns_mult) >> 32);
}

void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000;

	while (rdtsc() < end)
		cpu_relax();
}

uint64_t arch_cycles_per_second(void)
{
	return tsc_hz;
}
