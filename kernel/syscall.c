/*
 * System-call dispatch: one table, generated from lib/syscalls.h and
 * indexed by its numbers, bounds-checked.  Each entry decodes the raw
 * arguments and calls a sys_ function living beside the subsystem it
 * serves.  On the way back to user mode a killed
 * process exits and a preempted one yields.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/counters.h"
#include "kernel/cpu.h"
#include "kernel/handle.h"
#include "kernel/kmalloc.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/trace.h"
#include "lib/errno.h"
#include "lib/syscalls.h"
#include "lib/uapi.h"

void syscall_use_iret(void)
{
	myproc()->use_iret = true;
}

/* Checks made on every return to user mode (syscalls and traps). */
void user_return_checks(void)
{
	struct cpu *c = this_cpu();
	struct proc *p = c->proc;

	if (!proc_killed(p) && !c->need_resched)
		return;			/* the common case: one look at each */
	if (proc_killed(p))
		proc_exit(EXIT_KILLED, 0);
	if (c->need_resched) {
		c->need_resched = false;
		yield();
	}
	if (proc_killed(p))
		proc_exit(EXIT_KILLED, 0);
}

/* A sandboxed process stepped outside its set: it ends, and its parent
 * hears why through wait() / proc_events (EXIT_SANDBOX). */
void sandbox_violation(const char *call, int reason)
{
	static const char *const why[] = {
		[SANDBOX_NOT_ALLOWED] = "not allowed",
		[SANDBOX_BAD_HANDLE] = "bad handle",
		[SANDBOX_NAMING] = "naming needs SB_NAMES",
	};
	struct proc *p = myproc();
	uint64_t args[6];
	int nr = (int)arch_syscall_args(p->tf, args);

	printk("pid %d (%s): sandbox violation: %s (%s): killed\n", p->pid, p->name, call,
	       why[reason]);
	p->exit.fault = reason;
	trace_event(TR_SANDBOX, p->pid, (uint64_t)nr, (uint64_t)reason);
	proc_exit(EXIT_SANDBOX, nr);
}

/* sandbox(allow): keeps only the groups in allow (SB_BASIC always). */
int64_t sys_sandbox(const struct sys_sandbox_args *a)
{
	struct proc *p = myproc();

	p->sandbox &= (a->allow | SB_BASIC);
	return (int64_t)p->sandbox;
}

/* The hot path of every system call: keep it lean (docs/performance.md counts
 * its instructions). */
int syscall_dispatch(struct trapframe *tf)
{
	struct cpu *c = this_cpu();
	struct proc *p = c->proc;
	uint64_t args[6];
	uint64_t nr = arch_syscall_args(tf, args);
	int64_t ret = -ENOSYS;
	bool iret;

	__atomic_fetch_add(&c->counters.syscalls, 1, __ATOMIC_RELAXED);	/* COUNT, inlined */
	p->pc.syscalls++;
	if (nr < NSYSCALL && syscall_table[nr].decode) {
		if (!(p->sandbox & syscall_table[nr].group))
			sandbox_violation(syscall_table[nr].name, SANDBOX_NOT_ALLOWED);
		ret = syscall_table[nr].decode(args);
		if (ret == -EBADH && p->sandbox != SB_ALL)
			sandbox_violation(syscall_table[nr].name, SANDBOX_BAD_HANDLE);
	}
	arch_tf_set_return(tf, ret);
	user_return_checks();
	iret = p->use_iret;
	p->use_iret = false;
	return iret;
}

int64_t sys_poweroff(const struct sys_poweroff_args *a)
{
	arch_poweroff(a->status);
}

int64_t sys_memstat(const struct sys_memstat_args *a)
{
	struct memstat st = {
		.free_frames = pmm_free_frames(),
		.total_frames = pmm_total_frames(),
		.kmalloc_bytes = kmalloc_in_use(),
		.nprocs = proc_count(),
		.nobjects = __atomic_load_n(&kobj_count, __ATOMIC_RELAXED),
	};

	return copyout(a->st, &st, sizeof(st));
}
