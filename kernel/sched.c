/*
 * The scheduler: per-CPU run queues, preemptive round robin, affinity,
 * work stealing, and sleep/wakeup.
 *
 * Each CPU runs scheduler() on its own stack.  It takes the next process
 * from its run queue (or steals one an idle CPU may run), switches to it,
 * and gets control back when the process calls sched(): on yield, sleep,
 * exit, or preemption by the timer (sched_tick sets need_resched; the
 * trap path yields on the way back to user mode).
 *
 * A process becoming runnable goes to the least-loaded CPU its affinity
 * allows (ties: the CPU it last ran on, whose cache is warm).  An idle
 * target is woken with an IPI.
 *
 * Hand-off, as in xv6: a process calls sched() holding its own p->lock;
 * the scheduler that switched to it releases that lock after swtch()
 * returns, and takes the next process's lock before switching to it.  So
 * another CPU that dequeues a just-yielded process spins on p->lock until
 * the old CPU is off that process's stack.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/coherence.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/trace.h"
#include "lib/errno.h"

static int timed_sleepers;	/* [a] processes in sleep_until() */

uint64_t online_mask(void)
{
	uint64_t m = 0;

	for (int i = 0; i < ncpu; i++)
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			m |= 1ull << i;
	return m;
}

static void rq_push(struct cpu *c, struct proc *p)
{
	acquire(&c->rq_lock);
	queue_push(&c->rq, &p->rq_node);
	release(&c->rq_lock);
}

static bool allowed_on(const struct qnode *n, void *cpu)
{
	return queue_entry(n, struct proc, rq_node)->affinity & (1ull << (uint64_t)cpu);
}

/* Unlinks the first queued process that may run on CPU `on`. */
static struct proc *rq_take(struct cpu *c, int on)
{
	struct qnode *n;

	acquire(&c->rq_lock);
	n = queue_take(&c->rq, allowed_on, (void *)(uint64_t)on);
	release(&c->rq_lock);
	return n ? queue_entry(n, struct proc, rq_node) : 0;
}

/* Removes p from c's queue if it is there. */
static bool rq_remove(struct cpu *c, struct proc *p)
{
	bool found;

	acquire(&c->rq_lock);
	found = queue_remove(&c->rq, &p->rq_node);
	release(&c->rq_lock);
	return found;
}

static int load(int cpu)
{
	return __atomic_load_n(&cpus[cpu].rq.len, __ATOMIC_RELAXED) +
	       (__atomic_load_n(&cpus[cpu].proc, __ATOMIC_RELAXED) != 0);
}

static int pick_cpu(struct proc *p)
{
	int best = -1;

	if (p->cpu >= 0 && p->cpu < ncpu && (p->affinity & (1ull << p->cpu)))
		best = p->cpu;
	for (int i = 0; i < ncpu; i++) {
		if (!(p->affinity & (1ull << i)) || !cpus[i].online)
			continue;
		if (best < 0 || load(i) < load(best))
			best = i;
	}
	if (best < 0)
		panic("sched: pid %d has no online CPU in its affinity %lx", p->pid, p->affinity);
	return best;
}

/* Queues p on the best CPU for it.  p->lock held. */
void sched_make_runnable(struct proc *p)
{
	int target = pick_cpu(p);

	trace_wake(p->pid, p->state, target);
	p->state = P_RUNNABLE;
	p->chan = 0;
	p->cpu = target;
	rq_push(&cpus[target], p);
	if (target != cpu_id() && !__atomic_load_n(&cpus[target].proc, __ATOMIC_RELAXED))
		arch_send_ipi(target, IPI_RESCHED);	/* wake it from hlt */
}

/* A process this CPU may run: its own queue first, then the busiest other. */
static struct proc *next_proc(struct cpu *c)
{
	struct proc *p = rq_take(c, c->id);
	int victim = -1;

	if (p)
		return p;
	for (int i = 0; i < ncpu; i++)
		if (i != c->id && cpus[i].rq.len > 0 && (victim < 0 || cpus[i].rq.len > cpus[victim].rq.len))
			victim = i;
	return victim >= 0 ? rq_take(&cpus[victim], c->id) : 0;
}

/* A switch into p, and whether p arrives from another CPU. */
static void count_switch(struct cpu *c, struct proc *p)
{
	COUNT(ctx_switches, 1);
	if (p->last_cpu >= 0 && p->last_cpu != c->id) {
		COUNT(migrations_in, 1);
		COUNT(migrations_from[p->last_cpu], 1);
		p->pc.migrations++;
	}
	p->last_cpu = c->id;
}

