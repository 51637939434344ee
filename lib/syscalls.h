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

/* Handles, shared pages and mailboxes (docs/ipc.md). */
#define SYS_close	25	/* int close(int h) */
#define SYS_dup		26	/* int dup(int h, uint32_t rights) */
#define SYS_shm_create	27	/* int shm_create(size_t size, const char *name) */
#define SYS_shm_open	28	/* int shm_open(const char *name, uint32_t rights) */
#define SYS_shm_map	29	/* void *shm_map(int h, int prot) */
#define SYS_shm_unmap	30	/* int shm_unmap(void *addr) */
#define SYS_shm_unlink	31	/* int shm_unlink(const char *name) */
#define SYS_mbox_create	32	/* int mbox_create(int capacity, const char *name) */
#define SYS_mbox_open	33	/* int mbox_open(const char *name, uint32_t rights) */
#define SYS_mbox_send	34	/* int mbox_send(int h, const void *buf, size_t len, int64_t timeout_ms, int xfer, uint32_t flags) */
#define SYS_mbox_recv	35	/* long mbox_recv(int h, void *buf, size_t cap, int64_t timeout_ms, struct msg_info *info) */
#define SYS_msg_send	36	/* int msg_send(int pid, const void *buf, size_t len, int64_t timeout_ms) */
#define SYS_msg_recv	37	/* long msg_recv(void *buf, size_t cap, int64_t timeout_ms, struct msg_info *info) */
#define SYS_proc_events	38	/* int proc_events(void): handle of this process's child-exit mailbox */
#define SYS_handle_info	39	/* int handle_info(int h, struct handle_info *info) */

/* Core-local counters (docs/cache-lab.md). */
#define SYS_counters	40	/* int counters(struct cpu_counters *buf, int max): CPUs filled */
#define SYS_proc_counters 41	/* int proc_counters(int pid, struct proc_counters *out) */

/* Sandbox (docs/browser-demo.md). */
#define SYS_sandbox	42	/* int64_t sandbox(uint64_t allow): narrow to allow & current */

/* Tests (docs/reliability.md). */
#define SYS_kcheck	43	/* int kcheck(void): run the kernel's invariant check; objects checked */

#define NSYSCALL	44	/* one more than the highest number */

#endif
