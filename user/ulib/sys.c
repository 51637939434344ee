/*
 * The C face of the system calls: typed wrappers over the generated
 * sys_* stubs (build/user/usys.S).  Most only convert types.  The ones
 * that end or copy the process flush printf's buffer first, so nothing
 * buffered is lost (exit, exec) or printed twice (fork).
 */
#include "baton.h"

void exit(int status)
{
	flush();
	/* The kernel never returns from SYS_exit; if it did, do not run on. */
	for (;;)
		sys_exit(status);
}

int fork(void)
{
	flush();
	return (int)sys_fork();
}

int exec(const char *path, char *const argv[])
{
	flush();
	return (int)sys_exec(path, argv);
}

int spawn(const char *path, char *const argv[], const struct spawn_opts *opts)
{
	flush();	/* our output first, then the child's */
	return (int)sys_spawn(path, argv, opts);
}

int wait(int pid, struct wait_info *info)
{
	return (int)sys_wait(pid, info);
}

int kill(int pid)
{
	return (int)sys_kill(pid);
}

int getpid(void)
{
	return (int)sys_getpid();
}

int getppid(void)
{
	return (int)sys_getppid();
}

int yield(void)
{
	return (int)sys_yield();
}

int sleep(uint64_t ms)
{
	return (int)sys_sleep(ms);
}

uint64_t uptime(void)
{
	return (uint64_t)sys_uptime();
}

uint64_t uptime_ms(void)
{
	return uptime() / 1000000;
}

int setaffinity(int pid, uint64_t mask)
{
	return (int)sys_setaffinity(pid, mask);
}

int64_t getaffinity(int pid)
{
	return sys_getaffinity(pid);
}

int kcheck(void)
{
	return (int)sys_kcheck();
}

uint64_t sandbox(uint64_t allow)
{
	return (uint64_t)sys_sandbox(allow);
}

int getcpu(void)
{
	return (int)sys_getcpu();
}

int ncpu(void)
{
	return (int)sys_ncpu();
}

long write(int fd, const void *buf, size_t len)
{
	return sys_write(fd, buf, len);
}

long read(int fd, void *buf, size_t len)
{
	return sys_read(fd, buf, len);
}

int readdir(int index, struct dirent *ent)
{
	return (int)sys_readdir(index, ent);
}

long fileread(const char *path, uint64_t off, void *buf, size_t len)
{
	return sys_fileread(path, off, buf, len);
}

int setfg(int pid)
{
	return (int)sys_setfg(pid);
}

int ps(struct proc_info *buf, int max)
{
	return (int)sys_ps(buf, max);
}

int memstat(struct memstat *st)
{
	return (int)sys_memstat(st);
}

int64_t failinject(const struct failinject_set *fs)
{
	return sys_failinject(fs);
}

int poweroff(int status)
{
	flush();
	return (int)sys_poweroff(status);
}

void *sbrk(intptr_t increment)
{
	return (void *)sys_sbrk(increment);
}

int ptr_error(const void *p)
{
	intptr_t v = (intptr_t)p;

	/* User addresses are below 2^47: only an error code is negative. */
	return v < 0 ? (int)v : 0;
}
