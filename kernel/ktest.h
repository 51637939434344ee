/*
 * In-kernel tests.  The kernel booted with `test` (or `test=NAMES`) on its
 * command line runs the tests in tests/guest/, prints TAP on the console
 * and powers off: status 0 if every test passed, 1 otherwise.
 *
 * A test is a plain function; KT_CHECK records a failed condition (with
 * file and line) and lets the test go on, so one run shows every problem.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include <stdbool.h>

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(void);
	bool explicit_only;	/* run only when named (harness self-tests) */
};

/* The table, in tests/guest/tests.c. */
extern const struct ktest ktests[];
extern const int nktests;

/* Records a failure unless cond holds; returns cond. */
bool ktest_check(bool cond, const char *expr, const char *file, int line);
#define KT_CHECK(cond) ktest_check((cond), #cond, __FILE__, __LINE__)

/* Prints a TAP diagnostic line ("# ..."). */
void ktest_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs the tests selected by `names` ("" or NULL = all that are not
 * explicit-only; otherwise a comma list of suites or suite/name) and
 * powers off with the result. */
void ktest_run(const char *names) __attribute__((noreturn));

#endif