void scheduler(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		struct proc *p;

		intr_disable();
		if (!(p = next_proc(c))) {
			uint64_t t0 = arch_cycles();

			c->idle_since = t0;
			trace_event(TR_HALT, 0, 0, 0);
			cpu_idle_wait();	/* sti; hlt: an IPI or tick wakes us */
			intr_disable();
			trace_event(TR_RESUME, 0, 0, 0);
			c->idle_since = 0;
			COUNT(idle_cycles, arch_cycles() - t0);
			continue;
		}
		acquire(&p->lock);
		if (p->state != P_RUNNABLE)
			panic("scheduler: queued pid %d is not runnable (state %d)", p->pid, p->state);
		if (!(p->affinity & (1ull << c->id))) {
			sched_make_runnable(p);		/* affinity changed while queued */
			release(&p->lock);
			continue;
		}
		p->state = P_RUNNING;
		p->cpu = c->id;
		p->run_start = clock_ns();
		c->proc = p;
		trace_event(TR_SWITCH_IN, p->pid, (uint64_t)p->last_cpu, 0);
		count_switch(c, p);
		arch_switch_to(p);
		uint64_t t0 = arch_cycles();
		c->busy_since = t0;
		coh_switch(p);		/* the coherence model's c2c: who runs here */
		swtch(&c->sched_context, p->context);
		c->busy_since = 0;
		arch_switch_from(p);	/* before p can run on another CPU */
		uint64_t ran = arch_cycles() - t0;
		COUNT(busy_cycles, ran);
		p->pc.cycles_on[c->id] += ran;
		/* Back from sched(): p is off this CPU.  Leave its address space
		 * before unlocking it: once unlocked it may be freed elsewhere. */
		c->proc = 0;
		vm_activate(kernel_pagetable);
		release(&p->lock);
	}
}

/* Switches to this CPU's scheduler.  Hold only p->lock, with p->state
 * already changed from RUNNING. */
void sched(void)
{
	struct proc *p = myproc();
	struct cpu *c = this_cpu();
	bool intena;

	if (!holding(&p->lock))
		panic("sched: pid %d does not hold its lock", p->pid);
	if (c->noff != 1)
		panic("sched: pid %d holds other locks (noff %d)", p->pid, c->noff);
	if (p->state == P_RUNNING)
		panic("sched: pid %d is still RUNNING", p->pid);
	if (intr_enabled())
		panic("sched: interrupts on");
	proc_check_stack(p);
	p->runtime_ns += clock_ns() - p->run_start;
	intena = c->intena;
	trace_event(TR_SWITCH_OUT, p->pid, p->state, 0);
	swtch(&p->context, c->sched_context);
	this_cpu()->intena = intena;	/* we may now be on another CPU */
}

void yield(void)
{
	struct proc *p = myproc();

	acquire(&p->lock);
	sched_make_runnable(p);
	sched();
	release(&p->lock);
}

/*
 * Atomically releases lk and sleeps on chan; reacquires lk when woken.
 * The state and channel are set while lk is still held, and a waker
 * changes the condition under lk, so a waker that runs after we let go
 * of lk sees us SLEEPING (wakeup's unlocked look is enough to find us),
 * and its p->lock waits until sched() has switched away: no lost wake-up.
 * lk must be the only spinlock held (the lock checker names any other).
 */
void sleep(const void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();

	lockcheck_sleep(lk);
	if (lk != &p->lock)
		acquire(&p->lock);
	p->chan = chan;
	__atomic_store_n(&p->state, P_SLEEPING, __ATOMIC_RELEASE);
	if (lk != &p->lock)
		release(lk);
	sched();
	p->chan = 0;
	if (lk != &p->lock) {
		release(&p->lock);
		acquire(lk);
	}
}

bool sleep_until(const void *chan, struct spinlock *lk, uint64_t deadline)
{
	struct proc *p = myproc();

	if (clock_ns() >= deadline)
		return false;
	__atomic_fetch_add(&timed_sleepers, 1, __ATOMIC_RELAXED);
	p->wake_at = deadline;		/* see proc.h: read by wake_expired() */
	sleep(chan, lk);
	p->wake_at = 0;
	__atomic_fetch_sub(&timed_sleepers, 1, __ATOMIC_RELAXED);
	return clock_ns() < deadline;
}

/* Wakes every process sleeping on chan.  The condition must have been
 * changed under the lock the sleepers passed to sleep() (see there), so
 * processes that are not asleep on chan can be skipped without taking
 * their locks: a wakeup costs one lock per sleeper, not one per slot. */
void wakeup(const void *chan)
{
	struct proc *me = myproc();

	for (struct proc *p = procs; p < procs + NPROC; p++) {
		if (p == me || __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != P_SLEEPING ||
		    __atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan)
			continue;
		acquire(&p->lock);
		if (p->state == P_SLEEPING && p->chan == chan)
			sched_make_runnable(p);
		release(&p->lock);
	}
}

