/*
 * ipctest: the IPC test suite (handles, shared memory, mailboxes, direct
 * messages, process events, quotas), from the program's side.
 *
 *   ipctest              run every test
 *   ipctest NAME...      run only these
 *   ipctest -x NAME...   run all but these
 *   ipctest -l           list the tests
 *
 * Output is TAP like utest's: "1..N", "ok K - name" / "not ok K - name",
 * "# ..." lines saying which check failed.  The exit status is the number
 * of failed tests.
 *
 * The tests run in a child of the first ipctest process (the "suite"
 * process), so what a process keeps until it exits (page tables under its
 * mappings, its default mailbox) is not mistaken for a leak.  Then the
 * same tests run a second time, silently and with fewer many_to_many
 * messages, and the last test, "no_leaks", checks that kernel objects,
 * kernel heap bytes and processes are exactly as before the first pass
 * and free frames exactly as before the second (see check_no_leaks: the
 * kernel's kmalloc keeps the frames it has carved up, so only a second
 * pass tells a leak from a cache that grew once).
 *
 * After each test the runner kills and reaps children left behind and
 * closes handles left open; either fails the test.  Tests spawn
 * "ipctest --helper MODE ..." when they need an unrelated process or one
 * with chosen handles and quotas (see helper_main).
 */
#include "ipc.h"
#include "tap.h"

#define MAXPROCS	128
#define MS		((uint64_t)1000000)
#define BAD_UNMAPPED	((void *)0x10000000ul)
#define BAD_NONCANON	((void *)0xffff800000000000ul)
#define BAD_KERNEL	((void *)0xffffffff80100000ul)
/* 16 bytes from just below the end of the user half. */
#define BAD_STRADDLE	((void *)(USER_END - 8))
#define LONG_WAIT_MS	60000	/* "forever" in tests, so a lost wakeup fails instead of hanging */
#define BLOCKED_MS	200	/* how long a party must stay blocked to count as blocked */
#define SLACK_MS	5000	/* how late a timeout may fire under TCG */

static struct proc_info procs[MAXPROCS];
static const char rodata_buf[64] = "read-only";	/* the kernel must not write here */

/* ---- Helpers ---- */

static uint64_t ms_since(uint64_t t0)
{
	return (uptime() - t0) / MS;
}

static int snapshot(void)
{
	int n = ps(procs, MAXPROCS);

	return n < 0 ? 0 : n > MAXPROCS ? MAXPROCS : n;
}

/* State of process pid (PSTATE_*), 0 if there is none. */
static int proc_state(int pid)
{
	int n = snapshot();

	for (int i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return procs[i].state;
	return 0;
}

/* How many of pids[0..n-1] are zombies now. */
static int count_zombies(const int *pids, int n)
{
	int found = 0;

	for (int i = 0; i < n; i++)
		found += proc_state(pids[i]) == PSTATE_ZOMBIE;
	return found;
}

/* Waits (up to 5 s: the machine may be slow) until each of pids[0..n-1]
 * is blocked in the kernel (SLEEPING). */
static bool await_blocked(const int *pids, int n)
{
	for (int t = 0; t < 5000; t += 10) {
		int blocked = 0;

		for (int i = 0; i < n; i++)
			blocked += proc_state(pids[i]) == PSTATE_SLEEPING;
		if (blocked == n)
			return true;
		sleep(10);
	}
	return false;
}

/* Waits (up to 5 s) until at least want of pids[0..n-1] have ended;
 * returns how many have. */
static int await_zombies(const int *pids, int n, int want)
{
	int found = count_zombies(pids, n);

	for (int t = 0; t < 5000 && found < want; t += 10) {
		sleep(10);
		found = count_zombies(pids, n);
	}
	return found;
}

/* Reaps pid; returns its exit status, or -1 (with a diagnostic) if it
 * did not exit normally.  -2 if it could not be waited for. */
static int reap(int pid)
{
	struct wait_info wi;
	char why[96];

	if (pid <= 0 || wait(pid, &wi) != pid) {
		tap_say("# cannot wait for pid %d\n", pid);
		return -2;
	}
	if (wi.how != EXIT_NORMAL) {
		exit_reason(&wi, why, sizeof(why));
		tap_say("# pid %d (%s): %s\n", pid, wi.name, why);
		return -1;
	}
	return wi.status;
}

/* Reaps pid, which should have ended as `how` (EXIT_KILLED,
 * EXIT_FAULT): true if it did.  Says nothing unless it did not. */
static bool reap_as(int pid, int how)
{
	struct wait_info wi;
	char why[96];

	if (pid <= 0 || wait(pid, &wi) != pid) {
		tap_say("# cannot wait for pid %d\n", pid);
		return false;
	}
	if (wi.how != how) {
		exit_reason(&wi, why, sizeof(why));
		tap_say("# pid %d: %s\n", pid, why);
	}
	return wi.how == how;
}

/* Forks a child that runs fn with tap_failed of its own and exits
 * with how many failed; adds those to ours.  For tests whose state must
 * die with a process (its default mailbox, its event mailbox). */
static void in_child(void (*fn)(void))
{
	int pid = fork(), st;

	if (pid == 0) {
		tap_failed = 0;
		fn();
		exit(tap_failed > 100 ? 100 : tap_failed);
	}
	if (!CHECK(pid > 0))
		return;
	st = reap(pid);
	if (st != 0)
		tap_failed += st < 0 ? 1 : st;
}

/* Spawns "ipctest --helper ARGS..." with opts (may be NULL). */
static int helper(const struct spawn_opts *opts, const char *a, const char *b, const char *c)
{
	char *argv[] = { "ipctest", "--helper", (char *)a, (char *)b, (char *)c, NULL };

	return spawn("ipctest", argv, opts);
}

static void fill(void *buf, size_t len, unsigned seed)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 8));
}

static size_t mismatches(const void *buf, size_t len, unsigned seed)
{
	const uint8_t *p = buf;
	size_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += p[i] != (uint8_t)(i * 31 + seed * 7 + (i >> 8));
	return bad;
}

static uint64_t fnv(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int queued(int h)
{
	struct handle_info hi;
	int err = handle_info(h, &hi);

	return err < 0 ? err : (int)hi.queued;
}

/* memstat once free frames, heap bytes and objects agree with before
 * (freeing can lag a little: a process's memory goes when it is reaped,
 * some of it on another CPU). */
static void settled_memstat(const struct memstat *before, struct memstat *after)
{
	for (int tries = 0; tries < 40; tries++) {
		memstat(after);
		if (after->free_frames == before->free_frames &&
		    after->kmalloc_bytes == before->kmalloc_bytes &&
		    after->nobjects == before->nobjects)
			return;
		sleep(25);
	}
}

/* Writes through p (a read-only mapping): the writer must die. */
static void write_to(volatile uint8_t *p)
{
	asm volatile("movb $1, (%0)" : : "r"(p) : "memory");
}

static void crash(void)
{
	asm volatile("movl $1, (%0)" : : "r"(0ul) : "memory");
}

/* ---- Handles ---- */

static void test_handles(void)
{
	struct handle_info hi;
	int h = mbox_create(4, NULL), s;

	if (!CHECK(h >= 0))
		return;
	CHECK_EQ(handle_info(h, &hi), 0);
	CHECK_EQ(hi.type, HANDLE_TYPE_MBOX);
	CHECK_EQ(hi.rights, RIGHT_SEND | RIGHT_RECV);
	CHECK_EQ(hi.size, 4);
	CHECK_EQ(hi.queued, 0);

	/* dup can only drop rights. */
	s = dup(h, RIGHT_SEND);
	if (CHECK(s >= 0 && s != h)) {
		CHECK_EQ(handle_info(s, &hi), 0);
		CHECK_EQ(hi.rights, RIGHT_SEND);
		CHECK_EQ(dup(s, RIGHT_SEND | RIGHT_RECV), -EPERM);
		CHECK_EQ(dup(s, RIGHT_RECV), -EPERM);
		CHECK_EQ(mbox_recv(s, &hi, sizeof(hi), 0, NULL), -EPERM);
		/* Both handles reach the same mailbox. */
		CHECK_EQ(mbox_send(s, "x", 1, 0, NO_HANDLE, 0), 0);
		CHECK_EQ(queued(h), 1);
		CHECK_EQ(mbox_recv(h, &hi, sizeof(hi), 0, NULL), 1);
		CHECK_EQ(close(s), 0);
		CHECK_EQ(close(s), -EBADH);
		CHECK_EQ(handle_info(s, &hi), -EBADH);
	}
	CHECK_EQ(dup(h, RIGHT_MAP_READ), -EPERM);	/* a right the handle lacks */
	CHECK_EQ(dup(h, 0x10), -EINVAL);		/* not a right at all */
	CHECK_EQ(dup(h, RIGHT_SEND | 0x100), -EINVAL);
	CHECK_EQ(close(h), 0);
}

/* Every call that takes a handle says -EBADH for one that is not there
 * or not of its type. */
static void test_bad_handles(void)
{
	static const int bad[] = { -1, -1000, QUOTA_HANDLES, 1 << 20, 63 };
	struct handle_info hi;
	char buf[8];
	int mb = mbox_create(2, NULL), sh = shm_create(4096, NULL);

	if (!CHECK(mb >= 0 && sh >= 0))
		return;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int b = bad[i];

		if (b == mb || b == sh)
			continue;
		CHECK_EQ(close(b), -EBADH);
		CHECK_EQ(dup(b, 0), -EBADH);
		CHECK_EQ(handle_info(b, &hi), -EBADH);
		CHECK(ptr_error(shm_map(b, PROT_READ)) == -EBADH);
		CHECK_EQ(mbox_send(b, "x", 1, 0, NO_HANDLE, 0), -EBADH);
		CHECK_EQ(mbox_recv(b, buf, sizeof(buf), 0, NULL), -EBADH);
		/* A bad handle to transfer: nothing is sent. */
		if (b != NO_HANDLE)
			CHECK_EQ(mbox_send(mb, "x", 1, 0, b, 0), -EBADH);
	}
	CHECK_EQ(queued(mb), 0);
	/* The wrong kind of object. */
	CHECK(ptr_error(shm_map(mb, PROT_READ)) == -EBADH);
	CHECK_EQ(mbox_send(sh, "x", 1, 0, NO_HANDLE, 0), -EBADH);
	CHECK_EQ(mbox_recv(sh, buf, sizeof(buf), 0, NULL), -EBADH);
	/* Closed handles are bad too. */
	CHECK_EQ(close(mb), 0);
	CHECK_EQ(mbox_send(mb, "x", 1, 0, NO_HANDLE, 0), -EBADH);
	CHECK_EQ(close(sh), 0);
	CHECK(ptr_error(shm_map(sh, PROT_READ)) == -EBADH);
}

