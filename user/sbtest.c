/*
 * sbtest: the sandbox's test suite (lib/uapi.h SB_*, kernel/syscall.c).
 *
 *   sbtest              run every test
 *   sbtest NAME...      run only these
 *   sbtest -l           list the tests
 *   sbtest -c MODE      (internal) be a child that does MODE and exits
 *
 * Output is TAP, as utest's: "1..N", then "ok K - name" or "not ok K -
 * name", with "# ..." lines for failed checks.  The exit status is the
 * number of failed tests.
 *
 * Each test spawns sbtest itself as a child (-c MODE) inside some
 * sandbox and looks at how it ended.  A sandboxed child has no console,
 * so it answers through its exit status: 0 for "all as expected", a small
 * number naming the check that failed, or SURVIVED when a call that
 * should have killed it returned.  A call outside the sandbox must end
 * the child with EXIT_SANDBOX and status = the call's number.
 */
#include "ipc.h"
#include "tap.h"

long sys_proc_counters(long pid, void *out);
long sys_counters(void *buf, long max);

#define SURVIVED	90		/* child: the forbidden call returned */
#define RENDERER	(SB_BASIC | SB_IPC)	/* the browser's renderer sandbox */
#define FORGED		42		/* a handle number never given out */

/* ---- The child side: one mode per call to try ---- */

static char *uhelper_argv[] = { "uhelper", "exit", "0", NULL };

static int do_write(void) { sys_write(FD_STDOUT, "sbtest: escaped!\n", 17); return SURVIVED; }
static int do_read(void) { char c; sys_read(FD_STDIN, &c, 0); return SURVIVED; }
static int do_setfg(void) { sys_setfg(0); return SURVIVED; }
static int do_spawn(void) { sys_spawn("uhelper", uhelper_argv, NULL); return SURVIVED; }
static int do_exec(void) { sys_exec("nosuchprogram", NULL); return SURVIVED; }
static int do_wait(void) { sys_wait(WAIT_ANY, NULL); return SURVIVED; }
static int do_kill(void) { sys_kill(99999); return SURVIVED; }
static int do_setaffinity(void) { sys_setaffinity(0, 1); return SURVIVED; }
static int do_proc_events(void) { sys_proc_events(); return SURVIVED; }
static int do_readdir(void) { struct dirent e; sys_readdir(0, &e); return SURVIVED; }
static int do_fileread(void) { char b[8]; sys_fileread("motd", 0, b, 8); return SURVIVED; }
static int do_ps(void) { struct proc_info p; sys_ps(&p, 1); return SURVIVED; }
static int do_memstat(void) { struct memstat m; sys_memstat(&m); return SURVIVED; }
static int do_counters(void) { sys_counters(NULL, 0); return SURVIVED; }
static int do_poweroff(void) { sys_poweroff(77); return SURVIVED; }
static int do_mbox_open(void) { sys_mbox_open("sbtest-none", RIGHT_SEND); return SURVIVED; }
static int do_shm_open(void) { sys_shm_open("sbtest-none", RIGHT_MAP_READ); return SURVIVED; }
static int do_shm_unlink(void) { sys_shm_unlink("sbtest-none"); return SURVIVED; }
static int do_name_mbox(void) { sys_mbox_create(1, "sbtest-mbox"); return SURVIVED; }
static int do_name_shm(void) { sys_shm_create(4096, "sbtest-shm"); return SURVIVED; }
static int do_bad_send(void) { sys_mbox_send(FORGED, "x", 1, TIMEOUT_POLL, NO_HANDLE, 0); return SURVIVED; }
static int do_bad_close(void) { sys_close(63); return SURVIVED; }
static int do_bad_map(void) { sys_shm_map(FORGED, PROT_READ); return SURVIVED; }
static int do_bad_recv(void) { char b[4]; sys_mbox_recv(-1, b, 4, TIMEOUT_POLL, NULL); return SURVIVED; }

static int do_fork(void)
{
	long pid = sys_fork();

	if (pid == 0)
		exit(SURVIVED + 1);	/* the forked child: should never exist */
	return SURVIVED;
}

/* Only the calls every process keeps (SB_BASIC). */
static int do_basic(void)
{
	if (getpid() <= 0 || getppid() <= 0)
		return 1;
	if (uptime() == 0 || sleep(1) != 0 || yield() != 0)
		return 2;
	if (getcpu() < 0 || ncpu() < 1 || getaffinity(0) <= 0)
		return 3;
	if (ptr_error(sbrk(4096)))
		return 4;
	if (!(sys_sandbox(SB_ALL) & SB_BASIC))
		return 5;
	return 0;
}