/* Wakes p alone if it sleeps on chan; whether it did.  For a caller that
 * keeps its own list of who waits (a mailbox), so no slot is scanned.
 * The same rule as wakeup(): the condition changed under the lock that p
 * passed to sleep(). */
bool sched_wake(struct proc *p, const void *chan)
{
	bool woke = false;

	acquire(&p->lock);
	if (p->state == P_SLEEPING && p->chan == chan) {
		sched_make_runnable(p);
		woke = true;
	}
	release(&p->lock);
	return woke;
}

/* CPU 0 wakes timed sleepers whose deadline passed. */
static void wake_expired(void)
{
	uint64_t now = clock_ns();

	for (struct proc *p = procs; p < procs + NPROC; p++) {
		if (!__atomic_load_n(&p->wake_at, __ATOMIC_RELAXED))
			continue;
		acquire(&p->lock);
		if (p->state == P_SLEEPING && p->wake_at && now >= p->wake_at)
			sched_make_runnable(p);
		release(&p->lock);
	}
}

/* Every tick, interrupts off: time-slice the running process. */
void sched_tick(void)
{
	struct cpu *c = this_cpu();

	if (c->id == 0 && __atomic_load_n(&timed_sleepers, __ATOMIC_RELAXED))
		wake_expired();
	if (c->proc && c->rq.len > 0)
		c->need_resched = true;
}

/* Restricts p to the CPUs in mask; a running or queued p moves at once. */
int sched_set_affinity(struct proc *p, int pid, uint64_t mask)
{
	int cpu;

	mask &= online_mask();
	if (!mask)
		return -EINVAL;
	acquire(&p->lock);
	if (p->pid != pid || p->state == P_UNUSED || p->state == P_ZOMBIE) {
		release(&p->lock);	/* it ended (and the slot may be reused) meanwhile */
		return -ESRCH;
	}
	p->affinity = mask;
	cpu = p->cpu;
	if (p->state == P_RUNNABLE && !(mask & (1ull << cpu)) && rq_remove(&cpus[cpu], p))
		sched_make_runnable(p);
	if (p->state == P_RUNNING && !(mask & (1ull << cpu)) && p != myproc()) {
		cpus[cpu].need_resched = true;
		arch_send_ipi(cpu, IPI_RESCHED);
	}
	release(&p->lock);
	if (p == myproc() && !(mask & (1ull << cpu_id())))
		yield();	/* onto an allowed CPU before returning */
	return 0;
}

/* ---- system calls ---- */

int64_t sys_yield(void)
{
	yield();
	return 0;
}

static struct spinlock sleep_lock = SPINLOCK_INIT("sleep");

/* Sleeps for a->ms milliseconds (at most TIMEOUT_MAX_MS): -EINTR if killed first. */
int64_t sys_sleep(const struct sys_sleep_args *a)
{
	struct proc *p = myproc();
	uint64_t deadline;

	deadline = clock_ns() + a->ms * 1000000ull;
	acquire(&sleep_lock);
	while (clock_ns() < deadline) {
		if (proc_killed(p)) {
			release(&sleep_lock);
			return -EINTR;
		}
		sleep_until(&sleep_lock, &sleep_lock, deadline);
	}
	release(&sleep_lock);
	return 0;
}

int64_t sys_uptime(void)
{
	return (int64_t)clock_ns();
}

/* The live process pid (0: the caller), found without its lock: the
 * caller re-checks the pid under p->lock before changing anything. */
static struct proc *target(int pid)
{
	struct proc *me = myproc();

	if (pid == 0 || pid == me->pid)
		return me;
	for (struct proc *p = procs; p < procs + NPROC; p++)
		if (p->pid == pid && p->state != P_UNUSED && p->state != P_ZOMBIE)
			return p;
	return 0;
}

/* setaffinity(pid, mask) and getaffinity(pid) on another process obey
 * the naming policy (proc_may_name): -ESRCH both for "no such process"
 * and for one the caller may not name. */
int64_t sys_setaffinity(const struct sys_setaffinity_args *a)
{
	int pid = a->pid ? a->pid : myproc()->pid;
	struct proc *p;
	int err;

	if ((err = proc_may_name(pid)) < 0)
		return err;
	p = target(pid);
	return p ? sched_set_affinity(p, pid, a->mask) : -ESRCH;
}

int64_t sys_getaffinity(const struct sys_getaffinity_args *a)
{
	struct proc *p;
	int err;

	if ((err = proc_may_name(a->pid)) < 0)
		return err;
	p = target(a->pid);
	return p ? (int64_t)p->affinity : -ESRCH;
}

int64_t sys_getcpu(void)
{
	return cpu_id();
}

int64_t sys_ncpu(void)
{
	return ncpu;
}