/* fork copies the handle table: same numbers, same rights, own slots. */
static void test_fork_inherits(void)
{
	int q = mbox_create(2, NULL), r = q >= 0 ? dup(q, RIGHT_RECV) : -1, pid;
	char buf[8];

	if (!CHECK(q >= 0 && r >= 0))
		return;
	pid = fork();
	if (pid == 0) {
		struct handle_info hi;
		int bad = 0;

		bad |= handle_info(q, &hi) != 0 || hi.rights != (RIGHT_SEND | RIGHT_RECV);
		bad |= (handle_info(r, &hi) != 0 || hi.rights != RIGHT_RECV) << 1;
		bad |= (mbox_send(q, "c", 1, 0, NO_HANDLE, 0) != 0) << 2;
		bad |= (close(q) != 0) << 3;	/* ours only */
		exit(bad);
	}
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(mbox_recv(r, buf, sizeof(buf), 0, NULL), 1);
	CHECK_EQ(buf[0], 'c');
	CHECK_EQ(close(q), 0);
	CHECK_EQ(close(r), 0);
}

/* spawn gives the child exactly opts->handles, as 0, 1, ... */
static void test_spawn_handles(void)
{
	struct spawn_opts opts = { .nhandles = 3 };
	int sh = shm_create(4096, NULL), q = mbox_create(2, NULL), pid;
	char buf[8];
	uint8_t *p;

	if (!CHECK(sh >= 0 && q >= 0))
		return;
	p = shm_map(sh, PROT_READ | PROT_WRITE);
	if (CHECK(!ptr_error(p)))
		p[0] = 0x5a;
	opts.handles[0] = dup(sh, RIGHT_MAP_READ);
	opts.handles[1] = q;
	opts.handles[2] = dup(q, RIGHT_SEND);
	pid = helper(&opts, "spawn-handles", NULL, NULL);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, NULL), 2);
	/* Ours were copied, not moved. */
	CHECK_EQ(queued(opts.handles[2]), 0);
	CHECK_EQ(close(opts.handles[0]), 0);
	CHECK_EQ(close(opts.handles[2]), 0);

	/* Refused: too many, a negative count, a handle we do not have. */
	opts.nhandles = SPAWN_MAX_HANDLES + 1;
	CHECK_EQ(helper(&opts, "spawn-handles", NULL, NULL), -EINVAL);
	opts.nhandles = -1;
	CHECK_EQ(helper(&opts, "spawn-handles", NULL, NULL), -EINVAL);
	opts.nhandles = 1;
	opts.handles[0] = 63;
	CHECK_EQ(helper(&opts, "spawn-handles", NULL, NULL), -EBADH);
	if (!ptr_error(p))
		CHECK_EQ(shm_unmap(p), 0);
	close(sh);
	close(q);
}

/* ---- Shared memory ---- */

static void test_shm_basic(void)
{
	char longname[IPC_NAME_MAX + 1];
	struct handle_info hi;
	int h, h2;
	uint8_t *p, *q;

	CHECK_EQ(shm_create(0, NULL), -EINVAL);
	CHECK_EQ(shm_create(SHM_MAX_SIZE + 1, NULL), -EINVAL);
	CHECK_EQ(shm_create(4096, ""), -EINVAL);
	memset(longname, 'n', IPC_NAME_MAX);
	longname[IPC_NAME_MAX] = '\0';		/* 32 characters: one too many */
	CHECK_EQ(shm_create(4096, longname), -EINVAL);
	longname[IPC_NAME_MAX - 1] = '\0';	/* 31: fits */
	h = shm_create(100, longname);
	if (!CHECK(h >= 0))
		return;
	CHECK_EQ(handle_info(h, &hi), 0);
	CHECK_EQ(hi.type, HANDLE_TYPE_SHM);
	CHECK_EQ(hi.rights, RIGHT_MAP_READ | RIGHT_MAP_WRITE);
	CHECK_EQ(hi.size, 4096);		/* whole pages */
	CHECK_EQ(shm_create(4096, longname), -EEXIST);
	CHECK_EQ(shm_open("ipctest.none", RIGHT_MAP_READ), -ENOENT);
	CHECK_EQ(shm_open(longname, 0), -EINVAL);
	CHECK_EQ(shm_open(longname, RIGHT_SEND), -EINVAL);
	CHECK_EQ(shm_open(longname, RIGHT_MAP_READ | RIGHT_RECV), -EINVAL);
	CHECK(ptr_error(shm_map(h, 0)) == -EINVAL);
	CHECK(ptr_error(shm_map(h, PROT_READ | 0x80)) == -EINVAL);

	/* Zeroed, and two mappings (two handles) are the same memory. */
	p = shm_map(h, PROT_READ | PROT_WRITE);
	h2 = shm_open(longname, RIGHT_MAP_READ | RIGHT_MAP_WRITE);
	q = h2 >= 0 ? shm_map(h2, PROT_READ | PROT_WRITE) : NULL;
	if (CHECK(!ptr_error(p) && h2 >= 0 && q && !ptr_error(q))) {
		size_t nonzero = 0;

		CHECK(p != q);
		CHECK((uintptr_t)p % 4096 == 0);
		for (int i = 0; i < 4096; i++)
			nonzero += p[i] != 0;
		CHECK_EQ(nonzero, 0);
		fill(p, 4096, 1);
		CHECK_EQ(mismatches(q, 4096, 1), 0);
		CHECK_EQ(shm_unmap(q), 0);
		CHECK_EQ(shm_unmap(q), -EINVAL);
		CHECK_EQ(shm_unmap(p + 8), -EINVAL);	/* not a mapping's start */
		CHECK_EQ(shm_unmap(BAD_UNMAPPED), -EINVAL);
	}
	/* Unlink removes the name, not the object. */
	CHECK_EQ(shm_unlink(longname), 0);
	CHECK_EQ(shm_unlink(longname), -ENOENT);
	CHECK_EQ(shm_open(longname, RIGHT_MAP_READ), -ENOENT);
	if (!ptr_error(p))
		CHECK_EQ(mismatches(p, 4096, 1), 0);
	/* The name is free for a new object while the old one lives. */
	if (h2 >= 0)
		close(h2);
	h2 = shm_create(4096, longname);
	CHECK(h2 >= 0);
	close(h2);
	/* A name lives only as long as its object. */
	CHECK_EQ(shm_open(longname, RIGHT_MAP_READ), -ENOENT);
	if (!ptr_error(p))
		CHECK_EQ(shm_unmap(p), 0);
	CHECK_EQ(close(h), 0);
}

/* At most 16 mappings per process; each is the whole object. */
static void test_shm_map_limit(void)
{
	void *maps[17];
	int h = shm_create(3 * 4096, NULL), n = 0;

	if (!CHECK(h >= 0))
		return;
	for (; n < 17; n++) {
		maps[n] = shm_map(h, PROT_READ);
		if (ptr_error(maps[n]))
			break;
	}
	CHECK_EQ(n, 16);
	if (n < 17)
		CHECK_EQ(ptr_error(maps[n]), -EQUOTA);
	for (int i = 0; i < n; i++)
		CHECK_EQ(shm_unmap(maps[i]), 0);
	/* And after unmapping, mapping works again. */
	maps[0] = shm_map(h, PROT_READ);
	if (CHECK(!ptr_error(maps[0])))
		shm_unmap(maps[0]);
	close(h);
}

/* fork keeps mappings: same frames at the same address. */
static void test_shm_fork(void)
{
	int h = shm_create(2 * 4096, NULL), pid;
	volatile uint32_t *p;

	if (!CHECK(h >= 0))
		return;
	p = shm_map(h, PROT_READ | PROT_WRITE);
	if (!CHECK(!ptr_error((void *)p))) {
		close(h);
		return;
	}
	p[0] = 1;
	pid = fork();
	if (pid == 0) {
		int ok = p[0] == 1;

		p[1] = 0xc0ffee;	/* in the second page too */
		p[1024] = 0xbeef;
		exit(ok ? 0 : 1);
	}
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(p[1], 0xc0ffee);
	CHECK_EQ(p[1024], 0xbeef);
	CHECK_EQ(shm_unmap((void *)p), 0);
	CHECK_EQ(close(h), 0);
}

/* A read-only handle gives read-only mappings; writing through one kills
 * the writer and no one else. */
static void test_shm_readonly(void)
{
	int h = shm_create(4096, "ipctest.ro"), ro, ro2, pid;
	volatile uint8_t *p, *q;
	struct wait_info wi;

	if (!CHECK(h >= 0))
		return;
	ro = dup(h, RIGHT_MAP_READ);
	CHECK(ro >= 0);
	CHECK(ptr_error(shm_map(ro, PROT_READ | PROT_WRITE)) == -EPERM);
	ro2 = shm_open("ipctest.ro", RIGHT_MAP_READ);
	CHECK(ro2 >= 0);
	CHECK(ptr_error(shm_map(ro2, PROT_READ | PROT_WRITE)) == -EPERM);
	close(ro2);
	p = shm_map(h, PROT_READ | PROT_WRITE);
	q = shm_map(ro, PROT_READ);
	if (!CHECK(!ptr_error((void *)p) && !ptr_error((void *)q)))
		goto out;
	p[0] = 0x5a;
	CHECK_EQ(q[0], 0x5a);
	pid = fork();
	if (pid == 0) {
		write_to(q);
		exit(0);	/* not reached, we hope */
	}
	if (CHECK(pid > 0) && CHECK_EQ(wait(pid, &wi), pid)) {
		CHECK_EQ(wi.how, EXIT_FAULT);
		CHECK_EQ(wi.fault, FAULT_PAGE);
		CHECK_EQ(wi.addr, (uintptr_t)q);
	}
	/* We are fine, the data too, and the page is still shared. */
	CHECK_EQ(q[0], 0x5a);
	p[1] = 0x77;
	CHECK_EQ(q[1], 0x77);
	CHECK_EQ(shm_unmap((void *)q), 0);
	CHECK_EQ(shm_unmap((void *)p), 0);
out:
	close(ro);
	close(h);
}

/* A holder of a shared page that crashes does not free it under the
 * other holder; once everybody is gone, every frame is back. */
static void test_shm_crash(void)
{
	struct memstat before, after;
	int h, pid, warm;
	uint8_t *p;

	/* Warm up: page tables for the mapping area stay with us. */
	warm = shm_create(4 * 4096, NULL);
	if (warm >= 0) {
		p = shm_map(warm, PROT_READ);
		if (!ptr_error(p))
			shm_unmap(p);
		close(warm);
	}
	memstat(&before);

	/* 1: we hold only a handle while the writer crashes. */
	h = shm_create(4 * 4096, "ipctest.crash");
	if (!CHECK(h >= 0))
		return;
	pid = helper(NULL, "shm-crash", "ipctest.crash", "1");
	CHECK(reap_as(pid, EXIT_FAULT));	/* on purpose */
	p = shm_map(h, PROT_READ);
	if (CHECK(!ptr_error(p))) {
		CHECK_EQ(mismatches(p, 4 * 4096, 1), 0);
		/* 2: we hold a mapping as well. */
		pid = helper(NULL, "shm-crash", "ipctest.crash", "2");
		CHECK(reap_as(pid, EXIT_FAULT));
		CHECK_EQ(mismatches(p, 4 * 4096, 2), 0);
		CHECK_EQ(shm_unmap(p), 0);
	}
	CHECK_EQ(close(h), 0);
	CHECK_EQ(shm_open("ipctest.crash", RIGHT_MAP_READ), -ENOENT);
	settled_memstat(&before, &after);
	CHECK_EQ(after.free_frames, before.free_frames);
	CHECK_EQ(after.nobjects, before.nobjects);
}

