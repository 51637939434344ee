/*
 * In-kernel tests of the scheduler and of sleep/wakeup, using kernel
 * threads (the test runner itself is one, so it can wait for them).
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/ktest.h"
#include "kernel/proc.h"
#include "kernel/spinlock.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "tests/guest/guest.h"

static int ran_on[NCPU];

static void record_cpu(void *arg)
{
	int want = (int)(uint64_t)arg;

	for (int i = 0; i < 1000; i++) {
		if (cpu_id() != want)
			ran_on[want] = -1;	/* left its pinned core */
		if (i % 100 == 0)
			yield();
	}
	if (ran_on[want] == 0)
		ran_on[want] = 1;
}

static int reap_all(void)
{
	struct wait_info info;
	int n = 0;

	while (proc_wait(WAIT_ANY, &info) > 0)
		n++;
	return n;
}

/* One thread pinned to each core runs there and only there. */
void test_sched_pinned_threads(void)
{
	for (int i = 0; i < ncpu; i++) {
		ran_on[i] = 0;
		KT_CHECK(proc_kthread("pinned", record_cpu, (void *)(uint64_t)i, 1ull << i) > 0);
	}
	KT_CHECK(reap_all() == ncpu);
	for (int i = 0; i < ncpu; i++)
		KT_CHECK(ran_on[i] == 1);
	KT_CHECK(proc_wait(WAIT_ANY, &(struct wait_info){ 0 }) == -ECHILD);
}

#define ROUNDS 2000

static struct spinlock turn_lock = SPINLOCK_INIT("test turn");
static int turn, passes;

/* Two threads hand a token back and forth with sleep/wakeup; a lost
 * wake-up would leave both asleep and the run would time out. */
static void pingpong(void *arg)
{
	int me = (int)(uint64_t)arg;

	acquire(&turn_lock);
	for (int i = 0; i < ROUNDS; i++) {
		while (turn != me)
			sleep(&turn, &turn_lock);
		passes++;
		turn = !me;
		wakeup(&turn);
	}
	release(&turn_lock);
}

void test_sched_sleep_wakeup(void)
{
	uint64_t a = 1ull << 0, b = ncpu > 1 ? 1ull << 1 : 1ull << 0;

	turn = 0;
	passes = 0;
	KT_CHECK(proc_kthread("ping", pingpong, (void *)0, a) > 0);
	KT_CHECK(proc_kthread("pong", pingpong, (void *)1, b) > 0);
	KT_CHECK(reap_all() == 2);
	KT_CHECK(passes == 2 * ROUNDS);
}

static struct spinlock idle_lock = SPINLOCK_INIT("test idle");

/* Nobody wakes the channel: the deadline does, and not before it. */
void test_sched_sleep_until(void)
{
	uint64_t t0 = clock_ns();
	bool early;

	acquire(&idle_lock);
	early = sleep_until(&idle_lock, &idle_lock, t0 + 20000000);
	release(&idle_lock);
	KT_CHECK(!early);
	KT_CHECK(clock_ns() - t0 >= 20000000);
}

static volatile int spinners_done;

static void spin_briefly(void *arg)
{
	uint64_t end = clock_ns() + 50000000;

	(void)arg;
	while (clock_ns() < end)
		cpu_relax();
	__atomic_fetch_add(&spinners_done, 1, __ATOMIC_RELAXED);
}

/* More threads than cores, no affinity: all of them finish (work spreads
 * and idle cores steal). */
void test_sched_many_threads(void)
{
	int n = 3 * ncpu + 1;

	spinners_done = 0;
	for (int i = 0; i < n; i++)
		KT_CHECK(proc_kthread("spinner", spin_briefly, 0, ~0ull) > 0);
	KT_CHECK(reap_all() == n);
	KT_CHECK(spinners_done == n);
}
