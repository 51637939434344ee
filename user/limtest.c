/*
 * limtest: the test suite of limits and of the pid-naming policy
 * (docs/processes.md, "Isolation").
 *
 *   limtest              run every test
 *   limtest NAME...      run only these
 *   limtest -l           list the tests
 *   limtest -c MODE ...  (internal) be a child that does MODE and exits
 *
 * Output is TAP, as utest's.  Each test spawns limtest itself as a child
 * (-c MODE) with limits in spawn_opts (max_procs, max_pages, max_names)
 * and sometimes a sandbox.  A child answers through its exit status: 0
 * when every check held, else the number of the first check that failed
 * (printed as a "# ..." line too when it has the console).
 *
 * The bombs (fork_bomb, names_flood) hold their limit while the parent
 * checks that it can still do what they tried to take from it; they
 * report over a mailbox given at spawn and wait on a second one until
 * the parent closes its end.
 */
#include "ipc.h"
#include "tap.h"

#define SLEEPER_MS	100000		/* a copy that waits to be killed */
#define BOMB_PROCS	8
#define BOMB_NAMES	8

/* ---- The child side ---- */

/* Reports a failed check (when we have the console) and returns code. */
static int fail(int code, const char *what, long got)
{
	if (sys_sandbox(SB_ALL) & SB_CONSOLE)
		printf("# child pid %d: check %d: %s: got %ld (%s)\n", getpid(), code, what, got,
		       got < 0 ? errno_name((int)got) : "");
	return code;
}

/* A forked copy that sleeps until it is killed. */
static int fork_sleeper(void)
{
	int pid = fork();

	if (pid == 0) {
		sleep(SLEEPER_MS);
		exit(0);
	}
	return pid;
}

/* Kills and reaps the n children in pids. */
static void reap(const int *pids, int n)
{
	for (int i = 0; i < n; i++) {
		kill(pids[i]);
		wait(pids[i], NULL);
	}
}

static bool same_memstat(const struct memstat *a, const struct memstat *b)
{
	return a->free_frames == b->free_frames && a->nprocs == b->nprocs &&
	       a->nobjects == b->nobjects;
}

/* Started with max_procs 4: three copies fit, the fourth is -EQUOTA and
 * changes nothing; a killed copy counts until it is reaped. */
static int child_procs(void)
{
	char *argv[] = { "uhelper", "exit", "0", NULL };
	struct memstat m1, m2;
	int pids[3], r;

	for (int i = 0; i < 3; i++)
		if ((pids[i] = fork_sleeper()) < 0)
			return fail(1, "fork within the limit", pids[i]);
	memstat(&m1);
	if ((r = fork()) != -EQUOTA)
		return fail(2, "fork past max_procs", r);
	if ((r = spawn("uhelper", argv, NULL)) != -EQUOTA)
		return fail(3, "spawn past max_procs", r);
	memstat(&m2);
	if (!same_memstat(&m1, &m2))
		return fail(4, "memstat changed by failed fork/spawn", (long)(m2.nprocs - m1.nprocs));
	kill(pids[0]);
	if ((r = fork()) != -EQUOTA)	/* dead or dying, not yet reaped */
		return fail(5, "fork while a zombie holds its slot", r);
	wait(pids[0], NULL);
	if ((pids[0] = fork_sleeper()) < 0)
		return fail(6, "fork after reaping", pids[0]);
	reap(pids, 3);
	return 0;
}

/* Forks until fork fails, then kills its copies; returns how many it
 * made (at most 16), or 100 + n if the failure was not -EQUOTA. */
static int child_forkcount(void)
{
	int pids[16], n = 0, r = 0;

	while (n < 16 && (r = fork_sleeper()) > 0)
		pids[n++] = r;
	reap(pids, n);
	return r == -EQUOTA ? n : fail(100 + n, "fork stopped by", r);
}

/* Started with max_procs 3: a grandchild asking for more gets no more
 * (nested sets only narrow); one asking for less gets less; one asking
 * nothing shares our set. */
