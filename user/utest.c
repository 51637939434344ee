/*
 * utest: the user-space test suite, for processes and system calls as a
 * program sees them.
 *
 *   utest              run every test
 *   utest NAME...      run only these
 *   utest -l           list the tests
 *   utest -c MODE ...  (internal) a helper that needs to be utest itself
 *
 * Output is TAP: "1..N", then "ok K - name" or "not ok K - name" per test,
 * with "# ..." lines saying which check failed and why.  The exit status
 * is the number of failed tests.  Under `make run RUN="utest ..."` init
 * powers off with that status.
 *
 * Tests spawn uhelper and fault (user/uhelper.c, user/fault.c) to have
 * children that behave in known ways.  A test must leave no children
 * behind; the runner kills and reaps any it finds and fails the test.
 */
#include "ipc.h"
#include "tap.h"

#define MAXPROCS	128
#define MS		((uint64_t)1000000)	/* a millisecond in nanoseconds */
#define BAD_UNMAPPED	((void *)0x10000000ul)		/* user half, never mapped */
#define BAD_NONCANON	((void *)0xffff800000000000ul)	/* kernel half, first byte */
#define BAD_KERNEL	((void *)0xffffffff80100000ul)	/* kernel text */

static struct proc_info procs[MAXPROCS];	/* the last ps() snapshot */

/* ---- Helpers ---- */

/* Spawns argv (on the CPUs in affinity; 0: any) and waits for it.
 * Returns the child's pid with *wi filled, or a negative error. */
static int run(char **argv, uint64_t affinity, struct wait_info *wi)
{
	struct spawn_opts opts = { .affinity = affinity };
	int pid = spawn(argv[0], argv, affinity ? &opts : NULL);

	if (pid < 0)
		return pid;
	memset(wi, 0, sizeof(*wi));
	return wait(pid, wi) == pid ? pid : -ECHILD;
}

/* Runs argv and returns its exit status, or -1 (with a diagnostic) if it
 * could not be run or did not exit normally. */
static int run_status(char **argv, uint64_t affinity)
{
	struct wait_info wi;
	char why[96];
	int r = run(argv, affinity, &wi);

	if (r < 0) {
		printf("# cannot run %s %s: %s\n", argv[0], argv[1] ? argv[1] : "",
		       errno_name(r));
		return -1;
	}
	if (wi.how != EXIT_NORMAL) {
		exit_reason(&wi, why, sizeof(why));
		printf("# %s %s: %s\n", argv[0], argv[1] ? argv[1] : "", why);
		return -1;
	}
	return wi.status;
}

/* Refreshes procs[]; returns the number of entries (0 if ps failed). */
static int snapshot(void)
{
	int n = ps(procs, MAXPROCS);

	if (n < 0) {
		printf("# ps: %s\n", errno_name(n));
		return 0;
	}
	return n > MAXPROCS ? MAXPROCS : n;
}