/* ---- Mailboxes ---- */

static void test_mbox_basic(void)
{
	static char big[MSG_MAX + 1], got[MSG_MAX + 1];
	struct msg_info info;
	int h, h2;
	char buf[16];

	CHECK_EQ(mbox_create(-1, NULL), -EINVAL);
	CHECK_EQ(mbox_create(MBOX_MAX_CAPACITY + 1, NULL), -EINVAL);
	h = mbox_create(MBOX_MAX_CAPACITY, NULL);
	if (CHECK(h >= 0))
		close(h);
	h = mbox_create(4, NULL);
	if (!CHECK(h >= 0))
		return;

	/* Contents, length, sender and "no handle" arrive. */
	CHECK_EQ(mbox_send(h, "hello", 5, 0, NO_HANDLE, 0), 0);
	memset(&info, 0xff, sizeof(info));
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, &info), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(info.sender, getpid());
	CHECK_EQ(info.handle, NO_HANDLE);
	CHECK_EQ(info.len, 5);

	/* Empty and full-size messages; one byte more is refused. */
	CHECK_EQ(mbox_send(h, buf, 0, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, NULL), 0);
	fill(big, MSG_MAX, 3);
	CHECK_EQ(mbox_send(h, big, MSG_MAX + 1, 0, NO_HANDLE, 0), -EINVAL);
	CHECK_EQ(mbox_send(h, big, MSG_MAX, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_recv(h, got, sizeof(got), 0, NULL), MSG_MAX);
	CHECK_EQ(mismatches(got, MSG_MAX, 3), 0);

	/* FIFO, and a full mailbox does not take more. */
	for (char c = 'a'; c < 'a' + 4; c++)
		CHECK_EQ(mbox_send(h, &c, 1, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(queued(h), 4);
	CHECK_EQ(mbox_send(h, "e", 1, 0, NO_HANDLE, 0), -EAGAIN);
	for (char c = 'a'; c < 'a' + 4; c++) {
		CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, NULL), 1);
		CHECK_EQ(buf[0], c);
	}
	CHECK_EQ(queued(h), 0);

	/* Names. */
	CHECK_EQ(mbox_create(1, ""), -EINVAL);
	h2 = mbox_create(2, "ipctest.mb");
	if (CHECK(h2 >= 0)) {
		int o = mbox_open("ipctest.mb", RIGHT_SEND), o2;
		struct handle_info hi;

		CHECK_EQ(mbox_create(2, "ipctest.mb"), -EEXIST);
		CHECK_EQ(mbox_open("ipctest.mb", 0), -EINVAL);
		CHECK_EQ(mbox_open("ipctest.mb", RIGHT_MAP_READ), -EINVAL);
		CHECK_EQ(mbox_open("ipctest.none", RIGHT_SEND), -ENOENT);
		/* Mailboxes and shm objects have separate lookups. */
		CHECK_EQ(shm_open("ipctest.mb", RIGHT_MAP_READ), -ENOENT);
		if (CHECK(o >= 0)) {
			CHECK_EQ(handle_info(o, &hi), 0);
			CHECK_EQ(hi.rights, RIGHT_SEND);
			CHECK_EQ(hi.size, 2);
			CHECK_EQ(mbox_send(o, "n", 1, 0, NO_HANDLE, 0), 0);
			CHECK_EQ(mbox_recv(h2, buf, sizeof(buf), 0, NULL), 1);
			close(o);
		}
		close(h2);
		/* The name died with the mailbox, and can be used again. */
		CHECK_EQ(mbox_open("ipctest.mb", RIGHT_SEND), -ENOENT);
		o2 = mbox_create(1, "ipctest.mb");
		CHECK(o2 >= 0);
		close(o2);
	}
	CHECK_EQ(close(h), 0);
}

/* Timeouts: 0 never blocks (-EAGAIN); n > 0 waits at least n ms. */
static void test_timeouts(void)
{
	int h = mbox_create(1, NULL), z = mbox_create(0, NULL);
	char buf[8];
	uint64_t t0, dt;

	if (!CHECK(h >= 0 && z >= 0))
		return;
	t0 = uptime();
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, NULL), -EAGAIN);
	CHECK(ms_since(t0) < 1000);
	t0 = uptime();
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 100, NULL), -ETIMEDOUT);
	dt = ms_since(t0);
	if (!CHECK(dt >= 100 && dt < 100 + SLACK_MS))
		tap_say("# recv timeout 100 took %lu ms\n", dt);

	CHECK_EQ(mbox_send(h, "a", 1, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_send(h, "b", 1, 0, NO_HANDLE, 0), -EAGAIN);
	t0 = uptime();
	CHECK_EQ(mbox_send(h, "b", 1, 150, NO_HANDLE, 0), -ETIMEDOUT);
	dt = ms_since(t0);
	if (!CHECK(dt >= 150 && dt < 150 + SLACK_MS))
		tap_say("# send timeout 150 took %lu ms\n", dt);
	CHECK_EQ(queued(h), 1);		/* the timed-out message is not there */

	/* Rendezvous: nobody receiving. */
	CHECK_EQ(mbox_send(z, "r", 1, 0, NO_HANDLE, 0), -EAGAIN);
	t0 = uptime();
	CHECK_EQ(mbox_send(z, "r", 1, 50, NO_HANDLE, 0), -ETIMEDOUT);
	CHECK(ms_since(t0) >= 50);
	CHECK_EQ(queued(z), 0);
	CHECK_EQ(mbox_recv(z, buf, sizeof(buf), 0, NULL), -EAGAIN);
	close(h);
	close(z);
}

/* A buffer too small: -E2BIG, and the message (and its handle) stays. */
static void test_e2big(void)
{
	char msg[100], buf[200];
	struct msg_info info;
	int h = mbox_create(4, NULL), x, other, pid;
	struct handle_info hi;

	if (!CHECK(h >= 0))
		return;
	fill(msg, sizeof(msg), 9);
	CHECK_EQ(mbox_send(h, msg, sizeof(msg), 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_recv(h, buf, 50, 0, NULL), -E2BIG);
	CHECK_EQ(mbox_recv(h, buf, 99, 0, NULL), -E2BIG);
	CHECK_EQ(queued(h), 1);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, &info), 100);
	CHECK_EQ(mismatches(buf, 100, 9), 0);
	CHECK_EQ(info.len, 100);

	/* A receiver already waiting with a small buffer: -E2BIG for it,
	 * and the message waits for a bigger one. */
	pid = fork();
	if (pid == 0)
		exit(mbox_recv(h, buf, 10, LONG_WAIT_MS, NULL) == -E2BIG ? 0 : 1);
	CHECK(await_blocked(&pid, 1));
	CHECK_EQ(mbox_send(h, msg, sizeof(msg), 0, NO_HANDLE, 0), 0);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, NULL), 100);
	CHECK_EQ(mismatches(buf, 100, 9), 0);

	/* With a handle on board: the handle is not installed until the
	 * message is really received. */
	other = mbox_create(1, NULL);
	x = dup(other, RIGHT_SEND);
	close(other);
	CHECK_EQ(mbox_send(h, "hh", 2, 0, x, 0), 0);
	CHECK_EQ(handle_info(x, &hi), -EBADH);	/* it left with the message */
	CHECK_EQ(mbox_recv(h, buf, 1, 0, &info), -E2BIG);
	CHECK_EQ(queued(h), 1);
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, &info), 2);
	if (CHECK(info.handle >= 0)) {
		CHECK_EQ(handle_info(info.handle, &hi), 0);
		CHECK_EQ(hi.rights, RIGHT_SEND);
		close(info.handle);
	}
	CHECK_EQ(close(h), 0);
}

/* -EPIPE both ways, also for parties already blocked. */
static void test_epipe(void)
{
	int q, s, r, pid;
	char buf[8];
	uint64_t t0;

	/* No receive right anywhere: senders fail at once, even "forever". */
	q = mbox_create(2, NULL);
	s = dup(q, RIGHT_SEND);
	close(q);
	t0 = uptime();
	CHECK_EQ(mbox_send(s, "x", 1, TIMEOUT_NEVER, NO_HANDLE, 0), -EPIPE);
	CHECK_EQ(mbox_send(s, "x", 1, 0, NO_HANDLE, 0), -EPIPE);
	CHECK(ms_since(t0) < 1000);
	close(s);

	/* No send right and an empty queue: receivers fail at once... */
	q = mbox_create(4, NULL);
	CHECK_EQ(mbox_send(q, "1", 1, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_send(q, "2", 1, 0, NO_HANDLE, 0), 0);
	r = dup(q, RIGHT_RECV);
	close(q);
	/* ...but only once what was queued has been received. */
	CHECK_EQ(mbox_recv(r, buf, sizeof(buf), TIMEOUT_NEVER, NULL), 1);
	CHECK_EQ(mbox_recv(r, buf, sizeof(buf), TIMEOUT_NEVER, NULL), 1);
	CHECK_EQ(buf[0], '2');
	CHECK_EQ(mbox_recv(r, buf, sizeof(buf), TIMEOUT_NEVER, NULL), -EPIPE);
	close(r);

	/* A blocked receiver learns when the last sender exits. */
	q = mbox_create(2, NULL);
	pid = fork();
	if (pid == 0) {
		s = dup(q, RIGHT_SEND);
		close(q);
		sleep(BLOCKED_MS);
		exit(s >= 0 ? 0 : 1);
	}
	r = dup(q, RIGHT_RECV);
	close(q);
	t0 = uptime();
	CHECK_EQ(mbox_recv(r, buf, sizeof(buf), LONG_WAIT_MS, NULL), -EPIPE);
	CHECK(ms_since(t0) < LONG_WAIT_MS);
	CHECK_EQ(reap(pid), 0);
	close(r);

	/* A blocked sender learns when the last receiver exits, and what it
	 * had queued is discarded. */
	q = mbox_create(1, NULL);
	CHECK_EQ(mbox_send(q, "f", 1, 0, NO_HANDLE, 0), 0);
	pid = fork();
	if (pid == 0) {
		r = dup(q, RIGHT_RECV);
		close(q);
		sleep(BLOCKED_MS);
		exit(r >= 0 ? 0 : 1);
	}
	s = dup(q, RIGHT_SEND);
	close(q);
	CHECK_EQ(mbox_send(s, "g", 1, LONG_WAIT_MS, NO_HANDLE, 0), -EPIPE);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(queued(s), 0);
	close(s);
}

/* Bad user pointers: -EFAULT from every call that takes one, and a
 * failed call changes nothing. */
static void test_efault(void)
{
	static void *const bad[] = { NULL, BAD_UNMAPPED, BAD_NONCANON, BAD_KERNEL, BAD_STRADDLE };
	struct handle_info hi;
	struct msg_info info;
	int h = mbox_create(2, NULL), sh = shm_create(4096, "ipctest.efault");
	char buf[32];

	if (!CHECK(h >= 0 && sh >= 0))
		return;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *b = bad[i];

		if (b) {	/* NULL is "no name" for the creating calls */
			CHECK_EQ(shm_create(4096, b), -EFAULT);
			CHECK_EQ(mbox_create(1, b), -EFAULT);
		}
		CHECK_EQ(shm_open(b, RIGHT_MAP_READ), -EFAULT);
		CHECK_EQ(shm_unlink(b), -EFAULT);
		CHECK_EQ(mbox_open(b, RIGHT_SEND), -EFAULT);
		CHECK_EQ(mbox_send(h, b, 16, 0, NO_HANDLE, 0), -EFAULT);
		CHECK_EQ(handle_info(h, b), -EFAULT);
	}
	CHECK_EQ(handle_info(h, (void *)rodata_buf), -EFAULT);
	CHECK_EQ(queued(h), 0);

	/* Receiving into bad memory fails and leaves the message queued. */
	CHECK_EQ(mbox_send(h, "keep me", 7, 0, NO_HANDLE, 0), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(mbox_recv(h, bad[i], 16, 0, NULL), -EFAULT);
		if (bad[i])
			CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, bad[i]), -EFAULT);
	}
	CHECK_EQ(mbox_recv(h, (void *)rodata_buf, 16, 0, NULL), -EFAULT);
	CHECK_EQ(queued(h), 1);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(mbox_recv(h, buf, sizeof(buf), 0, &info), 7);
	CHECK(memcmp(buf, "keep me", 7) == 0);
	CHECK_EQ(strcmp(rodata_buf, "read-only"), 0);
	CHECK_EQ(handle_info(h, &hi), 0);
	close(h);
	close(sh);
}

