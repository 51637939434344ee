/* Per-CPU blocks and interrupt-off nesting. */
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"

struct cpu cpus[NCPU];
int ncpu;

void push_off(void)
{
	bool was_on = intr_enabled();
	struct cpu *c;

	intr_disable();
	c = this_cpu();
	if (c->noff == 0)
		c->intena = was_on;
	c->noff++;
}

void pop_off(void)
{
	struct cpu *c = this_cpu();

	if (intr_enabled())
		panic("pop_off: interrupts are on inside push_off");
	if (c->noff < 1)
		panic("pop_off: not inside push_off");
	c->noff--;
	if (c->noff == 0 && c->intena)
		intr_enable();
}