static int child_narrow(void)
{
	char *argv[] = { "limtest", "-c", "forkcount", NULL };
	struct spawn_opts wider = { .max_procs = 10 }, narrower = { .max_procs = 1 };
	struct wait_info wi;
	int pid;

	/* We and the grandchild take 2 of our 3: one copy more fits. */
	if ((pid = spawn("limtest", argv, &wider)) < 0 || wait(pid, &wi) != pid)
		return fail(1, "spawn wider", pid);
	if (wi.status != 1)
		return fail(2, "copies made by a grandchild asking max_procs 10", wi.status);
	if ((pid = spawn("limtest", argv, &narrower)) < 0 || wait(pid, &wi) != pid)
		return fail(3, "spawn narrower", pid);
	if (wi.status != 0)
		return fail(4, "copies made by a grandchild asking max_procs 1", wi.status);
	if ((pid = spawn("limtest", argv, NULL)) < 0 || wait(pid, &wi) != pid)
		return fail(5, "spawn without limits", pid);
	if (wi.status != 1)
		return fail(6, "copies made by a grandchild sharing our set", wi.status);
	return 0;
}

/* Grows the heap a page at a time until sbrk fails; returns the pages
 * grown, or -1 if it did not fail with -EQUOTA within 64 MiB. */
static long grow_to_limit(void)
{
	long pages = 0, err;

	while (pages < 16384 && !(err = ptr_error(sbrk(4096))))
		pages++;
	return pages < 16384 && err == -EQUOTA ? pages : -1;
}

/* Started with max_pages: sbrk, fork, spawn, exec and shm_create all
 * stop at the limit with -EQUOTA, and each failure changes nothing;
 * shared memory we create counts against the same budget. */
static int child_pages(void)
{
	char *argv[] = { "uhelper", "exit", "9", NULL };
	struct spawn_opts wider = { .max_pages = 100000 };
	struct memstat m1, m2;
	void *brk;
	long r;
	int shm;

	if (grow_to_limit() < 0)
		return fail(1, "sbrk did not stop with EQUOTA", 0);
	brk = sbrk(0);
	memstat(&m1);
	if ((r = ptr_error(sbrk(1 << 20))) != -EQUOTA)
		return fail(2, "sbrk 1 MiB past the limit", r);
	if ((r = fork()) != -EQUOTA)
		return fail(3, "fork past max_pages", r);
	if ((r = spawn("uhelper", argv, NULL)) != -EQUOTA)
		return fail(4, "spawn into our full set", r);
	if ((r = spawn("uhelper", argv, &wider)) != -EQUOTA)
		return fail(5, "spawn asking more pages than we have", r);
	if ((r = exec("uhelper", argv)) != -EQUOTA)
		return fail(6, "exec past max_pages", r);
	if ((r = shm_create(4096, NULL)) != -EQUOTA)
		return fail(7, "shm_create past max_pages", r);
	memstat(&m2);
	if (!same_memstat(&m1, &m2) || sbrk(0) != brk)
		return fail(8, "failed calls changed memory (frames)", (long)(m1.free_frames - m2.free_frames));
	if ((r = ptr_error(sbrk(-16 * 4096))))
		return fail(9, "sbrk shrink", r);
	if ((shm = shm_create(4096, NULL)) < 0)
		return fail(10, "shm_create after shrinking", shm);
	if ((r = ptr_error(sbrk(16 * 4096))) != -EQUOTA)
		return fail(11, "sbrk when the shm object took a page", r);
	if ((r = ptr_error(sbrk(15 * 4096))))
		return fail(12, "sbrk of what is left", r);
	close(shm);	/* the object dies and gives its page back */
	if ((r = ptr_error(sbrk(4096))))
		return fail(13, "sbrk after closing the shm object", r);
	return 0;
}

/* Started with max_pages: a forked copy shares the budget, and gives its
 * pages back when it is reaped. */