/* Capacity 0: a send completes only when a receiver takes the message. */
static void test_rendezvous(void)
{
	struct timing {
		uint64_t returned_ns;	/* when the child's send returned */
		int result;
		int done;
	} volatile *t;
	int z = mbox_create(0, NULL), sh = shm_create(4096, NULL), pid;
	struct msg_info info;
	struct handle_info hi;
	uint64_t before_recv;
	char buf[8];

	if (!CHECK(z >= 0 && sh >= 0))
		return;
	CHECK_EQ(handle_info(z, &hi), 0);
	CHECK_EQ(hi.size, 0);
	t = shm_map(sh, PROT_READ | PROT_WRITE);
	if (!CHECK(!ptr_error((void *)t)))
		goto out;

	/* Sender first: it blocks until we receive. */
	pid = fork();
	if (pid == 0) {
		t->result = mbox_send(z, "rv", 2, TIMEOUT_NEVER, NO_HANDLE, 0);
		t->returned_ns = uptime();
		__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
		exit(0);
	}
	CHECK(await_blocked(&pid, 1));
	sleep(BLOCKED_MS);	/* still blocked 200 ms later */
	CHECK_EQ(__atomic_load_n(&t->done, __ATOMIC_ACQUIRE), 0);
	CHECK_EQ(proc_state(pid), PSTATE_SLEEPING);
	before_recv = uptime();
	/* A sender is waiting, so even a non-blocking receive succeeds. */
	CHECK_EQ(mbox_recv(z, buf, sizeof(buf), 0, &info), 2);
	CHECK_EQ(info.sender, pid);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(t->result, 0);
	CHECK(t->returned_ns >= before_recv);

	/* Receiver first: a non-blocking send finds it waiting. */
	pid = fork();
	if (pid == 0)
		exit((int)mbox_recv(z, buf, sizeof(buf), TIMEOUT_NEVER, NULL));
	CHECK(await_blocked(&pid, 1));
	CHECK_EQ(mbox_send(z, "abc", 3, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(reap(pid), 3);
	CHECK_EQ(mbox_send(z, "abc", 3, 0, NO_HANDLE, 0), -EAGAIN);
	shm_unmap((void *)t);
out:
	close(z);
	close(sh);
}

/* Blocked parties are woken exactly when they can proceed: one message
 * for three blocked receivers finishes one of them, one free slot for
 * three blocked senders lets one through. */
static void test_wakeups(void)
{
	int q = mbox_create(4, NULL), pids[3], statuses = 0;
	char buf[8];

	if (!CHECK(q >= 0))
		return;
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			exit(mbox_recv(q, buf, sizeof(buf), LONG_WAIT_MS, NULL) == 1 ? buf[0] : 1);
	}
	CHECK(await_blocked(pids, 3));
	CHECK_EQ(mbox_send(q, "A", 1, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(await_zombies(pids, 3, 1), 1);
	sleep(BLOCKED_MS);	/* and no other one wakes up */
	CHECK_EQ(count_zombies(pids, 3), 1);
	CHECK_EQ(mbox_send(q, "B", 1, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_send(q, "C", 1, 0, NO_HANDLE, 0), 0);
	for (int i = 0; i < 3; i++) {
		int st = reap(pids[i]);

		if (CHECK(st >= 'A' && st <= 'C'))
			statuses |= 1 << (st - 'A');
	}
	CHECK_EQ(statuses, 7);		/* each message went to exactly one */
	CHECK_EQ(queued(q), 0);
	close(q);

	q = mbox_create(1, NULL);
	CHECK_EQ(mbox_send(q, "0", 1, 0, NO_HANDLE, 0), 0);
	for (int i = 0; i < 3; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			char c = (char)('1' + i);

			exit(mbox_send(q, &c, 1, LONG_WAIT_MS, NO_HANDLE, 0) == 0 ? 0 : 1);
		}
	}
	CHECK(await_blocked(pids, 3));
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, NULL), 1);
	CHECK_EQ(buf[0], '0');
	CHECK_EQ(await_zombies(pids, 3, 1), 1);
	sleep(BLOCKED_MS);
	CHECK_EQ(count_zombies(pids, 3), 1);
	CHECK_EQ(queued(q), 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(mbox_recv(q, buf, sizeof(buf), LONG_WAIT_MS, NULL), 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(reap(pids[i]), 0);
	close(q);
}

/* A process killed while blocked leaves the mailbox consistent. */
static void test_kill_blocked(void)
{
	int q = mbox_create(1, NULL), z = mbox_create(0, NULL), pid, pid2;
	struct msg_info info;
	char buf[16];

	if (!CHECK(q >= 0 && z >= 0))
		return;
	/* Killed in send on a full mailbox: its message never arrives. */
	CHECK_EQ(mbox_send(q, "first", 5, 0, NO_HANDLE, 0), 0);
	pid = fork();
	if (pid == 0)
		exit(mbox_send(q, "second", 6, TIMEOUT_NEVER, NO_HANDLE, 0));
	CHECK(await_blocked(&pid, 1));
	CHECK_EQ(kill(pid), 0);
	CHECK(reap_as(pid, EXIT_KILLED));
	CHECK_EQ(queued(q), 1);
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, NULL), 5);
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, NULL), -EAGAIN);

	/* Killed in receive: the next message goes to the live receiver. */
	pid = fork();
	if (pid == 0)
		exit((int)mbox_recv(q, buf, sizeof(buf), TIMEOUT_NEVER, NULL));
	CHECK(await_blocked(&pid, 1));
	pid2 = fork();		/* waits behind the first one */
	if (pid2 == 0)
		exit((int)mbox_recv(q, buf, sizeof(buf), TIMEOUT_NEVER, NULL));
	CHECK(await_blocked(&pid2, 1));
	CHECK_EQ(kill(pid), 0);
	CHECK(reap_as(pid, EXIT_KILLED));
	CHECK_EQ(mbox_send(q, "abcd", 4, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(reap(pid2), 4);
	CHECK_EQ(queued(q), 0);
	/* The mailbox still works both ways. */
	CHECK_EQ(mbox_send(q, "ok", 2, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, NULL), 2);

	/* Rendezvous: a killed sender's message is withdrawn... */
	pid = fork();
	if (pid == 0)
		exit(mbox_send(z, "zz", 2, TIMEOUT_NEVER, NO_HANDLE, 0));
	CHECK(await_blocked(&pid, 1));
	CHECK_EQ(kill(pid), 0);
	CHECK(reap_as(pid, EXIT_KILLED));
	CHECK_EQ(mbox_recv(z, buf, sizeof(buf), 0, NULL), -EAGAIN);
	CHECK_EQ(queued(z), 0);
	/* ...and a killed receiver is no longer waiting. */
	pid = fork();
	if (pid == 0)
		exit((int)mbox_recv(z, buf, sizeof(buf), TIMEOUT_NEVER, NULL));
	CHECK(await_blocked(&pid, 1));
	CHECK_EQ(kill(pid), 0);
	CHECK(reap_as(pid, EXIT_KILLED));
	CHECK_EQ(mbox_send(z, "zz", 2, 0, NO_HANDLE, 0), -EAGAIN);

	/* A sender that exits normally loses nothing it queued. */
	pid = fork();
	if (pid == 0) {
		for (char c = '1'; c <= '3'; c++)
			mbox_send(q, &c, 1, TIMEOUT_NEVER, NO_HANDLE, 0);
		exit(0);
	}
	for (char c = '1'; c <= '3'; c++) {
		CHECK_EQ(mbox_recv(q, buf, sizeof(buf), LONG_WAIT_MS, &info), 1);
		CHECK_EQ(buf[0], c);
		CHECK_EQ(info.sender, pid);
	}
	CHECK_EQ(reap(pid), 0);
	close(q);
	close(z);
}

/* ---- Many senders, many receivers ---- */

#define M2M_SENDERS	4
#define M2M_RECEIVERS	4
#define M2M_N		10000		/* messages per sender */
#define M2M_N_QUIET	1000		/* in the silent second pass */
#define M2M_PAYLOAD	120
#define M2M_CAPACITY	32

struct m2m_msg {
	uint32_t sender;	/* 0 .. M2M_SENDERS-1 */
	int32_t pid;
	uint32_t seq;
	uint32_t len;		/* payload bytes */
	uint64_t check;
	uint8_t payload[M2M_PAYLOAD];
};

#define M2M_HEADER	offsetof(struct m2m_msg, payload)

struct m2m_shared {
	uint32_t received[M2M_RECEIVERS];
	uint32_t damaged[M2M_RECEIVERS];
	uint32_t unordered[M2M_RECEIVERS];
	int32_t end[M2M_RECEIVERS];	/* how each receive loop ended */
	int32_t send_err[M2M_SENDERS];
	uint8_t seen[M2M_SENDERS][M2M_N];
};

static uint64_t m2m_sum(const struct m2m_msg *m)
{
	return fnv(fnv(0xcbf29ce484222325ull, m, offsetof(struct m2m_msg, check)), m->payload,
		   m->len);
}

static void m2m_make(struct m2m_msg *m, uint32_t sender, uint32_t seq)
{
	m->sender = sender;
	m->pid = getpid();
	m->seq = seq;
	m->len = (seq * 37 + sender * 11) % (M2M_PAYLOAD + 1);
	for (uint32_t j = 0; j < m->len; j++)
		m->payload[j] = (uint8_t)(seq ^ (j * 7) ^ sender);
	m->check = m2m_sum(m);
}

static void pin_to(int i)
{
	setaffinity(0, 1ull << (i % ncpu()));
}

static void m2m_sender(int q, uint32_t id, long n, struct m2m_shared *sh)
{
	int s = dup(q, RIGHT_SEND);
	struct m2m_msg m;

	close(q);
	pin_to((int)id);
	for (long seq = 0; seq < n; seq++) {
		int r;

		m2m_make(&m, id, (uint32_t)seq);
		r = mbox_send(s, &m, M2M_HEADER + m.len, LONG_WAIT_MS, NO_HANDLE, 0);
		if (r < 0) {
			sh->send_err[id] = r;
			exit(1);
		}
	}
	exit(0);
}

static void m2m_receiver(int q, int id, long n, struct m2m_shared *sh)
{
	int r = dup(q, RIGHT_RECV);
	int64_t last[M2M_SENDERS];
	struct msg_info info;
	struct m2m_msg m;

	close(q);
	pin_to(id + 1);
	for (int i = 0; i < M2M_SENDERS; i++)
		last[i] = -1;
	for (;;) {
		long len = mbox_recv(r, &m, sizeof(m), LONG_WAIT_MS, &info);

		if (len < 0) {
			sh->end[id] = (int32_t)len;
			break;
		}
		if (len < (long)M2M_HEADER || m.sender >= M2M_SENDERS || m.seq >= n ||
		    len != (long)(M2M_HEADER + m.len) || m.check != m2m_sum(&m) ||
		    info.sender != m.pid) {
			sh->damaged[id]++;
			continue;
		}
		__atomic_fetch_add(&sh->seen[m.sender][m.seq], 1, __ATOMIC_RELAXED);
		if ((int64_t)m.seq <= last[m.sender])
			sh->unordered[id]++;
		last[m.sender] = m.seq;
		sh->received[id]++;
	}
	exit(0);
}

static void m2m_verify(struct m2m_shared *sh, long n)
{
	long total = 0, missing = 0, repeated = 0;

	for (int i = 0; i < M2M_RECEIVERS; i++) {
		total += sh->received[i];
		CHECK_EQ(sh->damaged[i], 0);
		CHECK_EQ(sh->unordered[i], 0);
		CHECK_EQ(sh->end[i], -EPIPE);
	}
	for (int i = 0; i < M2M_SENDERS; i++) {
		CHECK_EQ(sh->send_err[i], 0);
		for (long s = 0; s < n; s++) {
			missing += sh->seen[i][s] == 0;
			repeated += sh->seen[i][s] > 1;
		}
	}
	CHECK_EQ(total, M2M_SENDERS * n);
	CHECK_EQ(missing, 0);
	CHECK_EQ(repeated, 0);
}

/*
 * 4 senders x 4 receivers on one bounded mailbox, all cores: every
 * message arrives exactly once, intact, from the pid it claims, and each
 * receiver sees each sender's messages in the order they were sent.
 * Receivers stop at -EPIPE, once the senders are gone and the queue is
 * empty.
 */
static void test_many_to_many(void)
{
	int q = mbox_create(M2M_CAPACITY, NULL), h = shm_create(sizeof(struct m2m_shared), NULL);
	int pids[M2M_SENDERS + M2M_RECEIVERS], n = 0;
	long count = tap_quiet ? M2M_N_QUIET : M2M_N;
	struct m2m_shared *sh;
	uint64_t t0 = uptime();

	if (!CHECK(q >= 0 && h >= 0))
		return;
	sh = shm_map(h, PROT_READ | PROT_WRITE);
	close(h);
	if (!CHECK(!ptr_error(sh))) {
		close(q);
		return;
	}
	for (int i = 0; i < M2M_RECEIVERS; i++)
		if ((pids[n++] = fork()) == 0)
			m2m_receiver(q, i, count, sh);
	for (int i = 0; i < M2M_SENDERS; i++)
		if ((pids[n++] = fork()) == 0)
			m2m_sender(q, (uint32_t)i, count, sh);
	close(q);	/* from now on only the senders can send */
	for (int i = 0; i < n; i++)
		CHECK_EQ(reap(pids[i]), 0);
	m2m_verify(sh, count);
	tap_say("# %d senders x %d receivers, %ld messages each, %d cpus: %lu ms\n", M2M_SENDERS,
	    M2M_RECEIVERS, count, ncpu(), ms_since(t0));
	shm_unmap(sh);
}

/* FIFO per sender, strictly, with a single receiver (us). */
static void test_fifo_per_sender(void)
{
	enum { SENDERS = 4, N = 2000 };
	int q = mbox_create(8, NULL), pids[SENDERS], next[SENDERS] = { 0 }, bad = 0;
	struct msg_info info;
	struct m2m_msg m;

	if (!CHECK(q >= 0))
		return;
	for (int i = 0; i < SENDERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			pin_to(i);
			for (int s = 0; s < N; s++) {
				m2m_make(&m, (uint32_t)i, (uint32_t)s);
				size_t len = M2M_HEADER + m.len;

				if (mbox_send(q, &m, len, LONG_WAIT_MS, NO_HANDLE, 0) < 0)
					exit(1);
			}
			exit(0);
		}
	}
	for (int k = 0; k < SENDERS * N; k++) {
		long len = mbox_recv(q, &m, sizeof(m), LONG_WAIT_MS, &info);

		if (len < 0) {
			CHECK_EQ(len, 0);
			break;
		}
		if (m.sender >= SENDERS || m.seq != (uint32_t)next[m.sender] ||
		    m.check != m2m_sum(&m) || info.sender != pids[m.sender]) {
			if (bad++ < 3)
				tap_say("# message %d: sender %u seq %u, want seq %d\n", k, m.sender,
				       m.seq, m.sender < SENDERS ? next[m.sender] : -1);
			continue;
		}
		next[m.sender]++;
	}
	CHECK_EQ(bad, 0);
	for (int i = 0; i < SENDERS; i++) {
		CHECK_EQ(next[i], N);
		CHECK_EQ(reap(pids[i]), 0);
	}
	close(q);
}

