/*
 * Spinlocks.  acquire() disables interrupts on this CPU (push_off) for as
 * long as the lock is held, so an interrupt handler can never spin on a
 * lock its own CPU holds.  A lock records its holder (CPU and caller) so
 * a double acquire, a release by a non-holder or a lock held far too long
 * panics with names instead of hanging.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct spinlock {
	volatile uint32_t locked;	/* [a] 0 free, 1 held */
	const char *name;		/* [I] for reports */
	int cpu;			/* holder's CPU id, -1 when free */
	uintptr_t caller;		/* holder's return address */
};

#define SPINLOCK_INIT(n) { .locked = 0, .name = (n), .cpu = -1, .caller = 0 }

void spinlock_init(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
bool holding(struct spinlock *lk);

#endif
