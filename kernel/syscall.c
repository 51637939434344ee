/*
 * System-call dispatch: one table, indexed by the numbers in
 * lib/syscalls.h, bounds-checked.  Each entry is a sys_ function living
 * beside the subsystem it serves.  On the way back to user mode a killed
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
#include "lib/errno.h"
#include "lib/syscalls.h"
#include "lib/uapi.h"

/* The one table: handler, name (for reports) and sandbox group. */
struct syscall_entry {
	syscall_fn fn;
	const char *name;
	uint64_t group;		/* SB_* (lib/uapi.h) */
};

static const struct syscall_entry syscalls[NSYSCALL] = {
	[SYS_exit] = { sys_exit, "exit", SB_BASIC },
	[SYS_fork] = { sys_fork, "fork", SB_PROC },
	[SYS_exec] = { sys_exec, "exec", SB_PROC },
	[SYS_spawn] = { sys_spawn, "spawn", SB_PROC },
	[SYS_wait] = { sys_wait, "wait", SB_PROC },
	[SYS_kill] = { sys_kill, "kill", SB_PROC },
	[SYS_getpid] = { sys_getpid, "getpid", SB_BASIC },
	[SYS_getppid] = { sys_getppid, "getppid", SB_BASIC },
	[SYS_yield] = { sys_yield, "yield", SB_BASIC },
	[SYS_sleep] = { sys_sleep, "sleep", SB_BASIC },
	[SYS_uptime] = { sys_uptime, "uptime", SB_BASIC },
	[SYS_write] = { sys_write, "write", SB_CONSOLE },
	[SYS_read] = { sys_read, "read", SB_CONSOLE },
	[SYS_setaffinity] = { sys_setaffinity, "setaffinity", SB_PROC },
	[SYS_getaffinity] = { sys_getaffinity, "getaffinity", SB_BASIC },
	[SYS_getcpu] = { sys_getcpu, "getcpu", SB_BASIC },
	[SYS_ps] = { sys_ps, "ps", SB_SYSTEM },
	[SYS_sbrk] = { sys_sbrk, "sbrk", SB_BASIC },
	[SYS_readdir] = { sys_readdir, "readdir", SB_INITRD },
	[SYS_fileread] = { sys_fileread, "fileread", SB_INITRD },
	[SYS_setfg] = { sys_setfg, "setfg", SB_CONSOLE },
	[SYS_poweroff] = { sys_poweroff, "poweroff", SB_SYSTEM },
	[SYS_ncpu] = { sys_ncpu, "ncpu", SB_BASIC },
	[SYS_memstat] = { sys_memstat, "memstat", SB_SYSTEM },
	[SYS_close] = { sys_close, "close", SB_IPC },
	[SYS_dup] = { sys_dup, "dup", SB_IPC },
	[SYS_shm_create] = { sys_shm_create, "shm_create", SB_IPC },
	[SYS_shm_open] = { sys_shm_open, "shm_open", SB_NAMES },
	[SYS_shm_map] = { sys_shm_map, "shm_map", SB_IPC },
	[SYS_shm_unmap] = { sys_shm_unmap, "shm_unmap", SB_IPC },
	[SYS_shm_unlink] = { sys_shm_unlink, "shm_unlink", SB_NAMES },
	[SYS_mbox_create] = { sys_mbox_create, "mbox_create", SB_IPC },
	[SYS_mbox_open] = { sys_mbox_open, "mbox_open", SB_NAMES },
	[SYS_mbox_send] = { sys_mbox_send, "mbox_send", SB_IPC },
	[SYS_mbox_recv] = { sys_mbox_recv, "mbox_recv", SB_IPC },
	[SYS_msg_send] = { sys_msg_send, "msg_send", SB_NAMES },	/* addresses by pid */
	[SYS_msg_recv] = { sys_msg_recv, "msg_recv", SB_IPC },
	[SYS_proc_events] = { sys_proc_events, "proc_events", SB_PROC },
	[SYS_handle_info] = { sys_handle_info, "handle_info", SB_IPC },
	[SYS_counters] = { sys_counters, "counters", SB_SYSTEM },
	[SYS_proc_counters] = { sys_proc_counters, "proc_counters", SB_SYSTEM },
	[SYS_sandbox] = { sys_sandbox, "sandbox", SB_BASIC },
	[SYS_kcheck] = { sys_kcheck, "kcheck", SB_SYSTEM },	/* test-only: kernel/invariant.c */
};

void syscall_use_iret(void)
{
	myproc()->use_iret = true;
}

/* Checks made on every return to user mode (syscalls and traps). */
void user_return_checks(void)
{
	struct cpu *c = this_cpu();
	struct proc *p = c->proc;

	if (!p->killed && !c->need_resched)
		return;			/* the common case: one look at each */
	if (p->killed)
		proc_exit(EXIT_KILLED, 0);
	if (c->need_resched) {
		c->need_resched = false;
		yield();
	}
	if (p->killed)
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
	proc_exit(EXIT_SANDBOX, nr);
}

/* sandbox(allow): keeps only the groups in allow (SB_BASIC always). */
int64_t sys_sandbox(const uint64_t *a)
{
	struct proc *p = myproc();

	p->sandbox &= (a[0] | SB_BASIC);
	return (int64_t)p->sandbox;
}

/* The hot path of every system call: keep it lean (TARGETS.md counts
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
	if (nr < NSYSCALL && syscalls[nr].fn) {
		if (!(p->sandbox & syscalls[nr].group))
			sandbox_violation(syscalls[nr].name, SANDBOX_NOT_ALLOWED);
		ret = syscalls[nr].fn(args);
		if (ret == -EBADH && p->sandbox != SB_ALL)
			sandbox_violation(syscalls[nr].name, SANDBOX_BAD_HANDLE);
	}
	arch_tf_set_return(tf, ret);
	user_return_checks();
	iret = p->use_iret;
	p->use_iret = false;
	return iret;
}

int64_t sys_poweroff(const uint64_t *a)
{
	arch_poweroff((int)a[0]);
}

int64_t sys_memstat(const uint64_t *a)
{
	struct memstat st = {
		.free_frames = pmm_free_frames(),
		.total_frames = pmm_total_frames(),
		.kmalloc_bytes = kmalloc_in_use(),
		.nprocs = proc_count(),
		.nobjects = __atomic_load_n(&kobj_count, __ATOMIC_RELAXED),
	};

	return copyout(a[0], &st, sizeof(st));
}