static int child_pages_fork(void)
{
	int mb = mbox_create(1, NULL), pid;
	char c;
	long r;

	if (mb < 0)
		return fail(1, "mbox_create", mb);
	if ((pid = fork()) == 0) {
		grow_to_limit();
		mbox_send(mb, "f", 1, TIMEOUT_NEVER, NO_HANDLE, 0);
		sleep(SLEEPER_MS);
		exit(0);
	}
	if (pid < 0)
		return fail(2, "fork", pid);
	if ((r = mbox_recv(mb, &c, 1, 10000, NULL)) != 1)
		return fail(3, "the copy's report", r);
	if ((r = ptr_error(sbrk(4096))) != -EQUOTA)
		return fail(4, "sbrk while the copy holds the budget", r);
	reap(&pid, 1);
	if ((r = ptr_error(sbrk(4096))))
		return fail(5, "sbrk after the copy is reaped", r);
	return 0;
}

static void name_of(char *buf, int i)
{
	snprintf(buf, IPC_NAME_MAX, "limtest-%d-%d", getpid(), i);
}

/* Started with max_names 4: a fifth name is -EQUOTA and creates nothing;
 * unlinking a name or ending its object frees its charge; a forked copy
 * shares the budget; unnamed objects are not counted; a grandchild asking
 * for more names gets none of ours. */
static int child_names(void)
{
	char *refused[] = { "limtest", "-c", "name-refused", NULL };
	struct spawn_opts wider = { .max_names = 100 };
	char n[8][IPC_NAME_MAX];
	struct memstat m1, m2;
	int h[4], r, pid;
	struct wait_info wi = { 0 };

	for (int i = 0; i < 8; i++)
		name_of(n[i], i);
	h[0] = mbox_create(1, n[0]);
	h[1] = shm_create(4096, n[1]);
	h[2] = mbox_create(1, n[2]);
	h[3] = mbox_create(1, n[3]);
	for (int i = 0; i < 4; i++)
		if (h[i] < 0)
			return fail(1, "a name within the limit", h[i]);
	memstat(&m1);
	if ((r = mbox_create(1, n[4])) != -EQUOTA)
		return fail(2, "mbox_create past max_names", r);
	if ((r = shm_create(4096, n[4])) != -EQUOTA)
		return fail(3, "shm_create past max_names", r);
	memstat(&m2);
	if (!same_memstat(&m1, &m2) || mbox_open(n[4], RIGHT_SEND) != -ENOENT)
		return fail(4, "a refused name left something", (long)(m2.nobjects - m1.nobjects));
	if ((r = shm_unlink(n[1])) != 0)
		return fail(5, "shm_unlink", r);
	if ((r = mbox_create(1, n[4])) < 0)
		return fail(6, "a name after unlinking one", r);
	close(h[0]);		/* its object dies, and its name with it */
	if ((h[0] = mbox_create(1, n[5])) < 0)
		return fail(7, "a name after closing a named mailbox", h[0]);
	if ((pid = fork()) == 0)
		exit(mbox_create(1, n[6]) == -EQUOTA ? 0 : 1);
	if (pid < 0 || wait(pid, &wi) != pid || wi.status != 0)
		return fail(8, "a forked copy's name past the shared limit", wi.status);
	if ((r = mbox_create(1, NULL)) < 0)
		return fail(9, "an unnamed mailbox at the name limit", r);
	if ((pid = spawn("limtest", refused, &wider)) < 0 || wait(pid, &wi) != pid ||
	    wi.status != 0)
		return fail(10, "a grandchild asking max_names 100 in our full set", wi.status);
	return 0;
}

/* Registers one name; 0 if that is refused with -EQUOTA. */
static int child_name_refused(void)
{
	char name[IPC_NAME_MAX];

	name_of(name, 0);
	return mbox_create(1, name) == -EQUOTA ? 0 : 1;
}

/* Handles 0 (report, send) and 1 (release, receive): a fork bomb.  Every
 * copy forks until fork fails, reports the error, waits for the release
 * and reaps its own copies. */
static int child_bomb(void)
{
	char c;
	long r;

	while ((r = fork()) >= 0)
		;		/* parent and copy alike fork again */
	mbox_send(0, &r, sizeof(r), TIMEOUT_NEVER, NO_HANDLE, 0);
	mbox_recv(1, &c, 1, TIMEOUT_NEVER, NULL);	/* -EPIPE: released */
	while (wait(WAIT_ANY, NULL) > 0)
		;
	return 0;
}