static const struct proc_info *find_proc(int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

/* Waits (up to 2 s) until child pid is a zombie; false if it never is. */
static bool await_zombie(int pid)
{
	for (int tries = 0; tries < 200; tries++) {
		const struct proc_info *p = find_proc(snapshot(), pid);

		if (p && p->state == PSTATE_ZOMBIE)
			return true;
		sleep(10);
	}
	return false;
}

/* ---- The tests ---- */

static void test_fork_exit_wait(void)
{
	struct wait_info wi = { 0 };
	volatile int x = 1;
	int pid;

	pid = fork();
	if (pid == 0) {
		x = 2;		/* the child's own copy */
		exit(40 + x);
	}
	if (!CHECK(pid > 0))
		return;
	CHECK_EQ(wait(pid, &wi), pid);
	CHECK_EQ(wi.pid, pid);
	CHECK_EQ(wi.how, EXIT_NORMAL);
	CHECK_EQ(wi.status, 42);
	CHECK_EQ(x, 1);

	pid = fork();
	if (pid == 0)
		exit(43);
	if (!CHECK(pid > 0))
		return;
	CHECK_EQ(wait(WAIT_ANY, &wi), pid);
	CHECK_EQ(wi.status, 43);

	CHECK_EQ(wait(WAIT_ANY, &wi), -ECHILD);
}

static void test_exec(void)
{
	static int marker = 1234;
	char *argv[] = { "uhelper", "exit", "7", NULL };
	struct wait_info wi = { 0 };
	int pid, me = getpid();

	pid = fork();
	if (pid == 0) {
		exec("uhelper", argv);
		exit(100);	/* exec failed */
	}
	if (!CHECK(pid > 0))
		return;
	CHECK_EQ(wait(pid, &wi), pid);
	CHECK_EQ(wi.how, EXIT_NORMAL);
	CHECK_EQ(wi.status, 7);

	/* A failed exec returns and leaves the caller as it was. */
	CHECK_EQ(exec("no-such-program", argv), -ENOENT);
	CHECK_EQ(getpid(), me);
	CHECK_EQ(marker, 1234);
}

/* After exec (utest -c after-exec NOBJECTS): the old image's shared
 * mappings are gone -- their objects died (memstat) and all 16 mapping
 * slots are free.  Returns 0, or the number of the check that failed. */
static int after_exec(long nobjects)
{
	struct memstat st;

	if (memstat(&st) < 0 || st.nobjects != (uint64_t)nobjects)
		return 1;
	for (int i = 0; i < 16; i++) {
		int h = shm_create(4096, NULL);

		if (h < 0 || ptr_error(shm_map(h, PROT_READ | PROT_WRITE)))
			return 2;
		close(h);	/* the mapping keeps the object */
	}
	return 0;
}

/* A process maps two shared objects (closing their handles, so only the
 * mappings hold them) and execs: the new program starts without them. */
static void test_exec_drops_shm(void)
{
	struct wait_info wi = { 0 };
	struct memstat st;
	int pid;

	pid = fork();
	if (pid == 0) {
		char arg[24];
		char *argv[] = { "utest", "-c", "after-exec", arg, NULL };

		if (memstat(&st) < 0)
			exit(10);
		snprintf(arg, sizeof(arg), "%lu", st.nobjects);
		for (int i = 0; i < 2; i++) {
			int h = shm_create(8192, NULL);

			if (h < 0 || ptr_error(shm_map(h, PROT_READ | PROT_WRITE)))
				exit(11);
			close(h);
		}
		exec("utest", argv);
		exit(12);
	}
	if (!CHECK(pid > 0))
		return;
	CHECK_EQ(wait(pid, &wi), pid);
	CHECK_EQ(wi.how, EXIT_NORMAL);
	CHECK_EQ(wi.status, 0);
}

static void test_spawn_args(void)
{
	char *exit9[] = { "uhelper", "exit", "9", NULL };
	char *ppid[] = { "uhelper", "ppid", NULL };
	char *missing[] = { "no-such-program", NULL };

	CHECK_EQ(run_status(exit9, 0), 9);
	CHECK_EQ(run_status(ppid, 0), getpid() & 0xff);
	CHECK_EQ(spawn("no-such-program", missing, NULL), -ENOENT);
}

/* Memory counters once they agree with before (freeing may lag a little). */
static void settled_memstat(const struct memstat *before, struct memstat *after)
{
	for (int tries = 0; tries < 20; tries++) {
		memstat(after);
		if (after->free_frames == before->free_frames &&
		    after->kmalloc_bytes == before->kmalloc_bytes)
			return;
		sleep(50);
	}
}

static void test_many_procs(void)
{
	char *argv[] = { "uhelper", "exit", "0", NULL };
	struct memstat before, after;
	bool same;
	int i;

	/* One run first, so one-time allocations do not count as leaks. */
	CHECK_EQ(run_status(argv, 0), 0);
	if (!CHECK_EQ(memstat(&before), 0))
		return;
	for (i = 0; i < 200; i++)
		if (!CHECK_EQ(run_status(argv, 0), 0))
			break;
	settled_memstat(&before, &after);
	same = CHECK_EQ(after.free_frames, before.free_frames);
	same &= CHECK_EQ(after.kmalloc_bytes, before.kmalloc_bytes);
	if (!same)
		printf("# after %d processes\n", i);
	CHECK_EQ(after.nprocs, before.nprocs);
}

/* wait() with a bad info pointer fails, and the child is still there. */
static void check_wait_efault(void)
{
	char *argv[] = { "uhelper", "exit", "5", NULL };
	struct wait_info wi = { 0 };
	int pid = spawn("uhelper", argv, NULL);

	if (!CHECK(pid > 0) || !CHECK(await_zombie(pid)))
		return;
	CHECK_EQ(wait(pid, BAD_UNMAPPED), -EFAULT);
	CHECK_EQ(wait(pid, BAD_KERNEL), -EFAULT);
	CHECK_EQ(wait(pid, &wi), pid);
	CHECK_EQ(wi.status, 5);
}

static void test_bad_pointers(void)
{
	char *argv[] = { "uhelper", "exit", "0", NULL };
	char *bad_argv[] = { "uhelper", BAD_UNMAPPED, NULL };
	/* 16 bytes from just below 0x800000000000 (the end of the user half). */
	void *straddle = (void *)(USER_END - 8);

	CHECK_EQ(write(FD_STDOUT, NULL, 5), -EFAULT);
	CHECK_EQ(write(FD_STDOUT, BAD_NONCANON, 5), -EFAULT);
	CHECK_EQ(write(FD_STDOUT, BAD_KERNEL, 5), -EFAULT);
	CHECK_EQ(write(FD_STDOUT, BAD_UNMAPPED, 5), -EFAULT);
	CHECK_EQ(write(FD_STDOUT, straddle, 16), -EFAULT);
	CHECK_EQ(read(FD_STDIN, NULL, 5), -EFAULT);
	CHECK_EQ(exec(BAD_UNMAPPED, argv), -EFAULT);
	CHECK_EQ(exec("uhelper", BAD_UNMAPPED), -EFAULT);
	CHECK_EQ(exec("uhelper", bad_argv), -EFAULT);
	CHECK_EQ(spawn(BAD_UNMAPPED, argv, NULL), -EFAULT);
	CHECK_EQ(spawn("uhelper", BAD_UNMAPPED, NULL), -EFAULT);
	CHECK_EQ(spawn("uhelper", bad_argv, NULL), -EFAULT);
	CHECK_EQ(spawn("uhelper", argv, BAD_UNMAPPED), -EFAULT);
	CHECK_EQ(ps(BAD_KERNEL, 4), -EFAULT);
	CHECK_EQ(memstat(NULL), -EFAULT);
	CHECK_EQ(readdir(0, NULL), -EFAULT);
	CHECK_EQ(fileread(BAD_UNMAPPED, 0, procs, 16), -EFAULT);
	CHECK_EQ(fileread("uhelper", 0, NULL, 16), -EFAULT);
	check_wait_efault();
}

static void test_unknown_syscall(void)
{
	CHECK_EQ(syscall6(9999, 0, 0, 0, 0, 0, 0), -ENOSYS);
	CHECK_EQ(syscall6(-1, 0, 0, 0, 0, 0, 0), -ENOSYS);
	CHECK_EQ(syscall6(NSYSCALL, 0, 0, 0, 0, 0, 0), -ENOSYS);
	CHECK_EQ(syscall6(0, 0, 0, 0, 0, 0, 0), -ENOSYS);	/* a hole */
	/* And the path works for a real one. */
	CHECK_EQ(syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0), getpid());
}

