/* Spinlocks with holder records; see spinlock.h. */
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"

/* About 10 s of spinning under TCG before we call it a deadlock. */
#define SPIN_LIMIT	(1ull << 30)

void spinlock_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = -1;
	lk->caller = 0;
}

/* Must be called with interrupts off. */
bool holding(struct spinlock *lk)
{
	return lk->locked && lk->cpu == cpu_id();
}

static void spin_too_long(struct spinlock *lk, uintptr_t caller)
{
	panic("spinlock '%s': cpu %d (caller %p) waited too long; held by cpu %d, taken at %p",
	      lk->name, cpu_id(), (void *)caller, lk->cpu, (void *)lk->caller);
}

void acquire(struct spinlock *lk)
{
	uintptr_t caller = (uintptr_t)__builtin_return_address(0);
	uint64_t spins = 0;

	push_off();
	if (holding(lk))
		panic("spinlock '%s': acquired twice by cpu %d (first at %p, again at %p)",
		      lk->name, cpu_id(), (void *)lk->caller, (void *)caller);
	/* xchg is a full barrier: nothing in the critical section moves above it. */
	while (__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0) {
		while (lk->locked) {
			cpu_relax();
			smp_call_handler();	/* see smp.h: spinners answer calls */
			if (++spins == SPIN_LIMIT)
				spin_too_long(lk, caller);
		}
	}
	lk->cpu = cpu_id();
	lk->caller = caller;
}

void release(struct spinlock *lk)
{
	if (!holding(lk))
		panic("spinlock '%s': released by cpu %d which does not hold it (holder cpu %d)",
		      lk->name, cpu_id(), lk->cpu);
	lk->cpu = -1;
	lk->caller = 0;
	/* Every store of the critical section becomes visible before the unlock. */
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
	pop_off();
}
