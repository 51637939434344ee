/*
 * Per-CPU event tracing: the buffers, the trace_ctl() system call and the
 * dump to the host (docs/tracing.md, kernel/trace.h).
 *
 * Buffers are allocated at the first TRACE_START, one per online CPU,
 * and kept for later traces.  A dump goes out through arch_trace_out()
 * (QEMU's debug console on x86), read on the host by tools/trace2json.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/pmm.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "kernel/trace.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/syscalls.h"

#define TRACE_BUF_PAGES	64	/* 256 KiB a CPU */
#define TRACE_RECS	(TRACE_BUF_PAGES * PAGE_SIZE / sizeof(struct trace_rec))

_Static_assert(TRACE_SYSCALLS == 2, "arch/x86_64/syscall.S tests this bit");
_Static_assert((int)TR_WHY_PREEMPT == (int)P_RUNNABLE && (int)TR_WHY_BLOCK == (int)P_SLEEPING &&
	       (int)TR_WHY_EXIT == (int)P_ZOMBIE, "TR_SWITCH_OUT reasons are process states");

uint8_t trace_mask;

/* One CPU's buffer.  recs: [I] once allocated (under the busy flag, before
 * tracing first starts).  head and ids: claimed with atomic adds by the
 * owning CPU only (its interrupts included); reset while tracing is off. */
struct trace_buf {
	struct trace_rec *recs;
	uint64_t head;		/* slots claimed; beyond TRACE_RECS they are lost */
	uint64_t ids;		/* messages this CPU has sent */
} __attribute__((aligned(64)));

static struct trace_buf bufs[NCPU];

/* Set while a trace_ctl() call works: one at a time (-EBUSY). */
static int busy;

/* The time is read by the caller, before the slot is claimed: the
 * only work here is a claim and five stores. */
static inline void record(uint64_t tsc, int event, int pid, uint64_t a0, uint64_t a1)
{
	struct cpu *c = this_cpu();
	struct trace_buf *b = &bufs[c->id];
	uint64_t i = __atomic_fetch_add(&b->head, 1, __ATOMIC_RELAXED);
	struct trace_rec *r;

	if (i >= TRACE_RECS || !b->recs)
		return;			/* full: counted by head */
	r = &b->recs[i];
	if (pid < 0)
		pid = c->proc ? c->proc->pid : 0;
	r->tsc = tsc;
	r->cpu = (uint8_t)c->id;
	r->pid = (uint32_t)pid;
	r->a0 = a0;
	r->a1 = a1;
	__atomic_store_n(&r->event, (uint16_t)event, __ATOMIC_RELEASE);	/* complete */
}

void trace_write_at(uint64_t tsc, int event, int pid, uint64_t a0, uint64_t a1)
{
	record(tsc, event, pid, a0, a1);
}

void trace_wake_rec(int pid, int state, int target)
{
	struct proc *me = myproc();

	trace_write(TR_WAKE, pid, me ? (uint64_t)me->pid : 0, (uint64_t)target | (uint64_t)state << 32);
}

/* Ids are (CPU + 1) << 48 | count: unique without a shared counter. */
uint64_t trace_send_rec(uint32_t len)
{
	int cpu = cpu_id();
	uint64_t id = (uint64_t)(cpu + 1) << 48 |
		      __atomic_add_fetch(&bufs[cpu].ids, 1, __ATOMIC_RELAXED);

	trace_write(TR_SEND, -1, id, len);
	return id;
}

void trace_name_rec(int event, int pid, const char *name)
{
	uint64_t w[2] = { 0, 0 };

	strlcpy((char *)w, name, sizeof(w));
	trace_write(event, pid, w[0], w[1]);
}

int trace_syscall_dispatch(struct trapframe *tf)
{
	uint64_t nr = arch_trace_syscall_reg(tf), t0 = arch_trace_now();
	int iret = syscall_dispatch(tf);

	/* exit() never gets here; exec's new image reads as result 0.  Not
	 * recorded if this very call stopped tracing. */
	if (tracing())
		record(t0, TR_SYSCALL, -1, nr | (arch_trace_now() - t0) << 16,
		       arch_trace_syscall_reg(tf));
	return iret;
}

/* ---- trace_ctl ---- */

static void nothing(void *arg)
{
	(void)arg;
}

/* Waits until every CPU has taken an interrupt since the caller cleared
 * trace_mask: after it, only a record whose writer was interrupted right
 * then can still be unfinished, and the dump counts that one as lost. */
static void barrier(void)
{
	smp_call_all(nothing, 0);
}

