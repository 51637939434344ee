/*
 * injtest: every IPC and process system call, run out of kernel memory
 * at each of its allocations in turn (docs/reliability.md).
 *
 * For each call, a sweep makes the 1st allocation the call makes fail,
 * then the 2nd, the 3rd, ... (failinject FI_NTH, scoped to this process
 * so the rest of the system allocates normally), until the call succeeds
 * with no failure injected: by then every allocation it makes has been
 * refused once.  Each failed attempt must return -ENOMEM, leave behind
 * nothing a caller can see (open handles, queued messages, the heap's
 * end, named objects) and, once its objects are closed, put free frames,
 * kernel heap bytes, kernel objects and processes back exactly where
 * they were.  The sweep takes that baseline after two attempts without
 * injection: kmalloc keeps the frames it has carved into blocks, so only
 * a warmed-up kernel must give every frame back.
 *
 * Calls that only a fresh process can make for the first time (exec,
 * proc_events) run their attempts in a forked child, which arms the
 * injection on itself and reports through its exit status.
 *
 * The last test, random_ipctest, runs a few ipctest tests with 1 in 50
 * allocations failing at random across ipctest and its children.  Those
 * tests may fail; what is checked is that ipctest ends on its own (no
 * hang), the kernel stays up, memory comes back to the level of a run
 * without injection, and the same tests pass again afterwards.
 */
#include "ipc.h"
#include "tap.h"

#define MAX_N		600	/* more allocations than any call here makes */
#define SMALL		16
#define SHM_BYTES	(3 * 4096)
#define HEAP_GROW	(5 * 4096)
#define RANDOM_ONE_IN	100
#define DEADLINE_MS	20000	/* then ipctest under random injection is killed */
#define NRANDOM		3	/* random runs that get past exec */
#define MAX_SEEDS	20
#define EXEC_FAILED	126

/* What one attempt works on; zeroed before each. */
struct fix {
	int h, h2;		/* handles the setup made */
	bool h2_ours;		/* h2 is still in our table */
	int child;		/* a helper child, or 0 */
	long r;			/* the call's result */
	long injected;		/* failures injected during the call */
	void *brk0;		/* sbrk(0) before the call */
	void *map;		/* a shared mapping the setup made */
	int expect_status;	/* what the helper child must exit with */
};

/* One system call path under test.  call() makes the call (n: the
 * allocation to fail, 0 for none) and returns its result; only calls
 * with self_arms arm the injection themselves (in a child). */
struct op {
	const char *name;
	void (*setup)(struct fix *f);
	long (*call)(struct fix *f, int n);
	void (*unchanged)(struct fix *f);	/* after a failed call: checks */
	void (*undo)(struct fix *f);		/* after a successful one */
	void (*teardown)(struct fix *f);
	bool self_arms;
};

static const char msg[MSG_MAX] = "a message";

/* ---- Injection and accounting ---- */

static long arm(uint32_t mode, uint64_t n, uint64_t seed, int pid, uint32_t flags)
{
	struct failinject_set fs = {
		.mode = mode, .n = n, .seed = seed, .pid = pid, .flags = flags,
	};

	return failinject(&fs);
}

/* Turns injection off; returns how many failures it made. */
static long disarm(void)
{
	return arm(FI_OFF, 0, 0, 0, 0);
}

static long arm_nth(int n)
{
	return arm(FI_NTH, (uint64_t)n, 0, getpid(), FI_FRAMES | FI_KMALLOC);
}

static int count_handles(void)
{
	struct handle_info hi;
	int n = 0;

	for (int h = 0; h < QUOTA_HANDLES; h++)
		if (handle_info(h, &hi) == 0)
			n++;
	return n;
}

static long queued(int h)
{
	struct handle_info hi;
	int err = handle_info(h, &hi);

	return err < 0 ? err : (long)hi.queued;
}

static bool same(const struct memstat *a, const struct memstat *b)
{
	return a->free_frames == b->free_frames && a->kmalloc_bytes == b->kmalloc_bytes &&
	       a->nobjects == b->nobjects && a->nprocs == b->nprocs;
}

/* memstat once it equals want, or after ~2 s of trying (exiting
 * children give their memory back a moment after wait() returns). */
static void settled(const struct memstat *want, struct memstat *got)
{
	for (int tries = 0; tries < 80; tries++) {
		memstat(got);
		if (same(got, want))
			return;
		sleep(25);
	}
}