/* Started unsandboxed: narrows itself and tries to widen again. */
static int do_narrow(void)
{
	if (sys_sandbox(SB_ALL) != SB_ALL)
		return 1;
	if (sys_sandbox(SB_IPC | SB_CONSOLE) != (SB_BASIC | SB_IPC | SB_CONSOLE))
		return 2;
	if (sys_sandbox(SB_IPC) != (SB_BASIC | SB_IPC))
		return 3;
	if (sys_sandbox(SB_ALL) != (SB_BASIC | SB_IPC))
		return 4;
	if (sys_sandbox(SB_CONSOLE | SB_IPC) != (SB_BASIC | SB_IPC))
		return 5;
	if (sys_sandbox(0) != SB_BASIC)
		return 6;		/* SB_BASIC stays: exit must work */
	return 0;
}

/* The set we run with, as the exit status. */
static int do_mask(void)
{
	return (int)sys_sandbox(SB_ALL);
}

/* Spawns `sbtest -c mode` with opts and waits; 0 if it ended as want. */
static int run_grandchild(const char *mode, const struct spawn_opts *opts, int how, int status)
{
	char *argv[] = { "sbtest", "-c", (char *)mode, NULL };
	struct wait_info wi;
	int pid = spawn("sbtest", argv, opts);

	if (pid < 0)
		return 1;
	if (wait(pid, &wi) != pid)
		return 2;
	if (wi.how != how)
		return 3;
	return wi.status == status ? 0 : 4;
}

/* Spawned with SB_PROC | SB_IPC: asking for more for a grandchild gets
 * no more. */
static int do_widen(void)
{
	struct spawn_opts all = { .sandbox = SB_ALL };

	return run_grandchild("mask", &all, EXIT_NORMAL, SB_BASIC | SB_PROC | SB_IPC);
}

/* Spawned with SB_PROC | SB_IPC: a grandchild started without options
 * inherits the sandbox, so its write kills it. */
static int do_inherit_write(void)
{
	return run_grandchild("write", NULL, EXIT_SANDBOX, SYS_write);
}

/* Spawned with SB_PROC | SB_IPC: a forked copy keeps the sandbox. */
static int do_fork_write(void)
{
	struct wait_info wi;
	int pid = fork();

	if (pid == 0)
		exit(do_write());
	if (pid < 0 || wait(pid, &wi) != pid)
		return 1;
	return wi.how == EXIT_SANDBOX && wi.status == SYS_write ? 0 : 2;
}

/* Given a read-only shm at 0 and a send-only mailbox at 1: missing rights
 * are plain errors (-EPERM), not violations. */
static int do_rights(void)
{
	char buf[8];

	if (ptr_error(shm_map(0, PROT_READ | PROT_WRITE)) != -EPERM)
		return 1;
	if (ptr_error(shm_map(0, PROT_READ)))
		return 2;
	if (mbox_recv(1, buf, sizeof(buf), TIMEOUT_POLL, NULL) != -EPERM)
		return 3;
	if (dup(1, RIGHT_RECV) != -EPERM)
		return 4;
	if (mbox_send(1, "ok", 2, TIMEOUT_POLL, NO_HANDLE, 0) != 0)
		return 5;
	return 0;
}

/* Given a read-only shm at 0: writing through the mapping faults. */
static int do_write_ro(void)
{
	volatile char *p = shm_map(0, PROT_READ);

	if (ptr_error((void *)p))
		return 1;
	p[0] = 'X';
	return SURVIVED;
}

/* Unnamed objects need only SB_IPC. */
static int do_anon(void)
{
	int m = mbox_create(1, NULL), s = shm_create(4096, NULL);

	if (m < 0 || s < 0)
		return 1;
	return close(m) == 0 && close(s) == 0 ? 0 : 2;
}

/* With SB_NAMES too, naming works. */
static int do_named_ok(void)
{
	int m = mbox_create(1, "sbtest-named");

	if (m < 0)
		return 1;
	return mbox_open("sbtest-named", RIGHT_SEND) >= 0 ? 0 : 2;
}

