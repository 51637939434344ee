/*
 * Event tracing: what the kernel records and how it leaves the machine
 * (docs/tracing.md).  Shared by the kernel (kernel/trace.c), the `trace`
 * program (user/trace.c) and, by its layout, the host converter
 * (tools/trace2json, which spells the same numbers in Python).
 *
 * Each CPU appends fixed-size records to its own buffer.  A dump writes,
 * in the machine's byte order (little-endian):
 *   struct trace_header, then for each CPU a struct trace_cpu_header
 *   followed by its `count` records.
 */
#ifndef LIB_TRACE_H
#define LIB_TRACE_H

#include <stdint.h>

/* One event.  32 bytes, so a record never straddles a cache line. */
struct trace_rec {
	uint64_t tsc;		/* arch_cycles() when it happened */
	uint16_t event;		/* TR_..., never 0 in a complete record */
	uint8_t cpu;		/* the CPU that recorded it (owner of the buffer) */
	uint8_t pad;
	uint32_t pid;		/* the process it is about (0: none) */
	uint64_t a0, a1;	/* per event, below */
};
_Static_assert(sizeof(struct trace_rec) == 32, "trace_rec is 32 bytes");

/* Events and their arguments. */
enum {
	TR_NONE,
	TR_SWITCH_IN,		/* pid starts running here; a0 = CPU it last ran on (-1: none) */
	TR_SWITCH_OUT,		/* pid leaves; a0 = why: its new state (TR_WHY_...) */
	TR_WAKE,		/* pid made runnable; a0 = waker pid (0: kernel), a1 = target CPU */
	TR_IPI_SEND,		/* a0 = target CPU, a1 = kind (0 reschedule, 1 call) */
	TR_IPI_RECV,		/* a0 = kind */
	TR_HALT,		/* this CPU waits in hlt */
	TR_RESUME,		/* and is back */
	TR_SYSCALL,		/* one whole call, recorded as it returns; tsc = its entry,
				 * a0 = number | cycles it took << 16, a1 = result */
	TR_SEND,		/* a0 = message id, a1 = length */
	TR_RECV,		/* a0 = message id (0: a kernel post), a1 = length */
	TR_SHM_FAULT,		/* a0 = faulting address */
	TR_SPAWN,		/* pid = the child, a0 = its parent */
	TR_EXEC,		/* pid's new name: 16 bytes in a0, a1 (NUL-padded) */
	TR_EXIT,		/* a0 = how (EXIT_...), a1 = status */
	TR_KILL,		/* pid = the killer (0: Ctrl-C on the console), a0 = the target */
	TR_SANDBOX,		/* a0 = system call number, a1 = reason */
	TR_NAME,		/* like TR_EXEC, for processes alive when tracing started */
	TR_START,		/* tracing began; a0 = flags */
	TR_STOP,		/* tracing ended */
	TR_NEVENTS
};

/* TR_SWITCH_OUT reasons. */
enum { TR_WHY_PREEMPT = 2, TR_WHY_BLOCK = 4, TR_WHY_EXIT = 5 };

/* trace_ctl(op, arg). */
enum {
	TRACE_START,		/* arg = TRACE_... flags; clears the buffers */
	TRACE_STOP,		/* no more records; returns records lost to full buffers */
	TRACE_DUMP,		/* arg = name (user string): writes the buffers out */
	TRACE_STATUS,		/* returns the flags in effect (0: off) */
};
#define TRACE_ON	1u	/* scheduling, IPIs, messages, processes */
#define TRACE_SYSCALLS	2u	/* every system call's entry and exit too */
#define TRACE_FLAGS	(TRACE_ON | TRACE_SYSCALLS)

#define TRACE_MAGIC	0x3145434152544e42ull	/* "BNTRACE1" */
#define TRACE_NAME_MAX	32

struct trace_header {
	uint64_t magic;
	uint64_t cycles_per_second;	/* to turn tsc into time */
	uint32_t ncpu;
	uint32_t rec_size;		/* sizeof(struct trace_rec) */
	char name[TRACE_NAME_MAX];	/* the dump's name (`trace -o NAME`) */
};

struct trace_cpu_header {
	uint32_t cpu;
	uint32_t count;			/* records that follow */
	uint64_t lost;			/* records dropped: the buffer was full */
};

#endif