static void check_memstat(const struct memstat *base, const char *name, int n)
{
	struct memstat now;

	settled(base, &now);
	if (same(&now, base))
		return;
	tap_say("# %s, allocation %d failed: memory not given back\n", name, n);
	CHECK_EQ(now.free_frames, base->free_frames);
	CHECK_EQ(now.kmalloc_bytes, base->kmalloc_bytes);
	CHECK_EQ(now.nobjects, base->nobjects);
	CHECK_EQ(now.nprocs, base->nprocs);
}

static int wait_status(int pid)
{
	struct wait_info wi;

	if (wait(pid, &wi) < 0)
		return -1;
	return wi.how == EXIT_NORMAL ? wi.status : 1000 + wi.how;
}

/* ---- The sweep ---- */

/* One attempt with allocation n failing (0: none).  Returns whether the
 * call succeeded; *injected says how many failures it met. */
static bool attempt(const struct op *op, int n, long *injected)
{
	struct fix f = { .h = -1, .h2 = -1 };
	int handles;

	if (op->setup)
		op->setup(&f);
	handles = count_handles();
	if (!op->self_arms && n)
		arm_nth(n);
	f.r = op->call(&f, n);
	if (!op->self_arms)
		f.injected = n ? disarm() : 0;
	*injected = f.injected;
	if (f.r < 0) {
		if (!CHECK_EQ(f.r, -ENOMEM) || !CHECK(f.injected > 0))
			tap_say("# %s, allocation %d failed: wrong error\n", op->name, n);
		if (!CHECK_EQ(count_handles(), handles))
			tap_say("# %s, allocation %d failed: handles changed\n", op->name, n);
		if (op->unchanged)
			op->unchanged(&f);
	} else if (op->undo) {
		op->undo(&f);
	}
	if (op->teardown)
		op->teardown(&f);
	return f.r >= 0;
}

static void sweep(const struct op *op)
{
	struct memstat base;
	long injected;
	int n, absorbed = 0;

	for (int i = 0; i < 2; i++)
		if (!CHECK(attempt(op, 0, &injected)))
			return;
	memstat(&base);
	for (n = 1; n <= MAX_N && tap_failed == 0; n++) {
		bool ok = attempt(op, n, &injected);

		check_memstat(&base, op->name, n);
		if (ok && injected == 0)
			break;
		absorbed += ok;
	}
	CHECK(n <= MAX_N);
	tap_say("# %s: %d allocations, each refused once (%d refusals absorbed)\n", op->name,
		n - 1, absorbed);
}

/* ---- Mailboxes ---- */

static void make_box(struct fix *f)
{
	f->h = mbox_create(8, 0);
}

static void close_box(struct fix *f)
{
	close(f->h);
}

static long call_mbox_create(struct fix *f, int n)
{
	(void)f, (void)n;
	return mbox_create(8, 0);
}

static long call_mbox_create_named(struct fix *f, int n)
{
	(void)f, (void)n;
	return mbox_create(8, "injbox");
}

static void close_result(struct fix *f)
{
	close((int)f->r);
}

static void no_injbox(struct fix *f)
{
	int h = mbox_open("injbox", RIGHT_SEND);

	(void)f;
	if (!CHECK_EQ(h, -ENOENT) && h >= 0)
		close(h);
}

static long call_mbox_open(struct fix *f, int n)
{
	(void)f, (void)n;
	return mbox_open("injopen", RIGHT_SEND);
}

static void make_named_box(struct fix *f)
{
	f->h = mbox_create(8, "injopen");
}

static void nothing_queued(struct fix *f)
{
	CHECK_EQ(queued(f->h), 0);
}

static void receive_one(struct fix *f)
{
	static char buf[MSG_MAX];
	struct msg_info info;

	if (!CHECK(mbox_recv(f->h, buf, sizeof(buf), TIMEOUT_POLL, &info) >= 0))
		return;
	if (info.handle != NO_HANDLE)
		close(info.handle);
}

static long call_send_small(struct fix *f, int n)
{
	(void)n;
	return mbox_send(f->h, msg, SMALL, TIMEOUT_POLL, NO_HANDLE, 0);
}

static long call_send_page(struct fix *f, int n)
{
	(void)n;
	return mbox_send(f->h, msg, MSG_MAX, TIMEOUT_POLL, NO_HANDLE, 0);
}

