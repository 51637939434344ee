/*
 * The process table and the life of a process: creation (fork, kernel
 * threads; spawn and exec are in exec.c), exit, wait, kill, faults.
 * Lock order and states: proc.h.
 */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/initrd.h"
#include "kernel/kmalloc.h"
#include "kernel/mbox.h"
#include "kernel/panic.h"
#include "kernel/pmm.h"
#include "kernel/printk.h"
#include "kernel/proc.h"
#include "kernel/syscall.h"
#include "kernel/trace.h"
#include "lib/elfsym.h"
#include "lib/errno.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define STACK_CANARY 0x5ca1ab1e0ddba11ull

struct proc procs[NPROC];

/* Protects every p->parent, and orders exit's wakeup of a parent against
 * the parent going to sleep in wait (no lost wake-up). */
static struct spinlock wait_lock = SPINLOCK_INIT("wait");
static int next_pid = 1;		/* [a] */
static struct proc *initproc;		/* [I] once set */

/* Names the process locks, so a lock report says "proc". */
void proc_init(void)
{
	for (struct proc *p = procs; p < procs + NPROC; p++)
		spinlock_init(&p->lock, "proc");
	for (int i = 0; i < NCPU; i++)
		spinlock_init(&cpus[i].rq_lock, "runqueue");
}

/* The kernel is not preemptible: a process changes CPU only inside
 * sched(), so the CPU it reads here stays its CPU until it next sleeps or
 * yields, and no interrupt masking is needed around the read (xv6,
 * whose kernel is preemptible, needs push_off here). */
struct proc *myproc(void)
{
	return this_cpu()->proc;
}

static void reset(struct proc *p)
{
	p->chan = 0;
	p->wake_at = 0;
	p->killed = false;
	p->parent = 0;
	p->pagetable = 0;
	p->heap_start = p->brk = 0;
	p->user_pages = 0;
	p->runtime_ns = 0;
	p->name[0] = 0;
	memset(&p->exit, 0, sizeof(p->exit));
	memset(p->handles, 0, sizeof(p->handles));
	memset(p->maps, 0, sizeof(p->maps));
	p->inbox = p->events = 0;
	p->exit_event = 0;
	p->ipc_closed = false;
	p->max_handles = QUOTA_HANDLES;
	p->acct = 0;
	p->last_cpu = -1;
	p->sandbox = SB_ALL;
	memset(&p->pc, 0, sizeof(p->pc));
	p->limits = 0;
	p->charged_pages = 0;
}

/* Drops every IPC resource: handles, mappings, mailboxes, the account's
 * process reference.  Runs at exit (or when an EMBRYO is abandoned). */
static void release_ipc(struct proc *p)
{
	handle_close_all(p);
	if (p->pagetable)
		shm_unmap_all(p);
	mbox_exit(p);
	account_put(p->acct);
	p->acct = 0;
}

/* Takes a free slot and gives it a pid and a kernel stack.  The result is
 * an EMBRYO that nobody else touches until its creator makes it runnable. */
struct proc *proc_alloc(void)
{
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		paddr_t stack;

		acquire(&p->lock);
		if (p->state != P_UNUSED) {
			release(&p->lock);
			continue;
		}
		if (!(stack = pmm_alloc_contig(PROC_KSTACK_PAGES))) {
			release(&p->lock);
			return 0;
		}
		reset(p);
		if (!(p->acct = account_new(QUOTA_QUEUED, QUOTA_SHM_PAGES)) ||
		    !mbox_reserve_exit(p)) {
			account_put(p->acct);
			p->acct = 0;
			for (int i = 0; i < PROC_KSTACK_PAGES; i++)
				pmm_free(stack + i * PAGE_SIZE);
			release(&p->lock);
			return 0;
		}
		p->kstack = phys_to_virt(stack);
		*(uint64_t *)p->kstack = STACK_CANARY;
		p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
		p->state = P_EMBRYO;
		p->affinity = online_mask();
		p->cpu = cpu_id();
		release(&p->lock);
		return p;
	}
	return 0;
}