/* ---- Handle passing ---- */

/* A creates a mailbox and sends (moves) a send handle for it to B; B
 * forwards it to C; C sends on it to A.  All three are separate
 * processes, wired only by the handles spawn gives them. */
static void test_handle_passing(void)
{
	struct spawn_opts ob = { .nhandles = 2 }, oc = { .nhandles = 1 };
	int ma = mbox_create(4, NULL), ab = mbox_create(1, NULL), bc = mbox_create(1, NULL);
	int b, c, x, k;
	struct handle_info hi;
	struct msg_info info;
	char buf[32];

	if (!CHECK(ma >= 0 && ab >= 0 && bc >= 0))
		return;
	ob.handles[0] = dup(ab, RIGHT_RECV);
	ob.handles[1] = dup(bc, RIGHT_SEND);
	oc.handles[0] = dup(bc, RIGHT_RECV);
	b = helper(&ob, "relay", NULL, NULL);
	c = helper(&oc, "answer", NULL, NULL);
	for (int i = 0; i < 2; i++)
		close(ob.handles[i]);
	close(oc.handles[0]);

	x = dup(ma, RIGHT_SEND);
	CHECK_EQ(mbox_send(ab, "to C", 4, LONG_WAIT_MS, x, 0), 0);
	CHECK_EQ(handle_info(x, &hi), -EBADH);	/* moved: no longer ours */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(mbox_recv(ma, buf, sizeof(buf), LONG_WAIT_MS, &info), 12);
	CHECK(strcmp(buf, "hello from C") == 0);
	CHECK_EQ(info.sender, c);
	CHECK_EQ(info.handle, NO_HANDLE);
	CHECK_EQ(reap(b), 0);
	CHECK_EQ(reap(c), 0);

	/* SEND_KEEP_HANDLE sends a copy and leaves ours alone. */
	k = dup(ma, RIGHT_SEND);
	CHECK_EQ(mbox_send(ab, "k", 1, 0, k, SEND_KEEP_HANDLE), 0);
	CHECK_EQ(handle_info(k, &hi), 0);
	CHECK_EQ(mbox_recv(ab, buf, sizeof(buf), 0, &info), 1);
	if (CHECK(info.handle >= 0 && info.handle != k)) {
		CHECK_EQ(handle_info(info.handle, &hi), 0);
		CHECK_EQ(hi.type, HANDLE_TYPE_MBOX);
		CHECK_EQ(hi.rights, RIGHT_SEND);
		CHECK_EQ(mbox_send(info.handle, "via copy", 8, 0, NO_HANDLE, 0), 0);
		CHECK_EQ(mbox_recv(ma, buf, sizeof(buf), 0, NULL), 8);
		close(info.handle);
	}
	/* A shared-memory handle travels too. */
	x = shm_create(4096, NULL);
	CHECK_EQ(mbox_send(ab, "s", 1, 0, x, 0), 0);
	CHECK_EQ(mbox_recv(ab, buf, sizeof(buf), 0, &info), 1);
	if (CHECK(info.handle >= 0)) {
		CHECK_EQ(handle_info(info.handle, &hi), 0);
		CHECK_EQ(hi.type, HANDLE_TYPE_SHM);
		close(info.handle);
	}
	close(k);
	close(ma);
	close(ab);
	close(bc);
}

/*
 * The request/reply pattern of ipcserver, with least privilege: the
 * client gives the server the only send right to its reply mailbox (with
 * the request) and keeps only the receive right.  Its receive must wait
 * for the reply, not fail with -EPIPE while that send right is still on
 * its way inside the request; and if the server dies holding it, the
 * receive must then say -EPIPE rather than wait for the timeout.
 */