static void make_two_boxes(struct fix *f)
{
	f->h = mbox_create(8, 0);
	f->h2 = mbox_create(1, 0);
	f->h2_ours = true;
}

static long call_send_handle(struct fix *f, int n)
{
	long r;

	(void)n;
	r = mbox_send(f->h, msg, SMALL, TIMEOUT_POLL, f->h2, 0);
	if (r == 0)
		f->h2_ours = false;	/* it travels with the message */
	return r;
}

static long call_send_keep(struct fix *f, int n)
{
	(void)n;
	return mbox_send(f->h, msg, SMALL, TIMEOUT_POLL, f->h2, SEND_KEEP_HANDLE);
}

static void handle_stays(struct fix *f)
{
	struct handle_info hi;

	CHECK_EQ(queued(f->h), 0);
	CHECK_EQ(handle_info(f->h2, &hi), 0);
}

static void close_two(struct fix *f)
{
	close(f->h);
	if (f->h2_ours)
		close(f->h2);
}

/* A box with one message carrying a handle. */
static void make_box_with_handle(struct fix *f)
{
	make_two_boxes(f);
	if (CHECK_EQ(mbox_send(f->h, msg, SMALL, TIMEOUT_POLL, f->h2, 0), 0))
		f->h2_ours = false;
}

static long call_recv_handle(struct fix *f, int n)
{
	char buf[SMALL];
	struct msg_info info;
	long r;

	(void)n;
	r = mbox_recv(f->h, buf, sizeof(buf), TIMEOUT_POLL, &info);
	if (r >= 0) {
		f->h2 = info.handle;
		f->h2_ours = true;
	}
	return r;
}

static void message_stays(struct fix *f)
{
	CHECK_EQ(queued(f->h), 1);
}

static void drain_and_close(struct fix *f)
{
	char buf[SMALL];
	struct msg_info info;

	while (mbox_recv(f->h, buf, sizeof(buf), TIMEOUT_POLL, &info) >= 0)
		if (info.handle != NO_HANDLE)
			close(info.handle);
	close_two(f);
}

/* msg_send to a child that has no default mailbox yet: the send makes
 * it.  The child waits on a gate box, then counts what it received. */
static void make_inbox_child(struct fix *f)
{
	char *argv[] = { "injtest", "--count-inbox", 0 };
	struct spawn_opts o = { .nhandles = 1 };

	f->h = mbox_create(1, 0);
	o.handles[0] = f->h;
	f->child = spawn("injtest", argv, &o);
	CHECK(f->child > 0);
}

static long call_msg_send(struct fix *f, int n)
{
	long r;

	(void)n;
	r = msg_send(f->child, msg, SMALL, TIMEOUT_POLL);
	f->expect_status = r == 0;
	return r;
}

static void release_inbox_child(struct fix *f)
{
	mbox_send(f->h, msg, 1, TIMEOUT_NEVER, NO_HANDLE, 0);
	if (!CHECK_EQ(wait_status(f->child), f->expect_status))
		tap_say("# the child received a message that was never sent, or lost one\n");
	close(f->h);
}

/* ---- Shared memory, handles, heap ---- */

static long call_shm_create(struct fix *f, int n)
{
	(void)f, (void)n;
	return shm_create(SHM_BYTES, 0);
}

static long call_shm_create_named(struct fix *f, int n)
{
	(void)f, (void)n;
	return shm_create(SHM_BYTES, "injshm");
}

static void no_injshm(struct fix *f)
{
	int h = shm_open("injshm", RIGHT_MAP_READ);

	(void)f;
	if (!CHECK_EQ(h, -ENOENT) && h >= 0)
		close(h);
}

/* The name goes with the last handle. */
static void close_injshm(struct fix *f)
{
	close((int)f->r);
	no_injshm(f);
}

static void make_shm(struct fix *f)
{
	f->h = shm_create(SHM_BYTES, 0);
}

static long call_shm_map(struct fix *f, int n)
{
	void *p;

	(void)n;
	p = shm_map(f->h, PROT_READ | PROT_WRITE);
	return ptr_error(p) ? ptr_error(p) : (long)p;
}

static void unmap_result(struct fix *f)
{
	CHECK_EQ(shm_unmap((void *)f->r), 0);
}

static long call_dup(struct fix *f, int n)
{
	(void)n;
	return dup(f->h, RIGHT_SEND);
}

static void note_brk(struct fix *f)
{
	f->brk0 = sbrk(0);
}