static const struct mode {
	const char *name;
	int (*fn)(void);
	int nr;			/* the call that must kill it in RENDERER */
} modes[] = {
	{ "write", do_write, SYS_write },
	{ "read", do_read, SYS_read },
	{ "setfg", do_setfg, SYS_setfg },
	{ "spawn", do_spawn, SYS_spawn },
	{ "fork", do_fork, SYS_fork },
	{ "exec", do_exec, SYS_exec },
	{ "wait", do_wait, SYS_wait },
	{ "kill", do_kill, SYS_kill },
	{ "setaffinity", do_setaffinity, SYS_setaffinity },
	{ "proc_events", do_proc_events, SYS_proc_events },
	{ "readdir", do_readdir, SYS_readdir },
	{ "fileread", do_fileread, SYS_fileread },
	{ "ps", do_ps, SYS_ps },
	{ "memstat", do_memstat, SYS_memstat },
	{ "counters", do_counters, SYS_counters },
	{ "poweroff", do_poweroff, SYS_poweroff },
	{ "mbox_open", do_mbox_open, SYS_mbox_open },
	{ "shm_open", do_shm_open, SYS_shm_open },
	{ "shm_unlink", do_shm_unlink, SYS_shm_unlink },
	{ "name-mbox", do_name_mbox, SYS_mbox_create },
	{ "name-shm", do_name_shm, SYS_shm_create },
	{ "bad-send", do_bad_send, SYS_mbox_send },
	{ "bad-close", do_bad_close, SYS_close },
	{ "bad-map", do_bad_map, SYS_shm_map },
	{ "bad-recv", do_bad_recv, SYS_mbox_recv },
	{ "basic", do_basic, 0 },
	{ "narrow", do_narrow, 0 },
	{ "mask", do_mask, 0 },
	{ "widen", do_widen, 0 },
	{ "inherit-write", do_inherit_write, 0 },
	{ "fork-write", do_fork_write, 0 },
	{ "rights", do_rights, 0 },
	{ "write-ro", do_write_ro, 0 },
	{ "anon", do_anon, 0 },
	{ "named-ok", do_named_ok, 0 },
};

#define NMODES	(int)(sizeof(modes) / sizeof(modes[0]))
#define NFORBIDDEN 25		/* modes[0..NFORBIDDEN) each die in RENDERER */

static int child(const char *name)
{
	for (int i = 0; i < NMODES; i++)
		if (strcmp(modes[i].name, name) == 0)
			return modes[i].fn();
	return 99;
}

/* ---- The parent side ---- */

/* Runs `sbtest -c mode` in sandbox sb (0: ours) with handles; fills *wi
 * and returns the pid, or a negative error. */
static int run_mode(const char *mode, uint64_t sb, const int *handles, int n, struct wait_info *wi)
{
	char *argv[] = { "sbtest", "-c", (char *)mode, NULL };
	struct spawn_opts opts = { .sandbox = sb, .nhandles = n };
	int pid;

	for (int i = 0; i < n; i++)
		opts.handles[i] = handles[i];
	pid = spawn("sbtest", argv, &opts);
	if (pid < 0) {
		printf("# spawn sbtest -c %s: %s\n", mode, errno_name(pid));
		return pid;
	}
	memset(wi, 0, sizeof(*wi));
	return wait(pid, wi) == pid ? pid : -ECHILD;
}

/* mode in sandbox sb must end normally with status want. */
static void expect_status(const char *mode, uint64_t sb, int want)
{
	struct wait_info wi;

	if (run_mode(mode, sb, NULL, 0, &wi) < 0)
		return;
	if (!CHECK_EQ(wi.how, EXIT_NORMAL) || !CHECK_EQ(wi.status, want))
		printf("# mode %s in sandbox 0x%lx\n", mode, sb);
}

/* mode in sandbox sb must be killed for calling nr. */
static void expect_violation(const char *mode, uint64_t sb, int nr)
{
	struct wait_info wi;
	int pid = run_mode(mode, sb, NULL, 0, &wi);

	if (pid < 0)
		return;
	if (!CHECK_EQ(wi.how, EXIT_SANDBOX) || !CHECK_EQ(wi.status, nr))
		printf("# mode %s in sandbox 0x%lx (how %d status %d)\n", mode, sb, wi.how,
		       wi.status);
	CHECK_EQ(wi.pid, pid);
	CHECK(strcmp(wi.name, "sbtest") == 0);
}

static void test_self_unchanged(void)
{
	/* We run unsandboxed; asking for everything changes nothing. */
	CHECK_EQ(sys_sandbox(SB_ALL), SB_ALL);
	/* An unknown group is a malformed argument: refused, nothing changes. */
	CHECK_EQ(sys_sandbox(SB_ALL | 0x100), -EINVAL);
	CHECK_EQ(sys_sandbox(SB_ALL), SB_ALL);
}

