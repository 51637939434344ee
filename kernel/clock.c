/* The per-CPU timer tick. */
#include "kernel/clock.h"
#include "kernel/cpu.h"
#include "kernel/proc.h"

void clock_tick(void)
{
	this_cpu()->ticks++;
	sched_tick();
}
