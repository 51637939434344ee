/*
 * In-kernel tests of the multicore machinery: every core online, locks,
 * IPIs, TLB shootdown, per-core ticks and the shared monotonic clock.
 * Work runs on every core at once through smp_call_all().
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/bootinfo.h"
#include "kernel/cpu.h"
#include "kernel/ktest.h"
#include "kernel/pmm.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "kernel/vm.h"
#include "lib/cmdline.h"
#include "tests/guest/guest.h"

/* The runner boots with expect_cpus=N (QEMU's -smp). */
void test_smp_all_online(void)
{
	char buf[8];
	int expect = 0;

	if (cmdline_get(boot_cmdline(), "expect_cpus", buf, sizeof(buf)) > 0)
		for (char *p = buf; *p >= '0' && *p <= '9'; p++)
			expect = expect * 10 + (*p - '0');
	ktest_note("%d cpus online, %d expected", ncpu, expect);
	KT_CHECK(expect == 0 || ncpu == expect);
	for (int i = 0; i < ncpu; i++) {
		KT_CHECK(cpus[i].online);
		KT_CHECK(cpus[i].id == i);
		for (int j = 0; j < i; j++)
			KT_CHECK(cpus[i].apic_id != cpus[j].apic_id);
	}
}

#define LOCK_ROUNDS 20000

static struct spinlock counter_lock = SPINLOCK_INIT("test counter");
static volatile uint64_t counter;

/* A read-modify-write in two steps: without the lock, increments from
 * different cores would be lost. */
static void bump_counter(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOCK_ROUNDS; i++) {
		acquire(&counter_lock);
		uint64_t v = counter;
		cpu_relax();
		counter = v + 1;
		release(&counter_lock);
	}
}

void test_smp_lock_counter(void)
{
	counter = 0;
	smp_call_all(bump_counter, 0);
	ktest_note("counter %lu, expected %lu", counter, (uint64_t)ncpu * LOCK_ROUNDS);
	KT_CHECK(counter == (uint64_t)ncpu * LOCK_ROUNDS);
}

static int answered[NCPU];

static void answer(void *arg)
{
	answered[cpu_id()] = *(int *)arg;
}

/* Each other core takes an IPI, runs the call and acknowledges it. */
void test_smp_ipi_each_core(void)
{
	uint64_t before[NCPU];
	int token = 0x1ab;

	for (int i = 0; i < ncpu; i++) {
		before[i] = cpus[i].counters.ipis_received;
		answered[i] = 0;
	}
	smp_call_others(answer, &token);
	for (int i = 0; i < ncpu; i++) {
		if (i == cpu_id())
			continue;
		KT_CHECK(answered[i] == token);
		KT_CHECK(cpus[i].counters.ipis_received > before[i]);
	}
}

#define SHOOT_VA 0xFFFFFFFFC0000000ull	/* unused kernel address */

static uint64_t seen[NCPU];

static void read_shoot_va(void *arg)
{
	(void)arg;
	seen[cpu_id()] = *(volatile uint64_t *)SHOOT_VA;
}

/* Every core reads a kernel page (caching the translation), the mapping
 * moves to another frame, and after a shootdown every core sees the new
 * frame's contents. */
void test_smp_tlb_shootdown(void)
{
	paddr_t a = pmm_alloc(), b = pmm_alloc(), old;
	int stale = 0;

	*(uint64_t *)phys_to_virt(a) = 0xaaaa;
	*(uint64_t *)phys_to_virt(b) = 0xbbbb;
	KT_CHECK(vm_map(kernel_pagetable, SHOOT_VA, a, 0) == 0);
	smp_call_all(read_shoot_va, 0);
	for (int i = 0; i < ncpu; i++)
		KT_CHECK(seen[i] == 0xaaaa);

	KT_CHECK(vm_unmap(kernel_pagetable, SHOOT_VA, &old) == 0 && old == a);
	KT_CHECK(vm_map(kernel_pagetable, SHOOT_VA, b, 0) == 0);
	tlb_shootdown();
	smp_call_all(read_shoot_va, 0);
	for (int i = 0; i < ncpu; i++)
		stale += seen[i] != 0xbbbb;
	KT_CHECK(stale == 0);

	vm_unmap(kernel_pagetable, SHOOT_VA, &old);
	tlb_shootdown();
	pmm_free(a);
	pmm_free(b);
}

/* Ticks advance on every core (no timing asserted: we wait until they do,
 * bounded by a generous deadline). */
void test_smp_ticks_everywhere(void)
{
	uint64_t before[NCPU];
	uint64_t deadline = clock_ns() + 5000000000ull;
	int behind;

	for (int i = 0; i < ncpu; i++)
		before[i] = cpus[i].counters.timer_irqs;
	do {
		behind = 0;
		for (int i = 0; i < ncpu; i++)
			behind += __atomic_load_n(&cpus[i].counters.timer_irqs, __ATOMIC_RELAXED) < before[i] + 3;
		cpu_idle_wait();
	} while (behind && clock_ns() < deadline);
	KT_CHECK(behind == 0);
}

static struct spinlock clock_lock = SPINLOCK_INIT("test clock");
static uint64_t last_ns;
static int backwards;

/* Under the lock, each reading must be at least the previous one, from
 * whichever core it was taken. */
static void check_clock(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5000; i++) {
		acquire(&clock_lock);
		uint64_t now = clock_ns();
		if (now < last_ns)
			backwards++;
		last_ns = now;
		release(&clock_lock);
	}
}

void test_smp_clock_monotonic(void)
{
	uint64_t t0 = clock_ns();

	last_ns = 0;
	backwards = 0;
	smp_call_all(check_clock, 0);
	KT_CHECK(backwards == 0);
	KT_CHECK(clock_ns() > t0);
}
