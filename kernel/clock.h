#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

/* Called on every timer tick (HZ per second) on each CPU, interrupts off. */
void clock_tick(void);

#endif