/* Releases everything a process holds.  p->lock held; p is not running. */
void proc_free(struct proc *p)
{
	/* A zombie released its IPC resources at exit; an EMBRYO that never
	 * ran has none yet but its account. */
	account_put(p->acct);
	p->acct = 0;
	mbox_unreserve_exit(p);
	if (p->pagetable) {
		vm_free_user(p->pagetable);
		vm_destroy(p->pagetable);
	}
	limits_uncharge(p->limits, LIMIT_PAGES, p->charged_pages);
	limits_uncharge(p->limits, LIMIT_PROCS, 1);
	limits_put(p->limits);
	for (int i = 0; i < PROC_KSTACK_PAGES; i++)
		pmm_free(virt_to_phys(p->kstack) + i * PAGE_SIZE);
	reset(p);
	p->kstack = 0;
	p->pid = 0;
	p->state = P_UNUSED;
}

int proc_set_limits(struct proc *np, struct limits *l)
{
	int err = limits_charge(l, LIMIT_PROCS, 1);

	if (err < 0)
		return err;
	limits_get(l);
	np->limits = l;
	return 0;
}

/* Panics if the kernel stack overflowed into its last word. */
void proc_check_stack(struct proc *p)
{
	if (*(uint64_t *)p->kstack != STACK_CANARY)
		panic("kernel stack overflow in pid %d (%s)", p->pid, p->name);
}

/* Every new process's first switch ends here (swtch.S), still holding the
 * p->lock the scheduler took. */
void proc_first_run(void)
{
	struct proc *p = myproc();

	release(&p->lock);
	if (!p->pagetable)
		intr_enable();	/* a kernel thread runs with interrupts on */
}

void proc_set_parent(struct proc *child, struct proc *parent)
{
	acquire(&wait_lock);
	child->parent = parent;
	release(&wait_lock);
}

/* Makes a finished EMBRYO runnable. */
void proc_launch(struct proc *p)
{
	acquire(&p->lock);
	sched_make_runnable(p);
	release(&p->lock);
}

int proc_kthread(const char *name, void (*fn)(void *), void *arg, uint64_t affinity)
{
	struct proc *p = proc_alloc();

	if (!p)
		return -ENOMEM;
	strlcpy(p->name, name, sizeof(p->name));
	arch_proc_init_kthread(p, fn, arg);
	if (affinity & online_mask())
		p->affinity = affinity & online_mask();
	proc_set_parent(p, myproc());
	proc_launch(p);
	return p->pid;
}

void kthread_exit(void);
void kthread_exit(void)
{
	proc_exit(EXIT_NORMAL, 0);
}

/* Gives p's children to init (wait_lock held). */
static void reparent(struct proc *p)
{
	for (struct proc *c = procs; c < procs + NPROC; c++) {
		if (c->parent == p) {
			c->parent = initproc;
			wakeup(initproc);
		}
	}
}

void proc_exit(int how, int status)
{
	struct proc *p = myproc();

	if (p == initproc) {
		printk("init exited (status %d); powering off\n", status);
		arch_poweroff(how == EXIT_NORMAL ? status : 127);
	}
	release_ipc(p);
	p->exit.pid = p->pid;
	p->exit.how = how;
	p->exit.status = status;
	trace_event(TR_EXIT, p->pid, (uint64_t)how, (uint64_t)status);
	memcpy(p->exit.name, p->name, sizeof(p->name));
	acquire(&wait_lock);
	reparent(p);
	if (p->parent) {
		mbox_post_exit(p->parent, p);	/* proc_events */
		wakeup(p->parent);
	}
	acquire(&p->lock);
	p->state = P_ZOMBIE;
	release(&wait_lock);
	sched();
	panic("proc_exit: zombie pid %d was scheduled again", p->pid);
}

/* "main+0x12" for an address in the program p runs, from the symbol
 * table of its file in the initrd (programs keep theirs), or "". */
static void user_symbol(struct proc *p, uint64_t addr, char *buf, size_t cap)
{
	struct elf_symbol s;
	const void *file;
	size_t size;

	buf[0] = 0;
	if (initrd_find(p->name, &file, &size) == 0 && elf_symbolize(file, size, addr, &s) == 0)
		fmt_snprintf(buf, cap, " in %.*s+0x%lx", (int)s.name_len, s.name, s.offset);
}

void proc_fault(int fault, uint64_t rip, uint64_t addr, const char *what)
{
	struct proc *p = myproc();
	char where[64];

	user_symbol(p, rip, where, sizeof(where));
	printk("pid %d (%s): %s%s at rip %lx, address %lx: killed\n", p->pid, p->name, what,
	       where, rip, addr);
	p->exit.fault = fault;
	p->exit.rip = rip;
	p->exit.addr = addr;
	proc_exit(EXIT_FAULT, 0);
}

