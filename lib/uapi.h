/*
 * Structures and constants shared by the kernel and user programs (the
 * user-visible ABI besides the call numbers in syscalls.h).
 */
#ifndef LIB_UAPI_H
#define LIB_UAPI_H

#include <stdint.h>

#include "lib/coherence.h"

#define PROC_NAME_MAX	16	/* including the terminating NUL */
#define ARG_MAX_COUNT	32	/* argv entries for exec/spawn */
#define ARG_MAX_BYTES	1024	/* total bytes of argv strings */
#define PATH_MAX_LEN	64

/* Console file descriptors (read/write). */
#define FD_STDIN	0
#define FD_STDOUT	1
#define FD_STDERR	2

/* Why a process ended (wait_info.how). */
#define EXIT_NORMAL	0	/* called exit(status) */
#define EXIT_KILLED	1	/* kill() or Ctrl-C */
#define EXIT_FAULT	2	/* a CPU fault ended it: see fault, rip, addr */
#define EXIT_SANDBOX	3	/* a sandbox violation: status = the system call number, fault = SANDBOX_* */

/* Why the sandbox ended a process (wait_info.fault with EXIT_SANDBOX). */
#define SANDBOX_NOT_ALLOWED	1	/* a call outside its groups */
#define SANDBOX_BAD_HANDLE	2	/* a handle it does not hold */
#define SANDBOX_NAMING		3	/* naming an object without SB_NAMES */

/* Fault kinds (wait_info.fault), architecture-neutral. */
#define FAULT_NONE	0
#define FAULT_PAGE	1	/* bad memory access */
#define FAULT_GP	2	/* general protection (privileged or bad address) */
#define FAULT_UD	3	/* invalid opcode */
#define FAULT_DIV	4	/* divide error */
#define FAULT_OTHER	5
#define FAULT_FP	6	/* unmasked floating-point exception (x87 or SSE) */
#define FAULT_DEBUG	7	/* single-step trap (TF set) with no debugger */

struct wait_info {
	int32_t pid;
	int32_t how;		/* EXIT_* */
	int32_t status;		/* exit status for EXIT_NORMAL */
	int32_t fault;		/* FAULT_* for EXIT_FAULT */
	uint64_t rip;		/* where the fault happened */
	uint64_t addr;		/* faulting address (page faults) */
	char name[PROC_NAME_MAX];
};

/* Process states in proc_info.state. */
#define PSTATE_RUNNABLE	1
#define PSTATE_RUNNING	2
#define PSTATE_SLEEPING	3
#define PSTATE_ZOMBIE	4

struct proc_info {
	int32_t pid;
	int32_t ppid;
	int32_t state;		/* PSTATE_* */
	int32_t cpu;		/* running on, or last ran on */
	uint64_t affinity;	/* bit i set: may run on cpu i */
	uint64_t runtime_ns;	/* CPU time used */
	uint64_t mem_pages;	/* user pages mapped */
	char name[PROC_NAME_MAX];
};

struct dirent {
	uint64_t size;
	char name[PATH_MAX_LEN];
};

#define SPAWN_MAX_HANDLES 8

/* Optional arguments of spawn() (NULL for defaults). */
struct spawn_opts {
	uint64_t affinity;	/* 0: any cpu */
	int32_t handles[SPAWN_MAX_HANDLES];	/* ours, copied to the child as 0, 1, ... */
	int32_t nhandles;
	uint32_t max_handles;	/* quotas for the child; 0 = default, never above ours */
	uint64_t max_queued;
	uint64_t max_shm_pages;
	uint64_t sandbox;	/* SB_* groups the child may use (0: the parent's); never more */
	/* Limits (docs/processes.md, "Isolation"): budgets the child and
	 * everything it starts share.  All 0: the child shares ours.  Any
	 * non-zero one starts a new group nested in ours, 0 fields taking
	 * our value; a group never gets more than the one it is in, and
	 * hitting a limit is -EQUOTA. */
	uint32_t max_procs;	/* processes alive at once, the child included (1: no children) */
	uint32_t max_names;	/* names registered (shm_create/mbox_create with a name) */
	uint64_t max_pages;	/* memory pages: private ones and shm objects created */
};