/* Handles 0 and 1 as child_bomb: registers names until refused.  Each
 * named mailbox's handle is parked in a message to a holding mailbox, so
 * the process holds 3 handles however many names it has. */
static int child_name_flood(void)
{
	char name[IPC_NAME_MAX], c;
	int holder = mbox_create(MBOX_MAX_CAPACITY, NULL);
	long r = holder;

	for (int i = 0; holder >= 0; i++) {
		name_of(name, i);
		if ((r = mbox_create(1, name)) < 0)
			break;
		if ((r = mbox_send(holder, "", 0, TIMEOUT_POLL, (int)r, 0)) < 0)
			break;
	}
	mbox_send(0, &r, sizeof(r), TIMEOUT_NEVER, NO_HANDLE, 0);
	mbox_recv(1, &c, 1, TIMEOUT_NEVER, NULL);
	return 0;
}

/* In SB_BASIC alone: another pid answers as if it did not exist. */
static int child_basic_pids(void)
{
	long r;

	if ((r = getaffinity(getppid())) != -ESRCH)
		return fail(1, "getaffinity(parent)", r);
	if ((r = getaffinity(1)) != -ESRCH)
		return fail(2, "getaffinity(init)", r);
	if ((r = getaffinity(99999)) != -ESRCH)
		return fail(3, "getaffinity(no such pid)", r);
	if (getaffinity(0) <= 0 || getaffinity(getpid()) != getaffinity(0))
		return fail(4, "getaffinity(self)", getaffinity(getpid()));
	return 0;
}

/* In SB_BASIC | SB_PROC | SB_CONSOLE, no SB_SYSTEM: argv[3] is a sibling.
 * Parent, sibling and init are "no such process"; our own copy is ours. */
static int child_proc_pids(int sibling)
{
	int others[] = { getppid(), sibling, 1, 99999 };
	long r;
	int c;

	for (int i = 0; i < 4; i++) {
		if ((r = kill(others[i])) != -ESRCH)
			return fail(1 + 10 * i, "kill(another)", r);
		if ((r = setaffinity(others[i], ~0ull)) != -ESRCH)
			return fail(2 + 10 * i, "setaffinity(another)", r);
		if ((r = getaffinity(others[i])) != -ESRCH)
			return fail(3 + 10 * i, "getaffinity(another)", r);
		if ((r = setfg(others[i])) != -ESRCH)
			return fail(4 + 10 * i, "setfg(another)", r);
	}
	if ((c = fork_sleeper()) < 0)
		return fail(50, "fork", c);
	if ((r = getaffinity(c)) <= 0)
		return fail(51, "getaffinity(our child)", r);
	if ((r = setaffinity(c, (uint64_t)getaffinity(0))) != 0)
		return fail(52, "setaffinity(our child)", r);
	if ((r = setfg(c)) != 0 || (r = setfg(0)) != 0 || (r = setfg(getpid())) != 0)
		return fail(53, "setfg(our child, 0, ourselves)", r);
	if ((r = kill(c)) != 0)
		return fail(54, "kill(our child)", r);
	wait(c, NULL);
	return 0;
}

static int child(int argc, char **argv)
{
	const char *mode = argv[2];
	long x;

	if (strcmp(mode, "procs") == 0)
		return child_procs();
	if (strcmp(mode, "forkcount") == 0)
		return child_forkcount();
	if (strcmp(mode, "narrow") == 0)
		return child_narrow();
	if (strcmp(mode, "pages") == 0)
		return child_pages();
	if (strcmp(mode, "pages-fork") == 0)
		return child_pages_fork();
	if (strcmp(mode, "names") == 0)
		return child_names();
	if (strcmp(mode, "name-refused") == 0)
		return child_name_refused();
	if (strcmp(mode, "bomb") == 0)
		return child_bomb();
	if (strcmp(mode, "name-flood") == 0)
		return child_name_flood();
	if (strcmp(mode, "basic-pids") == 0)
		return child_basic_pids();
	if (strcmp(mode, "proc-pids") == 0 && argc == 4 && parse_long(argv[3], &x))
		return child_proc_pids((int)x);
	return 99;
}

