/*
 * System calls: the one list.  tools/gensyscalls reads every SYS_ line
 * (number, sandbox group, prototype) and generates from it the user-space
 * stubs (build/user/usys.S), the kernel's dispatch table and its
 * argument decoders (build/gen/systab.c, build/gen/sysargs.h).  Arguments
 * and errors: docs/syscalls.md.
 *
 * Decoding (docs/syscalls.md): before a call runs, every argument is
 * checked at its full 64-bit width against its type, and against the
 * range written after its name; the handler gets a struct of typed,
 * checked fields (struct sys_NAME_args).  A value out of range is
 * -EINVAL and changes nothing.  The types:
 *   int, uint32_t       the register must hold exactly that value (an int
 *                       is the sign extension of its low 32 bits)
 *   int64_t, uint64_t, size_t, and pointers: any 64-bit value
 *   timeout_t           TIMEOUT_NEVER, TIMEOUT_POLL, or 1 to TIMEOUT_MAX_MS ms
 * and the ranges:
 *   <= MAX              at most MAX
 *   in [LO, HI]         from LO to HI
 *   & MASK              no bit outside MASK
 *
 * ABI: `syscall` with the number in rax and arguments in rdi, rsi, rdx,
 * r10, r8, r9; the result comes back in rax (negative = -E... from
 * lib/errno.h).  rcx and r11 are clobbered.
 */
#ifndef LIB_SYSCALLS_H
#define LIB_SYSCALLS_H

/*      name		nr	   group	prototype, with each argument's range */
#define SYS_exit	1	/* SB_BASIC	void exit(int status) */
#define SYS_fork	2	/* SB_PROC	int fork(void) */
#define SYS_exec	3	/* SB_PROC	int exec(const char *path, char *const *argv) */
#define SYS_spawn	4	/* SB_PROC	int spawn(const char *path, char *const *argv, const struct spawn_opts *opts) */
#define SYS_wait	5	/* SB_PROC	int wait(int pid, struct wait_info *info) */
#define SYS_kill	6	/* SB_PROC	int kill(int pid) */
#define SYS_getpid	7	/* SB_BASIC	int getpid(void) */
#define SYS_getppid	8	/* SB_BASIC	int getppid(void) */
#define SYS_yield	9	/* SB_BASIC	int yield(void) */
#define SYS_sleep	10	/* SB_BASIC	int sleep(uint64_t ms <= TIMEOUT_MAX_MS) */
#define SYS_uptime	11	/* SB_BASIC	uint64_t uptime(void): nanoseconds since boot */
#define SYS_write	12	/* SB_CONSOLE	long write(int fd, const void *buf, size_t len) */
#define SYS_read	13	/* SB_CONSOLE	long read(int fd, void *buf, size_t len) */
#define SYS_setaffinity	14	/* SB_PROC	int setaffinity(int pid, uint64_t mask) */
#define SYS_getaffinity	15	/* SB_BASIC	int64_t getaffinity(int pid) */
#define SYS_getcpu	16	/* SB_BASIC	int getcpu(void) */
#define SYS_ps		17	/* SB_SYSTEM	int ps(struct proc_info *buf, int max) */
#define SYS_sbrk	18	/* SB_BASIC	void *sbrk(int64_t increment) */
#define SYS_readdir	19	/* SB_INITRD	int readdir(int index, struct dirent *ent) */
#define SYS_fileread	20	/* SB_INITRD	long fileread(const char *path, uint64_t off, void *buf, size_t len) */
#define SYS_setfg	21	/* SB_CONSOLE	int setfg(int pid): console foreground (Ctrl-C target) */
#define SYS_poweroff	22	/* SB_SYSTEM	int poweroff(int status) */
#define SYS_ncpu	23	/* SB_BASIC	int ncpu(void) */
#define SYS_memstat	24	/* SB_SYSTEM	int memstat(struct memstat *st) */

/* Handles, shared pages and mailboxes (docs/ipc.md). */
#define SYS_close	25	/* SB_IPC	int close(int h) */
#define SYS_dup		26	/* SB_IPC	int dup(int h, uint32_t rights & RIGHT_ALL) */
#define SYS_shm_create	27	/* SB_IPC	int shm_create(size_t size, const char *name) */
#define SYS_shm_open	28	/* SB_NAMES	int shm_open(const char *name, uint32_t rights & RIGHT_ALL) */
#define SYS_shm_map	29	/* SB_IPC	void *shm_map(int h, int prot & (PROT_READ | PROT_WRITE)) */
#define SYS_shm_unmap	30	/* SB_IPC	int shm_unmap(void *addr) */
#define SYS_shm_unlink	31	/* SB_NAMES	int shm_unlink(const char *name) */
#define SYS_mbox_create	32	/* SB_IPC	int mbox_create(int capacity in [0, MBOX_MAX_CAPACITY], const char *name) */
#define SYS_mbox_open	33	/* SB_NAMES	int mbox_open(const char *name, uint32_t rights & RIGHT_ALL) */
#define SYS_mbox_send	34	/* SB_IPC	int mbox_send(int h, const void *buf, size_t len <= MSG_MAX, timeout_t timeout, int xfer, uint32_t flags & SEND_KEEP_HANDLE) */
#define SYS_mbox_recv	35	/* SB_IPC	long mbox_recv(int h, void *buf, size_t cap, timeout_t timeout, struct msg_info *info) */
#define SYS_msg_send	36	/* SB_NAMES	int msg_send(int pid, const void *buf, size_t len <= MSG_MAX, timeout_t timeout) */
#define SYS_msg_recv	37	/* SB_IPC	long msg_recv(void *buf, size_t cap, timeout_t timeout, struct msg_info *info) */
#define SYS_proc_events	38	/* SB_PROC	int proc_events(void): handle of this process's child-exit mailbox */
#define SYS_handle_info	39	/* SB_IPC	int handle_info(int h, struct handle_info *info) */

/* Core-local counters (docs/cache-lab.md). */
#define SYS_counters	40	/* SB_SYSTEM	int counters(struct cpu_counters *buf, int max) */
#define SYS_proc_counters 41	/* SB_SYSTEM	int proc_counters(int pid, struct proc_counters *out) */

/* Sandbox (docs/browser-demo.md). */
#define SYS_sandbox	42	/* SB_BASIC	int64_t sandbox(uint64_t allow & SB_ALL): narrow to allow & current */

/* Tests only (docs/reliability.md). */
#define SYS_kcheck	43	/* SB_SYSTEM	int kcheck(void): run the kernel's invariant check; objects checked */
#define SYS_failinject	44	/* SB_SYSTEM	int64_t failinject(const struct failinject_set *fs): failures injected under the old setting */

/* Event tracing (docs/tracing.md; ops and flags in lib/trace.h). */
#define SYS_trace_ctl	45	/* SB_SYSTEM	int64_t trace_ctl(int op in [0, 3], uint64_t arg) */

#define NSYSCALL	46	/* one more than the highest number */

#endif
