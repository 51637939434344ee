/*
 * System call numbers: the one list.  The kernel's dispatch table
 * (kernel/syscall.c) is indexed by these names, and the user-space stubs
 * (build/user/usys.S) are generated from this file by tools/gensyscalls,
 * one stub per SYS_ line.  Arguments and errors: docs/syscalls.md.
 *
 * ABI: `syscall` with the number in rax and arguments in rdi, rsi, rdx,
 * r10, r8, r9; the result comes back in rax (negative = -E... from
 * lib/errno.h).  rcx and r11 are clobbered.
 */
#ifndef LIB_SYSCALLS_H
#define LIB_SYSCALLS_H

#define SYS_exit	1	/* void exit(int status) */
#define SYS_fork	2	/* int fork(void) */
#define SYS_exec	3	/* int exec(const char *path, char *const argv[]) */
#define SYS_spawn	4	/* int spawn(const char *path, char *const argv[], const struct spawn_opts *opts) */
#define SYS_wait	5	/* int wait(int pid, struct wait_info *info) */
#define SYS_kill	6	/* int kill(int pid) */
#define SYS_getpid	7	/* int getpid(void) */
#define SYS_getppid	8	/* int getppid(void) */
#define SYS_yield	9	/* int yield(void) */
#define SYS_sleep	10	/* int sleep(uint64_t ms) */
#define SYS_uptime	11	/* uint64_t uptime(void): nanoseconds since boot */
#define SYS_write	12	/* long write(int fd, const void *buf, size_t len) */
#define SYS_read	13	/* long read(int fd, void *buf, size_t len) */
#define SYS_setaffinity	14	/* int setaffinity(int pid, uint64_t mask) */
#define SYS_getaffinity	15	/* int64_t getaffinity(int pid) */
#define SYS_getcpu	16	/* int getcpu(void) */
#define SYS_ps		17	/* int ps(struct proc_info *buf, int max) */
#define SYS_sbrk	18	/* void *sbrk(intptr_t increment) */
#define SYS_readdir	19	/* int readdir(int index, struct dirent *ent) */
#define SYS_fileread	20	/* long fileread(const char *path, uint64_t off, void *buf, size_t len) */
#define SYS_setfg	21	/* int setfg(int pid): console foreground (Ctrl-C target) */
#define SYS_poweroff	22	/* int poweroff(int status) */
#define SYS_ncpu	23	/* int ncpu(void) */
#define SYS_memstat	24	/* int memstat(struct memstat *st) */

#define NSYSCALL	25	/* one more than the highest number */

#endif