static void test_forbidden_calls(void)
{
	for (int i = 0; i < NFORBIDDEN; i++)
		expect_violation(modes[i].name, RENDERER, modes[i].nr);
}

static void test_write_killed(void)
{
	expect_violation("write", RENDERER, SYS_write);
	expect_violation("write", SB_BASIC, SYS_write);
	expect_violation("write", SB_ALL & ~SB_CONSOLE, SYS_write);
}

static void test_spawn_killed(void)
{
	expect_violation("spawn", RENDERER, SYS_spawn);
	expect_violation("fork", SB_ALL & ~SB_PROC, SYS_fork);
}

/* The group that holds a call lets it through (it just returns). */
static void test_allowed_groups(void)
{
	expect_status("fileread", SB_INITRD, SURVIVED);
	expect_status("readdir", SB_INITRD, SURVIVED);
	expect_status("ps", SB_SYSTEM, SURVIVED);
	expect_status("memstat", SB_SYSTEM, SURVIVED);
	expect_status("kill", SB_PROC, SURVIVED);		/* -ESRCH: pid 99999 */
	expect_status("mbox_open", SB_NAMES, SURVIVED);		/* -ENOENT */
	expect_status("shm_unlink", SB_NAMES, SURVIVED);
	expect_status("setaffinity", SB_PROC, SURVIVED);
}

static void test_basic_always(void)
{
	expect_status("basic", SB_BASIC, 0);
	expect_status("basic", SB_IPC, 0);
	expect_status("mask", SB_BASIC, SB_BASIC);
	expect_status("mask", SB_IPC, SB_IPC | SB_BASIC);	/* SB_BASIC is added anyway */
}

static void test_narrow_only(void)
{
	expect_status("narrow", 0, 0);		/* 0: the parent's set, all */
	expect_status("mask", RENDERER, RENDERER);
	expect_status("widen", SB_PROC | SB_IPC, 0);
}

static void test_children_inherit(void)
{
	expect_status("inherit-write", SB_PROC | SB_IPC, 0);
	expect_status("fork-write", SB_PROC | SB_IPC, 0);
}

static void test_bad_handle_sandboxed(void)
{
	expect_violation("bad-send", RENDERER, SYS_mbox_send);
	expect_violation("bad-close", RENDERER, SYS_close);
	expect_violation("bad-map", RENDERER, SYS_shm_map);
	expect_violation("bad-recv", RENDERER, SYS_mbox_recv);
	/* Any narrowing at all makes a bad handle fatal. */
	expect_violation("bad-close", SB_ALL & ~SB_SYSTEM, SYS_close);
}

static void test_bad_handle_unsandboxed(void)
{
	char buf[4];
	struct handle_info hi;

	CHECK_EQ(close(63), -EBADH);
	CHECK_EQ(close(FORGED), -EBADH);
	CHECK_EQ(dup(FORGED, RIGHT_SEND), -EBADH);
	CHECK_EQ(mbox_send(FORGED, "x", 1, TIMEOUT_POLL, NO_HANDLE, 0), -EBADH);
	CHECK_EQ(mbox_recv(-1, buf, sizeof(buf), TIMEOUT_POLL, NULL), -EBADH);
	CHECK_EQ(ptr_error(shm_map(FORGED, PROT_READ)), -EBADH);
	CHECK_EQ(handle_info(FORGED, &hi), -EBADH);
	CHECK_EQ(sys_sandbox(SB_ALL), SB_ALL);	/* and we are still here */
}

/* Handles given at spawn arrive as 0, 1, ...; a missing right is
 * -EPERM, not a violation; the message's sender is the child. */
static void test_rights_not_fatal(void)
{
	int shm = shm_create(4096, NULL), mb = mbox_create(2, NULL), ro = -1, snd = -1;
	int *all[] = { &shm, &mb, &ro, &snd };
	struct msg_info info;
	struct wait_info wi;
	char buf[8];
	int pid;

	if (!CHECK(shm >= 0) || !CHECK(mb >= 0))
		goto out;
	ro = dup(shm, RIGHT_MAP_READ);
	snd = dup(mb, RIGHT_SEND);
	if (!CHECK(ro >= 0) || !CHECK(snd >= 0))
		goto out;
	int handles[] = { ro, snd };
	pid = run_mode("rights", RENDERER, handles, 2, &wi);
	if (pid < 0)
		goto out;
	CHECK_EQ(wi.how, EXIT_NORMAL);
	CHECK_EQ(wi.status, 0);
	CHECK_EQ(mbox_recv(mb, buf, sizeof(buf), TIMEOUT_POLL, &info), 2);
	CHECK_EQ(info.sender, pid);
out:
	for (int i = 0; i < 4; i++)
		if (*all[i] >= 0)
			close(*all[i]);
}

