/*
 * Per-CPU event tracing (docs/tracing.md; the record format is in
 * lib/trace.h).
 *
 * Each CPU appends records to its own buffer and no other CPU writes
 * there: a slot is claimed with one atomic add on the buffer's head (an
 * interrupt on the same CPU may claim the next slot in between, so a
 * buffer is in order of claims, not strictly of time; the converter
 * sorts each CPU's records), and the event field is stored last, so a
 * record interrupted by the end of tracing reads as incomplete and is
 * counted as lost.  A full buffer drops new records and counts them.
 *
 * The hooks below are one line each at the places that do the thing.
 * When tracing is off each costs one load of trace_mask and one
 * predictable branch.
 */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch_trace.h"
#include "lib/trace.h"

/* TRACE_... flags in effect, 0 when off.  [a] written only by
 * trace_ctl() (one call at a time), read by every CPU.  A byte, so the
 * system-call hook is one `testb` of memory and a branch. */
extern uint8_t trace_mask;

/* `make TRACE_HOOKS=0` compiles every hook away: `make bench` measures
 * what they cost when tracing is off against that kernel. */
#ifndef TRACE_HOOKS
#define TRACE_HOOKS 1
#endif

static inline bool tracing(void)
{
	return TRACE_HOOKS && __builtin_expect(__atomic_load_n(&trace_mask, __ATOMIC_RELAXED) != 0, 0);
}

/* Appends one record to this CPU's buffer, stamped tsc (tracing must be
 * on).  pid < 0: the running process. */
void trace_write_at(uint64_t tsc, int event, int pid, uint64_t a0, uint64_t a1);

static inline void trace_write(int event, int pid, uint64_t a0, uint64_t a1)
{
	trace_write_at(arch_trace_now(), event, pid, a0, a1);
}

static inline void trace_event(int event, int pid, uint64_t a0, uint64_t a1)
{
	if (tracing())
		trace_write(event, pid, a0, a1);
}

/* The out-of-line halves of the hooks below. */
void trace_wake_rec(int pid, int state, int target);
uint64_t trace_send_rec(uint32_t len);
void trace_name_rec(int event, int pid, const char *name);

/* pid, in state `state`, is made runnable on CPU target. */
static inline void trace_wake(int pid, int state, int target)
{
	if (tracing())
		trace_wake_rec(pid, state, target);
}

/* A message of len bytes is placed where its receiver will get it: its
 * id (unique, made by this CPU), which the receive records; 0 when off. */
static inline uint64_t trace_send(uint32_t len)
{
	return tracing() ? trace_send_rec(len) : 0;
}

static inline void trace_recv(uint64_t id, uint32_t len)
{
	if (tracing() && id)
		trace_write(TR_RECV, -1, id, len);
}

/* pid now runs the program called name. */
static inline void trace_exec(int pid, const char *name)
{
	if (tracing())
		trace_name_rec(TR_EXEC, pid, name);
}

/* System calls, when TRACE_SYSCALLS is on: the entry stub tests the
 * flag (two instructions when off) and calls this instead of
 * syscall_dispatch(); it calls that and writes one TR_SYSCALL record,
 * with the entry time and the cycles it took, as the call returns. */
struct trapframe;
int trace_syscall_dispatch(struct trapframe *tf);

#endif
