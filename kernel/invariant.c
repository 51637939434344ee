/*
 * The invariant checker: kcheck() looks over the process table, the run
 * queues, the handle tables, the shared-memory mappings and the IPC
 * accounts, and panics naming the first invariant it finds broken.  The
 * fuzzer and the stress programs call it (SYS_kcheck) between and after
 * their runs; docs/reliability.md lists what it checks.
 *
 * A consistent picture without stopping the other CPUs: kcheck takes
 * every p->lock, in table order, then every run-queue lock, in CPU order.
 * That follows the lock order of proc.h (p->lock before a runqueue lock),
 * and nothing else ever holds two p->locks or two runqueue locks, so it
 * cannot deadlock; a CPU spinning on one of them meanwhile still answers
 * cross-CPU calls (acquire() polls for them).  With every p->lock held:
 *   - no process changes state, and none is switched in or out;
 *   - a process that is not RUNNING is off every CPU, and so is its
 *     handle table (only its owner edits it, or the creator of an EMBRYO,
 *     which is skipped);
 *   - run queues only shrink (a scheduler dequeues before it locks the
 *     process), and with the queue locks held not even that.
 * RUNNING processes other than the caller go on changing their handle
 * tables, so their handles are not counted.  References are therefore
 * compared as lower bounds: an object's refs must be at least the number
 * of references found; a handle in flight inside a message also holds one,
 * which only mbox.c can see.
 *
 * Lock order: kcheck_lock before every p->lock.  Only kcheck takes it.
 */
#include <stdarg.h>
#include <stdint.h>

#include "kernel/cpu.h"
#include "kernel/handle.h"
#include "kernel/invariant.h"
#include "kernel/mbox.h"
#include "kernel/panic.h"
#include "kernel/pmm.h"
#include "kernel/proc.h"
#include "kernel/shm.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/fmt.h"

/* One entry per distinct object (or account) found: a tally. */
struct tally {
	const void *key;	/* struct kobj * or struct ipc_account *; NULL: free */
	uint32_t refs;		/* objects: references found */
	uint32_t recv;		/* mailboxes: receive rights found (+1 per default box) */
	uint32_t send;		/* mailboxes: send rights found in handle tables */
	uint32_t pages;		/* accounts: shm pages of the objects found */
	uint32_t kind;		/* T_OBJ or T_ACCT */
};

#define T_OBJ		1
#define T_ACCT		2
#define SLOTS_PER_PAGE	(PAGE_SIZE / sizeof(struct tally))
/* Room for every object there can be references to (handles, mappings,
 * default and event mailboxes of every process) and every account; the
 * table is kept at most half full. */
#define MAX_KEYS	(NPROC * (QUOTA_HANDLES + NSHMMAP + 3))
#define TALLY_PAGES	((2 * MAX_KEYS + SLOTS_PER_PAGE - 1) / SLOTS_PER_PAGE)
#define TALLY_SLOTS	(TALLY_PAGES * SLOTS_PER_PAGE)

static struct spinlock kcheck_lock = SPINLOCK_INIT("kcheck");
/* kcheck_lock protects these. */
static struct tally *tpages[TALLY_PAGES];
static int nkeys;

static struct tally *slot(uint64_t i)
{
	return &tpages[i / SLOTS_PER_PAGE][i % SLOTS_PER_PAGE];
}

/* The tally of key, made on first use. */
static struct tally *tally_of(const void *key, uint32_t kind)
{
	uint64_t i = ((uint64_t)key >> 4) * 0x9E3779B97F4A7C15ull % TALLY_SLOTS;

	for (;; i = (i + 1) % TALLY_SLOTS) {
		struct tally *t = slot(i);

		if (t->key == key)
			return t;
		if (!t->key) {
			if (++nkeys > (int)MAX_KEYS)
				panic("kcheck: more objects found than the checker has room for");
			t->key = key;
			t->kind = kind;
			return t;
		}
	}
}

static bool is_kernel_ptr(const void *p)
{
	return (uint64_t)p >= DIRECT_MAP_BASE;
}