static long call_sbrk(struct fix *f, int n)
{
	void *p;

	(void)f, (void)n;
	p = sbrk(HEAP_GROW);
	return ptr_error(p) ? ptr_error(p) : (long)p;
}

static void brk_stays(struct fix *f)
{
	CHECK(sbrk(0) == f->brk0);
}

static void shrink_back(struct fix *f)
{
	CHECK(ptr_error(sbrk(-HEAP_GROW)) == 0);
	CHECK(sbrk(0) == f->brk0);
}

/* ---- Processes ---- */

static long call_spawn(struct fix *f, int n)
{
	char *argv[] = { "injtest", "--exit0", 0 };

	(void)f, (void)n;
	return spawn("injtest", argv, 0);
}

static long call_spawn_handles(struct fix *f, int n)
{
	char *argv[] = { "injtest", "--exit0", 0 };
	struct spawn_opts o = { .nhandles = 2, .handles = { f->h, f->h2 } };

	(void)n;
	return spawn("injtest", argv, &o);
}

static void reap_result(struct fix *f)
{
	CHECK_EQ(wait_status((int)f->r), 0);
}

static void no_child(struct fix *f)
{
	struct wait_info wi;

	(void)f;
	CHECK_EQ(wait(WAIT_ANY, &wi), -ECHILD);
}

static long call_fork(struct fix *f, int n)
{
	int pid = fork();

	(void)f, (void)n;
	if (pid == 0)
		exit(0);
	return pid;
}

/* fork copies handles and shared mappings too. */
static void make_shm_and_box(struct fix *f)
{
	f->h = shm_create(SHM_BYTES, 0);
	f->h2 = mbox_create(4, 0);
	f->h2_ours = true;
	f->map = shm_map(f->h, PROT_READ | PROT_WRITE);
	CHECK(ptr_error(f->map) == 0);
}

static void unmap_and_close(struct fix *f)
{
	CHECK_EQ(shm_unmap(f->map), 0);
	close_two(f);
}

/* Child exit codes of the self-arming attempts. */
enum { TRY_OK, TRY_OK_INJECTED, TRY_ENOMEM, TRY_WRONG };

/* Runs try(n) in a forked child that arms the injection on itself. */
static long in_child(struct fix *f, int n, int (*try)(int n))
{
	int pid = fork(), st;

	if (pid == 0)
		exit(try(n));
	st = wait_status(pid);
	f->injected = st == TRY_OK_INJECTED || st == TRY_ENOMEM;
	if (st == TRY_OK || st == TRY_OK_INJECTED)
		return 0;
	if (st == TRY_ENOMEM)
		return -ENOMEM;
	CHECK_EQ(st, TRY_OK);
	return -EINVAL;
}

static int try_proc_events(int n)
{
	int h, again;
	long injected;

	if (n)
		arm_nth(n);
	h = proc_events();
	injected = n ? disarm() : 0;
	if (h >= 0)
		return injected ? TRY_OK_INJECTED : TRY_OK;
	if (h != -ENOMEM || !injected || count_handles() != 0)
		return TRY_WRONG;
	again = proc_events();	/* the kernel's state must still be sound */
	return again >= 0 ? TRY_ENOMEM : TRY_WRONG;
}

static long call_proc_events(struct fix *f, int n)
{
	return in_child(f, n, try_proc_events);
}

/* The exec'd image reports whether the injection fired during exec. */
static int try_exec(int n)
{
	char *argv[] = { "injtest", "--report-injected", 0 };
	int err;

	if (n)
		arm_nth(n);
	err = exec("injtest", argv);
	if (n)
		disarm();
	return err == -ENOMEM && n ? TRY_ENOMEM : TRY_WRONG;
}

static long call_exec(struct fix *f, int n)
{
	return in_child(f, n, try_exec);
}

/* A fresh process has no page tables in the shared-memory area yet: the
 * first shm_map makes them, and a refusal may come halfway through. */
