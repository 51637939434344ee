/*
 * ipcedge: the IPC edge cases an adversarial test found, one test each,
 * so none comes back: kills at every blocking point, failed sends that
 * carry handles, processes exiting under a stream of messages, quota and
 * timeout edges, and arguments whose upper 32 bits are set.
 *
 *   ipcedge             run every test
 *   ipcedge NAME...     run only these
 *   ipcedge -l          list the tests
 *
 * Output is TAP (user/ulib/tap.c).  Races are provoked, not waited out:
 * each test repeats its scenario ROUNDS times, and at SMP=1 the ordering
 * that used to lose a message happens every time (a killed process does
 * not run again until the killer blocks).
 */
#include "ipc.h"
#include "tap.h"

#define ROUNDS		10
#define WIDE		(1ul << 32)	/* a bit the kernel must not ignore */

/* ---- helpers ---- */

static int state_of(int pid)
{
	static struct proc_info procs[128];
	int n = ps(procs, 128);

	for (int i = 0; i < n; i++)
		if (procs[i].pid == pid)
			return procs[i].state;
	return 0;
}

/* Waits (up to 5 s) until pid sleeps in the kernel. */
static bool await_sleeping(int pid)
{
	for (int t = 0; t < 500; t++) {
		if (state_of(pid) == PSTATE_SLEEPING)
			return true;
		sleep(10);
	}
	tap_say("# pid %d never blocked\n", pid);
	return false;
}

/* Reaps pid; its wait_info.how, or -1. */
static int reap_how(int pid, int *status)
{
	struct wait_info wi;

	if (pid <= 0 || wait(pid, &wi) != pid)
		return -1;
	if (status)
		*status = wi.status;
	return wi.how;
}

static long queued(int h)
{
	struct handle_info hi;

	return handle_info(h, &hi) < 0 ? -1 : (long)hi.queued;
}

/* A forked child that blocks receiving on q, for ever. */
static int blocked_receiver(int q)
{
	int pid = fork();

	if (pid == 0) {
		char buf[16];

		mbox_recv(q, buf, sizeof(buf), TIMEOUT_NEVER, NULL);
		exit(0);
	}
	return pid;
}

/* ---- 1: a killed, blocked receiver takes nothing ---- */

static void test_killed_receiver(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		int q = mbox_create(4, NULL), pid = blocked_receiver(q);
		char buf[16] = { 0 };

		CHECK(await_sleeping(pid));
		CHECK_EQ(kill(pid), 0);
		CHECK_EQ(mbox_send(q, "hello", 6, TIMEOUT_POLL, NO_HANDLE, 0), 0);
		CHECK_EQ(reap_how(pid, NULL), EXIT_KILLED);
		CHECK_EQ(mbox_recv(q, buf, sizeof(buf), TIMEOUT_POLL, NULL), 6);
		CHECK(strcmp(buf, "hello") == 0);
		close(q);
	}
}

/* A live receiver queued behind a killed one gets the message. */
static void test_receiver_behind_killed(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		int q = mbox_create(4, NULL), dead = blocked_receiver(q), live, status = -1;

		CHECK(await_sleeping(dead));
		live = fork();
		if (live == 0) {
			char buf[16] = { 0 };
			long n = mbox_recv(q, buf, sizeof(buf), 10000, NULL);

			exit(n == 2 && strcmp(buf, "x") == 0 ? 0 : 1);
		}
		CHECK(await_sleeping(live));
		CHECK_EQ(kill(dead), 0);
		CHECK_EQ(mbox_send(q, "x", 2, TIMEOUT_NEVER, NO_HANDLE, 0), 0);
		CHECK_EQ(reap_how(dead, NULL), EXIT_KILLED);
		CHECK_EQ(reap_how(live, &status), EXIT_NORMAL);
		CHECK_EQ(status, 0);
		CHECK_EQ(queued(q), 0);
		close(q);
	}
}

/* A polling rendezvous send does not "meet" a killed receiver. */
static void test_rendezvous_killed_receiver(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		int q = mbox_create(0, NULL), pid = blocked_receiver(q);

		CHECK(await_sleeping(pid));
		CHECK_EQ(kill(pid), 0);
		CHECK_EQ(mbox_send(q, "lost?", 6, TIMEOUT_POLL, NO_HANDLE, 0), -EAGAIN);
		CHECK_EQ(reap_how(pid, NULL), EXIT_KILLED);
		close(q);
	}
}

/* ---- 2: a killed, blocked sender sends nothing ---- */

