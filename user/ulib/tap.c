/* The user-space suites' test harness: checks and a TAP main (tap.h). */
#include "tap.h"

#define TAP_MAX_TESTS	64	/* the largest table tap_main takes */
#define TAP_MAX_PROCS	128	/* ps() entries looked at for leftovers */

int tap_failed;
bool tap_quiet;
static bool silent;		/* -q: nothing printed, only the exit status */

/* hooks->cleanup, or the default; set by tap_main. */
static int (*cleanup)(void) = tap_reap_leftovers;

void tap_say(const char *fmt, ...)
{
	va_list ap;

	if (tap_quiet || silent)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

const char *tap_show(long v, char *buf, size_t cap)
{
	if (v < 0 && v > -256)
		snprintf(buf, cap, "%ld (%s)", v, errno_name((int)v));
	else if (v < -65536 || v > 65536)
		snprintf(buf, cap, "0x%lx", v);
	else
		snprintf(buf, cap, "%ld", v);
	return buf;
}

bool tap_check(bool ok, const char *what, int line)
{
	if (!ok) {
		tap_say("# line %d: failed: %s\n", line, what);
		tap_failed++;
	}
	return ok;
}

bool tap_check_eq(long got, long want, const char *what, int line)
{
	char g[40], w[40];

	if (got != want) {
		tap_say("# line %d: %s is %s, want %s\n", line, what, tap_show(got, g, sizeof(g)),
			tap_show(want, w, sizeof(w)));
		tap_failed++;
	}
	return got == want;
}

int tap_reap_leftovers(void)
{
	struct proc_info procs[TAP_MAX_PROCS];	/* on the stack: not in every program's bss */
	struct wait_info wi;
	int n = ps(procs, TAP_MAX_PROCS), me = getpid(), found = 0;

	if (n < 0) {
		tap_say("# ps: %s\n", errno_name(n));
		return 0;
	}
	if (n > TAP_MAX_PROCS)
		n = TAP_MAX_PROCS;
	for (int i = 0; i < n; i++) {
		if (procs[i].ppid != me)
			continue;
		tap_say("# left behind: pid %d (%s)\n", procs[i].pid, procs[i].name);
		kill(procs[i].pid);
		wait(procs[i].pid, &wi);
		found++;
	}
	return found;
}

bool tap_result(int number, const char *name)
{
	tap_say("%s %d - %s\n", tap_failed ? "not ok" : "ok", number, name);
	return tap_failed == 0;
}

/* Runs one test, then the cleanup; prints its TAP line. */
static bool run_test(int number, const struct tap_test *t)
{
	tap_failed = 0;
	t->fn();
	if (cleanup() > 0)
		tap_failed++;
	return tap_result(number, t->name);
}

int tap_run_tests(const struct tap_test **selected, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++)
		if (!run_test(i + 1, selected[i]))
			failed++;
	return failed;
}

static const struct tap_test *find_test(const struct tap_test *tests, int ntests, const char *name)
{
	for (int i = 0; i < ntests; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

/* Whether argv[first..argc-1] names t. */
static bool named(const struct tap_test *t, int argc, char **argv, int first)
{
	for (int i = first; i < argc; i++)
		if (strcmp(argv[i], t->name) == 0)
			return true;
	return false;
}

/* Fills selected[] as the command line asks: the tests named, all but
 * those after -x, or all.  Returns how many, or -1 after a Bail out! line
 * for a name that is not a test. */
static int select_tests(int argc, char **argv, const struct tap_test *tests, int ntests,
			bool except, const struct tap_test **selected)
{
	int first = except ? 2 : 1, n = 0;

	for (int i = first; i < argc; i++) {
		const struct tap_test *t = find_test(tests, ntests, argv[i]);

		if (!t || n == ntests) {
			printf("Bail out! no test named %s (%s -l lists them)\n", argv[i], argv[0]);
			return -1;
		}
		selected[n++] = t;
	}
	if (except || argc == 1) {
		n = 0;
		for (int i = 0; i < ntests; i++)
			if (!named(&tests[i], argc, argv, first))
				selected[n++] = &tests[i];
	}
	return n;
}

int tap_main(int argc, char **argv, const struct tap_test *tests, int ntests,
	     const struct tap_hooks *hooks)
{
	static const struct tap_hooks defaults;
	const struct tap_test *selected[TAP_MAX_TESTS];
	int n, total, failed;
	bool except;

	if (!hooks)
		hooks = &defaults;
	if (hooks->cleanup)
		cleanup = hooks->cleanup;
	if (ntests > TAP_MAX_TESTS) {
		printf("Bail out! %s has more than %d tests\n", argv[0], TAP_MAX_TESTS);
		return 255;
	}
	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (int i = 0; i < ntests; i++)
			printf("%s\n", tests[i].name);
		if (hooks->final_test)
			printf("%s\n", hooks->final_test);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "-q") == 0) {
		silent = true;
		argv[1] = argv[0];
		argc--, argv++;
	}
	except = hooks->except && argc >= 2 && strcmp(argv[1], "-x") == 0;
	n = select_tests(argc, argv, tests, ntests, except, selected);
	if (n < 0)
		return 255;

	total = n + (hooks->final_test != NULL);
	if (!silent)
		printf("1..%d\n", total);
	failed = hooks->run ? hooks->run(selected, n) : tap_run_tests(selected, n);
	if (failed && !silent)
		printf("# %d of %d tests failed\n", failed, total);
	return failed;
}