/* Where a broken invariant is reported: NULL panics (the normal case);
 * the kernel tests pass a buffer to see the report instead. */
static char *report;
static size_t report_cap;
static int nbroken;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!report)
		panic("kcheck: invariant broken: %s", buf);
	if (nbroken++ == 0)
		fmt_snprintf(report, report_cap, "%s", buf);
}

static void broken(const char *what, const struct proc *p)
{
	fail("%s (pid %d '%s', slot %d, state %d)", what, p->pid, p->name, (int)(p - procs),
	     p->state);
}

/* One more reference to o found, from p. */
static void count_ref(const struct proc *p, struct kobj *o, uint32_t rights)
{
	struct tally *t;

	if (!is_kernel_ptr(o))
		broken("handle table: object pointer outside the kernel", p);
	if (o->type != HANDLE_TYPE_MBOX && o->type != HANDLE_TYPE_SHM)
		broken("handle table: object of no known type", p);
	if (rights & ~RIGHT_ALL)
		broken("handle table: rights outside RIGHT_ALL", p);
	t = tally_of(o, T_OBJ);
	t->refs++;
	if (rights & RIGHT_RECV)
		t->recv++;
	if (rights & RIGHT_SEND)
		t->send++;
	if (t->refs == 1 && o->type == HANDLE_TYPE_SHM) {
		struct shm *s = (struct shm *)o;

		if (!s->acct)
			broken("shm object without an account", p);
		tally_of(s->acct, T_ACCT)->pages += (uint32_t)s->npages;
	}
}

/* The handles, mappings and mailboxes of p (not running elsewhere). */
static void count_refs(struct proc *p)
{
	for (int i = 0; i < QUOTA_HANDLES; i++)
		if (p->handles[i].obj)
			count_ref(p, p->handles[i].obj, p->handles[i].rights);
	for (int i = 0; i < NSHMMAP; i++) {
		struct shm_mapping *m = &p->maps[i];
		paddr_t pa;

		if (!m->va)
			continue;
		if (!m->shm || m->va < SHM_BASE || m->va >= USER_END || (m->va & (PAGE_SIZE - 1)))
			broken("shm mapping slot: bad address or no object", p);
		if (m->shm->obj.type != HANDLE_TYPE_SHM)
			broken("shm mapping slot: object is not shared memory", p);
		if (m->shm->npages < 1 || m->shm->npages > SHM_MAX_SIZE / PAGE_SIZE)
			broken("shm object: page count out of range", p);
		if (p->pagetable &&
		    (vm_walk(p->pagetable, m->va, &pa, 0) < 0 || pa != m->shm->frames[0]))
			broken("shm mapping: first page is not the object's first frame", p);
		count_ref(p, &m->shm->obj, 0);
	}
	if (p->inbox) {
		count_ref(p, &p->inbox->obj, 0);
		tally_of(p->inbox, T_OBJ)->recv++;	/* its owner is its receiver */
	}
	if (p->events)
		count_ref(p, &p->events->obj, 0);
}

