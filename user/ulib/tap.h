/*
 * The test harness the user-space suites share (utest, ipctest, sbtest,
 * coopcheck): a named table of tests, checks, and a main that prints TAP.
 *
 * A suite is a table of struct tap_test, one void function each, that
 * makes checks with CHECK(cond) and CHECK_EQ(got, want).  Both return
 * whether the check passed and neither returns early: a failed one prints
 * "# line N: ..." with the values it got, and the test goes on, so one
 * run shows every failure.
 *
 * tap_main() gives each suite the same command line and output:
 *
 *   SUITE              run every test
 *   SUITE NAME...      run only these
 *   SUITE -x NAME...   run all but these (only with hooks->except)
 *   SUITE -l           list the tests
 *   SUITE -q ...       print nothing (for a suite run inside another;
 *                      the exit status still counts the failures)
 *
 * It prints "1..N", then "ok K - name" or "not ok K - name" per test, then
 * "# F of N tests failed" if any did, and returns F: the exit status.  An
 * unknown name prints "Bail out! ..." and returns 255.  After each test
 * the runner kills and reaps any children the test left behind (or calls
 * hooks->cleanup); finding any fails the test.
 *
 * Include "tap.h" (it includes baton.h).
 */
#ifndef USER_TAP_H
#define USER_TAP_H

#include "baton.h"

struct tap_test {
	const char *name;
	void (*fn)(void);
};

/* What a suite does differently; every field may be left 0. */
struct tap_hooks {
	bool except;		/* accept "-x NAME...": run all but these */
	/* After each test: clears away what it left behind and returns how
	 * many things it found.  0: tap_reap_leftovers. */
	int (*cleanup)(void);
	/* Runs the selected tests (tap_run_tests) and anything more, printing
	 * their TAP lines, after tap_main printed the plan; returns how many
	 * failed.  0: tap_run_tests alone. */
	int (*run)(const struct tap_test **selected, int n);
	/* A last test that hooks->run runs after the selected ones: -l lists
	 * it and the plan counts it. */
	const char *final_test;
};

extern int tap_failed;		/* failed checks in the current test */
extern bool tap_quiet;		/* true: tap_say and the runner print nothing */

/* printf, unless tap_quiet. */
void tap_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "-14 (EFAULT)" for an error code, "0x..." for an address-sized value,
 * else the number; written to buf, which is returned. */
const char *tap_show(long v, char *buf, size_t cap);

/* Record one check: a failed one adds to tap_failed and says why. */
bool tap_check(bool ok, const char *what, int line);
bool tap_check_eq(long got, long want, const char *what, int line);

#define CHECK(cond)		tap_check((cond), #cond, __LINE__)
#define CHECK_EQ(got, want)	tap_check_eq((long)(got), (long)(want), #got, __LINE__)

/* Kills and reaps children of ours; returns how many there were. */
int tap_reap_leftovers(void);

/* Prints "ok number - name", or "not ok" if tap_failed; whether ok. */
bool tap_result(int number, const char *name);

/* Runs selected[0..n-1] as tests 1..n; returns how many failed. */
int tap_run_tests(const struct tap_test **selected, int n);

int tap_main(int argc, char **argv, const struct tap_test *tests, int ntests,
	     const struct tap_hooks *hooks);

#endif