static void test_reply_handle(void)
{
	int req = mbox_create(4, NULL), pid;
	char buf[16];
	uint64_t t0;

	if (!CHECK(req >= 0))
		return;
	for (int dies = 0; dies < 2; dies++) {
		int box, give, mine;

		/* The server first, so it inherits nothing but req.  It dies
		 * (if it does) at least BLOCKED_MS after t0. */
		t0 = uptime();
		pid = fork();
		if (pid == 0) {
			struct msg_info info;

			sleep(BLOCKED_MS);	/* the client waits before we even look */
			if (mbox_recv(req, buf, sizeof(buf), LONG_WAIT_MS, &info) < 0 ||
			    info.handle < 0)
				exit(1);
			if (dies)
				crash();
			exit(mbox_send(info.handle, "reply", 5, 0, NO_HANDLE, 0) == 0 ? 0 : 2);
		}
		box = mbox_create(1, NULL);
		give = dup(box, RIGHT_SEND);
		mine = dup(box, RIGHT_RECV);
		close(box);
		CHECK_EQ(mbox_send(req, "request", 7, 0, give, 0), 0);
		if (dies) {
			CHECK_EQ(mbox_recv(mine, buf, sizeof(buf), LONG_WAIT_MS, NULL), -EPIPE);
			CHECK(ms_since(t0) >= BLOCKED_MS && ms_since(t0) < LONG_WAIT_MS);
			CHECK(reap_as(pid, EXIT_FAULT));
		} else {
			CHECK_EQ(mbox_recv(mine, buf, sizeof(buf), LONG_WAIT_MS, NULL), 5);
			CHECK_EQ(reap(pid), 0);
		}
		close(mine);
	}
	close(req);
}

/* A mailbox's own handle sent through it (moved, then kept) comes back
 * out and works; a mailbox whose only handle sits in its own queue is
 * freed. */
static void test_xfer_self(void)
{
	struct memstat before, after;
	struct handle_info hi;
	struct msg_info info;
	int q = mbox_create(2, NULL), x = q >= 0 ? dup(q, RIGHT_SEND) : -1;
	char buf[8];

	if (!CHECK(q >= 0 && x >= 0))
		return;
	CHECK_EQ(mbox_send(q, "me", 2, 0, x, 0), 0);
	CHECK_EQ(handle_info(x, &hi), -EBADH);
	CHECK_EQ(mbox_send(q, "too", 3, 0, q, SEND_KEEP_HANDLE), 0);
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, &info), 2);
	if (CHECK(info.handle >= 0)) {
		CHECK_EQ(mbox_send(info.handle, "!", 1, 0, NO_HANDLE, 0), 0);
		close(info.handle);
	}
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, &info), 3);
	if (CHECK(info.handle >= 0)) {
		CHECK_EQ(handle_info(info.handle, &hi), 0);
		CHECK_EQ(hi.rights, RIGHT_SEND | RIGHT_RECV);
		close(info.handle);
	}
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, NULL), 1);
	close(q);

	/* Its only handle in its own queue: nobody can receive it, so it
	 * is discarded and the mailbox freed. */
	memstat(&before);
	q = mbox_create(2, NULL);
	x = dup(q, RIGHT_SEND | RIGHT_RECV);
	CHECK_EQ(mbox_send(q, "self", 4, 0, x, 0), 0);
	close(q);
	settled_memstat(&before, &after);
	CHECK_EQ(after.nobjects, before.nobjects);
	CHECK_EQ(after.kmalloc_bytes, before.kmalloc_bytes);
}

/* One side of xfer_cross: sends handles to `other` over `mine`, and
 * receives (and closes) the handles the other side sends over `other`. */
static int cross_side(int mine, int other, int n)
{
	struct msg_info info;
	char c;

	for (int i = 0; i < n; i++) {
		int x = dup(other, RIGHT_SEND);

		if (x < 0 || mbox_send(mine, "x", 1, LONG_WAIT_MS, x, 0) < 0)
			return 1;
		if (mbox_recv(other, &c, 1, LONG_WAIT_MS, &info) != 1 || info.handle < 0)
			return 2;
		close(info.handle);
	}
	return 0;
}

/* Two processes send each other's mailbox handles in opposite directions
 * at the same time, on two CPUs: a kernel that locks the carried
 * handle's mailbox inside the carrying one's lock deadlocks here. */
static void test_xfer_cross(void)
{
	enum { N = 2000 };
	int a = mbox_create(8, NULL), b = mbox_create(8, NULL), p1, p2;

	if (!CHECK(a >= 0 && b >= 0))
		return;
	if ((p1 = fork()) == 0) {
		pin_to(0);
		exit(cross_side(a, b, N));
	}
	if ((p2 = fork()) == 0) {
		pin_to(1);
		exit(cross_side(b, a, N));
	}
	CHECK_EQ(reap(p1), 0);
	CHECK_EQ(reap(p2), 0);
	CHECK_EQ(queued(a), 0);
	CHECK_EQ(queued(b), 0);
	close(a);
	close(b);
}

/* Messages nobody can receive are discarded, and the handles in them
 * released: two mailboxes holding each other's only handles are freed. */
static void test_discard(void)
{
	struct memstat before, after;
	int q, s, a, b, xa, xb;

	memstat(&before);
	q = mbox_create(8, NULL);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(mbox_send(q, "discard me", 10, 0, NO_HANDLE, 0), 0);
	s = dup(q, RIGHT_SEND);
	close(q);
	CHECK_EQ(queued(s), 0);
	close(s);
	settled_memstat(&before, &after);
	CHECK_EQ(after.nobjects, before.nobjects);

	/* Two mailboxes holding each other's only handles. */
	a = mbox_create(2, NULL);
	b = mbox_create(2, NULL);
	xa = dup(a, RIGHT_SEND | RIGHT_RECV);
	xb = dup(b, RIGHT_SEND | RIGHT_RECV);
	CHECK_EQ(mbox_send(b, "a", 1, 0, xa, 0), 0);
	CHECK_EQ(mbox_send(a, "b", 1, 0, xb, 0), 0);
	close(a);
	close(b);
	settled_memstat(&before, &after);
	CHECK_EQ(after.nobjects, before.nobjects);
	CHECK_EQ(after.kmalloc_bytes, before.kmalloc_bytes);
}

/* ---- Quotas ---- */

static void test_quota_handles(void)
{
	int hs[QUOTA_HANDLES + 1], n = 0, err = 0, got;
	int q = mbox_create(1, NULL), other = mbox_create(1, NULL);
	struct msg_info info;
	char buf[4];

	if (!CHECK(q >= 0 && other >= 0))
		return;
	while (n < QUOTA_HANDLES && (err = dup(other, RIGHT_SEND)) >= 0)
		hs[n++] = err;
	CHECK_EQ(n, QUOTA_HANDLES - 2);	/* q and other are the other two */
	CHECK_EQ(err, -EQUOTA);
	CHECK_EQ(mbox_create(1, NULL), -EQUOTA);
	CHECK_EQ(shm_create(4096, NULL), -EQUOTA);
	CHECK_EQ(mbox_open("ipctest.none", RIGHT_SEND), -ENOENT);
	CHECK_EQ(proc_events(), -EQUOTA);
	/* A handle arriving with a message when the table is full: -EQUOTA,
	 * and the message waits. */
	CHECK_EQ(mbox_send(q, "h", 1, 0, hs[0], SEND_KEEP_HANDLE), 0);
	CHECK_EQ(mbox_recv(q, buf, sizeof(buf), 0, &info), -EQUOTA);
	CHECK_EQ(queued(q), 1);
	close(hs[--n]);
	got = (int)mbox_recv(q, buf, sizeof(buf), 0, &info);
	CHECK_EQ(got, 1);
	if (got == 1 && CHECK(info.handle >= 0))
		hs[n++] = info.handle;
	while (n > 0)
		CHECK_EQ(close(hs[--n]), 0);
	err = dup(q, RIGHT_SEND);
	CHECK(err >= 0);
	close(err);
	close(q);
	close(other);
}

static void test_quota_queued(void)
{
	static char msg[MSG_MAX];
	int q = mbox_create(MBOX_MAX_CAPACITY, NULL), n = 0, err, pid;

	if (!CHECK(q >= 0))
		return;
	while ((err = mbox_send(q, msg, MSG_MAX, 0, NO_HANDLE, 0)) == 0 && n <= MBOX_MAX_CAPACITY)
		n++;
	CHECK_EQ(err, -EQUOTA);
	CHECK_EQ(n, QUOTA_QUEUED / (MSG_MAX + MSG_OVERHEAD));	/* each also costs MSG_OVERHEAD */
	CHECK_EQ(queued(q), n);
	/* The quota is ours: another process still sends. */
	pid = fork();
	if (pid == 0)
		exit(mbox_send(q, msg, MSG_MAX, 0, NO_HANDLE, 0) == 0 ? 0 : 1);
	CHECK_EQ(reap(pid), 0);
	/* A received message gives its bytes back. */
	CHECK_EQ(mbox_recv(q, msg, sizeof(msg), 0, NULL), MSG_MAX);
	CHECK_EQ(mbox_send(q, msg, MSG_MAX, 0, NO_HANDLE, 0), 0);
	CHECK_EQ(mbox_send(q, msg, MSG_MAX, 0, NO_HANDLE, 0), -EQUOTA);
	/* So does a discarded one: drop every receive right. */
	{
		int s = dup(q, RIGHT_SEND), q2 = mbox_create(2, NULL);

		close(q);
		q = q2;
		CHECK_EQ(mbox_send(q, msg, MSG_MAX, 0, NO_HANDLE, 0), 0);
		CHECK_EQ(mbox_recv(q, msg, sizeof(msg), 0, NULL), MSG_MAX);
		close(s);
	}
	close(q);
}

static void test_quota_shm(void)
{
	int hs[QUOTA_SHM_PAGES / (SHM_MAX_SIZE / 4096) + 1], n = 0, err;

	while (n < (int)(sizeof(hs) / sizeof(hs[0])) && (err = shm_create(SHM_MAX_SIZE, NULL)) >= 0)
		hs[n++] = err;
	CHECK_EQ(n, QUOTA_SHM_PAGES / (SHM_MAX_SIZE / 4096));
	CHECK_EQ(err, -EQUOTA);
	CHECK_EQ(shm_create(4096, NULL), -EQUOTA);
	if (n > 0) {
		close(hs[--n]);
		err = shm_create(4096, NULL);
		CHECK(err >= 0);
		close(err);
	}
	while (n > 0)
		close(hs[--n]);
}

/* Quotas set at spawn: lower for the child, never above the parent's. */
static void test_quota_spawn(void)
{
	struct spawn_opts o = { .max_handles = 5, .max_queued = 3 * (MSG_MAX + MSG_OVERHEAD),
				.max_shm_pages = 3 };

	CHECK_EQ(reap(helper(&o, "count", "handles", NULL)), 5);
	CHECK_EQ(reap(helper(&o, "count", "queued", NULL)), 3);
	CHECK_EQ(reap(helper(&o, "count", "shm", NULL)), 3);
	/* Asking for more than the parent has gives the parent's. */
	CHECK_EQ(reap(helper(&o, "nested", "handles", NULL)), 5);
	CHECK_EQ(reap(helper(&o, "nested", "queued", NULL)), 3);
	CHECK_EQ(reap(helper(&o, "nested", "shm", NULL)), 3);
	/* 0 is the default. */
	CHECK_EQ(reap(helper(NULL, "count", "handles", NULL)), QUOTA_HANDLES);
}