static void killed_sender_at(int capacity)
{
	for (int round = 0; round < ROUNDS; round++) {
		int q = mbox_create(capacity, NULL), pid;
		char buf[16] = { 0 };

		if (capacity)
			CHECK_EQ(mbox_send(q, "A", 2, TIMEOUT_POLL, NO_HANDLE, 0), 0);
		pid = fork();
		if (pid == 0)
			exit(mbox_send(q, "S", 2, TIMEOUT_NEVER, NO_HANDLE, 0) == 0 ? 0 : 1);
		CHECK(await_sleeping(pid));
		CHECK_EQ(kill(pid), 0);
		if (capacity) {
			CHECK_EQ(mbox_recv(q, buf, sizeof(buf), TIMEOUT_POLL, NULL), 2);
			CHECK(strcmp(buf, "A") == 0);
		}
		CHECK_EQ(mbox_recv(q, buf, sizeof(buf), TIMEOUT_POLL, NULL), -EAGAIN);
		CHECK_EQ(reap_how(pid, NULL), EXIT_KILLED);
		CHECK_EQ(mbox_recv(q, buf, sizeof(buf), TIMEOUT_POLL, NULL), -EAGAIN);
		close(q);
	}
}

static void test_killed_sender(void)
{
	killed_sender_at(1);
}

static void test_killed_rendezvous_sender(void)
{
	killed_sender_at(0);
}

/* ---- 3: a failed send carrying a receive handle changes nothing ---- */

/* x: a mailbox of capacity 2 holding two messages. */
static int two_messages(void)
{
	int x = mbox_create(2, NULL);

	mbox_send(x, "m1", 3, TIMEOUT_POLL, NO_HANDLE, 0);
	mbox_send(x, "m2", 3, TIMEOUT_POLL, NO_HANDLE, 0);
	return x;
}

static void check_intact(int x)
{
	char buf[8];

	CHECK_EQ(queued(x), 2);
	CHECK_EQ(mbox_recv(x, buf, sizeof(buf), TIMEOUT_POLL, NULL), 3);
	CHECK(strcmp(buf, "m1") == 0);
	CHECK_EQ(mbox_recv(x, buf, sizeof(buf), TIMEOUT_POLL, NULL), 3);
	CHECK(strcmp(buf, "m2") == 0);
	close(x);
}

static void test_failed_send_keeps_handle(void)
{
	int t = mbox_create(1, NULL), x, gone, s;

	mbox_send(t, "full", 5, TIMEOUT_POLL, NO_HANDLE, 0);
	x = two_messages();
	CHECK_EQ(mbox_send(t, "c", 1, TIMEOUT_POLL, x, 0), -EAGAIN);
	check_intact(x);
	x = two_messages();
	CHECK_EQ(mbox_send(t, "c", 1, 30, x, 0), -ETIMEDOUT);
	check_intact(x);
	/* -EPIPE: no receive right left on the target. */
	gone = mbox_create(1, NULL);
	s = dup(gone, RIGHT_SEND);
	close(gone);
	x = two_messages();
	CHECK_EQ(mbox_send(s, "c", 1, TIMEOUT_POLL, x, 0), -EPIPE);
	check_intact(x);
	/* Its only handle, through itself, while it is full. */
	x = two_messages();
	CHECK_EQ(mbox_send(x, "c", 1, TIMEOUT_POLL, x, 0), -EAGAIN);
	check_intact(x);
	close(s);
	close(t);
}

/* ---- 4: no default mailbox is made for an exiting process ---- */

#define EXIT_ROUNDS 30

static void exit_sender(int target, uint64_t *stats)
{
	static char buf[64];

	for (;;) {
		long r = msg_send(target, buf, sizeof(buf), 2000);

		if (r == -ESRCH)
			break;
		if (r == -ETIMEDOUT)
			stats[0]++;
		else if (r != 0 && r != -EPIPE)
			stats[1]++;
	}
}