static int try_shm_map_fresh(int n)
{
	int h = shm_create(SHM_BYTES, 0);
	void *p;
	long injected;

	if (h < 0)
		return TRY_WRONG;
	if (n)
		arm_nth(n);
	p = shm_map(h, PROT_READ | PROT_WRITE);
	injected = n ? disarm() : 0;
	if (ptr_error(p) == 0) {
		((volatile char *)p)[SHM_BYTES - 1] = 1;	/* really mapped, to the end */
		return injected ? TRY_OK_INJECTED : TRY_OK;
	}
	if (ptr_error(p) != -ENOMEM || !injected)
		return TRY_WRONG;
	p = shm_map(h, PROT_READ | PROT_WRITE);	/* nothing half-mapped in the way */
	if (ptr_error(p))
		return TRY_WRONG;
	((volatile char *)p)[0] = 1;
	return TRY_ENOMEM;
}

static long call_shm_map_fresh(struct fix *f, int n)
{
	return in_child(f, n, try_shm_map_fresh);
}

/* ---- The table ---- */

static const struct op ops[] = {
	{ "mbox_create", 0, call_mbox_create, 0, close_result, 0, false },
	{ "mbox_create_named", 0, call_mbox_create_named, no_injbox, close_result, 0, false },
	{ "mbox_open", make_named_box, call_mbox_open, 0, close_result, close_box, false },
	{ "mbox_send", make_box, call_send_small, nothing_queued, receive_one, close_box, false },
	{ "mbox_send_page", make_box, call_send_page, nothing_queued, receive_one, close_box, false },
	{ "mbox_send_handle", make_two_boxes, call_send_handle, handle_stays, receive_one, close_two,
	  false },
	{ "mbox_send_keep", make_two_boxes, call_send_keep, handle_stays, receive_one, close_two,
	  false },
	{ "mbox_recv_handle", make_box_with_handle, call_recv_handle, message_stays, 0,
	  drain_and_close, false },
	{ "msg_send_new_inbox", make_inbox_child, call_msg_send, 0, 0, release_inbox_child, false },
	{ "shm_create", 0, call_shm_create, 0, close_result, 0, false },
	{ "shm_create_named", 0, call_shm_create_named, no_injshm, close_injshm, 0, false },
	{ "shm_map", make_shm, call_shm_map, 0, unmap_result, close_box, false },
	{ "dup", make_box, call_dup, 0, close_result, close_box, false },
	{ "sbrk", note_brk, call_sbrk, brk_stays, shrink_back, 0, false },
	{ "spawn", 0, call_spawn, no_child, reap_result, 0, false },
	{ "spawn_handles", make_two_boxes, call_spawn_handles, no_child, reap_result, close_two,
	  false },
	{ "fork", 0, call_fork, no_child, reap_result, 0, false },
	{ "fork_shm_handles", make_shm_and_box, call_fork, no_child, reap_result, unmap_and_close,
	  false },
	{ "exec", 0, call_exec, 0, 0, 0, true },
	{ "proc_events", 0, call_proc_events, 0, 0, 0, true },
	{ "shm_map_fresh", 0, call_shm_map_fresh, 0, 0, 0, true },
};

#define NOPS ((int)(sizeof(ops) / sizeof(ops[0])))

static struct tap_test tests[NOPS + 3];
static const struct op *current_op;

static void test_sweep(void)
{
	sweep(current_op);
}

/* hooks.run: like tap_run_tests, telling test_sweep which op is next. */
static int run_selected(const struct tap_test **selected, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		long k = selected[i] - tests;

		current_op = k < NOPS ? &ops[k] : 0;
		tap_failed = 0;
		selected[i]->fn();
		if (tap_reap_leftovers() > 0)
			tap_failed++;
		if (!tap_result(i + 1, selected[i]->name))
			failed++;
	}
	return failed;
}

/* ---- The injection itself ---- */

/* n sends of a small message (2 kmallocs each); returns how many failed. */
static int sends_failing(int h, int n)
{
	char buf[SMALL];
	int failed = 0;

	for (int i = 0; i < n; i++) {
		if (mbox_send(h, msg, SMALL, TIMEOUT_POLL, NO_HANDLE, 0) < 0)
			failed++;
		else
			mbox_recv(h, buf, sizeof(buf), TIMEOUT_POLL, 0);
	}
	return failed;
}

/* Forks a child that makes 10 sends to h once released, with every
 * kmalloc of ours (FI_CHILDREN in flags: and our children's) refused;
 * returns how many of its sends failed.  The child is released by the
 * last send right of its gate going (-EPIPE), which allocates nothing. */