/* ---- The parent side ---- */

/* Runs `limtest -c mode [arg]` with opts; 0 if it exited with status 0. */
static int run_mode(const char *mode, const char *arg, const struct spawn_opts *opts)
{
	char *argv[] = { "limtest", "-c", (char *)mode, (char *)arg, NULL };
	struct wait_info wi;
	char why[96];
	int pid = spawn("limtest", argv, opts);

	if (pid < 0) {
		printf("# spawn limtest -c %s: %s\n", mode, errno_name(pid));
		return pid;
	}
	if (wait(pid, &wi) != pid)
		return -ECHILD;
	if (wi.how != EXIT_NORMAL) {
		exit_reason(&wi, why, sizeof(why));
		printf("# limtest -c %s: %s\n", mode, why);
		return -1;
	}
	if (wi.status != 0)
		printf("# limtest -c %s: check %d failed\n", mode, wi.status);
	return wi.status;
}

static void test_procs_limit(void)
{
	struct spawn_opts opts = { .max_procs = 4 };

	CHECK_EQ(run_mode("procs", NULL, &opts), 0);
}

static void test_procs_narrow(void)
{
	struct spawn_opts opts = { .max_procs = 3 };

	CHECK_EQ(run_mode("narrow", NULL, &opts), 0);
}

static void test_pages_limit(void)
{
	struct spawn_opts opts = { .max_pages = 256 };

	CHECK_EQ(run_mode("pages", NULL, &opts), 0);
}

static void test_pages_shared_by_fork(void)
{
	struct spawn_opts opts = { .max_pages = 512 };

	CHECK_EQ(run_mode("pages-fork", NULL, &opts), 0);
}

static void test_names_limit(void)
{
	struct spawn_opts opts = { .max_names = 4 };

	CHECK_EQ(run_mode("names", NULL, &opts), 0);
}

/* A bomb child with a report and a release mailbox; returns its pid. */
static int start_bomb(const char *mode, struct spawn_opts *opts, int *report, int *release)
{
	char *argv[] = { "limtest", "-c", (char *)mode, NULL };
	int h = mbox_create(16, NULL), g = mbox_create(1, NULL), pid = -1;

	*report = h >= 0 ? dup(h, RIGHT_RECV) : -1;
	*release = g >= 0 ? dup(g, RIGHT_SEND) : -1;
	if (CHECK(*report >= 0 && *release >= 0)) {
		opts->handles[0] = dup(h, RIGHT_SEND);
		opts->handles[1] = dup(g, RIGHT_RECV);
		opts->nhandles = 2;
		pid = spawn("limtest", argv, opts);
		CHECK(pid > 0);
		close(opts->handles[0]);
		close(opts->handles[1]);
	}
	close(h);
	close(g);
	return pid;
}

/* Closes the release mailbox and reaps the bomb; true if it exited 0. */
static bool end_bomb(int pid, int report, int release)
{
	struct wait_info wi;

	close(release);
	close(report);
	return CHECK_EQ(wait(pid, &wi), pid) && CHECK_EQ(wi.how, EXIT_NORMAL) &&
	       CHECK_EQ(wi.status, 0);
}

/* A fork bomb in a set of BOMB_PROCS: every copy stops at -EQUOTA, no
 * more than BOMB_PROCS are alive, and we can still start processes. */
static void test_fork_bomb(void)
{
	char *argv[] = { "uhelper", "exit", "3", NULL };
	struct spawn_opts opts = { .sandbox = SB_BASIC | SB_PROC | SB_IPC, .max_procs = BOMB_PROCS };
	struct memstat before, during, after;
	struct wait_info wi;
	int report, release, pid, helper;
	long err;

	memstat(&before);
	if ((pid = start_bomb("bomb", &opts, &report, &release)) < 0)
		return;
	for (int i = 0; i < BOMB_PROCS; i++) {
		if (!CHECK_EQ(mbox_recv(report, &err, sizeof(err), 20000, NULL), sizeof(err)))
			break;
		CHECK_EQ(err, -EQUOTA);
	}
	memstat(&during);
	CHECK_EQ(during.nprocs, before.nprocs + BOMB_PROCS);
	CHECK_EQ(mbox_recv(report, &err, sizeof(err), TIMEOUT_POLL, NULL), -EAGAIN);
	helper = spawn("uhelper", argv, NULL);	/* the machine still has room */
	if (CHECK(helper > 0) && CHECK_EQ(wait(helper, &wi), helper))
		CHECK_EQ(wi.status, 3);
	end_bomb(pid, report, release);
	memstat(&after);
	CHECK_EQ(after.nprocs, before.nprocs);
	CHECK_EQ(after.nobjects, before.nobjects);
}