static void test_exiting_inbox(void)
{
	struct memstat before, after;
	int stats = shm_create(4096, NULL);
	uint64_t *st = shm_map(stats, PROT_READ | PROT_WRITE);
	int ncpus = ncpu();

	if (!CHECK(stats >= 0) || !CHECK((long)st > 0))
		return;
	memstat(&before);
	for (int round = 0; round < EXIT_ROUNDS; round++) {
		int target = fork(), senders[3];

		if (target == 0) {
			sleep(5);
			exit(0);
		}
		for (int i = 0; i < 3; i++) {
			senders[i] = fork();
			if (senders[i] == 0) {
				setaffinity(0, 1ull << ((i + 1) % ncpus));
				exit_sender(target, st);
				exit(0);
			}
		}
		reap_how(target, NULL);
		for (int i = 0; i < 3; i++)
			CHECK_EQ(reap_how(senders[i], NULL), EXIT_NORMAL);
	}
	CHECK_EQ(st[0], 0);	/* no sender waited for an exiting process */
	CHECK_EQ(st[1], 0);	/* nor got another error */
	memstat(&after);
	CHECK_EQ(after.nobjects, before.nobjects);
	CHECK_EQ(after.nprocs, before.nprocs);
	shm_unmap(st);
	close(stats);
}

/* ---- 5: the child-exit mailbox keeps to its capacity ---- */

static void test_events_capacity(void)
{
	int ev = proc_events();
	struct handle_info hi;
	struct memstat before, after;
	char buf[sizeof(struct wait_info)];
	int n = MBOX_MAX_CAPACITY + 40;

	if (!CHECK(ev >= 0))
		return;
	CHECK_EQ(handle_info(ev, &hi), 0);
	for (int i = 0; i < n; i++) {
		int pid = fork();

		if (pid == 0)
			exit(0);
		reap_how(pid, NULL);
	}
	CHECK_EQ(queued(ev), (long)hi.size);
	CHECK(hi.size <= MBOX_MAX_CAPACITY);
	/* Every event queued is charged to us, and given back when read. */
	memstat(&before);
	while (mbox_recv(ev, buf, sizeof(buf), TIMEOUT_POLL, NULL) > 0)
		;
	memstat(&after);
	CHECK(after.nobjects + hi.size <= before.nobjects);
	close(ev);
}

/* ---- 7: timeouts never wrap ---- */

static void test_huge_timeouts(void)
{
	static const long bad[] = { INT64_MAX, 18446744073710l, TIMEOUT_MAX_MS + 1, -2, INT64_MIN };
	int q = mbox_create(1, NULL), pid, status = -1;
	char buf[8];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(mbox_recv(q, buf, sizeof(buf), bad[i], NULL), -EINVAL);
		CHECK_EQ(mbox_send(q, "b", 2, bad[i], NO_HANDLE, 0), -EINVAL);
		CHECK_EQ(msg_send(getpid(), "b", 2, bad[i]), -EINVAL);
		CHECK_EQ(msg_recv(buf, sizeof(buf), bad[i], NULL), -EINVAL);
	}
	CHECK_EQ(queued(q), 0);
	/* The longest allowed timeout really waits. */
	pid = fork();
	if (pid == 0)
		exit(mbox_recv(q, buf, sizeof(buf), TIMEOUT_MAX_MS, NULL) == 2 ? 0 : 1);
	CHECK(await_sleeping(pid));
	CHECK_EQ(mbox_send(q, "w", 2, TIMEOUT_NEVER, NO_HANDLE, 0), 0);
	CHECK_EQ(reap_how(pid, &status), EXIT_NORMAL);
	CHECK_EQ(status, 0);
	close(q);
}

/* ---- 8: a polling rendezvous send with a handle meets a waiting receiver ---- */

static void test_rendezvous_poll_handle(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		int q = mbox_create(0, NULL), gift = mbox_create(1, NULL), pid, status = -1;

		pid = fork();
		if (pid == 0) {
			struct msg_info info;
			char buf[8];
			long n = mbox_recv(q, buf, sizeof(buf), 10000, &info);
			struct handle_info hi;

			exit(n == 2 && info.handle >= 0 && handle_info(info.handle, &hi) == 0 &&
			     hi.type == HANDLE_TYPE_MBOX ? 0 : 1);
		}
		CHECK(await_sleeping(pid));
		CHECK_EQ(mbox_send(q, "h", 2, TIMEOUT_POLL, gift, 0), 0);
		CHECK_EQ(reap_how(pid, &status), EXIT_NORMAL);
		CHECK_EQ(status, 0);
		CHECK_EQ(handle_info(gift, NULL), -EBADH);	/* it moved */
		close(q);
	}
}

/* ---- 9: every argument is checked at its full width ---- */