/* Writing to a read-only mapping is a page fault, not a violation. */
static void test_readonly_write_faults(void)
{
	int shm = shm_create(4096, NULL), ro;
	struct wait_info wi;

	if (!CHECK(shm >= 0))
		return;
	ro = dup(shm, RIGHT_MAP_READ);
	if (CHECK(ro >= 0) && run_mode("write-ro", RENDERER, &ro, 1, &wi) > 0) {
		CHECK_EQ(wi.how, EXIT_FAULT);
		CHECK_EQ(wi.fault, FAULT_PAGE);
	}
	if (ro >= 0)
		close(ro);
	close(shm);
}

static void test_naming_needs_names(void)
{
	expect_violation("name-mbox", RENDERER, SYS_mbox_create);
	expect_violation("name-shm", RENDERER, SYS_shm_create);
	expect_status("anon", RENDERER, 0);
	expect_status("named-ok", SB_IPC | SB_NAMES, 0);
	/* The named mailbox went with its creator. */
	CHECK_EQ(mbox_open("sbtest-named", RIGHT_SEND), -ENOENT);
}

static void test_proc_events_report(void)
{
	char *argv[] = { "sbtest", "-c", "write", NULL };
	struct spawn_opts opts = { .sandbox = RENDERER };
	struct wait_info ev, wi;
	struct msg_info info;
	int h = proc_events(), pid;

	if (!CHECK(h >= 0))
		return;
	pid = spawn("sbtest", argv, &opts);
	if (CHECK(pid > 0)) {
		CHECK_EQ(mbox_recv(h, &ev, sizeof(ev), 5000, &info), sizeof(ev));
		CHECK_EQ(info.sender, pid);
		CHECK_EQ(ev.pid, pid);
		CHECK_EQ(ev.how, EXIT_SANDBOX);
		CHECK_EQ(ev.status, SYS_write);
		CHECK(strcmp(ev.name, "sbtest") == 0);
		CHECK_EQ(wait(pid, &wi), pid);	/* the event does not reap it */
		CHECK_EQ(wi.how, EXIT_SANDBOX);
	}
	CHECK_EQ(close(h), 0);
}

/* Sandbox kills with handles in hand leave no memory or objects behind. */
static void test_violations_leak_nothing(void)
{
	struct memstat before, after;
	struct wait_info wi;
	int shm = shm_create(8192, NULL), mb = mbox_create(4, NULL);

	if (!CHECK(shm >= 0) || !CHECK(mb >= 0))
		return;
	int handles[] = { mb, shm };
	run_mode("bad-send", RENDERER, handles, 2, &wi);	/* warm up */
	memstat(&before);
	for (int i = 0; i < 20; i++) {
		run_mode(i % 2 ? "bad-send" : "write", RENDERER, handles, 2, &wi);
		if (!CHECK_EQ(wi.how, EXIT_SANDBOX))
			break;
	}
	for (int tries = 0; tries < 20; tries++) {
		memstat(&after);
		if (after.free_frames == before.free_frames &&
		    after.kmalloc_bytes == before.kmalloc_bytes && after.nobjects == before.nobjects)
			break;
		sleep(50);
	}
	CHECK_EQ(after.free_frames, before.free_frames);
	CHECK_EQ(after.kmalloc_bytes, before.kmalloc_bytes);
	CHECK_EQ(after.nobjects, before.nobjects);
	close(shm);
	close(mb);
}

static const struct tap_test tests[] = {
	{ "self_unchanged", test_self_unchanged },
	{ "write_killed", test_write_killed },
	{ "spawn_killed", test_spawn_killed },
	{ "forbidden_calls", test_forbidden_calls },
	{ "allowed_groups", test_allowed_groups },
	{ "basic_always", test_basic_always },
	{ "narrow_only", test_narrow_only },
	{ "children_inherit", test_children_inherit },
	{ "bad_handle_sandboxed", test_bad_handle_sandboxed },
	{ "bad_handle_unsandboxed", test_bad_handle_unsandboxed },
	{ "rights_not_fatal", test_rights_not_fatal },
	{ "readonly_write_faults", test_readonly_write_faults },
	{ "naming_needs_names", test_naming_needs_names },
	{ "proc_events_report", test_proc_events_report },
	{ "violations_leak_nothing", test_violations_leak_nothing },
};

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "-c") == 0)
		return child(argv[2]);
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