/*
 * Sandbox groups: the system calls a process may make.  A process can
 * only narrow its set (sandbox(), or spawn_opts.sandbox for a child), and
 * children inherit it.  A call outside the set, or a bad handle passed by
 * a sandboxed process, kills the process with EXIT_SANDBOX.
 */
#define SB_BASIC	0x01	/* exit, getpid, getppid, yield, sleep, uptime, getcpu, ncpu, sbrk, sandbox, getaffinity: always */
#define SB_CONSOLE	0x02	/* read, write, setfg */
#define SB_PROC		0x04	/* fork, exec, spawn, wait, kill, setaffinity, proc_events */
#define SB_NAMES	0x08	/* shm_open, mbox_open, shm_unlink, msg_send (by pid), and naming an object at creation */
#define SB_INITRD	0x10	/* readdir, fileread */
#define SB_IPC		0x20	/* close, dup, shm_create/map/unmap, mbox_create/send/recv, msg_recv, handle_info: on held handles */
#define SB_SYSTEM	0x40	/* ps, memstat, poweroff, counters, proc_counters */
#define SB_ALL		0x7F

struct memstat {
	uint64_t free_frames;	/* physical frames free now */
	uint64_t total_frames;
	uint64_t kmalloc_bytes;	/* kernel heap in use */
	uint64_t nprocs;	/* processes alive (any state but free) */
	uint64_t nobjects;	/* kernel objects alive: mailboxes, shared memory, queued messages */
};

/* ---- Core-local counters (docs/cache-lab.md) ---- */

#define COUNTERS_MAX_CPUS 32

/* One CPU's event counts since boot.  Every field is written only by its
 * own CPU.  pmu_valid is 0 when the CPU has no architectural PMU (TCG):
 * the pmu_ fields are then unavailable, not zero; coh_valid likewise for
 * the coherence model's coh counts. */
struct cpu_counters {
	uint64_t syscalls;
	uint64_t ctx_switches;		/* switches into a process */
	uint64_t timer_irqs;
	uint64_t device_irqs;
	uint64_t ipis_sent;
	uint64_t ipis_received;
	uint64_t tlb_shootdowns;	/* shootdowns this CPU started */
	uint64_t msgs_sent;
	uint64_t msgs_received;
	uint64_t bytes_sent;
	uint64_t bytes_received;
	uint64_t shm_faults;		/* faults on shared pages */
	uint64_t migrations_in;		/* processes that last ran elsewhere */
	uint64_t idle_cycles;		/* TSC cycles halted */
	uint64_t busy_cycles;		/* TSC cycles running processes */
	uint64_t pmu_valid;		/* PMU_BASIC: cycles, instructions, LLC misses real; PMU_HITM: pmu_hitm real */
	uint64_t pmu_cycles;
	uint64_t pmu_instructions;
	uint64_t pmu_llc_misses;
	uint64_t pmu_hitm;		/* loads served from another core's modified line */
	uint64_t migrations_from[COUNTERS_MAX_CPUS];	/* by source CPU */
	uint64_t hw_id;			/* the hardware's id for this CPU (x86: APIC id) */
	/* The coherence model (COHERENCE=1, lib/coherence.h): this CPU's
	 * modelled cache-line counts since the model started, copied from
	 * the plugin's page by this CPU itself.  coh_valid 0: no model, the
	 * coh figures are unavailable, not zero. */
	uint64_t coh_valid;
	struct coh_cpu coh;
} __attribute__((aligned(64)));

#define PMU_BASIC	0x1
#define PMU_HITM	0x2

/* Per-process totals (proc_counters syscall). */
struct proc_counters {
	uint64_t syscalls;
	uint64_t msgs_sent;
	uint64_t msgs_received;
	uint64_t migrations;
	uint64_t cycles_on[COUNTERS_MAX_CPUS];	/* TSC cycles run on each CPU */
};

/* ---- Handles (docs/ipc.md) ---- */

/* Rights a handle carries.  dup() can only drop rights, never add them. */
#define RIGHT_SEND	0x1	/* mailbox: send */
#define RIGHT_RECV	0x2	/* mailbox: receive */
#define RIGHT_MAP_READ	0x4	/* shared memory: map readable */
#define RIGHT_MAP_WRITE	0x8	/* shared memory: map writable */
#define RIGHT_ALL	0xF

