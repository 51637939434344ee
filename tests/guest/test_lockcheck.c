/*
 * The lock checker (kernel/spinlock.c; docs/reliability.md).  The suite
 * runs with `lockcheck` on the command line; records_order passes
 * trivially (with a note) when the checker is off.  order_cycle and
 * sleep_holding are harness self-tests: each must end in the checker's
 * panic, naming the locks (tools/runtests.py checks the names).
 */
#include <stdint.h>

#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "tests/guest/guest.h"

static struct spinlock lock_a = SPINLOCK_INIT("test lock A");
static struct spinlock lock_b = SPINLOCK_INIT("test lock B");
static struct spinlock held_lock = SPINLOCK_INIT("test held lock");
static struct spinlock nap_lock = SPINLOCK_INIT("test nap lock");

static void a_then_b(void *arg)
{
	(void)arg;
	acquire(&lock_a);
	acquire(&lock_b);
	release(&lock_b);
	release(&lock_a);
}

static void b_then_a(void *arg)
{
	(void)arg;
	acquire(&lock_b);
	acquire(&lock_a);	/* the checker panics here */
	release(&lock_a);
	release(&lock_b);
}

static void reap(int n)
{
	struct wait_info wi;

	for (int i = 0; i < n; i++)
		KT_CHECK(proc_wait(WAIT_ANY, &wi) > 0);
}

/* A consistent order is recorded and accepted; so is sleeping with
 * only the lock passed to sleep(); and the kernel's own order shows. */
void test_lockcheck_records_order(void)
{
	if (!lockcheck_enabled()) {
		ktest_note("lock checker off (no `lockcheck` on the command line): nothing to check");
		return;
	}
	KT_CHECK(proc_kthread("a-then-b", a_then_b, 0, ~0ull) > 0);
	KT_CHECK(proc_kthread("a-then-b", a_then_b, 0, ~0ull) > 0);
	reap(2);
	KT_CHECK(lockcheck_seen("test lock A", "test lock B"));
	KT_CHECK(!lockcheck_seen("test lock B", "test lock A"));
	acquire(&nap_lock);
	sleep_until(&nap_lock, &nap_lock, clock_ns() + 1000000);
	release(&nap_lock);
	KT_CHECK(lockcheck_seen("proc", "runqueue"));	/* sched_make_runnable */
}

/* A then B in one thread, B then A in another: the second must panic
 * naming both, though the two never ran at once. */
void test_lockcheck_order_cycle(void)
{
	KT_CHECK(lockcheck_enabled());
	KT_CHECK(proc_kthread("a-then-b", a_then_b, 0, ~0ull) > 0);
	reap(1);
	KT_CHECK(proc_kthread("b-then-a", b_then_a, 0, ~0ull) > 0);
	reap(1);
}

/* Sleeping on nap_lock while holding held_lock must panic naming it. */
void test_lockcheck_sleep_holding(void)
{
	KT_CHECK(lockcheck_enabled());
	acquire(&held_lock);
	acquire(&nap_lock);
	sleep_until(&nap_lock, &nap_lock, clock_ns() + 1000000);
	release(&nap_lock);
	release(&held_lock);
}
