/*
 * Spinlocks.  acquire() disables interrupts on this CPU (push_off) for as
 * long as the lock is held, so an interrupt handler can never spin on a
 * lock its own CPU holds.  A lock records its holder (CPU and caller) so
 * a double acquire, a release by a non-holder or a lock held far too long
 * panics with names instead of hanging.
 *
 * The lock checker (docs/reliability.md), on with `lockcheck` on the
 * kernel command line (the default in DEBUG=1 builds; `lockcheck=0`
 * turns it off), groups locks into classes by name and remembers, for
 * every pair, whether a lock of one class was taken while one of the
 * other was held.  Taking a lock in an order that closes a cycle panics
 * naming both locks, before any deadlock can happen; so does sleeping
 * with a spinlock held other than the one passed to sleep().  Locks of
 * one class taken inside each other (two p->locks) are not checked.
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
	uint8_t lclass;			/* [a] lock checker's class + 1, 0 before its first use */
};

#define SPINLOCK_INIT(n) { .locked = 0, .name = (n), .cpu = -1, .caller = 0, .lclass = 0 }

void spinlock_init(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
bool holding(struct spinlock *lk);

/* Reads `lockcheck` from the command line; before other CPUs start. */
void lockcheck_init(const char *cmdline);
bool lockcheck_enabled(void);
/* Panics unless lk is the only spinlock this CPU holds (sleep() calls it). */
void lockcheck_sleep(const struct spinlock *lk);
/* Whether a lock named `inner` was ever taken while one named `outer` was
 * held (tests). */
bool lockcheck_seen(const char *outer, const char *inner);

#endif