/* Waits for a child (pid, or any with WAIT_ANY) to end; fills *info and
 * frees it.  -ECHILD if there is no such child, -EINTR if killed. */
int proc_wait(int pid, struct wait_info *info)
{
	struct proc *me = myproc();

	acquire(&wait_lock);
	for (;;) {
		bool have = false;

		for (struct proc *c = procs; c < procs + NPROC; c++) {
			if (c->parent != me || (pid != WAIT_ANY && c->pid != pid))
				continue;
			acquire(&c->lock);
			have = true;
			if (c->state == P_ZOMBIE) {
				int found = c->pid;

				*info = c->exit;
				proc_free(c);
				release(&c->lock);
				release(&wait_lock);
				return found;
			}
			release(&c->lock);
		}
		if (!have) {
			release(&wait_lock);
			return -ECHILD;
		}
		if (proc_killed(me)) {
			release(&wait_lock);
			return -EINTR;
		}
		sleep(me, &wait_lock);
	}
}

/* Finds a live process by pid and returns it with its lock held. */
static struct proc *find_locked(int pid)
{
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		acquire(&p->lock);
		if (p->pid == pid && p->state != P_UNUSED)
			return p;
		release(&p->lock);
	}
	return 0;
}

/* Whether p is ancestor or descends from it.  wait_lock held. */
static bool descends_from(struct proc *p, struct proc *ancestor)
{
	for (; p; p = p->parent)
		if (p == ancestor)
			return true;
	return false;
}

/* The isolation policy for calls that name another process: the caller
 * itself (or pid 0) and its descendants always; others only if
 * `anyone`.  A pid it may not name gets -ESRCH, as a pid that does not
 * exist does, so the answer tells nothing about other processes.  The
 * caller's operation looks the pid up again (pids are never reused, so a
 * stale match only means the process ended meanwhile). */
static int may_name(int pid, bool anyone)
{
	struct proc *me = myproc();
	int err = -ESRCH;

	if (pid == 0 || pid == me->pid || anyone)
		return 0;
	acquire(&wait_lock);
	for (struct proc *p = procs; p < procs + NPROC; p++) {
		bool found;

		acquire(&p->lock);
		found = p->pid == pid && p->state != P_UNUSED;
		release(&p->lock);
		if (found) {
			err = descends_from(p, me) ? 0 : -ESRCH;
			break;
		}
	}
	release(&wait_lock);
	return err;
}

/* kill, setaffinity, getaffinity: anyone with SB_SYSTEM (which can see
 * every process through ps anyway), else only itself and descendants. */
int proc_may_name(int pid)
{
	return may_name(pid, myproc()->sandbox & SB_SYSTEM);
}

/* setfg: Ctrl-C may be aimed only at the caller's own family. */
int proc_may_name_descendant(int pid)
{
	return may_name(pid, false);
}

/* Marks a process killed; it exits when it next returns to user mode
 * (a sleeping one is woken to notice). */
int proc_kill(int pid)
{
	struct proc *p;

	if (pid == 1)
		return -EPERM;
	if (!(p = find_locked(pid)))
		return -ESRCH;
	if (!p->pagetable) {
		release(&p->lock);
		return -EPERM;		/* kernel threads cannot be killed */
	}
	__atomic_store_n(&p->killed, true, __ATOMIC_RELEASE);
	trace_event(TR_KILL, -1, (uint64_t)pid, 0);	/* also from Ctrl-C, with no process */
	if (p->state == P_SLEEPING)
		sched_make_runnable(p);
	release(&p->lock);
	return 0;
}

int proc_count(void)
{
	int n = 0;

	for (struct proc *p = procs; p < procs + NPROC; p++)
		n += __atomic_load_n(&p->state, __ATOMIC_RELAXED) != P_UNUSED;
	return n;
}

/* ---- system calls ---- */