/* What every slot of the table must satisfy, whatever its state. */
static void check_proc(struct proc *p)
{
	switch (p->state) {
	case P_UNUSED:
		return;
	case P_EMBRYO:
		return;		/* its creator is still building it */
	case P_RUNNING:
		if (p->cpu < 0 || p->cpu >= ncpu || cpus[p->cpu].proc != p)
			broken("RUNNING process is not its CPU's current process", p);
		break;
	case P_SLEEPING:
		if (!p->chan)
			broken("SLEEPING process has no channel", p);
		break;
	case P_RUNNABLE:
		if (p->cpu < 0 || p->cpu >= ncpu)
			broken("RUNNABLE process names no CPU", p);
		break;
	case P_ZOMBIE:
		for (int i = 0; i < QUOTA_HANDLES; i++)
			if (p->handles[i].obj)
				broken("ZOMBIE still holds a handle", p);
		for (int i = 0; i < NSHMMAP; i++)
			if (p->maps[i].va)
				broken("ZOMBIE still has a shm mapping", p);
		if (p->inbox)
			broken("ZOMBIE still holds its default mailbox", p);
		if (p->events)
			broken("ZOMBIE still holds its event mailbox", p);
		if (p->acct)
			broken("ZOMBIE still holds its IPC account", p);
		return;
	default:
		broken("process state out of range", p);
	}
	if (!p->kstack)
		broken("live process without a kernel stack", p);
	proc_check_stack(p);
	/* A RUNNING process may be in exit, past giving up its account. */
	if (p->pagetable && !p->acct && p->state != P_RUNNING)
		broken("user process without an IPC account", p);
	if (p->acct) {
		if (__atomic_load_n(&p->acct->refs, __ATOMIC_RELAXED) < 1)
			broken("IPC account of a live process has no references", p);
		tally_of(p->acct, T_ACCT);
	}
	if (p->max_handles > QUOTA_HANDLES)
		broken("handle quota above QUOTA_HANDLES", p);
	if (p->state != P_RUNNING || p == myproc())
		count_refs(p);
}

/* Marks in seen[] the processes queued on c: each RUNNABLE, queued on
 * the CPU it names, once.  Returns how many.  c->rq_lock held. */
static int check_queue(struct cpu *c, uint8_t *seen)
{
	int n = 0;

	for (struct qnode *q = c->rq.head; q; q = q->next) {
		struct proc *p = queue_entry(q, struct proc, rq_node);

		if (p < procs || p >= procs + NPROC || (char *)p != (char *)&procs[p - procs]) {
			fail("run queue of cpu %d links something not in the process table",
			     c->id);
			return n;
		}
		if (seen[p - procs]++)
			broken("process queued twice (on one run queue or two)", p);
		if (p->state != P_RUNNABLE)
			broken("queued process is not RUNNABLE", p);
		if (p->cpu != c->id)
			broken("queued process is on another CPU's queue than p->cpu", p);
		if (++n > NPROC) {
			fail("run queue of cpu %d has a cycle", c->id);
			return n;
		}
		if (!q->next && c->rq.tail != q)
			fail("run queue of cpu %d: tail is not the last node", c->id);
	}
	if (n != c->rq.len)
		fail("run queue of cpu %d holds %d processes but says %d", c->id, n, c->rq.len);
	return n;
}

/*
 * Every RUNNABLE process is on a queue, except one a scheduler has just
 * taken off and waits to lock (we hold the lock): at most one per other
 * CPU that is in its scheduler.  Every CPU's current process is RUNNING
 * there.  All p->locks and runqueue locks held.
 */
static void check_sched(void)
{
	uint8_t seen[NPROC] = { 0 };
	int unqueued = 0, in_scheduler = 0;

	for (int i = 0; i < ncpu; i++)
		check_queue(&cpus[i], seen);
	for (int i = 0; i < ncpu; i++) {
		struct proc *cur = __atomic_load_n(&cpus[i].proc, __ATOMIC_ACQUIRE);

		if (!cur) {
			in_scheduler += i != cpu_id();
			continue;
		}
		if (cur < procs || cur >= procs + NPROC) {
			fail("cpu %d runs something not in the process table", i);
			continue;
		}
		if (cur->state != P_RUNNING || cur->cpu != i)
			broken("a CPU's current process is not RUNNING there", cur);
	}
	for (struct proc *p = procs; p < procs + NPROC; p++)
		if (p->state == P_RUNNABLE && !seen[p - procs])
			unqueued++;
	if (unqueued > in_scheduler)
		fail("%d RUNNABLE processes are on no run queue, but only %d CPUs "
		      "could be about to run one", unqueued, in_scheduler);
}

/* Each object found has at least the references found; each account
 * found was charged at least the shm pages found. */