static void test_faults(void)
{
	static const struct {
		const char *kind;
		int fault;
		bool has_addr;		/* a page fault: addr is known */
		uint64_t addr;
	} cases[] = {
		{ "null", FAULT_PAGE, true, 0 },
		{ "gp", FAULT_GP, false, 0 },
		{ "ud", FAULT_UD, false, 0 },
		{ "div", FAULT_DIV, false, 0 },
		{ "kernel-addr", FAULT_PAGE, true, 0xffffffff80100000ul },
	};
	int me = getpid();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { "fault", (char *)cases[i].kind, NULL };
		int before = tap_failed;
		struct wait_info wi;

		if (CHECK(run(argv, 0, &wi) > 0)) {
			CHECK_EQ(wi.how, EXIT_FAULT);
			CHECK_EQ(wi.fault, cases[i].fault);
			CHECK(wi.rip >= USER_TEXT_BASE && wi.rip < USER_TEXT_BASE + 0x1000000);
			if (cases[i].has_addr)
				CHECK_EQ(wi.addr, cases[i].addr);
		}
		if (tap_failed != before)
			printf("# (fault %s)\n", cases[i].kind);
	}
	/* The faults were the children's; this process carries on. */
	CHECK_EQ(getpid(), me);
	CHECK_EQ(sleep(1), 0);
}

