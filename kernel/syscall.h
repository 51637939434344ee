/*
 * System-call plumbing: the dispatcher, the user-memory accessors every
 * sys_ function uses, and the sys_ functions themselves (each lives in
 * the file of the subsystem it serves).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trapframe;
struct proc;

/* Called from the syscall entry stub; returns non-zero when the return to
 * user mode must use the full interrupt-return path. */
int syscall_dispatch(struct trapframe *tf);
/* The current syscall replaced the trapframe (exec): return with iretq. */
void syscall_use_iret(void);
/* Exit if killed, yield if preempted: every return to user mode. */
void user_return_checks(void);

/* User memory of the current process.  Every check happens before any
 * byte moves: a bad or kernel address is -EFAULT, never a kernel fault. */
bool user_readable(uint64_t uva, size_t n);
bool user_writable(uint64_t uva, size_t n);
int copyin(void *dst, uint64_t usrc, size_t n);
int copyout(uint64_t udst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes; returns its
 * length, -EFAULT, or -E2BIG if it does not fit. */
int copyinstr(char *dst, uint64_t usrc, size_t max);
/* Into another (waiting) process's memory; src is ours when from_user. */
int copy_to_proc(struct proc *dst, uint64_t uva, const void *src, size_t n, bool from_user);

/* Loads program `path` from the initrd into p (a new address space with
 * argv on the stack), replacing its old image only on success. */
int exec_load(struct proc *p, const char *path, char *const argv[]);

/* Monotonic time (arch). */
uint64_t clock_ns(void);

/*
 * The dispatch table and the sys_ handlers' prototypes with their
 * argument structs are generated from lib/syscalls.h (tools/gensyscalls):
 * entry i decodes the raw registers of call i, checking each at its full
 * width, and calls sys_NAME with the typed result.
 */
#include "gen/sysargs.h"

typedef int64_t (*syscall_fn)(const uint64_t *raw);

struct syscall_entry {
	syscall_fn decode;	/* checks the raw arguments, then calls sys_NAME */
	const char *name;	/* for reports */
	uint64_t group;		/* SB_* (lib/uapi.h) */
};

extern const struct syscall_entry syscall_table[];

/* The decoders' width checks. */
static inline bool arg_int(uint64_t v)
{
	return (uint64_t)(int64_t)(int32_t)v == v;
}

static inline bool arg_u32(uint64_t v)
{
	return v <= UINT32_MAX;
}

static inline bool arg_timeout(uint64_t v)
{
	return (int64_t)v == TIMEOUT_NEVER || v <= (uint64_t)TIMEOUT_MAX_MS;
}

/* Kills the calling sandboxed process for a forbidden call. */
void sandbox_violation(const char *call, int reason) __attribute__((noreturn));

#endif