#define HANDLE_TYPE_MBOX 1
#define HANDLE_TYPE_SHM	2

struct handle_info {
	int32_t type;		/* HANDLE_TYPE_* */
	uint32_t rights;
	uint64_t size;		/* shm: bytes; mbox: capacity */
	uint64_t queued;	/* mbox: messages queued now */
};

/* shm_map protections. */
#define PROT_READ	0x1
#define PROT_WRITE	0x2

#define SHM_MAX_SIZE	(2ull << 20)	/* 2 MiB per object */
#define IPC_NAME_MAX	32		/* names of shm objects and mailboxes */

/* ---- Mailboxes ---- */

#define MSG_MAX		4096	/* bytes in one message */
#define MBOX_MAX_CAPACITY 1024	/* messages queued in one mailbox */
#define TIMEOUT_NEVER	(-1)	/* block until it can proceed */
#define TIMEOUT_POLL	0	/* never block: -EAGAIN */
#define TIMEOUT_MAX_MS	1000000000000ll	/* longest bounded wait (about 31 years); more is -EINVAL */
typedef int64_t timeout_t;	/* TIMEOUT_NEVER, TIMEOUT_POLL, or 1 to TIMEOUT_MAX_MS ms */
#define MSG_OVERHEAD	64	/* queued-bytes quota charged per message besides its bytes */

/* mbox_send flags. */
#define SEND_KEEP_HANDLE 0x1	/* send a copy of the handle and keep ours */
#define NO_HANDLE	(-1)	/* xfer argument: no handle in the message */

struct msg_info {
	int32_t sender;		/* pid of the sender */
	int32_t handle;		/* handle received with the message, or NO_HANDLE */
	uint64_t len;		/* bytes of the message */
};

/* What a process's child-exit mailbox (proc_events) receives: a
 * struct wait_info per child that ends, sender = the child's pid. */

/* ---- Quotas (per process; 0 in spawn_opts = the default) ---- */
#define QUOTA_HANDLES	64		/* open handles */
#define QUOTA_QUEUED	(256u << 10)	/* bytes of this process's messages still queued */
#define QUOTA_SHM_PAGES	4096		/* pages of shared memory it created */

/*
 * User address-space layout (fixed, so gdb can load program symbols).
 * Text, heap and stack all sit in the first 2 GiB: one PML4 entry and
 * one PDPT page map them, which keeps a minimal process's page tables
 * to 4 KiB x 6.  Shared memory is mapped from SHM_BASE (16 TiB) up.
 */
#define USER_TEXT_BASE	0x400000ull		/* programs are linked here */
#define USER_STACK_TOP	0x80000000ull		/* first byte above the stack */
#define USER_STACK_PAGES 16			/* 64 KiB, a guard page below */
#define USER_END	0x800000000000ull	/* first address above user space */

/* ---- Allocation-failure injection (docs/reliability.md; tests only) ---- */

#define FI_OFF		0	/* no injected failures */
#define FI_NTH		1	/* the n-th counted allocation fails, once */
#define FI_EVERY	2	/* every n-th counted allocation fails */
#define FI_RANDOM	3	/* each fails with chance 1 in n (seeded) */

#define FI_FRAMES	0x1	/* what: frame allocations (pmm_alloc, page_alloc) */
#define FI_KMALLOC	0x2	/* what: kmalloc */
#define FI_CHILDREN	0x4	/* scope: pid's descendants too */

/* failinject(): counted allocations are those made while process pid
 * (0: any, even the scheduler's) is the current one. */
struct failinject_set {
	uint32_t mode;		/* FI_OFF, FI_NTH, FI_EVERY, FI_RANDOM */
	uint32_t flags;		/* FI_FRAMES | FI_KMALLOC, FI_CHILDREN */
	uint64_t n;		/* the n of the mode (>= 1) */
	uint64_t seed;		/* FI_RANDOM's generator seed */
	int32_t pid;		/* scope */
	uint32_t pad;
};

/* wait() for any child. */
#define WAIT_ANY	(-1)

#endif