static int child_in_scope(uint32_t flags, int h)
{
	int gate = mbox_create(1, 0), gs = dup(gate, RIGHT_SEND), gr = dup(gate, RIGHT_RECV);
	int pid, st;
	char c;

	close(gate);
	if ((pid = fork()) == 0) {
		close(gs);
		mbox_recv(gr, &c, 1, 60000, 0);
		exit(sends_failing(h, 10));
	}
	close(gr);
	arm(FI_EVERY, 1, 0, getpid(), FI_KMALLOC | flags);
	close(gs);
	st = wait_status(pid);
	disarm();
	return st;
}

/* Modes, scope and argument checks of failinject() itself. */
static void test_failinject_modes(void)
{
	int h = mbox_create(2, 0), me = getpid(), fails[2];

	CHECK_EQ(arm(7, 1, 0, me, FI_KMALLOC), -EINVAL);
	CHECK_EQ(arm(FI_EVERY, 0, 0, me, FI_KMALLOC), -EINVAL);
	CHECK_EQ(arm(FI_NTH, 1, 0, me, 0x80), -EINVAL);
	CHECK_EQ(arm(FI_NTH, 1, 0, -1, FI_KMALLOC), -EINVAL);
	CHECK_EQ(syscall6(SYS_failinject, 0, 0, 0, 0, 0, 0), -EFAULT);
	/* Every 2nd kmalloc: each send's second allocation fails. */
	arm(FI_EVERY, 2, 0, me, FI_KMALLOC);
	CHECK_EQ(sends_failing(h, 10), 10);
	CHECK_EQ(disarm(), 10);
	/* Frames only: small sends do not take frames of their own. */
	arm(FI_EVERY, 1, 0, me, FI_FRAMES);
	CHECK_EQ(sends_failing(h, 10), 0);
	CHECK_EQ(disarm(), 0);
	/* The same seed makes the same choices. */
	for (int i = 0; i < 2; i++) {
		arm(FI_RANDOM, 3, 42, me, FI_KMALLOC);
		fails[i] = sends_failing(h, 30);
		disarm();
	}
	CHECK_EQ(fails[0], fails[1]);
	CHECK(fails[0] > 0 && fails[0] < 30);
	/* Another process is out of scope (init allocates nothing here). */
	arm(FI_EVERY, 1, 0, 1, FI_FRAMES | FI_KMALLOC);
	CHECK_EQ(sends_failing(h, 10), 0);
	CHECK_EQ(disarm(), 0);
	/* A child is in scope only with FI_CHILDREN. */
	CHECK_EQ(child_in_scope(0, h), 0);
	CHECK_EQ(child_in_scope(FI_CHILDREN, h), 10);
	close(h);
}

/* ---- Random failures under ipctest ---- */

static char *ipc_argv[] = { "ipctest", "-q", "handles", "shm_basic", "mbox_basic",
			    "handle_passing", "spawn_handles", "proc_events", 0 };

/* Forks a child that arms 1-in-k failures on itself and its descendants
 * (k 0: none) and becomes ipctest; returns its exit status, or -1 if it
 * had not ended after DEADLINE_MS (then it and its helpers are killed:
 * ipctest waits up to a minute for a helper that may have failed to
 * start, so a slow end is no kernel fault, but an unkillable process or
 * memory that does not come back afterwards would be). */
static int run_ipctest(int ev, uint64_t k, uint64_t seed)
{
	struct wait_info wi;
	struct msg_info info;
	int pid = fork(), st;

	if (pid == 0) {
		close(ev);	/* ipctest fails a test over any handle it did not open */
		if (k)
			arm(FI_RANDOM, k, seed, getpid(), FI_FRAMES | FI_KMALLOC | FI_CHILDREN);
		exec("ipctest", ipc_argv);
		exit(EXEC_FAILED);
	}
	st = mbox_recv(ev, &wi, sizeof(wi), DEADLINE_MS, &info) < 0 ? -1 : 0;
	if (st < 0)
		kill(pid);
	st = st < 0 ? (wait(pid, &wi), -1) : wait_status(pid);
	while (mbox_recv(ev, &wi, sizeof(wi), TIMEOUT_POLL, &info) >= 0)
		;	/* the killed child's event */
	return st;
}

/* Kills processes ipctest left behind (its orphans belong to init now). */
static void kill_orphans(void)
{
	static struct proc_info ps_buf[128];
	int n = ps(ps_buf, 128);

	for (int i = 0; i < n && i < 128; i++)
		if (strcmp(ps_buf[i].name, "ipctest") == 0)
			kill(ps_buf[i].pid);
}