int64_t sys_fork(void)
{
	struct proc *p = myproc(), *np;
	int err;

	if (!(np = proc_alloc()))
		return -ENOMEM;
	/* The child joins our limit set: its slot and a copy of our private
	 * pages are charged before a frame is copied. */
	if ((err = proc_set_limits(np, p->limits)) == 0 &&
	    (err = limits_charge(np->limits, LIMIT_PAGES, p->charged_pages)) == 0)
		np->charged_pages = p->charged_pages;
	np->pagetable = err ? 0 : vm_create();
	long pages = np->pagetable ? vm_copy_user(p->pagetable, np->pagetable) : -ENOMEM;
	if (pages < 0) {
		acquire(&np->lock);
		proc_free(np);
		release(&np->lock);
		return err ? err : -ENOMEM;
	}
	np->user_pages = pages;
	handle_copy_all(np, p);
	shm_copy_mappings(np, p);
	np->max_handles = p->max_handles;
	np->sandbox = p->sandbox;
	np->acct->max_queued = p->acct->max_queued;
	np->acct->max_shm_pages = p->acct->max_shm_pages;
	np->heap_start = p->heap_start;
	np->brk = p->brk;
	memcpy(np->name, p->name, sizeof(np->name));
	arch_proc_init_user(np);
	arch_tf_copy(np->tf, p->tf);
	arch_tf_set_return(np->tf, 0);		/* the child sees fork() == 0 */
	arch_proc_fork(np);
	np->affinity = p->affinity;
	proc_set_parent(np, p);
	trace_event(TR_SPAWN, np->pid, (uint64_t)p->pid, 1);	/* 1: a fork */
	proc_launch(np);
	return np->pid;
}

int64_t sys_exit(const struct sys_exit_args *a)
{
	proc_exit(EXIT_NORMAL, a->status);
}

int64_t sys_wait(const struct sys_wait_args *a)
{
	struct wait_info info;
	int pid;

	/* Check the buffer first: a failed call must not reap the child. */
	if (a->info && !user_writable(a->info, sizeof(info)))
		return -EFAULT;
	pid = proc_wait(a->pid, &info);
	if (pid > 0 && a->info && copyout(a->info, &info, sizeof(info)) < 0)
		return -EFAULT;
	return pid;
}

int64_t sys_kill(const struct sys_kill_args *a)
{
	int err = proc_may_name(a->pid);

	return err ? err : proc_kill(a->pid);
}

int64_t sys_getpid(void)
{
	return myproc()->pid;
}

int64_t sys_getppid(void)
{
	struct proc *p = myproc();
	int ppid;

	acquire(&wait_lock);
	ppid = p->parent ? p->parent->pid : 0;
	release(&wait_lock);
	return ppid;
}

static int proc_state(enum procstate s)
{
	switch (s) {
	case P_RUNNABLE: return PSTATE_RUNNABLE;
	case P_RUNNING: return PSTATE_RUNNING;
	case P_SLEEPING: return PSTATE_SLEEPING;
	case P_ZOMBIE: return PSTATE_ZOMBIE;
	default: return 0;
	}
}

/* Fills up to max entries of the process list. */
int64_t sys_ps(const struct sys_ps_args *a)
{
	struct proc_info info;
	int max = a->max, n = 0;

	if (max < 0)
		return -EINVAL;
	if (max > NPROC)
		max = NPROC;
	if (!user_writable(a->buf, (uint64_t)max * sizeof(info)))
		return -EFAULT;
	for (struct proc *p = procs; p < procs + NPROC && n < max; p++) {
		acquire(&p->lock);
		if (p->state == P_UNUSED || p->state == P_EMBRYO) {
			release(&p->lock);
			continue;
		}
		memset(&info, 0, sizeof(info));
		info.pid = p->pid;
		info.state = proc_state(p->state);
		info.cpu = p->cpu;
		info.affinity = p->affinity;
		info.runtime_ns = p->runtime_ns;
		if (p->state == P_RUNNING)
			info.runtime_ns += clock_ns() - p->run_start;
		info.mem_pages = p->user_pages;
		memcpy(info.name, p->name, sizeof(info.name));
		release(&p->lock);
		acquire(&wait_lock);
		info.ppid = p->parent ? p->parent->pid : 0;
		release(&wait_lock);
		if (copyout(a->buf + n * sizeof(info), &info, sizeof(info)) < 0)
			return -EFAULT;
		n++;
	}
	return n;
}

/* The first user process.  run: the command of `make run RUN=...`, or
 * NULL for the interactive shell. */
int proc_start_init(const char *run)
{
	char *argv[4] = { "init", 0, 0, 0 };
	struct proc *p = proc_alloc();
	int err;

	if (!p)
		return -ENOMEM;
	if (run) {
		argv[1] = "-c";
		argv[2] = (char *)run;
	}
	arch_proc_init_user(p);
	if ((err = exec_load(p, "init", argv)) < 0) {
		acquire(&p->lock);
		proc_free(p);
		release(&p->lock);
		return err;
	}
	initproc = p;
	proc_launch(p);
	return p->pid;
}
