/*
 * Structures and constants shared by the kernel and user programs (the
 * user-visible ABI besides the call numbers in syscalls.h).
 */
#ifndef LIB_UAPI_H
#define LIB_UAPI_H

#include <stdint.h>

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

/* Fault kinds (wait_info.fault), architecture-neutral. */
#define FAULT_NONE	0
#define FAULT_PAGE	1	/* bad memory access */
#define FAULT_GP	2	/* general protection (privileged or bad address) */
#define FAULT_UD	3	/* invalid opcode */
#define FAULT_DIV	4	/* divide error */
#define FAULT_OTHER	5

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

/* Optional arguments of spawn() (NULL for defaults). */
struct spawn_opts {
	uint64_t affinity;	/* 0: any cpu */
};

struct memstat {
	uint64_t free_frames;	/* physical frames free now */
	uint64_t total_frames;
	uint64_t kmalloc_bytes;	/* kernel heap in use */
	uint64_t nprocs;	/* processes alive (any state but free) */
};

/* User address-space layout (fixed, so gdb can load program symbols). */
#define USER_TEXT_BASE	0x400000ull		/* programs are linked here */
#define USER_STACK_TOP	0x7FFFFFFFF000ull	/* first byte above the stack */
#define USER_STACK_PAGES 16			/* 64 KiB, a guard page below */

/* wait() for any child. */
#define WAIT_ANY	(-1)

#endif
