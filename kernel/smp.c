/*
 * Cross-CPU calls: the caller publishes (fn, arg), raises call_pending on
 * every other online CPU, sends each an IPI and waits until each has
 * acknowledged.  One call is in flight at a time (call_lock).  While a
 * CPU waits for call_lock it keeps answering calls itself, so two CPUs
 * calling at once cannot deadlock each other.
 */
#include "kernel/arch.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/smp.h"

static volatile int call_lock;		/* [a] 0 free, 1 taken */
static void (*call_fn)(void *);		/* protected by call_lock */
static void *call_arg;			/* protected by call_lock */
static volatile int call_acks;		/* [a] CPUs done with the current call */

void smp_call_handler(void)
{
	struct cpu *c = this_cpu();

	if (!__atomic_load_n(&c->call_pending, __ATOMIC_ACQUIRE))
		return;
	c->call_pending = false;
	call_fn(call_arg);
	__atomic_fetch_add(&call_acks, 1, __ATOMIC_RELEASE);
}

/* Runs fn on the other CPUs and, if also_self, on this one while they
 * run; returns when all are done. */
static void call(void (*fn)(void *), void *arg, bool also_self)
{
	int me, targets = 0;

	if (this_cpu()->noff != 0)
		panic("smp_call: called with a spinlock held or interrupts pushed off");
	push_off();
	me = cpu_id();
	while (__atomic_exchange_n(&call_lock, 1, __ATOMIC_ACQUIRE)) {
		smp_call_handler();
		cpu_relax();
	}
	call_fn = fn;
	call_arg = arg;
	call_acks = 0;
	for (int i = 0; i < ncpu; i++) {
		if (i == me || !__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&cpus[i].call_pending, true, __ATOMIC_RELEASE);
		arch_send_ipi(i, IPI_CALL);
		targets++;
	}
	if (also_self)
		fn(arg);
	while (__atomic_load_n(&call_acks, __ATOMIC_ACQUIRE) < targets)
		cpu_relax();
	__atomic_store_n(&call_lock, 0, __ATOMIC_RELEASE);
	pop_off();
}

void smp_call_others(void (*fn)(void *), void *arg)
{
	call(fn, arg, false);
}

void smp_call_all(void (*fn)(void *), void *arg)
{
	call(fn, arg, true);
}

static void flush_local(void *arg)
{
	(void)arg;
	arch_tlb_flush_local();
}

void tlb_shootdown(void)
{
	COUNT(tlb_shootdowns, 1);
	arch_tlb_flush_local();
	smp_call_others(flush_local, 0);
}