static void check_back(const struct memstat *base, uint64_t seed)
{
	struct memstat now;

	settled(base, &now);
	if (!same(&now, base))
		tap_say("# seed %lu: memory not given back\n", seed);
	CHECK_EQ(now.free_frames, base->free_frames);
	CHECK_EQ(now.kmalloc_bytes, base->kmalloc_bytes);
	CHECK_EQ(now.nobjects, base->nobjects);
	CHECK_EQ(now.nprocs, base->nprocs);
}

/* Seeds until NRANDOM runs got past exec (a failure in exec itself ends
 * a run at once: still checked, but not counted). */
static void test_random_ipctest(void)
{
	struct memstat base;
	int ev = proc_events(), runs = 0;

	if (!CHECK(ev >= 0))
		return;
	CHECK_EQ(run_ipctest(ev, 0, 0), 0);	/* warm-up, and the baseline */
	memstat(&base);
	for (uint64_t seed = 1; runs < NRANDOM && seed <= MAX_SEEDS; seed++) {
		int st = run_ipctest(ev, RANDOM_ONE_IN, seed);
		long injected = disarm();

		if (st == -1)
			tap_say("# seed %lu: not done after %d s: killed\n", seed, DEADLINE_MS / 1000);
		tap_say("# seed %lu: %ld allocations failed; ipctest exit status %d\n", seed,
			injected, st);
		CHECK(injected > 0);
		runs += st != EXEC_FAILED;
		kill_orphans();
		check_back(&base, seed);
	}
	CHECK_EQ(runs, NRANDOM);
	CHECK_EQ(run_ipctest(ev, 0, 0), 0);	/* and the kernel still works */
	close(ev);
}

/* ---- Main ---- */

/* A child's exit event needs no memory at exit: it was reserved when
 * the child was made (kernel/mbox.c), so with every allocation of the
 * exiting child refused the parent still hears of it. */
static void test_exit_event(void)
{
	struct wait_info wi;
	struct msg_info info;
	int e = proc_events(), pid = fork();

	if (pid == 0) {
		arm(FI_EVERY, 1, 0, getpid(), FI_KMALLOC | FI_FRAMES);
		exit(7);
	}
	CHECK_EQ(mbox_recv(e, &wi, sizeof(wi), 10000, &info), sizeof(wi));
	CHECK_EQ(info.sender, pid);
	CHECK_EQ(wi.status, 7);
	CHECK_EQ(wait(pid, &wi), pid);
	disarm();
	close(e);
}

/* Helper modes (as a spawned or exec'd child, or by hand:
 * `injtest --ipctest SEED` replays one random run with ipctest's output). */
static int helper(const char *mode, char **argv)
{
	if (strcmp(mode, "--ipctest") == 0 && argv[2]) {
		arm(FI_RANDOM, RANDOM_ONE_IN, (uint64_t)atoi(argv[2]), getpid(),
		    FI_FRAMES | FI_KMALLOC | FI_CHILDREN);
		ipc_argv[1] = "ipctest";	/* the same tests, without -q */
		exec("ipctest", ipc_argv + 1);
		return EXEC_FAILED;
	}
	if (strcmp(mode, "--exit0") == 0)
		return 0;
	if (strcmp(mode, "--report-injected") == 0)
		return disarm() > 0 ? TRY_OK_INJECTED : TRY_OK;
	if (strcmp(mode, "--count-inbox") == 0) {
		char buf[SMALL];
		int n = 0;

		mbox_recv(0, buf, sizeof(buf), TIMEOUT_NEVER, 0);
		while (msg_recv(buf, sizeof(buf), TIMEOUT_POLL, 0) >= 0)
			n++;
		return n;
	}
	return 255;
}

int main(int argc, char **argv)
{
	static const struct tap_hooks hooks = { .run = run_selected };

	if (argc >= 2 && argv[1][0] == '-' && argv[1][1] == '-')
		return helper(argv[1], argv);
	for (int i = 0; i < NOPS; i++)
		tests[i] = (struct tap_test){ ops[i].name, test_sweep };
	tests[NOPS] = (struct tap_test){ "failinject_modes", test_failinject_modes };
	tests[NOPS + 1] = (struct tap_test){ "exit_event", test_exit_event };
	tests[NOPS + 2] = (struct tap_test){ "random_ipctest", test_random_ipctest };
	return tap_main(argc, argv, tests, NOPS + 3, &hooks);
}