static void test_kill(void)
{
	char *argv[] = { "uhelper", "sleep", "100000", NULL };
	struct wait_info wi = { 0 };
	int pid = spawn("uhelper", argv, NULL);

	if (CHECK(pid > 0)) {
		sleep(50);	/* let it fall asleep: kill must wake it */
		CHECK_EQ(kill(pid), 0);
		CHECK_EQ(wait(pid, &wi), pid);
		CHECK_EQ(wi.how, EXIT_KILLED);
	}
	CHECK_EQ(kill(99999), -ESRCH);
	CHECK_EQ(kill(1), -EPERM);	/* init is not to be killed */
}

static void test_affinity_pins(void)
{
	char *pin1[] = { "uhelper", "pin", "1", "300", NULL };
	char *pin0[] = { "uhelper", "pin", "0", "100", NULL };
	char *move[] = { "uhelper", "move", "0", "1", NULL };
	int n = ncpu();
	int64_t mine = getaffinity(0);

	CHECK(n >= 1);
	CHECK(mine > 0);
	if (n >= 2) {
		CHECK_EQ(run_status(pin1, 1ull << 1), 0);
		CHECK_EQ(run_status(move, 0), 0);
	} else {
		CHECK_EQ(run_status(pin0, 1ull << 0), 0);
	}
	/* Masks without an online CPU are refused, and change nothing. */
	CHECK_EQ(setaffinity(0, 0), -EINVAL);
	if (n < 64)
		CHECK_EQ(setaffinity(0, ~0ull << n), -EINVAL);
	CHECK_EQ(getaffinity(0), mine);
}

/* Two CPU-bound processes pinned to CPU 0 must take turns on it. */
static void test_preemption(void)
{
	char *argv[] = { "uhelper", "spin", "1500", NULL };
	struct spawn_opts opts = { .affinity = 1ull << 0 };
	int pid[2];

	pid[0] = spawn("uhelper", argv, &opts);
	pid[1] = spawn("uhelper", argv, &opts);
	if (CHECK(pid[0] > 0) && CHECK(pid[1] > 0)) {
		int n;

		sleep(300);
		n = snapshot();
		for (int i = 0; i < 2; i++) {
			const struct proc_info *p = find_proc(n, pid[i]);

			if (!CHECK(p != NULL))
				continue;
			CHECK(p->state != PSTATE_ZOMBIE);
			CHECK(p->runtime_ns > 0);
			CHECK_EQ(p->cpu, 0);
		}
	}
	for (int i = 0; i < 2; i++) {
		struct wait_info wi;

		if (pid[i] <= 0)
			continue;
		kill(pid[i]);
		CHECK_EQ(wait(pid[i], &wi), pid[i]);
	}
}

