/*
 * The user-space API of Baton: everything a program in user/ may call.
 * There is no C library; this header and user/ulib/ are all there is.
 *
 * System calls.  Each call NAME has a raw stub sys_NAME, generated from
 * lib/syscalls.h by tools/gensyscalls into build/user/usys.S, and a C
 * function NAME in user/ulib/sys.c with the types from lib/uapi.h.  The
 * stubs take every integer argument as a full 64-bit long (C leaves the
 * upper half of a register holding an int undefined; a long is
 * sign-extended), and return the kernel's rax as a long.
 *
 * Errors.  Calls return a negative error code, -ENOENT, -EFAULT, ... (see
 * lib/errno.h; errno_name() spells it).  There is no errno variable.  The
 * two calls that return addresses say so below.
 *
 * Output.  printf() writes to the console (fd 1) through a small buffer
 * that is flushed at every newline, when full, and by exit(), fork(),
 * exec(), spawn() and readline().  flush() does it by hand, for output
 * without a newline.  eprintf() goes to fd 2 unbuffered (after flushing
 * stdout, so the two stay in order).
 */
#ifndef USER_BATON_H
#define USER_BATON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/errno.h"
#include "lib/string.h"
#include "lib/syscalls.h"
#include "lib/uapi.h"

/* ---- Raw stubs (build/user/usys.S): number in eax, then `syscall`. ---- */
long sys_exit(long status);
long sys_fork(void);
long sys_exec(const char *path, char *const argv[]);
long sys_spawn(const char *path, char *const argv[], const struct spawn_opts *opts);
long sys_wait(long pid, struct wait_info *info);
long sys_kill(long pid);
long sys_getpid(void);
long sys_getppid(void);
long sys_yield(void);
long sys_sleep(unsigned long ms);
long sys_uptime(void);
long sys_write(long fd, const void *buf, unsigned long len);
long sys_read(long fd, void *buf, unsigned long len);
long sys_setaffinity(long pid, unsigned long mask);
long sys_getaffinity(long pid);
long sys_getcpu(void);
long sys_ps(struct proc_info *buf, long max);
long sys_sbrk(long increment);
long sys_readdir(long index, struct dirent *ent);
long sys_fileread(const char *path, unsigned long off, void *buf, unsigned long len);
long sys_setfg(long pid);
long sys_poweroff(long status);
long sys_ncpu(void);
long sys_memstat(struct memstat *st);
long sys_sandbox(unsigned long allow);
long sys_kcheck(void);
long sys_failinject(const struct failinject_set *fs);

/* Any call number with six arguments (user/ulib/syscall6.S), for tests. */
long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

/* Every call's name and sandbox group, by number (generated from
 * lib/syscalls.h into build/user/sysnames.c); name is NULL for a number
 * that is no call. */
struct syscall_info {
	const char *name;
	uint64_t group;		/* SB_* */
};
extern const struct syscall_info syscall_info[NSYSCALL];

/* ---- Processes (user/ulib/sys.c) ---- */

/* Narrows this process's sandbox to allow & what it had (SB_* in
 * lib/uapi.h); returns the new set.  Nothing can widen it again. */
uint64_t sandbox(uint64_t allow);

/* Flushes stdout and ends the process with status; never returns. */
void exit(int status) __attribute__((noreturn));
/* A copy of this process: returns the child's pid here, 0 in the child. */
int fork(void);
/* Replaces this program with path, argv[0..] ending in NULL.  Returns
 * only on failure (-ENOENT: no such program), with nothing changed. */
int exec(const char *path, char *const argv[]);
/* Starts path as a new child with argv; opts may be NULL.  Returns the
 * child's pid. */
int spawn(const char *path, char *const argv[], const struct spawn_opts *opts);
/* Waits for child pid (WAIT_ANY: any child) to end, fills *info and
 * returns its pid; -ECHILD if there is no such child. */
int wait(int pid, struct wait_info *info);
/* Ends process pid (its parent sees EXIT_KILLED). */
int kill(int pid);
int getpid(void);
int getppid(void);
/* Gives the CPU to another runnable process, if there is one. */
int yield(void);
/* Sleeps at least ms milliseconds; sleep(0) returns 0 at once. */
int sleep(uint64_t ms);
/* Time since boot, in nanoseconds (uptime) and milliseconds (uptime_ms). */
uint64_t uptime(void);
uint64_t uptime_ms(void);

/* ---- CPUs and scheduling ---- */

/* Allows pid (0: this process) to run only on the CPUs in mask (bit i:
 * CPU i).  -EINVAL if mask holds no online CPU.  For this process the
 * move happens before the call returns. */
