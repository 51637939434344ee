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
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "lib/errno.h"
#include "lib/syscalls.h"
#include "lib/uapi.h"

static const syscall_fn syscalls[NSYSCALL] = {
	[SYS_exit] = sys_exit,
	[SYS_fork] = sys_fork,
	[SYS_exec] = sys_exec,
	[SYS_spawn] = sys_spawn,
	[SYS_wait] = sys_wait,
	[SYS_kill] = sys_kill,
	[SYS_getpid] = sys_getpid,
	[SYS_getppid] = sys_getppid,
	[SYS_yield] = sys_yield,
	[SYS_sleep] = sys_sleep,
	[SYS_uptime] = sys_uptime,
	[SYS_write] = sys_write,
	[SYS_read] = sys_read,
	[SYS_setaffinity] = sys_setaffinity,
	[SYS_getaffinity] = sys_getaffinity,
	[SYS_getcpu] = sys_getcpu,
	[SYS_ps] = sys_ps,
	[SYS_sbrk] = sys_sbrk,
	[SYS_readdir] = sys_readdir,
	[SYS_fileread] = sys_fileread,
	[SYS_setfg] = sys_setfg,
	[SYS_poweroff] = sys_poweroff,
	[SYS_ncpu] = sys_ncpu,
	[SYS_memstat] = sys_memstat,
	[SYS_close] = sys_close,
	[SYS_dup] = sys_dup,
	[SYS_shm_create] = sys_shm_create,
	[SYS_shm_open] = sys_shm_open,
	[SYS_shm_map] = sys_shm_map,
	[SYS_shm_unmap] = sys_shm_unmap,
	[SYS_shm_unlink] = sys_shm_unlink,
	[SYS_mbox_create] = sys_mbox_create,
	[SYS_mbox_open] = sys_mbox_open,
	[SYS_mbox_send] = sys_mbox_send,
	[SYS_mbox_recv] = sys_mbox_recv,
	[SYS_msg_send] = sys_msg_send,
	[SYS_msg_recv] = sys_msg_recv,
	[SYS_proc_events] = sys_proc_events,
	[SYS_handle_info] = sys_handle_info,
	[SYS_counters] = sys_counters,
	[SYS_proc_counters] = sys_proc_counters,
};

void syscall_use_iret(void)
{
	myproc()->use_iret = true;
}

/* Checks made on every return to user mode (syscalls and traps). */
void user_return_checks(void)
{
	struct proc *p = myproc();

	if (p->killed)
		proc_exit(EXIT_KILLED, 0);
	if (this_cpu()->need_resched) {
		this_cpu()->need_resched = false;
		yield();
	}
	if (p->killed)
		proc_exit(EXIT_KILLED, 0);
}

int syscall_dispatch(struct trapframe *tf)
{
	struct proc *p = myproc();
	uint64_t args[6];
	uint64_t nr = arch_syscall_args(tf, args);
	int64_t ret = -ENOSYS;
	bool iret;

	COUNT(syscalls, 1);
	p->pc.syscalls++;
	if (nr < NSYSCALL && syscalls[nr])
		ret = syscalls[nr](args);
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