/* ---- Process events and direct messages (each in its own child) ---- */

static void proc_events_body(void)
{
	struct handle_info hi;
	struct msg_info info;
	struct wait_info ev, wi;
	char *sleeper[] = { "uhelper", "sleep", "100000", NULL };
	int e = proc_events(), pid;

	if (!CHECK(e >= 0))
		return;
	CHECK_EQ(handle_info(e, &hi), 0);
	CHECK_EQ(hi.type, HANDLE_TYPE_MBOX);
	CHECK_EQ(hi.rights, RIGHT_RECV);
	CHECK_EQ(mbox_send(e, "x", 1, 0, NO_HANDLE, 0), -EPERM);
	CHECK_EQ(mbox_recv(e, &ev, sizeof(ev), 0, NULL), -EAGAIN);

	/* A normal exit: the event, and wait() still reaps it. */
	pid = fork();
	if (pid == 0)
		exit(7);
	memset(&ev, 0, sizeof(ev));
	CHECK_EQ(mbox_recv(e, &ev, sizeof(ev), LONG_WAIT_MS, &info), sizeof(ev));
	CHECK_EQ(info.sender, pid);
	CHECK_EQ(ev.pid, pid);
	CHECK_EQ(ev.how, EXIT_NORMAL);
	CHECK_EQ(ev.status, 7);
	CHECK_EQ(reap(pid), 7);

	/* A fault. */
	pid = fork();
	if (pid == 0)
		crash();
	CHECK_EQ(mbox_recv(e, &ev, sizeof(ev), LONG_WAIT_MS, &info), sizeof(ev));
	CHECK_EQ(ev.pid, pid);
	CHECK_EQ(ev.how, EXIT_FAULT);
	CHECK_EQ(ev.fault, FAULT_PAGE);
	CHECK_EQ(ev.addr, 0);
	CHECK_EQ(wait(pid, &wi), pid);
	CHECK_EQ(wi.how, EXIT_FAULT);

	/* A kill, of a spawned program; nothing before it happens. */
	pid = spawn("uhelper", sleeper, NULL);
	if (CHECK(pid > 0)) {
		CHECK_EQ(mbox_recv(e, &ev, sizeof(ev), 100, NULL), -ETIMEDOUT);
		kill(pid);
		CHECK_EQ(mbox_recv(e, &ev, sizeof(ev), LONG_WAIT_MS, &info), sizeof(ev));
		CHECK_EQ(ev.pid, pid);
		CHECK_EQ(ev.how, EXIT_KILLED);
		CHECK(strcmp(ev.name, "uhelper") == 0);
		CHECK_EQ(wait(pid, &wi), pid);
	}
	CHECK_EQ(mbox_recv(e, &ev, sizeof(ev), 0, NULL), -EAGAIN);
	CHECK_EQ(close(e), 0);
}

static void test_proc_events(void)
{
	in_child(proc_events_body);
}

static void direct_body(void)
{
	static char big[MSG_MAX + 1];
	int me = getpid(), pid, n, ctl;
	struct msg_info info;
	char buf[200];
	uint64_t t0;

	/* To ourselves. */
	CHECK_EQ(msg_send(me, "self", 4, 0), 0);
	memset(&info, 0, sizeof(info));
	CHECK_EQ(msg_recv(buf, sizeof(buf), 0, &info), 4);
	CHECK(memcmp(buf, "self", 4) == 0);
	CHECK_EQ(info.sender, me);
	CHECK_EQ(info.handle, NO_HANDLE);
	CHECK_EQ(msg_recv(buf, sizeof(buf), 0, NULL), -EAGAIN);
	CHECK_EQ(msg_recv(buf, sizeof(buf), 50, NULL), -ETIMEDOUT);
	CHECK_EQ(msg_send(99999, "x", 1, 0), -ESRCH);
	CHECK_EQ(msg_send(me, big, MSG_MAX + 1, 0), -EINVAL);
	CHECK_EQ(msg_send(me, BAD_UNMAPPED, 8, 0), -EFAULT);

	/* -E2BIG keeps it; -EFAULT too. */
	fill(buf, 100, 4);
	CHECK_EQ(msg_send(me, buf, 100, 0), 0);
	CHECK_EQ(msg_recv(buf, 10, 0, NULL), -E2BIG);
	CHECK_EQ(msg_recv(BAD_UNMAPPED, 100, 0, NULL), -EFAULT);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(msg_recv(buf, sizeof(buf), 0, NULL), 100);
	CHECK_EQ(mismatches(buf, 100, 4), 0);

	/* A round trip with a child, by pid both ways. */
	pid = fork();
	if (pid == 0) {
		long len = msg_recv(buf, sizeof(buf), LONG_WAIT_MS, &info);

		if (len < 0 || info.sender != getppid())
			exit(1);
		exit(msg_send(getppid(), buf, (size_t)len, LONG_WAIT_MS) == 0 ? 0 : 2);
	}
	CHECK_EQ(msg_send(pid, "ping", 4, LONG_WAIT_MS), 0);
	CHECK_EQ(msg_recv(buf, sizeof(buf), LONG_WAIT_MS, &info), 4);
	CHECK_EQ(info.sender, pid);
	CHECK_EQ(reap(pid), 0);

	/* A process's mailbox holds 16; a sender blocked on a process that
	 * exits gets -EPIPE.  The child exits a while after "go". */
	ctl = mbox_create(1, NULL);
	pid = fork();
	if (pid == 0) {
		mbox_recv(ctl, buf, sizeof(buf), LONG_WAIT_MS, NULL);
		sleep(BLOCKED_MS);
		exit(0);
	}
	for (n = 0; n < 100 && msg_send(pid, "m", 1, 0) == 0; n++)
		;
	CHECK_EQ(n, 16);
	CHECK_EQ(msg_send(pid, "m", 1, 0), -EAGAIN);
	CHECK_EQ(mbox_send(ctl, "go", 2, 0, NO_HANDLE, 0), 0);
	close(ctl);
	t0 = uptime();
	CHECK_EQ(msg_send(pid, "m", 1, LONG_WAIT_MS), -EPIPE);
	CHECK(ms_since(t0) < LONG_WAIT_MS);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(msg_send(pid, "m", 1, 0), -ESRCH);
}

static void test_direct(void)
{
	in_child(direct_body);
}

/* ---- The POSIX-flavoured layer ---- */

static void test_posix_shm(void)
{
	int fd = px_shm_open("/ipctest.px", O_CREAT | O_RDWR, 0666), fd2;
	char *p, *q;

	if (!CHECK(fd >= PX_FD_BASE))
		return;
	CHECK_EQ(px_handle(fd), -EBADH);	/* no object until ftruncate */
	CHECK(ptr_error(px_mmap(0, 4096, PROT_READ, MAP_SHARED, fd, 0)) == -EINVAL);
	CHECK_EQ(px_shm_open("ipctest.px", O_RDONLY, 0), -ENOENT);
	CHECK_EQ(px_ftruncate(fd, 8192), 0);
	CHECK(px_handle(fd) >= 0);
	p = px_mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!CHECK(!ptr_error(p)))
		goto out;
	strlcpy(p, "Hello World!", 64);

	/* "/name" and "name" are the same object. */
	fd2 = px_shm_open("ipctest.px", O_RDONLY, 0666);
	if (CHECK(fd2 >= PX_FD_BASE)) {
		q = px_mmap(0, 4096, PROT_READ, MAP_SHARED, fd2, 0);
		if (CHECK(!ptr_error(q))) {
			CHECK(strcmp(q, "Hello World!") == 0);
			CHECK_EQ(px_munmap(q, 4096), 0);
		}
		CHECK(ptr_error(px_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0)) ==
		      -EPERM);
		CHECK(ptr_error(px_mmap(0, 3 * 4096, PROT_READ, MAP_SHARED, fd2, 0)) == -EINVAL);
		CHECK(ptr_error(px_mmap(0, 4096, PROT_READ, 0, fd2, 0)) == -EINVAL);
		CHECK(ptr_error(px_mmap(0, 4096, PROT_READ, MAP_SHARED, fd2, 4096)) == -EINVAL);
		CHECK_EQ(px_ftruncate(fd2, 4096), 0);	/* not larger: nothing to do */
		CHECK_EQ(px_close(fd2), 0);
		CHECK_EQ(px_close(fd2), -EBADH);
	}
	CHECK_EQ(px_ftruncate(fd, 1 << 20), -EINVAL);	/* cannot grow */
	CHECK_EQ(px_shm_open("/ipctest.px", O_CREAT | O_EXCL | O_RDWR, 0666), -EEXIST);
	CHECK_EQ(px_shm_open("/ipctest.px", O_WRONLY, 0666), -EINVAL);
	CHECK_EQ(px_shm_unlink("/ipctest.px"), 0);
	CHECK_EQ(px_shm_open("/ipctest.px", O_RDONLY, 0666), -ENOENT);
	CHECK(strcmp(p, "Hello World!") == 0);
	CHECK_EQ(px_munmap(p, 8192), 0);
out:
	CHECK_EQ(close(fd), -EBADH);		/* not a kernel handle */
	CHECK_EQ(px_close(fd), 0);
}

static void test_posix_mq(void)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 64 }, got;
	mqd_t mq = mq_open("/ipctest.mq", O_CREAT | O_RDWR, 0666, &attr), rd, wr;
	char buf[128];
	unsigned prio = 9;
	int pid;

	if (!CHECK(mq >= 0))
		return;
	CHECK_EQ(mq_send(mq, "hello", 5, 3), 0);
	CHECK_EQ(mq_getattr(mq, &got), 0);
	CHECK_EQ(got.mq_maxmsg, 4);
	CHECK_EQ(got.mq_msgsize, 64);
	CHECK_EQ(got.mq_curmsgs, 1);
	CHECK_EQ(mq_receive(mq, buf, sizeof(buf), &prio), 5);
	CHECK_EQ(prio, 0);
	CHECK_EQ(mq_send(mq, buf, 65, 0), -EINVAL);

	rd = mq_open("ipctest.mq", O_RDONLY | O_NONBLOCK, 0, NULL);
	wr = mq_open("/ipctest.mq", O_WRONLY | O_NONBLOCK, 0, NULL);
	if (CHECK(rd >= 0 && wr >= 0)) {
		CHECK_EQ(mq_receive(rd, buf, sizeof(buf), NULL), -EAGAIN);
		CHECK_EQ(mq_send(rd, "x", 1, 0), -EPERM);
		CHECK_EQ(mq_receive(wr, buf, sizeof(buf), NULL), -EPERM);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(mq_send(wr, "y", 1, 0), 0);
		CHECK_EQ(mq_send(wr, "y", 1, 0), -EAGAIN);
		for (int i = 0; i < 4; i++)
			CHECK_EQ(mq_receive(rd, buf, sizeof(buf), NULL), 1);
		/* From another process, blocking. */
		pid = fork();
		if (pid == 0) {
			mqd_t w = mq_open("/ipctest.mq", O_WRONLY, 0, NULL);

			exit(w >= 0 && mq_send(w, "child", 5, 0) == 0 ? 0 : 1);
		}
		CHECK_EQ(mq_receive(mq, buf, sizeof(buf), NULL), 5);
		CHECK_EQ(reap(pid), 0);
		CHECK_EQ(mq_close(rd), 0);
		CHECK_EQ(mq_close(wr), 0);
	}
	CHECK_EQ(mq_open("/ipctest.mq", O_CREAT | O_EXCL | O_RDWR, 0, &attr), -EEXIST);
	CHECK_EQ(mq_open("/ipctest.none", O_RDONLY, 0, NULL), -ENOENT);
	CHECK_EQ(mq_unlink("/ipctest.mq"), 0);
	CHECK_EQ(mq_close(mq), 0);
	CHECK_EQ(mq_close(mq), -EBADH);
	CHECK_EQ(mq_unlink("/ipctest.mq"), -ENOENT);	/* gone with its last handle */
	attr.mq_maxmsg = 0;				/* a rendezvous queue */
	mq = mq_open("/ipctest.mq0", O_CREAT | O_RDWR | O_NONBLOCK, 0, &attr);
	if (CHECK(mq >= 0)) {
		CHECK_EQ(mq_send(mq, "r", 1, 0), -EAGAIN);
		mq_close(mq);
	}
}

