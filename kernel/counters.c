/*
 * Core-local counters: the snapshot and the counter system calls; see
 * counters.h.  The increments themselves sit where the events happen
 * (syscall.c, sched.c, mbox.c, smp.c, the arch trap code).
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/coherence.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/smp.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/string.h"

#define SNAP_PAGES ((NCPU * sizeof(struct cpu_counters) + PAGE_SIZE - 1) / PAGE_SIZE)

_Static_assert(sizeof(struct cpu_counters) % 64 == 0, "counters fill whole cache lines");
_Static_assert(__builtin_offsetof(struct cpu, counters) % 64 == 0, "counters start a cache line");
_Static_assert(NCPU <= COUNTERS_MAX_CPUS, "migrations_from[] covers every CPU");

static void coh_print(void);

struct cpu_counters *my_counters(void)
{
	return &this_cpu()->counters;
}

/* Runs on each CPU: it copies its own block, reading its PMU and its
 * page of the coherence model too (each only ever on its own CPU). */
static void copy_own(void *arg)
{
	struct cpu *c = this_cpu();
	struct cpu_counters *out = (struct cpu_counters *)arg + c->id;
	uint64_t now = arch_cycles();

	*out = c->counters;
	out->hw_id = c->apic_id;
	/* Include the slice in progress: a process running (or a halt) for
	 * a whole measurement would otherwise be counted only after it. */
	if (c->busy_since)
		out->busy_cycles += now - c->busy_since;
	if (c->idle_since)
		out->idle_cycles += now - c->idle_since;
	arch_pmu_read(out);
	coh_read(out);
}

void counters_snapshot(struct cpu_counters *out)
{
	smp_call_all(copy_own, out);
}

/* counters(buf, max): one block per online CPU, up to max. */
int64_t sys_counters(const struct sys_counters_args *a)
{
	int max = a->max < ncpu ? a->max : ncpu;
	paddr_t pa;
	int err;

	if (max <= 0)
		return -EINVAL;
	if (!user_writable(a->buf, max * sizeof(struct cpu_counters)))
		return -EFAULT;
	if (!(pa = pmm_alloc_contig(SNAP_PAGES)))
		return -ENOMEM;
	counters_snapshot(phys_to_virt(pa));
	err = copyout(a->buf, phys_to_virt(pa), max * sizeof(struct cpu_counters));
	for (size_t i = 0; i < SNAP_PAGES; i++)
		pmm_free(pa + i * PAGE_SIZE);
	return err < 0 ? err : max;
}

/* proc_counters(pid, out): a process's own totals (pid 0: the caller). */
int64_t sys_proc_counters(const struct sys_proc_counters_args *a)
{
	struct proc_counters pc;
	struct proc *p = 0;
	int pid = a->pid;

	if (!user_writable(a->out, sizeof(pc)))
		return -EFAULT;
	for (struct proc *q = procs; q < procs + NPROC && !p; q++) {
		acquire(&q->lock);
		if (q->state != P_UNUSED && (q->pid == pid || (pid == 0 && q == myproc()))) {
			p = q;
			pc = q->pc;
		}
		release(&q->lock);
	}
	if (!p)
		return -ESRCH;
	return copyout(a->out, &pc, sizeof(pc));
}

/* Ctrl-T on the console: every CPU's block, printed from interrupt
 * context, so it works even when user space is stuck.  Reading other
 * CPUs' blocks (and their coherence pages) here is a racy but harmless
 * glance. */
void counters_print(void)
{
	printk("\ncpu  syscalls  ctxsw  timer  dev  ipi-out  ipi-in  msgs-out  msgs-in  mig-in  busy%%\n");
	for (int i = 0; i < ncpu; i++) {
		const struct cpu_counters *c = &cpus[i].counters;
		uint64_t total = c->busy_cycles + c->idle_cycles;

		printk("%3d  %8lu  %5lu  %5lu  %3lu  %7lu  %6lu  %8lu  %7lu  %6lu  %4lu\n", i,
		       c->syscalls, c->ctx_switches, c->timer_irqs, c->device_irqs, c->ipis_sent,
		       c->ipis_received, c->msgs_sent, c->msgs_received, c->migrations_in,
		       total ? c->busy_cycles * 100 / total : 0);
	}
	coh_print();
}

/* The coherence model's counts since it started, for Ctrl-T: misses by
 * where the line came from, and the modelled stall. */
static void coh_print(void)
{
	if (!coh_model_on()) {
		printk("coherence: n/a (no model; run with COHERENCE=1)\n");
		return;
	}
	printk("cpu  loads        stores       from-mem  from-clean  hitm      upgrades  stall-ms\n");
	for (int i = 0; i < ncpu; i++) {
		const volatile struct coh_cpu *k = coh_peek(i);

		printk("%3d  %11lu  %11lu  %8lu  %10lu  %8lu  %8lu  %8lu\n", i, k->loads, k->stores,
		       k->rd_miss_memory + k->wr_miss_memory, k->rd_miss_clean + k->wr_miss_clean,
		       k->rd_hitm + k->wr_hitm, k->upgrades, k->stall_ns / 1000000);
	}
}
