/* Spinlocks with holder records; see spinlock.h. */
#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/spinlock.h"
#include "lib/cmdline.h"
#include "lib/string.h"

static bool lockcheck_on;	/* [I] after lockcheck_init(); cleared by a report */

/* About 10 s of spinning under TCG before we call it a deadlock. */
#define SPIN_LIMIT	(1ull << 30)

void spinlock_init(struct spinlock *lk, const char *name)
{
	lk->locked = 0;
	lk->name = name;
	lk->cpu = -1;
	lk->caller = 0;
	lk->lclass = 0;
}

static void check_order(struct spinlock *lk, uintptr_t caller);
static void push_held(struct spinlock *lk);
static void pop_held(struct spinlock *lk);

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
	if (lockcheck_on && !panicking())
		check_order(lk, caller);	/* before spinning: a cycle panics, not hangs */
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
	if (lockcheck_on)
		push_held(lk);
}

void release(struct spinlock *lk)
{
	if (!holding(lk))
		panic("spinlock '%s': released by cpu %d which does not hold it (holder cpu %d)",
		      lk->name, cpu_id(), lk->cpu);
	if (lockcheck_on)
		pop_held(lk);
	lk->cpu = -1;
	lk->caller = 0;
	/* Every store of the critical section becomes visible before the unlock. */
	__atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
	pop_off();
}

/* ---- Lock checker (see spinlock.h) ----
 *
 * held[c]: the locks CPU c holds, in the order it took them; only CPU c
 * touches it, with interrupts off (a lock is always released on the CPU
 * that took it: the scheduler hands p->lock over without moving CPU).
 * The class table and the order graph (after[a] bit b: a lock of class b
 * was taken while one of class a was held; where[a][b]: the first place
 * that did so) are guarded by graph_busy, a bare flag rather than a
 * spinlock so that the checker never checks itself.  New edges are rare
 * once the system has run a little; a known edge costs one load.
 */

#ifndef LOCKCHECK_DEFAULT
#define LOCKCHECK_DEFAULT 0	/* DEBUG=1 builds pass 1 (Makefile) */
#endif
#define LC_CLASSES	64	/* lock names the checker tells apart */
#define LC_DEPTH	16	/* locks one CPU holds at once */

struct held {
	struct spinlock *lk[LC_DEPTH];
	int n;
};


static struct held held[NCPU];			/* [o] by index */
static volatile uint32_t graph_busy;		/* [a] guards the fields below */
static const char *class_name[LC_CLASSES];
static int nclasses;
static uint64_t after[LC_CLASSES];		/* [a] read without graph_busy */
static uintptr_t where[LC_CLASSES][LC_CLASSES];

void lockcheck_init(const char *cmdline)
{
	char v[8];

	lockcheck_on = LOCKCHECK_DEFAULT;
	if (cmdline_get(cmdline, "lockcheck", v, sizeof(v)) >= 0)
		lockcheck_on = !(strcmp(v, "0") == 0 || strcmp(v, "off") == 0);
	else if (cmdline_has(cmdline, "lockcheck"))
		lockcheck_on = true;
	if (lockcheck_on)
		printk("lockcheck: lock-order checker on\n");
}

bool lockcheck_enabled(void)
{
	return lockcheck_on;
}

static void graph_lock(void)
{
	while (__atomic_exchange_n(&graph_busy, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void graph_unlock(void)
{
	__atomic_store_n(&graph_busy, 0, __ATOMIC_RELEASE);
}

/* Class of a name, added if new; -1 once the table is full.  graph_busy held. */
static int find_class(const char *name)
{
	name = name ? name : "?";
	for (int i = 0; i < nclasses; i++)
		if (strcmp(class_name[i], name) == 0)
			return i;
	if (nclasses == LC_CLASSES)
		return -1;
	class_name[nclasses] = name;
	return nclasses++;
}

static int class_of(struct spinlock *lk)
{
	int c = __atomic_load_n(&lk->lclass, __ATOMIC_RELAXED);

	if (c)
		return c - 1;
	graph_lock();
	c = find_class(lk->name);
	graph_unlock();
	if (c >= 0)
		__atomic_store_n(&lk->lclass, (uint8_t)(c + 1), __ATOMIC_RELAXED);
	return c;
}

/* Whether class `to` can be reached from `from` along the graph's edges.
 * graph_busy held. */
static bool reaches(int from, int to)
{
	uint64_t seen = 1ull << from, frontier = seen;

	while (frontier) {
		uint64_t next = 0;

		for (int i = 0; i < nclasses; i++)
			if (frontier & (1ull << i))
				next |= after[i];
		next &= ~seen;
		if (next & (1ull << to))
			return true;
		seen |= next;
		frontier = next;
	}
	return false;
}

/* Records "b taken while a held"; panics if b already comes before a. */
static void add_edge(int a, int b, uintptr_t caller)
{
	graph_lock();
	if (!(after[a] & (1ull << b))) {
		if (reaches(b, a)) {
			uintptr_t back = where[b][a];

			lockcheck_on = false;	/* panic() prints under the console lock */
			graph_unlock();
			panic("lockcheck: lock order cycle: '%s' taken at %p while holding '%s', "
			      "but '%s' was taken while holding '%s' at %p%s",
			      class_name[b], (void *)caller, class_name[a], class_name[a],
			      class_name[b], (void *)back, back ? "" : " (through other locks)");
		}
		where[a][b] = caller;
		__atomic_fetch_or(&after[a], 1ull << b, __ATOMIC_RELAXED);
	}
	graph_unlock();
}

/* Before this CPU spins for lk: every lock it holds comes before lk. */
static void check_order(struct spinlock *lk, uintptr_t caller)
{
	struct held *h = &held[cpu_id()];
	int b = class_of(lk);

	if (b < 0)
		return;
	for (int i = 0; i < h->n; i++) {
		int a = class_of(h->lk[i]);

		if (a >= 0 && a != b && !(__atomic_load_n(&after[a], __ATOMIC_RELAXED) & (1ull << b)))
			add_edge(a, b, caller);
	}
}

static void push_held(struct spinlock *lk)
{
	struct held *h = &held[cpu_id()];

	if (h->n < LC_DEPTH)
		h->lk[h->n++] = lk;
}

static void pop_held(struct spinlock *lk)
{
	struct held *h = &held[cpu_id()];

	for (int i = h->n - 1; i >= 0; i--) {
		if (h->lk[i] == lk) {
			for (; i < h->n - 1; i++)
				h->lk[i] = h->lk[i + 1];
			h->n--;
			return;
		}
	}
}

void lockcheck_sleep(const struct spinlock *lk)
{
	struct held *h;

	if (!lockcheck_on || panicking())
		return;
	push_off();
	h = &held[cpu_id()];
	for (int i = 0; i < h->n; i++) {
		if (h->lk[i] != lk) {
			lockcheck_on = false;
			panic("lockcheck: pid %d sleeps holding spinlock '%s' (taken at %p); "
			      "only the lock passed to sleep() ('%s') may be held",
			      myproc() ? myproc()->pid : -1, h->lk[i]->name,
			      (void *)h->lk[i]->caller, lk->name);
		}
	}
	pop_off();
}

bool lockcheck_seen(const char *outer, const char *inner)
{
	bool seen;
	int a, b;

	push_off();	/* graph_busy is taken with interrupts off everywhere */
	graph_lock();
	a = find_class(outer);
	b = find_class(inner);
	seen = a >= 0 && b >= 0 && (after[a] & (1ull << b));
	graph_unlock();
	pop_off();
	return seen;
}