static void test_wide_arguments(void)
{
	int q = mbox_create(2, NULL), s = shm_create(4096, NULL), pid;
	struct handle_info hi;
	char buf[32];

	CHECK_EQ(syscall6(SYS_close, WIDE | q, 0, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_handle_info, WIDE | q, (long)&hi, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_dup, q, WIDE | RIGHT_SEND, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_dup, WIDE | q, RIGHT_SEND, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_mbox_send, WIDE | q, (long)"x", 2, 0, NO_HANDLE, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_mbox_send, q, (long)"x", WIDE | 2, 0, NO_HANDLE, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_mbox_send, q, (long)"x", 2, 0, WIDE | s, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_mbox_send, q, (long)"x", 2, 0, NO_HANDLE, WIDE), -EINVAL);
	CHECK_EQ(syscall6(SYS_mbox_recv, WIDE | q, (long)buf, sizeof(buf), 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_shm_map, WIDE | s, PROT_READ, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_msg_send, getpid(), (long)buf, WIDE + 16, 0, 0, 0), -EINVAL);
	CHECK_EQ(syscall6(SYS_msg_send, WIDE | getpid(), (long)buf, 16, 0, 0, 0), -EINVAL);
	CHECK_EQ(queued(q), 0);
	CHECK_EQ(handle_info(q, &hi), 0);	/* still open */
	CHECK_EQ(handle_info(s, &hi), 0);
	pid = fork();
	if (pid == 0) {
		sleep(60000);
		exit(0);
	}
	CHECK_EQ(syscall6(SYS_kill, WIDE | pid, 0, 0, 0, 0, 0), -EINVAL);
	CHECK(state_of(pid) != 0 && state_of(pid) != PSTATE_ZOMBIE);
	kill(pid);
	CHECK_EQ(reap_how(pid, NULL), EXIT_KILLED);
	close(q);
	close(s);
}

/* ---- what the docs left open, decided (docs/ipc.md) ---- */

/* Zero-length messages cost MSG_OVERHEAD each. */
static void test_empty_messages_cost(void)
{
	int boxes[QUOTA_QUEUED / MSG_OVERHEAD / MBOX_MAX_CAPACITY + 1], n = 0, err = 0;
	int nboxes = sizeof(boxes) / sizeof(boxes[0]);

	for (int i = 0; i < nboxes; i++)
		boxes[i] = mbox_create(MBOX_MAX_CAPACITY, NULL);
	for (int i = 0; i < nboxes && err != -EQUOTA; i++)
		while ((err = mbox_send(boxes[i], "", 0, TIMEOUT_POLL, NO_HANDLE, 0)) == 0)
			n++;
	CHECK_EQ(err, -EQUOTA);
	CHECK_EQ(n, QUOTA_QUEUED / MSG_OVERHEAD);
	for (int i = 0; i < nboxes; i++)
		close(boxes[i]);
}

static void test_dup_no_rights(void)
{
	int q = mbox_create(1, NULL);

	CHECK_EQ(dup(q, 0), -EINVAL);
	close(q);
}

/* spawn never drops handles silently: more than the child may hold is
 * -EQUOTA, and nothing is started. */
static void test_spawn_too_many_handles(void)
{
	int q = mbox_create(1, NULL);
	struct spawn_opts o = { .handles = { q, q, q }, .nhandles = 3, .max_handles = 2 };
	char *argv[] = { "echo", NULL };
	struct memstat before, after;

	memstat(&before);
	CHECK_EQ(spawn("echo", argv, &o), -EQUOTA);
	memstat(&after);
	CHECK_EQ(after.nprocs, before.nprocs);
	o.max_handles = 3;
	CHECK_EQ(reap_how(spawn("echo", argv, &o), NULL), EXIT_NORMAL);
	close(q);
}

static const struct tap_test tests[] = {
	{ "killed_receiver", test_killed_receiver },
	{ "receiver_behind_killed", test_receiver_behind_killed },
	{ "rendezvous_killed_receiver", test_rendezvous_killed_receiver },
	{ "killed_sender", test_killed_sender },
	{ "killed_rendezvous_sender", test_killed_rendezvous_sender },
	{ "failed_send_keeps_handle", test_failed_send_keeps_handle },
	{ "exiting_inbox", test_exiting_inbox },
	{ "events_capacity", test_events_capacity },
	{ "huge_timeouts", test_huge_timeouts },
	{ "rendezvous_poll_handle", test_rendezvous_poll_handle },
	{ "wide_arguments", test_wide_arguments },
	{ "empty_messages_cost", test_empty_messages_cost },
	{ "dup_no_rights", test_dup_no_rights },
	{ "spawn_too_many_handles", test_spawn_too_many_handles },
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), 0);
}
