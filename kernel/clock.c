/* The per-CPU timer tick. */
#include "kernel/clock.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/proc.h"

void clock_tick(void)
{
	COUNT(timer_irqs, 1);
	sched_tick();
}
