/* The per-CPU timer tick. */
#include "kernel/clock.h"
#include "kernel/cpu.h"

void clock_tick(void)
{
	this_cpu()->ticks++;
}