/* Buffers for every online CPU; a failure frees what this call took. */
static int alloc_buffers(void)
{
	for (int i = 0; i < ncpu; i++) {
		paddr_t pa;

		if (bufs[i].recs)
			continue;
		if (!(pa = pmm_alloc_contig(TRACE_BUF_PAGES)))
			return -ENOMEM;		/* the ones we have stay: reused next time */
		bufs[i].recs = phys_to_virt(pa);
	}
	return 0;
}

/* Names of the processes alive now, so their tracks have names. */
static void record_names(void)
{
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		char name[PROC_NAME_MAX];
		int pid = 0;

		acquire(&p->lock);
		if (p->state != P_UNUSED && p->state != P_ZOMBIE) {
			pid = p->pid;
			strlcpy(name, p->name, sizeof(name));
		}
		release(&p->lock);
		if (pid)
			trace_name_rec(TR_NAME, pid, name);
	}
}

static int trace_start(uint32_t flags)
{
	int err;

	if (trace_mask)
		return -EBUSY;
	if ((err = alloc_buffers()) < 0)
		return err;
	for (int i = 0; i < ncpu; i++) {
		memset(bufs[i].recs, 0, TRACE_RECS * sizeof(struct trace_rec));
		__atomic_store_n(&bufs[i].head, 0, __ATOMIC_RELAXED);
	}
	trace_write(TR_START, -1, flags, 0);
	record_names();
	__atomic_store_n(&trace_mask, (uint8_t)flags, __ATOMIC_RELEASE);
	return 0;
}

/* Records in b that a dump leaves out: past the end, or incomplete. */
static uint64_t lost_in(const struct trace_buf *b)
{
	uint64_t head = __atomic_load_n(&b->head, __ATOMIC_RELAXED);
	uint64_t n = head < TRACE_RECS ? head : TRACE_RECS, lost = head - n;

	for (uint64_t i = 0; i < n; i++)
		if (!b->recs[i].event)
			lost++;
	return lost;
}

static int64_t trace_stop(void)
{
	uint64_t lost = 0;

	if (!trace_mask)
		return -EINVAL;
	trace_write(TR_STOP, -1, 0, 0);
	__atomic_store_n(&trace_mask, 0, __ATOMIC_RELEASE);
	barrier();
	for (int i = 0; i < ncpu; i++)
		if (bufs[i].recs)
			lost += lost_in(&bufs[i]);
	return (int64_t)lost;
}

/* Writes CPU i's complete records; returns how many. */
static uint32_t dump_cpu(int i)
{
	struct trace_buf *b = &bufs[i];
	struct trace_cpu_header h = { .cpu = (uint32_t)i, .count = 0, .lost = 0 };
	uint64_t n = b->recs ? b->head : 0;

	if (n > TRACE_RECS)
		n = TRACE_RECS;
	for (uint64_t k = 0; k < n; k++)
		h.count += b->recs[k].event != 0;
	h.lost = b->recs ? lost_in(b) : 0;
	arch_trace_out(&h, sizeof(h));
	for (uint64_t k = 0; k < n; k++)
		if (b->recs[k].event)
			arch_trace_out(&b->recs[k], sizeof(b->recs[k]));
	return h.count;
}

static int64_t trace_dump(uint64_t uname)
{
	struct trace_header h = {
		.magic = TRACE_MAGIC,
		.cycles_per_second = arch_cycles_per_second(),
		.ncpu = (uint32_t)ncpu,
		.rec_size = sizeof(struct trace_rec),
	};
	int64_t n = 0;
	int err;

	if (trace_mask)
		return -EBUSY;
	if (uname && (err = copyinstr(h.name, uname, sizeof(h.name))) < 0)
		return err;
	if (!uname)
		strlcpy(h.name, "trace", sizeof(h.name));
	arch_trace_out(&h, sizeof(h));
	for (int i = 0; i < ncpu; i++)
		n += dump_cpu(i);
	return n;
}

/* trace_ctl(op, arg): see lib/trace.h.  One call at a time. */
int64_t sys_trace_ctl(const struct sys_trace_ctl_args *a)
{
	int64_t ret = -EINVAL;
	int idle = 0;

	if (!__atomic_compare_exchange_n(&busy, &idle, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EBUSY;
	if (a->op == TRACE_START)
		ret = trace_start((uint32_t)a->arg | TRACE_ON);
	else if (a->op == TRACE_STOP)
		ret = trace_stop();
	else if (a->op == TRACE_DUMP)
		ret = trace_dump(a->arg);
	else if (a->op == TRACE_STATUS)
		ret = trace_mask;
	__atomic_store_n(&busy, 0, __ATOMIC_RELEASE);
	return ret;
}