static void test_sleep_wakes(void)
{
	uint64_t t0 = uptime(), dt;
	bool ok;

	CHECK_EQ(sleep(50), 0);
	dt = uptime() - t0;
	ok = CHECK(dt >= 50 * MS);
	ok &= CHECK(dt < 5000 * MS);
	if (!ok)
		printf("# slept %lu ms\n", dt / MS);
	CHECK_EQ(sleep(0), 0);
}

static void test_ps_lists_self(void)
{
	int n = snapshot();
	const struct proc_info *me = find_proc(n, getpid());
	const struct proc_info *init = find_proc(n, 1);

	CHECK(n > 0);
	if (CHECK(me != NULL)) {
		CHECK(strcmp(me->name, "utest") == 0);
		CHECK_EQ(me->state, PSTATE_RUNNING);
		CHECK_EQ(me->ppid, getppid());
	}
	if (CHECK(init != NULL))
		CHECK(strcmp(init->name, "init") == 0);
}

static void test_heap(void)
{
	const size_t size = 100 * 1024;
	char *b0 = sbrk(0), *b1, *b2;
	unsigned char *p, *q;
	void *r;
	size_t bad = 0;

	if (!CHECK_EQ(ptr_error(b0), 0))
		return;
	p = malloc(size);
	if (!CHECK(p != NULL))
		return;
	b1 = sbrk(0);
	CHECK(b1 > b0);
	CHECK((char *)p >= b0 && (char *)p + size <= b1);
	CHECK((uintptr_t)p % 16 == 0);
	for (size_t i = 0; i < size; i++)
		p[i] = (unsigned char)(i * 7);
	for (size_t i = 0; i < size; i++)
		bad += p[i] != (unsigned char)(i * 7);
	CHECK_EQ(bad, 0);
	free(p);

	/* The freed block is used again: no growth this time. */
	q = malloc(size);
	CHECK(q == p);
	CHECK(sbrk(0) == b1);
	q = realloc(q, 2 * size);
	CHECK(q != NULL && q[size - 1] == (unsigned char)((size - 1) * 7));
	free(q);

	/* Shrinking below the heap's start fails and changes nothing. */
	b2 = sbrk(0);
	r = sbrk(-((intptr_t)1 << 40));
	if (!CHECK(ptr_error(r) == -ENOMEM || ptr_error(r) == -EINVAL))
		printf("# sbrk(-2^40) returned %p\n", r);
	CHECK(sbrk(0) == b2);
}

static void test_getpid_getppid(void)
{
	int pid = getpid(), ppid = getppid();

	CHECK(pid > 0);
	CHECK(ppid > 0);
	CHECK(pid != ppid);
	CHECK_EQ(getpid(), pid);
}

/* ---- The runner ---- */

static const struct tap_test tests[] = {
	{ "fork_exit_wait", test_fork_exit_wait },
	{ "exec", test_exec },
	{ "exec_drops_shm", test_exec_drops_shm },
	{ "spawn_args", test_spawn_args },
	{ "many_procs", test_many_procs },
	{ "bad_pointers", test_bad_pointers },
	{ "unknown_syscall", test_unknown_syscall },
	{ "faults", test_faults },
	{ "kill", test_kill },
	{ "affinity_pins", test_affinity_pins },
	{ "preemption", test_preemption },
	{ "sleep_wakes", test_sleep_wakes },
	{ "ps_lists_self", test_ps_lists_self },
	{ "heap", test_heap },
	{ "getpid_getppid", test_getpid_getppid },
};

int main(int argc, char **argv)
{
	long x;

	if (argc == 4 && strcmp(argv[1], "-c") == 0 && strcmp(argv[2], "after-exec") == 0 &&
	    parse_long(argv[3], &x))
		return after_exec(x);
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
