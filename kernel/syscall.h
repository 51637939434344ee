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
/* Into another (blocked) process's memory; src is ours when from_user. */
int copy_to_proc(struct proc *dst, uint64_t uva, const void *src, size_t n, bool from_user);

/* Loads program `path` from the initrd into p (a new address space with
 * argv on the stack), replacing its old image only on success. */
int exec_load(struct proc *p, const char *path, char *const argv[]);

/* Monotonic time (arch). */
uint64_t clock_ns(void);

typedef int64_t (*syscall_fn)(const uint64_t *args);

int64_t sys_exit(const uint64_t *a);
int64_t sys_fork(const uint64_t *a);
int64_t sys_exec(const uint64_t *a);
int64_t sys_spawn(const uint64_t *a);
int64_t sys_wait(const uint64_t *a);
int64_t sys_kill(const uint64_t *a);
int64_t sys_getpid(const uint64_t *a);
int64_t sys_getppid(const uint64_t *a);
int64_t sys_yield(const uint64_t *a);
int64_t sys_sleep(const uint64_t *a);
int64_t sys_uptime(const uint64_t *a);
int64_t sys_write(const uint64_t *a);
int64_t sys_read(const uint64_t *a);
int64_t sys_setaffinity(const uint64_t *a);
int64_t sys_getaffinity(const uint64_t *a);
int64_t sys_getcpu(const uint64_t *a);
int64_t sys_ps(const uint64_t *a);
int64_t sys_sbrk(const uint64_t *a);
int64_t sys_readdir(const uint64_t *a);
int64_t sys_fileread(const uint64_t *a);
int64_t sys_setfg(const uint64_t *a);
int64_t sys_poweroff(const uint64_t *a);
int64_t sys_ncpu(const uint64_t *a);
int64_t sys_memstat(const uint64_t *a);
int64_t sys_close(const uint64_t *a);
int64_t sys_dup(const uint64_t *a);
int64_t sys_shm_create(const uint64_t *a);
int64_t sys_shm_open(const uint64_t *a);
int64_t sys_shm_map(const uint64_t *a);
int64_t sys_shm_unmap(const uint64_t *a);
int64_t sys_shm_unlink(const uint64_t *a);
int64_t sys_mbox_create(const uint64_t *a);
int64_t sys_mbox_open(const uint64_t *a);
int64_t sys_mbox_send(const uint64_t *a);
int64_t sys_mbox_recv(const uint64_t *a);
int64_t sys_msg_send(const uint64_t *a);
int64_t sys_msg_recv(const uint64_t *a);
int64_t sys_proc_events(const uint64_t *a);
int64_t sys_handle_info(const uint64_t *a);
int64_t sys_counters(const uint64_t *a);
int64_t sys_proc_counters(const uint64_t *a);
int64_t sys_sandbox(const uint64_t *a);
int64_t sys_kcheck(const uint64_t *a);
/* Kills the calling sandboxed process for a forbidden call. */
void sandbox_violation(const char *call, int reason) __attribute__((noreturn));

#endif
