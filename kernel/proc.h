/*
 * Processes.
 *
 * Every process has its own address space (a page table whose upper half
 * is the kernel's), a kernel stack, and an entry in the process table.
 * Kernel threads are processes without a user half: the in-kernel test
 * runner and the fallback monitor run as kernel threads.
 *
 * States:
 *   UNUSED -> EMBRYO (slot taken, being built) -> RUNNABLE (in a run queue)
 *   RUNNABLE <-> RUNNING (on a CPU) -> SLEEPING (on a channel) -> RUNNABLE
 *   RUNNING -> ZOMBIE (exited; parent not yet told) -> UNUSED (reaped by wait)
 *
 * Locks, in the order they must be taken:
 *   wait_lock (proc.c)  before  a mailbox's m->lock  before  p->lock
 *   before  a CPU's runqueue lock
 * (xv6-riscv's order, plus mailboxes, whose wakeup() takes p->locks, and
 * the run queues).  The invariant checker (invariant.c) alone takes every
 * p->lock at once, in table order, then every runqueue lock, in CPU order,
 * after its own kcheck_lock; nothing else holds two of either.
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/handle.h"
#include "kernel/limits.h"
#include "kernel/shm.h"
#include "kernel/spinlock.h"
#include "kernel/vm.h"
#include "lib/queue.h"
#include "lib/uapi.h"
#include "arch_proc.h"		/* struct arch_proc, from arch/$(ARCH)/include */

#define NPROC		128
#define PROC_KSTACK_PAGES 2	/* 8 KiB kernel stack per process */

enum procstate { P_UNUSED, P_EMBRYO, P_RUNNABLE, P_RUNNING, P_SLEEPING, P_ZOMBIE };

struct trapframe;
struct msg;

struct proc {
	struct spinlock lock;

	/* [a] Set under p->lock by proc_kill() (which also wakes p), read
	 * anywhere through proc_killed(): exit at the next return to user
	 * space, and stop waiting. */
	bool killed;

	/* [o] Written only by p itself, in sleep_until(), before sleep() takes
	 * p->lock and after it wakes; read under p->lock by wake_expired(),
	 * which acts only while p is SLEEPING (so it sees the deadline). */
	uint64_t wake_at;	/* clock_ns() deadline of a timed sleep, or 0 */

	/* p->lock must be held for these: */
	enum procstate state;
	const void *chan;	/* sleeping on this channel */
	int pid;
	int cpu;		/* CPU it runs on, is queued on, or last ran on */
	uint64_t affinity;	/* bit i: may run on CPU i */
	struct wait_info exit;	/* how it ended (valid when ZOMBIE) */

	struct mbox *inbox;	/* default mailbox (msg_send by pid), made on first use */
	struct mbox *events;	/* child-exit mailbox (proc_events), made on first use */
	bool ipc_closed;	/* exiting: no default or event mailbox is made any more */

	/* wait_lock must be held for this: */
	struct proc *parent;

	/* The owning CPU's runqueue lock protects this: */
	struct qnode rq_node;

	/* Private to the process (or its creator before it runs): */
	struct pagetable *pagetable;	/* NULL for a kernel thread */
	struct msg *exit_event;		/* reserved at creation: exit never allocates (mbox.c) */
	uint8_t *kstack;		/* bottom of the kernel stack */
	uint64_t context;		/* saved kernel stack pointer (swtch) */
	struct trapframe *tf;		/* user registers, top of kstack */
	uint64_t heap_start, brk;	/* sbrk area */
	uint64_t user_pages;		/* user frames mapped */
	uint64_t runtime_ns;		/* CPU time so far */
	uint64_t run_start;		/* clock_ns() when last put on a CPU */
	bool use_iret;			/* return from this syscall by iretq (exec) */
	struct hslot handles[QUOTA_HANDLES];	/* its kernel objects (handle.h) */
	uint32_t max_handles;		/* quota: at most this many open */
	struct ipc_account *acct;	/* queued-bytes and shm-page quotas */
	struct shm_mapping maps[NSHMMAP];	/* shared memory mapped (shm.c) */
	int last_cpu;			/* CPU it last ran on, -1 before its first run */
	uint64_t sandbox;		/* SB_* groups it may call (lib/uapi.h) */
	struct proc_counters pc;	/* its own event totals (counters.h) */
	struct arch_proc arch;		/* CPU state beyond the trapframe (arch.h) */
	char name[PROC_NAME_MAX];

	/* Limits (limits.h).  Set by the creator before the process first
	 * runs, then changed only by the process itself (exec, sbrk); read
	 * and dropped by proc_free once it is a zombie or an abandoned EMBRYO: */
	struct limits *limits;		/* the set charged for its slot and pages (a reference), or NULL */
	uint64_t charged_pages;		/* private frames charged to it (LIMIT_PAGES) */
};

extern struct proc procs[NPROC];

/* The process running on this CPU, or NULL in the scheduler. */
struct proc *myproc(void);

void proc_init(void);
struct proc *proc_alloc(void);		/* an EMBRYO with a kernel stack; NULL if none */
void proc_free(struct proc *p);		/* back to UNUSED; p->lock held */
/* Puts a new EMBRYO in limit set l (NULL: none), charging its slot:
 * 0, or -EQUOTA and np stays in no set. */
int proc_set_limits(struct proc *np, struct limits *l);
/* Whether the current process may name process pid in a call about
 * another process (docs/processes.md, "Isolation"): 0, or -ESRCH, the
 * same answer as for a pid that does not exist. */
int proc_may_name(int pid);
/* The same for setfg: only itself, its descendants, or 0. */
int proc_may_name_descendant(int pid);
int proc_kthread(const char *name, void (*fn)(void *), void *arg, uint64_t affinity);
void proc_exit(int how, int status) __attribute__((noreturn));
int proc_kill(int pid);
/* Whether p was killed (any CPU, any lock held or none). */
static inline bool proc_killed(const struct proc *p)
{
	return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}
int proc_wait(int pid, struct wait_info *info);
int proc_count(void);
/* Ends the current process because of a CPU fault (trap handler). */
void proc_fault(int fault, uint64_t rip, uint64_t addr, const char *what) __attribute__((noreturn));
/* The first process: `init` from the initrd (argv from the command line). */
int proc_start_init(const char *run);

void proc_launch(struct proc *p);	/* EMBRYO -> RUNNABLE */
void proc_set_parent(struct proc *child, struct proc *parent);
void proc_check_stack(struct proc *p);
void proc_first_run(void);

/* Scheduler (sched.c). */
void sched(void);	/* p->lock held, state already changed */
void scheduler(void) __attribute__((noreturn));
void sched_make_runnable(struct proc *p);	/* p->lock held */
void yield(void);
void sleep(const void *chan, struct spinlock *lk);
/* sleep() with a deadline in clock_ns(); returns false once it passed. */
bool sleep_until(const void *chan, struct spinlock *lk, uint64_t deadline);
void wakeup(const void *chan);
bool sched_wake(struct proc *p, const void *chan);	/* p alone, if asleep on chan */
void sched_tick(void);
int sched_set_affinity(struct proc *p, int pid, uint64_t mask);
uint64_t online_mask(void);

#endif