int setaffinity(int pid, uint64_t mask);
/* The mask of pid (0: this process), or a negative error. */
int64_t getaffinity(int pid);
/* The CPU this process is running on right now. */
int getcpu(void);
/* Number of CPUs online. */
int ncpu(void);

/* ---- Console and files ---- */

/* Console I/O: fd 0 reads raw bytes as typed (no echo, no line editing;
 * Enter is '\r' from a terminal, '\n' from a pipe); fds 1 and 2 write. */
long write(int fd, const void *buf, size_t len);
long read(int fd, void *buf, size_t len);
/* Entry number index of the initrd (flat names): 0 and fills *ent, or a
 * negative error (-ENOENT) past the last one. */
int readdir(int index, struct dirent *ent);
/* Up to len bytes of file path from offset off: the count, 0 at the end,
 * or a negative error (-ENOENT: no such file). */
long fileread(const char *path, uint64_t off, void *buf, size_t len);
/* Makes pid the console's foreground process, the one Ctrl-C kills
 * (0: none). */
int setfg(int pid);

/* ---- The machine ---- */

/* Table of processes: fills at most max entries, returns how many. */
int ps(struct proc_info *buf, int max);
/* Physical memory and kernel heap counters. */
int memstat(struct memstat *st);
/* Tests only: makes chosen kernel allocations fail (FI_* and struct
 * failinject_set in lib/uapi.h; docs/reliability.md).  Returns how many
 * failures the setting it replaces injected, or -EINVAL. */
int64_t failinject(const struct failinject_set *fs);
/* Turns the machine off; QEMU exits with status.  Returns only on failure. */
int poweroff(int status);
/* Tests: runs the kernel's invariant check (kernel/invariant.c), which
 * panics naming a broken invariant; returns the kernel objects checked. */
int kcheck(void);

/* ---- Memory ---- */

/*
 * Moves the end of the heap by increment bytes and returns the old end
 * (sbrk(0): the current end).  On failure it returns the negative error
 * code cast to a pointer, (void *)-ENOMEM or (void *)-EINVAL: user
 * addresses are all below 2^47, so no valid result is negative.  Test a
 * result with ptr_error().
 */
void *sbrk(intptr_t increment);
/* The negative error code in a pointer result like sbrk's, or 0. */
int ptr_error(const void *p);

/*
 * A first-fit free-list allocator over sbrk (user/ulib/malloc.c).
 * Results are 16-byte aligned; malloc returns NULL when sbrk fails.
 * free() of a pointer malloc did not return, or a second free(), prints
 * "free: bad pointer ..." and ends the program with status 1.
 */
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t size);

/* ---- Formatted output (user/ulib/printf.c; formats: lib/fmt.h, and
 * %f %F %e %E %g %G from user/ulib/fmtfloat.h) ---- */

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
/* printf to stderr (fd 2). */
int eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* s and a newline. */
int puts(const char *s);
int putchar(int c);
/* Writes out what printf has buffered. */
void flush(void);

/* ---- Reading input (user/ulib/readline.c) ---- */

/*
 * Reads one line from the console into buf (at most cap - 1 bytes, then
 * NUL), echoing what is typed.  Backspace or DEL erases a character,
 * Ctrl-U the line, Ctrl-C abandons it (returns an empty line); arrow-key
 * escape sequences and other control bytes are ignored.  The line ends
 * at '\r' or '\n'; "\r\n" counts as one end.  Returns the line's length.
 * It never gives up: when read() has nothing (returns 0 or an error) it
 * sleeps briefly and tries again.
 */
int readline(char *buf, int cap);

/* ---- Numbers (user/ulib/parse.c) ---- */

/* C's strtol: optional spaces and sign, base 0 accepts 0x.. and 0..;
 * saturates at LONG_MIN/LONG_MAX. */
long strtol(const char *s, char **end, int base);
int atoi(const char *s);
/* Strict: true only if all of s is one number in range, decimal or 0x
 * hex (no spaces, no octal); then *out is set. */
bool parse_long(const char *s, long *out);

/* ---- How a process ended (user/ulib/waitinfo.c) ---- */

/* "page fault", "general protection fault", ... for a FAULT_* kind. */
const char *fault_name(int fault);
/*
 * Describes *wi in buf: "status 3", "killed", or "killed by page fault
 * at rip 0x401234 addr 0x0" (addr only for page faults).  Returns what
 * snprintf returns.
 */
int exit_reason(const struct wait_info *wi, char *buf, size_t cap);

#endif