/* ---- Helpers run as separate programs ---- */

static int helper_spawn_handles(void)
{
	struct handle_info hi;
	const uint8_t *p;

	if (handle_info(0, &hi) != 0 || hi.type != HANDLE_TYPE_SHM || hi.rights != RIGHT_MAP_READ)
		return 10;
	p = shm_map(0, PROT_READ);
	if (ptr_error(p) || p[0] != 0x5a || !ptr_error(shm_map(0, PROT_READ | PROT_WRITE)))
		return 11;
	if (handle_info(1, &hi) != 0 || hi.type != HANDLE_TYPE_MBOX ||
	    hi.rights != (RIGHT_SEND | RIGHT_RECV))
		return 12;
	if (handle_info(2, &hi) != 0 || hi.rights != RIGHT_SEND)
		return 13;
	for (int h = 3; h < QUOTA_HANDLES; h++)
		if (handle_info(h, &hi) != -EBADH)
			return 14;
	return mbox_send(2, "ok", 2, 0, NO_HANDLE, 0) == 0 ? 0 : 15;
}

/* Handle 0 receives a message carrying a handle; forward it on handle 1. */
static int helper_relay(void)
{
	struct handle_info hi;
	struct msg_info info;
	char buf[32];
	long n = mbox_recv(0, buf, sizeof(buf), LONG_WAIT_MS, &info);

	if (n < 0 || info.handle < 0)
		return 20;
	if (handle_info(info.handle, &hi) != 0 || hi.type != HANDLE_TYPE_MBOX ||
	    hi.rights != RIGHT_SEND)
		return 21;
	if (mbox_send(1, buf, (size_t)n, LONG_WAIT_MS, info.handle, 0) != 0)
		return 22;
	return handle_info(info.handle, &hi) == -EBADH ? 0 : 23;
}

/* Handle 0 receives a handle; say hello through it. */
static int helper_answer(void)
{
	struct msg_info info;
	char buf[32];

	if (mbox_recv(0, buf, sizeof(buf), LONG_WAIT_MS, &info) < 0 || info.handle < 0)
		return 30;
	return mbox_send(info.handle, "hello from C", 12, LONG_WAIT_MS, NO_HANDLE, 0) == 0 ? 0 : 31;
}

/* Opens NAME, writes the pattern SEED over it, and crashes. */
static int helper_shm_crash(const char *name, const char *seed)
{
	int h = shm_open(name, RIGHT_MAP_READ | RIGHT_MAP_WRITE);
	uint8_t *p = h >= 0 ? shm_map(h, PROT_READ | PROT_WRITE) : NULL;

	if (!p || ptr_error(p))
		return 40;
	fill(p, 4 * 4096, (unsigned)atoi(seed));
	crash();
	return 41;
}

/* Takes KIND of resource until the quota says no; exits with the count
 * (250: some other error). */
static int helper_count(const char *kind)
{
	static char msg[MSG_MAX];
	int n = 0, err, q;

	if (strcmp(kind, "handles") == 0) {
		while ((err = mbox_create(1, NULL)) >= 0)
			n++;
	} else if (strcmp(kind, "queued") == 0) {
		if ((q = mbox_create(MBOX_MAX_CAPACITY, NULL)) < 0)
			return 250;
		while ((err = mbox_send(q, msg, MSG_MAX, 0, NO_HANDLE, 0)) == 0)
			n++;
	} else {
		while ((err = shm_create(4096, NULL)) >= 0)
			n++;
	}
	return err == -EQUOTA ? n : 250;
}

/* Spawns "count KIND" asking for far more than we have. */
static int helper_nested(const char *kind)
{
	struct spawn_opts o = { .max_handles = 1000, .max_queued = 1 << 30,
				.max_shm_pages = 1 << 20 };
	int pid = helper(&o, "count", kind, NULL);
	struct wait_info wi;

	if (pid < 0 || wait(pid, &wi) != pid || wi.how != EXIT_NORMAL)
		return 251;
	return wi.status;
}

static int helper_main(int argc, char **argv)
{
	const char *mode = argc > 2 ? argv[2] : "";

	if (strcmp(mode, "spawn-handles") == 0)
		return helper_spawn_handles();
	if (strcmp(mode, "relay") == 0)
		return helper_relay();
	if (strcmp(mode, "answer") == 0)
		return helper_answer();
	if (strcmp(mode, "shm-crash") == 0 && argc == 5)
		return helper_shm_crash(argv[3], argv[4]);
	if (strcmp(mode, "count") == 0 && argc == 4)
		return helper_count(argv[3]);
	if (strcmp(mode, "nested") == 0 && argc == 4)
		return helper_nested(argv[3]);
	eprintf("ipctest: unknown helper %s\n", mode);
	return 255;
}

/* ---- The runner ---- */

static const struct tap_test tests[] = {
	{ "handles", test_handles },
	{ "bad_handles", test_bad_handles },
	{ "fork_inherits", test_fork_inherits },
	{ "spawn_handles", test_spawn_handles },
	{ "shm_basic", test_shm_basic },
	{ "shm_map_limit", test_shm_map_limit },
	{ "shm_fork", test_shm_fork },
	{ "shm_readonly", test_shm_readonly },
	{ "shm_crash", test_shm_crash },
	{ "mbox_basic", test_mbox_basic },
	{ "timeouts", test_timeouts },
	{ "e2big", test_e2big },
	{ "epipe", test_epipe },
	{ "efault", test_efault },
	{ "rendezvous", test_rendezvous },
	{ "wakeups", test_wakeups },
	{ "kill_blocked", test_kill_blocked },
	{ "many_to_many", test_many_to_many },
	{ "fifo_per_sender", test_fifo_per_sender },
	{ "handle_passing", test_handle_passing },
	{ "reply_handle", test_reply_handle },
	{ "xfer_self", test_xfer_self },
	{ "xfer_cross", test_xfer_cross },
	{ "discard", test_discard },
	{ "quota_handles", test_quota_handles },
	{ "quota_queued", test_quota_queued },
	{ "quota_shm", test_quota_shm },
	{ "quota_spawn", test_quota_spawn },
	{ "proc_events", test_proc_events },
	{ "direct", test_direct },
	{ "posix_shm", test_posix_shm },
	{ "posix_mq", test_posix_mq },
};

/* Closes handles the test left open; returns how many. */
static int close_leftovers(void)
{
	struct handle_info hi;
	int found = 0;

	for (int h = 0; h < QUOTA_HANDLES; h++) {
		if (handle_info(h, &hi) == -EBADH)
			continue;
		tap_say("# left open: handle %d (type %d)\n", h, hi.type);
		close(h);
		found++;
	}
	return found;
}

/* After each test: kills and reaps the children it left behind or, if
 * there were none, closes the handles it left open; returns how many. */
static int leftovers(void)
{
	int n = tap_reap_leftovers();

	return n > 0 ? n : close_leftovers();
}

/* One pass: a child runs the selected tests and exits with how many
 * failed.  Returns that, or n if the child did not finish. */
static int run_pass(const struct tap_test **selected, int n)
{
	int pid = fork(), failed;

	if (pid == 0)
		exit(tap_run_tests(selected, n));
	failed = reap(pid);
	return failed < 0 ? n : failed;
}

/*
 * The last test.  Kernel objects, kernel heap bytes and processes must be
 * exactly as before the tests (start).  Free frames are compared across
 * the second pass only (mid to now): kmalloc keeps the frames it carved
 * into small blocks, so the first pass may leave the kernel holding a
 * few more frames for good, but a second pass of the same tests that
 * leaks nothing must leave free_frames exactly where it found it.
 */
static bool check_no_leaks(int number, const struct memstat *start, const struct memstat *mid,
			   int failed, int quiet_failed)
{
	struct memstat after;

	tap_failed = 0;
	settled_memstat(mid, &after);
	if (failed == 0)	/* a test that passed once must pass again */
		CHECK_EQ(quiet_failed, 0);
	else if (quiet_failed)
		printf("# %d tests failed in the second pass too\n", quiet_failed);
	CHECK_EQ(after.free_frames, mid->free_frames);
	CHECK_EQ(after.kmalloc_bytes, start->kmalloc_bytes);
	CHECK_EQ(after.nobjects, start->nobjects);
	CHECK_EQ(after.nprocs, start->nprocs);
	CHECK_EQ(mid->kmalloc_bytes, start->kmalloc_bytes);
	CHECK_EQ(mid->nobjects, start->nobjects);
	if (start->free_frames != mid->free_frames)
		printf("# the first pass left %ld frames with kernel caches\n",
		       (long)(start->free_frames - mid->free_frames));
	return tap_result(number, "no_leaks");
}

/* hooks.run: the selected tests, then again silently, then no_leaks. */
static int run_passes(const struct tap_test **selected, int n)
{
	struct memstat start, mid;
	int failed, quiet_failed;

	memstat(&start);
	failed = run_pass(selected, n);
	settled_memstat(&start, &mid);
	/* Again, silently and with fewer many_to_many messages, to see that
	 * a pass leaves every free frame where it found it. */
	tap_quiet = true;
	quiet_failed = run_pass(selected, n);
	tap_quiet = false;
	if (!check_no_leaks(n + 1, &start, &mid, failed, quiet_failed))
		failed++;
	return failed;
}

int main(int argc, char **argv)
{
	static const struct tap_hooks hooks = {
		.except = true,
		.cleanup = leftovers,
		.run = run_passes,
		.final_test = "no_leaks",
	};

	if (argc >= 2 && strcmp(argv[1], "--helper") == 0)
		return helper_main(argc, argv);
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), &hooks);
}