static int check_tallies(void)
{
	int objects = 0;

	for (uint64_t i = 0; i < TALLY_SLOTS; i++) {
		struct tally *t = slot(i);

		if (!t->key)
			continue;
		if (t->kind == T_ACCT) {
			const struct ipc_account *a = t->key;
			uint64_t pages = __atomic_load_n(&a->shm_pages, __ATOMIC_RELAXED);
			uint64_t queued = __atomic_load_n(&a->queued, __ATOMIC_RELAXED);

			if ((int64_t)pages < 0 || (int64_t)queued < 0)
				fail("IPC account %p charged a negative amount (pages %ld, "
				      "bytes %ld)", t->key, (long)pages, (long)queued);
			if (pages < t->pages)
				fail("IPC account %p charged %lu shm pages, its objects "
				      "found hold %u", t->key, pages, t->pages);
			continue;
		}
		const struct kobj *o = t->key;
		int refs = __atomic_load_n(&o->refs, __ATOMIC_RELAXED);

		objects++;
		if (refs < (int)t->refs)
			fail("object %p (type %d) has %d references, %u found", t->key,
			      o->type, refs, t->refs);
		if (o->type == HANDLE_TYPE_MBOX) {
			const struct mbox *m = t->key;
			int receivers = __atomic_load_n(&m->receivers, __ATOMIC_RELAXED);

			int senders = __atomic_load_n(&m->senders, __ATOMIC_RELAXED);

			if (receivers < (int)t->recv)
				fail("mailbox %p counts %d receivers, %u receive rights "
				      "found", t->key, receivers, t->recv);
			if (!m->open_senders && senders < (int)t->send)
				fail("mailbox %p counts %d senders, %u send rights found",
				     t->key, senders, t->send);
		}
	}
	if (objects > __atomic_load_n(&kobj_count, __ATOMIC_RELAXED))
		fail("%d kernel objects found, but kobj_count is %d", objects,
		      __atomic_load_n(&kobj_count, __ATOMIC_RELAXED));
	return objects;
}

/* The scratch table: zeroed pages, taken before and freed after the
 * locks, so the check leaves free frames as they were. */
static int tally_alloc(void)
{
	for (int i = 0; i < (int)TALLY_PAGES; i++) {
		if (!(tpages[i] = page_alloc())) {
			while (i--)
				page_free(tpages[i]);
			return -ENOMEM;
		}
	}
	nkeys = 0;
	return 0;
}

static void tally_free(void)
{
	for (int i = 0; i < (int)TALLY_PAGES; i++) {
		page_free(tpages[i]);
		tpages[i] = 0;
	}
}

/* The check itself; kcheck_lock held. */
static int check_all(void)
{
	int objects;

	if (tally_alloc() < 0)
		return -ENOMEM;
	for (struct proc *p = procs; p < procs + NPROC; p++)
		acquire(&p->lock);
	for (int i = 0; i < ncpu; i++)
		acquire(&cpus[i].rq_lock);
	for (struct proc *p = procs; p < procs + NPROC; p++)
		check_proc(p);
	check_sched();
	/* Still under the locks: the tables counted keep the objects found
	 * alive, and their references, only while they stay frozen. */
	objects = check_tallies();
	for (int i = ncpu - 1; i >= 0; i--)
		release(&cpus[i].rq_lock);
	for (struct proc *p = procs + NPROC - 1; p >= procs; p--)
		release(&p->lock);
	/* Mailbox queues, waiters and blocked senders (mbox.c; m->lock is
	 * taken with no process lock held, as the lock order asks). */
	mbox_check_all();
	tally_free();
	return objects;
}

int kcheck(void)
{
	int objects;

	acquire(&kcheck_lock);
	objects = check_all();
	release(&kcheck_lock);
	return objects;
}

int kcheck_report(char *why, size_t cap)
{
	int n;

	acquire(&kcheck_lock);
	report = why;
	report_cap = cap;
	nbroken = 0;
	why[0] = 0;
	n = check_all() < 0 ? -ENOMEM : nbroken;
	report = 0;
	release(&kcheck_lock);
	return n;
}

/* kcheck(): runs the invariant check; the objects checked, or -ENOMEM.
 * For tests: a broken invariant panics. */
int64_t sys_kcheck(void)
{
	return kcheck();
}
