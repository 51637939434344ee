/*
 * coopcheck: tests for the why-cooperate programs, parwork, board and
 * indep (docs/why-cooperate.md).  TAP output, like utest:
 *
 *   coopcheck              run every test
 *   coopcheck NAME...      run only these
 *   coopcheck -l           list the tests
 *
 * The exit status is the number of failed tests.  The programs under
 * test print their own tables in between; a TAP reader ignores those
 * lines.  Nothing here measures time: under TCG the speedup depends on
 * the host, so only answers and counts are checked.
 *
 * The counter tests assume nothing else sends messages while they run,
 * which holds under `make run RUN=coopcheck`.
 */
#include "counters.h"
#include "ipc.h"
#include "tap.h"

#define SMALL_N		"300000"	/* pi(300000) = 25997: quick even on one CPU */

static struct cpu_counters before[COUNTERS_MAX_CPUS], after[COUNTERS_MAX_CPUS];

/* ---- Helpers ---- */

/* Prints argv as a "# run: ..." line. */
static void say_run(char **argv)
{
	char line[160];
	size_t len = 0;

	for (int i = 0; argv[i] && len < sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", argv[i]);
	printf("# run: %s\n", line);
}

/* Starts argv[0] with argv; the pid or a negative error. */
static int start(char **argv)
{
	say_run(argv);
	return spawn(argv[0], argv, NULL);
}

/* Waits for pid; its exit status, or -1 (with a diagnostic) if it could
 * not be started or did not exit normally. */
static int status_of(int pid, const char *name)
{
	struct wait_info wi = { 0 };
	char why[96];

	if (pid < 0) {
		printf("# cannot run %s: %s\n", name, errno_name(pid));
		return -1;
	}
	if (wait(pid, &wi) != pid) {
		printf("# wait for %s failed\n", name);
		return -1;
	}
	if (wi.how != EXIT_NORMAL) {
		exit_reason(&wi, why, sizeof(why));
		printf("# %s: %s\n", name, why);
		return -1;
	}
	return wi.status;
}

/* Runs argv to the end; its exit status (or -1). */
static int run_status(char **argv)
{
	return status_of(start(argv), argv[0]);
}

/* Whether a shared-memory object called name exists now. */
static bool shm_exists(const char *name)
{
	int h = shm_open(name, RIGHT_MAP_READ);

	if (h >= 0)
		close(h);
	return h >= 0;
}

/* ---- The tests ---- */

/* parwork with one worker per CPU gathers the verified total through a
 * mailbox and through a shared page (its status is 0 only then). */
static void test_parwork_both_methods(void)
{
	char k[12];
	char *argv[] = { "parwork", "-n", SMALL_N, "-k", k, "--method", "both", NULL };

	snprintf(k, sizeof(k), "%d", ncpu());
	CHECK_EQ(run_status(argv), 0);
}

/* More workers than CPUs, and not a multiple of them: still verified. */
static void test_parwork_more_workers(void)
{
	char k[12];
	char *argv[] = { "parwork", "-n", "100000", "-k", k, NULL };

	snprintf(k, sizeof(k), "%d", 2 * ncpu() + 1);
	CHECK_EQ(run_status(argv), 0);
}

/* Bad arguments are refused with status 2. */
static void test_usage_errors(void)
{
	char *p1[] = { "parwork", "-k", "0", NULL };
	char *p2[] = { "parwork", "--method", "pigeon", NULL };
	char *b1[] = { "board", "frobnicate", NULL };
	char *b2[] = { "board", "post", "a-name-much-too-long", "x", NULL };
	char *i1[] = { "indep", "-n", "1", NULL };

	CHECK_EQ(run_status(p1), 2);
	CHECK_EQ(run_status(p2), 2);
	CHECK_EQ(run_status(b1), 2);
	CHECK_EQ(run_status(b2), 2);
	CHECK_EQ(run_status(i1), 2);
}

/* Three updaters and a watcher: the watcher sees every update exactly
 * once, in version order, and a lock-racing round loses none. */
static void test_board_demo(void)
{
	char *argv[] = { "board", "demo", NULL };

	CHECK(!shm_exists("board"));
	CHECK_EQ(run_status(argv), 0);
	/* The demo held the board alone: it is gone with the demo. */
	CHECK(!shm_exists("board"));
}

/*
 * The board lives while a process holds it: between separate commands
 * only because `board serve` does, and it goes when the server stops.
 */
static void test_board_lifetime(void)
{
	char *serve[] = { "board", "serve", NULL };
	char *post1[] = { "board", "post", "alice", "hi", NULL };
	char *post2[] = { "board", "post", "bob", "hello", "there", NULL };
	char *show[] = { "board", "show", NULL };
	char *watch[] = { "board", "watch", "2", "--from", "0", NULL };
	char *stop[] = { "board", "stop", NULL };
	int server;

	CHECK_EQ(run_status(show), 1);		/* no board yet */
	server = start(serve);
	if (!CHECK(server > 0))
		return;
	CHECK_EQ(run_status(post1), 0);
	CHECK_EQ(run_status(post2), 0);
	CHECK(shm_exists("board"));
	CHECK_EQ(run_status(show), 0);
	/* Both updates are still there for a later process, in order. */
	CHECK_EQ(run_status(watch), 0);
	CHECK_EQ(run_status(stop), 0);
	CHECK_EQ(status_of(server, "board serve"), 0);
	CHECK(!shm_exists("board"));
	CHECK_EQ(run_status(show), 1);
}

/* indep: its workers send and receive nothing, on any CPU. */
static void test_indep_no_messages(void)
{
	char k[12];
	char *argv[] = { "indep", "-n", SMALL_N, "-k", k, NULL };
	int n;

	snprintf(k, sizeof(k), "%d", ncpu());
	n = counters(before, COUNTERS_MAX_CPUS);
	if (!CHECK(n >= 1))
		return;
	CHECK_EQ(run_status(argv), 0);	/* 0: its workers' own counters show no messages */
	CHECK_EQ(counters(after, COUNTERS_MAX_CPUS), n);
	for (int c = 0; c < n; c++) {
		if (!CHECK_EQ(after[c].msgs_sent - before[c].msgs_sent, 0) ||
		    !CHECK_EQ(after[c].msgs_received - before[c].msgs_received, 0))
			printf("# (cpu %d)\n", c);
	}
}

/* The control for the test above: the same counters do see parwork's
 * messages, exactly one per worker each way. */
static void test_parwork_messages_counted(void)
{
	char k[12];
	char *argv[] = { "parwork", "-n", "100000", "-k", k, "--method", "mbox", NULL };
	uint64_t sent = 0, received = 0;
	int n;

	snprintf(k, sizeof(k), "%d", ncpu());
	n = counters(before, COUNTERS_MAX_CPUS);
	if (!CHECK(n >= 1))
		return;
	CHECK_EQ(run_status(argv), 0);
	CHECK_EQ(counters(after, COUNTERS_MAX_CPUS), n);
	for (int c = 0; c < n; c++) {
		sent += after[c].msgs_sent - before[c].msgs_sent;
		received += after[c].msgs_received - before[c].msgs_received;
	}
	CHECK_EQ(sent, ncpu());
	CHECK_EQ(received, ncpu());
}

/* ---- The runner ---- */

static const struct tap_test tests[] = {
	{ "parwork_both_methods", test_parwork_both_methods },
	{ "parwork_more_workers", test_parwork_more_workers },
	{ "usage_errors", test_usage_errors },
	{ "board_demo", test_board_demo },
	{ "board_lifetime", test_board_lifetime },
	{ "indep_no_messages", test_indep_no_messages },
	{ "parwork_messages_counted", test_parwork_messages_counted },
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]), NULL);
}