/* A name flood in a set of BOMB_NAMES: stopped at -EQUOTA, and others
 * can still register names. */
static void test_names_flood(void)
{
	struct spawn_opts opts = { .max_names = BOMB_NAMES };
	struct memstat before, after;
	int report, release, pid, h;
	long err;

	memstat(&before);
	if ((pid = start_bomb("name-flood", &opts, &report, &release)) < 0)
		return;
	if (CHECK_EQ(mbox_recv(report, &err, sizeof(err), 20000, NULL), sizeof(err)))
		CHECK_EQ(err, -EQUOTA);
	h = mbox_create(1, "limtest-parent");
	CHECK(h >= 0);
	if (h >= 0)
		close(h);
	end_bomb(pid, report, release);
	memstat(&after);
	CHECK_EQ(after.nobjects, before.nobjects);
}

/* setfg: only ourselves, our descendants, or 0 -- even with SB_SYSTEM. */
static void test_setfg_family(void)
{
	char *argv[] = { "uhelper", "sleep", "100000", NULL };
	int child = spawn("uhelper", argv, NULL);

	CHECK_EQ(setfg(1), -ESRCH);
	CHECK_EQ(setfg(99999), -ESRCH);
	CHECK_EQ(setfg(getppid()), -ESRCH);
	if (CHECK(child > 0))
		CHECK_EQ(setfg(child), 0);
	CHECK_EQ(setfg(0), 0);
	CHECK_EQ(setfg(getpid()), 0);	/* Ctrl-C ends this run again */
	if (child > 0) {
		kill(child);
		wait(child, NULL);
	}
}

/* Calls about other pids: without SB_SYSTEM only oneself and one's
 * descendants, everyone else -ESRCH; with SB_SYSTEM anyone. */
static void test_pid_policy(void)
{
	char *argv[] = { "uhelper", "sleep", "100000", NULL };
	struct spawn_opts basic = { .sandbox = SB_BASIC };
	struct spawn_opts proc = { .sandbox = SB_BASIC | SB_PROC | SB_CONSOLE };
	struct wait_info wi;
	char sib[16];
	int sibling = spawn("uhelper", argv, NULL);

	CHECK_EQ(run_mode("basic-pids", NULL, &basic), 0);
	if (CHECK(sibling > 0)) {
		snprintf(sib, sizeof(sib), "%d", sibling);
		CHECK_EQ(run_mode("proc-pids", sib, &proc), 0);
		/* The sibling was not touched; we (SB_SYSTEM) may name it. */
		CHECK(getaffinity(sibling) > 0);
		CHECK_EQ(kill(sibling), 0);
		CHECK_EQ(wait(sibling, &wi), sibling);
		CHECK_EQ(wi.how, EXIT_KILLED);
	}
	CHECK(getaffinity(1) > 0);
	CHECK_EQ(kill(1), -EPERM);
	CHECK_EQ(getaffinity(99999), -ESRCH);
}

static const struct tap_test tests[] = {
	{ "procs_limit", test_procs_limit },
	{ "procs_narrow", test_procs_narrow },
	{ "pages_limit", test_pages_limit },
	{ "pages_shared_by_fork", test_pages_shared_by_fork },
	{ "names_limit", test_names_limit },
	{ "fork_bomb", test_fork_bomb },
	{ "names_flood", test_names_flood },
	{ "setfg_family", test_setfg_family },
	{ "pid_policy", test_pid_policy },
};

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "-c") == 0)
		return child(argc, argv);
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
